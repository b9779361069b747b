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

# In single-thread mode a command runs inline in the event loop, and the
# loop still hears what stops it: a client that vanishes stops its
# command, and SIGHUP reloads while a command runs. (SIGTERM's shutdown
# grace: shutdown-cancel.sh.)

. "$(dirname "$0")/lib.sh"

start_daemon -s

# The client vanishes: the command stops, the row says why.
rcmd_bg -n 'echo $$; sleep 30' >"$dir/out"
pid=$rcmd_pid
wait_for 5 grep -q . "$dir/out" || fail "disconnect: the command did not start"
group=$(cat "$dir/out")
track_group "$group"
kill -KILL "$pid"
wait_sql 5 "SELECT status, reason FROM commands WHERE id = 1" \
    "disconnected|the client disconnected" ||
    fail "disconnect: the row is not disconnected 5 s after the client" \
    "died: $sql_got"
expect_log "disconnect: log" \
    "disconnected while its command ran; stopping the command"
left=$(proc_group "$group")
[ -z "$left" ] ||
    fail "disconnect: processes of the command's group remain: $left"
expect_serving

# SIGHUP while a command runs: the reload happens at once, not after it.
rcmd_bg -n 'sleep 3; echo done' >"$dir/out"
pid=$rcmd_pid
wait_sql 5 "SELECT status FROM commands WHERE command = 'sleep 3; echo done'" \
    running || fail "SIGHUP: the command is not running: $sql_got"
t0=$(now_ms)
kill -HUP "$daemon_pid"
wait_for 2 grep -q "SIGHUP: configuration reloaded" "$log" ||
    fail "SIGHUP: no reload within 2 s while a command ran"
t1=$(now_ms)
expect_le "SIGHUP: ms until the reload" $((t1 - t0)) 2000
wait "$pid"
expect_eq "SIGHUP: the command's exit status" 0 "$?"
expect_eq "SIGHUP: the command's output" done "$(cat "$dir/out")"
expect_serving
