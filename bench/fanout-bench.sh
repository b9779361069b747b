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

# make fanout-bench [BENCH_HOSTS=N]: how far one rcmd fans out. Starts one
# rcmdd per 16 hosts, each listening on 16 loopback addresses of its own
# (127.0.K.1 to 127.0.K.16) on one port, runs `true` on N hosts (default
# 208) with -P 32 and with -P N, three times each, and prints hosts per
# second and rcmd's maximum RSS, in all and per host beyond the RSS of a
# run on one host. Bounded: at most 64 daemons, 1024 hosts.

hosts=${1:-208}
top_srcdir=${top_srcdir:-$(dirname "$0")/..}
top_builddir=${top_builddir:-.}
RCMDD=${RCMDD:-$top_builddir/daemon/rcmdd}
RCMD=${RCMD:-$top_builddir/client/rcmd}
watchdog=600
. "$top_srcdir/tests/regress/lib.sh"

[ "$hosts" -ge 1 ] && [ "$hosts" -le 1024 ] ||
    fail "give 1 to 1024 hosts, not $hosts"
command -v /usr/bin/time >/dev/null 2>&1 ||
    fail "/usr/bin/time measures rcmd's RSS: apt-get install time"
ndaemons=$(((hosts + 15) / 16))
bport=$($PYTHON -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

: >"$dir/hosts"
k=1
while [ "$k" -le "$ndaemons" ]; do
	db=$dir/audit$k.db
	set --
	j=1
	while [ "$j" -le 16 ]; do
		set -- "$@" "ListenAddress 127.0.$k.$j"
		[ "$(wc -l <"$dir/hosts")" -ge "$hosts" ] ||
		    echo "127.0.$k.$j" >>"$dir/hosts"
		j=$((j + 1))
	done
	write_config "$@"
	sed -i "s/^Port 0\$/Port $bport/" "$conf"
	start_daemon
	k=$((k + 1))
done

# run LABEL HOSTFILE -P N: time rcmd and print its figures.
run() {
	_r_label=$1
	shift
	_r_start=$(now_ms)
	/usr/bin/time -f %M -o "$dir/rss" "$RCMD" -p "$bport" "$@" true \
	    >/dev/null 2>"$dir/err" || fail "rcmd failed: $(cat "$dir/err")"
	_r_ms=$(($(now_ms) - _r_start))
	rss=$(cat "$dir/rss")
	_r_n=$(wc -l <"$2")
	say "$_r_label: $_r_n hosts in $_r_ms ms," \
	    "$((_r_n * 1000 / (_r_ms > 0 ? _r_ms : 1))) hosts/s," \
	    "max RSS $rss kB"
}

head -n 1 "$dir/hosts" >"$dir/one"
run "one host" -f "$dir/one"
rss1=$rss
for p in 32 "$hosts"; do
	for i in 1 2 3; do
		run "-P $p, run $i" -f "$dir/hosts" -P "$p"
		say "  $(((rss - rss1) * 1024 / hosts)) bytes of RSS per host" \
		    "beyond one host"
	done
done
