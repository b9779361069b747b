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

# A client that vanishes mid-command (rcmd killed with SIGKILL): the
# command's whole process group is stopped, the row becomes disconnected
# within a few seconds, and the daemon goes on serving.

. "$(dirname "$0")/lib.sh"

# Is a process of this group running sleep?
group_sleeps() {
	for p in $(proc_group "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && return 0
	done
	return 1
}

start_daemon
rcmd_bg -n 'echo $$; sleep 30' >"$dir/out"
pid=$rcmd_pid
wait_for 5 grep -q . "$dir/out" || fail "the command did not start"
group=$(cat "$dir/out")
track_group "$group"
wait_for 5 group_sleeps "$group" || fail "no sleep in the command's group"

kill -KILL "$pid"
wait_sql 5 "SELECT status, reason FROM commands" \
    "disconnected|the client disconnected" ||
    fail "the row is not disconnected 5 s after the client died: $sql_got"
expect_log "log" "disconnected while its command ran; stopping the command"

# Nothing of the command is left: not its group, nor a sleep under rcmdd.
left=$(proc_group "$group")
[ -z "$left" ] || fail "processes of the command's group remain: $left"
for p in $(proc_children "$daemon_pid"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" != sleep ] ||
	    fail "a sleep (pid $p) is still a child of rcmdd"
done
expect_serving
