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

# A host whose connect is never answered: in a network namespace of its
# own, with only loopback, rcmd connects to an address that is routed to
# loopback but is not local there, so that the namespace drops every
# packet to it. rcmd gives up after the connect limit of 10 s, exits 255
# and says that connecting timed out, naming the host and the port.
#
# Skipped (exit 77, with the reason) where the namespace cannot be made:
# this needs root, unshare(1) and ip(8).

. "$(dirname "$0")/lib.sh"

skip() {
	say "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "making a network namespace needs root"
command -v unshare >/dev/null 2>&1 ||
    skip "unshare(1) is not installed (apt-get install util-linux)"
command -v ip >/dev/null 2>&1 ||
    skip "ip(8) is not installed (apt-get install iproute2)"
unshare -n sh -c 'ip link set lo up' 2>"$dir/ip.err" ||
    skip "cannot make a network namespace: $(cat "$dir/ip.err")"

make_certs
t0=$(now_ms)
# shellcheck disable=SC2016
timeout -s KILL 30 unshare -n sh -c '
	ip link set lo up &&
	    ip route add 10.213.99.0/24 dev lo || exit 99
	exec "$@"' sh "$RCMD" --cert "$certs/alice.pem" \
    --key "$certs/alice.key" --ca "$certs/ca.pem" -p 7514 10.213.99.2 -n true \
    >"$dir/out" 2>"$dir/err"
rc=$?
t1=$(now_ms)
[ "$rc" -ne 99 ] || fail "cannot set up the route: $(cat "$dir/err")"
expect_eq "status" 255 "$rc"
expect_eq "message" "rcmd: connecting to 10.213.99.2 port 7514 timed out after 10 s" \
    "$(cat "$dir/err")"
expect_ge "ms until rcmd gives up" $((t1 - t0)) 9500
expect_le "ms until rcmd gives up" $((t1 - t0)) 20000
