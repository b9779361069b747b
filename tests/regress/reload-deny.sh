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

# A Deny added by a reload ends a running command of a peer of the local
# socket, whose identity is its user name, in both modes: on a worker
# thread, and inline (--single-thread), where the reload arrives while the
# loop runs the command. Another peer's command, still allowed, runs on.

. "$(dirname "$0")/lib.sh"

me=$(id -un)
sock=$dir/rcmdd.sock
for mode in threaded single; do
	flag=
	[ "$mode" = single ] && flag=-s
	rm -f "$db" "$db-wal" "$db-shm"
	write_config "ListenSocket $sock" "Allow *"
	start_daemon $flag
	"$RCMD" -n "unix:$sock" 'echo started; sleep 30' >"$dir/u.out" \
	    2>"$dir/u.err" &
	u=$!
	track "$u"
	wait_for 10 grep -q started "$dir/u.out" ||
	    fail "$mode: the command did not start"
	write_config "ListenSocket $sock" "Deny $me from unix" "Allow *"
	kill -HUP "$daemon_pid"
	# Promptly: the command would sleep for 30 s.
	wait_for 3 sh -c '! kill -0 "$1" 2>/dev/null' sh "$u" ||
	    fail "$mode: rcmd still runs 3 s after the reload"
	wait "$u"
	expect_ne "$mode: status" 0 "$?"
	expect_match "$mode: message" \
	    "rcmd: *denied after reload: $me from the local socket is denied by $conf:*: Deny $me from unix*" \
	    "$(cat "$dir/u.err")"
	wait_sql 10 "SELECT status FROM commands" cancelled ||
	    fail "$mode: the row: $sql_got"
	expect_match "$mode: row" \
	    "cancelled|denied after reload: $me from the local socket is denied by $conf:*" \
	    "$(sql "SELECT status, reason FROM commands")"
	# Plain TCP has no identity: no rule names it, and it runs on.
	out=$(rcmd -n 'echo tcp')
	expect_eq "$mode: plain TCP after the reload" tcp "$out"
	stop_daemon
done
