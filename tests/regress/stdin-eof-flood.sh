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

# STDIN_EOF frames sent without end, while the command's start waits for
# the audit log (the database locked), do not grow rcmdd: the first closes
# the command's stdin and the others are dropped. Each was queued for the
# command's worker (about 50 bytes for 5 sent), which takes its queue only
# once the start is answered: 8 million of them, 40 MB sent, grew the
# daemon by some 400 MB. The command runs once the lock is gone.

. "$(dirname "$0")/lib.sh"

start_daemon
expect_serving
before=$(daemon_rss_kb)
lock_db 4
"$PYTHON" - "$port" >"$dir/out" 2>&1 <<'PY' &
import socket, struct, sys, time
port = int(sys.argv[1])
def frame(t, p):
    return struct.pack(">IB", len(p) + 1, t) + p
s = socket.create_connection(("127.0.0.1", port))
s.sendall(frame(1, b"RCMD" + struct.pack(">HH", 1, 0) + b"flood"))
s.sendall(frame(2, struct.pack(">II", 0, 0) + b"echo ran"))
eofs = frame(4, b"") * 200000
end = time.monotonic() + 3
for _ in range(40):
    if time.monotonic() >= end:
        break
    s.sendall(eofs)
time.sleep(30)
PY
flood=$!
track "$flood"
sleep 3.2
peak=$(daemon_rss_kb)
say "rcmdd's RSS: $before kB before, $peak kB after the flood"
wait "$locker"
wait_sql 10 "SELECT status FROM commands WHERE command = 'echo ran'" exited ||
    fail "the command did not run once the lock was gone: $sql_got"
# Sanitizers' quarantine and valgrind hold freed memory on purpose: there
# the flood still runs, for their checks, and the bound is not held.
if [ -z "${RCMDD_WRAPPER:-}" ] && [ -z "${RCMDD_SANITIZED:-}" ]; then
	expect_le "kB rcmdd grew by" $((peak - before)) 65536
else
	say "the bound on the growth is not checked under a sanitizer or wrapper"
fi
kill "$flood" 2>/dev/null
expect_serving
