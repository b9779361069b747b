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

# make soak [SOAK_TIME=seconds]: a bounded mixed load on one rcmdd (8
# connections of mixed commands, one client flooding output it reads
# slowly, hostile clients for part of the time), then a summary: commands
# run, errors, RSS and descriptors at start and end, and rows in the audit
# log against commands started. Exits 1 if anything is off.

seconds=${1:-600}
top_srcdir=${top_srcdir:-$(dirname "$0")/..}
top_builddir=${top_builddir:-.}
RCMDD=${RCMDD:-$top_builddir/daemon/rcmdd}
RCMD=${RCMD:-$top_builddir/client/rcmd}
watchdog=$((seconds + 300))
. "$top_srcdir/tests/regress/lib.sh"

# Both parts of rcmdd: the network part holds the connections.
fds() { for p in $(daemon_pids); do ls "/proc/$p/fd"; done | wc -l; }
rss() { daemon_rss_kb; }

# The hostile clients come from the load's own address: the per-source
# limit would refuse the load (conn-defaults.sh tests that limit).
write_config "CommandTimeout 30" "MaxConnectionsPerSource 0"
start_daemon
expect_serving
rss0=$(rss)
fds0=$(fds)
say "soak: $seconds s; daemon RSS $rss0 kB, $fds0 descriptors"

: >"$dir/load.log"
"$PYTHON" "$top_srcdir/tests/regress/loadclient.py" "$port" 8 "$seconds" \
    "$dir/load.log" >"$dir/load.out" 2>&1 &
l1=$!
"$PYTHON" "$top_srcdir/tests/regress/loadclient.py" "$port" 1 "$seconds" \
    "$dir/load.log" 'head -c 50000000 /dev/zero' >"$dir/big.out" 2>&1 &
l2=$!
"$PYTHON" "$top_srcdir/tests/regress/hostile.py" "$port" \
    $((seconds / 3 + 1)) >"$dir/hostile.out" 2>&1 &
l3=$!
track "$l1"
track "$l2"
track "$l3"
wait "$l1" "$l2" "$l3"
wait_sql 60 "SELECT count(*) FROM commands WHERE status = 'running'" 0 ||
    fail "commands still running after the load: $sql_got"
sleep 1
rss1=$(rss)
fds1=$(fds)
started=$(grep -c '^started ' "$dir/load.log")
errors=$(grep -c '^error ' "$dir/load.log")
rows=$(sql "SELECT count(*) FROM commands")
abnormal=$(sql "SELECT count(*) FROM commands WHERE
    NOT (status = 'exited' AND exit_code = 0)")
"$RCMDD" --verify-audit "$db" >"$dir/verify" 2>&1 || errors=$((errors + 1))
cat <<SUMMARY
soak summary ($seconds s):
  commands run:      $started ($(cat "$dir/load.out"); big output: $(cat "$dir/big.out"))
  hostile clients:   $(cat "$dir/hostile.out")
  errors to clients: $errors
  rows in the log:   $rows, not exited 0: $abnormal
  daemon RSS:        $rss0 kB at start, $rss1 kB at end
  descriptors:       $fds0 at start, $fds1 at end
  audit chain:       $(cat "$dir/verify")
SUMMARY
expect_eq "errors" 0 "$errors"
for out in load big; do
	expect_match "connections the $out client lost" \
	    "* 0 connections lost,*" "$(cat "$dir/$out.out")"
done
expect_eq "descriptors at the end" "$fds0" "$fds1"
expect_ge "rows (every started command has one)" "$rows" "$started"
expect_le "RSS at the end (kB)" "$rss1" $((rss0 * 2 + 8192))
