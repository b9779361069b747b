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

# rcmd-bench runs a few dozen commands against a test daemon, on shared
# connections, on a connection per command and for a time (--duration,
# where a connection finishes the command it runs), prints its figures, and
# every command it ran is in the audit log with how it ended. No timing is
# checked: the figures only have to be there and add up.

watchdog=60
. "$(dirname "$0")/lib.sh"

bench=$top_builddir/bench/rcmd-bench
[ -x "$bench" ] || fail "no rcmd-bench at $bench: run make first"

start_daemon
"$bench" -p "$port" -P "$daemon_pid" -c 3 -n 8 -T 30 \
    -C 'echo bench-smoke' >"$dir/shared" 2>"$dir/shared.err" ||
    fail "rcmd-bench -c 3 -n 8 failed: $(cat "$dir/shared.err")"
"$bench" -p "$port" -c 2 -n 5 -e -T 30 -C 'echo bench-smoke' \
    >"$dir/each" 2>"$dir/each.err" ||
    fail "rcmd-bench --connect-each failed: $(cat "$dir/each.err")"
# For a time: 3 connections run "sleep 1" for 0.2 s, and each still
# completes the one command it started.
"$bench" -p "$port" -S -c 3 -d 0.2 -T 30 -C 'sleep 1; echo bench-smoke' \
    >"$dir/timed" 2>"$dir/timed.err" ||
    fail "rcmd-bench --duration failed: $(cat "$dir/timed.err")"

# figure FILE NAME: the value rcmd-bench printed for NAME.
figure() {
	sed -n "s/^$2 //p" "$1"
}

expect_eq "commands, shared connections" 24 "$(figure "$dir/shared" commands)"
expect_eq "failed, shared connections" 0 "$(figure "$dir/shared" failed)"
expect_eq "errors, shared connections" 0 "$(figure "$dir/shared" errors)"
expect_eq "output bytes" $((24 * 12)) \
    "$(figure "$dir/shared" output_bytes)"
expect_match "commands per second" "[0-9]*.[0-9]" \
    "$(figure "$dir/shared" commands_per_second)"
expect_match "latency line" \
    "p50 [0-9]*.[0-9]* p90 [0-9]*.[0-9]* p99 [0-9]*.[0-9]* max [0-9]*.[0-9]*" \
    "$(figure "$dir/shared" latency_ms)"
rss=$(figure "$dir/shared" daemon_peak_rss_kib)
expect_match "daemon peak RSS" "[1-9]*" "$rss"
expect_ge "daemon peak RSS in KiB" "$rss" 1
expect_eq "commands, a connection each" 10 "$(figure "$dir/each" commands)"
expect_eq "failed, a connection each" 0 "$(figure "$dir/each" failed)"
expect_eq "commands, for a time" 3 "$(figure "$dir/timed" commands)"
expect_eq "commands within the time" 0 \
    "$(figure "$dir/timed" commands_in_duration)"
expect_eq "connections without a command" 0 \
    "$(figure "$dir/timed" connections_without_a_command)"
expect_eq "failed, for a time" 0 "$(figure "$dir/timed" failed)"

expect_sql "audit rows" \
    "select count(*), min(status), max(status), sum(output_bytes)
     from commands where command like '%echo bench-smoke' and exit_code = 0" \
    "37|exited|exited|444"
expect_sql "audit client name" \
    "select count(*) from commands where client_name = 'rcmd-bench'" "37"
