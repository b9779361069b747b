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

# SessionRecordMax caps a terminal's recording: the last chunk is marked
# truncated, the export says so, and the session itself goes on; 0
# records nothing but the row; a large output is written in several
# chunks, each within the chunk size.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rec.sh"

write_config "SessionRecordMax 1000"
start_daemon
tty_start "head -c 5000 /dev/zero | tr '\\0' x; echo; echo the-end"
tty_exit 10
expect_eq "rcmd's exit status" 0 "$tty_status"
tty_wait 2 'the-end'
expect_sql "the last chunk" "SELECT truncated FROM recording ORDER BY chunk
    DESC LIMIT 1" 1
"$RCMDD" --export-cast 1 "$db" >"$dir/cast" 2>"$dir/err" ||
    fail "--export-cast: $(cat "$dir/err")"
expect_eq "the export's warning" \
    "rcmdd: the recording of command 1 was truncated at SessionRecordMax" \
    "$(cat "$dir/err")"
expect_eq "1000 bytes recorded" 1000 \
    "$(cast_events "$dir/cast" o | wc -c)"
"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 ||
    fail "--verify-audit: $(cat "$dir/verify")"
stop_daemon

# Large: several chunks, none past the chunk size (120 KiB) by more than
# the last message read (64 KiB).
write_config "SessionRecordMax 10M"
start_daemon
tty_start "head -c 1500000 /dev/zero | tr '\\0' y; echo"
tty_exit 20
expect_sql "chunks of the second session" "SELECT count(*) >= 5,
    max(length(data)) < 340000, sum(truncated) FROM recording WHERE
    command_id = 2" "1|1|0"
"$RCMDD" --export-cast 2 "$db" >"$dir/cast" 2>"$dir/err" ||
    fail "--export-cast: $(cat "$dir/err")"
expect_eq "all of it" 1500002 "$(cast_events "$dir/cast" o | wc -c)"
stop_daemon

write_config "SessionRecordMax 0"
start_daemon
tty_start "echo nothing-kept"
tty_exit 10
expect_sql "no chunk of data" "SELECT count(*), sum(length(data)),
    sum(truncated) FROM recording WHERE command_id = 3" "1|0|1"
