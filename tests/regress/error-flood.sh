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

# A client that floods a connection with frames that each earn a
# non-fatal ERROR (EXEC with a NUL byte, EXEC while a command runs) and
# never reads costs the daemon a bounded amount of memory and log: after
# a run of 10 such errors it gets a fatal ERROR 11 saying why, and the
# connection closes; the log lines are paced, per connection and for all
# connections, with a line that counts what was held back. Another
# client is served meanwhile.

. "$(dirname "$0")/lib.sh"

hwm_kb() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' \
	    "/proc/$daemon_pid/status"
}

log_bytes() {
	trim "$(wc -c <"$log")"
}

# flood MB KIND: one connection sends HELLO, then MB MiB of bad frames
# (KIND nul: EXEC "a\0b"; busy: EXEC "sleep 3", then EXECs while it
# runs), never reading until all is sent or the daemon stops taking it;
# then it prints every frame it gets up to end of file, one per line.
flood() {
	"$PYTHON" - "$port" "$@" <<'PY'
import socket, struct, sys, time
port, mb, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def frame(t, p):
    return struct.pack(">IB", len(p) + 1, t) + p
def exec_frame(cmd):
    return frame(2, struct.pack(">II", 0, 0) + cmd)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
s.settimeout(20)
hello = b"RCMD" + struct.pack(">HH", 1, 0) + b"flood"
s.sendall(frame(1, hello))
if kind == "busy":
    s.sendall(exec_frame(b"sleep 3"))
    time.sleep(0.5)
    bad = exec_frame(b"true")
else:
    bad = exec_frame(b"a\0b")
chunk = bad * (65536 // len(bad))
sent, end = 0, time.time() + 30
try:
    while sent < mb * 1048576 and time.time() < end:
        s.sendall(chunk)
        sent += len(chunk)
except OSError as e:
    print("send stopped after %d bytes: %s" % (sent, e.strerror),
          file=sys.stderr)
print("sent %d bytes" % sent, file=sys.stderr)
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
except OSError as e:
    print("recv: %s" % e.strerror, file=sys.stderr)
i, n = 0, 0
while i + 5 <= len(data):
    ln, t = struct.unpack(">IB", data[i:i + 5])
    p = data[i + 5:i + 4 + ln]
    i += 4 + ln
    n += 1
    if n > 20:
        continue
    if t == 0x86:
        print("ERROR %d %s" % (struct.unpack(">H", p[:2])[0],
                               p[2:].decode(errors="replace")))
    else:
        print("frame 0x%02x" % t)
print("%d frames in all" % n)
PY
}

start_daemon
hwm0=$(hwm_kb)
[ -n "$hwm0" ] || fail "no VmHWM in /proc/$daemon_pid/status"
log0=$(log_bytes)

flood 8 nul >"$dir/flood.out" 2>"$dir/flood.err" &
fpid=$!
track "$fpid"
expect_serving
wait "$fpid"
expect_eq "flood client status" 0 "$?"
hwm1=$(hwm_kb)
log1=$(log_bytes)
say "$(cat "$dir/flood.err" | tr '\n' ' ')"
say "daemon VmHWM $hwm0 kB before, $hwm1 kB after 8 MiB of bad EXECs;" \
    "log grew by $((log1 - log0)) bytes"
daemon_exited && fail "rcmdd died"
expect_serving
if [ -z "${RCMDD_WRAPPER:-}" ] && [ -z "${RCMDD_SANITIZED:-}" ]; then
	expect_le "VmHWM growth (kB)" $((hwm1 - hwm0)) 8192
fi
expect_le "log growth (bytes)" $((log1 - log0)) 16384
expect_eq "frames the flood got" "frame 0x81
ERROR 7 command holds a NUL byte at offset 1: commands are text
ERROR 7 command holds a NUL byte at offset 1: commands are text
ERROR 7 command holds a NUL byte at offset 1: commands are text
ERROR 7 command holds a NUL byte at offset 1: commands are text
ERROR 7 command holds a NUL byte at offset 1: commands are text
ERROR 7 command holds a NUL byte at offset 1: commands are text
ERROR 7 command holds a NUL byte at offset 1: commands are text
ERROR 7 command holds a NUL byte at offset 1: commands are text
ERROR 7 command holds a NUL byte at offset 1: commands are text
ERROR 11 too many errors: 10 in a row on this connection without a command run (the last: command holds a NUL byte at offset 1: commands are text); closing it
11 frames in all" "$(cat "$dir/flood.out")"
# Of the ten errors, three are logged, and the last with the count of
# the six held back.
expect_log "log" "too many errors: 10 in a row on this connection without a command run"
expect_log "log" "(6 similar messages on this connection suppressed)"

# EXEC while a command runs: ERROR 6, busy, and the same end; the
# command itself was stopped when the connection closed.
flood 1 busy >"$dir/busy.out" 2>"$dir/busy.err"
expect_eq "busy flood status" 0 "$?"
expect_match "frames the busy flood got" "frame 0x81
frame 0x82
ERROR 6 a command is already running on this connection: wait for its EXIT
*ERROR 11 too many errors: 10 in a row on this connection without a command run (the last: a command is already running on this connection: wait for its EXIT); closing it*" \
    "$(cat "$dir/busy.out")"
wait_sql 10 "SELECT status FROM commands WHERE command = 'sleep 3'" \
    disconnected || fail "the busy flood's command: $sql_got"

# Many connections erring at once: the log is paced for all of them,
# and says how many lines it held back.
log0=$(log_bytes)
"$PYTHON" - "$port" <<'PY' || fail "the connection flood failed"
import socket, struct, sys
port = int(sys.argv[1])
def frame(t, p):
    return struct.pack(">IB", len(p) + 1, t) + p
hello = frame(1, b"RCMD" + struct.pack(">HH", 1, 0) + b"many")
bad = frame(2, struct.pack(">II", 0, 0) + b"a\0b")
for _ in range(50):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    s.sendall(hello + bad * 10)
    s.settimeout(10)
    while s.recv(65536):
        pass
    s.close()
PY
wait_for 5 grep -q "similar messages suppressed (more than 10 a second)" \
    "$log" || fail "no line counts the log lines held back"
log1=$(log_bytes)
say "50 connections of 10 errors each: the log grew by $((log1 - log0)) bytes"
expect_le "log growth (bytes)" $((log1 - log0)) 16384
expect_serving
