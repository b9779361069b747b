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
# rows that ended first down to the newest 5, but never past the start of
# a command still running, whose start recovery must be able to check:
# while it runs nothing goes. Once it has ended, the rows before go; it
# stays, as one of the 5 that ended last. The chain base moves, so the
# rest verifies; the log says what was pruned; a head logged before the
# base is reported as pruned.

. "$(dirname "$0")/lib.sh"

write_config "AuditMaxRows 5"
start_daemon

# Row 1 is running through the first SIGHUP.
rcmd_bg -n 'echo started; exec sleep 30' >"$dir/out" 2>/dev/null
sleeper=$rcmd_pid
wait_for 5 grep -q started "$dir/out" || fail "the sleep did not start"
i=1
while [ "$i" -le 12 ]; do
	rcmd -n "echo $i" >/dev/null || fail "command $i failed"
	i=$((i + 1))
done
# Row 1 started at seq 1; row k (2 to 13) at 2k - 2 and ended at 2k - 1.
expect_sql "the rows before pruning" "SELECT count(*), count(seq),
    max(end_seq) FROM commands" "13|13|25"

kill -HUP "$daemon_pid"
expect_serving
sleep 0.5
expect_sql "nothing pruned while row 1 runs" "SELECT count(*) FROM commands" \
    14
grep -q "audit: pruned" "$log" && fail "the writer pruned past a running row"

# The running command ends (rcmd passes SIGTERM on); row 14, the check
# that rcmdd still serves, took seqs 26 and 27, so its end is seq 28.
kill -TERM "$sleeper"
wait "$sleeper"
expect_sql "the sleep's row" "SELECT status, seq, end_seq FROM commands
    WHERE id = 1" "signaled|1|28"
hash19=$(sql "SELECT end_hash FROM commands WHERE end_seq = 19")
hash28=$(sql "SELECT end_hash FROM commands WHERE end_seq = 28")
kill -HUP "$daemon_pid"
# The newest 5 ends are those of rows 1 (28), 14 (27), 13, 12 and 11 (21);
# everything that ended at 19 (row 10) or before goes.
wait_sql 10 "SELECT count(*) FROM commands" 5 ||
    fail "the writer did not prune to 5 rows within 10 s: $sql_got"
expect_sql "the rows left" "SELECT group_concat(id, ' ') FROM
    (SELECT id FROM commands ORDER BY id)" "1 11 12 13 14"
expect_sql "the chain base" "SELECT group_concat(value, ' ') FROM
    (SELECT value FROM audit_meta ORDER BY key)" "$hash19 19"
wait_for 5 grep -q "audit: pruned the chain through seq 19" "$log" ||
    fail "the log does not say what was pruned"

"$RCMDD" --verify-audit "$db" >"$dir/vout" 2>"$dir/verr"
expect_eq "verify: exit status" 0 "$?"
expect_eq "verify" "$db: 5 rows verified; chain head 28:$hash28" \
    "$(cat "$dir/vout")"
"$RCMDD" --verify-audit "$db" --head "19:$hash19" >/dev/null 2>&1
expect_eq "verify with the base as head: exit status" 0 "$?"
start_head=$(sed -n 's/.*audit chain head \([0-9]*:[0-9a-f]*\)$/\1/p' "$log" |
    head -n 1)
"$RCMDD" --verify-audit "$db" --head "$start_head" >/dev/null 2>"$dir/verr"
expect_eq "verify with the head logged at start: exit status" 1 "$?"
expect_eq "verify with the head logged at start" "rcmdd: $db: the head given \
(seq 0) was pruned: the chain now starts after seq 19" "$(cat "$dir/verr")"
expect_serving
