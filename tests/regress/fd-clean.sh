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

# Commands inherit no descriptor of the daemon: "ls /proc/self/fd" shows
# 0, 1, 2 and the one ls opens, even while another command runs (so the
# daemon holds more pipes and sockets).

. "$(dirname "$0")/lib.sh"

start_daemon
rcmd_bg -n 'sleep 2'
other=$rcmd_pid
wait_sql 5 "SELECT status FROM commands" running ||
    fail "the other command is not running: $sql_got"
rcmd -n 'ls /proc/self/fd' >"$dir/out"
expect_eq "exit status" 0 "$?"
expect_result "$dir/out"
# rcmd passes SIGTERM on, so the other command ends now.
kill -TERM "$other"
wait "$other"
expect_eq "status of the other rcmd after SIGTERM" 143 "$?"
stop_daemon

# rcmdd raises its own descriptor limit to the hard one, for connections,
# and gives commands back the soft limit it was started with.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -le 512 ]; then
	say "skipping the soft limit check: hard limit $hard"
else
	ulimit -Sn 512
	start_daemon
	expect_match "rcmdd's own limit" "*Max open files*$hard*$hard*" \
	    "$(grep 'Max open files' "/proc/$daemon_pid/limits")"
	expect_eq "a command's soft and hard limits" "512 $hard" \
	    "$(rcmd -n 'echo $(ulimit -Sn) $(ulimit -Hn)')"
fi
