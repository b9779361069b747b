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

# The running row is committed before the command is spawned: the command
# itself reads it, and sqlite3 sees it while the command runs, with
# finished_at NULL. Then it becomes final.

. "$(dirname "$0")/lib.sh"

start_daemon
# The command reads its own row from the database.
out=$(rcmd -n "'$SQLITE3' -cmd '.timeout 5000' '$db' \"SELECT status, finished_at IS NULL FROM commands WHERE id = (SELECT max(id) FROM commands)\"")
expect_eq "exit status" 0 "$?"
expect_eq "the row the command sees" "running|1" "$out"

rcmd_bg -n 'sleep 2'
pid=$rcmd_pid
wait_sql 2 "SELECT count(*) FROM commands WHERE status = 'running'" 1 ||
    fail "no committed running row while sleep 2 runs: $sql_got"
expect_sql "the running row" "SELECT id, command, finished_at IS NULL,
	exit_code IS NULL, signal IS NULL, duration_ms IS NULL,
	client_addr, started_at GLOB
	'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
     FROM commands WHERE status = 'running'" "2|sleep 2|1|1|1|1|127.0.0.1|1"
wait "$pid"
expect_eq "exit status of sleep 2" 0 "$?"
expect_sql "the final row" "SELECT status, exit_code, finished_at IS NOT NULL,
	duration_ms >= 1900 FROM commands WHERE id = 2" "exited|0|1|1"
