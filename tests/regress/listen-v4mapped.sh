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

# A v4-mapped IPv6 address is the IPv4 address it stands for: rcmdd -t and
# start-up agree. ::ffff:127.0.0.1 is loopback, so both accept it and rcmdd
# serves on 127.0.0.1; ::ffff:192.0.2.1 is not, so both refuse it with the
# same message (nothing is sent to it: it is never bound).

. "$(dirname "$0")/lib.sh"

write_config "ListenAddress ::ffff:127.0.0.1"
"$RCMDD" -t -c "$conf" >"$dir/out" 2>"$dir/err"
expect_eq "rcmdd -t status, ::ffff:127.0.0.1" 0 "$?"
expect_eq "rcmdd -t says" "rcmdd: configuration OK" "$(cat "$dir/out")"
start_daemon
expect_serving
stop_daemon

rm -f "$dir/port"
write_config "ListenAddress ::ffff:192.0.2.1"
"$RCMDD" -t -c "$conf" >"$dir/out" 2>"$dir/terr"
expect_eq "rcmdd -t status, ::ffff:192.0.2.1" 1 "$?"
expect_match "rcmdd -t message" \
    "*refusing to listen on ::ffff:192.0.2.1*loopback addresses only*" \
    "$(cat "$dir/terr")"
timeout 10 "$RCMDD" -f -c "$conf" >"$dir/out" 2>"$dir/err" </dev/null
expect_eq "start-up status, ::ffff:192.0.2.1" 1 "$?"
expect_eq "the same message at start-up" "$(cat "$dir/terr")" \
    "$(sed -n '$p' "$dir/err" | sed 's/^rcmdd: fatal: /rcmdd: /')"
[ ! -e "$dir/port" ] || fail "rcmdd wrote a port file"
