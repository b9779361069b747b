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

# rcmdd runs under valgrind, which stops any program that calls clone with
# a shared descriptor table: it says so at start and starts commands with
# a plain vfork. Commands run, inherit no descriptor, report their
# status, and a running command's neighbour does too; valgrind reports no
# error and no leak (lib.sh fails the test on any line of its own).
# Skipped, saying so, without valgrind.

. "$(dirname "$0")/lib.sh"

need_valgrind
RCMDD_WRAPPER="valgrind -q --leak-check=full --errors-for-leak-kinds=definite"
export RCMDD_WRAPPER

start_daemon
expect_log "the warning at start" \
    "under valgrind, commands start with a plain vfork"
rcmd_bg -n 'sleep 3'
other=$rcmd_pid
wait_sql 20 "SELECT status FROM commands" running ||
    fail "the first command is not running: $sql_got"
rcmd -n 'ls /proc/self/fd' >"$dir/out"
expect_eq "exit status" 0 "$?"
expect_result "$dir/out" fd-clean
rcmd -n 'echo out; echo err >&2; exit 7' >"$dir/out" 2>"$dir/err"
expect_eq "exit status" 7 "$?"
expect_eq "stdout" out "$(cat "$dir/out")"
expect_eq "stderr" err "$(cat "$dir/err")"
wait "$other"
expect_eq "status of the first command" 0 "$?"
expect_sql "the rows" \
    "SELECT status, exit_code FROM commands ORDER BY id" \
    "exited|0
exited|0
exited|7"
stop_daemon
