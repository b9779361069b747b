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

# A server that takes the connection and never answers the TLS handshake
# (the fake server in its silent mode, on loopback): rcmd gives up after
# the connect limit of 10 s, exits 255 and says that the handshake timed
# out and that the host may not be an rcmdd with TLS.

. "$(dirname "$0")/lib.sh"

make_certs
rm -f "$dir/fport"
"$PYTHON" "$top_srcdir/tests/regress/fakeserver.py" "$dir/fport" silent &
fpid=$!
track "$fpid"
wait_for 10 test -s "$dir/fport" || fail "the fake server did not start"
fport=$(cat "$dir/fport")

t0=$(now_ms)
timeout -s KILL 30 "$RCMD" --cert "$certs/alice.pem" --key "$certs/alice.key" \
    --ca "$certs/ca.pem" -p "$fport" 127.0.0.1 -n true >"$dir/out" 2>"$dir/err"
rc=$?
t1=$(now_ms)
expect_eq "status" 255 "$rc"
expect_eq "message" "rcmd: TLS handshake with 127.0.0.1 port $fport timed out after 10 s: is it an rcmdd with TLS?" \
    "$(cat "$dir/err")"
expect_ge "ms until rcmd gives up" $((t1 - t0)) 9500
expect_le "ms until rcmd gives up" $((t1 - t0)) 20000
