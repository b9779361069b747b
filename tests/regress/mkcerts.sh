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

# mkcerts.sh DIR [SAN,...]: make the TLS test certificates in DIR (which
# must exist) with nothing but the openssl command, in well under a second.
# The server's certificate also names the extra subject alternative names
# given, written as openssl writes them (IP:10.0.0.2,DNS:web1), for servers
# beyond loopback. Every key is EC P-256. In DIR afterwards:
#
#   ca.pem ca.key                 the test CA
#   other-ca.pem other-ca.key     an unrelated CA
#   server.pem server.key         the server, signed by the CA, for
#                                 IP:127.0.0.1, IP:::1 and DNS:localhost
#                                 and the extra names
#   alice.pem alice.key           client CN=alice, signed by the CA
#   mallory.pem mallory.key       client CN=mallory, signed by the CA
#   stranger.pem stranger.key     client CN=stranger, signed by the other CA
#   deploy-bot, nagios, ops-kim   clients of those CNs, signed by the CA,
#                                 for the rules' examples (.pem, .key)
#   expired.pem expired.key       client CN=expired, signed by the CA,
#                                 valid in 2020 only
#
# Keys are mode 0600. It prints nothing unless something fails, and then
# exits 1 with openssl's own message.

set -u

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -d "$1" ]; then
	echo "usage: mkcerts.sh DIR [SAN,...] (DIR an existing folder)" >&2
	exit 1
fi
d=$1
extra_san=${2:+, $2}
: "${OPENSSL:=openssl}"
umask 077

# run COMMAND...: run openssl quietly; on failure show what it said.
run() {
	if ! "$OPENSSL" "$@" >"$d/mkcerts.log" 2>&1; then
		echo "mkcerts.sh: openssl $1 failed:" >&2
		cat "$d/mkcerts.log" >&2
		exit 1
	fi
}

# key NAME: a P-256 key in NAME.key.
key() {
	run genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$d/$1.key"
}

# ca NAME CN: a self-signed CA certificate in NAME.pem.
ca() {
	key "$1"
	run req -new -x509 -key "$d/$1.key" -out "$d/$1.pem" -days 3650 \
	    -subj "/O=rcmdd tests/CN=$2" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign
}

# leaf NAME CN CA EXTFILE: a certificate for NAME.key, signed by CA.
leaf() {
	key "$1"
	run req -new -key "$d/$1.key" -out "$d/$1.csr" \
	    -subj "/O=rcmdd tests/CN=$2"
	run x509 -req -in "$d/$1.csr" -CA "$d/$3.pem" -CAkey "$d/$3.key" \
	    -CAcreateserial -days 825 -extfile "$d/$4" -out "$d/$1.pem"
	rm -f "$d/$1.csr"
}

cat >"$d/server.ext" <<EOF
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost$extra_san
EOF
cat >"$d/client.ext" <<EOF
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF

ca ca "rcmdd test CA"
ca other-ca "unrelated test CA"
leaf server localhost ca server.ext
leaf alice alice ca client.ext
leaf mallory mallory ca client.ext
leaf stranger stranger other-ca client.ext
leaf deploy-bot deploy-bot ca client.ext
leaf nagios nagios ca client.ext
leaf ops-kim ops-kim ca client.ext

# openssl x509 of 3.0 cannot date a certificate in the past, but openssl ca
# takes -startdate and -enddate; it needs a configuration and a database.
mkdir "$d/ca.db" || exit 1
: >"$d/ca.db/index.txt"
echo 1000 >"$d/ca.db/serial"
cat >"$d/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
dir = $d/ca.db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $d/ca.pem
private_key = $d/ca.key
default_md = sha256
policy = anything
copy_extensions = none
unique_subject = no
[anything]
organizationName = optional
commonName = supplied
EOF
key expired
run req -new -key "$d/expired.key" -out "$d/expired.csr" \
    -subj "/O=rcmdd tests/CN=expired"
run ca -batch -notext -config "$d/ca.cnf" -extfile "$d/client.ext" \
    -startdate 20200101000000Z -enddate 20201231235959Z \
    -in "$d/expired.csr" -out "$d/expired.pem"
rm -rf "$d/expired.csr" "$d/ca.db" "$d/ca.cnf" "$d/server.ext" \
    "$d/client.ext" "$d/ca.srl" "$d/other-ca.srl" "$d/mkcerts.log"
chmod 644 "$d"/*.pem
exit 0
