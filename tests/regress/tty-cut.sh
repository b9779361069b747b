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

# The terminal comes back as it was however rcmd --tty ends: when the
# connection is cut under it (the daemon's network part killed, then the
# daemon itself), and when rcmd is killed by a signal. The cut session's
# row ends interrupted, its shell ended with it.

watchdog=90
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tty.sh"

# netpid: the network part, rcmdd's child named rcmdd.
netpid() {
	ps --ppid "$daemon_pid" -o pid=,comm= | awk '$2 == "rcmdd" { print $1 }'
}

# A shell that prints its pid, on a terminal, until the connection goes.
start_session() {
	tty_start -y 127.0.0.1 'echo PID=$$; exec sh'
	tty_wait "$1: the session" "PID="
	shpid=$(tty_screen | sed -n 's/^PID=\([0-9]*\).*/\1/p' | head -1)
	[ -n "$shpid" ] || fail "$1: no pid on the screen"
	track "$shpid"
}

start_daemon
if [ "$(id -u)" -eq 0 ]; then
	start_session "network part killed"
	np=$(netpid)
	[ -n "$np" ] || fail "no network part under rcmdd's pid $daemon_pid"
	kill -KILL "$np"
	tty_wait_rc "network part killed" 255
	tty_wait "network part killed: the message" \
	    "rcmd: connection to 127.0.0.1 closed"
	wait_for 10 eval '! kill -0 "$shpid" 2>/dev/null' ||
	    fail "the session's shell outlived the network part"
	wait_daemon_exit 10 || fail "rcmdd did not exit without its network part"
	expect_sql "network part killed: the row" "SELECT status, terminal
	    FROM commands ORDER BY id DESC LIMIT 1" \
	    "interrupted|xterm-256color 24x80"
	tty_tmux kill-server
	start_daemon
else
	say "not root: the network part is not apart; skipping its kill"
fi

start_session "rcmdd killed"
kill -KILL "$daemon_pid"
tty_wait_rc "rcmdd killed" 255
tty_wait "rcmdd killed: the message" "rcmd: connection to 127.0.0.1 closed"
tty_tmux kill-server

# A reader of rcmd's output that goes: rcmd ends, the terminal restored.
start_daemon
tty_pipe="head -c 1" tty_start -y 127.0.0.1 yes
tty_wait_rc "stdout closed" 255
tty_wait "stdout closed: the message" "rcmd: cannot write output"
tty_tmux kill-server

start_session "rcmd killed"
ptty=$(tty_tmux display-message -p -t t '#{pane_tty}')
rpid=$(pgrep -t "${ptty#/dev/}" -x rcmd)
[ -n "$rpid" ] || fail "no rcmd in the window"
kill -TERM "$rpid"
tty_wait_rc "rcmd killed" 255
tty_wait "rcmd killed: the message" "rcmd: signal 15"
wait_sql 10 "SELECT status FROM commands ORDER BY id DESC LIMIT 1" \
    disconnected || fail "rcmd killed: the row: $sql_got"
