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

# MaxCommands 1, and one connection runs 1,000 x true back to back, each
# EXEC sent as soon as the EXIT of the one before came: every one runs.
# The privileged part re-checks MaxCommands; a command it has ended (its
# EXIT may reach the client before the privileged part has freed it) must
# not count, or the next EXEC is refused as one too many and recorded
# as denied.

watchdog=120
. "$(dirname "$0")/lib.sh"

bench=$top_builddir/bench/rcmd-bench
[ -x "$bench" ] || fail "no rcmd-bench at $bench: run make first"

write_config "MaxCommands 1"
start_daemon
"$bench" -p "$port" -c 1 -n 1000 -T 100 -C true >"$dir/out" \
    2>"$dir/err" || fail "rcmd-bench failed: $(cat "$dir/err")"
expect_eq "errors" 0 "$(sed -n 's/^errors //p' "$dir/out")"
expect_eq "failed" 0 "$(sed -n 's/^failed //p' "$dir/out")"
expect_sql "rows" "select status, count(*) from commands group by status" \
    "exited|1000"
