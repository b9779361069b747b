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

# rcmd --tty stopped from outside its terminal (kill -TSTP gives the
# terminal back first; kill -STOP cannot be caught, and the shell that
# takes the terminal over resets it) is back in raw mode once continued,
# and the remote session goes on; at its end the terminal is as it was.

watchdog=90
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tty.sh"

# raw: the window's terminal reads keys one by one (rcmd's raw mode).
raw() {
	stty -F "$pane" -a | grep -q -- '-icanon'
}
cooked() {
	! raw
}
# stopped: rcmd is stopped (T), and the terminal reads lines.
stopped() {
	[ "$(ps -o stat= -p "$rpid" | cut -c1)" = T ] && cooked
}

start_daemon
tty_start -y 127.0.0.1 cat
tty_type one
tty_wait "the session" one
pane=$(tty_tmux display-message -p -t t '#{pane_tty}')
rpid=$(ps -t "${pane#/dev/}" -o pid=,comm= | awk '$2 == "rcmd" { print $1 }')
[ -n "$rpid" ] || fail "no rcmd on $pane"
track "$rpid"
wait_for 5 raw || fail "rcmd did not put $pane in raw mode"

kill -TSTP "$rpid"
wait_for 5 stopped || fail "kill -TSTP: rcmd is not stopped with the" \
    "terminal as it was: $(ps -o stat= -p "$rpid"); $(stty -F "$pane")"
kill -CONT "$rpid"
wait_for 5 raw || fail "kill -CONT after -TSTP: not raw again:" \
    "$(stty -F "$pane")"

kill -STOP "$rpid"
wait_for 5 sh -c "[ \"\$(ps -o stat= -p $rpid | cut -c1)\" = T ]" ||
    fail "kill -STOP: rcmd is not stopped"
stty -F "$pane" sane
wait_for 5 cooked || fail "stty sane did not take"
kill -CONT "$rpid"
wait_for 5 raw || fail "kill -CONT after -STOP and stty sane: not raw" \
    "again: $(stty -F "$pane")"

tty_type two
tty_wait "the session after the stops" two
tty_keys C-d
tty_wait_rc "the end" 0
expect_sql "the row" "SELECT status, exit_code FROM commands" "exited|0"
