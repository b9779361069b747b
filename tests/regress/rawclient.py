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

"""A raw rcmd protocol client for the bad-input tests.

It connects, then performs its actions in order: each sends a frame or
bytes, pauses, or reads what the server sends until a given frame type
arrives. Every frame read is printed on one line, in a stable form that
*.result files can hold: consecutive output frames of one stream are
merged, and audit ids and durations are printed only with -v.

Actions (arguments after the options):
  hello[=VERSION]     HELLO: "RCMD", VERSION (default 1), flags 0, a name
  magic=XXXX          HELLO with another 4-byte magic, version 1
  exec=COMMAND        EXEC with timeout 0 and flags 0
  stdin=DATA          STDIN
  stdin-size=N        STDIN of N bytes of "x"
  eof                 STDIN_EOF
  signal=N            SIGNAL N
  frame=TYPE[:HEX]    a frame of any type (0x07 or 7) with a hex payload
  len=N               only a frame header's 4-byte length N
  bytes=DATA          DATA as it is
  cork                hold what the following actions send...
  uncork              ...and send it all in one write
  sleep=SECONDS       pause
  expect=NAME         read until a frame NAME arrives (HELLO, STARTED,
                      STDOUT, STDERR, EXIT, ERROR) or CLOSED (end of file)
  read=SECONDS        read what arrives for SECONDS, or until CLOSED

DATA and COMMAND take Python escapes: \\n, \\t, \\x00, \\\\.

With --cert, --key and --ca the connection is TLS (1.3), the client
certificate is sent and the server's is checked against the CA; an alert
from the server is printed as "TLS ALERT: reason". -U PATH connects to a
Unix socket instead.

Exit status: 0, or 2 when an expect action was not met (the server
closed the connection first, or the -t timeout passed).
"""

import argparse
import errno
import socket
import ssl
import struct
import sys
import time

# From common/rcmd-protocol.h.
MSG_HELLO = 0x01
MSG_EXEC = 0x02
MSG_STDIN = 0x03
MSG_STDIN_EOF = 0x04
MSG_SIGNAL = 0x05
MSG_SERVER_HELLO = 0x81
MSG_STARTED = 0x82
MSG_STDOUT = 0x83
MSG_STDERR = 0x84
MSG_EXIT = 0x85
MSG_ERROR = 0x86

FRAME_MAX_PAYLOAD = 65536

NAMES = {
    MSG_SERVER_HELLO: "HELLO",
    MSG_STARTED: "STARTED",
    MSG_STDOUT: "STDOUT",
    MSG_STDERR: "STDERR",
    MSG_EXIT: "EXIT",
    MSG_ERROR: "ERROR",
}

EXIT_KINDS = ["exited", "signaled", "timedout", "cancelled", "failed"]

ERRORS = {
    1: "MALFORMED",
    2: "TOO_LARGE",
    3: "UNKNOWN_TYPE",
    4: "OUT_OF_ORDER",
    5: "VERSION",
    6: "BUSY",
    7: "BAD_COMMAND",
    8: "TIMEOUT",
    9: "AUDIT",
    10: "SHUTDOWN",
    11: "LIMIT",
    12: "DENIED",
    13: "UNSUPPORTED",
}


def unescape(text):
    """Turn an argument with Python escapes into bytes."""
    return text.encode("latin-1", "backslashreplace").decode(
        "unicode_escape").encode("latin-1")


def quote(data, limit=256):
    """Print bytes as a quoted string, or their size when long."""
    if len(data) > limit:
        return "<%d bytes>" % len(data)
    out = []
    for b in data:
        c = chr(b)
        if c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c in "\\\"":
            out.append("\\" + c)
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append("\\x%02x" % b)
    return '"' + "".join(out) + '"'


def frame(ftype, payload=b""):
    return struct.pack(">IB", len(payload) + 1, ftype) + payload


def hello(version=1, magic=b"RCMD", name=b"rawclient"):
    return frame(MSG_HELLO, magic + struct.pack(">HH", version, 0) + name)


class Client:
    def __init__(self, host, port, timeout, verbose, tls=None, unix=None):
        if unix is not None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(10)
            self.sock.connect(unix)
        else:
            self.sock = socket.create_connection((host, port), timeout=10)
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock, server_hostname=host)
        self.timeout = timeout
        self.verbose = verbose
        self.buf = b""
        self.closed = False
        self.failed = False
        self.pending_type = None
        self.pending = b""
        self.corked = None

    def out(self, line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def flush_output(self):
        if self.pending_type is not None:
            self.out("%s %s" % (NAMES[self.pending_type],
                                quote(self.pending)))
            self.pending_type = None
            self.pending = b""

    def send(self, data):
        if self.corked is not None:
            self.corked += data
            return
        if self.closed:
            self.out("SEND FAILED: connection closed")
            self.failed = True
            return
        try:
            self.sock.sendall(data)
        except OSError as e:
            self.flush_output()
            self.out("SEND FAILED: %s" % errno.errorcode.get(e.errno, e))
            self.failed = True

    def show(self, ftype, payload):
        """Print one frame; return its name."""
        name = NAMES.get(ftype)
        if ftype in (MSG_STDOUT, MSG_STDERR):
            if self.pending_type != ftype:
                self.flush_output()
                self.pending_type = ftype
            self.pending += payload
            return name
        self.flush_output()
        if ftype == MSG_SERVER_HELLO:
            magic = payload[:4]
            version, flags = struct.unpack(">HH", payload[4:8])
            line = "HELLO %s version %d flags %d" % (
                quote(magic), version, flags)
            if self.verbose:
                line += " name %s" % quote(payload[8:])
        elif ftype == MSG_STARTED:
            line = "STARTED"
            if self.verbose and len(payload) == 8:
                line += " id %d" % struct.unpack(">Q", payload)[0]
        elif ftype == MSG_EXIT and len(payload) in (21, 53):
            kind, code, duration, audit = struct.unpack(">BiQQ",
                                                        payload[:21])
            kname = EXIT_KINDS[kind] if kind < len(EXIT_KINDS) else \
                "kind-%d" % kind
            line = "EXIT %s %d" % (kname, code)
            if self.verbose:
                line += " duration_us %d id %d" % (duration, audit)
                if len(payload) == 53:
                    line += " hash %s" % payload[21:].hex()
        elif ftype == MSG_ERROR and len(payload) >= 2:
            code = struct.unpack(">H", payload[:2])[0]
            line = "ERROR %d %s %s" % (code, ERRORS.get(code, "?"),
                                       quote(payload[2:], 1024))
        else:
            name = None
            line = "UNKNOWN type 0x%02x payload %s" % (ftype,
                                                     quote(payload))
        self.out(line)
        return name

    def read_frames(self, until, deadline):
        """Read frames until one named until, end of file or deadline."""
        while True:
            while len(self.buf) >= 4:
                (length,) = struct.unpack(">I", self.buf[:4])
                if length == 0 or length > FRAME_MAX_PAYLOAD + 1:
                    self.flush_output()
                    self.out("BAD FRAME length %d" % length)
                    self.closed = True
                    return False
                if len(self.buf) < 4 + length:
                    break
                ftype = self.buf[4]
                payload = self.buf[5:4 + length]
                self.buf = self.buf[4 + length:]
                if self.show(ftype, payload) == until and until is not None:
                    if until in ("STDOUT", "STDERR"):
                        # Print it now: the caller waits for this.
                        self.flush_output()
                    return True
            if self.closed:
                return until == "CLOSED"
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return False
            except ssl.SSLError as e:
                self.flush_output()
                self.out("TLS ALERT: %s" % e.reason)
                self.closed = True
                return until == "CLOSED"
            except ConnectionResetError:
                self.flush_output()
                self.out("RESET")
                self.closed = True
                return until == "CLOSED"
            if not data:
                self.flush_output()
                self.out("CLOSED")
                self.closed = True
                return until == "CLOSED"
            self.buf += data

    def expect(self, name):
        ok = self.read_frames(name, time.monotonic() + self.timeout)
        self.flush_output()
        if not ok:
            self.out("NOT SEEN: %s%s" % (
                name, "" if self.closed else
                " within %g s" % self.timeout))
            self.failed = True

    def read_for(self, seconds):
        self.read_frames(None, time.monotonic() + seconds)
        self.flush_output()


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, required=True)
    ap.add_argument("-t", "--timeout", type=float, default=10,
                    help="seconds an expect action waits (default 10)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print audit ids, durations and server names")
    ap.add_argument("--cert", help="client certificate (PEM): use TLS")
    ap.add_argument("--key", help="its private key (PEM)")
    ap.add_argument("--ca", help="CA that signed the server's certificate")
    ap.add_argument("-U", "--unix", help="connect to this Unix socket")
    ap.add_argument("actions", nargs="*")
    args = ap.parse_args()

    tls = None
    if args.ca is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        tls.minimum_version = ssl.TLSVersion.TLSv1_3
        tls.load_verify_locations(args.ca)
        if args.cert is not None:
            tls.load_cert_chain(args.cert, args.key)
    try:
        c = Client(args.host, args.port, args.timeout, args.verbose, tls,
                   args.unix)
    except ssl.SSLError as e:
        print("TLS ALERT: %s" % e.reason)
        return 0
    for action in args.actions:
        key, _, value = action.partition("=")
        if key == "hello":
            c.send(hello(version=int(value) if value else 1))
        elif key == "magic":
            c.send(hello(magic=unescape(value)))
        elif key == "exec":
            c.send(frame(MSG_EXEC, struct.pack(">II", 0, 0) +
                         unescape(value)))
        elif key == "stdin":
            c.send(frame(MSG_STDIN, unescape(value)))
        elif key == "stdin-size":
            c.send(frame(MSG_STDIN, b"x" * int(value)))
        elif key == "eof":
            c.send(frame(MSG_STDIN_EOF))
        elif key == "signal":
            c.send(frame(MSG_SIGNAL, bytes([int(value)])))
        elif key == "frame":
            ftype, _, hexpayload = value.partition(":")
            c.send(frame(int(ftype, 0), bytes.fromhex(hexpayload)))
        elif key == "len":
            c.send(struct.pack(">I", int(value, 0)))
        elif key == "bytes":
            c.send(unescape(value))
        elif key == "cork":
            c.corked = b""
        elif key == "uncork":
            data, c.corked = c.corked or b"", None
            c.send(data)
        elif key == "sleep":
            time.sleep(float(value))
        elif key == "expect":
            c.expect(value)
        elif key == "read":
            c.read_for(float(value))
        else:
            ap.error("unknown action %r" % action)
    c.sock.close()
    return 2 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
