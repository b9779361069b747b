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

# What rcmd --tty refuses, with a message and status 255, running
# nothing: standard input that is not a terminal (unless --tty is given
# twice, which runs the keys it holds on the host's terminal), fan-out,
# -n, a TERM that is not a terminal type, a server started with
# --single-thread, and a server older than terminals.

watchdog=90
. "$(dirname "$0")/lib.sh"

# refused NAME MESSAGE RCMD-ARG...: status 255, MESSAGE (a glob) on
# stderr, nothing on stdout, and no new row.
refused() {
	_r_name=$1 _r_msg=$2
	shift 2
	_r_rows=$(sql "SELECT count(*) FROM commands")
	"$RCMD" "$@" </dev/null >"$dir/out" 2>"$dir/err"
	expect_eq "$_r_name: status" 255 "$?"
	expect_eq "$_r_name: output" "" "$(cat "$dir/out")"
	expect_match "$_r_name: message" "$_r_msg" "$(cat "$dir/err")"
	expect_sql "$_r_name: no row" "SELECT count(*) FROM commands" \
	    "$_r_rows"
}

start_daemon
refused "not a terminal" \
    "rcmd: --tty needs a terminal on standard input, and it is not one; give --tty twice (-yy)*" \
    -p "$port" --tty 127.0.0.1 true
refused "fan-out" \
    "rcmd: --tty opens a terminal on one host, and -f and -H run on many*" \
    -p "$port" -yy -H 127.0.0.1 true
refused "-n" "rcmd: --tty sends the keys typed, and -n sends none*" \
    -p "$port" -n -yy 127.0.0.1 true
TERM='xterm;reset' refused "a bad TERM" \
    "rcmd: TERM holds byte 0x3b: --tty passes a TERM of letters*" \
    -p "$port" -yy 127.0.0.1 true

# Twice: a terminal all the same, which gets standard input as keys.
printf 'echo PIPED$((3*3)); exit 4\n' |
    TERM=vt100 "$RCMD" -p "$port" -yy 127.0.0.1 >"$dir/out" 2>"$dir/err"
expect_eq "-yy: status" 4 "$?"
# On a failure, say which side lost the output: what the worker read
# (the row's output_bytes and output) against what rcmd wrote.
grep -q PIPED9 "$dir/out" ||
    fail "-yy: no PIPED9 in what rcmd wrote: $(od -An -c "$dir/out")" \
    "; stderr: $(cat "$dir/err"); the row: $(sql "SELECT output_bytes,
    quote(output) FROM commands ORDER BY id DESC LIMIT 1")"
expect_sql "-yy: the row" "SELECT status, exit_code, terminal FROM commands
    ORDER BY id DESC LIMIT 1" "exited|4|vt100 24x80"
# Of the client's environment, TERM alone goes; SHELL is the user's.
FOO=bar TERM=vt100 "$RCMD" -p "$port" -yy 127.0.0.1 env </dev/null \
    >"$dir/out" 2>"$dir/err"
expect_eq "env: status" 0 "$?"
tr -d '\r' <"$dir/out" >"$dir/env"
grep -qx 'TERM=vt100' "$dir/env" || fail "env: no TERM=vt100: $(cat "$dir/env")"
grep -q '^FOO=' "$dir/env" && fail "env: the client's FOO reached the host"
grep -qx "SHELL=$(getent passwd "$(id -un)" | cut -d: -f7)" "$dir/env" ||
    fail "env: SHELL is not the user's login shell: $(cat "$dir/env")"
# No TERM at all: the host gets dumb.
env -u TERM "$RCMD" -p "$port" -yy 127.0.0.1 'echo "[$TERM]"' </dev/null \
    >"$dir/out" 2>"$dir/err"
expect_eq "no TERM: status" 0 "$?"
grep -q '\[dumb\]' "$dir/out" || fail "no TERM: $(cat "$dir/out")"
stop_daemon

# Run as another user, the terminal is that user's, as sshd makes it.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	write_config "RunAs nobody"
	start_daemon
	"$RCMD" -p "$port" -yy 127.0.0.1 'stat -c "[%U]" "$(tty)"' </dev/null \
	    >"$dir/out" 2>"$dir/err"
	expect_eq "as nobody: status" 0 "$?"
	grep -q '\[nobody\]' "$dir/out" ||
	    fail "as nobody: the terminal's owner: $(cat "$dir/out" "$dir/err")"
	stop_daemon
	write_config
fi

start_daemon -s
refused "single-thread" \
    "rcmd: 127.0.0.1: rcmdd runs one command at a time (--single-thread), and a terminal would hold every other client*" \
    -p "$port" -yy 127.0.0.1 true
stop_daemon

# A server from before terminals: its HELLO lacks the flag.
"$PYTHON" "$top_srcdir/tests/regress/fakeserver.py" -u "$dir/s.sock" run \
    2>"$dir/ferr" &
fake=$!
track "$fake"
wait_for 10 test -S "$dir/s.sock" || fail "the fake server did not start"
"$RCMD" -yy "unix:$dir/s.sock" id </dev/null >"$dir/out" 2>"$dir/err"
expect_eq "old server: status" 255 "$?"
expect_eq "old server: message" "rcmd: unix:$dir/s.sock does not offer terminals: its rcmdd (fake) is older than --tty; upgrade rcmdd there, or leave out --tty" "$(cat "$dir/err")"
