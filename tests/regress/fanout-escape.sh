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

# Fan-out output is read as a report: a host's control characters, escape
# sequences, bidirectional controls and bytes that are not UTF-8 are
# escaped in the prefixed lines (stdout and stderr) and in the gathered
# output (-g), so that a host can neither drive the terminal nor, with a
# carriage return, make its line look like another host's; TAB and valid
# UTF-8 stay, and a newline still starts a new prefixed line. --raw (-r)
# passes them as they are, and so does rcmd on one host, as ssh does.

. "$(dirname "$0")/lib.sh"

start_daemon
h1=127.0.0.1:$port
h2=localhost:$port
# ESC sequence, CR, a forged prefix, RLO (U+202E), TAB, UTF-8, SOH, DEL,
# a byte that is not UTF-8; BEL and BS on stderr.
cmd="printf 'a\\033[31mred\\r$h2: forged\\n\\342\\200\\256evil\\tx\\n\\303\\251 ok\\001\\177\\377\\n'; printf 'e\\a\\bz\\n' >&2"

# What the command prints, as bytes.
printf 'a\033[31mred\r%s: forged\n\342\200\256evil\tx\n\303\251 ok\001\177\377\n' \
    "$h2" >"$dir/raw.out"
printf 'e\a\bz\n' >"$dir/raw.err"

# prefixed HOST FILE: FILE's lines with HOST in front.
prefixed() {
	sed "s/^/$1: /" "$2"
}

# Escaped, in the prefixed lines.
timeout -s KILL 30 "$RCMD" -H "$h1" "$cmd" >"$dir/out" 2>"$dir/err"
expect_eq "fan-out status" 0 "$?"
{
	printf '%s: a\\033[31mred\\r%s: forged\n' "$h1" "$h2"
	printf '%s: \\u202Eevil\tx\n' "$h1"
	printf '%s: \303\251 ok\\001\\177\\377\n' "$h1"
} >"$dir/expect.out"
expect_file_eq "fan-out stdout, escaped" "$dir/expect.out" "$dir/out"
printf '%s: e\\a\\bz\nrcmd: 1 host: 1 ok\n' "$h1" >"$dir/expect.err"
expect_file_eq "fan-out stderr, escaped" "$dir/expect.err" "$dir/err"

# Escaped in the gathered output, newlines kept.
timeout -s KILL 30 "$RCMD" -g -H "$h1,$h2" "$cmd" >"$dir/out" 2>"$dir/err"
expect_eq "gathered status" 0 "$?"
{
	printf -- '----------------\n%s,%s\n----------------\n' "$h1" "$h2"
	printf 'a\\033[31mred\\r%s: forged\n' "$h2"
	printf '\\u202Eevil\tx\n'
	printf '\303\251 ok\\001\\177\\377\n'
	printf 'e\\a\\bz\n'
} >"$dir/expect.out"
expect_file_eq "gathered output, escaped" "$dir/expect.out" "$dir/out"

# --raw and -r: as the host sent them.
prefixed "$h1" "$dir/raw.out" >"$dir/expect.out"
for opt in --raw -r; do
	timeout -s KILL 30 "$RCMD" "$opt" -H "$h1" "$cmd" >"$dir/out" \
	    2>"$dir/err"
	expect_eq "$opt status" 0 "$?"
	expect_file_eq "$opt stdout" "$dir/expect.out" "$dir/out"
	expect_eq "$opt stderr" "$(prefixed "$h1" "$dir/raw.err")
rcmd: 1 host: 1 ok" "$(cat "$dir/err")"
done

# A NUL byte passes with --raw too (the line was cut there).
printf '%s: a\000b\n' "$h1" >"$dir/expect.out"
timeout -s KILL 30 "$RCMD" -r -H "$h1" "printf 'a\\000b\\n'" >"$dir/out" \
    2>/dev/null
expect_file_eq "-r with a NUL byte" "$dir/expect.out" "$dir/out"

# One host: raw, as ssh does.
rcmd -n "$cmd" >"$dir/out" 2>"$dir/err"
expect_eq "one host status" 0 "$?"
expect_file_eq "one host stdout" "$dir/raw.out" "$dir/out"
expect_file_eq "one host stderr" "$dir/raw.err" "$dir/err"
stop_daemon
