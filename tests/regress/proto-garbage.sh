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

# Bytes that are not the protocol: an HTTP request and binary junk get
# ERROR 2 naming the impossible length, and the connection closes; a
# client that sends half a header and leaves costs nothing. The daemon
# logs each and goes on serving.

. "$(dirname "$0")/lib.sh"

start_daemon
{
	raw bytes='GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' expect=CLOSED &&
	raw hello expect=HELLO \
	    bytes='\x9c\x01\xf3\x7a\x00\x11\xfe\xff\x42' expect=CLOSED &&
	raw bytes='\x00\x00'
} >"$dir/out" || fail "rawclient: $(cat "$dir/out")"
expect_result "$dir/out"
expect_log "log" "frame length 1195725856 is over the limit of 65537 bytes"
expect_log "log" "frame length 2617373562 is over the limit of 65537 bytes"
expect_serving
