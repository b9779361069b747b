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

# The prompt keeps a directory as a shell would: cd DIR changes it for the
# lines after it, each command is sent with it and its row records it; a
# directory that cannot be entered fails the command that tried it, and
# the prompt goes back to the last one that worked. cd alone goes home,
# cd - back, cd with a relative path joins it. The prompt shows the
# directory (a terminal inside tmux; that part is skipped, saying so,
# without tmux). rcmd -C DIR does the same for one command, on one host
# or many, and refuses a relative DIR.

. "$(dirname "$0")/lib.sh"

home=$(getent passwd "$(id -un)" | cut -d: -f6)
[ -n "$home" ] || fail "no home directory for $(id -un)"
mkdir -p "$dir/a/b"
start_daemon

printf '%s\n' "cd /etc" pwd "cd /nonexistent" pwd pwd "cd $dir/a/b" \
    "cd ../." pwd "cd -" pwd cd pwd "cd -" "cd .." "cd b" pwd "cd /tmp;" \
    "cd /" "cd ../../etc/./" pwd "cd -P /tmp" pwd |
    rcmd_within 20 >"$dir/out" 2>"$dir/err"
expect_eq "prompt: status" 0 "$?"
expect_eq "prompt: output" "/etc
/etc
$dir/a
$dir/a/b
$dir/a/b
$home
$dir/a/b
$dir/a/b
/etc
/etc" "$(cat "$dir/out")"
expect_eq "prompt: the message" "rcmd: 127.0.0.1 could not start the command: No such file or directory
rcmd: cannot enter /nonexistent on 127.0.0.1: back in /etc" "$(cat "$dir/err")"
expect_sql "prompt: each row's directory" "SELECT command, status,
    ifnull(cwd, 'home') FROM commands ORDER BY id" "pwd|exited|/etc
pwd|failed|/nonexistent
pwd|exited|/etc
pwd|exited|$dir/a
pwd|exited|$dir/a/b
pwd|exited|home
pwd|exited|$dir/a/b
cd /tmp;|exited|$dir/a/b
pwd|exited|/etc
cd -P /tmp|exited|/etc
pwd|exited|/etc"

# At home, a relative directory has nothing rcmd knows to join it to.
printf '%s\n' "cd sub" pwd | rcmd_within 10 >"$dir/out" 2>"$dir/err"
expect_eq "relative at home: output" "$home" "$(cat "$dir/out")"
expect_eq "relative at home: message" "rcmd: cd sub: the home directory's path is not known here, so a relative directory cannot be joined to it; give an absolute one" "$(cat "$dir/err")"

# One command: -C.
rcmd_within 10 -C /tmp pwd >"$dir/out" 2>"$dir/err"
expect_eq "-C: status" 0 "$?"
expect_eq "-C: output" "/tmp" "$(cat "$dir/out")"
expect_sql "-C: the row" "SELECT command, cwd FROM commands
    ORDER BY id DESC LIMIT 1" "pwd|/tmp"
before=$(sql "SELECT count(*) FROM commands")
rcmd_within 10 -C tmp pwd >"$dir/out" 2>"$dir/err"
expect_eq "-C relative: status" 255 "$?"
expect_eq "-C relative: message" "rcmd: -C tmp: the server needs an absolute directory, since it has no current one to resolve tmp against: give it from /" "$(cat "$dir/err")"
expect_sql "-C relative: no row" "SELECT count(*) FROM commands" "$before"
rcmd_within 10 -C /nonexistent pwd >"$dir/out" 2>"$dir/err"
expect_eq "-C, no such directory: status" 255 "$?"
expect_eq "-C, no such directory: message" "rcmd: 127.0.0.1 could not start the command: No such file or directory" "$(cat "$dir/err")"
# -C with -H: each host runs the command there.
"$RCMD" -C /tmp -H "127.0.0.1:$port" pwd >"$dir/out" 2>"$dir/err"
expect_eq "-C -H: status" 0 "$?"
expect_eq "-C -H: output" "127.0.0.1:$port: /tmp" "$(cat "$dir/out")"
expect_sql "-C -H: the row" "SELECT command, cwd FROM commands
    ORDER BY id DESC LIMIT 1" "pwd|/tmp"

if ! command -v tmux >/dev/null 2>&1; then
	say "SKIP of the terminal part: tmux is not installed (apt-get install tmux)"
	exit 0
fi
sock=$dir/tmux.sock
tmux_pane() {
	tmux -S "$sock" capture-pane -p -t rcmdtest
}
# pane_has TEXT: does the pane show a line that starts with TEXT?
pane_has() {
	tmux_pane | grep -q -F -x -e "$1" -e "$1 "
}
tmux -S "$sock" -f /dev/null new-session -d -s rcmdtest -x 200 -y 20 \
    "RCMD_HISTFILE= XDG_CONFIG_HOME=$dir/noconfig $RCMD -p $port 127.0.0.1; sleep 30" ||
    fail "tmux could not start"
tmux_pid=$(tmux -S "$sock" display-message -p -t rcmdtest '#{pid}')
track "$tmux_pid"
wait_for 10 pane_has "rcmd 127.0.0.1:~>" ||
    fail "no prompt at home in the terminal: $(tmux_pane)"
tmux -S "$sock" send-keys -t rcmdtest 'cd /etc' Enter
wait_for 10 pane_has "rcmd 127.0.0.1:/etc>" ||
    fail "the prompt does not show /etc: $(tmux_pane)"
# /etc is the last directory that worked once a command has run there.
tmux -S "$sock" send-keys -t rcmdtest 'true' Enter
wait_sql 10 "SELECT cwd FROM commands WHERE command = 'true'" /etc ||
    fail "true did not run in /etc: $sql_got"
tmux -S "$sock" send-keys -t rcmdtest 'cd /nonexistent' Enter
wait_for 10 pane_has "rcmd 127.0.0.1:/nonexistent>" ||
    fail "the prompt does not show /nonexistent: $(tmux_pane)"
tmux -S "$sock" send-keys -t rcmdtest 'pwd' Enter
wait_for 10 pane_has "rcmd: cannot enter /nonexistent on 127.0.0.1: back in /etc" ||
    fail "no message for /nonexistent: $(tmux_pane)"
wait_for 10 sh -c "tmux -S '$sock' capture-pane -p -t rcmdtest | tail -n +2 |
    grep -v '^\$' | tail -1 | grep -q -x -F 'rcmd 127.0.0.1:/etc>'" ||
    fail "the prompt did not go back to /etc: $(tmux_pane)"
tmux -S "$sock" send-keys -t rcmdtest 'exit' Enter
tmux -S "$sock" kill-server 2>/dev/null
exit 0
