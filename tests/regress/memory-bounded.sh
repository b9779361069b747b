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

# When the client reads slower than the command writes, the daemon stops
# reading the command instead of buffering: with 100 MB of output and a
# reader that pauses 2 s first, the daemon's peak RSS stays under 64 MB,
# and every byte arrives.

. "$(dirname "$0")/lib.sh"

# The daemon's peak resident size in kB.
hwm() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' \
	    "/proc/$daemon_pid/status"
}

start_daemon
before=$(hwm)
[ -n "$before" ] || fail "no VmHWM in /proc/$daemon_pid/status"
n=$( { rcmd -n 'head -c 100000000 /dev/zero'; echo $? >"$dir/rc"; } |
    { sleep 2; wc -c; })
expect_eq "exit status" 0 "$(cat "$dir/rc")"
expect_eq "bytes received" 100000000 "$(trim "$n")"
after=$(hwm)
say "daemon VmHWM: $before kB at start, $after kB after 100 MB"
# A wrapper such as valgrind, or the sanitizers' shadow memory, count in
# the daemon's RSS: the bound holds for a plain build only.
if [ -z "${RCMDD_WRAPPER:-}" ] && [ -z "${RCMDD_SANITIZED:-}" ]; then
	expect_le "daemon VmHWM in kB" "$after" 65536
fi
expect_sql "audit row" "SELECT status, output_bytes, truncated
     FROM commands" "exited|100000000|1"
