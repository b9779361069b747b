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


# How rcmd takes a port: -p and host:port (as -H does) must be a number
# from 1 to 65535, said so when not; host:port and [v6]:port reach the
# daemon on that port without -p, and a host's own port wins over -p.

. "$(dirname "$0")/lib.sh"

write_config
start_daemon

try() {
	rc=0
	"$RCMD" "$@" >"$dir/out" 2>"$dir/err" || rc=$?
}

try -p 70000 127.0.0.1 true
expect_eq "-p 70000: status" 255 "$rc"
expect_eq "-p 70000: message" \
    "rcmd: port \"70000\" is too large: give a number from 1 to 65535" \
    "$(cat "$dir/err")"
try -p 0 127.0.0.1 true
expect_eq "-p 0: status" 255 "$rc"
expect_eq "-p 0: message" \
    "rcmd: port \"0\" is too small: give a number from 1 to 65535" \
    "$(cat "$dir/err")"
try -p ssh 127.0.0.1 true
expect_eq "-p ssh: status" 255 "$rc"
expect_eq "-p ssh: message" \
    "rcmd: port \"ssh\" is invalid: give a number from 1 to 65535" \
    "$(cat "$dir/err")"
try 127.0.0.1:70000 true
expect_eq "host:70000: status" 255 "$rc"
expect_eq "host:70000: message" \
    "rcmd: host 127.0.0.1:70000: port \"70000\" is not a number from 1 to 65535" \
    "$(cat "$dir/err")"
try -H 127.0.0.1:70000 true
expect_eq "-H host:70000: status" 255 "$rc"
expect_eq "-H host:70000: message" \
    "rcmd: host 127.0.0.1:70000: port \"70000\" is not a number from 1 to 65535" \
    "$(cat "$dir/err")"

try -n "127.0.0.1:$port" 'echo on $((6 * 7))'
expect_eq "host:port: status" 0 "$rc"
expect_eq "host:port: output" "on 42" "$(cat "$dir/out")"
# The host's own port wins over -p, as with -H.
try -n -p 1 "127.0.0.1:$port" true
expect_eq "host:port over -p 1: status" 0 "$rc"
expect_sql "rows" "SELECT count(*) FROM commands" "2"

if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 \
    2>/dev/null; then
	write_config "ListenAddress ::1"
	start_daemon
	try -n "[::1]:$port" true
	expect_eq "[::1]:port: status" 0 "$rc"
	expect_eq "[::1]:port: stderr" "" "$(cat "$dir/err")"
else
	say "no IPv6 on loopback here: [::1]:port is not tried"
fi
