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

# Output is streamed as the command writes it: the first line is readable
# within a second, while the command still runs.

. "$(dirname "$0")/lib.sh"

start_daemon
t0=$(now_ms)
rcmd_bg -n 'echo first; sleep 2; echo second' >"$dir/out"
pid=$rcmd_pid
wait_for 1 grep -q first "$dir/out" ||
    fail "the first line did not arrive within 1 s"
t1=$(now_ms)
if grep -q second "$dir/out"; then
	fail "the second line arrived with the first"
fi
expect_le "ms for the first line" $((t1 - t0)) 1500
wait "$pid"
expect_eq "exit status" 0 "$?"
expect_eq "output" "first
second" "$(cat "$dir/out")"
