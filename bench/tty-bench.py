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
"""The measuring half of bench/tty-bench.sh.

    tty-bench.py echo N ARGV...
        run ARGV (a client that asks for a terminal on the host, whose
        command is cat) on a pseudo-terminal of its own, type N single
        keys one at a time, each once the last came back, and print the
        round trip of each key's echo, p50 and p99 and max in ms
    tty-bench.py idle PORT N SECONDS
        open N connections to rcmdd on 127.0.0.1 PORT, each HELLO and a
        RUN of "exec cat" on a 24x80 terminal, keep them open and idle
        for SECONDS (the shell script reads the daemon's RSS meanwhile),
        and close them
"""

import os
import pty
import resource
import select
import socket
import struct
import sys
import time


def wait_for(fd, want, seconds):
    """Read fd until want has come; return what came."""
    got = b""
    end = time.monotonic() + seconds
    while want not in got:
        left = end - time.monotonic()
        if left <= 0:
            sys.exit("tty-bench: no %r within %d s; got %r" %
                     (want, seconds, got[-200:]))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            data = os.read(fd, 65536)
            if not data:
                sys.exit("tty-bench: the client ended; got %r" % got[-200:])
            got += data
    return got


def echo(n, argv):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    # The remote cat is ready once a line comes back from it.
    os.write(fd, b"ready\r")
    wait_for(fd, b"ready\r\nready", 20)
    times = []
    keys = b"abcdefghijklmnopqrstuvwxyz"
    for i in range(n):
        k = keys[i % len(keys):i % len(keys) + 1]
        t0 = time.perf_counter()
        os.write(fd, k)
        wait_for(fd, k, 10)
        times.append((time.perf_counter() - t0) * 1000)
    os.write(fd, b"\r\x04")
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass
    os.waitpid(pid, 0)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print("%d keys: p50 %.3f ms, p99 %.3f ms, max %.3f ms" %
          (n, p(0.50), p(0.99), times[-1]))


def frame(ftype, payload=b""):
    return struct.pack(">IB", len(payload) + 1, ftype) + payload


def idle(port, n, seconds):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1024),
                                                     hard))
    hello = frame(0x01, b"RCMD" + struct.pack(">HH", 1, 0) + b"bench")
    run = struct.pack(">II", 0, 0)
    for t, v in ((1, b"exec cat"), (6, struct.pack(">HH", 24, 80) +
                                    b"xterm")):
        run += struct.pack(">BH", t, len(v)) + v
    conns = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(hello + frame(0x06, run))
        conns.append(s)
    print("%d connections open" % n, flush=True)
    time.sleep(seconds)
    for s in conns:
        s.close()


def main():
    if len(sys.argv) > 3 and sys.argv[1] == "echo":
        echo(int(sys.argv[2]), sys.argv[3:])
    elif len(sys.argv) == 5 and sys.argv[1] == "idle":
        idle(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
