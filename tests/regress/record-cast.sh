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

# rcmdd --export-cast writes a file that asciinema accepts: asciinema cat
# prints the session's output, bytes that are not UTF-8 and a character
# cut between two reads included (as U+FFFD, and whole).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rec.sh"

command -v asciinema >/dev/null 2>&1 || {
	echo "$test_name: SKIP: asciinema is needed (apt-get install" \
	    "asciinema)" >&2
	exit 77
}

start_daemon
# The euro sign's three bytes in two writes, in two chunks (each written a
# second after its first event); then a byte that is not UTF-8.
tty_start "printf 'cast-\\342\\202'; sleep 2.5; printf '\\254-ok\\377-end\\n'; \
    sleep 1; echo done"
tty_exit 15
expect_eq "rcmd's exit status" 0 "$tty_status"
"$RCMDD" --export-cast 1 "$db" >"$dir/cast" 2>"$dir/err" ||
    fail "--export-cast: $(cat "$dir/err")"
expect_sql "two chunks at least" "SELECT count(*) >= 2
    FROM recording" 1

# asciinema cat wants a terminal: it runs in a tmux window of its own.
tmux -S "$tty_sock" new-window "asciinema cat '$dir/cast' >'$dir/cat' \
    2>'$dir/cat.err'; echo \$? >'$dir/cat-exit'"
wait_for 10 test -s "$dir/cat-exit" || fail "asciinema cat did not end"
expect_eq "asciinema cat's status ($(cat "$dir/cat.err"))" 0 \
    "$(cat "$dir/cat-exit")"
expect_match "asciinema cat's output" "*cast-€-ok�-end*done*" \
    "$(cat "$dir/cat")"
