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

# rcmd -t 1 stops the command after a second: rcmd exits 124 and says so,
# and the audit row is timeout; a RUN's time limit too.

. "$(dirname "$0")/lib.sh"

start_daemon
t0=$(now_ms)
rcmd -t 1 -n 'sleep 5' 2>"$dir/err"
rc=$?
t1=$(now_ms)
expect_eq "exit status" 124 "$rc"
expect_ge "ms before the timeout" $((t1 - t0)) 900
expect_le "ms before the timeout" $((t1 - t0)) 3500
expect_match "rcmd's message" "rcmd: command timed out on 127.0.0.1 after *" \
    "$(cat "$dir/err")"
expect_sql "audit row" "SELECT status, reason, duration_ms >= 900,
	finished_at IS NOT NULL FROM commands" \
    "timeout|timed out after 1000 ms|1|1"

# The time limit of a RUN (here an argument vector) applies as an EXEC's.
t0=$(now_ms)
rcmd -t 1 -n -a /bin/sleep 5 2>"$dir/err"
rc=$?
t1=$(now_ms)
expect_eq "RUN: exit status" 124 "$rc"
expect_le "RUN: ms before the timeout" $((t1 - t0)) 3500
expect_sql "RUN: audit row" "SELECT status, mode FROM commands
    ORDER BY id DESC LIMIT 1" "timeout|argv"
