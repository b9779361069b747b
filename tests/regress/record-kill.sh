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

# A kill -9 of the privileged part (rcmdd's main process, which writes the
# audit log) during a terminal session keeps every chunk written before
# it: the next rcmdd marks the row interrupted, and the recording so far
# verifies and exports.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rec.sh"

start_daemon
tty_start 'PS1="kill$ " bash --norc --noprofile -i'
tty_wait 10 'kill$'
tty_keys 'echo before-$((40 + 2))' Enter
tty_wait 5 'before-42'
wait_sql 5 "SELECT count(*) FROM recording WHERE data LIKE '%before-42%'" 1 ||
    fail "no chunk with the output within 5 s: $sql_got"
kill -KILL "$daemon_pid"
wait_daemon_exit 10 || fail "rcmdd did not die of SIGKILL"
tty_exit 10
expect_eq "rcmd's exit status" 255 "$tty_status"

start_daemon
expect_sql "the row" "SELECT status, end_seq IS NOT NULL FROM commands" \
    "interrupted|1"
expect_sql "the chunks kept" "SELECT count(*) > 0, sum(truncated) FROM
    recording" "1|0"
stop_daemon
"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 ||
    fail "--verify-audit: $(cat "$dir/verify")"
"$PYTHON" "$top_srcdir/tests/regress/chainverify.py" "$db" >"$dir/verify" ||
    fail "chainverify.py: $(cat "$dir/verify")"
"$RCMDD" --export-cast 1 "$db" >"$dir/cast" 2>"$dir/err" ||
    fail "--export-cast: $(cat "$dir/err")"
expect_match "the recording so far" "*before-42*" \
    "$(cast_events "$dir/cast" o)"
