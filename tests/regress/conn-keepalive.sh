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
# Dead peers are noticed: both ends of a connection probe it with TCP
# keepalives while a command is silent. rcmd (one host and fan-out) starts
# after 20 s and gives up about 35 s in; rcmdd starts after 60 s and gives
# up about two minutes in, so that a vanished client's command is stopped.
# Checked with ss(8), which shows each socket's keepalive timer. The
# listening socket's accept queue is 4096 deep (ss shows it as Send-Q),
# so that a burst of a thousand connections does not overflow it.

. "$(dirname "$0")/lib.sh"

command -v ss >/dev/null 2>&1 || {
	echo "keepalive: SKIP: ss(8) is not installed (iproute2)" >&2
	exit 77
}
write_config
start_daemon

backlog=$(ss -ltnH "( sport = :$port )" | awk '{ print $3 }')
expect_eq "accept queue" "$(($(cat /proc/sys/net/core/somaxconn) < 4096 ?
    $(cat /proc/sys/net/core/somaxconn) : 4096))" "$backlog"

# timers SIDE: the keepalive timers, in whole seconds, of the established
# connections whose SIDE (sport or dport) is rcmdd's port.
timers() {
	ss -tnoH state established "( $1 = :$port )" |
	    sed -n 's/.*timer:(keepalive,\([0-9]*\)\(\.[0-9]*\)*\(sec\|min\).*/\1 \3/p'
}

running() {
	[ "$(sql "SELECT count(*) FROM commands WHERE status = 'running'")" = 1 ]
}

for mode in single fanout; do
	if [ "$mode" = single ]; then
		rcmd_bg -n 'sleep 3'
		bg=$rcmd_pid
	else
		"$RCMD" -p "$port" -H 127.0.0.1 'sleep 3' >/dev/null &
		bg=$!
		track "$bg"
	fi
	wait_for 5 running || fail "$mode: the command did not start"
	# A timer shows once no data waits for its ACK.
	both() {
		client=$(timers dport)
		server=$(timers sport)
		[ -n "$client" ] && [ -n "$server" ]
	}
	wait_for 2 both || :
	say "$mode: client timer $client, server timer $server"
	case $client in
	1[0-9]\ sec|20\ sec)	;;
	*)	fail "$mode: rcmd's socket has no 20 s keepalive timer:" \
		    "\"$client\"" ;;
	esac
	case $server in
	[5-9][0-9]\ sec|1\ min)	;;
	*)	fail "$mode: rcmdd's socket has no 60 s keepalive timer:" \
		    "\"$server\"" ;;
	esac
	wait "$bg" || fail "$mode: rcmd 'sleep 3' failed"
done
stop_daemon
