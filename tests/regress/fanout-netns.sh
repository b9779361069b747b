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

# rcmd's fan-out over real links: three rcmdd, each in a network namespace
# of its own that this test makes, joined to this one by a veth pair with
# addresses of 10.213.K.0/24, speaking TLS (they listen beyond loopback).
# A command runs on all three, and one host is cut off (its link set down)
# while the command runs: the other two hosts' outputs are whole and
# prefixed, the cut-off host is reported as timed out, the exit status is
# 124, and each daemon's audit log holds exactly the one command it ran.
#
# Skipped (exit 77, with the reason) where namespaces cannot be made: this
# needs root and ip(8) from iproute2.

. "$(dirname "$0")/lib.sh"

skip() {
	say "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] ||
    skip "making network namespaces needs root"
command -v ip >/dev/null 2>&1 ||
    skip "ip(8) is not installed (apt-get install iproute2)"

# Names that hold this test's PID, so that two runs never meet.
ns_prefix=rcmdfo$$
links=
namespaces=

# Remove the namespaces and links this test made; the daemons in them are
# ended by lib_cleanup, by PID.
netns_cleanup() {
	for _nc_l in $links; do
		ip link del "$_nc_l" 2>/dev/null
	done
	for _nc_n in $namespaces; do
		ip netns del "$_nc_n" 2>/dev/null
	done
}
trap '_fo_rc=$?; netns_cleanup; (exit $_fo_rc); lib_cleanup' EXIT

ip netns add "${ns_prefix}x" 2>"$dir/ip.err" ||
    skip "ip netns add failed: $(cat "$dir/ip.err")"
ip netns del "${ns_prefix}x"
# A container may let us make a namespace but not a link (no CAP_NET_ADMIN
# over the host's network): try the veth pair this test needs, too.
ip link add "rf$$x" type veth peer name "rf$$xp" 2>"$dir/ip.err" ||
    skip "ip link add (veth) failed: $(cat "$dir/ip.err")"
ip link del "rf$$x"

sans=
for k in 1 2 3; do
	ns=$ns_prefix$k
	link=rf$$h$k
	ip netns add "$ns" || fail "ip netns add $ns failed"
	namespaces="$namespaces $ns"
	ip link add "$link" type veth peer name "${link}p" ||
	    fail "ip link add $link failed"
	links="$links $link"
	ip link set "${link}p" netns "$ns" &&
	    ip addr add "10.213.$k.1/24" dev "$link" &&
	    ip link set "$link" up &&
	    ip -n "$ns" addr add "10.213.$k.2/24" dev "${link}p" &&
	    ip -n "$ns" link set "${link}p" up &&
	    ip -n "$ns" link set lo up ||
	    fail "cannot set up the link to $ns"
	sans="$sans${sans:+,}IP:10.213.$k.2"
done
make_certs "$sans"
tls="--cert $certs/alice.pem --key $certs/alice.key --ca $certs/ca.pem"

hosts=
for k in 1 2 3; do
	db=$dir/audit$k.db
	write_config "TLSCertificate $certs/server.pem" \
	    "TLSKey $certs/server.key" "TLSClientCA $certs/ca.pem" \
	    "Allow alice"
	RCMDD_WRAPPER="ip netns exec $ns_prefix$k" start_daemon \
	    -l "10.213.$k.2"
	hosts="$hosts${hosts:+,}10.213.$k.2:$port"
	eval "host$k=10.213.$k.2:\$port"
done
RCMDD_WRAPPER=

# fanout OPTION...: run rcmd, output in $dir/out and $dir/err, status in rc.
fanout() {
	rc=0
	# shellcheck disable=SC2086
	timeout -s KILL 60 "$RCMD" $tls "$@" >"$dir/out" 2>"$dir/err" || rc=$?
}

# Every host answers over its own link, with its own address.
fanout -H "$hosts" 'echo hello'
expect_eq "status, all up" 0 "$rc"
expect_eq "output, all up" "$host1: hello $host2: hello $host3: hello" \
    "$(sort "$dir/out" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "summary, all up" "rcmd: 3 hosts: 3 ok" "$(cat "$dir/err")"

# Cut the third host off once its command runs: its EXIT never comes.
rcmd_start=$(now_ms)
# shellcheck disable=SC2086
timeout -s KILL 60 "$RCMD" $tls -t 3 -H "$hosts" \
    'echo begin; sleep 2; echo end' >"$dir/out" 2>"$dir/err" &
rpid=$!
track "$rpid"
running() {
	[ "$("$SQLITE3" "$dir/audit3.db" \
	    "select count(*) from commands where command like 'echo begin%'" \
	    2>/dev/null)" = 1 ]
}
wait_for 10 running || fail "the third host never ran the command"
ip link set "rf$$h3" down || fail "cannot cut the third host off"
rc=0
wait "$rpid" || rc=$?
took=$(($(now_ms) - rcmd_start))
expect_eq "status, one cut off" 124 "$rc"
expect_le "milliseconds with one cut off" "$took" 15000
for k in 1 2; do
	eval "h=\$host$k"
	expect_eq "$h's output" "$h: begin $h: end" \
	    "$(grep -F "$h: " "$dir/out" | tr '\n' ' ' | sed 's/ $//')"
done
grep -qv -e "^$host1: " -e "^$host2: " -e "^$host3: begin\$" "$dir/out" &&
    fail "output from nowhere: $(cat "$dir/out")"
expect_eq "summary, one cut off" \
    "rcmd: 3 hosts: 2 ok, 1 timed out ($host3: no answer)" \
    "$(tail -n 1 "$dir/err")"

# Each audit log holds its two commands, from this side of its link.
for k in 1 2 3; do
	expect_eq "daemon$k's audit" \
	    "echo hello|10.213.$k.1|alice echo begin; sleep 2; echo end|10.213.$k.1|alice" \
	    "$("$SQLITE3" "$dir/audit$k.db" "select command || '|' || client_addr || '|' || identity from commands order by id" | tr '\n' ' ' | sed 's/ $//')"
done
