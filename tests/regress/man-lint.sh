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

# The man pages, as built with the configured paths, are silent under
# mandoc -Tlint. Without mandoc this test is skipped, and says so.

: "${top_builddir:=.}"
if [ -z "${MANDOC:-}" ]; then
	echo "man-lint: SKIP: mandoc is not installed (apt-get install mandoc)"
	exit 77
fi
out=$("$MANDOC" -Tlint -Wwarning "$top_builddir/man/rcmdd.8" \
    "$top_builddir/man/rcmd.1" "$top_builddir/man/rcmdd.conf.5" \
    "$top_builddir/man/rcmd-protocol.7" 2>&1)
if [ -n "$out" ]; then
	echo "man-lint: FAIL: mandoc -Tlint finds:"
	echo "$out"
	exit 1
fi
exit 0
