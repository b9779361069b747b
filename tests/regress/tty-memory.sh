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

# yes on a terminal, for a client that sends RUN with a terminal and then
# never reads: the daemon stops reading the terminal instead of
# buffering, so its resident size (both parts) stays bounded; when the
# client goes, the row ends disconnected with what yes wrote counted.

watchdog=90
. "$(dirname "$0")/lib.sh"

# rss: the resident kB of rcmdd and its network part, summed.
rss() {
	_r_sum=0
	for _r_p in "$daemon_pid" $(ps --ppid "$daemon_pid" -o pid=,comm= |
	    awk '$2 == "rcmdd" { print $1 }'); do
		_r_kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' \
		    "/proc/$_r_p/status" 2>/dev/null)
		_r_sum=$((_r_sum + ${_r_kb:-0}))
	done
	echo "$_r_sum"
}

start_daemon
before=$(rss)
term=$(run_frame "1=yes" '6=\x00\x18\x00\x50xterm')
raw hello expect=HELLO "frame=6:$term" sleep=6 >"$dir/raw" 2>&1 &
rawpid=$!
track "$rawpid"
wait_sql 10 "SELECT count(*) FROM commands WHERE status = 'running'" 1 ||
    fail "yes did not start: $sql_got"
peak=$before
i=0
while [ "$i" -lt 20 ]; do
	now=$(rss)
	[ "$now" -le "$peak" ] || peak=$now
	sleep 0.25
	i=$((i + 1))
done
wait "$rawpid"
say "rcmdd's RSS (both parts): $before kB at start, at most $peak kB" \
    "while a client did not read yes on a terminal"
# A wrapper (valgrind) or the sanitizers count in the RSS: the bound is
# for a plain build.
if [ -z "${RCMDD_WRAPPER:-}" ] && [ -z "${RCMDD_SANITIZED:-}" ]; then
	expect_le "RSS growth in kB" "$((peak - before))" 65536
fi
wait_sql 10 "SELECT status FROM commands" disconnected ||
    fail "the row did not end disconnected: $sql_got"
expect_sql "yes wrote, and the row has it capped" "SELECT output_bytes >
    100000, truncated, terminal FROM commands" "1|1|xterm 24x80"
expect_serving
