#!/usr/bin/env python3
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

"""The load client of the audit soak test (audit-soak.sh).

Several connections, each on a thread of its own, say HELLO, then send
EXEC of one command and STDIN_EOF back to back, read until its EXIT, and
go on, until COUNT commands have been sent in all or SECONDS have passed.
It prints one line per problem: an ERROR frame, an EXIT whose kind or code
is not 0, an EXIT without the row hash, or a connection that failed. Then
it prints the figures on one line:

  sent N exits N problems N seconds S rate R

Exit status: 0 when every command sent got a clean EXIT, 1 otherwise.
"""

import argparse
import socket
import struct
import sys
import threading
import time

# From common/rcmd-protocol.h.
MSG_HELLO = 0x01
MSG_EXEC = 0x02
MSG_STDIN_EOF = 0x04
MSG_SERVER_HELLO = 0x81
MSG_EXIT = 0x85
MSG_ERROR = 0x86
EXIT_LEN = 21
EXIT_HASH_LEN = 53
FRAME_MAX_PAYLOAD = 65536


def frame(ftype, payload=b""):
    return struct.pack(">IB", len(payload) + 1, ftype) + payload


class Load:
    """What the connections share: the budget and the results."""

    def __init__(self, count, seconds):
        self.lock = threading.Lock()
        self.left = count
        self.deadline = time.monotonic() + seconds
        self.sent = 0
        self.exits = 0
        self.problems = []

    def take(self):
        """Claim the next command; False once the budget is spent."""
        with self.lock:
            if self.left == 0 or time.monotonic() >= self.deadline:
                return False
            self.left -= 1
            self.sent += 1
            return True

    def problem(self, text):
        with self.lock:
            self.problems.append(text)


class Conn:
    def __init__(self, port, index):
        self.index = index
        self.sock = socket.create_connection(("127.0.0.1", port),
                                             timeout=30)
        self.buf = b""

    def read_frame(self):
        """Return the next frame as (type, payload), or None at EOF."""
        while True:
            if len(self.buf) >= 5:
                (length,) = struct.unpack(">I", self.buf[:4])
                if length == 0 or length > FRAME_MAX_PAYLOAD + 1:
                    raise ValueError("bad frame length %d" % length)
                if len(self.buf) >= 4 + length:
                    ftype = self.buf[4]
                    payload = self.buf[5:4 + length]
                    self.buf = self.buf[4 + length:]
                    return ftype, payload
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data


def run(load, port, index, command):
    try:
        c = Conn(port, index)
        c.sock.sendall(frame(MSG_HELLO, b"RCMD" + struct.pack(">HH", 1, 0) +
                             b"loadclient"))
        f = c.read_frame()
        if f is None or f[0] != MSG_SERVER_HELLO:
            load.problem("connection %d: no HELLO: %r" % (index, f))
            return
        request = frame(MSG_EXEC, struct.pack(">II", 0, 0) + command) + \
            frame(MSG_STDIN_EOF)
        while load.take():
            c.sock.sendall(request)
            while True:
                f = c.read_frame()
                if f is None:
                    load.problem("connection %d: closed before EXIT" % index)
                    return
                ftype, payload = f
                if ftype == MSG_ERROR:
                    load.problem("connection %d: ERROR %r" % (index, payload))
                    break
                if ftype != MSG_EXIT:
                    continue
                if len(payload) not in (EXIT_LEN, EXIT_HASH_LEN):
                    load.problem("connection %d: EXIT of %d bytes" %
                                 (index, len(payload)))
                    return
                kind, code, _, audit_id = struct.unpack(">BiQQ",
                                                        payload[:EXIT_LEN])
                with load.lock:
                    load.exits += 1
                if kind != 0 or code != 0:
                    load.problem("connection %d: id %d: EXIT kind %d code %d" %
                                 (index, audit_id, kind, code))
                if len(payload) != EXIT_HASH_LEN:
                    load.problem("connection %d: id %d: EXIT without the row "
                                 "hash" % (index, audit_id))
                break
        c.sock.close()
    except (OSError, ValueError) as e:
        load.problem("connection %d: %s" % (index, e))


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("-c", "--connections", type=int, default=8)
    ap.add_argument("-n", "--count", type=int, default=5000,
                    help="commands to send in all (default 5000)")
    ap.add_argument("-s", "--seconds", type=float, default=30,
                    help="stop sending after this long (default 30)")
    ap.add_argument("command", nargs="?", default="true")
    args = ap.parse_args()

    load = Load(args.count, args.seconds)
    start = time.monotonic()
    threads = [threading.Thread(target=run, args=(
        load, args.port, i, args.command.encode())) for i in
        range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - start
    for p in load.problems[:20]:
        print(p)
    if len(load.problems) > 20:
        print("... and %d more problems" % (len(load.problems) - 20))
    print("sent %d exits %d problems %d seconds %.1f rate %.0f" % (
        load.sent, load.exits, len(load.problems), seconds,
        load.exits / seconds if seconds > 0 else 0))
    ok = not load.problems and load.exits == load.sent
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
