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


# When rcmd speaks TLS, and what it says when its files are wrong. TLS is
# on for a TCP host when --cert, --key or --ca is given, or when cert.pem
# is in ${XDG_CONFIG_HOME:-~/.config}/rcmd/, and --no-tls turns it off;
# then all three files are needed, and a missing or unusable one is named
# with where it was looked for, before any connection: exit 255.

. "$(dirname "$0")/lib.sh"

make_certs
start_daemon
cfg=$XDG_CONFIG_HOME/rcmd

# try WHAT EXPECTED-MESSAGE [OPTION...]: rcmd fails with that message.
try() {
	_t_what=$1
	_t_msg=$2
	shift 2
	"$RCMD" -n -p "$port" "$@" 127.0.0.1 true >"$dir/out" 2>"$dir/err"
	expect_eq "$_t_what: status" 255 "$?"
	expect_eq "$_t_what: message" "$_t_msg" "$(cat "$dir/err")"
}

try "missing --key" \
    "rcmd: cannot read the client key $dir/nokey (--key): No such file or directory" \
    --cert "$certs/alice.pem" --key "$dir/nokey" --ca "$certs/ca.pem"

# --ca alone turns TLS on, and the other two are looked for by default.
try "--ca alone" \
    "rcmd: TLS needs a client certificate, and --cert was not given and $cfg/cert.pem is not there: give --cert FILE or put it there (or --no-tls for plain TCP to a loopback rcmdd)" \
    --ca "$certs/ca.pem"

try "--no-tls and --key" \
    "rcmd: --no-tls and --key contradict each other: give one or the other" \
    --no-tls --key "$certs/alice.key"

try "another's key" \
    "rcmd: the key $certs/mallory.key does not belong to the certificate $certs/alice.pem: give the key the certificate was made for" \
    --cert "$certs/alice.pem" --key "$certs/mallory.key" --ca "$certs/ca.pem"

printf 'not a certificate\n' >"$dir/junk.pem"
try "not PEM" \
    "rcmd: cannot load the client certificate $dir/junk.pem: no start line (it must be PEM, as openssl x509 writes it)" \
    --cert "$dir/junk.pem" --key "$certs/alice.key" --ca "$certs/ca.pem"

# Without any file, rcmd speaks plain TCP (as every other test shows);
# with a cert.pem in the default folder, TLS, and the key is looked for.
mkdir -p "$cfg"
cp "$certs/alice.pem" "$cfg/cert.pem"
try "default key" \
    "rcmd: TLS needs a client key, and --key was not given and $cfg/key.pem is not there: give --key FILE or put it there (or --no-tls for plain TCP to a loopback rcmdd)"

# All three there: TLS, to a daemon that speaks plain TCP.
cp "$certs/alice.key" "$cfg/key.pem"
cp "$certs/ca.pem" "$cfg/ca.pem"
try "TLS to plain" \
    "rcmd: 127.0.0.1 port $port does not answer in TLS: is rcmdd there set up with TLSCertificate? (give --no-tls for plain TCP to a loopback address)"

# --no-tls overrides the default files.
out=$("$RCMD" -n --no-tls -p "$port" 127.0.0.1 echo plain 2>&1)
expect_eq "--no-tls: status" 0 "$?"
expect_eq "--no-tls: output" "plain" "$out"
