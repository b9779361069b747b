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

# A terminal ends as any command does: at its time limit (status 124,
# the row timeout, its shell hung up), at the daemon's shutdown (the row
# cancelled), and MaxCommands counts it. A rule that admits only a
# program refuses a terminal even for that program, with a denied row
# that names the terminal. A SIGNAL goes to the terminal's foreground
# job: the shell that waits for it goes on.

watchdog=90
. "$(dirname "$0")/lib.sh"

# SIGNAL 2 to a terminal whose shell runs sleep as a job of its own in
# the foreground: sleep gets it, not the shell, which ends on its own.
start_daemon
run=$(run_frame '1=exec bash -c '"'"'set -m; echo READY; sleep 100; echo after'"'" \
    '6=\x00\x18\x00\x50xterm')
raw -t 10 hello expect=HELLO "frame=6:$run" expect=STDOUT sleep=0.5 \
    signal=2 expect=EXIT >"$dir/raw" 2>&1 ||
    fail "SIGNAL on a terminal: $(cat "$dir/raw")"
expect_eq "SIGNAL on a terminal: the shell's end" "EXIT exited 130" \
    "$(tail -1 "$dir/raw")"
stop_daemon

write_config "ShutdownGrace 1s" "MaxCommands 1"
start_daemon

# -t 1: a terminal's time limit, then its hang-up.
"$RCMD" -p "$port" -t 1 -yy 127.0.0.1 'sleep 30' </dev/null \
    >"$dir/out" 2>"$dir/err"
expect_eq "timeout: status" 124 "$?"
expect_sql "timeout: the row" "SELECT status, signal, terminal FROM commands
    ORDER BY id DESC LIMIT 1" "timeout|1|xterm 24x80"

# MaxCommands 1: a second terminal waits its turn like any command.
"$RCMD" -p "$port" -yy 127.0.0.1 'echo STARTED; exec sleep 30' \
    </dev/null >"$dir/out1" 2>"$dir/err1" &
first=$!
track "$first"
wait_for 10 grep -q STARTED "$dir/out1" || fail "the first terminal did not start"
"$RCMD" -p "$port" -yy 127.0.0.1 true </dev/null >"$dir/out" 2>"$dir/err"
expect_eq "MaxCommands: status" 255 "$?"
expect_match "MaxCommands: message" "*too many commands running*" \
    "$(cat "$dir/err")"

# The shutdown ends the first, which runs on.
kill -TERM "$daemon_pid"
wait "$first"
expect_eq "shutdown: status" 255 "$?"
expect_match "shutdown: message" "rcmd: command cancelled by 127.0.0.1*" \
    "$(cat "$dir/err1")"
wait_daemon_exit 15 || fail "rcmdd did not stop"
expect_sql "shutdown: the row" "SELECT status, terminal FROM commands
    ORDER BY id DESC LIMIT 1" "cancelled|xterm 24x80"

# A program the rules allow, but on a terminal: refused, and recorded.
write_config "Allow * from 127.0.0.0/8 command /bin/echo ..."
start_daemon
"$RCMD" -p "$port" -yy -a 127.0.0.1 /bin/echo hi </dev/null \
    >"$dir/out" 2>"$dir/err"
expect_eq "a program on a terminal: status" 255 "$?"
expect_match "a program on a terminal: message" \
    "*not allowed: * may not open a terminal: a terminal needs shell permission*" \
    "$(cat "$dir/err")"
expect_sql "a program on a terminal: the row" "SELECT status, mode, argv,
    terminal FROM commands ORDER BY id DESC LIMIT 1" \
    "denied|argv|[\"/bin/echo\",\"hi\"]|xterm 24x80"
"$RCMD" -p "$port" -n -a 127.0.0.1 /bin/echo hi >"$dir/out" 2>"$dir/err"
expect_eq "the program without a terminal" "hi" "$(cat "$dir/out")"
