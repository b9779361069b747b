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
# kill -9 the daemon at random moments during a mixed load, over many
# rounds, restarting it on the same database each time. After each
# restart: every command for which a client received STARTED has its row;
# no row is left running (those cut off are interrupted); no row is half
# written (a final status always has its finish time, and its exit code or
# signal); and the hash chain verifies.

. "$(dirname "$0")/lib.sh"

rounds=${KILL9_ROUNDS:-8}

# load_begun: a command started since the round began.
load_begun() {
	[ "$(grep -c '^started ' "$dir/load.log")" -gt "$before" ]
}

write_config "KillGrace 1s" "DrainTimeout 1s"
: >"$dir/load.log"
r=0
while [ "$r" -lt "$rounds" ]; do
	r=$((r + 1))
	start_daemon
	before=$(grep -c '^started ' "$dir/load.log")
	"$PYTHON" "$top_srcdir/tests/regress/loadclient.py" "$port" 4 10 \
	    "$dir/load.log" >"$dir/load.out" 2>&1 &
	lpid=$!
	track "$lpid"
	# The load has begun when this round's first command has started:
	# on a loaded machine the client's own start can take longer than
	# the delay below, and rcmdd would be killed before it connected.
	wait_for 20 load_begun ||
	    fail "round $r: no command started within 20 s of the load"
	# A random moment from 0.3 s to 1.5 s into the load.
	sleep "$(awk -v s="$r$$" 'BEGIN { srand(s); printf "%.2f", 0.3 + rand() * 1.2 }')"
	kill -KILL "$daemon_pid"
	wait_daemon_exit 5 || fail "round $r: rcmdd did not die of SIGKILL"
	wait "$lpid" || fail "round $r: the load client failed"
	say "round $r: $(cat "$dir/load.out")"
done
start_daemon

started=$(sed -n 's/^started //p' "$dir/load.log" | sort -n | uniq | wc -l)
[ "$started" -gt 0 ] || fail "no command started"
# comm wants its input in its own (byte) order, not numeric: ids past 99
# sorted numerically read to it as unsorted, and it reports them missing.
sed -n 's/^started //p' "$dir/load.log" | LC_ALL=C sort -u >"$dir/ids"
sql "SELECT id FROM commands" | LC_ALL=C sort -u >"$dir/rows"
missing=$(LC_ALL=C comm -23 "$dir/ids" "$dir/rows" | head -n 5)
[ -z "$missing" ] || fail "STARTED was sent for ids without a row: $missing"
expect_sql "rows left running" \
    "SELECT count(*) FROM commands WHERE status = 'running'" 0
expect_sql "half-written rows" "SELECT count(*) FROM commands WHERE
    finished_at IS NULL
    OR (status = 'exited' AND exit_code IS NULL)
    OR (status = 'signaled' AND signal IS NULL)
    OR seq IS NULL OR hash IS NULL" 0
interrupted=$(sql "SELECT count(*) FROM commands WHERE status = 'interrupted'")
expect_ge "interrupted rows" "$interrupted" 1
"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 ||
    fail "the chain does not verify: $(cat "$dir/verify")"
say "$started commands started over $rounds rounds; $interrupted interrupted;" \
    "$(cat "$dir/verify")"
