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

# rcmd passes SIGINT and SIGTERM on to the command's process group: sent
# to rcmd during "exec sleep 10" (exec: a shell that forks sleep holds a
# signal that comes before the fork until sleep ends), it exits 128+N at
# once and the row is signaled with that signal.

. "$(dirname "$0")/lib.sh"

start_daemon
n=0
for sig in INT TERM; do
	n=$((n + 1))
	case $sig in
	INT)	num=2 ;;
	TERM)	num=15 ;;
	esac
	rcmd_bg -n 'exec sleep 10' 2>"$dir/err"
	pid=$rcmd_pid
	wait_sql 5 "SELECT status FROM commands WHERE id = $n" running ||
	    fail "sleep 10 is not running: $sql_got"
	t0=$(now_ms)
	kill "-$sig" "$pid"
	wait "$pid"
	rc=$?
	t1=$(now_ms)
	expect_eq "rcmd's status after SIG$sig" $((128 + num)) "$rc"
	expect_le "ms until rcmd exits after SIG$sig" $((t1 - t0)) 3000
	expect_sql "audit row after SIG$sig" "SELECT status, signal,
	    exit_code IS NULL FROM commands WHERE id = $n" "signaled|$num|1"
done
