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

# bench/instructions counts the daemon's instructions per command under
# valgrind, for both parts: its three figures are there, the network
# part's is smaller than the privileged part's, and the whole is their
# sum. No figure is checked against a target: that is the benchmark's.

watchdog=240
. "$(dirname "$0")/lib.sh"

need_valgrind
[ -x "$top_builddir/bench/rcmd-bench" ] || fail "no bench/rcmd-bench: run make"

TMPDIR=$dir "$top_srcdir/bench/instructions" -n 210 "$RCMDD" \
    "$top_builddir/bench/rcmd-bench" >"$dir/out" 2>"$dir/err" ||
    fail "bench/instructions failed: $(cat "$dir/err")"
figure() {
	sed -n "s/^$1: \([0-9][0-9]*\)$/\1/p" "$dir/out"
}
priv=$(figure "the process started (the privileged part)")
net=$(figure "its child (the network part)")
all=$(figure "all of rcmdd")
[ -n "$priv" ] && [ -n "$net" ] && [ -n "$all" ] ||
    fail "not the three figures: $(cat "$dir/out")"
[ "$net" -gt 0 ] && [ "$net" -lt "$priv" ] ||
    fail "the network part's figure against the privileged part's:" \
    "$(cat "$dir/out")"
diff=$((all - priv - net))
[ "$diff" -ge -1 ] && [ "$diff" -le 1 ] ||
    fail "the whole is not the sum of its parts: $(cat "$dir/out")"
