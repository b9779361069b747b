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

# rcmd --tty with no command: the run-as user's login shell on a terminal
# of the client's size and TERM. Inside it: stty size follows a resize of
# the window (WINSIZE), Ctrl-C stops sleep 100 as a key and the shell goes
# on, and exit 3 is rcmd's status; the terminal is as it was after; the
# row says terminal "xterm-256color 24x80", an empty command (the login
# shell) and the output.

watchdog=90
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tty.sh"

start_daemon
tty_start -y 127.0.0.1
tty_type 'echo MARK$((6*7)) $TERM; stty size; tty'
tty_wait "the login shell" "MARK42 xterm-256color"
tty_wait "the size" "24 80"
tty_wait "a terminal" "/dev/pts/"
pts=$(tty_screen | grep -o '^/dev/pts/[0-9]*' | head -1)
pts=${pts#/dev/}
expect_sql "running: the terminal in the row" "SELECT status, command,
    mode, terminal FROM commands" "running||shell|xterm-256color 24x80"

# A resize of the window reaches the command's terminal.
tty_tmux resize-window -t t -x 100 -y 30 || fail "tmux resize-window"
tty_type 'echo SIZE $(stty size)'
tty_wait "the resize" "SIZE 30 100"

# Ctrl-C is a key: it stops the foreground job, not the shell.
tty_type 'sleep 100; echo NOT$((1+1))'
wait_for 5 pgrep -x -t "$pts" sleep >/dev/null ||
    fail "sleep 100 never started on $pts"
tty_keys C-c
tty_type 'echo GOES$((2+2)) ON'
tty_wait "Ctrl-C, then the shell" "GOES4 ON"
! tty_shows "NOT2" || fail "Ctrl-C ended the whole line, not just sleep"
pgrep -x -t "$pts" sleep >/dev/null && fail "sleep 100 still runs on $pts"

tty_type 'exit 3'
tty_wait_rc "exit 3" 3
expect_sql "the row" "SELECT status, exit_code, command, mode, argv IS NULL,
    terminal FROM commands" "exited|3||shell|1|xterm-256color 24x80"
expect_sql "the row's output" "SELECT instr(output, 'MARK42') > 0,
    instr(output, 'GOES4 ON') > 0 FROM commands" "1|1"
"$PYTHON" "$top_srcdir/tests/regress/chainverify.py" "$db" >/dev/null ||
    fail "the chain does not verify with a terminal row"
