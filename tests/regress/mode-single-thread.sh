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

# rcmdd -s runs each command inline in the event loop: a second client's
# "true", started while the first client's "sleep 1" runs, waits for it
# (about a second), and its row starts after the first one ends. The
# first command is not disturbed by this.

. "$(dirname "$0")/lib.sh"

start_daemon -s
expect_log "log" "single-thread mode"

t_first=$(now_ms)
rcmd_bg -n 'sleep 1; echo done' >"$dir/first" 2>"$dir/first-err"
first=$rcmd_pid
wait_sql 5 "SELECT status FROM commands" running ||
    fail "the first command is not running: $sql_got"
t0=$(now_ms)
rcmd_within 10 -n true
expect_eq "exit status of true" 0 "$?"
t1=$(now_ms)
wait "$first"
expect_eq "exit status of the first command" 0 "$?"
expect_eq "output of the first command" "done" "$(cat "$dir/first")"
expect_eq "stderr of the first command" "" "$(cat "$dir/first-err")"

say "true during another client's sleep 1: $((t1 - t0)) ms"
# It waited for what was left of the sleep (which started at most
# $((t0 - t_first)) ms before true did).
expect_ge "ms for true during another client's sleep 1" $((t1 - t0)) \
    $((1000 - (t0 - t_first) - 100))
expect_le "ms for true during another client's sleep 1" $((t1 - t0)) 3000
expect_sql "order of the rows" "SELECT command, status FROM commands
     ORDER BY id" "sleep 1; echo done|exited
true|exited"
expect_sql "the second starts after the first ends" \
    "SELECT (SELECT started_at FROM commands WHERE id = 2) >=
	(SELECT finished_at FROM commands WHERE id = 1)" 1
expect_serving
