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

# A client that connects and sends nothing, or only part of a frame, gets
# ERROR 8 after HandshakeTimeout (1 s here) and is dropped; one that said
# HELLO is not. The daemon logs it and goes on serving.

. "$(dirname "$0")/lib.sh"

write_config "HandshakeTimeout 1s"
start_daemon

# The times include the raw client's own start, which on a loaded machine
# takes seconds: the bound is a HELLO exchange's time in the same run,
# plus 2 s. (Without the timeout, the client's own -t 5 would fail it.)
t0=$(now_ms)
raw -t 5 hello expect=HELLO >"$dir/out" || fail "rawclient: $(cat "$dir/out")"
t1=$(now_ms)
base=$((t1 - t0))
t0=$(now_ms)
raw -t 5 expect=CLOSED >"$dir/out" || fail "rawclient: $(cat "$dir/out")"
t1=$(now_ms)
expect_result "$dir/out" proto-handshake-timeout
expect_ge "ms before a silent client is dropped" $((t1 - t0)) 900
expect_le "ms before a silent client is dropped (a HELLO took $base ms)" \
    $((t1 - t0)) $((base + 2000))
expect_log "log" "no HELLO within 1000 ms: closing the connection"

# Half a frame header is no better.
raw -t 5 bytes='\x00\x00' expect=CLOSED >"$dir/out" ||
    fail "rawclient: $(cat "$dir/out")"
expect_result "$dir/out" proto-handshake-timeout

# After HELLO the deadline no longer applies.
raw hello expect=HELLO sleep=1.5 exec='echo still here' eof expect=EXIT \
    >"$dir/out" || fail "rawclient: $(cat "$dir/out")"
expect_result "$dir/out" proto-handshake-timeout-hello
expect_serving
