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

# A command made to fool the reader of the audit log: a carriage return
# that makes sqlite3 show "echo hello" over it, an OSC sequence that would
# set the terminal's title, an ANSI sequence and a right-to-left override.
# The table keeps its exact bytes (hex(command) shows them); the views
# show every one escaped, in the plain sqlite3 shell, whole (the views cut
# a command at 60 characters before escaping, not after); --export-audit
# escapes the override too.

. "$(dirname "$0")/lib.sh"

start_daemon
# rcmd sends the command as given; printf makes its bytes.
cmd=$(printf 'ls /nonexistent #\recho hello\033]0;pwned\007\033[2K\342\200\256txt.exe')
rcmd -n "$cmd" >/dev/null 2>&1
wait_sql 5 "SELECT count(*) FROM commands WHERE finished_at IS NOT NULL" 1 ||
    fail "the row is not final"

expect_sql "the exact bytes" "SELECT hex(command) FROM commands" \
    "6C73202F6E6F6E6578697374656E7420230D6563686F2068656C6C6F1B5D303B70776E6564071B5B324BE280AE7478742E657865"
expect_sql "recent_commands" "SELECT command FROM recent_commands" \
    'ls /nonexistent #\x0decho hello\x1b]0;pwned\x07\x1b[2K\u{202e}txt.exe'
expect_sql "safe_commands" "SELECT command, command_60 FROM safe_commands" \
    'ls /nonexistent #\x0decho hello\x1b]0;pwned\x07\x1b[2K\u{202e}txt.exe|ls /nonexistent #\x0decho hello\x1b]0;pwned\x07\x1b[2K\u{202e}txt.exe'
expect_sql "longest_commands" "SELECT command FROM longest_commands" \
    'ls /nonexistent #\x0decho hello\x1b]0;pwned\x07\x1b[2K\u{202e}txt.exe'
expect_sql "failed_commands" "SELECT count(*) FROM failed_commands" 1
expect_sql "failed_commands" "SELECT command FROM failed_commands" \
    'ls /nonexistent #\x0decho hello\x1b]0;pwned\x07\x1b[2K\u{202e}txt.exe'
# Nothing the views print holds a control character or the override.
sql "SELECT * FROM recent_commands; SELECT * FROM failed_commands;
    SELECT * FROM safe_commands" >"$dir/views"
LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$dir/views" &&
    fail "a view printed a control character"
grep -q "$(printf '\342\200\256')" "$dir/views" &&
    fail "a view printed U+202E"

"$RCMDD" --export-audit "$db" >"$dir/export" || fail "--export-audit failed"
expect_match "the export escapes U+202E" '*\\u001b[2K\\u202etxt.exe*' \
    "$(cat "$dir/export")"
grep -q "$(printf '\342\200\256')" "$dir/export" &&
    fail "the export holds U+202E"
expect_serving
