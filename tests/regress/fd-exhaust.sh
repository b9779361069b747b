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

# No client can stop rcmdd by exhausting its descriptors. rcmdd -t and
# start-up refuse MaxConnections and MaxCommands that do not fit the
# descriptor limit, saying what to lower and to what. Under a limit of
# 100 descriptors, of 36 connections some are refused at once with ERROR
# 11 saying so, and of those let in, each sending an EXEC, one runs its
# command and the others get ERROR 11 saying rcmdd has too few
# descriptors left (and a denied row); rcmdd stays up, and once they are
# gone a new client is served.

. "$(dirname "$0")/lib.sh"

command -v prlimit >/dev/null 2>&1 || {
	echo "$test_name: SKIP: no prlimit (util-linux)" >&2
	exit 77
}

# Limits set in the file that do not fit: rcmdd -t says what to lower.
write_config "MaxConnections 50" "MaxCommands 10"
prlimit --nofile=200:200 "$RCMDD" -t -c "$conf" >"$dir/out" 2>"$dir/err"
expect_eq "rcmdd -t status" 1 "$?"
expect_eq "rcmdd -t message" "rcmdd: MaxConnections 50 and MaxCommands 10 need up to 212 descriptors (one a connection, 8 a command, and 82 for rcmdd itself), but the descriptor limit is 200: lower MaxConnections to 38 or MaxCommands to 8, or raise the limit (LimitNOFILE in rcmdd.service, ulimit -n)" \
    "$(cat "$dir/err")"
prlimit --nofile=200:200 "$RCMDD" -f -c "$conf" >"$dir/out" 2>"$dir/err"
expect_eq "start-up status" 1 "$?"
expect_match "start-up message" "rcmdd: MaxConnections 50 and MaxCommands 10 need up to 212 descriptors*lower MaxConnections to 38 or MaxCommands to 8*" \
    "$(cat "$dir/err")"
prlimit --nofile=300:300 "$RCMDD" -t -c "$conf" >"$dir/out" 2>&1
expect_eq "rcmdd -t with room" "rcmdd: configuration OK" "$(cat "$dir/out")"

# The defaults do not fit 100 descriptors: rcmdd starts, and says so.
write_config
RCMDD_WRAPPER="prlimit --nofile=100:100 -- ${RCMDD_WRAPPER:-}" start_daemon
expect_log "start-up note" "the defaults do not fit the descriptor limit"

# 36 connections say HELLO one after the other, and those let in send
# an EXEC each.
"$PYTHON" - "$port" >"$dir/flood.out" 2>&1 <<'PY'
import socket, struct, sys
port = int(sys.argv[1])
def frame(t, p):
    return struct.pack(">IB", len(p) + 1, t) + p
def last(s):
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
            if len(data) >= 5:
                i, done = 0, False
                while i + 5 <= len(data):
                    ln, t = struct.unpack(">IB", data[i:i + 5])
                    if i + 4 + ln > len(data):
                        break
                    done = t in (0x81, 0x85, 0x86)
                    i += 4 + ln
                if done:
                    break
    except OSError:
        pass
    i, what = 0, "nothing"
    while i + 5 <= len(data):
        ln, t = struct.unpack(">IB", data[i:i + 5])
        p = data[i + 5:i + 4 + ln]
        if t == 0x86:
            what = "ERROR %d %s" % (struct.unpack(">H", p[:2])[0],
                                    p[2:].decode())
        elif t == 0x85:
            what = "EXIT %d" % p[0]
        elif t == 0x81:
            what = "HELLO"
        i += 4 + ln
    return what
hello = frame(1, b"RCMD" + struct.pack(">HH", 1, 0) + b"fds")
execf = frame(2, struct.pack(">II", 0, 0) + b"sleep 2")
conns = []
for _ in range(36):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    s.settimeout(15)
    s.sendall(hello)
    what = last(s)
    if what == "HELLO":
        conns.append(s)
    else:
        print(what)
        s.close()
for s in conns:
    s.sendall(execf)
for s in conns:
    print(last(s))
    s.close()
PY
sort "$dir/flood.out" | uniq -c | sed 's/^/	/' >&2
daemon_exited && fail "rcmdd exited (status $daemon_status)"
expect_eq "commands run" 1 "$(grep -c '^EXIT 0$' "$dir/flood.out")"
expect_ge "connections refused" \
    "$(grep -c '^ERROR 11 too many connections for the descriptors rcmdd may open (100): try again later$' "$dir/flood.out")" 1
expect_ge "EXECs refused for descriptors" \
    "$(grep -c '^ERROR 11 cannot run the command: rcmdd has too few descriptors left (its limit is 100, and a command needs 8); try again later$' "$dir/flood.out")" 1
grep -v -e '^EXIT 0$' -e '^ERROR 11 cannot run the command: rcmdd has too few descriptors left' \
    -e '^ERROR 11 too many connections for the descriptors rcmdd may open (100): try again later$' \
    "$dir/flood.out" >"$dir/other"
expect_eq "other outcomes" "" "$(cat "$dir/other")"
wait_sql 5 "SELECT count(*) > 0 FROM commands WHERE status = 'denied'
    AND reason LIKE 'cannot run the command: rcmdd has too few descriptors left%'" 1 ||
    fail "no denied row for a refused EXEC: $sql_got"
expect_serving
