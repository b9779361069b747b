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

# A command that writes 50 MB: every byte reaches rcmd, and the audit row
# counts them all while it keeps only AuditOutputMax (64K here) and says
# it was truncated.

. "$(dirname "$0")/lib.sh"

write_config "AuditOutputMax 64K"
start_daemon

# Zeros: rcmd gets them as they are; the audit keeps the first 64K of
# them, as text the sqlite3 shell can show (length() would stop at a NUL).
n=$( { rcmd -n 'head -c 50000000 /dev/zero'; echo $? >"$dir/rc"; } | wc -c)
expect_eq "exit status" 0 "$(cat "$dir/rc")"
expect_eq "bytes received" 50000000 "$(trim "$n")"
expect_sql "audit row" "SELECT status, exit_code, output_bytes, truncated,
	length(output) FROM commands WHERE id = 1" \
    "exited|0|50000000|1|65536"

# Text, which the sqlite3 shell reads as such.
sum=$( { rcmd -n 'yes 0123456789abcdef | head -c 50000000';
    echo $? >"$dir/rc"; } | cksum)
expect_eq "exit status" 0 "$(cat "$dir/rc")"
expect_eq "checksum of what arrived" \
    "$(yes 0123456789abcdef | head -c 50000000 | cksum)" "$sum"
expect_sql "audit row" "SELECT status, output_bytes, truncated, length(output),
	substr(output, 1, 17) = '0123456789abcdef' || char(10)
     FROM commands WHERE id = 2" "exited|50000000|1|65536|1"

# Under the cap, nothing is truncated.
rcmd -n 'head -c 65536 /dev/zero | tr "\0" x' >/dev/null
expect_sql "audit row at the cap" "SELECT output_bytes, truncated,
	length(output) FROM commands WHERE id = 3" "65536|0|65536"
