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
# Without -f, rcmdd detaches once it is ready: the starting process exits
# 0, the daemon writes its pidfile (PidFile), serves, logs to syslog rather
# than to the terminal, and removes the pidfile when it stops. A second
# rcmdd on the same pidfile refuses to start and names the running one. A
# start-up error still reaches the terminal, with a non-zero status.

. "$(dirname "$0")/lib.sh"

write_config "PidFile $dir/rcmdd.pidfile"
"$RCMDD" -c "$conf" >"$dir/out" 2>"$dir/err" </dev/null
rc=$?
# Track the detached daemon first, so that a failure below still stops it.
wait_for 10 test -s "$dir/rcmdd.pidfile" || fail "no pidfile"
pid=$(cat "$dir/rcmdd.pidfile")
track "$pid"
expect_eq "the starting process's status" 0 "$rc"
expect_eq "what it printed" "" "$(cat "$dir/out" "$dir/err")"
proc_alive "$pid" || fail "the pid in the pidfile, $pid, is not running"
port=$(cat "$dir/port")
expect_serving

"$RCMDD" -c "$conf" >"$dir/out2" 2>&1 </dev/null
expect_ne "a second rcmdd's status" 0 "$?"
expect_match "a second rcmdd's message" \
    "*already running as pid $pid*" \
    "$(cat "$dir/out2")"

kill -TERM "$pid"
wait_for 10 eval '! proc_alive "$pid"' || fail "rcmdd did not stop"
[ ! -e "$dir/rcmdd.pidfile" ] || fail "the pidfile is still there"

# A start-up error after detaching begins still reaches the terminal.
"$RCMDD" -c "$conf" -d "$dir/no/such/dir/a.db" >"$dir/out" 2>"$dir/err" \
    </dev/null
expect_ne "status with a bad database" 0 "$?"
expect_match "message with a bad database" \
    "*cannot open audit database $dir/no/such/dir/a.db*" \
    "$(cat "$dir/err")"
