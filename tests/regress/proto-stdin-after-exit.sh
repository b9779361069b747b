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

# STDIN, STDIN_EOF and SIGNAL frames that arrive after the command ended
# are dropped without an error or a log line, and the connection runs the
# next command.

. "$(dirname "$0")/lib.sh"

start_daemon
raw hello expect=HELLO exec=true eof expect=EXIT \
    stdin='too late\n' eof signal=2 signal=9 \
    exec='echo next' eof expect=EXIT read=0.5 >"$dir/out" ||
    fail "rawclient: $(cat "$dir/out")"
expect_result "$dir/out"
if grep 'session [0-9]*: 127\.0\.0\.1:[0-9]*: ' "$log" >&2; then
	fail "the daemon logged an error for frames after the command"
fi
expect_sql "the commands" \
    "SELECT command, status FROM commands ORDER BY id" "true|exited
echo next|exited"
expect_serving
