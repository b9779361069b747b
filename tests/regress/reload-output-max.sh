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

# A reload that lowers AuditOutputMax below what a running terminal has
# already captured leaves that command its cap from its start, as the
# network part does: the privileged part took the new one, computed what
# was left of it as a negative number (a huge unsigned one), and crashed
# copying the next chunk, leaving every running command without its end.

. "$(dirname "$0")/lib.sh"

write_config "AuditOutputMax 1M"
start_daemon
"$RCMD" -p "$port" -yy 127.0.0.1 'head -c 200000 /dev/zero | tr "\0" x;
    echo; echo MARK; sleep 2; head -c 100000 /dev/zero | tr "\0" y' \
    </dev/null >"$dir/out" 2>"$dir/err" &
pid=$!
track "$pid"
wait_for 10 grep -q MARK "$dir/out" || fail "the terminal did not print"
write_config "AuditOutputMax 64K"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: configuration reloaded" "$log" ||
    fail "no reload"
wait "$pid"
expect_eq "rcmd's status" 0 "$?"
daemon_exited && fail "rcmdd exited (status $daemon_status): $(tail -5 "$log")"
expect_serving
# 200,000 x, 100,000 y and the lines, with the terminal's CRs: all kept
# under the cap the command started with.
expect_sql "the row" "SELECT status, truncated, output_bytes > 300000,
    length(output) = output_bytes FROM commands WHERE terminal IS NOT NULL" \
    "exited|0|1|1"
