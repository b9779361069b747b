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

# Programs that need a terminal work through rcmd --tty: vi edits and
# saves a file, and top starts and ends on q. Each leaves the client's
# terminal as it was.

watchdog=90
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tty.sh"

command -v vi >/dev/null 2>&1 || { say "SKIP: no vi"; exit 77; }
command -v top >/dev/null 2>&1 || { say "SKIP: no top"; exit 77; }

start_daemon
printf 'first line\n' >"$dir/file.txt"
tty_start -y 127.0.0.1 vi "$dir/file.txt"
tty_wait "vi starts" "first line"
# Open a line below, type, leave insert mode, save and quit.
tty_keys o
tty_tmux send-keys -t t -l 'typed in vi over rcmd' || fail "send-keys"
tty_keys Escape
tty_type ':wq'
tty_wait_rc "vi" 0
expect_eq "the file vi saved" "first line
typed in vi over rcmd" "$(cat "$dir/file.txt")"
expect_sql "vi's row" "SELECT status, exit_code, command, terminal
    FROM commands ORDER BY id DESC LIMIT 1" \
    "exited|0|vi $dir/file.txt|xterm-256color 24x80"

tty_tmux kill-server
tty_start -y 127.0.0.1 top
tty_wait "top starts" "load average"
tty_keys q
tty_wait_rc "top" 0
