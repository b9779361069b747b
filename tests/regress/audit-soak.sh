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

# The audit log under load: 8 connections run "true" back to back through
# the real daemon (AuditSync full, the default), up to 5000 commands or
# 30 s, while the sqlite3 shell queries the log in a loop with no busy
# timeout, as an operator would. No client gets an ERROR, every EXIT is
# kind 0 and carries its row hash, neither the shell nor the daemon ever
# meets a locked database, there is one sealed row per command sent, and
# the chain verifies. The figures are printed.

watchdog=120
. "$(dirname "$0")/lib.sh"

count=${SOAK_COMMANDS:-5000}
seconds=${SOAK_SECONDS:-30}
# At least this many must get through in the time, a bound against a
# daemon that serialises its clients, not a speed target (bench/ has
# those): 8 connections at 50 a second, which a loaded shared machine
# still passes (2,890 at a load of 11); fewer under a sanitizer or a
# wrapper such as valgrind, which are many times slower.
least=1500
if [ -n "${RCMDD_SANITIZED:-}" ] || [ -n "${RCMDD_WRAPPER:-}" ]; then
	least=300
fi
command -v "$PYTHON" >/dev/null 2>&1 ||
    fail "$PYTHON is needed for the load client: install python3"

start_daemon

# The reader: a new sqlite3 shell for each round of queries, as a person
# or a cron job would run it; it stops when told, or after 90 s.
(
	end=$(($(now_ms) + 90000))
	while [ ! -e "$dir/stop" ] && [ "$(now_ms)" -lt "$end" ]; do
		"$SQLITE3" -batch "$db" "SELECT count(*) FROM commands;
		    SELECT count(*) FROM recent_commands;
		    SELECT count(*) FROM failed_commands;
		    SELECT max(seq) FROM commands" >"$dir/round" 2>&1
		echo "status $?" >>"$dir/round"
		cat "$dir/round" >>"$dir/reader.out"
	done
) &
reader=$!
track "$reader"

"$PYTHON" "$top_srcdir/tests/regress/soakclient.py" -p "$port" -c 8 \
    -n "$count" -s "$seconds" true >"$dir/load.out" 2>&1
load_rc=$?
: >"$dir/stop"
wait "$reader"

figures=$(tail -n 1 "$dir/load.out")
say "load: $figures"
if [ "$load_rc" -ne 0 ]; then
	sed 's/^/	/' "$dir/load.out" >&2
	fail "the load client met problems"
fi
# shellcheck disable=SC2086
set -- $figures
[ "$1" = sent ] && [ "$3" = exits ] ||
    fail "cannot read the load client's figures: $figures"
sent=$2
expect_eq "EXITs received" "$sent" "$4"
expect_ge "commands in $seconds s" "$sent" "$least"

rounds=$(grep -c '^status ' "$dir/reader.out")
say "reader: $rounds rounds of queries"
expect_ge "rounds of queries" "$rounds" 10
if grep -v -e '^status 0$' -e '^[0-9]*$' "$dir/reader.out" |
    grep . >"$dir/reader.bad"; then
	sed 's/^/	/' "$dir/reader.bad" | head -n 20 >&2
	fail "the sqlite3 shell printed errors"
fi
if grep -i -e 'locked' -e 'busy' -e 'audit: cannot' "$log" >&2; then
	fail "the daemon met a locked database or failed to commit"
fi

expect_sql "the rows" "SELECT count(*), sum(status = 'exited' AND
    exit_code = 0), count(seq), count(end_seq), max(end_seq),
    count(DISTINCT end_hash) FROM commands" \
    "$sent|$sent|$sent|$sent|$((2 * sent))|$sent"
stop_daemon
"$RCMDD" --verify-audit "$db" >"$dir/vout" 2>"$dir/verr"
expect_eq "verify: exit status" 0 "$?"
expect_match "verify" "$db: $sent rows verified; chain head $((2 * sent)):*" \
    "$(cat "$dir/vout")"
