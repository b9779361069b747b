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


# rcmd reaches a local Unix socket as host unix:PATH, without TLS and
# whatever -p says; a path with no socket behind it, or none at all, is
# named in the message and rcmd exits 255. A server that refuses the peer
# with ERROR 12 (denied) is reported as a refusal, with its reason.

. "$(dirname "$0")/lib.sh"

# fake_unix MODE [RCMD-ARGUMENT...]: serve MODE on $dir/s.sock and run
# rcmd against it; sets rc, and the output in $dir/out and $dir/err.
fake_unix() {
	_fu_mode=$1
	shift
	rm -f "$dir/s.sock"
	"$PYTHON" "$top_srcdir/tests/regress/fakeserver.py" -u "$dir/s.sock" \
	    "$_fu_mode" &
	_fu_pid=$!
	track "$_fu_pid"
	wait_for 10 test -S "$dir/s.sock" || fail "the fake server did not start"
	timeout -s KILL 20 "$RCMD" "$@" >"$dir/out" 2>"$dir/err"
	rc=$?
	kill "$_fu_pid" 2>/dev/null
	wait "$_fu_pid" 2>/dev/null
}

# A command runs over the socket; -p is ignored, and so is a cert.pem in
# the default folder, since TLS is for TCP only.
mkdir -p "$XDG_CONFIG_HOME/rcmd"
: >"$XDG_CONFIG_HOME/rcmd/cert.pem"
fake_unix run -n -p 1 "unix:$dir/s.sock" 'echo hi'
expect_eq "run: status" 7 "$rc"
expect_eq "run: stdout" "ran: echo hi" "$(cat "$dir/out")"
expect_eq "run: stderr" "" "$(cat "$dir/err")"
rm -f "$XDG_CONFIG_HOME/rcmd/cert.pem"

# A server that no Allow rule lets in says so; rcmd passes it on.
fake_unix denied -n "unix:$dir/s.sock" true
expect_eq "denied: status" 255 "$rc"
expect_eq "denied: message" "rcmd: unix:$dir/s.sock refused the connection: no Allow rule admits root on unix" \
    "$(cat "$dir/err")"

# No socket there.
"$RCMD" -n "unix:$dir/none.sock" true >"$dir/out" 2>"$dir/err"
expect_eq "missing: status" 255 "$?"
expect_eq "missing: message" "rcmd: cannot connect to unix:$dir/none.sock: No such file or directory (is rcmdd's ListenSocket there?)" \
    "$(cat "$dir/err")"

# A file that is not a socket.
: >"$dir/plain"
"$RCMD" -n "unix:$dir/plain" true >"$dir/out" 2>"$dir/err"
expect_eq "not a socket: status" 255 "$?"
expect_eq "not a socket: message" "rcmd: cannot connect to unix:$dir/plain: Connection refused (is rcmdd's ListenSocket there?)" \
    "$(cat "$dir/err")"

# No path at all.
"$RCMD" -n unix: true >"$dir/out" 2>"$dir/err"
expect_eq "empty: status" 255 "$?"
expect_eq "empty: message" "rcmd: unix: names no socket: write the path after it, as in unix:/run/rcmdd/rcmdd.sock" \
    "$(cat "$dir/err")"
