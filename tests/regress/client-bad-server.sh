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
# rcmd against servers that misbehave: each failure exits 255 with a
# message that says what went wrong. A server that answers nothing times
# out after the handshake limit (10 s); one that speaks another protocol
# version, or another protocol, or refuses, or sends a malformed EXIT, is
# named as such; escape sequences in a server's message never reach the
# terminal.

. "$(dirname "$0")/lib.sh"

# fake MODE: run the fake server and rcmd against it; sets out and rc.
fake() {
	rm -f "$dir/fport"
	"$PYTHON" "$top_srcdir/tests/regress/fakeserver.py" "$dir/fport" "$1" &
	_f_pid=$!
	track "$_f_pid"
	wait_for 10 test -s "$dir/fport" || fail "the fake server did not start"
	timeout -s KILL 20 "$RCMD" -p "$(cat "$dir/fport")" 127.0.0.1 -n true \
	    >"$dir/out" 2>"$dir/err"
	rc=$?
	kill "$_f_pid" 2>/dev/null
	wait "$_f_pid" 2>/dev/null
}

fake version
expect_eq "version: status" 255 "$rc"
expect_eq "version: message" "rcmd: protocol version mismatch: 127.0.0.1 speaks version 2, this rcmd speaks version 1" "$(cat "$dir/err")"

fake banner
expect_eq "banner: status" 255 "$rc"
expect_eq "banner: message" "rcmd: 127.0.0.1 port $(cat "$dir/fport") is not an rcmdd: it answered \"SSH-2.0-OpenSSH_9.2\\r\\n\"; check the host and the port" \
    "$(cat "$dir/err")"

# A web server's answer, whose first bytes read as a length of 1213486160.
fake http
expect_eq "http: status" 255 "$rc"
expect_eq "http: message" "rcmd: 127.0.0.1 port $(cat "$dir/fport") is not an rcmdd: it answered \"HTTP/1.1 400 Bad Request\"; check the host and the port" \
    "$(cat "$dir/err")"

fake error
expect_eq "error: status" 255 "$rc"
expect_eq "error: message" "rcmd: protocol version mismatch with 127.0.0.1: go away?[2J?31m now" "$(cat "$dir/err")"

fake badexit
expect_eq "badexit: status" 255 "$rc"
expect_eq "badexit: message" "rcmd: protocol error from 127.0.0.1: EXIT payload of 3 bytes: it must be 21, or 53 with the row hash" "$(cat "$dir/err")"

t0=$(now_ms)
fake silent
t1=$(now_ms)
expect_eq "silent: status" 255 "$rc"
expect_eq "silent: message" "rcmd: no answer from 127.0.0.1 port $(cat "$dir/fport") within 10 s: is it an rcmdd?" "$(cat "$dir/err")"
expect_ge "silent: wait (ms)" "$((t1 - t0))" 9500
