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

# A command that ignores SIGINT keeps running when rcmd passes the first
# two on; at the third, rcmd gives up on it: it exits 255 at once and says
# so, while the command may still run on the server; at the prompt too.

. "$(dirname "$0")/lib.sh"

# give_up WHERE: rcmd_pid runs a command that ignores SIGINT; two SIGINTs
# leave it running, the third ends it with 255 at once, saying so.
give_up() {
	wait_for 5 grep -q ready "$dir/out" ||
	    fail "$1: the command did not start"
	kill -INT "$rcmd_pid"
	sleep 0.3
	kill -INT "$rcmd_pid"
	sleep 0.3
	proc_alive "$rcmd_pid" ||
	    fail "$1: rcmd ended after two SIGINTs: $(cat "$dir/err")"
	t0=$(now_ms)
	kill -INT "$rcmd_pid"
	wait "$rcmd_pid"
	rc=$?
	t1=$(now_ms)
	expect_eq "$1: status" 255 "$rc"
	expect_eq "$1: message" \
	    "rcmd: interrupted 3 times: giving up on the command" \
	    "$(cat "$dir/err")"
	expect_le "$1: ms until rcmd exits after the third SIGINT" \
	    $((t1 - t0)) 3000
}

start_daemon
rcmd_bg -n "trap '' INT; echo ready; sleep 20" >"$dir/out" 2>"$dir/err"
give_up "one command"

# At the prompt too (its connection is still busy with the command).
prompt_bg
echo "trap '' INT; echo ready; sleep 20" >&3
give_up "at the prompt"
expect_eq "output at the prompt" "ready" "$(cat "$dir/out")"
exec 3>&-
