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

# Connection limits that hold by default: one source (here 127.0.0.1)
# holds at most 64 connections (MaxConnectionsPerSource) while another
# (127.0.0.2) still gets in; and past MaxHandshakes connections that have
# not finished the handshake (no HELLO yet, or TLS under way), the one
# that has been in it longest is dropped, so that a new client is served
# while a slow one holds every handshake slot, on plain TCP and on TLS.

. "$(dirname "$0")/lib.sh"

# hold N SOURCE hello|silent: open N connections from SOURCE (saying
# HELLO or nothing), write $dir/held once they are open, wait for
# $dir/check, and print "open" or "closed" for each, in the order opened,
# with the first ERROR one got.
hold() {
	rm -f "$dir/held" "$dir/check"
	"$PYTHON" - "$port" "$dir" "$@" >"$dir/hold.out" 2>&1 <<'PY' &
import os, socket, struct, sys, time
port, d, n, src, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), \
    sys.argv[4], sys.argv[5]
hello = b"RCMD" + struct.pack(">HH", 1, 0) + b"hold"
conns = []
for _ in range(n):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    if mode == "hello":
        s.sendall(struct.pack(">IB", len(hello) + 1, 1) + hello)
    conns.append(s)
    time.sleep(0.01)
open(d + "/held", "w").close()
end = time.time() + 30
while not os.path.exists(d + "/check") and time.time() < end:
    time.sleep(0.05)
for s in conns:
    s.settimeout(0.2)
    data, state = b"", "open"
    try:
        while True:
            b = s.recv(65536)
            if not b:
                state = "closed"
                break
            data += b
    except socket.timeout:
        pass
    except OSError:
        state = "closed"
    err, i = "", 0
    while i + 5 <= len(data):
        ln, t = struct.unpack(">IB", data[i:i + 5])
        if t == 0x86:
            err = " ERROR %d %s" % (struct.unpack(">H", data[i + 5:i + 7])[0],
                                    data[i + 7:i + 4 + ln].decode())
        i += 4 + ln
    print(state + err)
PY
	hold_pid=$!
	track "$hold_pid"
	wait_for 20 test -e "$dir/held" || fail "the held connections did not open"
}

# held: let the held connections see what they got, into $dir/hold.out.
held() {
	: >"$dir/check"
	wait "$hold_pid"
}

# connect_from SOURCE: one connection from SOURCE says HELLO; print the
# reply.
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
    ln = struct.unpack(">I", data[:4])[0]
    print("ERROR %d %s" % (struct.unpack(">H", data[5:7])[0],
                           data[7:4 + ln].decode()))
else:
    print("nothing")
PY
}

# MaxConnectionsPerSource: 64 unless set.
start_daemon
hold 64 127.0.0.1 hello
expect_eq "a 65th from 127.0.0.1" "ERROR 11 too many connections from 127.0.0.1: at most 64 at once (MaxConnectionsPerSource); try again later" \
    "$(connect_from 127.0.0.1)"
expect_eq "one from 127.0.0.2" "HELLO" "$(connect_from 127.0.0.2)"
held
expect_eq "the 64 held" 64 "$(grep -c '^open$' "$dir/hold.out")"
expect_serving
stop_daemon

# MaxHandshakes on plain TCP: eight connections that say nothing fill
# the slots; a new client is served, and the oldest silent one is told
# why and closed (the new one said HELLO at once, so the next client
# finds a slot free).
write_config "MaxHandshakes 8"
start_daemon
hold 8 127.0.0.3 silent
expect_eq "a new client" "HELLO" "$(connect_from 127.0.0.4)"
expect_serving
held
expect_eq "the silent ones" "closed ERROR 11 too many connections in the handshake: more than 8 have not said HELLO (MaxHandshakes), and this one had waited longest; closing it
open
open
open
open
open
open
open" "$(cat "$dir/hold.out")"
stop_daemon

# MaxHandshakes on TLS: connections that never start the TLS handshake
# fill the slots; a client with a certificate is served, the oldest are
# closed, and each drop is a denied row.
make_certs
c=$certs
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem" "Allow alice" "MaxHandshakes 4"
start_daemon
hold 4 127.0.0.5 silent
out=$(rcmd --cert "$c/alice.pem" --key "$c/alice.key" --ca "$c/ca.pem" \
    -n 'echo over tls' 2>&1)
expect_eq "a client with a certificate" "over tls" "$out"
held
expect_eq "the silent ones" "closed
open
open
open" "$(cat "$dir/hold.out")"
wait_sql 5 "SELECT client_addr, reason FROM commands
    WHERE status = 'denied' AND reason LIKE 'dropped%'" \
    "127.0.0.5|dropped during the TLS handshake: more than 4 connections were in the handshake (MaxHandshakes), and this one had been in it longest" ||
    fail "the dropped handshake's denied row: $sql_got"
