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

# What bench/compare measures rcmdd against does what it says: the
# reference server (bench/ref-server) runs each command rcmd or
# rcmd-bench sends, returns its output and status, and appends one line
# per command to its flat log; spawn-floor -f syncs its file twice per
# spawn; and rcmd-bench counts every process of the daemon (the network
# part too) in the daemon's CPU and memory. No timing is checked.

watchdog=60
. "$(dirname "$0")/lib.sh"

bench=$top_builddir/bench/rcmd-bench
floor=$top_builddir/bench/spawn-floor
refsrv=$top_builddir/bench/ref-server
for p in "$bench" "$floor" "$refsrv"; do
	[ -x "$p" ] || fail "no $p: run make first"
done

# figure FILE NAME: the value a bench tool printed for NAME.
figure() {
	sed -n "s/^$2 //p" "$1"
}

"$refsrv" -l "$dir/ref.log" -w "$dir/rport" -T 60 2>"$dir/ref.err" &
ref_pid=$!
track "$ref_pid"
wait_for 10 test -s "$dir/rport" ||
    fail "ref-server did not start: $(cat "$dir/ref.err")"
rport=$(cat "$dir/rport")

out=$("$RCMD" -p "$rport" 127.0.0.1 'echo out; echo err >&2; exit 3' \
    </dev/null 2>&1)
expect_eq "ref-server: status" 3 "$?"
expect_eq "ref-server: output" "out
err" "$out"
"$bench" -p "$rport" -P "$ref_pid" -c 2 -n 5 -T 30 -C 'echo ref' \
    >"$dir/fig" 2>"$dir/fig.err" ||
    fail "rcmd-bench against ref-server failed: $(cat "$dir/fig.err")"
expect_eq "ref-server: commands" 10 "$(figure "$dir/fig" commands)"
expect_eq "ref-server: failed" 0 "$(figure "$dir/fig" failed)"
expect_eq "ref-server: output bytes" 40 "$(figure "$dir/fig" output_bytes)"
expect_eq "ref-server: its processes" 1 \
    "$(figure "$dir/fig" daemon_processes)"
expect_eq "ref-server: log lines" 11 "$(wc -l <"$dir/ref.log")"
expect_eq "ref-server: first line" \
    "1 3 echo out; echo err >&2; exit 3" \
    "$(head -n 1 "$dir/ref.log" | cut -d' ' -f2-)"
expect_eq "ref-server: lines for echo ref" 10 \
    "$(grep -c ' 0 echo ref$' "$dir/ref.log")"
# A client that breaks the protocol gets a fatal ERROR.
raw_out=$("$PYTHON" "$top_srcdir/tests/regress/rawclient.py" -p "$rport" \
    exec=true expect=CLOSED 2>&1)
expect_match "ref-server: EXEC before HELLO" "*ERROR*" "$raw_out"
kill "$ref_pid"

"$floor" -t 2 -n 5 -f "$dir/sync" >"$dir/fig" 2>"$dir/fig.err" ||
    fail "spawn-floor -f failed: $(cat "$dir/fig.err")"
expect_eq "spawn-floor -f: spawns" 10 "$(figure "$dir/fig" spawns)"
expect_eq "spawn-floor -f: fdatasyncs" 20 "$(figure "$dir/fig" fdatasyncs)"
[ ! -e "$dir/sync" ] || fail "spawn-floor -f left its file behind"
"$floor" -a -f "$dir/sync" -n 2 >/dev/null 2>&1 &&
    fail "spawn-floor took -a with -f, which it cannot measure"

# rcmdd: the privileged part and, as root, the network part.
start_daemon
"$bench" -p "$port" -P "$daemon_pid" -c 1 -n 3 -T 30 >"$dir/fig" \
    2>"$dir/fig.err" || fail "rcmd-bench failed: $(cat "$dir/fig.err")"
n=$(figure "$dir/fig" daemon_processes)
expect_eq "rcmdd's processes" "$(($(pgrep -c -P "$daemon_pid" -x rcmdd) + 1))" \
    "$n"

# policy-bench: three figures, each a time a decision, for the rules
# asked for; a bad count is refused.
"$top_builddir/bench/policy-bench" -n 30 -r 50 >"$dir/fig" 2>"$dir/fig.err" ||
    fail "policy-bench failed: $(cat "$dir/fig.err")"
expect_eq "policy-bench: its rules" "rules: 30, decisions a round: 50, median of 5 rounds" \
    "$(head -n 1 "$dir/fig")"
expect_eq "policy-bench: three figures" 3 \
    "$(grep -c '^admitted by .*: [0-9][0-9]* ns a decision$' "$dir/fig")"
if "$top_builddir/bench/policy-bench" -n 0 >/dev/null 2>&1; then
	fail "policy-bench took 0 rules"
fi
