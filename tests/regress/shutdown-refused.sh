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

# SIGTERM while a command's start waits for the audit log, which then
# refuses it (the database locked past the 5 s busy timeout): the session
# ends with the refusal and rcmdd exits. It used to take the session back
# to waiting for the next command, and rcmdd waited for it until its
# IdleTimeout (an hour by default) before exiting.

. "$(dirname "$0")/lib.sh"

start_daemon
expect_serving
lock_db 7
# The prompt, so that rcmd itself would wait for a next line.
prompt_bg
echo "touch $dir/ran" >&3
sleep 1
kill -TERM "$daemon_pid"
wait_for 5 grep -q "shutting down" "$log" ||
    fail "rcmdd did not log its shutdown"
wait_daemon_exit 20 ||
    fail "rcmdd did not exit within 20 s of SIGTERM: $(tail -3 "$log")"
expect_eq "rcmdd's exit status" 0 "$daemon_status"
expect_match "rcmd's messages" \
    "*the audit log cannot record the command, so it was not run*" \
    "$(cat "$dir/err")"
[ ! -e "$dir/ran" ] || fail "the command ran although it was not recorded"
exec 3>&-
wait "$locker"
