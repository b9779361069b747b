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

# SIGHUP with a broken configuration file keeps the running configuration
# and logs each error with file and line: CommandTimeout stays 60 s.

. "$(dirname "$0")/lib.sh"

write_config "CommandTimeout 60"
start_daemon
# The first line would lower the timeout, the next two are wrong; where
# they are depends on the lines write_config adds.
write_config "CommandTimeout 1" "NoSuchKeyword yes" "KillGrace soon"
bad1=$(grep -n '^NoSuchKeyword' "$conf" | cut -d: -f1)
bad2=$(grep -n '^KillGrace' "$conf" | cut -d: -f1)
kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: configuration has errors" "$log" ||
    fail "rcmdd did not log the failed reload"
expect_log "log" "SIGHUP: configuration has errors; keeping the running one"
expect_log "log" "$conf:$bad1: unknown keyword \"NoSuchKeyword\": see rcmdd.conf(5) for the keywords"
expect_log "log" "$conf:$bad2: KillGrace \"soon\" is not a time"
if grep -q "configuration reloaded" "$log"; then
	fail "rcmdd says it reloaded a broken configuration"
fi

rcmd -n 'sleep 2'
expect_eq "exit status of sleep 2 under the old timeout" 0 "$?"
expect_sql "audit row" "SELECT status, exit_code FROM commands" "exited|0"
daemon_exited && fail "rcmdd exited on SIGHUP"
expect_serving
