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

# A chunk the audit database refuses is lost, said so in the log, and the
# session and its row go on; a recording with a chunk lost in its middle
# fails --verify-audit as a recording cut.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rec.sh"

start_daemon
stop_daemon
# The database refuses the second chunk of a recording (chunk 1).
sql "CREATE TRIGGER refuse BEFORE INSERT ON recording WHEN NEW.chunk = 1
    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END" ||
    fail "cannot add the trigger"
start_daemon
tty_start 'echo one; sleep 2.5; echo two; sleep 2.5; echo three'
tty_exit 15
expect_eq "rcmd's exit status" 0 "$tty_status"
expect_sql "the row" "SELECT status FROM commands" exited
expect_log "the chunk lost" "audit: chunk 1 of the recording of command 1 \
is lost (cannot insert a recording's chunk: refused by the test): the \
recording has a gap there"
expect_sql "the chunks kept" "SELECT group_concat(chunk) FROM (SELECT chunk
    FROM recording ORDER BY chunk)" "0,2"
stop_daemon
"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 &&
    fail "--verify-audit passed a recording with a chunk lost"
expect_match "verify" "*chunk 2 of its recording * is out of place*" \
    "$(cat "$dir/verify")"
