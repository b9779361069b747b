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

# A command that ignores SIGTERM is killed with SIGKILL after KillGrace
# (1 s here) once its time limit passes: rcmd exits 124 after about 2 s,
# and the row is timeout with signal 9.

. "$(dirname "$0")/lib.sh"

write_config "KillGrace 1s"
start_daemon
t0=$(now_ms)
rcmd_within 20 -n -t 1 'trap "" TERM; sleep 10; echo not reached' \
    >"$dir/out" 2>/dev/null
rc=$?
t1=$(now_ms)
expect_eq "exit status" 124 "$rc"
expect_eq "output" "" "$(cat "$dir/out")"
expect_ge "ms until the command is killed" $((t1 - t0)) 1900
expect_le "ms until the command is killed" $((t1 - t0)) 4500
expect_sql "audit row" "SELECT status, signal FROM commands" "timeout|9"
