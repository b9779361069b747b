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

# SIGTERM while a long command runs, with ShutdownGrace 1s: at the end of
# the grace the command is stopped, its row is cancelled, rcmd exits 255
# saying why, and the daemon exits 0 within a few seconds. The same in
# single-thread mode, where the command runs inline in the event loop.

. "$(dirname "$0")/lib.sh"

write_config "ShutdownGrace 1s"
for mode in threaded single-thread; do
	case $mode in
	threaded)	start_daemon ;;
	*)		start_daemon -s ;;
	esac
	rcmd_bg -n "sleep 30 # $mode" 2>"$dir/err"
	pid=$rcmd_pid
	wait_sql 5 "SELECT status FROM commands
	    WHERE command = 'sleep 30 # $mode'" running ||
	    fail "$mode: the command is not running: $sql_got"

	t0=$(now_ms)
	kill -TERM "$daemon_pid"
	wait_daemon_exit 8 || fail "$mode: rcmdd still runs 8 s after SIGTERM"
	t1=$(now_ms)
	expect_eq "$mode: rcmdd's exit status" 0 "$daemon_status"
	expect_ge "$mode: ms until rcmdd exits" $((t1 - t0)) 900
	expect_le "$mode: ms until rcmdd exits" $((t1 - t0)) 4000
	wait "$pid"
	expect_eq "$mode: rcmd's exit status" 255 "$?"
	expect_eq "$mode: rcmd's message" \
	    "rcmd: command cancelled by 127.0.0.1 (the server is shutting down, or its operator ended the command)" \
	    "$(cat "$dir/err")"
	expect_sql "$mode: audit row" "SELECT status, reason,
	     finished_at IS NOT NULL FROM commands
	     WHERE command = 'sleep 30 # $mode'" \
	    "cancelled|rcmdd was shutting down|1"
	# The loop thread runs an inline command: no timer ends it there.
	[ "$mode" = single-thread ] ||
	    expect_log "$mode: log" \
	    "shutdown grace over: stopping 1 running command"
done
