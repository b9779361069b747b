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

# Revocation: TLSCRL is checked at every handshake, and a reload that
# revokes (a new CRL) or denies (a Deny by fingerprint) a client ends its
# running command and closes its connection, while an admitted client's
# command runs on. A CRL that does not parse, is not signed by the
# TLSClientCA or has expired stops start-up, and a reload keeps the
# running configuration. With a CRL from each CA, the whole chain is
# checked.

. "$(dirname "$0")/lib.sh"

make_certs
c=$certs

# cert NAME CN ISSUER EXTENSIONS: a certificate NAME.pem with subject CN,
# signed by ISSUER, with the extensions (openssl's lines) given.
cert() {
	"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$c/$1.key" 2>/dev/null &&
	"$OPENSSL" req -new -key "$c/$1.key" -subj "/O=rcmdd tests/CN=$2" \
	    -out "$c/$1.csr" 2>/dev/null &&
	printf '%b\n' "$4" >"$c/$1.ext" &&
	"$OPENSSL" x509 -req -in "$c/$1.csr" -CA "$c/$3.pem" \
	    -CAkey "$c/$3.key" -CAcreateserial -days 30 -extfile "$c/$1.ext" \
	    -out "$c/$1.pem" 2>/dev/null || fail "cannot make the certificate $1"
}

# client NAME: a client certificate CN=NAME from the test CA.
client() {
	cert "$1" "$1" ca \
	    'keyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth'
}

# crl OUT CA [OPENSSL-CA-FLAGS] -- [NAME...]: a CRL signed by CA that
# revokes the certificates of NAME...
crl() {
	_out=$1 _ca=$2
	shift 2
	_flags=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_flags="$_flags $1"
		shift
	done
	shift
	rm -rf "$dir/crl.db"
	mkdir "$dir/crl.db" && : >"$dir/crl.db/index.txt" &&
	    echo 01 >"$dir/crl.db/crlnumber" || fail "crl: mkdir"
	cat >"$dir/crl.cnf" <<EOC
[ca]
default_ca = test
[test]
database = $dir/crl.db/index.txt
crlnumber = $dir/crl.db/crlnumber
certificate = $c/$_ca.pem
private_key = $c/$_ca.key
default_md = sha256
default_crl_days = 30
EOC
	for _n in "$@"; do
		"$OPENSSL" ca -batch -config "$dir/crl.cnf" -revoke "$c/$_n.pem" \
		    >"$dir/crl.log" 2>&1 || fail "crl: $(cat "$dir/crl.log")"
	done
	# shellcheck disable=SC2086
	"$OPENSSL" ca -batch -config "$dir/crl.cnf" -gencrl $_flags \
	    -out "$_out" >"$dir/crl.log" 2>&1 || fail "crl: $(cat "$dir/crl.log")"
}

tls() {
	_who=$1
	shift
	rcmd --cert "$c/$_who.pem" --key "$c/$_who.key" --ca "$c/ca.pem" "$@"
}
tls_bg() {
	_who=$1
	shift
	rcmd_bg --cert "$c/$_who.pem" --key "$c/$_who.key" --ca "$c/ca.pem" "$@"
}
fingerprint() {
	"$OPENSSL" x509 -in "$c/$1.pem" -noout -fingerprint -sha256 |
	    sed 's/.*=//'
}
serial() {
	"$OPENSSL" x509 -in "$c/$1.pem" -noout -serial | sed 's/.*=//'
}

client bob
client carol
ctl=$dir/control.sock
tlsconf="TLSCertificate $c/server.pem"
tlsconf2="TLSKey $c/server.key"
tlsconf3="TLSClientCA $c/ca.pem"
crl "$dir/crl.pem" ca -- mallory
write_config "$tlsconf" "$tlsconf2" "$tlsconf3" "TLSCRL $dir/crl.pem" \
    "ControlSocket $ctl" "Allow *"
start_daemon

# A revoked certificate is refused at the handshake, and the log says
# which one.
tls mallory -n true >"$dir/out" 2>"$dir/err"
expect_eq "mallory: status" 255 "$?"
expect_match "mallory: message" \
    "rcmd: 127.0.0.1 refused the TLS handshake: the client certificate * has been revoked*" \
    "$(cat "$dir/err")"
fpm=$(fingerprint mallory)
serm=$(serial mallory)
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'denied'" 1 ||
    fail "mallory: no denied row"
expect_match "mallory: row" \
    "denied|client certificate refused: certificate revoked: serial $serm, fingerprint $fpm, subject *CN*mallory*" \
    "$(sql "SELECT status, reason FROM commands ORDER BY id DESC LIMIT 1")"
expect_log "mallory: log" "refused: client certificate refused: certificate revoked: serial $serm, fingerprint $fpm, subject CN=mallory,O=rcmdd tests"
out=$(tls alice -n 'echo fine')
expect_eq "alice: output" fine "$out"

# bob runs sleep 30 and alice a shorter command; a new CRL revokes bob,
# then SIGHUP: bob's command ends at once, its row says revoked, and rcmd
# says so and exits non-zero; alice's command runs to its end.
tls_bg bob -n 'echo started; sleep 30' >"$dir/bob.out" 2>"$dir/bob.err"
bob=$rcmd_pid
tls_bg alice -n 'echo started; sleep 4; echo kept' >"$dir/alice.out" \
    2>"$dir/alice.err"
alice=$rcmd_pid
wait_for 10 grep -q started "$dir/bob.out" || fail "bob's command did not start"
wait_for 10 grep -q started "$dir/alice.out" ||
    fail "alice's command did not start"
crl "$dir/crl.pem.new" ca -- mallory bob
mv "$dir/crl.pem.new" "$dir/crl.pem"
t0=$(now_ms)
kill -HUP "$daemon_pid"
wait "$bob"
rc=$?
took=$(($(now_ms) - t0))
expect_ne "bob: status" 0 "$rc"
expect_le "bob ended within 3 s of the reload (ms)" "$took" 3000
serb=$(serial bob)
fpb=$(fingerprint bob)
expect_match "bob: message" \
    "rcmd: *revoked: the client certificate (serial $serb, fingerprint $fpb, subject *CN*bob*) is in TLSCRL $dir/crl.pem*" \
    "$(cat "$dir/bob.err")"
wait_sql 10 "SELECT status FROM commands WHERE identity = 'bob'" cancelled ||
    fail "bob's row: $sql_got"
expect_match "bob: row" \
    "cancelled|revoked: the client certificate (serial $serb, fingerprint $fpb, subject *CN*bob*) is in TLSCRL $dir/crl.pem" \
    "$(sql "SELECT status, reason FROM commands WHERE identity = 'bob'")"
expect_log "bob: log" "as bob: revoked: the client certificate (serial $serb, fingerprint $fpb, subject CN=bob,O=rcmdd tests) is in TLSCRL $dir/crl.pem: the connection is closed and its command ended"
expect_eq "bob: logged once" 1 "$(grep -c "as bob: revoked" "$log")"
wait "$alice"
expect_eq "alice through the reload: status" 0 "$?"
expect_eq "alice through the reload: output" "started
kept" "$(cat "$dir/alice.out")"
tls bob -n true >/dev/null 2>&1
expect_eq "bob after the reload" 255 "$?"

# carol runs sleep 30; a Deny by her certificate's fingerprint, then
# rcmdd --reload: the same, the row says denied after reload.
tls_bg carol -n 'echo started; sleep 30' >"$dir/carol.out" \
    2>"$dir/carol.err"
carol=$rcmd_pid
wait_for 10 grep -q started "$dir/carol.out" ||
    fail "carol's command did not start"
fpc=$(fingerprint carol)
write_config "$tlsconf" "$tlsconf2" "$tlsconf3" "TLSCRL $dir/crl.pem" \
    "ControlSocket $ctl" "Deny fingerprint $fpc" "Allow *"
t0=$(now_ms)
"$RCMDD" -c "$conf" --reload >"$dir/c.out" 2>"$dir/c.err" ||
    fail "--reload: $(cat "$dir/c.err")"
wait "$carol"
rc=$?
took=$(($(now_ms) - t0))
expect_ne "carol: status" 0 "$rc"
expect_le "carol ended within 3 s of the reload (ms)" "$took" 3000
expect_match "carol: message" "rcmd: *denied after reload: *$conf:*Deny fingerprint $fpc*" \
    "$(cat "$dir/carol.err")"
wait_sql 10 "SELECT status FROM commands WHERE identity = 'carol'" cancelled ||
    fail "carol's row: $sql_got"
expect_match "carol: row" "cancelled|denied after reload: *Deny fingerprint $fpc*" \
    "$(sql "SELECT status, reason FROM commands WHERE identity = 'carol'")"
expect_eq "carol: logged once" 1 "$(grep -c "as carol: denied after reload" "$log")"
out=$(tls alice -n 'echo still')
expect_eq "alice after the Deny" still "$out"

# dave at an interactive prompt, between commands; a Deny by his name,
# then SIGHUP: the connection is closed with the ERROR, and rcmd says so
# and exits.
client dave
mkfifo "$dir/dave.in" || fail "mkfifo"
# Open for both, so that neither open waits for the other side.
exec 3<>"$dir/dave.in"
# Not through rcmd_bg: sh gives a background command /dev/null for stdin
# unless the command itself redirects it.
"$RCMD" -p "$port" --cert "$c/dave.pem" --key "$c/dave.key" --ca "$c/ca.pem" \
    127.0.0.1 <"$dir/dave.in" >"$dir/dave.out" 2>"$dir/dave.err" &
dave=$!
track "$dave"
echo 'echo prompt' >&3
wait_sql 10 "SELECT status FROM commands WHERE identity = 'dave'" exited ||
    fail "dave's prompt did not run: $sql_got"
write_config "$tlsconf" "$tlsconf2" "$tlsconf3" "TLSCRL $dir/crl.pem" \
    "ControlSocket $ctl" "Deny fingerprint $fpc" "Deny dave" "Allow *"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "as dave: denied after reload" "$log" ||
    fail "dave's connection was not ended"
echo 'echo after' >&3
# A third line: the ERROR, read as the answer to "echo after", must end
# the session rather than bring the prompt back on a closed connection.
echo 'echo third' >&3
exec 3>&-
wait "$dave"
expect_eq "dave: status" 255 "$?"
expect_eq "dave: output" prompt "$(cat "$dir/dave.out")"
expect_eq "dave: one message" 1 "$(wc -l <"$dir/dave.err")"
expect_match "dave: message" \
    "rcmd: *denied after reload: dave from 127.0.0.1 is denied by $conf:*: Deny dave*" \
    "$(cat "$dir/dave.err")"
expect_log "dave: log" "as dave: denied after reload: dave from 127.0.0.1 is denied by $conf:"
wait_sql 5 "SELECT count(*) FROM commands WHERE identity = 'dave'" 2 ||
    fail "dave: rows: $sql_got"
expect_match "dave: rows" "exited|-
denied|denied after reload: dave from 127.0.0.1 is denied by $conf:*: Deny dave" \
    "$(sql "SELECT status, ifnull(reason, '-') FROM commands
        WHERE identity = 'dave' ORDER BY id")"

# A bad CRL on reload: the running configuration stays (--reload says so).
echo "not a CRL" >"$dir/bad.pem"
crl "$dir/other.pem" other-ca --
crl "$dir/expired.pem" ca -crl_lastupdate 20200101000000Z \
    -crl_nextupdate 20200201000000Z --

# bad_crl NAME: what rcmdd says of the bad CRL NAME (a glob).
bad_crl() {
	case $1 in
	bad)	echo "TLSCRL $dir/bad.pem: no CRL in the file: *" ;;
	other)	echo "TLSCRL $dir/other.pem: a CRL from *unrelated test CA* is not signed by a CA of TLSClientCA: *" ;;
	expired) echo "TLSCRL $dir/expired.pem: the CRL from *rcmdd test CA* expired on 2020-02-01 *" ;;
	esac
}
for bad in bad other expired; do
	write_config "$tlsconf" "$tlsconf2" "$tlsconf3" \
	    "TLSCRL $dir/$bad.pem" "ControlSocket $ctl" "Allow *"
	"$RCMDD" -c "$conf" --reload >"$dir/c.out" 2>"$dir/c.err"
	expect_eq "--reload, $bad CRL: status" 1 "$?"
	expect_match "--reload, $bad CRL: message" \
	    "rcmdd: $(bad_crl $bad); the running configuration is kept" \
	    "$(cat "$dir/c.err")"
done
tls bob -n true >/dev/null 2>&1
expect_eq "bob after the bad reloads" 255 "$?"
out=$(tls alice -n 'echo still')
expect_eq "alice after the bad reloads" still "$out"
stop_daemon

# A bad CRL at start-up: rcmdd refuses to start, and says why.
for bad in bad other expired; do
	write_config "$tlsconf" "$tlsconf2" "$tlsconf3" \
	    "TLSCRL $dir/$bad.pem" "Allow *"
	"$RCMDD" -f -c "$conf" </dev/null >"$dir/s.out" 2>"$dir/s.err"
	expect_eq "start-up, $bad CRL: status" 1 "$?"
	expect_match "start-up, $bad CRL: message" "rcmdd: $(bad_crl $bad)" \
	    "$(cat "$dir/s.err")"
done

# A chain: an intermediate CA signs erin's certificate, and TLSClientCA
# holds both CAs. With a CRL from the root alone, erin's issuer has none
# and she is refused; with one from each CA the whole chain is checked,
# and the root's revoking the intermediate refuses her.
cert inter "inter CA" ca \
    'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign'
cert erin erin inter \
    'keyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth'
cat "$c/ca.pem" "$c/inter.pem" >"$c/both.pem"
crl "$dir/root.pem" ca --
crl "$dir/inter-crl.pem" inter --
crl "$dir/root-revokes.pem" ca -- inter
for case in "root.pem:unable to get certificate CRL" \
    "root.pem inter-crl.pem:" \
    "root-revokes.pem inter-crl.pem:certificate revoked: serial $(serial inter), *CN=inter CA*"; do
	files=${case%%:*}
	want=${case#*:}
	(cd "$dir" && cat $files) >"$dir/chain.pem"
	write_config "$tlsconf" "$tlsconf2" "TLSClientCA $c/both.pem" \
	    "TLSCRL $dir/chain.pem" "Allow *"
	# A database of its own, with only this case's rows.
	rm -f "$db" "$db-wal" "$db-shm"
	start_daemon
	out=$(tls erin -n 'echo erin' 2>"$dir/err")
	rc=$?
	if [ -z "$want" ]; then
		expect_eq "erin, CRLs $files: status" 0 "$rc"
		expect_eq "erin, CRLs $files: output" erin "$out"
	else
		expect_eq "erin, CRLs $files: status" 255 "$rc"
		wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'denied'
		    AND reason LIKE 'client certificate refused: %'" 1 ||
		    fail "erin, CRLs $files: no denied row"
		expect_match "erin, CRLs $files: row" \
		    "client certificate refused: $want" \
		    "$(sql "SELECT reason FROM commands WHERE status = 'denied'")"
	fi
	stop_daemon
done
exit 0
