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


# A long stream on both stdout and stderr at once, in chunks of every size
# from a byte to several frames, arrives byte for byte on each stream, in
# both modes: small chunks are copied into the socket's buffer, large ones
# go by reference from the worker's pooled buffers, several per poll round.

. "$(dirname "$0")/lib.sh"

gen='i=1
while [ $i -le 120 ]; do
	n=$(( (i * 7919) % 300000 + 1 ))
	seq $i 999999 | head -c $n
	seq $((i * 3)) 999999 | head -c $(( (n * 7) % 90001 + 1 )) >&2
	i=$((i + 1))
done
head -c 20000000 /dev/zero | tr "\0" o
seq 1 3000000 >&2'

sh -c "$gen" 2>"$dir/err-expected" | cksum >"$dir/out-expected"
cksum <"$dir/err-expected" >"$dir/err-sum-expected"
bytes=$(sh -c "$gen" 2>&1 | wc -c)

for mode in threaded single; do
	if [ "$mode" = single ]; then
		stop_daemon
		start_daemon -s
	else
		start_daemon
	fi
	{ rcmd -n "$gen" 2>"$dir/err"; echo $? >"$dir/rc"; } |
	    cksum >"$dir/out"
	expect_eq "$mode: exit status" 0 "$(cat "$dir/rc")"
	expect_file_eq "$mode: stdout checksum" "$dir/out-expected" \
	    "$dir/out"
	cksum <"$dir/err" >"$dir/err-sum"
	expect_file_eq "$mode: stderr checksum" "$dir/err-sum-expected" \
	    "$dir/err-sum"
	expect_sql "$mode: audit row" "SELECT status, output_bytes
	    FROM commands ORDER BY id DESC LIMIT 1" "exited|$(trim "$bytes")"
done
