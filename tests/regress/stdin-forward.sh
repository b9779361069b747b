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

# rcmd forwards its stdin to the command and closes it at the end: line
# counts, a 5 MB stream and a round trip through cat arrive whole.

. "$(dirname "$0")/lib.sh"

start_daemon
out=$(printf 'x\ny\n' | rcmd 'wc -l')
expect_eq "wc -l of two lines" 2 "$(trim "$out")"

out=$(head -c 5000000 /dev/zero | rcmd 'cat | wc -c')
expect_eq "wc -c of 5 MB" 5000000 "$(trim "$out")"

seq 1 300000 >"$dir/in"
rcmd cat <"$dir/in" >"$dir/out"
expect_eq "exit status of cat" 0 "$?"
expect_file_eq "round trip through cat" "$dir/in" "$dir/out"

# An empty stdin is an immediate end of file.
out=$(rcmd 'cat; echo end' </dev/null)
expect_eq "cat of an empty stdin" end "$out"
