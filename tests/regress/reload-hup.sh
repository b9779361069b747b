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

# SIGHUP rereads the configuration: after CommandTimeout goes from 60 s
# to 1 s in the file, "sleep 5" is stopped at 1 s by the same daemon.

. "$(dirname "$0")/lib.sh"

write_config "CommandTimeout 60"
start_daemon
pid_before=$daemon_pid
write_config "CommandTimeout 1"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: configuration reloaded" "$log" ||
    fail "rcmdd did not log the reload"

t0=$(now_ms)
rcmd -n 'sleep 5' 2>/dev/null
rc=$?
t1=$(now_ms)
expect_eq "exit status" 124 "$rc"
expect_ge "ms before the timeout" $((t1 - t0)) 900
expect_le "ms before the timeout" $((t1 - t0)) 3500
expect_sql "audit row" "SELECT status, reason FROM commands" \
    "timeout|timed out after 1000 ms"
daemon_exited && fail "rcmdd exited on SIGHUP"
expect_eq "daemon pid" "$pid_before" "$daemon_pid"
expect_serving
