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
# ListenSocket: rcmd reaches the daemon as unix:PATH; the row says
# client_addr 'unix' and the peer's user name (SO_PEERCRED) as identity.
# The socket gets ListenSocketMode (0660 by default), replaces a socket
# left by an earlier run, refuses to replace anything else, and is removed
# at exit. Allow rules apply to it: "from unix" admits only the socket.

. "$(dirname "$0")/lib.sh"

sock=$dir/rcmdd.sock
me=$(id -un)
write_config "ListenSocket $sock"
start_daemon
expect_eq "default mode" 660 "$(stat -c %a "$sock")"
out=$("$RCMD" -n "unix:$sock" 'echo via socket; id -un')
expect_eq "unix: status" 0 "$?"
expect_eq "unix: output" "via socket
$me" "$out"
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'exited'" 1 ||
    fail "no final row for the command over the socket"
expect_sql "unix: row" "SELECT client_addr, ifnull(client_port, '-'),
    identity, ifnull(fingerprint, '-') FROM commands" "unix|-|$me|-"
expect_log "unix: log line" "client=\"unix\" identity=\"$me\""
# TCP still works alongside, and PortFile names the TCP port.
out=$(rcmd -n 'echo tcp')
expect_eq "tcp alongside" tcp "$out"
stop_daemon
[ -e "$sock" ] && fail "the socket is still there after rcmdd stopped"

# A socket left behind is replaced; the mode is ListenSocketMode.
"$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
write_config "ListenSocket $sock" "ListenSocketMode 0600" \
    "Allow $me from unix" "Allow nobody-else"
start_daemon
expect_eq "ListenSocketMode 0600" 600 "$(stat -c %a "$sock")"
out=$("$RCMD" -n "unix:$sock" 'echo allowed')
expect_eq "allowed from unix" allowed "$out"
# The same rules deny plain TCP, which has no identity and is not unix.
rcmd -n true >"$dir/out" 2>"$dir/err"
expect_eq "tcp denied: status" 255 "$?"
expect_eq "tcp denied: message" "rcmd: 127.0.0.1 refused the connection: not allowed: no Allow rule admits a client without an identity from 127.0.0.1 (plain TCP)" "$(cat "$dir/err")"
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'denied'" 1 ||
    fail "no denied row for plain TCP"
stop_daemon

# A user no rule admits is refused on the socket, with a denied row.
write_config "ListenSocket $sock" "Allow someone-else"
start_daemon
"$RCMD" -n "unix:$sock" true >"$dir/out" 2>"$dir/err"
expect_eq "user denied: status" 255 "$?"
expect_eq "user denied: message" "rcmd: unix:$sock refused the connection: not allowed: no Allow rule admits $me from the local socket" "$(cat "$dir/err")"
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'denied' AND
    client_addr = 'unix' AND identity = '$me'" 1 ||
    fail "no denied row for $me on the socket"
stop_daemon

# Anything but a socket in the way is an error, and it is left alone.
rm -f "$sock"
echo keep >"$sock"
write_config "ListenSocket $sock"
"$RCMDD" -f -c "$conf" >"$dir/out" 2>&1
expect_eq "file in the way: status" 1 "$?"
expect_match "file in the way: message" "*ListenSocket $sock exists and is not a socket: remove it or pick another path*" "$(cat "$dir/out")"
expect_eq "the file is kept" keep "$(cat "$sock")"

# rcmdd -t checks the socket's settings too, without making it.
rm -f "$sock"
write_config "ListenSocket $sock" "ListenSocketGroup no-such-group-rcmdd"
expect_eq "-t: unknown group" "rcmdd: ListenSocketGroup no-such-group-rcmdd: no such group" \
    "$("$RCMDD" -t -c "$conf" 2>&1)"
write_config "ListenSocket relative.sock"
expect_match "-t: relative path" "rcmdd: ListenSocket relative.sock: give an absolute path of at most * bytes" \
    "$("$RCMDD" -t -c "$conf" 2>&1)"
[ -e "$sock" ] && fail "rcmdd -t made the socket"

# A peer that is not root is named too: the confined network part has no
# /etc/passwd to read, so it reads the names before it confines itself
# (root and nobody would be named anyway by nss-systemd, where it runs).
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 &&
    other=$(id -un daemon 2>/dev/null) && [ -x "$RCMD" ]; then
	chmod 711 "$dir" || fail "chmod $dir"
	write_config "ListenSocket $sock" "ListenSocketMode 0666"
	start_daemon
	setpriv --reuid="$(id -u daemon)" --regid="$(id -g daemon)" \
	    --clear-groups "$RCMD" -n "unix:$sock" true ||
	    fail "rcmd as $other over the socket failed"
	wait_sql 5 "SELECT identity FROM commands WHERE client_addr = 'unix'
	    AND status = 'exited' ORDER BY id DESC LIMIT 1" "$other" ||
	    fail "the row of $other's command names \"$sql_got\""
	stop_daemon
else
	say "no user daemon or setpriv, or not root: a peer not root is not tried"
fi
exit 0
