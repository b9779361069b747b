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

# The command's stdout arrives on rcmd's stdout and its stderr on rcmd's
# stderr, each whole and in order; the audit row holds both.

. "$(dirname "$0")/lib.sh"

start_daemon
rcmd -n 'echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit 0' \
    >"$dir/stdout" 2>"$dir/stderr"
expect_eq "exit status" 0 "$?"
expect_result "$dir/stdout" stdout-stderr-out
expect_result "$dir/stderr" stdout-stderr-err

# More than one frame's worth on each stream.
rcmd -n 'seq 1 30000; seq 30001 60000 >&2' >"$dir/stdout" 2>"$dir/stderr"
expect_eq "exit status" 0 "$?"
seq 1 30000 >"$dir/expected-out"
seq 30001 60000 >"$dir/expected-err"
expect_file_eq "large stdout" "$dir/expected-out" "$dir/stdout"
expect_file_eq "large stderr" "$dir/expected-err" "$dir/stderr"

expect_sql "audit output of the first command" \
    "SELECT instr(output, 'out1') > 0, instr(output, 'err1') > 0,
	instr(output, 'out2') > instr(output, 'out1'),
	instr(output, 'err2') > instr(output, 'err1'), output_bytes
     FROM commands WHERE id = 1" "1|1|1|1|20"
