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

# Connection limits: past MaxConnections, MaxConnectionsPerSource or
# MaxCommands the client gets ERROR 11 naming the limit before the
# connection closes, and the daemon logs it; a connection that stays idle
# past IdleTimeout after HELLO gets ERROR 8 and is closed. Another source
# address (127.0.0.2) still gets in when one source is at its limit, or
# floods past it.

. "$(dirname "$0")/lib.sh"

# hold N SECONDS [SOURCE]: open N connections that say HELLO and wait (the
# test kills the holder once done, so SECONDS is only a bound).
hold() {
	"$PYTHON" - "$port" "$@" <<'PY' &
import socket, struct, sys, time
port, n, secs = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
src = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
hello = b"RCMD" + struct.pack(">HH", 1, 0) + b"hold"
conns = []
for _ in range(n):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(struct.pack(">IB", len(hello) + 1, 1) + hello)
    conns.append(s)
time.sleep(secs)
PY
	hold_pid=$!
	track "$hold_pid"
}

# connect_from SOURCE: one connection from SOURCE; print what it gets.
connect_from() {
	"$PYTHON" - "$port" "$1" <<'PY'
import socket, struct, sys
s = socket.socket()
s.bind((sys.argv[2], 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
hello = b"RCMD" + struct.pack(">HH", 1, 0) + b"probe"
s.sendall(struct.pack(">IB", len(hello) + 1, 1) + hello)
s.settimeout(5)
data = b""
while len(data) < 5 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
t = data[4] if len(data) > 4 else 0
if t == 0x81:
    print("HELLO")
elif t == 0x86:
    code = struct.unpack(">H", data[5:7])[0]
    print("ERROR %d %s" % (code, data[7:4 + struct.unpack(">I", data[:4])[0]].decode()))
else:
    print("nothing")
PY
}

write_config "MaxConnections 3"
start_daemon
hold 3 60
sleep 1
expect_eq "the 4th connection" "ERROR 11 too many connections: rcmdd serves at most 3 at once (MaxConnections); try again later" \
    "$(connect_from 127.0.0.1)"
expect_log "log" "too many connections: rcmdd serves at most 3 at once (MaxConnections); try again later"
rcmd -n true 2>"$dir/err"
expect_eq "rcmd past the limit" 255 "$?"
expect_match "rcmd's message" "*MaxConnections*" "$(cat "$dir/err")"
kill "$hold_pid"
wait "$hold_pid" 2>/dev/null
stop_daemon

write_config "MaxConnectionsPerSource 2"
start_daemon
hold 2 60
sleep 1
expect_eq "a 3rd from 127.0.0.1" "ERROR 11 too many connections from 127.0.0.1: at most 2 at once (MaxConnectionsPerSource); try again later" \
    "$(connect_from 127.0.0.1)"
expect_eq "one from 127.0.0.2" "HELLO" "$(connect_from 127.0.0.2)"
kill "$hold_pid"
wait "$hold_pid" 2>/dev/null
stop_daemon

# A source refused for MaxConnectionsPerSource cannot fill MaxConnections
# with its refused connections, each waiting up to 5 s for it to read its
# ERROR: they count against the source until they are gone, and past
# twice the limit it gets no ERROR and its connections close at once. 40
# from 127.0.0.1 that never read took all 20 places from 127.0.0.2.
write_config "MaxConnectionsPerSource 2" "MaxConnections 20"
start_daemon
hold 40 60
sleep 1
expect_eq "one from 127.0.0.2 while 127.0.0.1 floods" "HELLO" \
    "$(connect_from 127.0.0.2)"
expect_log "the flood's log" "closed at once: twice MaxConnectionsPerSource (2)"
kill "$hold_pid"
wait "$hold_pid" 2>/dev/null
stop_daemon

write_config "MaxCommands 2"
start_daemon
rcmd_bg -n 'sleep 3' >/dev/null 2>&1
rcmd_bg -n 'sleep 3' >/dev/null 2>&1
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'running'" 2 ||
    fail "the two commands did not start: $sql_got"
rcmd -n true 2>"$dir/err"
expect_eq "a 3rd command" 255 "$?"
expect_eq "its message" "rcmd: 127.0.0.1: too many commands running: rcmdd runs at most 2 at once (MaxCommands); try again later" "$(cat "$dir/err")"
expect_log "log" "too many commands running: rcmdd runs at most 2 at once (MaxCommands)"
stop_daemon

write_config "IdleTimeout 1s"
start_daemon
t0=$(now_ms)
out=$(raw -t 5 hello expect=HELLO expect=ERROR 2>&1)
t1=$(now_ms)
expect_match "an idle connection" "*ERROR 8 TIMEOUT \"idle for 1000 ms without a command: closing the connection (IdleTimeout)\"*" "$out"
expect_ge "idle time (ms)" $((t1 - t0)) 900
expect_serving
