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

# Threaded mode (the default): each command has its own worker, so 20
# concurrent "sleep 1" end in under 2 s, and a client's "true" started
# while another client's "sleep 1" runs does not wait for it.

. "$(dirname "$0")/lib.sh"

start_daemon
expect_log "log" "threaded mode"

t0=$(now_ms)
pids=
i=0
while [ "$i" -lt 20 ]; do
	rcmd_bg -n 'sleep 1'
	pids="$pids $rcmd_pid"
	i=$((i + 1))
done
for pid in $pids; do
	wait "$pid" || fail "a concurrent sleep 1 failed (rcmd pid $pid)"
done
t1=$(now_ms)
say "20 concurrent sleep 1: $((t1 - t0)) ms"
expect_le "ms for 20 concurrent sleep 1" $((t1 - t0)) 1999
expect_sql "audit rows" "SELECT count(*), min(status), max(status)
     FROM commands" "20|exited|exited"

# The second client does not wait for the first.
rcmd_bg -n 'echo go; sleep 1' >"$dir/first"
first=$rcmd_pid
wait_for 5 grep -q go "$dir/first" || fail "the first command did not start"
t0=$(now_ms)
rcmd -n true
expect_eq "exit status of true" 0 "$?"
t1=$(now_ms)
say "true during another client's sleep 1: $((t1 - t0)) ms"
expect_le "ms for true during another client's sleep 1" $((t1 - t0)) 500
wait "$first"
expect_eq "exit status of sleep 1" 0 "$?"
