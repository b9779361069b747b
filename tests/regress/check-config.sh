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

# rcmdd -t checks the configuration and exits: 0 and "configuration OK"
# for a good one; 1 for a bad one, with one "file:line: reason" line per
# error, here two.

. "$(dirname "$0")/lib.sh"

cd "$dir" || fail "cd $dir"
cat >good.conf <<'CONF'
# A good configuration.
Port 0
CommandTimeout 10m
MaxCommandTimeout 1h
KillGrace 500ms
AuditOutputMax 1M
Path /usr/bin:/bin
SingleThread no
LogLevel debug
CONF
# Not root, rcmdd runs commands as itself only when told so, and warns.
[ "$(id -u)" -eq 0 ] || echo "SingleUser yes" >>good.conf
"$RCMDD" -t -c good.conf >out 2>err
expect_eq "status for a good configuration" 0 "$?"
expect_eq "stdout" "rcmdd: configuration OK" "$(cat out)"
[ "$(id -u)" -ne 0 ] || expect_eq "stderr" "" "$(cat err)"

cat >bad.conf <<'CONF'
# Two errors.
Port 0
NoSuchKeyword yes
CommandTimeout 1x
CONF
"$RCMDD" -t -c bad.conf >out 2>err
expect_eq "status for a bad configuration" 1 "$?"
expect_eq "stdout" "" "$(cat out)"
expect_result err

# A file that cannot be read is an error too.
"$RCMDD" -t -c missing.conf >out 2>err
expect_eq "status for a missing configuration" 1 "$?"
expect_match "message" "rcmdd: missing.conf: cannot open: *" "$(head -n 1 err)"
[ ! -e port ] || fail "rcmdd -t wrote a port file"
