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

# rcmdd --verify-audit on a log written by the real daemon: it passes, and
# prints how many rows it checked and the chain head, while the daemon runs
# and after; the head logged at shutdown passes with --head. An edited, a
# deleted and an inserted row, and a wrong --head, each make it exit 1 with
# a message naming the row, or the seqs and ids missing. rcmd -v prints
# the hash of the row's end, which covers the whole row.

. "$(dirname "$0")/lib.sh"

# verify [ARG...]: run rcmdd --verify-audit; status in vrc, output in
# vout and verr.
verify() {
	"$RCMDD" --verify-audit "$@" >"$dir/vout" 2>"$dir/verr"
	vrc=$?
	vout=$(cat "$dir/vout")
	verr=$(cat "$dir/verr")
}

# tamper WHAT SQL EXPECTED [ARG...]: on a copy of the log, run SQL, then
# expect verify to exit 1 with an error matching EXPECTED.
tamper() {
	_t_what=$1 _t_sql=$2 _t_want=$3
	shift 3
	rm -f "$dir/copy.db" "$dir/copy.db-wal" "$dir/copy.db-shm"
	sql ".backup '$dir/copy.db'" || fail "$_t_what: cannot copy the log"
	"$SQLITE3" -batch "$dir/copy.db" "$_t_sql" ||
	    fail "$_t_what: $_t_sql failed"
	verify "$dir/copy.db" "$@"
	expect_eq "$_t_what: exit status" 1 "$vrc"
	expect_eq "$_t_what: standard output" "" "$vout"
	expect_match "$_t_what: the error" "rcmdd: $dir/copy.db: $_t_want" \
	    "$verr"
}

hex64='[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
hex64=$hex64$hex64$hex64$hex64$hex64$hex64$hex64$hex64

start_daemon
rcmd -n 'echo one' >/dev/null || fail "echo one failed"
rcmd -n 'echo two; exit 3' >/dev/null
rcmd -v -n 'echo three' >/dev/null 2>"$dir/err" || fail "echo three failed"
hash3=$(sql "SELECT end_hash FROM commands WHERE id = 3")
expect_match "row 3's hash" "$hex64" "$hash3"
expect_eq "rcmd -v says" "rcmd: audit id 3 on 127.0.0.1, row hash $hash3" \
    "$(cat "$dir/err")"
rcmd -n 'sleep 0.1; echo four' >/dev/null || fail "echo four failed"
# Each row has two events: its start (seq) and its end (end_seq).
hash4=$(sql "SELECT end_hash FROM commands WHERE end_seq = 8")

# While the daemon runs.
verify "$db"
expect_eq "verify while running: exit status" 0 "$vrc"
expect_eq "verify while running" "$db: 4 rows verified; chain head 8:$hash4" \
    "$vout"
expect_eq "verify while running: standard error" "" "$verr"

stop_daemon
heads=$(sed -n 's/.*audit chain head \([0-9]*:[0-9a-f]*\)$/\1/p' "$log")
expect_eq "the head logged at start" \
    "0:0000000000000000000000000000000000000000000000000000000000000000" \
    "$(echo "$heads" | head -n 1)"
head=$(echo "$heads" | tail -n 1)
expect_eq "the head logged at shutdown" "8:$hash4" "$head"

verify "$db" --head "$head"
expect_eq "verify --head: exit status" 0 "$vrc"
expect_eq "verify --head" "$db: 4 rows verified; chain head 8:$hash4" "$vout"
expect_eq "verify --head: standard error" "" "$verr"
verify "$db" --head "6:$hash3"
expect_eq "verify with an older head: exit status" 0 "$vrc"

tamper "an updated output" \
    "UPDATE commands SET output = 'nothing to see' WHERE id = 2" \
    "row id 2: its end (seq 4) does not match its hash*" --head "$head"
tamper "an updated status" \
    "UPDATE commands SET status = 'exited', exit_code = 0 WHERE id = 2" \
    "row id 2: its end (seq 4) does not match its hash*"
tamper "a deleted row" "DELETE FROM commands WHERE id = 2" \
    "rows were deleted: seq 3-4 missing from the chain; id 2 missing from the ids" \
    --head "$head"
tamper "the last row deleted" "DELETE FROM commands WHERE id = 4" \
    "the head given (seq 8) is not in the chain, which ends at seq 6*" \
    --head "$head"
tamper "an inserted row" "INSERT INTO commands (started_at, finished_at,
    client_addr, client_port, command, status, exit_code, duration_ms,
    output) VALUES ('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.010Z',
    '127.0.0.1', 40000, 'echo alibi', 'exited', 0, 10, 'alibi')" \
    "row id 5 is exited but not in the chain*"
tamper "an inserted row with the next seq" "INSERT INTO commands
    (started_at, finished_at, client_addr, command, status, exit_code,
    seq, hash, chain_version) SELECT started_at, finished_at, client_addr,
    'echo alibi', status, 0, 9, hash, 2 FROM commands WHERE id = 4" \
    "row id 5: its start (seq 9) does not match its hash*"

# The last row deleted: without the head, the ids tell; with the last id
# given rewritten too, it goes unseen.
tamper "the last row deleted, without --head" \
    "DELETE FROM commands WHERE id = 4" \
    "rows were deleted: id 4 missing from the ids (the last id given was 4)"
rm -f "$dir/copy.db"
sql ".backup '$dir/copy.db'"
"$SQLITE3" -batch "$dir/copy.db" "DELETE FROM commands WHERE id = 4;
    UPDATE sqlite_sequence SET seq = 3 WHERE name = 'commands'"
verify "$dir/copy.db"
expect_eq "the last row and its id deleted, without --head: exit status" 0 \
    "$vrc"
expect_eq "the last row and its id deleted, without --head" \
    "$dir/copy.db: 3 rows verified; chain head 6:$hash3" "$vout"

# Heads that are wrong.
verify "$db" --head "8:$hash3"
expect_eq "a wrong head: exit status" 1 "$vrc"
expect_eq "a wrong head" "rcmdd: $db: row id 4 (seq 8) has hash $hash4, but \
the head given says $hash3: the chain was rewritten" "$verr"
verify "$db" --head "9:$hash4"
expect_eq "a head past the end: exit status" 1 "$vrc"
expect_match "a head past the end" "*the head given (seq 9) is not in the chain*" \
    "$verr"
verify "$db" --head "4-$hash4"
expect_eq "a malformed head: exit status" 1 "$vrc"
expect_match "a malformed head" "*is not SEQ:HASH*" "$verr"
verify "$dir/none.db"
expect_eq "a missing database: exit status" 1 "$vrc"
expect_match "a missing database" "rcmdd: $dir/none.db: cannot open*" "$verr"
"$RCMDD" --head "$head" >/dev/null 2>&1
expect_eq "--head alone: exit status" 1 "$?"

# The database itself is untouched.
verify "$db" --head "$head"
expect_eq "the original, again: exit status" 0 "$vrc"
