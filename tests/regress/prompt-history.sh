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


# The prompt keeps its history across sessions, as shells do, in
# ${XDG_STATE_HOME:-~/.local/state}/rcmd/history, mode 0600 (RCMD_HISTFILE
# names another file; empty, none). On a terminal, its first line says
# that commands get no input, and cat returns at once. The terminal part
# runs rcmd inside tmux and is skipped, saying so, without tmux.

. "$(dirname "$0")/lib.sh"

write_config
start_daemon
XDG_STATE_HOME=$dir/state
export XDG_STATE_HOME
unset RCMD_HISTFILE

printf 'echo one\necho two\n' | rcmd_within 10 >/dev/null 2>"$dir/err"
expect_eq "piped session: stderr" "" "$(cat "$dir/err")"
hist=$dir/state/rcmd/history
[ -f "$hist" ] || fail "no history file at $hist"
expect_eq "history file mode" "-rw-------" "$(ls -l "$hist" | cut -c1-10)"
expect_eq "state folder mode" "drwx------" \
    "$(ls -ld "$dir/state/rcmd" | cut -c1-10)"
# libedit's file writes a space as \040.
grep -q 'echo\\040two' "$hist" || fail "echo two is not in $hist: $(cat "$hist")"

RCMD_HISTFILE=$dir/other rcmd_within 10 </dev/null >/dev/null 2>&1
[ -f "$dir/other" ] || fail "RCMD_HISTFILE did not name the history file"
rm -f "$hist"
printf 'echo three\n' | RCMD_HISTFILE= rcmd_within 10 >/dev/null 2>&1
[ ! -e "$hist" ] || fail "RCMD_HISTFILE= still wrote $hist"

if ! command -v tmux >/dev/null 2>&1; then
	say "SKIP of the terminal part: tmux is not installed (apt-get install tmux)"
	exit 0
fi
printf 'echo from-the-last-session\n' | rcmd_within 10 >/dev/null 2>&1
sock=$dir/tmux.sock
tmux_pane() {
	tmux -S "$sock" capture-pane -p -t rcmdtest
}
tmux -S "$sock" -f /dev/null new-session -d -s rcmdtest -x 200 -y 20 \
    "XDG_STATE_HOME=$dir/state XDG_CONFIG_HOME=$dir/noconfig $RCMD -p $port 127.0.0.1; sleep 30" ||
    fail "tmux could not start"
tmux_pid=$(tmux -S "$sock" display-message -p -t rcmdtest '#{pid}')
track "$tmux_pid"
wait_for 10 sh -c "tmux -S '$sock' capture-pane -p -t rcmdtest | grep -q 'rcmd 127.0.0.1:~>'" ||
    fail "no prompt in the terminal: $(tmux_pane)"
expect_match "the first line" \
    "rcmd: connected to 127.0.0.1 (rcmdd *). Each line runs as one command, audited, with no input: its stdin is at end of file. exit or Ctrl-D leaves.*" \
    "$(tmux_pane)"
# cat gets end of file at once, and the prompt comes back.
tmux -S "$sock" send-keys -t rcmdtest 'cat' Enter
wait_sql 10 "SELECT status FROM commands WHERE command = 'cat'" "exited" ||
    fail "cat did not end at once: $sql_got"
# The last session's line is one Up away.
tmux -S "$sock" send-keys -t rcmdtest Up Up Enter
wait_sql 10 "SELECT count(*) FROM commands WHERE command = 'echo from-the-last-session'" 2 ||
    fail "Up Up did not bring back the last session's line: $(tmux_pane)"
tmux -S "$sock" send-keys -t rcmdtest 'exit' Enter
tmux -S "$sock" kill-server 2>/dev/null
