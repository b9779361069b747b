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

# A row still running when the daemon dies (kill -9) is marked interrupted
# when a daemon starts again on the same database; rcmd exits 255.

. "$(dirname "$0")/lib.sh"

start_daemon
rcmd_bg -n 'echo $$; exec sleep 30' >"$dir/out" 2>"$dir/err"
pid=$rcmd_pid
wait_for 5 grep -q . "$dir/out" || fail "the command did not start"
child=$(cat "$dir/out")
# The command outlives the daemon; this script stops it at exit.
track "$child"
expect_sql "the row" "SELECT status FROM commands" running

kill -KILL "$daemon_pid"
wait_daemon_exit 5 || fail "rcmdd did not die of SIGKILL"
wait "$pid"
expect_eq "rcmd's exit status" 255 "$?"
expect_eq "rcmd's message" \
    "rcmd: connection to 127.0.0.1 closed before the command finished" \
    "$(cat "$dir/err")"
expect_sql "the row after the daemon died" "SELECT status FROM commands" \
    running

start_daemon
expect_sql "the row after the restart" "SELECT status, finished_at IS NOT NULL,
	reason FROM commands WHERE id = 1" \
    "interrupted|1|rcmdd stopped before the command finished"
expect_log "log" \
    "audit: marked 1 command left running by a previous rcmdd as interrupted"
kill -TERM "$child"
expect_serving
expect_sql "the rows" "SELECT id, status FROM commands ORDER BY id" "1|interrupted
2|exited"
