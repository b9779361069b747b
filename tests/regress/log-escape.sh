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

# The name a client gives in HELLO, and the CN of its certificate, reach
# the debug log and the audit log with every control character escaped (C
# escapes such as \r and \n, other bytes that are not printable ASCII as
# three octal digits, a backslash doubled), so that a name with CR, LF,
# BEL, BS, TAB and ESC cannot split a log line or drive a terminal.

. "$(dirname "$0")/lib.sh"

start_daemon -v
# "RCMD", version 1, flags 0, then the name: ev CR LF il BEL BS TAB
# ESC [31m \ é
name=6576
name=${name}0d0a696c070809
name=${name}1b5b33316d5cc3a9
raw frame="0x01:52434d4400010000$name" expect=HELLO \
    exec='true' eof expect=EXIT >"$dir/out" ||
    fail "rawclient: $(cat "$dir/out")"
escaped='ev\r\nil\a\b\t\033[31m\\\303\251'
expect_sql "client_name" "SELECT client_name FROM commands" "$escaped"
wait_for 5 grep -q "HELLO from" "$log" || fail "no HELLO line in the log"
grep -F -- "HELLO from 127.0.0.1:" "$log" | grep -F -q -- "($escaped)" ||
    fail "the HELLO log line does not end with ($escaped)"
# One line, and no control character anywhere in the log.
expect_eq "HELLO lines" 1 "$(grep -c "HELLO from" "$log")"
if LC_ALL=C grep -q '[[:cntrl:]]' "$log"; then
	fail "a control character reached the log:" \
	    "$(LC_ALL=C grep -n '[[:cntrl:]]' "$log" | od -c | head -n 5)"
fi
stop_daemon

# A certificate whose CN holds CR, LF, BEL and ESC.
make_certs
c=$certs
printf 'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\n' \
    >"$c/evil.ext"
{
	"$OPENSSL" genpkey -algorithm EC \
	    -pkeyopt ec_paramgen_curve:P-256 -out "$c/evil.key" &&
	"$OPENSSL" req -new -utf8 -key "$c/evil.key" \
	    -out "$c/evil.csr" \
	    -subj "/O=rcmdd tests/CN=$(printf 'ev\r\nil\a\033[31m')" &&
	"$OPENSSL" x509 -req -in "$c/evil.csr" -CA "$c/ca.pem" \
	    -CAkey "$c/ca.key" -CAcreateserial -days 2 \
	    -extfile "$c/evil.ext" -out "$c/evil.pem"
} >"$dir/openssl.log" 2>&1 || fail "openssl: $(cat "$dir/openssl.log")"
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem"
: >"$log"
rm -f "$db" "$db-wal" "$db-shm"
start_daemon -v
expect_eq "a command with the certificate" "ok" \
    "$(rcmd -n --cert "$c/evil.pem" --key "$c/evil.key" --ca "$c/ca.pem" \
    echo ok 2>&1)"
cn='ev\r\nil\a\033[31m'
expect_sql "identity" "SELECT identity FROM commands" "$cn"
grep -F -- "TLS from 127.0.0.1:" "$log" | grep -F -q -- " as $cn (" ||
    fail "the TLS log line does not name the CN as $cn"
if LC_ALL=C grep -q '[[:cntrl:]]' "$log"; then
	fail "a control character reached the log:" \
	    "$(LC_ALL=C grep -n '[[:cntrl:]]' "$log" | od -c | head -n 5)"
fi
stop_daemon
