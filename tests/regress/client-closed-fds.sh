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

# rcmd started with standard input, output or error closed (a cron job,
# `rcmd host cmd <&-`) behaves as with /dev/null there. The connection
# took the lowest free descriptor: as 0, rcmd read the server's frames as
# the command's standard input and hung; as 1, it wrote the command's
# output into the connection.

. "$(dirname "$0")/lib.sh"

start_daemon
rcmd_within 10 'echo hi; cat' <&- >"$dir/out" 2>"$dir/err"
expect_eq "stdin closed: status" 0 "$?"
expect_eq "stdin closed: output" "hi" "$(cat "$dir/out")"
expect_eq "stdin closed: stderr" "" "$(cat "$dir/err")"

rcmd_within 10 -n 'echo hi; echo err >&2; exit 3' >&- 2>"$dir/err"
expect_eq "stdout closed: status" 3 "$?"
expect_eq "stdout closed: stderr" "err" "$(cat "$dir/err")"

rcmd_within 10 -n 'echo hi; echo err >&2' 2>&- >"$dir/out"
expect_eq "stderr closed: status" 0 "$?"
expect_eq "stderr closed: output" "hi" "$(cat "$dir/out")"
expect_sql "the rows" "SELECT status, exit_code FROM commands ORDER BY id" \
    "exited|0
exited|3
exited|0"
