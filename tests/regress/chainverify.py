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

"""chainverify.py DATABASE: check an rcmdd audit database's hash chain.

A second implementation of the chain, written from rcmdd(8), "Tamper
evidence", alone, with nothing but the Python standard library: it shares
no code with rcmdd. It prints "N rows verified; chain head SEQ:HASH" and
exits 0, or prints what does not match and exits 1.

chainverify.py --encode VERSION KIND PREV NAME=TYPE:VALUE ...: print the
SHA-256 of one event given by hand (TYPE i, f, t, b or n for NULL), and
the bytes hashed on standard error, for worked examples.
"""

import hashlib
import sqlite3
import struct
import sys

# The fields each event hashes, in order (rcmdd(8)).
V1_FIELDS = ["seq", "id", "started_at", "finished_at", "client_addr",
             "client_port", "client_name", "identity", "command", "status",
             "exit_code", "signal", "duration_ms", "output", "output_bytes",
             "truncated", "reason"]
POLICY_FIELDS = ["run_as", "mode", "argv", "ticket", "cwd", "rule",
                 "terminal"]
START_FIELDS = ["seq", "id", "started_at", "client_addr", "client_port",
                "client_name", "identity", "fingerprint",
                "command"] + POLICY_FIELDS
END_FIELDS = ["end_seq", "seq", "hash", "id", "started_at", "finished_at",
              "client_addr", "client_port", "client_name", "identity",
              "fingerprint", "command", "status", "exit_code", "signal",
              "duration_ms", "output", "output_bytes", "truncated",
              "reason"] + POLICY_FIELDS
CHUNK_FIELDS = ["seq", "command_id", "start_seq", "chunk", "data",
                "truncated"]
TYPES = {"integer": b"i", "real": b"f", "text": b"t", "blob": b"b"}


def netstring(b):
    return str(len(b)).encode() + b":" + b + b","


def value_bytes(kind, value):
    """A value as version 2 hashes it."""
    if kind == "integer":
        return str(value).encode()
    if kind == "real":
        return struct.pack(">d", value)
    return bytes(value)


def v1_text(kind, value):
    """A value as version 1 hashes it: as SQLite shows it as text."""
    if kind == "integer":
        return str(value).encode()
    if kind == "real":
        return repr(value).encode()
    return bytes(value)


def encode_v1(prev, row):
    """The bytes of a version 1 row: fields as text, "-," for NULL; the
    fingerprint appended only when it is not NULL."""
    out = b"rcmdd-chain-1\n" + prev + b"\n"
    for name in V1_FIELDS:
        kind, value = row[name]
        out += b"-," if kind == "null" else netstring(v1_text(kind, value))
    kind, value = row.get("fingerprint", ("null", None))
    if kind != "null":
        out += netstring(v1_text(kind, value))
    return out


def encode_v2(prev, what, row):
    """The bytes of a version 2 event: each field not NULL as the
    netstring of its name, its type letter and the netstring of its
    value."""
    out = b"rcmdd-chain-2\n" + prev + b"\n" + what + b"\n"
    fields = {b"start": START_FIELDS, b"chunk": CHUNK_FIELDS}
    for name in fields.get(what, END_FIELDS):
        kind, value = row.get(name, ("null", None))
        if kind == "null":
            continue
        out += netstring(name.encode()) + TYPES[kind] + \
            netstring(value_bytes(kind, value))
    return out


def sha(b):
    return hashlib.sha256(b).hexdigest().encode()


def verify(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    db.text_factory = bytes
    cols = [r[1].decode() for r in db.execute(
        "SELECT * FROM pragma_table_info('commands')")]
    sel = ", ".join("typeof(%s), %s" % (c, c) for c in cols)
    rows = []
    for r in db.execute("SELECT %s FROM commands" % sel):
        rows.append({c: (r[2 * i].decode(), r[2 * i + 1])
                     for i, c in enumerate(cols)})
    meta = dict(db.execute("SELECT key, value FROM audit_meta"))
    base_seq = int(meta[b"chain_base_seq"])
    base_hash = meta[b"chain_base_hash"]

    def val(row, name):
        return row.get(name, ("null", None))[1]

    # Every event: (seq, what, row); a version 1 row has one.
    events = []
    for row in rows:
        if val(row, "seq") is None:
            status = val(row, "status").decode()
            if "chain_version" in row or status != "running":
                return "row id %d is %s but not in the chain" % (
                    val(row, "id"), status)
            continue
        version = val(row, "chain_version")
        if version in (None, 1):
            events.append((val(row, "seq"), b"v1", row))
        elif version == 2:
            events.append((val(row, "seq"), b"start", row))
            if val(row, "end_seq") is not None:
                events.append((val(row, "end_seq"), b"end", row))
            elif val(row, "status") != b"running":
                return "row id %d has ended but its end is not chained" % \
                    val(row, "id")
        else:
            return "row id %d: unknown chain version %r" % (
                val(row, "id"), version)
    # A terminal's recording (schema 8): one event per chunk.
    chunk_fields = ["seq", "command_id", "start_seq", "chunk", "data",
                    "truncated"]
    has_recording = db.execute("SELECT count(*) FROM sqlite_master WHERE "
                               "name = 'recording'").fetchone()[0]
    chunks = {}
    if has_recording:
        sel = ", ".join("typeof(%s), %s" % (c, c)
                        for c in chunk_fields + ["hash"])
        for r in db.execute("SELECT %s FROM recording" % sel):
            k = {c: (r[2 * i].decode(), r[2 * i + 1])
                 for i, c in enumerate(chunk_fields + ["hash"])}
            events.append((val(k, "seq"), b"chunk", k))
            chunks.setdefault(val(k, "command_id"), []).append(k)
    by_id = {val(r, "id"): r for r in rows}
    for cid, ks in chunks.items():
        row = by_id.get(cid)
        ks.sort(key=lambda k: val(k, "seq"))
        if row is None:
            return "a recording's chunk belongs to no row (id %d)" % cid
        for i, k in enumerate(ks):
            if val(k, "seq") <= base_seq:
                continue
            if val(k, "start_seq") != val(row, "seq") or \
                    val(k, "seq") <= val(row, "seq") or \
                    (val(row, "end_seq") is not None and
                     val(k, "seq") >= val(row, "end_seq")):
                return "row id %d: chunk %d is outside its row" % (
                    cid, val(k, "chunk"))
            if ks[0] is k and val(k, "chunk") != 0:
                return "row id %d: its recording starts at chunk %d" % (
                    cid, val(k, "chunk"))
            if i > 0 and val(k, "chunk") != val(ks[i - 1], "chunk") + 1:
                return "row id %d: chunk %d follows chunk %d" % (
                    cid, val(k, "chunk"), val(ks[i - 1], "chunk"))
    events.sort(key=lambda e: e[0])

    prev_seq, prev_hash, n = base_seq, base_hash, 0
    for seq, what, row in events:
        rid = val(row, "id") if what != b"chunk" else val(row, "command_id")
        if what == b"chunk" and seq <= base_seq:
            continue
        # A row that ended after the base may have started before it.
        if seq <= base_seq and what == b"start" and \
                (val(row, "end_seq") or 0) > base_seq:
            n += 1
            continue
        if seq != prev_seq + 1:
            return "row id %d %s: seq %d, expected %d" % (
                rid, what.decode(), seq, prev_seq + 1)
        if what == b"v1":
            data = encode_v1(prev_hash, row)
            stored = val(row, "hash")
        elif what == b"start":
            data = encode_v2(prev_hash, b"start", row)
            stored = val(row, "hash")
        elif what == b"chunk":
            data = encode_v2(prev_hash, b"chunk", row)
            stored = val(row, "hash")
        else:
            data = encode_v2(prev_hash, b"end", row)
            stored = val(row, "end_hash")
        got = sha(data)
        if got != stored:
            return "row id %d %s (seq %d): hash %s, stored %s" % (
                rid, what.decode(), seq, got.decode(),
                stored.decode() if stored else None)
        prev_seq, prev_hash = seq, got
        if what not in (b"end", b"chunk"):
            n += 1
    # Ids: no gap among the rows that started after the base, and none
    # after the last, which sqlite_sequence keeps.
    if cols.count("chain_version"):
        ids = sorted(val(r, "id") for r in rows
                     if val(r, "chain_version") == 2 and
                     val(r, "seq") > base_seq)
        for a, b in zip(ids, ids[1:]):
            if b != a + 1:
                return "ids %d to %d are missing" % (a + 1, b - 1)
        given = db.execute("SELECT seq FROM sqlite_sequence "
                           "WHERE name = 'commands'").fetchone()
        last = max([val(r, "id") for r in rows] or [0])
        if given is not None and given[0] > last:
            return "ids %d to %d are missing" % (last + 1, given[0])
    print("%d rows verified; chain head %d:%s" % (n, prev_seq,
                                                  prev_hash.decode()))
    return None


def encode_args(args):
    version, what, prev = args[0], args[1].encode(), args[2].encode()
    names = {"i": "integer", "f": "real", "t": "text", "b": "blob",
             "n": "null"}
    row = {}
    for a in args[3:]:
        name, rest = a.split("=", 1)
        t, v = rest.split(":", 1)
        kind = names[t]
        if kind == "integer":
            value = int(v)
        elif kind == "real":
            value = float(v)
        else:
            value = v.encode()
        row[name] = (kind, value)
    if version == "1":
        data = encode_v1(prev, row)
    else:
        data = encode_v2(prev, what, row)
    sys.stderr.buffer.write(data)
    print(sha(data).decode())


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--encode":
        encode_args(sys.argv[2:])
        return 0
    if len(sys.argv) != 2:
        sys.exit("usage: chainverify.py DATABASE")
    why = verify(sys.argv[1])
    if why is not None:
        print("chainverify.py: %s: %s" % (sys.argv[1], why))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
