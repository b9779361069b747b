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

# In single-thread mode the running command's own client is still served:
# its output streams while it runs, its stdin reaches it, a busy EXEC gets
# ERROR 6, and SIGINT is passed on. Each step is bounded, since a command
# that waits for its client would hold up the whole daemon.

. "$(dirname "$0")/lib.sh"

start_daemon -s
# A warm-up command, so that the steps below do not depend on being first.
rcmd_within 5 -n true

# Streaming.
t0=$(now_ms)
rcmd_bg -n 'echo first; sleep 2; echo second' >"$dir/out"
pid=$rcmd_pid
wait_for 1 grep -q first "$dir/out" ||
    fail "streaming: the first line did not arrive within 1 s"
wait "$pid"
expect_eq "streaming: exit status" 0 "$?"
expect_eq "streaming: output" "first
second" "$(cat "$dir/out")"

# Stdin.
out=$(printf 'a\nb\nc\n' | rcmd_within 5 'wc -l')
expect_eq "stdin: wc -l" 3 "$(trim "$out")"
seq 1 100000 >"$dir/in"
rcmd_within 5 cat <"$dir/in" >"$dir/out"
expect_eq "stdin: exit status of cat" 0 "$?"
expect_file_eq "stdin: round trip through cat" "$dir/in" "$dir/out"

# A busy EXEC on the connection of the running command.
raw -t 5 hello expect=HELLO exec=cat expect=STARTED exec=true expect=ERROR \
    stdin='inline\n' eof expect=EXIT >"$dir/out" ||
    fail "rawclient: $(cat "$dir/out")"
expect_result "$dir/out" mode-single-thread-io-busy

# SIGINT.
rcmd_bg -n 'exec sleep 10'
pid=$rcmd_pid
wait_sql 5 "SELECT status FROM commands WHERE command = 'exec sleep 10'" running ||
    fail "sleep 10 is not running: $sql_got"
t0=$(now_ms)
kill -INT "$pid"
wait "$pid"
rc=$?
t1=$(now_ms)
expect_eq "SIGINT: rcmd's status" 130 "$rc"
expect_le "SIGINT: ms until rcmd exits" $((t1 - t0)) 3000
expect_sql "SIGINT: audit row" "SELECT status, signal FROM commands
     WHERE command = 'exec sleep 10'" "signaled|2"
expect_serving
