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

# Each finished command is logged as exactly one line with the RFC 5424
# structured data element rcmd@32473: its id, client, status, exit code or
# signal, duration and row hash as the audit row has them, and the command
# escaped so that a newline, an escape sequence, a quote, a bracket or
# bytes that are not UTF-8 can neither split the line nor forge another;
# undoing the escapes gives the command's bytes back.

. "$(dirname "$0")/lib.sh"

command -v "$PYTHON" >/dev/null 2>&1 ||
    fail "$PYTHON is needed to parse the log line: install python3"

# expect_line ID: the log has exactly one line for command ID, and it is
# the line its audit row calls for, with the command as escaped in $2.
expect_line() {
	_el_n=$(grep -c "^rcmdd: command $1 " "$log")
	expect_eq "lines for command $1" 1 "$_el_n"
	_el_n=$(grep -c "id=\"$1\"" "$log")
	expect_eq "elements for command $1" 1 "$_el_n"
	_el_row=$(sql "SELECT client_port, status,
	    CASE WHEN exit_code IS NULL THEN '' ELSE ' code ' || exit_code END
	    || CASE WHEN exit_code IS NULL AND signal IS NOT NULL
	    THEN ' signal ' || signal ELSE '' END,
	    coalesce(exit_code, '-'), coalesce(signal, '-'), duration_ms, end_hash
	    FROM commands WHERE id = $1")
	_el_old=$IFS
	IFS='|'
	# shellcheck disable=SC2086
	set -- "$1" "$2" $_el_row
	IFS=$_el_old
	expect_eq "the line of command $1" "rcmdd: command $1 $4$5 in $8 ms [rcmd@32473 id=\"$1\" client=\"127.0.0.1:$3\" identity=\"-\" status=\"$4\" exit=\"$6\" signal=\"$7\" duration_ms=\"$8\" hash=\"$9\" run_as=\"$me\" mode=\"shell\" command=\"$2\"]" \
	    "$(grep "^rcmdd: command $1 " "$log")"
}

me=$(id -un)
start_daemon
rcmd -n 'echo plain' >/dev/null
expect_line 1 'echo plain'

# The hostile command: a newline, a tab, a double quote, a backslash, an
# escape sequence that would clear a terminal, a bracket that would close
# the element, and bytes that are not UTF-8.
printf 'echo "a\nb\t\\\\\033[2J] \377' >"$dir/hostile"
rcmd -n "$(cat "$dir/hostile")" >/dev/null 2>&1
expect_line 2 'echo \"a\nb\t\\\\\x1b[2J\] \xff'
expect_sql "the hostile command's row" \
    "SELECT hex(command) FROM commands WHERE id = 2" \
    "$(od -An -tx1 "$dir/hostile" | tr -d ' \n' | tr a-f A-F)"

# A command killed by a signal, and one that forges a line of its own.
rcmd -n 'kill -9 $$'
expect_line 3 'kill -9 $$'
forge=$(printf 'true "] \r\nrcmdd: command 99 exited code 0 in 0 ms [rcmd@32473 id="99"]')
rcmd -n "$forge" 2>/dev/null
expect_line 4 'true \"\] \r\nrcmdd: command 99 exited code 0 in 0 ms [rcmd@32473 id=\"99\"\]'
expect_eq "forged lines" 0 "$(grep -c '^rcmdd: command 99' "$log")"
expect_eq "forged elements" 0 "$(grep -c 'id="99"' "$log")"

# Nothing raw reached the log: no escape, carriage return, or byte that is
# not UTF-8, and no line began inside a command.
expect_eq "ESC in the log" 0 "$(LC_ALL=C grep -c "$(printf '\033')" "$log")"
expect_eq "CR in the log" 0 "$(LC_ALL=C grep -c "$(printf '\r')" "$log")"
expect_eq "0xff in the log" 0 "$(LC_ALL=C grep -c "$(printf '\377')" "$log")"
expect_eq "lines not from rcmdd" "" "$(grep -v '^rcmdd: ' "$log")"

# An RFC 5424 receiver reads the element back, and undoing our escapes on
# top of its own gives the command's bytes exactly.
grep '^rcmdd: command 2 ' "$log" >"$dir/line"
"$PYTHON" - "$dir/line" "$dir/hostile" <<'EOF' ||
import re, sys

line = open(sys.argv[1], "rb").read().rstrip(b"\n").decode("utf-8")
m = re.search(r'\[rcmd@32473((?: [a-z_]+="(?:[^"\\\]]|\\.)*")+)\]$', line)
if m is None:
    sys.exit("no well-formed rcmd@32473 element ends the line: %r" % line)
params = re.findall(r' ([a-z_]+)="((?:[^"\\\]]|\\.)*)"', m.group(1))
names = [n for n, _ in params]
if names != ["id", "client", "identity", "status", "exit", "signal",
             "duration_ms", "hash", "run_as", "mode", "command"]:
    sys.exit("parameters: %r" % names)

def decode(v):
    out = bytearray()
    i = 0
    while i < len(v):
        c = v[i]
        if c == "\\" and i + 1 < len(v):
            n = v[i + 1]
            if n in "\"\\]":
                out += n.encode()
                i += 2
                continue
            if n in "nrt":
                out += {"n": b"\n", "r": b"\r", "t": b"\t"}[n]
                i += 2
                continue
            if n == "x":
                out.append(int(v[i + 2:i + 4], 16))
                i += 4
                continue
        out += c.encode()
        i += 1
    return bytes(out)

command = decode(dict(params)["command"])
want = open(sys.argv[2], "rb").read()
if command != want:
    sys.exit("decoded command %r, sent %r" % (command, want))
EOF
    fail "the structured data does not give the command back"

# A long command is cut at 1024 escaped bytes, marked with "...".
long=$(printf '%01100d' 0)
rcmd -n "true $long"
expect_line 5 "true $(printf '%01019d' 0)..."
