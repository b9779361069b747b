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

# rcmd against a server from before RUN (fakeserver.py run: it answers an
# unknown frame type with ERROR 3 and closes): a plain command still goes
# as EXEC and runs; each option that needs RUN (-l, USER@host, --argv,
# -m, -C) gets "too old for" that option, with status 255.

. "$(dirname "$0")/lib.sh"

# old ARG...: rcmd ARG... against a new fake old server on a Unix socket.
old() {
	rm -f "$dir/s.sock"
	"$PYTHON" "$top_srcdir/tests/regress/fakeserver.py" -u "$dir/s.sock" \
	    run 2>"$dir/ferr" &
	_o_pid=$!
	track "$_o_pid"
	wait_for 10 test -S "$dir/s.sock" || fail "the fake server did not start"
	"$RCMD" -n "$@" >"$dir/out" 2>"$dir/err"
	status=$?
	wait "$_o_pid"
}

old "unix:$dir/s.sock" echo hi
expect_eq "plain: status" 7 "$status"
expect_eq "plain: output" "ran: echo hi" "$(cat "$dir/out")"

for opt in "-l" "USER@host" "--argv" "-m" "-C"; do
	case $opt in
	-l)		old -l daemon "unix:$dir/s.sock" id ;;
	USER@host)	old "daemon@unix:$dir/s.sock" id ;;
	--argv)		old --argv "unix:$dir/s.sock" id ;;
	-m)		old -m CHG-1 "unix:$dir/s.sock" id ;;
	-C)		old -C /tmp "unix:$dir/s.sock" id ;;
	esac
	expect_eq "$opt: status" 255 "$status"
	expect_eq "$opt: output" "" "$(cat "$dir/out")"
	expect_eq "$opt: message" "rcmd: unix:$dir/s.sock is too old for $opt: its rcmdd does not know the RUN frame that $opt needs, and ran nothing (unknown message type 0x06 from a client); upgrade rcmdd there, or leave out $opt" "$(cat "$dir/err")"
done
exit 0
