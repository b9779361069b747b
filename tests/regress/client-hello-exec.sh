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

# rcmd HOST COMMAND sends EXEC right behind its HELLO, without waiting for
# the server's: a server that answers nothing until both have come (the
# fake server's eager mode, which gives up 3 s after HELLO) still runs the
# command, over plain TCP, TLS and a Unix socket, with standard input or
# without. A server that refuses the connection never runs the command
# that came early, and rcmd says why as it did when it waited (the other
# messages of a refused or broken handshake are in client-bad-server.sh,
# client-unix.sh, client-tls.sh and tls-auth.sh, unchanged).

. "$(dirname "$0")/lib.sh"

# eager WHERE [RCMD-ARGUMENT...]: serve the eager mode (WHERE: tcp, tls
# or unix) and run rcmd against it; sets rc, with the output in
# $dir/out and $dir/err and what the server said in $dir/ferr.
eager() {
	_e_where=$1
	shift
	rm -f "$dir/fport" "$dir/s.sock"
	case $_e_where in
	tcp)	set -- "$dir/fport" ;;
	tls)	set -- -t "$certs" "$dir/fport" ;;
	unix)	set -- -u "$dir/s.sock" ;;
	esac
	"$PYTHON" "$top_srcdir/tests/regress/fakeserver.py" "$@" eager \
	    2>"$dir/ferr" &
	_e_pid=$!
	track "$_e_pid"
	if [ "$_e_where" = unix ]; then
		wait_for 10 test -S "$dir/s.sock" ||
		    fail "the fake server did not start"
	else
		wait_for 10 test -s "$dir/fport" ||
		    fail "the fake server did not start"
	fi
}

# eager_rcmd [RCMD-ARGUMENT...]: rcmd against the server eager started,
# with stdin from $dir/in; then the server is stopped.
eager_rcmd() {
	timeout -s KILL 20 "$RCMD" "$@" <"$dir/in" >"$dir/out" 2>"$dir/err"
	rc=$?
	kill "$_e_pid" 2>/dev/null
	wait "$_e_pid" 2>/dev/null
}

# expect_ran WHAT COMMAND: rcmd ran COMMAND at the eager server.
expect_ran() {
	expect_eq "$1: status, stderr" "7 " "$rc $(cat "$dir/err")"
	expect_eq "$1: stdout" "ran: $2" "$(cat "$dir/out")"
	expect_eq "$1: stderr" "" "$(cat "$dir/err")"
	expect_eq "$1: the server's complaint" "" "$(cat "$dir/ferr")"
}

make_certs
: >"$dir/in"

eager tcp
eager_rcmd -n -p "$(cat "$dir/fport")" 127.0.0.1 true
expect_ran "tcp, -n" true

# With standard input, which rcmd reads only once the server said HELLO.
echo data >"$dir/in"
eager tcp
eager_rcmd -p "$(cat "$dir/fport")" 127.0.0.1 cat
expect_ran "tcp, stdin" cat

eager tls
eager_rcmd -n -p "$(cat "$dir/fport")" --cert "$certs/alice.pem" \
    --key "$certs/alice.key" --ca "$certs/ca.pem" 127.0.0.1 'echo hi'
expect_ran "tls" "echo hi"

eager unix
eager_rcmd -n "unix:$dir/s.sock" 'echo hi'
expect_ran "unix" "echo hi"

# rcmdd refuses the connection before HELLO: the EXEC that came early is
# not run, and rcmd says who refused and why, as before.
sock=$dir/rcmdd.sock
write_config "ListenSocket $sock" "Allow someone-else"
start_daemon
for where in tcp unix; do
	if [ "$where" = tcp ]; then
		host=127.0.0.1
		why="a client without an identity from 127.0.0.1 (plain TCP)"
	else
		host=unix:$sock
		why="$(id -un) from the local socket"
	fi
	timeout -s KILL 20 "$RCMD" -n -p "$port" "$host" \
	    "touch $dir/ran-$where" >"$dir/out" 2>"$dir/err"
	expect_eq "$where denied: status" 255 "$?"
	expect_eq "$where denied: message" "rcmd: $host refused the connection: not allowed: no Allow rule admits $why" \
	    "$(cat "$dir/err")"
	[ ! -e "$dir/ran-$where" ] ||
	    fail "$where denied: the command sent behind HELLO ran"
done
expect_sql "no command row" \
    "select count(*) from commands where command like 'touch%'" 0
