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

# What a terminal costs, on loopback, in one run (issue 19):
#
#   - the keystroke echo round trip through rcmd --tty, and through
#     ssh -tt to an sshd of the bench's own (a host key and a client key
#     made for the run, 127.0.0.1 on a free port), both to cat on a
#     terminal: KEYS single keys, each typed once the last came back,
#     p50, p99 and max (bench/tty-bench.py, on a pseudo-terminal);
#   - rcmdd's resident size, both parts summed, with SESSIONS idle
#     terminal sessions open (cat on a 24x80 terminal each), against the
#     same daemon idle.
#
#   sh bench/tty-bench.sh [KEYS [SESSIONS]]
#
# defaults: 500 keys, 1000 sessions. It needs a built tree (lib.sh) and
# python3; without sshd (apt-get install openssh-server) the ssh figure
# is skipped, saying so. Run it as root or as a user sshd lets in.

keys=${1:-500}
sessions=${2:-1000}
watchdog=$((keys / 10 + sessions / 10 + 300))
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
test_name=tty-bench
. "$top_srcdir/tests/regress/lib.sh"

driver="$PYTHON $top_srcdir/bench/tty-bench.py"

# A free port on 127.0.0.1, from the kernel.
free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

limits="MaxCommands $((sessions + 64))
MaxConnections $((sessions + 64))
MaxConnectionsPerSource $((sessions + 64))"
write_config "$limits"
start_daemon
say "rcmdd: $($RCMD -p "$port" -n 127.0.0.1 'echo $(uname -sr)')"

echo "== keystroke echo round trip, $keys keys, to cat on a terminal"
printf '   rcmd --tty: '
TERM=xterm $driver echo "$keys" "$RCMD" -p "$port" -y 127.0.0.1 cat ||
    fail "rcmd --tty: the echo run failed"

SSHD=$(command -v sshd || echo /usr/sbin/sshd)
if [ -x "$SSHD" ] && command -v ssh >/dev/null 2>&1 &&
    command -v ssh-keygen >/dev/null 2>&1; then
	ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" ||
	    fail "ssh-keygen: host key"
	ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key" ||
	    fail "ssh-keygen: client key"
	cp "$dir/client_key.pub" "$dir/authorized_keys"
	chmod 600 "$dir/authorized_keys"
	sport=$(free_port)
	mkdir -p /run/sshd 2>/dev/null
	cat >"$dir/sshd_config" <<EOS
ListenAddress 127.0.0.1
Port $sport
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PrintMotd no
PrintLastLog no
Banner none
EOS
	"$SSHD" -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" &
	sshd_pid=$!
	track "$sshd_pid"
	wait_for 10 "$PYTHON" -c "import socket
socket.create_connection(('127.0.0.1', $sport)).close()" 2>/dev/null ||
	    fail "sshd did not start: $(cat "$dir/sshd.log")"
	printf '   ssh -tt:    '
	TERM=xterm $driver echo "$keys" ssh -tt -F /dev/null \
	    -i "$dir/client_key" -p "$sport" -o StrictHostKeyChecking=no \
	    -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
	    -o ControlMaster=no "$(id -un)@127.0.0.1" cat ||
	    fail "ssh -tt: the echo run failed: $(cat "$dir/sshd.log")"
	kill "$sshd_pid"
else
	echo "   ssh -tt: skipped: no sshd (apt-get install openssh-server)"
fi

# The same through TLS 1.3 with a client certificate, as rcmd is used
# off loopback, since ssh's round trip above pays for its encryption.
make_certs
stop_daemon
write_config "$limits" "TLSCertificate $certs/server.pem" \
    "TLSKey $certs/server.key" "TLSClientCA $certs/ca.pem"
start_daemon
printf '   rcmd --tty over TLS: '
TERM=xterm $driver echo "$keys" "$RCMD" -p "$port" \
    --cert "$certs/alice.pem" --key "$certs/alice.key" --ca "$certs/ca.pem" \
    -y 127.0.0.1 cat || fail "rcmd --tty over TLS: the echo run failed"
stop_daemon
write_config "$limits"
start_daemon

echo "== rcmdd's RSS (both parts) with $sessions idle terminal sessions"
idle=$(daemon_rss_kb)
$driver idle "$port" "$sessions" 600 >"$dir/idle.out" 2>&1 &
idle_pid=$!
track "$idle_pid"
wait_sql 120 "SELECT count(*) FROM commands WHERE status = 'running'" \
    "$sessions" || fail "$sessions sessions did not all start: $sql_got
$(cat "$dir/idle.out")"
sleep 2
full=$(daemon_rss_kb)
echo "   idle: $idle kB; with $sessions sessions: $full kB;" \
    "$(((full - idle) / sessions)) kB a session"
kill "$idle_pid" 2>/dev/null
wait "$idle_pid" 2>/dev/null
wait_sql 60 "SELECT count(*) FROM commands WHERE status = 'running'" 0 ||
    fail "the sessions did not all end: $sql_got"
exit 0
