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
# etc/rcmdd.service, as built, is clean under systemd-analyze verify (its
# ExecStart pointed at the rcmdd under test). Skipped, saying so, where
# systemd-analyze is not installed.

: "${top_builddir:=.}" "${RCMDD:=$top_builddir/daemon/rcmdd}"
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "service-verify: SKIP: systemd-analyze is not installed"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/rcmdd-test.XXXXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
unit="$top_builddir/etc/rcmdd.service"
[ -f "$unit" ] || { echo "service-verify: FAIL: no $unit: run make"; exit 1; }
grep -q "^ExecStart=.*/rcmdd -f " "$unit" ||
    { echo "service-verify: FAIL: the unit does not run rcmdd -f"; exit 1; }
sed "s|^ExecStart=[^ ]*|ExecStart=$RCMDD|" "$unit" >"$dir/rcmdd.service"
out=$(systemd-analyze verify --man=no "$dir/rcmdd.service" 2>&1)
if [ -n "$out" ]; then
	echo "service-verify: FAIL: systemd-analyze verify says:"
	echo "$out"
	exit 1
fi
exit 0
