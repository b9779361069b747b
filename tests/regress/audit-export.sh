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

# rcmdd --export-audit writes the audit log as JSON Lines while the daemon
# runs: one strict JSON object per row, in id order, with every column,
# whatever a command held (newline, tab, escape sequence, quote, backslash,
# bytes that are not UTF-8). --since keeps the rows started at or after a
# time; a bad time, a stray --since and a missing database fail with
# status 1 and a reason.

. "$(dirname "$0")/lib.sh"

command -v "$PYTHON" >/dev/null 2>&1 ||
    fail "$PYTHON is needed to parse the export: install python3"

# export FILE [OPTION...]: run rcmdd --export-audit into FILE, its stderr
# into FILE.err, and set rc.
export_to() {
	_e_out=$1
	shift
	"$RCMDD" --export-audit "$@" >"$_e_out" 2>"$_e_out.err"
	rc=$?
}

# check_jsonl FILE ROWS: every line of FILE is one JSON object with the
# columns of commands in order, the ids increase, and there are ROWS lines.
check_jsonl() {
	"$PYTHON" - "$1" "$2" <<'EOF' || fail "$1 is not the JSON Lines expected"
import json, sys

keys = ["id", "started_at", "finished_at", "client_addr", "client_port",
        "client_name", "identity", "fingerprint", "command", "status",
        "exit_code",
        "signal", "duration_ms", "output", "output_bytes", "truncated",
        "reason", "seq", "hash", "end_seq", "end_hash", "chain_version",
        "run_as", "mode", "argv", "ticket", "cwd", "rule", "terminal"]
ints = ["id", "client_port", "exit_code", "signal", "duration_ms",
        "output_bytes", "truncated", "seq", "end_seq", "chain_version"]

def bad_constant(name):
    raise ValueError("not strict JSON: " + name)

data = open(sys.argv[1], "rb").read()
# Strict UTF-8, and no control byte but the newlines that end lines.
text = data.decode("utf-8")
for ch in text:
    if ch != "\n" and (ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f or
                       ch in "\u2028\u2029"):
        sys.exit("raw control character U+%04X in the export" % ord(ch))
if text and not text.endswith("\n"):
    sys.exit("the export does not end with a newline")
lines = text.split("\n")[:-1] if text else []
if len(lines) != int(sys.argv[2]):
    sys.exit("%d lines, expected %d" % (len(lines), int(sys.argv[2])))
last = 0
for n, line in enumerate(lines, 1):
    obj = json.loads(line, parse_constant=bad_constant)
    if not isinstance(obj, dict):
        sys.exit("line %d is not an object" % n)
    if list(obj) != keys:
        sys.exit("line %d has the keys %s" % (n, list(obj)))
    for k in ints:
        if obj[k] is not None and type(obj[k]) is not int:
            sys.exit("line %d: %s is not an integer" % (n, k))
    if obj["id"] <= last:
        sys.exit("line %d: id %d is not after %d" % (n, obj["id"], last))
    last = obj["id"]
EOF
}

# A command left running is cancelled soon after SIGTERM.
write_config "ShutdownGrace 200ms"
start_daemon
rcmd -n 'echo hello' >/dev/null
rcmd -n 'echo out; echo err >&2; exit 3' >/dev/null 2>&1
expect_eq "exit 3" 3 "$?"
# A command with a newline, a tab, an escape sequence, a double quote, a
# backslash and bytes that are not UTF-8, and output with controls.
printf 'echo "a\nb\t\\\\\033[2J\377\376' >"$dir/hostile"
rcmd -n "$(cat "$dir/hostile")" >/dev/null 2>&1
rcmd -n 'printf "\033[31mred\t\"q\"\\\\\n\001\r\n"' >/dev/null
rcmd -n 'kill -9 $$'
rcmd_bg -n 'sleep 30' 2>/dev/null
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'running'" 1 ||
    fail "no running row for sleep 30: $sql_got"
rows=$(sql "SELECT count(*) FROM commands")
expect_eq "rows" 6 "$rows"

# While rcmdd runs and holds the database.
export_to "$dir/all.jsonl" "$db"
expect_eq "export: status" 0 "$rc"
expect_eq "export: stderr" "" "$(cat "$dir/all.jsonl.err")"
check_jsonl "$dir/all.jsonl" "$rows"

# Every field of the plain rows is what sqlite3 holds.
sql -json "SELECT id, started_at, finished_at, client_addr, client_port,
    client_name, identity, fingerprint, command, status, exit_code, signal,
    duration_ms,
    output, output_bytes, truncated, reason, seq, hash, end_seq, end_hash,
    chain_version, run_as, mode, argv, ticket, cwd, rule, terminal
    FROM commands
    WHERE id IN (1, 2, 4, 5, 6) ORDER BY id" >"$dir/sqlite.json"
"$PYTHON" - "$dir/all.jsonl" "$dir/sqlite.json" "$dir/hostile" <<'EOF' ||
import json, sys

rows = {}
for line in open(sys.argv[1], encoding="utf-8"):
    obj = json.loads(line)
    rows[obj["id"]] = obj
want = json.load(open(sys.argv[2], encoding="utf-8"))
if len(want) != 5:
    sys.exit("sqlite3 showed %d rows" % len(want))
for w in want:
    if rows[w["id"]] != w:
        sys.exit("row %d: export %r, sqlite3 %r" % (w["id"], rows[w["id"]], w))
if rows[2]["exit_code"] != 3 or rows[2]["output"] != "out\nerr\n":
    sys.exit("row 2: %r" % rows[2])
if rows[4]["output"] != "\ufffd[31mred\t\"q\"\\\n\ufffd\r\n":
    sys.exit("row 4 output: %r" % rows[4]["output"])
if rows[5]["status"] != "signaled" or rows[5]["signal"] != 9 or \
        rows[5]["exit_code"] is not None:
    sys.exit("row 5: %r" % rows[5])
if rows[6]["status"] != "running" or rows[6]["finished_at"] is not None \
        or rows[6]["end_hash"] is not None or rows[6]["hash"] is None:
    sys.exit("row 6: %r" % rows[6])
# The hostile command: its text, with U+FFFD for each byte not UTF-8.
hostile = open(sys.argv[3], "rb").read()
if rows[3]["command"] != hostile.decode("utf-8", "replace"):
    sys.exit("row 3 command: %r" % rows[3]["command"])
if "\ufffd\ufffd" not in rows[3]["command"]:
    sys.exit("row 3 command: %r" % rows[3]["command"])
EOF
    fail "the export differs from the database"
expect_sql "the hostile command as stored" \
    "SELECT hex(command) FROM commands WHERE id = 3" \
    "$(od -An -tx1 "$dir/hostile" | tr -d ' \n' | tr a-f A-F)"

# --since: a row's own start keeps it and those after it; the minute and
# the day forms, with and without Z; a time to come keeps nothing.
since=$(sql "SELECT started_at FROM commands WHERE id = 3")
export_to "$dir/since.jsonl" "$db" --since "$since"
expect_eq "--since $since: status" 0 "$rc"
check_jsonl "$dir/since.jsonl" 4
expect_match "--since $since: first row" '{"id":3,*' \
    "$(head -n 1 "$dir/since.jsonl")"
export_to "$dir/since.jsonl" "$db" --since "${since%Z}"
expect_eq "--since ${since%Z}: status" 0 "$rc"
check_jsonl "$dir/since.jsonl" 4
minute=$(sql "SELECT substr(started_at, 1, 16) FROM commands WHERE id = 1")
export_to "$dir/since.jsonl" "$db" --since "${minute}Z"
expect_eq "--since ${minute}Z: status" 0 "$rc"
check_jsonl "$dir/since.jsonl" "$rows"
day=$(sql "SELECT substr(started_at, 1, 10) FROM commands WHERE id = 1")
export_to "$dir/since.jsonl" "$db" --since "$day"
expect_eq "--since $day: status" 0 "$rc"
check_jsonl "$dir/since.jsonl" "$rows"
export_to "$dir/since.jsonl" "$db" --since 2999-12-31T23:59:59.999Z
expect_eq "--since 2999: status" 0 "$rc"
check_jsonl "$dir/since.jsonl" 0

# Bad times fail with the reason, and write nothing.
for t in yesterday 2026-02-30 "$day 10:00" "${day}T25:00" "${day}Z" ""; do
	export_to "$dir/bad.jsonl" "$db" --since "$t"
	expect_eq "--since \"$t\": status" 1 "$rc"
	expect_eq "--since \"$t\": stdout" "" "$(cat "$dir/bad.jsonl")"
	expect_eq "--since \"$t\": stderr" "rcmdd: $db: --since \"$t\" is not a time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.mmm]][Z], in UTC" \
	    "$(cat "$dir/bad.jsonl.err")"
done
"$RCMDD" --since "$day" >"$dir/out" 2>"$dir/err"
expect_eq "--since alone: status" 1 "$?"
expect_eq "--since alone: stdout" "" "$(cat "$dir/out")"
expect_eq "--since alone: stderr" "rcmdd: --since goes with --export-audit" \
    "$(head -n 1 "$dir/err")"

# A missing database fails, and is not created.
export_to "$dir/missing.jsonl" "$dir/nosuch.db"
expect_eq "missing database: status" 1 "$rc"
expect_eq "missing database: stdout" "" "$(cat "$dir/missing.jsonl")"
expect_eq "missing database: stderr" \
    "rcmdd: $dir/nosuch.db: cannot open the audit database: unable to open database file" \
    "$(cat "$dir/missing.jsonl.err")"
[ ! -e "$dir/nosuch.db" ] || fail "--export-audit created $dir/nosuch.db"
# So does a file that is not a database.
echo "not a database" >"$dir/junk.db"
export_to "$dir/junk.jsonl" "$dir/junk.db"
expect_eq "junk database: status" 1 "$rc"
expect_match "junk database: stderr" "rcmdd: $dir/junk.db: *" \
    "$(cat "$dir/junk.jsonl.err")"

# After the daemon stops, every row is final and still exported.
stop_daemon
export_to "$dir/final.jsonl" "$db"
expect_eq "final export: status" 0 "$rc"
check_jsonl "$dir/final.jsonl" "$rows"
expect_match "the last row" '{"id":6,*"status":"cancelled",*' \
    "$(tail -n 1 "$dir/final.jsonl")"
