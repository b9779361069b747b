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

# The chain covers everything --verify-audit trusts. A column's storage
# class changed (TEXT to BLOB, so that WHERE command = 'true' no longer
# finds the rows) breaks it. A command that deletes its own running row
# leaves a gap that --verify-audit names, seq and id, and the next command
# does not get the deleted row's id. A running row forged by someone with
# write access is not sealed as interrupted at the next start: it is
# logged, and --verify-audit names it.

. "$(dirname "$0")/lib.sh"

# verify DB: run rcmdd --verify-audit; status in vrc, stderr in verr.
verify() {
	"$RCMDD" --verify-audit "$1" >"$dir/vout" 2>"$dir/verr"
	vrc=$?
	verr=$(cat "$dir/verr")
}

# copy_db SQL: a copy of the log in $dir/copy.db, changed by SQL.
copy_db() {
	rm -f "$dir/copy.db" "$dir/copy.db-wal" "$dir/copy.db-shm"
	sql ".backup '$dir/copy.db'" || fail "cannot copy the log"
	"$SQLITE3" -batch "$dir/copy.db" "$1" || fail "$1 failed"
}

start_daemon
for i in 1 2 3; do
	rcmd -n true || fail "true $i failed"
done
verify "$db"
expect_eq "verify before any change: exit status" 0 "$vrc"

# A storage class changed: the rows no longer answer WHERE command = 'true'.
copy_db "UPDATE commands SET command = CAST(command AS BLOB)"
expect_eq "the BLOB rows hide from WHERE" 0 \
    "$("$SQLITE3" "$dir/copy.db" "SELECT count(*) FROM commands WHERE command = 'true'")"
verify "$dir/copy.db"
expect_eq "a storage class changed: exit status" 1 "$vrc"
expect_match "a storage class changed" \
    "rcmdd: $dir/copy.db: row id 1: its start (seq 1) does not match its hash*" \
    "$verr"
copy_db "UPDATE commands SET exit_code = x'30' WHERE id = 2"
verify "$dir/copy.db"
expect_eq "an integer made a blob: exit status" 1 "$vrc"
expect_match "an integer made a blob" \
    "rcmdd: $dir/copy.db: row id 2: its end (seq 4) does not match its hash*" \
    "$verr"

# A command deletes its own running row, as a command run as root can.
rcmd -n "'$SQLITE3' -cmd '.timeout 5000' '$db' \"DELETE FROM commands WHERE status = 'running'\"" ||
    fail "the deleting command failed"
expect_sql "the row is gone" "SELECT count(*) FROM commands WHERE id = 4" 0
expect_log "the end could not be recorded" \
    "command 4: cannot record how it ended: audit row 4 is missing"
rcmd -n true || fail "true after the deletion failed"
expect_sql "the next command's id and start" \
    "SELECT id || ' ' || seq FROM commands WHERE command = 'true' ORDER BY id DESC LIMIT 1" \
    "5 8"
verify "$db"
expect_eq "a deleted running row: exit status" 1 "$vrc"
expect_eq "a deleted running row" \
    "rcmdd: $db: rows were deleted: seq 7 missing from the chain; id 4 missing from the ids" \
    "$verr"

# Rows deleted from the end: the ids say so, even where the chain cannot.
copy_db "DELETE FROM commands WHERE id = 5"
verify "$dir/copy.db"
expect_match "the last row deleted" \
    "*id 4-5 missing from the ids (the last id given was 5)" "$verr"

# A forged running row, with and without a seq, while rcmdd is stopped.
stop_daemon
sql "INSERT INTO commands (started_at, client_addr, command, status)
    VALUES ('2026-01-01T00:00:00.000Z', '127.0.0.1', 'echo forged', 'running');
    INSERT INTO commands (started_at, client_addr, command, status, seq, hash,
    chain_version) VALUES ('2026-01-01T00:00:00.000Z', '127.0.0.1',
    'echo forged 2', 'running', 99,
    '0000000000000000000000000000000000000000000000000000000000000000', 2)" ||
    fail "cannot forge the rows"
start_daemon
expect_sql "the forged rows after the restart" \
    "SELECT id, status, ifnull(end_seq, '-') FROM commands WHERE command LIKE 'echo forged%' ORDER BY id" \
    "6|running|-
7|running|-"
expect_log "the first forged row is logged" \
    "audit: row id 6 is running but has no start in the chain: rcmdd did not write it; it stays as it is, for rcmdd --verify-audit to report"
expect_log "the second forged row is logged" \
    "audit: row id 7 is running but its start does not verify (seq 99): rcmdd did not write it; it stays as it is, for rcmdd --verify-audit to report"
verify "$db"
expect_eq "forged rows: exit status" 1 "$vrc"
expect_match "forged rows" \
    "*row id 6 is running but its start is not in the chain: it was inserted outside rcmdd*" \
    "$verr"
expect_serving
