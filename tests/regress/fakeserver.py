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

"""A fake rcmd server for the client's error tests.

    fakeserver.py [-t CERTDIR] PORTFILE MODE
    fakeserver.py -u SOCKET MODE

It listens on 127.0.0.1 port 0, writes the port to PORTFILE (through a
temporary file and a rename), accepts one connection, answers as MODE
says, and exits after the client closes or 30 s. With -u it listens on
the Unix socket SOCKET instead, and writes no port. With -t it speaks
TLS, with the certificates of mkcerts.sh in CERTDIR (server.pem,
server.key, and ca.pem for the client's). The modes:

    silent      read the client's HELLO and answer nothing
    version     answer HELLO with protocol version 2
    banner      answer with a line that is not the rcmd protocol
    http        answer as a web server does to what it cannot parse
    error       answer ERROR 5 with a message holding escape sequences
    badexit     answer HELLO, then STARTED, then an EXIT of 3 bytes
    denied      answer ERROR 12 (denied), as rcmdd does to a peer that
                no Allow rule admits
    run         answer HELLO; to an EXEC, STARTED, the command on STDOUT
                as "ran: COMMAND", and EXIT with code 7; to any other
                frame, ERROR 3 (unknown type) and close, as an rcmdd from
                before RUN does
    eager       as run, but answer nothing until both HELLO and EXEC
                have come; close at once if EXEC does not come within
                3 s of HELLO (a client that waits for our HELLO)
"""

import os
import socket
import ssl
import struct
import sys
import time


def frame(ftype, payload=b""):
    return struct.pack(">IB", len(payload) + 1, ftype) + payload


def read_frame(conn, buf):
    """Read one whole frame; return (type, payload, rest) or None at EOF."""
    while len(buf) < 5 or len(buf) < 4 + struct.unpack(">I", buf[:4])[0]:
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
    n = struct.unpack(">I", buf[:4])[0]
    return buf[4], buf[5:4 + n], buf[4 + n:]


def read_within(conn, buf, seconds):
    """read_frame, giving up after seconds: return None then too."""
    conn.settimeout(seconds)
    try:
        return read_frame(conn, buf)
    except (socket.timeout, OSError):
        return None
    finally:
        conn.settimeout(30)


def main():
    tls = None
    if sys.argv[1] == "-t":
        certs = sys.argv[2]
        del sys.argv[1:3]
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.path.join(certs, "server.pem"),
                            os.path.join(certs, "server.key"))
        tls.load_verify_locations(os.path.join(certs, "ca.pem"))
        tls.verify_mode = ssl.CERT_REQUIRED
    if sys.argv[1] == "-u":
        path, mode = sys.argv[2], sys.argv[3]
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(path)
        lsock.listen(1)
    else:
        portfile, mode = sys.argv[1], sys.argv[2]
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        with open(portfile + ".tmp", "w") as f:
            f.write("%d\n" % lsock.getsockname()[1])
        os.rename(portfile + ".tmp", portfile)
    lsock.settimeout(30)
    conn, _ = lsock.accept()
    conn.settimeout(30)
    if tls is not None:
        conn = tls.wrap_socket(conn, server_side=True)
    hello = b"RCMD" + struct.pack(">HH", 1, 0)
    if mode == "version":
        conn.sendall(frame(0x81, b"RCMD" + struct.pack(">HH", 2, 0) +
                           b"fake 2.0"))
    elif mode == "banner":
        conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
    elif mode == "http":
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                     b"\r\n")
    elif mode == "error":
        conn.sendall(frame(0x86, struct.pack(">H", 5) +
                           b"go away\x1b[2J\x9b31m now"))
    elif mode == "badexit":
        conn.sendall(frame(0x81, hello + b"fake"))
        conn.recv(65536)
        conn.sendall(frame(0x82, struct.pack(">Q", 1)) +
                     frame(0x85, b"\x00\x00\x00"))
    elif mode == "denied":
        conn.sendall(frame(0x86, struct.pack(">H", 12) +
                           b"no Allow rule admits root on unix"))
    elif mode == "run":
        buf = b""
        got = read_frame(conn, buf)
        if got is not None and got[0] == 0x01:
            conn.sendall(frame(0x81, hello + b"fake"))
            got = read_frame(conn, got[2])
            if got is not None and got[0] == 0x02:
                conn.sendall(frame(0x82, struct.pack(">Q", 1)) +
                             frame(0x83, b"ran: " + got[1][8:] + b"\n") +
                             frame(0x85, struct.pack(">BiQQ", 0, 7, 1000,
                                                     1)))
            elif got is not None:
                conn.sendall(frame(0x86, struct.pack(">H", 3) +
                                   b"unknown message type 0x%02x from a "
                                   b"client" % got[0]))
                conn.close()
                return
    elif mode == "eager":
        got = read_frame(conn, b"")
        if got is not None and got[0] == 0x01:
            t0 = time.monotonic()
            got = read_within(conn, got[2], 3)
            if got is not None and got[0] == 0x02:
                conn.sendall(frame(0x81, hello + b"fake") +
                             frame(0x82, struct.pack(">Q", 1)) +
                             frame(0x83, b"ran: " + got[1][8:] + b"\n") +
                             frame(0x85, struct.pack(">BiQQ", 0, 7, 1000,
                                                     1)))
            else:
                sys.stderr.write("fakeserver: no EXEC within %.1f s of "
                                 "HELLO\n" % (time.monotonic() - t0))
                conn.close()
                return
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass
    conn.close()


if __name__ == "__main__":
    main()
