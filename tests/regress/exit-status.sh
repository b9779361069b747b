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

# rcmd exits with the command's own status, and with 128+N when the
# command was killed by signal N; the audit rows say exited or signaled.

. "$(dirname "$0")/lib.sh"

start_daemon
for code in 0 1 3 200; do
	rcmd -n "exit $code"
	expect_eq "status of exit $code" "$code" "$?"
done
rcmd -n 'kill -9 $$'
expect_eq "status of kill -9 \$\$" 137 "$?"
rcmd -n 'kill -TERM $$'
expect_eq "status of kill -TERM \$\$" 143 "$?"
rcmd -n 'echo on stderr >&2; exit 5' 2>/dev/null
expect_eq "status with output on stderr" 5 "$?"

expect_sql "audit rows" \
    "SELECT status, coalesce(exit_code, 'null'), coalesce(signal, 'null')
     FROM commands ORDER BY id" "exited|0|null
exited|1|null
exited|3|null
exited|200|null
signaled|null|9
signaled|null|15
exited|5|null"
