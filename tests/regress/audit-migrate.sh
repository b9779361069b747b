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

# A database of schema version 3, made by the rcmdd before chain version 2
# (audit-v3.sql), is carried to version 4 when rcmdd opens it: its sealed
# rows keep their seqs and hashes and verify under chain version 1 (the
# row with a fingerprint too), the row left running is chained and marked
# interrupted, and new rows continue the chain under version 2 with ids
# that follow. rcmdd --verify-audit and chainverify.py agree before and
# after.

. "$(dirname "$0")/lib.sh"

command -v "$PYTHON" >/dev/null 2>&1 || {
	echo "$test_name: $PYTHON is needed for the second verifier" >&2
	exit 77
}

# both WHAT N SEQ: both verifiers pass, over N rows, to the head at SEQ.
both() {
	"$RCMDD" --verify-audit "$db" >"$dir/vout" 2>&1 ||
	    fail "$1: rcmdd --verify-audit: $(cat "$dir/vout")"
	expect_match "$1: rcmdd --verify-audit" "$db: $2 rows verified; chain head $3:*" \
	    "$(cat "$dir/vout")"
	pout=$("$PYTHON" "$top_srcdir/tests/regress/chainverify.py" "$db") ||
	    fail "$1: chainverify.py: $pout"
	expect_eq "$1: chainverify.py" "$(sed "s|^$db: ||" "$dir/vout")" "$pout"
}

"$SQLITE3" -batch "$db" <"$top_srcdir/tests/regress/audit-v3.sql" ||
    fail "cannot load audit-v3.sql"
expect_sql "the version" "PRAGMA user_version" 3
both "version 3" 7 7
before=$(sql "SELECT group_concat(id || ' ' || seq || ' ' || hash, ',')
    FROM commands WHERE seq IS NOT NULL")

start_daemon
expect_log "the upgrade" "audit: upgrading $db to schema version 4"
expect_log "the upgrade to 5" "audit: upgrading $db to schema version 5"
expect_sql "the version after" "PRAGMA user_version" 10
expect_log "the upgrade to 6" "audit: upgrading $db to schema version 6"
expect_log "the upgrade to 7" "audit: upgrading $db to schema version 7"
expect_log "the upgrade to 8" "audit: upgrading $db to schema version 8"
expect_log "the upgrade to 9" "audit: upgrading $db to schema version 9"
expect_log "the upgrade to 10" "audit: upgrading $db to schema version 10"
# The index of ends holds none for a running row, which would be one more
# page written at each of a command's two commits; a lookup by end_seq
# still uses it.
expect_sql "the index of ends" "SELECT sql LIKE '%WHERE end_seq IS NOT NULL'
    FROM sqlite_master WHERE name = 'commands_end_seq'" 1
plan=$("$SQLITE3" -batch "$db" "EXPLAIN QUERY PLAN SELECT id FROM commands
    WHERE end_seq = 3")
expect_match "a lookup by end_seq" "*INDEX commands_end_seq (end_seq=?)*" "$plan"
# The status check is an OR of equalities: SQLite builds a table for an IN
# list at every INSERT and UPDATE that checks it, which cost each command
# tens of microseconds. The check still refuses a status that is not one.
ephemeral=$("$SQLITE3" -batch "$db" "EXPLAIN INSERT INTO commands
    (started_at, client_addr, command, status) VALUES ('t', 'a', 'c',
    'running')" | grep -c OpenEphemeral)
expect_eq "tables built by an INSERT's checks" "$ephemeral" 0
ephemeral=$("$SQLITE3" -batch "$db" "EXPLAIN UPDATE commands
    SET status = 'exited' WHERE id = 1" | grep -c OpenEphemeral)
expect_eq "tables built by an UPDATE's checks" "$ephemeral" 0
expect_sql "the status check's text" "SELECT instr(sql, 'status IN ('),
    instr(sql, 'status = ''interrupted'' OR status = ''denied''),')
    > 0 FROM sqlite_master WHERE name = 'commands'" "0|1"
"$SQLITE3" -batch "$db" "BEGIN; UPDATE commands SET status = 'done'
    WHERE id = 1; ROLLBACK" >"$dir/bad" 2>&1 &&
    fail "a status that is not one was stored"
expect_match "the refusal" "*CHECK constraint failed*" "$(cat "$dir/bad")"
expect_sql "the recordings' table" "SELECT count(*) FROM recording" 0
expect_sql "the forwarding view" "SELECT count(*) FROM forward_status" 0
expect_sql "the old rows keep their chain" "SELECT group_concat(id || ' ' ||
    seq || ' ' || hash, ',') FROM commands WHERE chain_version = 1" "$before"
expect_sql "the row left running" "SELECT status, seq, end_seq, chain_version
    FROM commands WHERE id = 8" "interrupted|8|9|2"
expect_log "recovery" \
    "audit: marked 1 command left running by a previous rcmdd as interrupted"
rcmd -n 'echo new' >/dev/null || fail "echo new failed"
expect_sql "the new row" "SELECT id, seq, end_seq, chain_version FROM commands
    WHERE command = 'echo new'" "9|10|11|2"
expect_sql "the new row's run-as user and mode" "SELECT run_as, mode,
    ifnull(argv, '-') FROM commands WHERE command = 'echo new'" \
    "$(id -un)|shell|-"
expect_sql "the old rows have none" "SELECT count(*) FROM commands
    WHERE id < 9 AND (run_as IS NOT NULL OR mode IS NOT NULL)" 0
expect_sql "no terminal" "SELECT count(*) FROM commands
    WHERE terminal IS NOT NULL" 0
expect_sql "the views" "SELECT count(*) FROM sqlite_master WHERE type = 'view'" 7
both "version 4" 9 11
stop_daemon
start_daemon
expect_sql "opened again: nothing changes" "SELECT count(*), max(end_seq)
    FROM commands" "9|11"
both "opened again" 9 11
