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
# rcmd with no command reads commands, one per line, and runs each on the
# same connection: here from a pipe, as libedit does when stdin is not a
# terminal. Blank lines are skipped, "exit" leaves, and the status is the
# last command's.

. "$(dirname "$0")/lib.sh"

start_daemon
printf 'echo one\n\n  echo two  \nfalse\nexit\necho never\n' |
    rcmd_within 10 >"$dir/out" 2>"$dir/err"
expect_eq "status after false" 1 "$?"
expect_eq "output" "one
two" "$(cat "$dir/out")"
expect_sql "the commands" "SELECT command FROM commands ORDER BY id" \
    "echo one
echo two
false"
expect_sql "one connection for all" \
    "SELECT count(DISTINCT client_port) FROM commands" 1

printf 'exit 4\n' | rcmd_within 10 >/dev/null 2>&1
expect_eq "status of exit 4" 4 "$?"
printf 'echo end' | rcmd_within 10 >"$dir/out" 2>&1
expect_eq "a last line without newline" "end" "$(cat "$dir/out")"

# A line longer than a command may be is refused alone: the lines after it
# still run, on the same connection.
{
	printf 'echo before\necho '
	head -c 70000 /dev/zero | tr '\0' x
	printf '\necho after\n'
} | rcmd_within 10 >"$dir/out" 2>"$dir/err"
expect_eq "status after the long line" 0 "$?"
expect_eq "output around the long line" "before
after" "$(cat "$dir/out")"
expect_eq "the long line's message" \
    "rcmd: the line is 70005 bytes: a command may be at most 65528; it was not run" \
    "$(cat "$dir/err")"
expect_sql "rows around the long line" \
    "SELECT command FROM commands WHERE id > 5 ORDER BY id" "echo before
echo after"

# -t and -v hold for each command at the prompt: the time limit stops the
# first, the next runs, and each gets its receipt.
printf 'sleep 10\necho after\n' |
    rcmd_within 20 -t 1 -v >"$dir/out" 2>"$dir/err"
expect_eq "status after the time limit" 0 "$?"
expect_eq "output after the time limit" "after" "$(cat "$dir/out")"
expect_match "the time limit's message" \
    "*rcmd: command timed out on 127.0.0.1 after * ms and was stopped*" \
    "$(cat "$dir/err")"
expect_eq "receipts" 2 "$(grep -c '^rcmd: audit id [0-9]* on 127.0.0.1, row hash [0-9a-f]\{64\}$' "$dir/err")"
expect_sql "the time limit's row" \
    "SELECT status FROM commands WHERE command = 'sleep 10'" "timeout"

# Output that cannot be written (a full disk) ends the session: the
# command goes on on the server, and the next line must not meet its
# output ("output before STARTED").
if [ -w /dev/full ]; then
	printf 'head -c 100000 /dev/zero\necho two\n' |
	    rcmd_within 10 >/dev/full 2>"$dir/err"
	expect_eq "status after a failed write" 255 "$?"
	expect_eq "message after a failed write" \
	    "rcmd: cannot write output: No space left on device" \
	    "$(cat "$dir/err")"
else
	say "SKIP of the failed write: no /dev/full"
fi
