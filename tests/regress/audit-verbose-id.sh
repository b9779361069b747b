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

# rcmd -v prints the audit id of the command and its row hash in the audit
# chain, and they are the id of the command's row and the hash of its end.

. "$(dirname "$0")/lib.sh"

start_daemon
rcmd -n 'echo one' >/dev/null
rcmd -v -n 'echo two' >/dev/null 2>"$dir/err"
expect_eq "exit status" 0 "$?"
expect_eq "rcmd -v says" "rcmd: audit id 2 on 127.0.0.1, row hash $(sql \
    "SELECT end_hash FROM commands WHERE id = 2")" "$(cat "$dir/err")"
expect_sql "row 2" "SELECT command, status FROM commands WHERE id = 2" \
    "echo two|exited"
rcmd -v -n 'exit 3' 2>"$dir/err"
expect_eq "exit status" 3 "$?"
expect_eq "rcmd -v says" "rcmd: audit id 3 on 127.0.0.1, row hash $(sql \
    "SELECT end_hash FROM commands WHERE id = 3")" "$(cat "$dir/err")"
expect_match "the hash" "????????????????????????????????????????????????????????????????" \
    "$(sql "SELECT end_hash FROM commands WHERE id = 3")"
expect_sql "row 3" "SELECT command, exit_code FROM commands WHERE id = 3" \
    "exit 3|3"
