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
# TLS and authorization end to end, with certificates made now by openssl
# (mkcerts.sh): an allowed client runs a command and its certificate's CN
# and SHA-256 fingerprint are in the row; no certificate, a certificate
# from another CA, an expired certificate, a CN no rule allows and a
# network no rule allows are each refused with exit 255, a message saying
# why, and a denied row with the reason. openssl s_client gets TLSv1.3 and
# nothing older. A flood of refusals is recorded at a bounded pace, with a
# summary row counting the rest.

. "$(dirname "$0")/lib.sh"

make_certs
c=$certs
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem" "Allow alice" "Allow mallory from ::1/128"
start_daemon

tls() {
	_who=$1
	shift
	rcmd --cert "$c/$_who.pem" --key "$c/$_who.key" --ca "$c/ca.pem" "$@"
}
last_row="SELECT client_addr, ifnull(identity, '-'), ifnull(fingerprint, '-'),
    status, ifnull(reason, '-') FROM commands ORDER BY id DESC LIMIT 1"

# An allowed client: CN alice, with its fingerprint as openssl prints it.
out=$(tls alice -n 'echo over tls; exit 3' 2>"$dir/err")
expect_eq "alice: status" 3 "$?"
expect_eq "alice: output" "over tls" "$out"
fp=$("$OPENSSL" x509 -in "$c/alice.pem" -noout -fingerprint -sha256 |
    sed 's/.*=//')
expect_match "alice: fingerprint form" "??:??:*:??" "$fp"
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'exited'" 1 ||
    fail "alice's row is not final"
expect_sql "alice: row" "$last_row" "127.0.0.1|alice|$fp|exited|-"
expect_log "alice: log line" 'identity="alice" status="exited"'

# refused NAME REASON MESSAGE RCMD-ARGS...: rcmd exits 255 saying MESSAGE
# (a glob) and the newest row is denied for REASON (a glob).
refused() {
	_name=$1 _reason=$2 _message=$3
	shift 3
	_before=$(sql "SELECT count(*) FROM commands WHERE status = 'denied'")
	"$@" -n true >"$dir/out" 2>"$dir/err"
	expect_eq "$_name: status" 255 "$?"
	expect_eq "$_name: stdout" "" "$(cat "$dir/out")"
	expect_match "$_name: message" "$_message" "$(cat "$dir/err")"
	wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'denied'" \
	    $((_before + 1)) || fail "$_name: no denied row"
	expect_match "$_name: row" "$_reason" "$(sql "$last_row")"
}

# rcmd will not connect without a certificate; a raw TLS client does.
raw --ca "$c/ca.pem" hello expect=HELLO >"$dir/out" 2>&1
expect_match "no certificate: alert" "*TLS ALERT: TLSV13_ALERT_CERTIFICATE_REQUIRED*" \
    "$(cat "$dir/out")"
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'denied'" 1 ||
    fail "no certificate: no denied row"
expect_sql "no certificate: row" "$last_row" \
    "127.0.0.1|-|-|denied|no client certificate"
refused "other CA" \
    "127.0.0.1|-|-|denied|client certificate refused: unable to get local issuer certificate" \
    "rcmd: 127.0.0.1 refused the TLS handshake: it does not trust the CA*" \
    tls stranger
refused "expired" \
    "127.0.0.1|-|-|denied|client certificate refused: certificate has expired" \
    "rcmd: 127.0.0.1 refused the TLS handshake: *has expired*" \
    tls expired
fpm=$("$OPENSSL" x509 -in "$c/mallory.pem" -noout -fingerprint -sha256 |
    sed 's/.*=//')
refused "CN from a network no rule allows" \
    "127.0.0.1|mallory|$fpm|denied|not allowed: no Allow rule admits mallory from 127.0.0.1" \
    "rcmd: 127.0.0.1 refused the connection: not allowed: no Allow rule admits mallory from 127.0.0.1" \
    tls mallory
refused "plain TCP" \
    "127.0.0.1|-|-|denied|TLS handshake failed: *" \
    "rcmd: connection closed by 127.0.0.1 * does it require TLS?*" \
    rcmd --no-tls
expect_log "refusals are logged" "refused: client certificate refused: certificate has expired"

# mallory is allowed from ::1, where the host has IPv6.
if "$PYTHON" -c 'import socket; s = socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	stop_daemon
	write_config "ListenAddress ::1" "TLSCertificate $c/server.pem" \
	    "TLSKey $c/server.key" "TLSClientCA $c/ca.pem" "Allow alice" \
	    "Allow mallory from ::1/128"
	start_daemon
	out=$("$RCMD" -p "$port" --cert "$c/mallory.pem" --key "$c/mallory.key" \
	    --ca "$c/ca.pem" -n ::1 'echo from v6')
	expect_eq "mallory from ::1: status" 0 "$?"
	expect_eq "mallory from ::1: output" "from v6" "$out"
	wait_sql 5 "SELECT count(*) FROM commands WHERE identity = 'mallory'
	    AND client_addr = '::1' AND status = 'exited'" 1 ||
	    fail "mallory's command from ::1 has no final row"
	stop_daemon
	write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
	    "TLSClientCA $c/ca.pem" "Allow alice" "Allow mallory from ::1/128"
	start_daemon
else
	say "no IPv6 loopback here: the ::1 half of the network rule is not tested"
fi

# TLS 1.3 only.
for v in tls1_2 tls1_1; do
	"$OPENSSL" s_client -connect "127.0.0.1:$port" -"$v" \
	    -CAfile "$c/ca.pem" -cert "$c/alice.pem" -key "$c/alice.key" \
	    </dev/null >"$dir/s_client" 2>&1 &&
	    fail "s_client -$v connected: $(cat "$dir/s_client")"
done
"$OPENSSL" s_client -connect "127.0.0.1:$port" -tls1_3 -CAfile "$c/ca.pem" \
    -cert "$c/alice.pem" -key "$c/alice.key" </dev/null >"$dir/s_client" 2>&1
grep -q "TLSv1.3" "$dir/s_client" ||
    fail "s_client -tls1_3 did not negotiate TLSv1.3: $(cat "$dir/s_client")"
grep -q "Verify return code: 0 (ok)" "$dir/s_client" ||
    fail "the server certificate does not verify: $(cat "$dir/s_client")"

# A flood of 60 refusals: at most the burst of 20, and 10 a second after
# it, are recorded one by one; summary rows count the rest, so that every
# refusal is accounted for.
before=$(sql "SELECT max(id) FROM commands")
secs=$("$PYTHON" - "$port" <<'PY'
import socket, sys, time
t0 = time.monotonic()
for _ in range(60):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.sendall(b"\x00\x00\x00\x05not tls")
    s.settimeout(5)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()
print(int(time.monotonic() - t0) + 1)
PY
)
summary="reason LIKE '% not recorded one by one%'"
count_all() {
	one=$(sql "SELECT count(*) FROM commands WHERE id > $before AND
	    status = 'denied' AND NOT $summary")
	summed=$(sql "SELECT total(CAST(reason AS INTEGER)) FROM commands
	    WHERE id > $before AND $summary" | sed 's/\..*//')
	[ $((one + summed)) -eq 60 ]
}
wait_for 5 count_all ||
    fail "60 refusals, but $one rows and $summed in summaries"
say "a flood of 60 in at most $secs s: $one recorded one by one, $summed summed up"
expect_le "refusals recorded one by one" "$one" $((20 + 10 * secs))
if [ "$summed" -gt 0 ]; then
	expect_log "the summary is logged" "not recorded one by one"
	expect_match "the summary row" "-|-|-|denied|[0-9]* refusal* since * not recorded one by one *; the last from 127.0.0.1" \
	    "$(sql "SELECT client_addr, ifnull(identity, '-'),
	        ifnull(fingerprint, '-'), status, reason FROM commands
		WHERE $summary ORDER BY id DESC LIMIT 1")"
fi
"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 ||
    fail "the chain does not verify: $(cat "$dir/verify")"
out=$(tls alice -n 'echo still')
expect_eq "alice after the flood" still "$out"
stop_daemon

# Past MaxConnections a TLS client still gets the ERROR that names the
# limit: it is sent once the handshake is done.
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem" "MaxConnections 1"
start_daemon
raw --cert "$c/alice.pem" --key "$c/alice.key" --ca "$c/ca.pem" hello \
    expect=HELLO sleep=10 >/dev/null 2>&1 &
track $!
wait_for 5 grep -q "HELLO from" "$log" 2>/dev/null || :
sleep 0.5
tls alice -n true >"$dir/out" 2>"$dir/err"
expect_eq "over MaxConnections: status" 255 "$?"
expect_eq "over MaxConnections: message" "rcmd: 127.0.0.1 refused the connection: too many connections: rcmdd serves at most 1 at once (MaxConnections); try again later" "$(cat "$dir/err")"
stop_daemon

# SIGHUP re-reads the certificates: a renewed server certificate is used
# by the next connection. A certificate that does not load, or turning TLS
# off, keeps the running configuration and says why.
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem"
start_daemon
before=$(echo | "$OPENSSL" s_client -connect "127.0.0.1:$port" \
    -CAfile "$c/ca.pem" -cert "$c/alice.pem" -key "$c/alice.key" 2>/dev/null |
    "$OPENSSL" x509 -noout -serial)
# The renewed certificate: the same key and CA, serial 4242 (0x1092).
mkdir "$dir/renew"
"$OPENSSL" req -new -key "$c/server.key" -subj /CN=localhost \
    -out "$dir/renew/server.csr" 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/renew/san" &&
"$OPENSSL" x509 -req -in "$dir/renew/server.csr" -CA "$c/ca.pem" \
    -CAkey "$c/ca.key" -set_serial 4242 -days 2 -extfile "$dir/renew/san" \
    -out "$dir/renew/server.pem" 2>/dev/null ||
    fail "cannot make the renewed server certificate"
cp "$dir/renew/server.pem" "$c/server.pem"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: configuration reloaded" "$log" ||
    fail "no reload after SIGHUP"
after=$(echo | "$OPENSSL" s_client -connect "127.0.0.1:$port" \
    -CAfile "$c/ca.pem" -cert "$c/alice.pem" -key "$c/alice.key" 2>/dev/null |
    "$OPENSSL" x509 -noout -serial)
expect_ne "the renewed certificate is served" "$before" "$after"
expect_eq "its serial" "serial=1092" "$after"

write_config "TLSCertificate $dir/nothing.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: TLSCertificate $dir/nothing.pem" "$log" ||
    fail "a missing certificate on reload is not logged"
write_config
kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: turning TLS off takes a restart; keeping the running configuration" "$log" ||
    fail "turning TLS off on reload is not refused"
out=$(tls alice -n 'echo still tls')
expect_eq "TLS after the refused reloads" "still tls" "$out"
stop_daemon

# A peer that opens a TLS port and says nothing is dropped after
# HandshakeTimeout, with a denied row that says so.
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem" "HandshakeTimeout 300ms"
start_daemon
before=$(sql "SELECT max(id) FROM commands")
"$PYTHON" - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.settimeout(5)
t0 = time.monotonic()
try:
    data = s.recv(100)
except OSError:
    data = b""
if data or time.monotonic() - t0 > 3:
    sys.exit("not dropped in time: %r after %.1f s" % (data, time.monotonic() - t0))
PY
[ $? -eq 0 ] || fail "a silent TLS peer was not dropped after HandshakeTimeout"
wait_sql 5 "SELECT count(*) FROM commands WHERE id > $before" 1 ||
    fail "no denied row for the silent TLS peer"
expect_sql "silent TLS peer: row" "SELECT status, reason FROM commands
    WHERE id > $before" \
    "denied|TLS handshake not finished within 300 ms (HandshakeTimeout)"
stop_daemon

# With TLS, rcmdd -t takes a listen address beyond loopback; a
# certificate that cannot be read is a start-up error that names it.
write_config "ListenAddress 0.0.0.0" "TLSCertificate $c/server.pem" \
    "TLSKey $c/server.key" "TLSClientCA $c/ca.pem"
expect_eq "TLS beyond loopback" "rcmdd: configuration OK" \
    "$("$RCMDD" -t -c "$conf" 2>&1)"
write_config "ListenAddress 0.0.0.0"
expect_match "plain TCP beyond loopback" "*refusing to listen on 0.0.0.0*configure TLSCertificate, TLSKey and TLSClientCA to listen beyond loopback*" \
    "$("$RCMDD" -t -c "$conf" 2>&1)"
write_config "TLSCertificate $dir/missing.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem"
expect_eq "a missing certificate" "rcmdd: TLSCertificate $dir/missing.pem: No such file or directory: give a PEM certificate (and its chain) readable by rcmdd" \
    "$("$RCMDD" -t -c "$conf" 2>&1)"
write_config "TLSCertificate $c/server.pem" "TLSKey $c/alice.key" \
    "TLSClientCA $c/ca.pem"
expect_eq "a key of another certificate" "rcmdd: TLSKey $c/alice.key: key values mismatch: give the PEM private key of TLSCertificate" \
    "$("$RCMDD" -t -c "$conf" 2>&1)"
