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


# Type=notify, as systemd hears it: with NOTIFY_SOCKET set, rcmdd sends
# READY=1 only once its listener takes connections (a client that
# connects the moment READY=1 arrives is served), RELOADING=1 then READY=1
# around a reload, STOPPING=1 on SIGTERM, and a STATUS= line; commands
# never see NOTIFY_SOCKET. A stand-in for systemd (Python) listens on a
# datagram socket in the test's folder.

. "$(dirname "$0")/lib.sh"

sock=$dir/notify
# The listener writes each datagram as a line, and at READY=1 connects at
# once to the port in the port file, writing "connect ok" or the error.
"$PYTHON" - "$sock" "$dir/port" >"$dir/notify.log" 2>&1 <<'PY' &
import os, socket, sys, time
path, portfile = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(30)
first_ready = True
try:
    while True:
        msg = s.recv(4096).decode()
        print(msg.replace("\n", "|"), flush=True)
        if "READY=1" in msg.split("\n") and first_ready:
            first_ready = False
            port = int(open(portfile).read())
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            c.close()
            print("connect ok", flush=True)
        if "STOPPING=1" in msg.split("\n"):
            break
except Exception as e:
    print("listener: %s" % e, flush=True)
PY
listener=$!
track "$listener"
wait_for 5 test -S "$sock" || fail "the stand-in for systemd did not start"

write_config
NOTIFY_SOCKET=$sock start_daemon
wait_for 5 grep -q "connect ok" "$dir/notify.log" ||
    fail "no READY=1, or no connection right after it: $(cat "$dir/notify.log")"
expect_match "READY=1 names the main pid" "*READY=1|MAINPID=$daemon_pid*" \
    "$(cat "$dir/notify.log")"
wait_for 5 grep -q "^STATUS=0 commands running, 0 connections" \
    "$dir/notify.log" || fail "no STATUS= line: $(cat "$dir/notify.log")"

out=$(rcmd -n 'echo "${NOTIFY_SOCKET-unset}"')
expect_eq "NOTIFY_SOCKET in a command" "unset" "$out"

kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: configuration reloaded" "$log" ||
    fail "rcmdd did not reload"
wait_for 5 sh -c "grep -A1 '^RELOADING=1\$' '$dir/notify.log' | grep -q '^READY=1\$'" ||
    fail "no RELOADING=1 then READY=1 around the reload: $(cat "$dir/notify.log")"

stop_daemon
wait_for 5 grep -q "^STOPPING=1\$" "$dir/notify.log" ||
    fail "no STOPPING=1 on SIGTERM: $(cat "$dir/notify.log")"
wait "$listener"
