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
# Then a client that sends WINSIZE without end, for 3 s, and another
# SIGNAL to a command that ignores it: the sizes not yet applied replace
# each other, a signal queued is not queued twice, and the RSS stays
# bounded too.

watchdog=90
. "$(dirname "$0")/lib.sh"

start_daemon
before=$(daemon_rss_kb)
term=$(run_frame "1=yes" '6=\x00\x18\x00\x50xterm')
raw hello expect=HELLO "frame=6:$term" sleep=6 >"$dir/raw" 2>&1 &
rawpid=$!
track "$rawpid"
wait_sql 10 "SELECT count(*) FROM commands WHERE status = 'running'" 1 ||
    fail "yes did not start: $sql_got"
peak=$before
i=0
while [ "$i" -lt 20 ]; do
	now=$(daemon_rss_kb)
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

before=$(daemon_rss_kb)
"$PYTHON" - "$port" <<'PY' >"$dir/flood" 2>&1 &
import socket, struct, sys, time
def frame(t, p=b""):
    return struct.pack(">IB", len(p) + 1, t) + p
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
run = struct.pack(">II", 0, 0)
for t, v in ((1, b"exec cat"), (6, struct.pack(">HH", 24, 80) + b"xterm")):
    run += struct.pack(">BH", t, len(v)) + v
s.sendall(frame(0x01, b"RCMD" + struct.pack(">HH", 1, 0) + b"flood") +
          frame(0x06, run))
g = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
g.sendall(frame(0x01, b"RCMD" + struct.pack(">HH", 1, 0) + b"flood") +
          frame(0x02, struct.pack(">II", 0, 0) +
                b"trap '' INT; exec sleep 30"))
time.sleep(0.5)
burst = b"".join(frame(0x07, struct.pack(">HH", 1 + i % 200, 80))
                 for i in range(4096))
sigs = frame(0x05, b"\x02") * 4096
n = m = 0
end = time.monotonic() + 3
while time.monotonic() < end:
    s.sendall(burst)
    g.sendall(sigs)
    n += 4096
    m += 4096
print("%d WINSIZE and %d SIGNAL sent" % (n, m))
s.close()
g.close()
PY
flood=$!
track "$flood"
peak=$before
i=0
while [ "$i" -lt 16 ]; do
	now=$(daemon_rss_kb)
	[ "$now" -le "$peak" ] || peak=$now
	sleep 0.25
	i=$((i + 1))
done
wait "$flood" || fail "the WINSIZE flood: $(cat "$dir/flood")"
say "WINSIZE flood: $(cat "$dir/flood"); RSS $before kB before, at most" \
    "$peak kB"
if [ -z "${RCMDD_WRAPPER:-}" ] && [ -z "${RCMDD_SANITIZED:-}" ]; then
	expect_le "RSS growth in kB, WINSIZE flood" "$((peak - before))" 32768
fi
expect_serving
