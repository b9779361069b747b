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

# A background process that keeps the output open cannot hold the
# session: DrainTimeout (1 s here) after the shell exits, the output is
# closed, the command's group is killed, and rcmd exits with the shell's
# status.

. "$(dirname "$0")/lib.sh"

write_config "DrainTimeout 1s"
start_daemon
t0=$(now_ms)
rcmd_within 20 -n 'echo $$; sleep 30 & echo started; exit 4' >"$dir/out"
rc=$?
t1=$(now_ms)
expect_eq "exit status" 4 "$rc"
expect_eq "last line of output" started "$(sed -n 2p "$dir/out")"
expect_ge "ms until rcmd returns" $((t1 - t0)) 900
expect_le "ms until rcmd returns" $((t1 - t0)) 4000
group=$(sed -n 1p "$dir/out")
track_group "$group"
wait_for 3 eval '[ -z "$(proc_group "$group")" ]' ||
    fail "the background sleep outlived the drain: $(proc_group "$group")"
expect_sql "audit row" "SELECT status, exit_code FROM commands" "exited|4"
