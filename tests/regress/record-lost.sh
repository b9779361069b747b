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

# A chunk the audit database refuses is lost and said so in the log, and
# the session does not go on unrecorded: its terminal is hung up at once
# and its row says why. The chain stays whole (a lost chunk never had
# its place in it), so --verify-audit passes, with the loss stated in the
# row's chained reason.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rec.sh"

start_daemon
stop_daemon
# The database refuses the second chunk of a recording (chunk 1).
sql "CREATE TRIGGER refuse BEFORE INSERT ON recording WHEN NEW.chunk = 1
    BEGIN SELECT RAISE(ABORT, 'refused by the test'); END" ||
    fail "cannot add the trigger"
start_daemon
tty_start 'echo one; sleep 2.5; echo two; sleep 30; echo three'
# Chunk 1 ("two") is written a second after it is printed, at about 3.5 s;
# the session ends then, not 30 s later.
tty_exit 15
[ "$tty_status" -ne 0 ] ||
    fail "rcmd exited 0: the session went on after its recording failed"
expect_sql "the row" "SELECT status FROM commands" signaled
expect_sql "the row's signal" "SELECT signal FROM commands" 1
expect_sql "the row's reason" "SELECT reason FROM commands" \
    "its recording could not be stored (cannot insert a recording's chunk: \
refused by the test): its terminal was hung up"
expect_log "the chunk lost" "audit: chunk 1 of the recording of command 1 \
is lost (cannot insert a recording's chunk: refused by the test): the \
recording has a gap there"
expect_log "the hang-up" "command 1: its recording cannot be stored \
(cannot insert a recording's chunk: refused by the test): its terminal is \
hung up"
case $(tty_screen) in
*three*)	fail "the session printed what came after the lost chunk" ;;
esac
sql "DROP TRIGGER refuse" || fail "cannot drop the trigger"
# The next session records as before.
tty_start 'echo after'
tty_exit 15
expect_eq "the next session's status" 0 "$tty_status"
expect_sql "the next session's chunks" "SELECT count(*) > 0 FROM recording
    WHERE command_id = 2" 1
stop_daemon
"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 ||
    fail "--verify-audit: $(cat "$dir/verify")"
