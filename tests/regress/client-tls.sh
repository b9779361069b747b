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


# rcmd over TLS 1.3, against openssl s_server on a free loopback port: it
# runs a command when the server's certificate verifies against --ca for
# the address or name given (and the server accepts the client's), and
# otherwise exits 255 saying why: the server's certificate is from another
# CA or for another address, the server speaks only TLS 1.2, the server
# refuses the client certificate (another CA, expired), or the server
# wants TLS and rcmd spoke plain TCP. The protocol runs unchanged inside
# TLS: s_server plays back the frames of a server that ran a command and
# exited 3.

. "$(dirname "$0")/lib.sh"

make_certs

# HELLO, STARTED (audit id 7), STDOUT "hello over tls\n", EXIT code 3.
printf '\000\000\000\021\201RCMD\000\001\000\000s_server' >"$dir/frames"
printf '\000\000\000\011\202\000\000\000\000\000\000\000\007' >>"$dir/frames"
printf '\000\000\000\020\203hello over tls\n' >>"$dir/frames"
printf '\000\000\000\026\205\000\000\000\000\003' >>"$dir/frames"
printf '\000\000\000\000\000\000\003\350\000\000\000\000\000\000\000\007' \
    >>"$dir/frames"

# tls_server ADDRESS [OPTION...]: start s_server for one connection on a
# free port of ADDRESS, with the server certificate, asking for a client
# certificate signed by the CA; sets spid and sport.
tls_server() {
	_ts_addr=$1
	shift
	rm -f "$dir/s_out"
	"$OPENSSL" s_server -ign_eof -naccept 1 -accept "$_ts_addr:0" \
	    -cert "$certs/server.pem" -key "$certs/server.key" \
	    -CAfile "$certs/ca.pem" -Verify 1 -verify_return_error "$@" \
	    <"$dir/frames" >"$dir/s_out" 2>"$dir/s_err" &
	spid=$!
	track "$spid"
	wait_for 10 grep -q '^ACCEPT' "$dir/s_out" ||
	    fail "openssl s_server did not start: $(cat "$dir/s_err")"
	sport=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$dir/s_out")
	expect_match "s_server's port" "[1-9]*" "$sport"
}

# tls_rcmd HOST [OPTION...]: run rcmd -n against the server, then let
# the server end (it serves one connection) and flush what it prints, or
# stop it after 5 s; sets rc, with the output in $dir/out and $dir/err.
tls_rcmd() {
	_tr_host=$1
	shift
	timeout -s KILL 20 "$RCMD" -n -p "$sport" "$@" "$_tr_host" 'echo hi' \
	    >"$dir/out" 2>"$dir/err"
	rc=$?
	wait_for 5 tls_server_gone || kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
}

# Has s_server exited?
tls_server_gone() {
	! proc_alive "$spid"
}

alice="--cert $certs/alice.pem --key $certs/alice.key --ca $certs/ca.pem"

# The good case, by address and by name (SNI and DNS:localhost).
tls_server 127.0.0.1
tls_rcmd 127.0.0.1 $alice
expect_eq "alice: status" 3 "$rc"
expect_eq "alice: stdout" "hello over tls" "$(cat "$dir/out")"
expect_eq "alice: stderr" "" "$(cat "$dir/err")"
grep -q 'CN = alice' "$dir/s_err" ||
    fail "s_server did not see alice's certificate: $(cat "$dir/s_err")"

# A minimal system may have no /etc/hosts, and then no name for loopback.
if getent hosts localhost >/dev/null 2>&1; then
	tls_server 127.0.0.1 -servername localhost \
	    -cert2 "$certs/server.pem" -key2 "$certs/server.key"
	tls_rcmd localhost $alice
	expect_eq "localhost: status" 3 "$rc"
	expect_eq "localhost: stdout" "hello over tls" "$(cat "$dir/out")"
	grep -q 'Hostname in TLS extension: "localhost"' "$dir/s_out" ||
	    fail "localhost: rcmd sent no SNI: $(cat "$dir/s_out")"
else
	say "skipped the case by name: localhost does not resolve here" \
	    "(no /etc/hosts?)"
fi

# IPv6, where this machine has it: the certificate has IP:::1.
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 \
    2>/dev/null; then
	tls_server '[::1]'
	tls_rcmd '[::1]' $alice
	expect_eq "::1: status" 3 "$rc"
	expect_eq "::1: stderr" "" "$(cat "$dir/err")"
else
	say "no IPv6 loopback address ::1: its case is left out"
fi

# The default files, under XDG_CONFIG_HOME and then under HOME.
mkdir -p "$dir/xdg/rcmd" "$dir/home/.config/rcmd"
for d in "$dir/xdg/rcmd" "$dir/home/.config/rcmd"; do
	cp "$certs/alice.pem" "$d/cert.pem"
	cp "$certs/alice.key" "$d/key.pem"
	cp "$certs/ca.pem" "$d/ca.pem"
done
tls_server 127.0.0.1
XDG_CONFIG_HOME=$dir/xdg tls_rcmd 127.0.0.1
expect_eq "XDG_CONFIG_HOME: status" 3 "$rc"
expect_eq "XDG_CONFIG_HOME: stderr" "" "$(cat "$dir/err")"
tls_server 127.0.0.1
(unset XDG_CONFIG_HOME; HOME=$dir/home tls_rcmd 127.0.0.1; exit "$rc")
expect_eq "HOME: status" 3 "$?"
expect_eq "HOME: stderr" "" "$(cat "$dir/err")"
grep -q 'CN = alice' "$dir/s_err" ||
    fail "HOME: s_server did not see alice's certificate"

# The server's certificate is signed by a CA that --ca is not.
tls_server 127.0.0.1
tls_rcmd 127.0.0.1 --cert "$certs/alice.pem" --key "$certs/alice.key" \
    --ca "$certs/other-ca.pem"
expect_eq "other CA: status" 255 "$rc"
expect_eq "other CA: message" "rcmd: cannot verify the certificate of 127.0.0.1: self-signed certificate in certificate chain; is $certs/other-ca.pem (--ca) the CA that signed it?" \
    "$(cat "$dir/err")"
expect_eq "other CA: stdout" "" "$(cat "$dir/out")"

# The certificate is for 127.0.0.1, ::1 and localhost, not 127.0.0.2.
tls_server 127.0.0.2
tls_rcmd 127.0.0.2 $alice
expect_eq "address mismatch: status" 255 "$rc"
expect_eq "address mismatch: message" "rcmd: cannot verify the certificate of 127.0.0.2: IP address mismatch; it is not issued for 127.0.0.2: connect to a name or address in its subjectAltName" \
    "$(cat "$dir/err")"

# A server that speaks TLS 1.2 at most.
tls_server 127.0.0.1 -tls1_2
tls_rcmd 127.0.0.1 $alice
expect_eq "TLS 1.2: status" 255 "$rc"
expect_eq "TLS 1.2: message" "rcmd: 127.0.0.1 refused the TLS handshake: it does not speak TLS 1.3, which rcmd requires" \
    "$(cat "$dir/err")"

# The server refuses a client certificate from another CA, and an expired
# one; in TLS 1.3 rcmd learns it from the alert on its first read.
tls_server 127.0.0.1
tls_rcmd 127.0.0.1 --cert "$certs/stranger.pem" --key "$certs/stranger.key" \
    --ca "$certs/ca.pem"
expect_eq "stranger: status" 255 "$rc"
expect_eq "stranger: message" "rcmd: 127.0.0.1 refused the TLS handshake: it does not trust the CA that signed the client certificate $certs/stranger.pem; use a certificate signed by the CA in its TLSClientCA" \
    "$(cat "$dir/err")"

tls_server 127.0.0.1
tls_rcmd 127.0.0.1 --cert "$certs/expired.pem" --key "$certs/expired.key" \
    --ca "$certs/ca.pem"
expect_eq "expired: status" 255 "$rc"
expect_eq "expired: message" "rcmd: 127.0.0.1 refused the TLS handshake: the client certificate $certs/expired.pem has expired (valid until Dec 31 23:59:59 2020 GMT); get a new one" \
    "$(cat "$dir/err")"

# Plain TCP to a server that wants TLS: it hangs up on the HELLO.
tls_server 127.0.0.1
tls_rcmd 127.0.0.1 --no-tls
expect_eq "plain: status" 255 "$rc"
expect_eq "plain: message" "rcmd: connection closed by 127.0.0.1 port $sport during the handshake: does it require TLS? (give --cert, --key and --ca)" \
    "$(cat "$dir/err")"
