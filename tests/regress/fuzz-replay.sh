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
# Every fuzz seed, and every input that once made a fuzz target crash,
# hang or leak (tests/fuzz/crashes/TARGET/), runs through the targets on
# this build, without libFuzzer.

: "${top_srcdir:=.}" "${top_builddir:=.}"
err=$(mktemp) || exit 1
trap 'rm -f "$err"' EXIT
rc=0
for t in frame config reply session privsep policy; do
	set -- "$top_srcdir/tests/fuzz/corpus/$t"
	[ -d "$top_srcdir/tests/fuzz/crashes/$t" ] &&
	    set -- "$@" "$top_srcdir/tests/fuzz/crashes/$t"
	# The targets' own output (a command's stderr, log lines) goes to
	# $err, shown only if the replay fails.
	if "$top_builddir/tests/fuzz/${t}_replay" "$@" >/dev/null 2>"$err"; then
		echo "fuzz-replay: $t: $(find "$@" -type f ! -name '.*' |
		    wc -l) inputs ran"
	else
		echo "fuzz-replay: FAIL: ${t}_replay exited $?:"
		tail -n 20 "$err"
		rc=1
	fi
done
exit $rc
