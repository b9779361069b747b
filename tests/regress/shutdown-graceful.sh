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

# SIGTERM while a short command runs: the daemon stops listening, lets the
# command finish within ShutdownGrace, and exits 0; rcmd gets the output
# and exit 0, and the row is exited.

. "$(dirname "$0")/lib.sh"

start_daemon
rcmd_bg -n 'sleep 1; echo finished' >"$dir/out" 2>"$dir/err"
pid=$rcmd_pid
wait_sql 5 "SELECT status FROM commands" running ||
    fail "the command is not running: $sql_got"

kill -TERM "$daemon_pid"
wait_for 5 grep -q "shutting down" "$log" ||
    fail "rcmdd did not log its shutdown"
# No new client gets in meanwhile.
rcmd -n true 2>/dev/null
expect_eq "status of a new client during the shutdown" 255 "$?"

wait "$pid"
expect_eq "rcmd's exit status" 0 "$?"
expect_eq "output" finished "$(cat "$dir/out")"
wait_daemon_exit 5 || fail "rcmdd did not exit after its last command"
expect_eq "rcmdd's exit status" 0 "$daemon_status"
expect_sql "audit row" "SELECT status, exit_code FROM commands" "exited|0"
expect_log "log" "waiting up to 10000 ms for 1 running command"
