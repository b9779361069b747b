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

# A frame of an unknown type, or of a server's type sent by a client, gets
# ERROR 3 and the connection closes; the daemon logs it and goes on
# serving.

. "$(dirname "$0")/lib.sh"

start_daemon
{
	raw hello expect=HELLO frame=0x08 expect=CLOSED &&
	raw hello expect=HELLO frame=0x85:00 expect=CLOSED
} >"$dir/out" || fail "rawclient: $(cat "$dir/out")"
expect_result "$dir/out"
expect_log "log" "unknown message type 0x08 from a client"
expect_log "log" "unknown message type 0x85 from a client"
expect_serving
