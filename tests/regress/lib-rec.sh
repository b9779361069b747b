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

# The library every regress script sources. It makes a private folder,

# lib-rec.sh: the recording tests' terminal. The real rcmd --tty runs in
# a tmux of the test's own (its socket in $dir), driven with send-keys
# and read with capture-pane; source it after lib.sh. Skips (77) without
# tmux.

command -v tmux >/dev/null 2>&1 || {
	echo "$test_name: SKIP: tmux is needed to drive a terminal" \
	    "(apt-get install tmux)" >&2
	exit 77
}

# tty_start COMMAND: rcmd --tty COMMAND (one string, for the server's
# shell) on the daemon, in an 80x24 window of a tmux of its own; rcmd's
# exit status goes to $dir/tty-exit when it ends.
tty_n=0
tty_start() {
	tty_n=$((tty_n + 1))
	tty_sock=$dir/tmux.$tty_n
	rm -f "$dir/tty-exit"
	TTY_COMMAND=$1
	export TTY_COMMAND
	tmux -S "$tty_sock" -f /dev/null new-session -d -x 80 -y 24 \
	    "'$RCMD' --tty -p $port 127.0.0.1 \"\$TTY_COMMAND\"; \
	    echo \$? >'$dir/tty-exit'; sleep 600" || fail "tmux did not start"
	tmux_pid=$(tmux -S "$tty_sock" display-message -p '#{pid}')
	[ -n "$tmux_pid" ] && track "$tmux_pid"
}

# tty_keys KEYS...: type, as tmux send-keys does (Enter for return).
tty_keys() {
	tmux -S "$tty_sock" send-keys "$@"
}

# tty_screen: what the window shows.
tty_screen() {
	tmux -S "$tty_sock" capture-pane -p
}

# tty_wait SECONDS TEXT: wait until the window shows TEXT (a grep -F).
tty_wait() {
	wait_for "$1" sh -c "tmux -S '$tty_sock' capture-pane -p | \
	    grep -q -F -- '$2'" ||
	    fail "the terminal did not show \"$2\" within $1 s: $(tty_screen)"
}

# tty_exit SECONDS: wait for rcmd to end; its status in tty_status.
tty_exit() {
	wait_for "$1" test -s "$dir/tty-exit" ||
	    fail "rcmd --tty did not end within $1 s: $(tty_screen)"
	tty_status=$(cat "$dir/tty-exit")
}

# cast_events FILE TYPE: the data of FILE's events of TYPE (o, i, r),
# decoded and joined, as asciinema reads them.
cast_events() {
	"$PYTHON" -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    head = json.loads(f.readline())
    assert head["version"] == 2, head
    out = "".join(e[2] for e in map(json.loads, f) if e[1] == sys.argv[2])
sys.stdout.write(out)' "$1" "$2"
}
