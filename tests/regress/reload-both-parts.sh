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
# rcmdd --reload's verdict is both parts': a configuration that one part
# cannot take is taken by neither. The privileged part loads a
# TLSClientCA bundle of 100 KiB and a certificate with a chain of 40 KiB
# from their files, but cannot hand them to the network part, which reads
# no file (a reload's message carries 128 KiB): --reload fails saying so, the log says the running configuration
# is kept, and both parts go on with it (the network part's
# CommandTimeout and the privileged part's Lang, in the command's
# environment, are the old ones). Then a configuration both take:
# --reload says ok, and both parts use it. Last, the network part dies
# before it answers: --reload says so, and nothing was taken.

. "$(dirname "$0")/lib.sh"

make_certs
c=$certs
ctl=$dir/control.sock
# tls_config CERT CA TIMEOUT LANG: the configuration, with those files.
tls_config() {
	write_config "TLSCertificate $1" "TLSKey $c/server.key" \
	    "TLSClientCA $2" "Allow alice" "ControlSocket $ctl" \
	    "CommandTimeout $3" "Lang $4" "LogLevel debug"
}
# grow FILE BYTES PEM: append PEM to FILE until it has BYTES.
grow() {
	_i=0
	while [ "$(wc -c <"$1")" -lt "$2" ] && [ $_i -lt 1000 ]; do
		cat "$3" >>"$1"
		_i=$((_i + 1))
	done
}
tls() {
	rcmd --cert "$c/alice.pem" --key "$c/alice.key" --ca "$c/ca.pem" "$@"
}
reload() {
	crc=0
	"$RCMDD" -c "$conf" --reload >"$dir/c.out" 2>"$dir/c.err" || crc=$?
}

tls_config "$c/server.pem" "$c/ca.pem" 60 C
start_daemon

# A CA bundle of 100 KiB (the CA, then copies of a certificate) and a
# certificate with a 40 KiB chain: each fits, both do not.
cp "$c/ca.pem" "$dir/bundle.pem"
grow "$dir/bundle.pem" 102400 "$c/alice.pem"
cp "$c/server.pem" "$dir/chain.pem"
grow "$dir/chain.pem" 40960 "$c/ca.pem"
tls_config "$dir/chain.pem" "$dir/bundle.pem" 1 POSIX
reload
expect_eq "--reload of a bundle too large to send: status" 1 "$crc"
expect_match "--reload of a bundle too large to send: why" \
    "rcmdd: the configuration and TLS files are * bytes, more than the 131072 that rcmdd reloads (restart it); the running configuration is kept" \
    "$(cat "$dir/c.err")"
expect_log "kept" "more than the 131072 that rcmdd reloads (restart it); keeping the running configuration"
if grep -q "configuration reloaded" "$log"; then
	fail "rcmdd logs a reload that one of its parts did not take"
fi
out=$(tls -n 'echo "$LANG"; sleep 2')
expect_eq "after the refused reload: status under the old timeout" 0 "$?"
expect_eq "after the refused reload: the old Lang" "C" "$out"

# A configuration both parts take.
tls_config "$c/server.pem" "$c/ca.pem" 1 POSIX
reload
expect_eq "--reload: status" 0 "$crc"
expect_eq "--reload: message" "" "$(cat "$dir/c.err")"
expect_log "reloaded" "SIGHUP: configuration reloaded from $conf"
out=$(tls -n 'echo "$LANG"; sleep 3')
expect_eq "after the reload: status under the new timeout" 124 "$?"
expect_eq "after the reload: the new Lang" "POSIX" "$out"
tls -n true || fail "rcmdd no longer serves after the reloads"

# The network part dies with the configuration sent and not answered.
netpid=$(ps --ppid "$daemon_pid" -o pid=,comm= |
    awk '$2 == "rcmdd" { print $1 }')
[ -n "$netpid" ] || fail "no network part under rcmdd's pid $daemon_pid"
track "$netpid"
kill -STOP "$netpid"
sent=$(grep -c "the network part checks the configuration" "$log")
tls_config "$c/server.pem" "$c/ca.pem" 60 C
"$RCMDD" -c "$conf" --reload >"$dir/c.out" 2>"$dir/c.err" &
rpid=$!
sent_more() {
	[ "$(grep -c "the network part checks the configuration" "$log")" \
	    -gt "$sent" ]
}
wait_for 5 sent_more || fail "the reload was not sent"
kill -KILL "$netpid"
crc=0
wait "$rpid" || crc=$?
expect_eq "--reload as the network part dies: status" 1 "$crc"
expect_eq "--reload as the network part dies: why" \
    "rcmdd: the network part cannot apply the configuration: the network part of rcmdd ended; the running configuration is kept" \
    "$(cat "$dir/c.err")"
wait_daemon_exit 10 || fail "rcmdd did not exit after its network part died"
