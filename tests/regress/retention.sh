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

# AuditMaxRows 5: after 12 commands, SIGHUP makes the writer prune the
# oldest sealed rows down to the newest 5, while a command still running
# keeps its row. The chain base moves, so the rest verifies; the log says
# what was pruned; a head logged before the base is reported as pruned.

. "$(dirname "$0")/lib.sh"

write_config "AuditMaxRows 5"
start_daemon

# Row 1 stays running through the first pruning.
rcmd_bg -n 'echo started; exec sleep 30' >"$dir/out" 2>/dev/null
sleeper=$rcmd_pid
wait_for 5 grep -q started "$dir/out" || fail "the sleep did not start"
i=1
while [ "$i" -le 12 ]; do
	rcmd -n "echo $i" >/dev/null || fail "command $i failed"
	i=$((i + 1))
done
expect_sql "the rows before pruning" "SELECT count(*), count(seq), max(seq)
    FROM commands" "13|12|12"
hash7=$(sql "SELECT hash FROM commands WHERE seq = 7")
hash12=$(sql "SELECT hash FROM commands WHERE seq = 12")

kill -HUP "$daemon_pid"
wait_sql 10 "SELECT count(seq) FROM commands" 5 ||
    fail "the writer did not prune to 5 sealed rows within 10 s: $sql_got"
expect_sql "the rows left" "SELECT id, seq, status FROM commands ORDER BY id" \
    "1||running
9|8|exited
10|9|exited
11|10|exited
12|11|exited
13|12|exited"
expect_sql "the chain base" "SELECT group_concat(value, ' ') FROM
    (SELECT value FROM audit_meta ORDER BY key)" "$hash7 7"
wait_for 5 grep -q "audit: pruned the chain through seq 7" "$log" ||
    fail "the log does not say what was pruned"

"$RCMDD" --verify-audit "$db" >"$dir/vout" 2>"$dir/verr"
expect_eq "verify: exit status" 0 "$?"
expect_eq "verify" "$db: 5 rows verified; chain head 12:$hash12" \
    "$(cat "$dir/vout")"
"$RCMDD" --verify-audit "$db" --head "7:$hash7" >/dev/null 2>&1
expect_eq "verify with the base as head: exit status" 0 "$?"
start_head=$(sed -n 's/.*audit chain head \([0-9]*:[0-9a-f]*\)$/\1/p' "$log" |
    head -n 1)
"$RCMDD" --verify-audit "$db" --head "$start_head" >/dev/null 2>"$dir/verr"
expect_eq "verify with the head logged at start: exit status" 1 "$?"
expect_eq "verify with the head logged at start" "rcmdd: $db: the head given \
(seq 0) was pruned: the chain now starts after seq 7" "$(cat "$dir/verr")"

# The running command ends (rcmd passes SIGTERM on): its row is sealed
# last, and the next pruning keeps it among the newest 5.
kill -TERM "$sleeper"
wait "$sleeper"
expect_sql "the sleep's row" "SELECT status, seq FROM commands WHERE id = 1" \
    "signaled|13"
kill -HUP "$daemon_pid"
wait_sql 10 "SELECT min(seq) FROM commands" 9 ||
    fail "the writer did not prune seq 8 within 10 s: $sql_got"
expect_sql "the rows left" "SELECT group_concat(id, ' ') FROM
    (SELECT id FROM commands ORDER BY id)" "1 10 11 12 13"
wait_for 5 grep -q "audit: pruned the chain through seq 8" "$log" ||
    fail "the log does not say what was pruned"
"$RCMDD" --verify-audit "$db" >"$dir/vout" 2>"$dir/verr"
expect_eq "verify after the second pruning: exit status" 0 "$?"
expect_match "verify after the second pruning" \
    "$db: 5 rows verified; chain head 13:*" "$(cat "$dir/vout")"
expect_serving
