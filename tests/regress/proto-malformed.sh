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

# Frames of a known type whose payload has the wrong size or value are
# malformed: ERROR 1 with the reason, and the connection closes; the
# daemon logs each and goes on serving.

. "$(dirname "$0")/lib.sh"

start_daemon
{
	# A HELLO too short to hold magic, version and flags.
	raw frame=0x01:52434d44 expect=CLOSED &&
	# An EXEC with no command.
	raw hello expect=HELLO frame=0x02:0000000000000000 expect=CLOSED &&
	# An empty STDIN.
	raw hello expect=HELLO exec=cat expect=STARTED frame=0x03 expect=CLOSED &&
	# A STDIN_EOF with a payload.
	raw hello expect=HELLO exec=cat expect=STARTED frame=0x04:00 expect=CLOSED &&
	# A SIGNAL that is not one of the five.
	raw hello expect=HELLO exec=cat expect=STARTED signal=99 expect=CLOSED
} >"$dir/out" || fail "rawclient: $(cat "$dir/out")"
expect_result "$dir/out"
expect_log "log" "HELLO payload of 4 bytes: it must be 8 to 72"
expect_log "log" "EXEC payload of 8 bytes: it must hold timeout, flags and a command of at least one byte"
expect_log "log" "empty STDIN frame: send STDIN_EOF to close stdin"
expect_log "log" "STDIN_EOF payload of 1 bytes: it must be empty"
expect_log "log" "SIGNAL 99 is not one of 1, 2, 3, 9 or 15"
# The three cats lost their client: each is stopped and audited so.
wait_sql 10 "SELECT count(*) FROM commands WHERE status = 'disconnected'" 3 ||
    fail "the commands of the closed connections are not all disconnected:" \
	"$(sql 'SELECT id, command, status FROM commands')"
expect_serving
