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

# Plain TCP listens on loopback only: rcmdd refuses to start on 0.0.0.0,
# on ::, or on another address, from -l or from ListenAddress, and says
# why; rcmdd -t says so too.

. "$(dirname "$0")/lib.sh"

for addr in 0.0.0.0 192.0.2.1 ::; do
	rm -f "$dir/port"
	timeout 10 "$RCMDD" -f -c "$conf" -l "$addr" >"$dir/out" 2>"$dir/err"
	expect_eq "status with -l $addr" 1 "$?"
	expect_match "message for -l $addr" \
	    "*refusing to listen on *plain TCP is allowed on loopback addresses only*" \
	    "$(cat "$dir/err")"
	[ ! -e "$dir/port" ] || fail "rcmdd -l $addr wrote a port file"

	timeout 10 "$RCMDD" -t -c "$conf" -l "$addr" >"$dir/out" 2>"$dir/err"
	expect_eq "status of -t with -l $addr" 1 "$?"
	expect_match "message of -t for -l $addr" "*loopback addresses only*" \
	    "$(cat "$dir/err")"
done

write_config "ListenAddress 127.0.0.1" "ListenAddress 0.0.0.0"
timeout 10 "$RCMDD" -f -c "$conf" >"$dir/out" 2>"$dir/err"
expect_eq "status with ListenAddress 0.0.0.0" 1 "$?"
expect_match "message for ListenAddress 0.0.0.0" \
    "*refusing to listen on 0.0.0.0*loopback*" "$(cat "$dir/err")"
[ ! -e "$dir/port" ] || fail "rcmdd wrote a port file"
