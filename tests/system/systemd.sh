#!/bin/sh
#
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

# The packages under a real systemd: run by `make check-system` (and by
# .ci/run), never by `make check`, as it takes a few minutes.
#
# It builds the Debian packages of this tree, and of the code as it was
# at the commit OLD_COMMIT below (from git history: without it the
# upgrade part is skipped and says so), boots systemd in a container
# (systemd-nspawn -b on a debootstrap root of Debian 12, with a private
# network: only its own loopback), and checks as an operator would:
#   - the old packages installed, a populated audit log and a command
#     running, the new packages installed over them: every row still
#     verifies, the running command ends as rcmdd(8) says a stop does,
#     and the old rcmd still works against the new rcmdd;
#   - "systemctl restart rcmdd && rcmd 127.0.0.1 true", 20 times, and
#     "systemctl enable --now rcmdd && rcmd ..." all succeed;
#   - systemctl reload with a good configuration (status 0, the journal
#     says reloaded) and with bad ones (non-zero, the journal says why);
#   - rcmdd --list shows a running command and rcmdd --end ends it;
#   - rcmdd --test-confinement: from inside the network part's
#     confinement, the database, writing, execve and setuid are refused;
#   - with RunAs root, writing /etc and apt's lists, ip, ss and dmesg end
#     through rcmd as they do without it (the unit binds no command);
#   - the network part killed with SIGKILL: its command is killed, its
#     row ended interrupted, and systemd brings rcmdd back;
#   - systemctl stop while a command runs drains it;
#   - dpkg --purge removes /etc/rcmdd.conf and /var/lib/rcmdd.
#
# It needs root, debootstrap, systemd-nspawn (Debian's systemd-container),
# nsenter, and the package build tools (install-deps.sh installs them
# all); missing ones are installed with apt-get. It exits 77 (skipped, the
# reason on stderr) when not root, when those cannot be had, or when the
# container's systemd does not come up; it never passes without running.
#
# The debootstrap root is cached in /var/tmp/rcmdd-system-cache (or
# RCMDD_SYSTEM_CACHE), keyed by the suite, mirror, architecture and
# package list, and made again when missing (about a minute, from
# deb.debian.org: the only network use); each run boots a copy, so the
# cache is never changed. The old packages are cached there too, keyed
# by the commit. Host PID 1 need not be
# systemd: nspawn runs with --register=no --keep-unit, and commands enter
# the container with nsenter. At exit, whatever happened, the container
# is powered off (its nspawn process killed, by PID, only if it does not
# stop within a bound), every process the script started is ended by PID,
# and the temporary folder is removed. KEEP_TMP=1 keeps the folder.
#
# From the environment (make check-system sets them): top_srcdir,
# top_builddir, MAKE.

set -u

OLD_COMMIT=f8981e8
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
INCLUDE=systemd,systemd-sysv,dbus,sqlite3,libevent-2.1-7,libevent-pthreads-2.1-7,libevent-openssl-2.1-7,libsqlite3-0,libbsd0,libedit2,libssl3,libcap-ng0,libpq5,adduser,procps,iproute2
CACHE=${RCMDD_SYSTEM_CACHE:-/var/tmp/rcmdd-system-cache}
BOOT_BOUND=60		# seconds for systemd to reach running or degraded
WATCHDOG=900		# seconds for the whole script

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MAKE=${MAKE:-make}

name=systemd
t_start=$(date +%s)
work=
nspawn_pid=
init_pid=
bg_pids=
watchdog_pid=
checks=0

say() {
	printf '%s: %s\n' "$name" "$*"
}

fail() {
	printf '%s: FAIL: %s\n' "$name" "$*" >&2
	exit 1
}

skip() {
	printf '%s: SKIP: %s\n' "$name" "$*" >&2
	exit 77
}

# Milliseconds since the epoch.
now_ms() {
	_ns=$(date +%s%N)
	echo $((_ns / 1000000))
}

# ok WHAT [START_MS]: count a check that held, with its time (WHAT is
# one argument).
ok() {
	checks=$((checks + 1))
	if [ $# -gt 1 ]; then
		say "ok: $1 ($(($(now_ms) - $2)) ms)"
	else
		say "ok: $1"
	fi
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected \"$2\", got \"$3\""
}

# expect_match WHAT GLOB ACTUAL
expect_match() {
	# shellcheck disable=SC2254
	case $3 in
	$2)	;;
	*)	fail "$1: expected something matching \"$2\", got \"$3\"" ;;
	esac
}

# Is this child process still running (not gone, not a zombie)?
alive() {
	_st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	_st=${_st##*) }
	[ "${_st%% *}" != Z ]
}

# wait_gone SECONDS PID: wait for a child to end; 1 if it did not in time.
wait_gone() {
	_end=$(($(now_ms) + $1 * 1000))
	while alive "$2"; do
		[ "$(now_ms)" -lt "$_end" ] || return 1
		sleep 0.1
	done
	wait "$2" 2>/dev/null
	return 0
}

# wait_for SECONDS COMMAND...: run COMMAND every 200 ms until it
# succeeds; 1 if it never did within SECONDS.
wait_for() {
	_end=$(($(now_ms) + $1 * 1000))
	shift
	while ! "$@"; do
		[ "$(now_ms)" -lt "$_end" ] || return 1
		sleep 0.2
	done
	return 0
}

# Stop a process this script started, by PID: SIGTERM, then SIGKILL.
stop_pid() {
	alive "$1" || { wait "$1" 2>/dev/null; return 0; }
	kill -TERM "$1" 2>/dev/null
	wait_gone 5 "$1" && return 0
	kill -KILL "$1" 2>/dev/null
	wait_gone 5 "$1"
}

cleanup() {
	trap - EXIT INT TERM HUP
	for _p in $bg_pids; do
		stop_pid "$_p"
	done
	if [ -n "$nspawn_pid" ] && alive "$nspawn_pid"; then
		if [ -n "$init_pid" ]; then
			nsenter -t "$init_pid" -a systemctl poweroff \
			    >/dev/null 2>&1
		fi
		if ! wait_gone 30 "$nspawn_pid"; then
			say "the container did not power off in 30 s:" \
			    "ending systemd-nspawn (pid $nspawn_pid)"
			stop_pid "$nspawn_pid"
		fi
	fi
	[ -z "$watchdog_pid" ] || stop_pid "$watchdog_pid"
	if [ -n "$work" ] && [ -d "$work" ]; then
		if [ -n "${KEEP_TMP:-}" ]; then
			say "kept $work"
		else
			rm -rf --one-file-system "$work"
		fi
	fi
}
# On a failure, the unit's journal in the container says what rcmdd did.
dump_journal() {
	[ -n "$init_pid" ] && [ -n "$nspawn_pid" ] && alive "$nspawn_pid" ||
	    return 0
	echo "$name: the last lines of journalctl -u rcmdd:" >&2
	nsenter -t "$init_pid" -a journalctl -q -u rcmdd --no-pager -n 30 >&2
}
# shellcheck disable=SC2154
trap 'status=$?; [ "$status" -eq 0 ] || [ "$status" -eq 77 ] ||
    dump_journal; cleanup; exit $status' EXIT
trap 'exit 1' INT TERM HUP

# --- What the host needs -------------------------------------------------

[ "$(id -u)" -eq 0 ] ||
    skip "needs root (debootstrap, systemd-nspawn, dpkg in a container)"
command -v dpkg-query >/dev/null 2>&1 ||
    skip "not a Debian system (no dpkg-query)"

host_deps="debootstrap systemd-container util-linux dpkg-dev debhelper \
fakeroot"
missing=
for p in $host_deps; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing$missing"
	{ apt-get update -qq &&
	    env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing; } >/dev/null 2>&1 ||
	    skip "apt-get could not install$missing (install-deps.sh" \
		"installs them)"
fi
for c in debootstrap systemd-nspawn nsenter flock dpkg-buildpackage openssl; do
	command -v "$c" >/dev/null 2>&1 || skip "no $c"
done

work=$(mktemp -d /var/tmp/rcmdd-system.XXXXXX) ||
    fail "mktemp could not make a folder in /var/tmp"
# The watchdog: the whole script is bounded.
( sleep "$WATCHDOG"; echo "$name: watchdog: over $WATCHDOG s" >&2
    kill -TERM $$ ) </dev/null >/dev/null 2>&1 &
watchdog_pid=$!

# --- The packages ----------------------------------------------------------

arch=$(dpkg --print-architecture)
new_version=$(sed -n '1s/^rcmdd (\([^)]*\)).*/\1/p' \
    "$top_srcdir/debian/changelog")
expect_match "debian/changelog version" "[0-9]*.[0-9]*.[0-9]*-[0-9]*" \
    "$new_version"

# build_debs SRCDIR LOG: dpkg-buildpackage -us -uc -b in SRCDIR.
build_debs() {
	(cd "$1" && dpkg-checkbuilddeps && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	    dpkg-buildpackage -us -uc -b) >"$2" 2>&1
}

t=$(now_ms)
new_src=$work/new/rcmdd-${new_version%-*}
mkdir -p "$work/new"
$MAKE -s -C "$top_builddir" distdir distdir="$new_src" \
    >"$work/distdir.log" 2>&1 || {
	cat "$work/distdir.log" >&2
	fail "make distdir failed"
}
build_debs "$new_src" "$work/new/build.log" &
new_build=$!
bg_pids="$bg_pids $new_build"

# The old packages, from the commit before this round, cached by commit.
old_debs=
old_why=
if ! git -C "$top_srcdir" rev-parse -q --verify "$OLD_COMMIT^{commit}" \
    >/dev/null 2>&1; then
	old_why="no git history with commit $OLD_COMMIT in $top_srcdir"
else
	old_full=$(git -C "$top_srcdir" rev-parse "$OLD_COMMIT^{commit}")
	old_cache=$CACHE/old-$old_full-$arch
	if ! ls "$old_cache"/rcmdd_*.deb "$old_cache"/rcmd_*.deb \
	    >/dev/null 2>&1; then
		mkdir -p "$work/old/src" "$CACHE"
		git -C "$top_srcdir" archive "$old_full" |
		    tar -x -C "$work/old/src" ||
		    fail "git archive $OLD_COMMIT could not be unpacked"
		build_debs "$work/old/src" "$work/old/build.log" || {
			tail -n 30 "$work/old/build.log" >&2
			fail "dpkg-buildpackage failed on commit $OLD_COMMIT"
		}
		rm -rf "$old_cache.tmp.$$"
		mkdir -p "$old_cache.tmp.$$"
		cp "$work/old"/rcmdd_*.deb "$work/old"/rcmd_*.deb \
		    "$old_cache.tmp.$$/" &&
		    mv "$old_cache.tmp.$$" "$old_cache" ||
		    fail "could not cache the old packages in $old_cache"
	fi
	old_debs=$old_cache
fi
wait "$new_build"
build_status=$?
bg_pids=
[ "$build_status" -eq 0 ] || {
	tail -n 30 "$work/new/build.log" >&2
	fail "dpkg-buildpackage failed on this tree"
}
for p in rcmdd rcmd; do
	[ -f "$work/new/${p}_${new_version}_$arch.deb" ] ||
	    fail "dpkg-buildpackage made no ${p}_${new_version}_$arch.deb"
done
if [ -n "$old_debs" ]; then
	old_version=$(dpkg-deb -f "$old_debs"/rcmdd_*.deb Version)
	ok "packages built: $new_version, and $old_version from $OLD_COMMIT" "$t"
	dpkg --compare-versions "$new_version" gt "$old_version" ||
	    fail "the new package's version $new_version is not above the" \
		"old one's, $old_version: bump debian/changelog"
	ok "version $new_version is above $old_version"
else
	ok "packages built: $new_version" "$t"
fi

# --- The container -----------------------------------------------------

key=$(printf '%s\n' "$SUITE" "$MIRROR" "$arch" "$INCLUDE" | cksum |
    cut -d' ' -f1)
cached_root=$CACHE/root-$SUITE-$arch-$key
t=$(now_ms)
mkdir -p "$CACHE"
# One debootstrap at a time; the finished root appears whole, by mv.
(
	flock 9
	if [ ! -x "$cached_root/usr/lib/systemd/systemd" ]; then
		rm -rf --one-file-system "$cached_root.tmp"
		debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" \
		    "$cached_root.tmp" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
		    exit 1
		mv "$cached_root.tmp" "$cached_root"
	fi
) 9>"$CACHE/lock" || {
	rm -rf --one-file-system "$cached_root.tmp"
	skip "debootstrap of $SUITE from $MIRROR failed:" \
	    "$(tail -n 3 "$work/debootstrap.log")"
}
root=$work/root
cp -a "$cached_root" "$root" || fail "could not copy $cached_root"
mkdir -p "$root/root/pkgs/new" "$root/root/pkgs/old"
cp "$work/new"/rcmdd_*.deb "$work/new"/rcmd_*.deb "$root/root/pkgs/new/"
[ -z "$old_debs" ] ||
    cp "$old_debs"/rcmdd_*.deb "$old_debs"/rcmd_*.deb "$root/root/pkgs/old/"
ok "container root ready" "$t"

machine=rcmdd-sys-$$
t=$(now_ms)
systemd-nspawn -q -D "$root" -b --private-network --machine="$machine" \
    --register=no --keep-unit --console=pipe \
    </dev/null >"$work/boot.log" 2>&1 &
nspawn_pid=$!

# find_init: the container's init, the child of systemd-nspawn that runs
# systemd. nspawn's first child (the "outer child") sets up and clones the
# container's init, which is reparented to nspawn when that child exits:
# taking any child of nspawn could take the outer one, which is gone a
# moment later.
find_init() {
	init_pid=$(pgrep -P "$nspawn_pid" -x systemd | head -n 1)
	[ -n "$init_pid" ]
}
wait_for 20 find_init || {
	tail -n 20 "$work/boot.log" >&2
	skip "systemd-nspawn started no init within 20 s"
}

# ct COMMAND...: run a command in the container, with a clean
# environment.
ct() {
	nsenter -t "$init_pid" -a env -i \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

system_up() {
	case $(ct systemctl is-system-running 2>/dev/null) in
	running|degraded) return 0 ;;
	esac
	return 1
}
wait_for "$BOOT_BOUND" system_up || {
	tail -n 20 "$work/boot.log" >&2
	skip "the container's systemd is not running after $BOOT_BOUND s:" \
	    "$(ct systemctl is-system-running 2>&1)"
}
ok "systemd in the container is $(ct systemctl is-system-running)" "$t"

# sql QUERY: ask the audit log in the container.
sql() {
	ct sqlite3 -batch /var/lib/rcmdd/audit.db "$1" 2>&1
}

# verify WHAT: every row of the audit log verifies.
verify() {
	_v=$(ct rcmdd --verify-audit /var/lib/rcmdd/audit.db 2>&1) ||
	    fail "$1: rcmdd --verify-audit: $_v"
	expect_match "$1: rcmdd --verify-audit" "*rows verified*" "$_v"
	say "$1: $_v"
}

# rows_running PATTERN: how many rows whose command is like PATTERN run.
rows_running() {
	sql "SELECT count(*) FROM commands WHERE status = 'running' AND
	    command LIKE '$1'"
}

# one_running PATTERN: exactly one row whose command is like PATTERN runs.
one_running() {
	[ "$(rows_running "$1")" = 1 ]
}

# start_bg TAG COMMAND: run rcmd COMMAND in the container in the
# background, its output in /root/TAG.out and status in /root/TAG.rc.
start_bg() {
	rm -f "$root/root/$1.out" "$root/root/$1.rc"
	ct sh -c "rcmd 127.0.0.1 '$2' >/root/$1.out 2>&1; echo \$? >/root/$1.rc" \
	    </dev/null >/dev/null 2>&1 &
	bg_pids="$bg_pids $!"
	eval "bg_$1=$!"
}

# wait_bg TAG SECONDS: wait for a background rcmd; print its status.
wait_bg() {
	eval "_pid=\$bg_$1"
	# shellcheck disable=SC2154
	wait_gone "$2" "$_pid" ||
	    fail "rcmd of $1 did not end in $2 s: $(cat "$root/root/$1.out")"
	cat "$root/root/$1.rc"
}

# write_conf [RUNAS]: the configuration this test installs: the package's
# user (or RUNAS), and the drain time it relies on, written as an
# operator edits a conffile.
write_conf() {
	cat >"$root/etc/rcmdd.conf" <<-EOF
	# rcmdd.conf of the system test.
	RunAs ${1:-rcmd}
	ListenAddress 127.0.0.1
	ShutdownGrace 10s
	KillGrace 2s
	EOF
}

journal_mark=0
# jmark: remember how far the unit's journal is.
jmark() {
	journal_mark=$(ct journalctl -q -u rcmdd -o cat --no-pager | wc -l)
}
# jsince: the unit's journal lines since jmark.
jsince() {
	ct journalctl -q -u rcmdd -o cat --no-pager |
	    tail -n +$((journal_mark + 1))
}
# jhas FIXED-STRING: the journal since jmark holds it.
jhas() {
	jsince | grep -F -- "$1" >/dev/null
}

# --- The upgrade from the old packages -------------------------------------

if [ -z "$old_debs" ]; then
	say "SKIPPED the upgrade checks: $old_why"
	t=$(now_ms)
	ct sh -c "dpkg -i /root/pkgs/new/*.deb" \
	    >"$work/install.log" 2>&1 || {
		cat "$work/install.log" >&2
		fail "dpkg -i of the new packages failed"
	}
	write_conf
	ct systemctl enable --now rcmdd >"$work/enable.log" 2>&1 ||
	    fail "systemctl enable --now rcmdd: $(cat "$work/enable.log")"
	ok "new packages installed and started" "$t"
else
	t=$(now_ms)
	ct sh -c "dpkg -i /root/pkgs/old/*.deb" \
	    >"$work/install-old.log" 2>&1 || {
		cat "$work/install-old.log" >&2
		fail "dpkg -i of the old packages ($old_version) failed"
	}
	write_conf
	ct systemctl enable --now rcmdd >"$work/enable.log" 2>&1 ||
	    fail "old: systemctl enable --now rcmdd: $(cat "$work/enable.log")"
	# Type=simple: systemctl returns before rcmdd listens.
	wait_for 10 ct rcmd 127.0.0.1 true >/dev/null 2>&1 ||
	    fail "old: rcmd 127.0.0.1 true fails 10 s after enable --now:" \
		"$(ct rcmd 127.0.0.1 true 2>&1)"
	ok "old packages $old_version installed and serving" "$t"

	# What the old unit does on restart, for the record.
	old_fail=0
	for i in 1 2 3 4 5; do
		ct systemctl reset-failed rcmdd
		ct sh -c 'systemctl restart rcmdd && rcmd 127.0.0.1 true' \
		    >/dev/null 2>&1 || old_fail=$((old_fail + 1))
		wait_for 10 ct rcmd 127.0.0.1 true >/dev/null 2>&1 ||
		    fail "old: rcmdd does not serve 10 s after a restart"
	done
	say "for the record: with $old_version, restart then rcmd failed" \
	    "$old_fail of 5 times"

	# A populated audit log.
	t=$(now_ms)
	rows0=$(sql "SELECT count(*) FROM commands")
	for i in 1 2 3 4 5 6 7 8 9 10; do
		out=$(ct rcmd 127.0.0.1 "echo row $i; exit $((i % 3))" 2>&1)
		expect_eq "old: rcmd exit status of command $i" "$((i % 3))" "$?"
		expect_eq "old: rcmd output of command $i" "row $i" "$out"
	done
	expect_eq "old: commands run as the package's user" rcmd \
	    "$(ct rcmd 127.0.0.1 'id -un' 2>&1)"
	rows_before=$(sql "SELECT count(*) FROM commands")
	expect_eq "old: audit rows" "$((rows0 + 11))" "$rows_before"
	verify "old: before the upgrade"
	ok "old: 11 more commands run and audited, $rows_before rows" "$t"

	# Keep the old client, as a host that is not upgraded has it.
	cp "$root/usr/bin/rcmd" "$root/usr/local/bin/rcmd-old" ||
	    fail "could not keep the old rcmd aside"

	# A command running across the upgrade.
	start_bg upgrade 'sleep 30; echo slept'
	wait_for 10 one_running 'sleep 30;%' ||
	    fail "old: the command 'sleep 30' has no running row after 10 s:" \
		"$(cat "$root/root/upgrade.out")"

	t=$(now_ms)
	ct sh -c "dpkg -i --force-confold /root/pkgs/new/*.deb" \
	    >"$work/upgrade.log" 2>&1 || {
		cat "$work/upgrade.log" >&2
		fail "upgrade: dpkg -i of $new_version over $old_version failed"
	}
	upgrade_ms=$(($(now_ms) - t))
	ok "upgrade: dpkg -i $new_version over $old_version with a command running" "$t"
	expect_eq "upgrade: installed version" "$new_version" \
	    "$(ct dpkg-query -W -f='${Version}' rcmdd)"
	expect_eq "upgrade: rcmdd is active after the upgrade" active \
	    "$(ct systemctl is-active rcmdd)"
	expect_match "upgrade: the unit is Type=notify now" "Type=notify" \
	    "$(ct systemctl show -p Type rcmdd)"
	expect_eq "upgrade: the conffile the operator wrote is kept" \
	    "ShutdownGrace 10s" "$(grep '^ShutdownGrace' "$root/etc/rcmdd.conf")"

	# The restart of the upgrade stops the old rcmdd as SIGTERM does:
	# the command may run for ShutdownGrace (10 s), is then ended and
	# recorded as cancelled, and its client is told so (status 255).
	rc=$(wait_bg upgrade 30)
	row=$(sql "SELECT status, coalesce(exit_code, ''),
	    coalesce(reason, '') FROM commands WHERE command LIKE 'sleep 30;%'")
	expect_eq "upgrade: the running command's row (status|exit code|reason)" \
	    "cancelled||rcmdd was shutting down" "$row"
	expect_eq "upgrade: the running command's client status" 255 "$rc"
	expect_match "upgrade: the running command's client is told" \
	    "*cancelled*" "$(cat "$root/root/upgrade.out")"
	[ "$upgrade_ms" -ge 9000 ] ||
	    fail "upgrade: dpkg -i took $upgrade_ms ms: the old rcmdd did" \
		"not wait ShutdownGrace (10 s) for the running command"
	say "upgrade: the running command's row: $row; client status $rc;" \
	    "dpkg -i took $upgrade_ms ms"
	expect_eq "upgrade: no row left running or interrupted" 0 \
	    "$(sql "SELECT count(*) FROM commands
		WHERE status IN ('running', 'interrupted')")"
	expect_eq "upgrade: the old rows are all there" \
	    "$((rows_before + 1))" "$(sql "SELECT count(*) FROM commands")"
	expect_eq "upgrade: an old row reads as written" "row 7|1" \
	    "$(sql "SELECT output, exit_code FROM commands
		WHERE command = 'echo row 7; exit 1'" | tr -d '\n')"
	verify "upgrade: after"
	ok "upgrade: every row verifies, the running command was cancelled after ShutdownGrace"

	out=$(ct rcmd-old 127.0.0.1 'echo old client; exit 4' 2>&1)
	expect_eq "upgrade: the old rcmd's status against the new rcmdd" 4 "$?"
	expect_eq "upgrade: the old rcmd's output against the new rcmdd" \
	    "old client" "$out"
	out=$(ct rcmd 127.0.0.1 'echo new client' 2>&1)
	expect_eq "upgrade: the new rcmd against the new rcmdd" \
	    "new client" "$out"
	ok "upgrade: the old rcmd and the new work against the new rcmdd"
fi

# --- The new package under systemd ---------------------------------------

# Without procps (no /bin/kill), as on minbase systems and in container
# images: the unit must need nothing the package does not declare.
if ct dpkg --purge procps >"$work/procps.log" 2>&1; then
	[ ! -e "$root/bin/kill" ] && [ ! -e "$root/usr/bin/kill" ] ||
	    fail "kill is still there after dpkg --purge procps"
	say "procps purged: the checks below run without /bin/kill"
else
	say "procps stays (dpkg --purge procps failed:" \
	    "$(tail -n 1 "$work/procps.log"))"
fi

# Restart, then at once a command: Type=notify makes systemctl wait.
# systemd refuses a sixth start within 10 s (its default StartLimitBurst
# and StartLimitIntervalSec): reset-failed flushes that count before each
# try, as what is tested is readiness, not the start limit.
t=$(now_ms)
fails=0
for i in $(seq 1 20); do
	ct systemctl reset-failed rcmdd
	if ! out=$(ct sh -c 'systemctl restart rcmdd && rcmd 127.0.0.1 true' \
	    2>&1); then
		fails=$((fails + 1))
		say "restart then rcmd, try $i: $out"
	fi
done
[ "$fails" -eq 0 ] ||
    fail "systemctl restart rcmdd && rcmd 127.0.0.1 true failed $fails" \
	"of 20 times: the unit returns before rcmdd serves"
ok "systemctl restart rcmdd && rcmd 127.0.0.1 true: 20 of 20" "$t"

t=$(now_ms)
ct systemctl disable --now rcmdd >/dev/null 2>&1 ||
    fail "systemctl disable --now rcmdd failed"
expect_eq "rcmdd is stopped" inactive "$(ct systemctl is-active rcmdd)"
out=$(ct sh -c 'systemctl enable --now rcmdd && rcmd 127.0.0.1 "echo up"' \
    2>&1)
expect_eq "systemctl enable --now rcmdd && rcmd: status" 0 "$?"
expect_match "systemctl enable --now rcmdd && rcmd: output" "*up" "$out"
expect_eq "rcmdd is enabled" enabled "$(ct systemctl is-enabled rcmdd)"
ok "systemctl enable --now rcmdd && rcmd, after a stop" "$t"

# Reload with a good configuration: a new CommandTimeout.
t=$(now_ms)
write_conf
echo "CommandTimeout 2h" >>"$root/etc/rcmdd.conf"
jmark
out=$(ct systemctl reload rcmdd 2>&1)
expect_eq "systemctl reload with a good configuration: status ($out)" 0 "$?"
wait_for 5 jhas "configuration reloaded" ||
    fail "systemctl reload with a good configuration: the journal does" \
	"not say \"configuration reloaded\": $(jsince)"
ok "systemctl reload, good configuration: status 0, journal: $(jsince |
    grep -F 'configuration reloaded' | tail -n 1)" "$t"

# reload_bad WHAT LINE EXPECTED: a configuration rcmdd keeps the running
# one over: systemctl reload fails and the journal says why.
reload_bad() {
	_t=$(now_ms)
	write_conf
	echo "$2" >>"$root/etc/rcmdd.conf"
	jmark
	_out=$(ct systemctl reload rcmdd 2>&1) &&
	    fail "systemctl reload with $1 ($2) exits 0: it must fail"
	wait_for 5 jhas "$3" ||
	    fail "systemctl reload with $1: the journal does not say" \
		"\"$3\": $(jsince)"
	expect_eq "rcmdd is still active after the refused reload ($1)" \
	    active "$(ct systemctl is-active rcmdd)"
	_o=$(ct rcmd 127.0.0.1 'echo still' 2>&1)
	expect_eq "rcmd after the refused reload ($1)" still "$_o"
	ok "systemctl reload, $1: non-zero, journal: $(jsince |
	    grep -F -- "$3" | tail -n 1)" "$_t"
}
reload_bad "an unknown keyword" "NoSuchKeyword yes" "unknown keyword"
# TLS on: real files, so that what is refused is the change itself.
mkdir -p "$root/etc/rcmdd"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 2 -subj /CN=rcmdd-system-test -keyout "$root/etc/rcmdd/server.key" \
    -out "$root/etc/rcmdd/server.pem" >"$work/openssl.log" 2>&1 ||
    fail "openssl could not make a certificate: $(cat "$work/openssl.log")"
reload_bad "TLS turned on" "TLSCertificate /etc/rcmdd/server.pem
TLSKey /etc/rcmdd/server.key
TLSClientCA /etc/rcmdd/server.pem" "turning TLS on takes a restart"

# A new Port is not refused: rcmdd(8) says the rest of the file is taken
# and the port kept until a restart, with a warning.
t=$(now_ms)
write_conf
echo "Port 7515" >>"$root/etc/rcmdd.conf"
jmark
out=$(ct systemctl reload rcmdd 2>&1)
expect_eq "systemctl reload with a new Port: status ($out)" 0 "$?"
wait_for 5 jhas "change only on restart" ||
    fail "systemctl reload with a new Port: the journal does not say the" \
	"port changes only on restart: $(jsince)"
expect_eq "rcmd on the kept port after a reload with a new Port" kept \
    "$(ct rcmd 127.0.0.1 'echo kept' 2>&1)"
ok "systemctl reload, a new Port: status 0, port kept, journal: $(jsince |
    grep -F 'change only on restart' | tail -n 1)" "$t"
write_conf
ct systemctl reload rcmdd >/dev/null 2>&1 ||
    fail "systemctl reload with the first configuration again failed"

# rcmdd --list shows a running command, rcmdd --end ends it.
t=$(now_ms)
start_bg end 'sleep 60'
wait_for 10 one_running 'sleep 60' ||
    fail "the command 'sleep 60' has no running row after 10 s:" \
	"$(cat "$root/root/end.out")"
list=$(ct rcmdd --list 2>&1) || fail "rcmdd --list failed: $list"
line=$(printf '%s\n' "$list" | grep -F 'sleep 60')
[ -n "$line" ] || fail "rcmdd --list does not show 'sleep 60': $list"
id=$(printf '%s\n' "$line" | cut -f1)
expect_eq "rcmdd --list: the audit id" \
    "$(sql "SELECT id FROM commands WHERE command = 'sleep 60'")" "$id"
expect_eq "rcmdd --list: the run-as user" rcmd \
    "$(printf '%s\n' "$line" | cut -f4)"
out=$(ct rcmdd --end "$id" 2>&1)
expect_eq "rcmdd --end $id: status ($out)" 0 "$?"
rc=$(wait_bg end 15)
expect_eq "rcmdd --end: the client's status" 255 "$rc"
expect_eq "rcmdd --end: the row" \
    "cancelled|ended by the operator (rcmdd --end)" \
    "$(sql "SELECT status, reason FROM commands WHERE id = $id")"
ct rcmdd --end "$id" >/dev/null 2>&1 &&
    fail "rcmdd --end $id of a command that has ended exits 0"
expect_eq "rcmdd --list after --end" "" \
    "$(ct rcmdd --list 2>&1 | grep -F 'sleep 60')"
ok "rcmdd --list shows 'sleep 60' as id $id, rcmdd --end ends it" "$t"

# The network part confines itself: from inside its confinement, the
# package's rcmdd cannot open the audit database, write a file, execute
# a program, trace, or raise its privileges.
t=$(now_ms)
out=$(ct rcmdd --test-confinement 2>&1)
expect_eq "rcmdd --test-confinement: status ($out)" 0 "$?"
for probe in "open the audit database" "create and write the file" \
    "execute /bin/sh" "become root again"; do
	printf '%s\n' "$out" | grep -F "refused: $probe" >/dev/null ||
	    fail "rcmdd --test-confinement does not say \"refused: $probe\":" \
		"$out"
done
printf '%s\n' "$out" | grep -F "ALLOWED" >/dev/null &&
    fail "rcmdd --test-confinement allowed something: $out"
ok "the network part's confinement refuses every probe" "$t"

# netpart_pid: the pid of the network part, the rcmdd process of the
# user rcmdd (without procps, which this test purged).
netpart_pid() {
	_uid=$(ct id -u rcmdd) || return 1
	ct sh -c "for p in /proc/[0-9]*; do
		[ \"\$(cat \$p/comm 2>/dev/null)\" = rcmdd ] || continue
		awk '/^Uid:/ { print \$2 }' \$p/status 2>/dev/null |
		    grep -qx $_uid && echo \${p#/proc/}
	done" | head -n 1
}

# none_running PATTERN: no row whose command is like PATTERN runs.
none_running() {
	[ "$(rows_running "$1")" = 0 ]
}

# serving: rcmdd runs a command.
serving() {
	ct rcmd 127.0.0.1 true >/dev/null 2>&1
}

# RunAs root: a command does what the same command does as root without
# rcmdd, as a service of the container's systemd would (as sshd's
# sessions do; nsenter alone would bring the host's capabilities, which
# the container's services do not have): writes /etc and apt's lists,
# reads the links and sockets through netlink, and the kernel's log.
# Each is run both ways and must end the same.
t=$(now_ms)
write_conf root
ct systemctl restart rcmdd >/dev/null 2>&1 ||
    fail "systemctl restart rcmdd with RunAs root failed"
for cmd in 'touch /etc/rcmdd-system-x && rm /etc/rcmdd-system-x' \
    'mkdir -p /var/lib/apt/lists/partial && touch /var/lib/apt/lists/rcmdd-x && rm /var/lib/apt/lists/rcmdd-x' \
    'ip -br link' 'ss -lnt' 'dmesg >/dev/null'; do
	ct systemd-run --quiet --wait --pipe --collect sh -c "$cmd" \
	    >"$work/direct.out" 2>&1 </dev/null
	direct=$?
	via=$(ct rcmd 127.0.0.1 "$cmd" 2>&1)
	rc=$?
	[ "$rc" = "$direct" ] ||
	    fail "RunAs root, '$cmd': through rcmd it ended $rc" \
		"($(printf '%s' "$via" | head -c 200)), without rcmdd" \
		"$direct ($(head -c 200 "$work/direct.out"))"
done
ok "RunAs root: /etc, apt's lists, ip, ss and dmesg as without rcmdd" "$t"

# A terminal under the real unit: the privileged part opens the pty, the
# command has it as its controlling terminal, runs as root, and its
# session is recorded in the chain and exports as an asciicast file.
t=$(now_ms)
out=$(ct env TERM=xterm rcmd -yy 127.0.0.1 \
    'tty; stty size; id -un; echo rec-mark; exit 4' 2>&1)
expect_eq "a terminal: rcmd's exit status" 4 "$?"
expect_match "a terminal: the command's tty" "*/dev/pts/*" "$out"
expect_match "a terminal: run as" "*root*" "$out"
tid=$(sql "SELECT id FROM commands WHERE terminal LIKE 'xterm %'
    ORDER BY id DESC LIMIT 1")
[ -n "$tid" ] || fail "a terminal: no row with its terminal"
cast=$(ct rcmdd --export-cast "$tid" /var/lib/rcmdd/audit.db 2>&1) ||
    fail "a terminal: rcmdd --export-cast $tid: $cast"
expect_match "a terminal: the cast's header" '{"version": 2,*' \
    "$(printf '%s\n' "$cast" | head -n 1)"
expect_match "a terminal: the recording" "*rec-mark*" "$cast"
verify "after a terminal"
ok "a terminal: a pty as root under the unit, recorded, exported" "$t"

# A network part killed with SIGKILL: the command it was serving is
# killed and its row ended interrupted; systemd starts rcmdd again.
t=$(now_ms)
start_bg crash 'sleep 60'
wait_for 10 one_running 'sleep 60' ||
    fail "the command 'sleep 60' has no running row after 10 s:" \
	"$(cat "$root/root/crash.out")"
np=$(netpart_pid)
[ -n "$np" ] || fail "no process of the user rcmdd: is the network part" \
    "running under NetworkUser?"
ct kill -KILL "$np" 2>/dev/null || ct sh -c "kill -KILL $np" ||
    fail "cannot kill the network part, pid $np"
rc=$(wait_bg crash 15)
expect_eq "network part killed: the client's status" 255 "$rc"
wait_for 15 none_running 'sleep 60' ||
    fail "the row of 'sleep 60' is still running 15 s after the network" \
	"part was killed"
expect_eq "network part killed: the row" "interrupted" \
    "$(sql "SELECT status FROM commands WHERE command = 'sleep 60'
	ORDER BY id DESC LIMIT 1")"
ct sh -c 'for p in /proc/[0-9]*; do
	grep -qx "sleep 60" $p/cmdline 2>/dev/null && exit 1
	tr "\0" " " <$p/cmdline 2>/dev/null | grep -q "^sleep 60" && exit 1
done; exit 0' || fail "'sleep 60' still runs after the network part died"
wait_for 30 serving ||
    fail "rcmdd did not serve again within 30 s of its network part's death"
verify "after the network part was killed"
ok "network part killed: command ended, row interrupted, rcmdd back" "$t"
write_conf
ct systemctl restart rcmdd >/dev/null 2>&1 ||
    fail "systemctl restart rcmdd with RunAs rcmd again failed"

# systemctl stop while a command runs: it is drained, not cut.
t=$(now_ms)
start_bg stop 'sleep 3; echo drained'
wait_for 10 one_running 'sleep 3;%' ||
    fail "the command 'sleep 3' has no running row after 10 s:" \
	"$(cat "$root/root/stop.out")"
ct systemctl stop rcmdd >/dev/null 2>&1 || fail "systemctl stop rcmdd failed"
stop_ms=$(($(now_ms) - t))
rc=$(wait_bg stop 15)
expect_eq "stop while a command runs: the client's status" 0 "$rc"
expect_eq "stop while a command runs: the client's output" drained \
    "$(cat "$root/root/stop.out")"
expect_eq "stop while a command runs: the row" "exited|0|drained" \
    "$(sql "SELECT status, exit_code, output FROM commands
	WHERE command = 'sleep 3; echo drained'" | tr -d '\n')"
expect_eq "stop while a command runs: no row left running" 0 \
    "$(sql "SELECT count(*) FROM commands WHERE status = 'running'")"
ok "systemctl stop drained the running command (stop took $stop_ms ms)" \
    "$t"
verify "at the end"

# Purge removes the configuration and the audit log.
t=$(now_ms)
ct dpkg --purge rcmdd rcmd >"$work/purge.log" 2>&1 || {
	cat "$work/purge.log" >&2
	fail "dpkg --purge rcmdd rcmd failed"
}
[ ! -e "$root/etc/rcmdd.conf" ] ||
    fail "dpkg --purge rcmdd left /etc/rcmdd.conf"
[ ! -e "$root/var/lib/rcmdd" ] ||
    fail "dpkg --purge rcmdd left /var/lib/rcmdd"
[ ! -e "$root/lib/systemd/system/rcmdd.service" ] ||
    fail "dpkg --purge rcmdd left the unit"
ok "dpkg --purge removes /etc/rcmdd.conf and /var/lib/rcmdd" "$t"

t=$(now_ms)
ct systemctl poweroff >/dev/null 2>&1
wait_gone 30 "$nspawn_pid" ||
    fail "the container did not power off within 30 s"
nspawn_pid=
ok "container powered off" "$t"
say "PASS: $checks checks in $(($(date +%s) - t_start)) s"
exit 0
