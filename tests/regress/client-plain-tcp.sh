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

# Without TLS files, rcmd speaks plain TCP to loopback only, as rcmdd
# accepts it there only: to any other address it refuses before it
# connects, and says how to set up TLS; --no-tls and fan-out too. The
# refusals run in an empty network namespace (unshare -n), so that even a
# broken rcmd could send nothing anywhere, and under strace, which shows
# that no connect was made. A name for loopback (localhost), 127.0.0.1
# with --no-tls and ::ffff:127.0.0.1 still reach the daemon. Skipped,
# saying so, without unshare -n.

. "$(dirname "$0")/lib.sh"

unshare -n true 2>"$dir/unshare.err" || {
	echo "client-plain-tcp: SKIP: needs unshare -n (an empty network" \
	    "namespace): $(cat "$dir/unshare.err")" >&2
	exit 77
}
use_strace=
command -v strace >/dev/null 2>&1 && strace -o /dev/null true 2>/dev/null &&
    use_strace=1

tls_hint="set up TLS: give --cert, --key and --ca, or put cert.pem, key.pem and ca.pem in \${XDG_CONFIG_HOME:-~/.config}/rcmd/ (--no-tls is for a loopback rcmdd only)"

# refused WHAT ADDRESS [OPTION...]: rcmd ADDRESS true, in an empty network
# namespace, exits 255 with the message and connects nowhere.
refused() {
	_r_what=$1
	_r_addr=$2
	shift 2
	rm -f "$dir/trace"
	if [ -n "$use_strace" ]; then
		# LeakSanitizer cannot run under ptrace, and would fail rcmd.
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		    timeout -s KILL 20 unshare -n strace -f -qq \
		    -e trace=connect -o "$dir/trace" "$RCMD" "$@" "$_r_addr" \
		    true >"$dir/out" 2>"$dir/err"
	else
		timeout -s KILL 20 unshare -n "$RCMD" "$@" "$_r_addr" true \
		    >"$dir/out" 2>"$dir/err"
	fi
	expect_eq "$_r_what: status" 255 "$?"
	expect_eq "$_r_what: message" "rcmd: refusing plain TCP to $_r_addr: rcmdd accepts plain TCP on loopback only, so commands and their output never cross the network in clear; $tls_hint" \
	    "$(cat "$dir/err")"
	if [ -n "$use_strace" ] && grep -q connect "$dir/trace"; then
		fail "$_r_what: rcmd called connect: $(cat "$dir/trace")"
	fi
}

refused "an IPv4 address" 192.0.2.1
refused "with --no-tls" 192.0.2.1 --no-tls
refused "with -n and -p" 192.0.2.1 -n -p 7514
refused "an IPv6 address" 2001:db8::1
refused "a v4-mapped address" ::ffff:192.0.2.1

# Fan-out refuses such a host, and runs on the others.
start_daemon
timeout -s KILL 20 unshare -n "$RCMD" -H 192.0.2.1 true >"$dir/out" \
    2>"$dir/err"
expect_eq "fan-out: status" 255 "$?"
expect_eq "fan-out: messages" "rcmd: 192.0.2.1: refusing plain TCP to 192.0.2.1: rcmdd accepts plain TCP on loopback only, so commands and their output never cross the network in clear; $tls_hint
rcmd: 1 host: 1 refused (192.0.2.1: plain TCP beyond loopback: set up TLS)" \
    "$(cat "$dir/err")"

# Loopback, by name or address, still works.
expect_eq "localhost" "ok" \
    "$("$RCMD" -n -p "$port" localhost echo ok 2>&1)"
expect_eq "--no-tls 127.0.0.1" "ok" \
    "$("$RCMD" -n --no-tls -p "$port" 127.0.0.1 echo ok 2>&1)"
expect_eq "::ffff:127.0.0.1" "ok" \
    "$("$RCMD" -n -p "$port" ::ffff:127.0.0.1 echo ok 2>&1)"
expect_eq "fan-out on localhost" "localhost:$port: ok" \
    "$("$RCMD" -H "localhost:$port" echo ok 2>/dev/null)"
stop_daemon
