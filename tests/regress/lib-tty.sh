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

# What the terminal tests (tty-*.sh) share, sourced after lib.sh: they
# drive the real rcmd inside a tmux of their own (its socket in $dir), of
# a fixed size, type into it with send-keys and read its screen with
# capture-pane, waiting for what they expect with a bounded poll.
#
# tty_start ARG...: run "rcmd -p $port ARG..." (the host among them:
# 127.0.0.1) in a new tmux window of 80x24, TERM xterm-256color; the
# window notes stty -g before and after rcmd, and rcmd's status in
# $dir/rc. With tty_pipe set, rcmd's standard output goes through that
# command (such as "head -c 1") instead of straight to the window.

if ! command -v tmux >/dev/null 2>&1; then
	say "SKIP: tmux is not installed (apt-get install tmux): the terminal" \
	    "tests drive rcmd --tty inside it"
	exit 77
fi

tty_sock=$dir/tmux.sock

# tmux TMUX-ARGS...: the test's own tmux server.
tty_tmux() {
	tmux -S "$tty_sock" "$@"
}

tty_start() {
	rm -f "$dir/rc" "$dir/before" "$dir/after"
	_ts_args=
	for _ts_a in "$@"; do
		_ts_args="$_ts_args '$(printf '%s' "$_ts_a" | sed "s/'/'\\\\''/g")'"
	done
	cat >"$dir/inner.sh" <<EOS
TERM=xterm-256color
export TERM
stty -g >"$dir/before"
{ "$RCMD" -p "$port" $_ts_args; echo \$? >"$dir/rc.tmp"; } | ${tty_pipe:-cat}
mv "$dir/rc.tmp" "$dir/rc"
stty -g >"$dir/after"
exec sleep 600
EOS
	tty_tmux -f /dev/null new-session -d -x 80 -y 24 -s t \
	    "sh $dir/inner.sh" ||
	    fail "tmux new-session failed"
	_ts_pid=$(tty_tmux display-message -p -t t '#{pid}')
	[ -n "$_ts_pid" ] && track "$_ts_pid"
}

# tty_screen: what the window shows now.
tty_screen() {
	tty_tmux capture-pane -p -t t 2>/dev/null
}

# tty_keys KEY...: type into the window (tmux send-keys names).
tty_keys() {
	tty_tmux send-keys -t t "$@" || fail "tmux send-keys $*"
}

# tty_type TEXT: type TEXT and Enter.
tty_type() {
	tty_tmux send-keys -t t -l "$1" || fail "tmux send-keys $1"
	tty_tmux send-keys -t t Enter || fail "tmux send-keys Enter"
}

# tty_shows TEXT: the window shows TEXT.
tty_shows() {
	tty_screen | grep -F -- "$1" >/dev/null
}

# tty_wait WHAT TEXT [SECONDS]: wait until the window shows TEXT.
tty_wait() {
	wait_for "${3:-10}" tty_shows "$2" ||
	    fail "$1: the window never showed \"$2\"; it shows:
$(tty_screen)"
}

# tty_done: rcmd has exited in the window.
tty_done() {
	[ -s "$dir/rc" ]
}

# tty_wait_rc WHAT STATUS [SECONDS]: rcmd exits with STATUS, and the
# terminal is as it was before (stty -g).
tty_wait_rc() {
	wait_for "${3:-10}" tty_done ||
	    fail "$1: rcmd did not exit; the window shows:
$(tty_screen)"
	expect_eq "$1: rcmd's status" "$2" "$(cat "$dir/rc")"
	wait_for 5 test -s "$dir/after" || fail "$1: no stty -g after rcmd"
	expect_eq "$1: the terminal is as it was (stty -g)" \
	    "$(cat "$dir/before")" "$(cat "$dir/after")"
}
