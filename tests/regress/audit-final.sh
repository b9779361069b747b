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

# The final row is committed before EXIT reaches rcmd: queried as soon as
# rcmd returns, it holds the status, exit code, duration, output, the
# client's address and port, and UTC times as YYYY-MM-DDTHH:MM:SS.mmmZ.

. "$(dirname "$0")/lib.sh"

start_daemon
rcmd -n 'echo hello; echo world >&2; sleep 0.3; exit 7' >/dev/null 2>&1
expect_eq "exit status" 7 "$?"
ts="'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'"
expect_sql "the final row" "SELECT id, command, status, exit_code,
	signal IS NULL, duration_ms BETWEEN 250 AND 3000,
	output = 'hello' || char(10) || 'world' || char(10), output_bytes,
	truncated, client_addr, client_port BETWEEN 1 AND 65535,
	started_at GLOB $ts, finished_at GLOB $ts, finished_at >= started_at,
	abs(strftime('%s', started_at) - strftime('%s', 'now')) < 60
     FROM commands" \
    "1|echo hello; echo world >&2; sleep 0.3; exit 7|exited|7|1|1|1|12|0|127.0.0.1|1|1|1|1|1"

# The port is the one the daemon saw, as its log says.
cport=$(sql "SELECT client_port FROM commands WHERE id = 1")
expect_log "client port" "[rcmd@32473 id=\"1\" client=\"127.0.0.1:$cport\" "

# The same holds for each of several commands in a row.
i=0
while [ "$i" -lt 5 ]; do
	rcmd -n "echo $i"  >/dev/null
	expect_sql "row of echo $i" "SELECT status, output, finished_at IS NOT NULL
	    FROM commands WHERE command = 'echo $i'" "exited|$i
|1"
	i=$((i + 1))
done
