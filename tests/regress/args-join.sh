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

# Command words are joined with spaces, as ssh does, and the remote shell
# splits them again: "rcmd host echo a b" prints "a b".

. "$(dirname "$0")/lib.sh"

start_daemon
{
	rcmd -n echo a b &&
	rcmd -n echo 'a   b' &&
	rcmd -n 'echo "a   b"' &&
	rcmd -n printf '%s\n' 1 2 && echo &&
	rcmd -n echo "'quoted words'" '"stay   together"'
} >"$dir/out" || fail "rcmd failed: status $?"
expect_result "$dir/out"
expect_sql "the audited commands" "SELECT command FROM commands ORDER BY id" \
    "echo a b
echo a   b
echo \"a   b\"
printf %s\\n 1 2
echo 'quoted words' \"stay   together\""
