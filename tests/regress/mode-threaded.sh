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
# concurrent "sleep 1" end in about the time of one, and a client's "true"
# started while another client's "sleep 2" runs does not wait for it.
#
# The bounds are ratios within this run, not absolute times, so that a
# slow or instrumented build (ThreadSanitizer, valgrind) cannot fail them
# while a daemon that runs one command at a time still does: 20 sleeps
# at once must take under a quarter of 20 times one sleep alone (run
# one at a time they take 20 times), and "true" must end well before the
# other client's sleep does. The log line is checked last, so that a
# serialising daemon fails on the timing.

. "$(dirname "$0")/lib.sh"

start_daemon

# One sleep 1 alone: what a 1 s command costs through this build.
t0=$(now_ms)
rcmd -n 'sleep 1'
expect_eq "exit status of sleep 1 alone" 0 "$?"
t1=$(now_ms)
one=$((t1 - t0))
say "sleep 1 alone: $one ms"

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
all=$((t1 - t0))
say "20 concurrent sleep 1: $all ms; one at a time would take" \
    "$((20 * one)) ms"
expect_le "ms for 20 concurrent sleep 1, against a quarter of 20 x $one ms" \
    "$all" $((20 * one / 4))
expect_sql "audit rows" "SELECT count(*), min(status), max(status)
     FROM commands" "21|exited|exited"

# The second client does not wait for the first: its true ends while the
# first client's sleep 2 still runs, in well under the 2 s of the sleep.
rcmd_bg -n 'echo go; sleep 2; echo slept' >"$dir/first"
first=$rcmd_pid
wait_for 5 grep -q go "$dir/first" || fail "the first command did not start"
t0=$(now_ms)
rcmd -n true
expect_eq "exit status of true" 0 "$?"
t1=$(now_ms)
slept=$(grep -c slept "$dir/first")
say "true during another client's sleep 2: $((t1 - t0)) ms"
expect_eq "the sleep 2 had ended when true did" 0 "$slept"
expect_le "ms for true during another client's sleep 2 (half the sleep)" \
    $((t1 - t0)) 1000
wait "$first"
expect_eq "exit status of sleep 2" 0 "$?"
expect_log "log" "threaded mode"
