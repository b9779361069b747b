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

# A terminal session is recorded (rcmdd(8), "Recording"): its output with
# its timing, a resize, what was typed (SessionRecordInput) but not a
# password read without echo; each chunk chained as it is written; both
# verifiers pass it and fail it once a chunk is edited, deleted or
# swapped; --export-cast writes asciicast v2, --replay plays it, and both
# refuse what is not a terminal's recording.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rec.sh"

write_config "SessionRecordInput yes"
start_daemon
tty_start 'PS1="rec$ " bash --norc --noprofile -i'
tty_wait 10 'rec$'
tty_keys 'echo hello-$((6 * 7))' Enter
tty_wait 5 'hello-42'
tty_keys 'read -s -p "pw: " pw; echo got=${#pw}' Enter
tty_wait 5 'pw:'
tty_keys 'hunter2' Enter
tty_wait 5 'got=7'
tmux -S "$tty_sock" resize-window -x 100 -y 30
tty_keys 'stty size' Enter
tty_wait 5 '30 100'
# A chunk is in the chain while the session still runs.
wait_sql 5 "SELECT count(*) > 0 FROM recording" 1 ||
    fail "no chunk within 5 s of the output: $sql_got"
expect_sql "a chunk between the row's start and its end" "SELECT count(*)
    FROM recording r JOIN commands c ON c.id = r.command_id WHERE
    r.start_seq = c.seq AND r.seq > c.seq AND c.end_seq IS NULL
    AND r.chunk = 0" 1
tty_keys 'exit 3' Enter
tty_exit 10
expect_eq "rcmd's exit status" 3 "$tty_status"

expect_sql "the row" "SELECT id, status, exit_code, terminal FROM commands" \
    "1|exited|3|tmux-256color 24x80"
expect_sql "the chunks: numbered from 0, between start and end, none \
truncated" "SELECT count(*) = max(chunk) + 1, min(seq) > (SELECT seq FROM
    commands), max(seq) < (SELECT end_seq FROM commands), sum(truncated)
    FROM recording" "1|1|1|0"

"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 ||
    fail "--verify-audit: $(cat "$dir/verify")"
"$PYTHON" "$top_srcdir/tests/regress/chainverify.py" "$db" >"$dir/verify" ||
    fail "chainverify.py: $(cat "$dir/verify")"

"$RCMDD" --export-cast 1 "$db" >"$dir/cast" 2>"$dir/err" ||
    fail "--export-cast: $(cat "$dir/err")"
expect_eq "the header" '{"version": 2, "width": 80, "height": 24,' \
    "$(head -n 1 "$dir/cast" | cut -d' ' -f1-6)"
head -n 1 "$dir/cast" | grep -q '"env": {"TERM": "tmux-256color"}}$' ||
    fail "the header has no TERM: $(head -n 1 "$dir/cast")"
out=$(cast_events "$dir/cast" o) || fail "the cast is not asciicast v2"
expect_match "the output" "*hello-42*got=7*30 100*" "$out"
typed=$(cast_events "$dir/cast" i)
expect_match "what was typed" "*echo hello-\$((6 \* 7))*stty size*exit 3*" \
    "$typed"
case $typed$out in
*hunter2*)	fail "the password read without echo was recorded: $typed" ;;
esac
expect_eq "the resize" "100x30" "$(cast_events "$dir/cast" r)"
# Timed from the start, in order.
"$PYTHON" -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()[1:]
ts = [json.loads(l)[0] for l in lines]
assert ts == sorted(ts) and ts[0] >= 0 and ts[-1] > 1, ts
' "$dir/cast" || fail "the events' times are not in order"

# --replay plays the output, here 100 times faster, pauses capped.
"$RCMDD" --replay 1 "$db" --speed 100 --idle-max 0.1 >"$dir/replay" \
    2>"$dir/err" || fail "--replay: $(cat "$dir/err")"
expect_match "the replay" "*hello-42*got=7*30 100*" "$(cat "$dir/replay")"

# What is not a terminal's recording is refused, each with its reason.
rcmd -n true || fail "rcmd true failed"
"$RCMDD" --export-cast 2 "$db" >/dev/null 2>"$dir/err" &&
    fail "--export-cast of a row without a terminal succeeded"
expect_match "no terminal" "*command 2 did not run on a terminal*" \
    "$(cat "$dir/err")"
"$RCMDD" --replay 9 "$db" >/dev/null 2>"$dir/err" &&
    fail "--replay of a missing id succeeded"
expect_match "missing" "*no command with id 9 in*" "$(cat "$dir/err")"
"$RCMDD" --export-cast x "$db" >/dev/null 2>"$dir/err" &&
    fail "--export-cast x succeeded"
expect_match "not an id" "*\"x\" is not an audit id*" "$(cat "$dir/err")"
"$RCMDD" --replay 1 "$db" --speed 0 >/dev/null 2>"$dir/err" &&
    fail "--speed 0 succeeded"

# Edited, deleted, swapped: both verifiers and the export say so.
stop_daemon
cp "$db" "$dir/orig.db"
tamper() {
	cp "$dir/orig.db" "$db"
	sql "$2" || fail "$1: cannot change the database"
	"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 &&
	    fail "$1: --verify-audit passed"
	expect_match "$1: --verify-audit" "*$3*" "$(cat "$dir/verify")"
	"$PYTHON" "$top_srcdir/tests/regress/chainverify.py" "$db" \
	    >"$dir/verify" && fail "$1: chainverify.py passed"
	"$RCMDD" --export-cast 1 "$db" >/dev/null 2>"$dir/err" &&
	    fail "$1: --export-cast passed"
	expect_match "$1: --export-cast" "*chunk*" "$(cat "$dir/err")"
}
tamper "an edited chunk" "UPDATE recording SET data = replace(data,
    'hello', 'HELLO') WHERE chunk = (SELECT min(chunk) FROM recording WHERE
    data LIKE '%hello-42%')" "of its recording (seq * does not match its hash"
tamper "a deleted chunk" "DELETE FROM recording WHERE chunk = 1" \
    "missing from the chain"
tamper "two chunks swapped" "CREATE TEMP TABLE t AS SELECT chunk, data
    FROM recording; UPDATE recording SET data = (SELECT data FROM t WHERE
    t.chunk = 1 - recording.chunk) WHERE chunk IN (0, 1)" \
    "does not match its hash"
tamper "the last chunk cut" "DELETE FROM recording WHERE chunk = (SELECT
    max(chunk) FROM recording)" "missing from the chain"
