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

"""Hostile clients for rcmdd, for a bounded time.

    hostile.py PORT SECONDS

Runs these at once against 127.0.0.1 PORT, then closes everything and
prints one line of counts:

    garbage     waves of connections that send random bytes
    slowloris   connections that send a HELLO one byte a second
    halfopen    connections that send part of a HELLO, then nothing
    noread      clients whose command prints without end, never read
    stdinflood  clients that send stdin far faster than the command reads
"""

import asyncio
import os
import random
import struct
import sys

GARBAGE_WAVE = 100
SLOWLORIS = 100
HALFOPEN = 50
NOREAD = 3
STDINFLOOD = 2


def frame(ftype, payload=b""):
    return struct.pack(">IB", len(payload) + 1, ftype) + payload


HELLO = frame(0x01, b"RCMD" + struct.pack(">HH", 1, 0) + b"hostile")


def exec_frame(cmd):
    return frame(0x02, struct.pack(">II", 0, 0) + cmd.encode())


class Counts:
    def __init__(self):
        self.opened = 0
        self.refused = 0


async def connect(port, counts):
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        counts.refused += 1
        return None, None
    counts.opened += 1
    return r, w


async def close(w):
    if w is None:
        return
    try:
        w.close()
        await asyncio.wait_for(w.wait_closed(), 2)
    except (OSError, asyncio.TimeoutError):
        pass


async def garbage(port, end, counts):
    rng = random.Random(1)
    loop = asyncio.get_running_loop()
    while loop.time() < end:
        conns = [await connect(port, counts) for _ in range(GARBAGE_WAVE)]
        for r, w in conns:
            if w is not None:
                w.write(os.urandom(rng.randint(1, 200)))
        for r, w in conns:
            if r is not None:
                try:
                    await asyncio.wait_for(r.read(65536), 0.5)
                except (OSError, asyncio.TimeoutError):
                    pass
            await close(w)
        await asyncio.sleep(0.2)


async def slowloris(port, end, counts):
    r, w = await connect(port, counts)
    loop = asyncio.get_running_loop()
    i = 0
    try:
        while w is not None and loop.time() < end:
            w.write(HELLO[i % len(HELLO):i % len(HELLO) + 1])
            await w.drain()
            i += 1
            await asyncio.sleep(1)
    except OSError:
        pass
    await close(w)


async def halfopen(port, end, counts):
    r, w = await connect(port, counts)
    if w is not None:
        w.write(HELLO[:7])
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0, end - loop.time()))
    await close(w)


async def noread(port, end, counts):
    r, w = await connect(port, counts)
    if w is None:
        return
    w.write(HELLO + exec_frame("yes hostile") + frame(0x04))
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0, end - loop.time()))
    await close(w)


async def stdinflood(port, end, counts):
    r, w = await connect(port, counts)
    if w is None:
        return
    # The command reads slowly, so that stdin backs up to the client.
    w.write(HELLO + exec_frame(
        "while :; do head -c 4096 >/dev/null || exit; sleep 0.1; done"))
    chunk = frame(0x03, os.urandom(65536))
    loop = asyncio.get_running_loop()
    try:
        while loop.time() < end:
            w.write(chunk)
            await asyncio.wait_for(w.drain(), max(0.1, end - loop.time()))
    except (OSError, asyncio.TimeoutError):
        pass
    await close(w)


async def main():
    port, seconds = int(sys.argv[1]), float(sys.argv[2])
    counts = Counts()
    end = asyncio.get_running_loop().time() + seconds
    tasks = [garbage(port, end, counts)]
    tasks += [slowloris(port, end, counts) for _ in range(SLOWLORIS)]
    tasks += [halfopen(port, end, counts) for _ in range(HALFOPEN)]
    tasks += [noread(port, end, counts) for _ in range(NOREAD)]
    tasks += [stdinflood(port, end, counts) for _ in range(STDINFLOOD)]
    await asyncio.wait_for(asyncio.gather(*tasks), seconds + 30)
    print("hostile: %d connections opened, %d refused" %
          (counts.opened, counts.refused))


if __name__ == "__main__":
    asyncio.run(main())
