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

# A client may ask for a longer time limit than CommandTimeout (1 s), up
# to MaxCommandTimeout (2 s); a longer request is lowered to it.

. "$(dirname "$0")/lib.sh"

write_config "CommandTimeout 1" "MaxCommandTimeout 2"
start_daemon
rcmd_within 20 -n -t 2 'sleep 1.5'
expect_eq "exit status of sleep 1.5 with -t 2" 0 "$?"

t0=$(now_ms)
rcmd_within 20 -n -t 100 'sleep 5' 2>/dev/null
rc=$?
t1=$(now_ms)
expect_eq "exit status of sleep 5 with -t 100" 124 "$rc"
expect_ge "ms until sleep 5 is stopped" $((t1 - t0)) 1900
expect_le "ms until sleep 5 is stopped" $((t1 - t0)) 4000
expect_sql "audit rows" "SELECT status, coalesce(reason, '') FROM commands
     ORDER BY id" "exited|
timeout|timed out after 2000 ms"
