# Copyright (c) 2026 The rcmdd authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# The library every regress script sources. It makes a private folder,
# a watchdog and a trap; start_daemon runs the rcmdd under test in that
# folder with port 0 and waits for the port it writes. Only processes this
# script started are ever signalled, each by its PID, and only while its
# start time still matches the one noted when it was started.
#
# Set before sourcing:
#   watchdog	seconds before the whole script is killed (default 120)
#
# From the environment (make check exports them; a script run by hand
# finds the binaries of the build tree it lives in):
#   RCMDD RCMD SQLITE3 OPENSSL top_srcdir top_builddir, and PYTHON (python3)
#   KEEP_TMP	when set, the folder is kept for a post-mortem
#
# XDG_CONFIG_HOME is set to a folder in $dir that does not exist, so that
# rcmd finds no default TLS files unless a test puts them there.
#
# After start_daemon: $dir, $port, $daemon_pid, $conf, $db, $log.

test_name=${0##*/}
test_name=${test_name%.sh}

# --- Messages and checks -------------------------------------------------

# Print a message to stderr.
say() {
	printf '%s: %s\n' "$test_name" "$*" >&2
}

# Fail the test now with a message; the trap prints the daemon's log.
fail() {
	printf '%s: FAIL: %s\n' "$test_name" "$*" >&2
	exit 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] ||
	    fail "$1: expected \"$2\", got \"$3\""
}

# expect_ne WHAT UNEXPECTED ACTUAL
expect_ne() {
	[ "$2" != "$3" ] ||
	    fail "$1: did not expect \"$3\""
}

# expect_match WHAT GLOB ACTUAL
expect_match() {
	# shellcheck disable=SC2254
	case $3 in
	$2)	;;
	*)	fail "$1: expected something matching \"$2\", got \"$3\"" ;;
	esac
}

# expect_le WHAT NUMBER BOUND: NUMBER <= BOUND
expect_le() {
	[ "$2" -le "$3" ] ||
	    fail "$1: $2 is over the bound of $3"
}

# expect_ge WHAT NUMBER BOUND: NUMBER >= BOUND
expect_ge() {
	[ "$2" -ge "$3" ] ||
	    fail "$1: $2 is under the bound of $3"
}

# expect_file_eq WHAT RESULTFILE FILE: compare with cmp, showing a diff.
expect_file_eq() {
	if ! cmp -s "$2" "$3"; then
		say "$1: output differs from $2 (first lines of the diff):"
		diff -u "$2" "$3" | head -n 40 >&2
		fail "$1: output differs from $2"
	fi
}

# expect_result FILE [NAME]: compare FILE with NAME.result in the source
# folder (NAME defaults to the script's name).
expect_result() {
	expect_file_eq "${2:-$test_name}" \
	    "$top_srcdir/tests/regress/${2:-$test_name}.result" "$1"
}

# expect_log WHAT FIXED-STRING: the daemon's log holds the string.
expect_log() {
	grep -F -- "$2" "$log" >/dev/null ||
	    fail "$1: the daemon's log has no line with \"$2\""
}

# wait_for SECONDS COMMAND...: run COMMAND every 50 ms until it succeeds;
# return 1 if it never did within SECONDS.
wait_for() {
	_wf_end=$(($(now_ms) + $1 * 1000))
	shift
	while ! "$@"; do
		[ "$(now_ms)" -lt "$_wf_end" ] || return 1
		sleep 0.05
	done
	return 0
}

# Print a number without the blanks some wc put around it.
trim() {
	printf '%s\n' "$1" | tr -d ' \t'
}

# Milliseconds since the epoch.
now_ms() {
	_ns=$(date +%s%N)
	echo $((_ns / 1000000))
}

# --- Processes -------------------------------------------------------------

# Print the start time of a process (field 22 of /proc/PID/stat), or
# nothing if it is gone or a zombie.
proc_starttime() {
	{ read -r _ps_line <"/proc/$1/stat"; } 2>/dev/null || return 1
	_ps_rest=${_ps_line##*) }
	# shellcheck disable=SC2086
	set -- $_ps_rest
	[ "$1" != Z ] || return 1
	shift 19
	echo "$1"
}

# Is the process alive (and not a zombie)?
proc_alive() {
	[ -n "$(proc_starttime "$1")" ]
}

# Print the PIDs of the live children of a process.
proc_children() {
	_pc_parent=$1
	for _pc_f in /proc/[0-9]*/stat; do
		{ read -r _pc_line <"$_pc_f"; } 2>/dev/null || continue
		_pc_rest=${_pc_line##*) }
		# shellcheck disable=SC2086
		set -- $_pc_rest
		[ "$1" != Z ] && [ "$2" = "$_pc_parent" ] || continue
		_pc_p=${_pc_f#/proc/}
		echo "${_pc_p%/stat}"
	done
}

# Print the PIDs of the live processes in a process group.
proc_group() {
	_pg_group=$1
	for _pg_f in /proc/[0-9]*/stat; do
		{ read -r _pg_line <"$_pg_f"; } 2>/dev/null || continue
		_pg_rest=${_pg_line##*) }
		# shellcheck disable=SC2086
		set -- $_pg_rest
		[ "$1" != Z ] && [ "$3" = "$_pg_group" ] || continue
		_pg_p=${_pg_f#/proc/}
		echo "${_pg_p%/stat}"
	done
}

# track PID: note a process this script started, to be stopped at exit.
track() {
	_tr_st=$(proc_starttime "$1") || return 0
	echo "$1 $_tr_st" >>"$dir/tracked"
}

# track_group PGID: note the process group of a command this script had
# rcmdd start, to be stopped at exit if anything of it is left.
track_group() {
	echo "-$1 group" >>"$dir/tracked"
}

# Is a tracked entry (PID and start time, or -PGID) still there?
tracked_alive() {
	case $1 in
	-*)	[ -n "$(proc_group "${1#-}")" ] ;;
	*)	[ "$(proc_starttime "$1")" = "$2" ] ;;
	esac
}

# signal_tracked SIGNAL: send SIGNAL to every tracked process still alive
# and still the same process, and to every tracked group not empty.
signal_tracked() {
	[ -f "$dir/tracked" ] || return 0
	while read -r _st_pid _st_start; do
		tracked_alive "$_st_pid" "$_st_start" &&
		    kill "-$1" "$_st_pid" 2>/dev/null
	done <"$dir/tracked"
	return 0
}

# Are all tracked processes gone?
tracked_gone() {
	[ -f "$dir/tracked" ] || return 0
	while read -r _tg_pid _tg_start; do
		! tracked_alive "$_tg_pid" "$_tg_start" || return 1
	done <"$dir/tracked"
	return 0
}

# --- Set-up and clean-up -----------------------------------------------------

lib_cleanup() {
	_lc_rc=$?
	trap - EXIT HUP INT TERM
	# Tell the watchdog, which also looks for this file, that we are done.
	if [ -n "${dir:-}" ] && [ -d "$dir" ]; then
		echo "$_lc_rc" >"$dir/done"
	fi
	if [ -n "${lib_watchdog_pid:-}" ]; then
		kill -TERM "$lib_watchdog_pid" 2>/dev/null
	fi
	if [ -n "${dir:-}" ] && [ -d "$dir" ]; then
		signal_tracked TERM
		if ! wait_for 5 tracked_gone; then
			say "processes still running 5 s after SIGTERM: SIGKILL"
			signal_tracked KILL
			wait_for 2 tracked_gone || :
		fi
		# The subshells that note the daemons' exit status end now.
		if tracked_gone; then
			for _lc_w in ${lib_wrappers:-}; do
				wait "$_lc_w" 2>/dev/null
			done
		fi
		# A daemon built with --enable-sanitizers reports here.
		if [ -s "$dir/rcmdd.log" ] && grep -q -e 'ERROR: AddressSanitizer' \
		    -e 'ERROR: LeakSanitizer' -e 'runtime error:' \
		    -e 'WARNING: ThreadSanitizer' "$dir/rcmdd.log"; then
			say "FAIL: the sanitizers reported errors"
			[ "$_lc_rc" -ne 0 ] || _lc_rc=1
		fi
		# Under valgrind -q, any line of its own is an error or a leak.
		if [ -n "${RCMDD_WRAPPER:-}" ] && [ -s "$dir/rcmdd.log" ] &&
		    grep -q '^==[0-9]*==' "$dir/rcmdd.log"; then
			say "FAIL: $RCMDD_WRAPPER reported errors"
			[ "$_lc_rc" -ne 0 ] || _lc_rc=1
		fi
		if [ "$_lc_rc" -ne 0 ] && [ -s "$dir/rcmdd.log" ]; then
			say "the daemon's log:"
			sed 's/^/	/' "$dir/rcmdd.log" >&2
		fi
		if [ -n "${KEEP_TMP:-}" ]; then
			say "kept $dir"
		else
			rm -rf "$dir"
		fi
	fi
	exit "$_lc_rc"
}

# The watchdog: a separate shell that waits $watchdog seconds, then stops
# this script and what it started: the tracked processes and the script's
# own children (SIGTERM, then SIGKILL), and the script, whose trap cleans
# up and exits 143. It ends at once on SIGTERM, or within a second once the
# script has marked its folder done or removed it.
lib_start_watchdog() {
	/bin/sh -c '
		script=$1 bound=$2 dir=$3 name=$4
		# The script is running while its folder is there and not
		# marked done; look every second, so that a watchdog that
		# missed its SIGTERM still ends soon after the script.
		running() {
			[ -d "$dir" ] && [ ! -e "$dir/done" ]
		}
		trap "exit 0" TERM
		n=0
		while [ "$n" -lt "$bound" ]; do
			sleep 1
			running || exit 0
			n=$((n + 1))
		done
		trap "" TERM
		echo "$name: FAIL: watchdog: still running after $bound s;" \
		    "killing it" >&2
		# The processes the script tracked, if they are still the same.
		kill_ours() {
			sig=$1
			[ -f "$dir/tracked" ] || return 0
			while read -r pid start; do
				line=$(cat "/proc/$pid/stat" 2>/dev/null) ||
				    continue
				set -- ${line##*) }
				shift 19
				[ "$1" = "$start" ] && kill "-$sig" "$pid"
			done <"$dir/tracked"
		}
		# What the script waits for: its children but this watchdog
		# and the subshells that wait for the daemons.
		kill_children() {
			sig=$1
			for f in /proc/[0-9]*/stat; do
				line=$(cat "$f" 2>/dev/null) || continue
				set -- ${line##*) }
				[ "$2" = "$script" ] || continue
				p=${f#/proc/}
				p=${p%/stat}
				[ "$p" != "$$" ] || continue
				grep -qx "$p" "$dir/wrappers" 2>/dev/null &&
				    continue
				kill "-$sig" "$p"
			done
		}
		# Wait up to $1 seconds for the script to end.
		script_ends() {
			n=0
			while [ "$n" -lt "$(($1 * 10))" ]; do
				kill -0 "$script" 2>/dev/null || return 0
				sleep 0.1
				n=$((n + 1))
			done
			return 1
		}
		# The script exits (status 143) once what it waits for ends.
		kill -TERM "$script" 2>/dev/null
		kill_ours TERM 2>/dev/null
		kill_children TERM 2>/dev/null
		script_ends 3 && exit 0
		running || exit 0
		kill_children KILL 2>/dev/null
		kill_ours KILL 2>/dev/null
		script_ends 5 && exit 0
		running || exit 0
		kill -KILL "$script" 2>/dev/null
	' watchdog "$$" "${watchdog:-120}" "$dir" "$test_name" &
	lib_watchdog_pid=$!
}

lib_init() {
	if [ -z "${top_srcdir:-}" ] || [ -z "${top_builddir:-}" ]; then
		_li_here=$(cd "$(dirname "$0")/../.." && pwd) ||
		    fail "cannot find the source tree"
		: "${top_srcdir:=$_li_here}" "${top_builddir:=$_li_here}"
	fi
	: "${RCMDD:=$top_builddir/daemon/rcmdd}" "${RCMD:=$top_builddir/client/rcmd}"
	if [ -z "${SQLITE3+set}" ]; then
		SQLITE3=$(command -v sqlite3 || :)
	fi
	if [ -z "$SQLITE3" ]; then
		fail "the sqlite3 shell is needed to read the audit log, and" \
		    "configure did not find it: install the sqlite3 package" \
		    "(apt-get install sqlite3) and run ./configure again"
	fi
	[ -x "$RCMDD" ] || fail "no rcmdd at $RCMDD: run make first"
	[ -x "$RCMD" ] || fail "no rcmd at $RCMD: run make first"
	: "${PYTHON:=python3}"

	dir=$(mktemp -d "${TMPDIR:-/tmp}/rcmdd-test.XXXXXXXX") ||
	    fail "mktemp -d failed"
	conf=$dir/rcmdd.conf
	db=$dir/audit.db
	log=$dir/rcmdd.log
	# rcmd speaks TLS when it finds a cert.pem there: never the user's.
	XDG_CONFIG_HOME=$dir/config
	export XDG_CONFIG_HOME
	: >"$log"
	trap lib_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lib_start_watchdog
	write_config
}

# need_valgrind: skip the test, saying why, unless rcmdd can run under
# valgrind here (it is installed, and the build is not a sanitizer's).
need_valgrind() {
	if ! command -v valgrind >/dev/null 2>&1; then
		say "SKIP: valgrind is not installed (apt-get install valgrind)"
		exit 77
	fi
	if [ -n "${RCMDD_SANITIZED:-}" ]; then
		say "SKIP: a sanitizer build cannot run under valgrind"
		exit 77
	fi
}

# --- The daemon --------------------------------------------------------------

# write_config [LINE...]: the test's configuration, with extra lines.
write_config() {
	{
		echo "# written by $test_name"
		echo "Port 0"
		echo "PortFile $dir/port"
		echo "Database $db"
		# Commands run as the test's own user (as root: RunAs root,
		# which must be written out) unless the test names another.
		case " $* " in
		*" RunAs "*)	;;
		*)		echo "RunAs $(id -un)" ;;
		esac
		# Not root, commands can only run as the test's user, who
		# owns the database: a single-user trial, said so.
		[ "$(id -u)" -eq 0 ] || echo "SingleUser yes"
		# As root, the network part confines itself as a user of
		# its own, which must not be the RunAs user.
		if [ "$(id -u)" -eq 0 ]; then
			case " $* " in
			*" NetworkUser "*)	;;
			*" RunAs nobody "*)	echo "NetworkUser daemon" ;;
			*)			echo "NetworkUser nobody" ;;
			esac
		fi
		# A terminal's login records go to the test's own files,
		# never the machine's utmp and wtmp.
		case " $* " in
		*" SessionUtmp "*)	;;
		*)			echo "SessionUtmp $dir/utmp" ;;
		esac
		case " $* " in
		*" SessionWtmp "*)	;;
		*)			echo "SessionWtmp $dir/wtmp" ;;
		esac
		for _wc_line in "$@"; do
			echo "$_wc_line"
		done
	} >"$conf.tmp" && mv "$conf.tmp" "$conf"
	[ -e "$dir/utmp" ] || : >"$dir/utmp"
	[ -e "$dir/wtmp" ] || : >"$dir/wtmp"
}

# start_daemon [FLAG...]: start rcmdd -f on the configuration, its stderr
# to the log, and wait up to 10 s for its port file. Fails at once if it
# exits.
start_daemon() {
	rm -f "$dir/port" "$dir/rcmdd.pid" "$dir/rcmdd.status"
	daemon_status=
	# A subshell starts rcmdd and notes its exit status when it ends.
	(
		# RCMDD_WRAPPER runs the daemon under valgrind or the like.
		${RCMDD_WRAPPER:-} "$RCMDD" -f -c "$conf" "$@" </dev/null \
		    2>>"$log" &
		echo "$!" >"$dir/rcmdd.pid.tmp"
		mv "$dir/rcmdd.pid.tmp" "$dir/rcmdd.pid"
		wait "$!"
		echo "$?" >"$dir/rcmdd.status.tmp"
		mv "$dir/rcmdd.status.tmp" "$dir/rcmdd.status"
	) 2>/dev/null &
	lib_wrappers="${lib_wrappers:-} $!"
	echo "$!" >>"$dir/wrappers"
	_sd_wait=10000
	[ -z "${RCMDD_WRAPPER:-}" ] || _sd_wait=60000
	_sd_end=$(($(now_ms) + _sd_wait))
	daemon_pid=
	while :; do
		if [ -z "$daemon_pid" ] && [ -s "$dir/rcmdd.pid" ]; then
			daemon_pid=$(cat "$dir/rcmdd.pid")
			track "$daemon_pid"
		fi
		if [ -s "$dir/port" ] && [ -n "$daemon_pid" ]; then
			port=$(cat "$dir/port")
			case $port in
			''|*[!0-9]*|0)
				fail "rcmdd wrote \"$port\" to its port file" ;;
			esac
			return 0
		fi
		if [ -s "$dir/rcmdd.status" ]; then
			say "rcmdd's log:"
			sed 's/^/	/' "$log" >&2
			fail "rcmdd $* exited with status" \
			    "$(cat "$dir/rcmdd.status") before writing its port file"
		fi
		[ "$(now_ms)" -lt "$_sd_end" ] ||
		    fail "rcmdd wrote no port file within $((_sd_wait / 1000)) s"
		sleep 0.05
	done
}

# daemon_pids: rcmdd's processes, both its parts: the one started and its
# network part, a child also named rcmdd.
daemon_pids() {
	echo "$daemon_pid"
	ps --ppid "$daemon_pid" -o pid=,comm= | awk '$2 == "rcmdd" { print $1 }'
}

# daemon_rss_kb: the resident kB of both parts of rcmdd, summed.
daemon_rss_kb() {
	_r_sum=0
	for _r_p in $(daemon_pids); do
		_r_kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' \
		    "/proc/$_r_p/status" 2>/dev/null)
		_r_sum=$((_r_sum + ${_r_kb:-0}))
	done
	echo "$_r_sum"
}

# Has the daemon exited? Sets daemon_status.
daemon_exited() {
	[ -s "$dir/rcmdd.status" ] || return 1
	daemon_status=$(cat "$dir/rcmdd.status")
}

# wait_daemon_exit SECONDS: wait for the daemon to exit; 1 if it did not.
wait_daemon_exit() {
	wait_for "$1" daemon_exited
}

# stop_daemon: SIGTERM, and wait up to 15 s for it to exit.
stop_daemon() {
	kill -TERM "$daemon_pid" 2>/dev/null
	wait_daemon_exit 15 || fail "rcmdd did not exit within 15 s of SIGTERM"
}

# lock_db SECONDS: hold the audit database's write lock for SECONDS in
# the background (the PID in locker, tracked); it is held when lock_db
# returns. Past rcmdd's 5 s busy timeout, its commits fail.
lock_db() {
	( echo "BEGIN IMMEDIATE;"; sleep "$1"; echo "COMMIT;" ) |
	    "$SQLITE3" "$db" >/dev/null 2>&1 &
	locker=$!
	track "$locker"
	sleep 0.5
}

# --- Clients -------------------------------------------------------------------

# rcmd [OPTION...] [COMMAND...]: run the client against the daemon on
# 127.0.0.1. Options (-n, -v, -t N) go before the host.
rcmd() {
	lib_rcmd fg "$@"
}

# rcmd_bg [OPTION...] [COMMAND...]: the same in the background; the PID of
# rcmd itself (not of a subshell) is in rcmd_pid, and tracked.
rcmd_bg() {
	lib_rcmd bg "$@"
}

# prompt_bg [OPTION...]: rcmd's prompt on 127.0.0.1 in the background,
# reading the lines written to descriptor 3 (a FIFO, $dir/in, opened
# here; close it with exec 3>&-), its output in $dir/out and $dir/err,
# its PID in rcmd_pid, tracked. Not rcmd_bg: sh gives a background command
# /dev/null for stdin unless the command redirects it itself.
prompt_bg() {
	[ -p "$dir/in" ] || mkfifo "$dir/in" || fail "mkfifo $dir/in"
	"$RCMD" -p "$port" "$@" 127.0.0.1 <"$dir/in" >"$dir/out" \
	    2>"$dir/err" &
	rcmd_pid=$!
	track "$rcmd_pid"
	exec 3>"$dir/in"
}

# rcmd_within SECONDS [OPTION...] [COMMAND...]: the same in the foreground,
# killed (status 137) if it runs longer than SECONDS. rcmd passes SIGTERM
# on to the command, so only SIGKILL surely stops it.
rcmd_within() {
	rcmd_limit=$1
	shift
	lib_rcmd limit "$@"
}

lib_rcmd() {
	_rc_mode=$1
	shift
	_rc_nopt=0
	_rc_skip=0
	for _rc_a in "$@"; do
		if [ "$_rc_skip" = 1 ]; then
			_rc_skip=0
		else
			case $_rc_a in
			-t|-p|-l|-m|-C|--cert|--key|--ca)	_rc_skip=1 ;;
			--)	_rc_nopt=$((_rc_nopt + 1)); break ;;
			-?*)	;;
			*)	break ;;
			esac
		fi
		_rc_nopt=$((_rc_nopt + 1))
	done
	# Rotate the arguments, putting the host after the options.
	_rc_i=0
	for _rc_a in "$@"; do
		[ "$_rc_i" -ne "$_rc_nopt" ] || set -- "$@" 127.0.0.1
		set -- "$@" "$_rc_a"
		shift
		_rc_i=$((_rc_i + 1))
	done
	[ "$_rc_i" -ne "$_rc_nopt" ] || set -- "$@" 127.0.0.1
	if [ "$_rc_mode" = bg ]; then
		"$RCMD" -p "$port" "$@" &
		rcmd_pid=$!
		track "$rcmd_pid"
	elif [ "$_rc_mode" = limit ]; then
		timeout -s KILL "$rcmd_limit" "$RCMD" -p "$port" "$@"
	else
		"$RCMD" -p "$port" "$@"
	fi
}

# --- TLS -------------------------------------------------------------------------

# rcmd_as NAME [OPTION...] [COMMAND...]: rcmd with the certificate and
# key of NAME from make_certs.
rcmd_as() {
	_ra_who=$1
	shift
	rcmd --cert "$certs/$_ra_who.pem" --key "$certs/$_ra_who.key" \
	    --ca "$certs/ca.pem" "$@"
}

# conf_line TEXT: the number of the configuration's line that is TEXT.
conf_line() {
	grep -n -x -F -- "$1" "$conf" | cut -d: -f1
}

# expect_refused NAME MESSAGE ROW COMMAND...: exit 255, MESSAGE on stderr
# (a glob), and a new denied row that reads ROW in the query $last_row.
expect_refused() {
	_er_name=$1 _er_message=$2 _er_row=$3
	shift 3
	_er_before=$(sql "SELECT count(*) FROM commands
	    WHERE status = 'denied'")
	"$@" >"$dir/out" 2>"$dir/err"
	expect_eq "$_er_name: status" 255 "$?"
	expect_eq "$_er_name: stdout" "" "$(cat "$dir/out")"
	expect_match "$_er_name: message" "$_er_message" "$(cat "$dir/err")"
	wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'denied'" \
	    $((_er_before + 1)) || fail "$_er_name: no denied row"
	expect_eq "$_er_name: row" "$_er_row" "$(sql "$last_row")"
}

# run_frame TYPE=VALUE...: the payload of a RUN frame, in hexadecimal for
# rawclient.py's frame=6:HEX, with no time limit and these fields in
# order; VALUE takes Python escapes (\x00).
run_frame() {
	"$PYTHON" - "$@" <<'PY'
import struct, sys
fields = b""
for a in sys.argv[1:]:
    t, v = a.split("=", 1)
    v = v.encode().decode("unicode_escape").encode("latin-1")
    fields += struct.pack(">BH", int(t), len(v)) + v
sys.stdout.write((struct.pack(">II", 0, 0) + fields).hex())
PY
}

# make_certs [SAN,...]: make the test certificates with mkcerts.sh (which
# lists them) in $dir/certs, the server's for the extra names given too,
# and set certs to that folder.
make_certs() {
	if [ -z "${OPENSSL:-}" ]; then
		OPENSSL=$(command -v openssl || :)
	fi
	[ -n "$OPENSSL" ] ||
	    fail "the openssl command makes the test certificates, and" \
		"configure did not find it: install the openssl package" \
		"(apt-get install openssl) and run ./configure again"
	certs=$dir/certs
	mkdir "$certs" &&
	    OPENSSL=$OPENSSL sh "$top_srcdir/tests/regress/mkcerts.sh" "$certs" \
	    ${1+"$1"} ||
	    fail "mkcerts.sh could not make the test certificates"
}

# sql QUERY: query the audit database with the sqlite3 shell.
sql() {
	"$SQLITE3" -batch -cmd '.timeout 5000' "$db" "$@"
}

# expect_sql WHAT QUERY EXPECTED: the query prints EXPECTED now.
expect_sql() {
	sql_got=$(sql "$2" 2>&1)
	[ "$sql_got" = "$3" ] ||
	    fail "$1: $2: expected \"$3\", got \"$sql_got\""
}

# wait_sql SECONDS QUERY EXPECTED: wait until the query prints EXPECTED;
# return 1 if it did not within SECONDS, with its last answer in sql_got.
wait_sql() {
	_ws_end=$(($(now_ms) + $1 * 1000))
	while :; do
		sql_got=$(sql "$2" 2>&1)
		[ "$sql_got" != "$3" ] || return 0
		[ "$(now_ms)" -lt "$_ws_end" ] || return 1
		sleep 0.05
	done
}

# raw ACTION...: the raw protocol client, on the daemon's port.
raw() {
	command -v "$PYTHON" >/dev/null 2>&1 ||
	    fail "$PYTHON is needed for the raw protocol tests: install" \
		"python3"
	"$PYTHON" "$top_srcdir/tests/regress/rawclient.py" -p "$port" "$@"
}

# The daemon still serves a normal command.
expect_serving() {
	_es_out=$(rcmd -n true 2>&1)
	_es_rc=$?
	[ "$_es_rc" -eq 0 ] && [ -z "$_es_out" ] ||
	    fail "rcmdd no longer serves \"rcmd true\": status $_es_rc: $_es_out"
}

lib_init
