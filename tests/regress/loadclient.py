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

"""A load client for rcmdd: several connections run commands back to back.

    loadclient.py PORT CONNECTIONS SECONDS LOGFILE [COMMAND...]

Each connection says HELLO, then runs the commands in turn (default: a
mix of true, echo, a short sleep and some output) until SECONDS pass or
the server goes away. Every STARTED audit id is written to LOGFILE as
"started ID" as soon as it arrives, and every EXIT as "exit ID KIND CODE";
errors as "error CODE MESSAGE". At the end it prints one line of counts.
A vanished server is not an error: the fault tests kill it on purpose.
"""

import socket
import struct
import sys
import threading
import time

MIX = ["true", "echo load", "sleep 0.1", "head -c 20000 /dev/zero | od | head -c 3000"]


def frame(ftype, payload=b""):
    return struct.pack(">IB", len(payload) + 1, ftype) + payload


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), 5)
        self.sock.settimeout(30)
        self.buf = b""

    def read_frame(self):
        while True:
            if len(self.buf) >= 5:
                n = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    ftype = self.buf[4]
                    payload = self.buf[5:4 + n]
                    self.buf = self.buf[4 + n:]
                    return ftype, payload
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data


def worker(port, end, commands, log, lock, counts):
    try:
        c = Conn(port)
        c.sock.sendall(frame(0x01, b"RCMD" + struct.pack(">HH", 1, 0) +
                             b"load"))
        ftype, _ = c.read_frame()
        if ftype != 0x81:
            raise EOFError
        i = 0
        while time.monotonic() < end:
            cmd = commands[i % len(commands)].encode()
            i += 1
            c.sock.sendall(frame(0x02, struct.pack(">II", 0, 0) + cmd) +
                           frame(0x04))
            while True:
                ftype, p = c.read_frame()
                if ftype == 0x82:
                    with lock:
                        log.write("started %d\n" % struct.unpack(">Q", p)[0])
                        log.flush()
                        counts["started"] += 1
                elif ftype == 0x85:
                    kind, code, _, audit = struct.unpack(">BiQQ", p[:21])
                    with lock:
                        log.write("exit %d %d %d\n" % (audit, kind, code))
                        log.flush()
                        counts["exit"] += 1
                        if kind != 0:
                            counts["abnormal"] += 1
                    break
                elif ftype == 0x86:
                    code = struct.unpack(">H", p[:2])[0]
                    with lock:
                        log.write("error %d %s\n" %
                                  (code, p[2:].decode("utf-8", "replace")))
                        log.flush()
                        counts["error"] += 1
                    break
    except (OSError, EOFError):
        with lock:
            counts["lost"] += 1


def main():
    port, nconn, seconds = int(sys.argv[1]), int(sys.argv[2]), \
        float(sys.argv[3])
    commands = sys.argv[5:] or MIX
    counts = {"started": 0, "exit": 0, "abnormal": 0, "error": 0, "lost": 0}
    lock = threading.Lock()
    end = time.monotonic() + seconds
    t0 = time.monotonic()
    with open(sys.argv[4], "a") as log:
        threads = [threading.Thread(target=worker,
                                    args=(port, end, commands, log, lock,
                                          counts))
                   for _ in range(nconn)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 60)
    print("load: %d started, %d exited (%d abnormally), %d errors, "
          "%d connections lost, in %.1f s" %
          (counts["started"], counts["exit"], counts["abnormal"],
           counts["error"], counts["lost"], time.monotonic() - t0))


if __name__ == "__main__":
    main()
