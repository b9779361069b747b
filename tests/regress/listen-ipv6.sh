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

# rcmdd -l ::1 serves IPv6 clients, and audits ::1 as their address.
# Skipped (exit 77, with the reason) when this machine has no ::1.

. "$(dirname "$0")/lib.sh"

if ! grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 \
    2>/dev/null; then
	say "SKIP: this machine has no IPv6 loopback address ::1"
	exit 77
fi

start_daemon -l ::1
out=$("$RCMD" -n -p "$port" ::1 echo over IPv6)
expect_eq "exit status" 0 "$?"
expect_eq "output" "over IPv6" "$out"
out=$("$RCMD" -n -p "$port" '[::1]' echo bracketed)
expect_eq "output with [::1]" "bracketed" "$out"
expect_sql "audit rows" "SELECT client_addr, status FROM commands ORDER BY id" \
    "::1|exited
::1|exited"
expect_log "log" "listening on ::1 port $port"
