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

# rcmd -n forwards no stdin: the command's stdin is at its end at once,
# even when rcmd's own stdin never ends or holds data.

. "$(dirname "$0")/lib.sh"

start_daemon
# A FIFO held open for writing never reaches its end.
mkfifo "$dir/fifo"
exec 3<>"$dir/fifo"
t0=$(now_ms)
out=$(rcmd_within 10 -n 'cat; echo done' <&3)
rc=$?
t1=$(now_ms)
exec 3<&-
expect_eq "exit status" 0 "$rc"
expect_eq "output" "done" "$out"
expect_le "ms for cat with -n" $((t1 - t0)) 3000

out=$(echo 'not forwarded' | rcmd -n 'cat; echo end')
expect_eq "output with data on stdin" end "$out"
