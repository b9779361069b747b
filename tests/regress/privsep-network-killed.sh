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

# SIGKILL to the network part (a crash of the code that parses the
# network) leaves no command unaccounted: the privileged part kills the
# command it started, ends its row as interrupted with the reason, logs
# why, and exits non-zero so that systemd restarts it; the client sees
# its connection close.

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || {
	echo "$test_name: SKIP: the network part confines itself as root only" >&2
	exit 77
}
start_daemon
rcmd_bg -n 'echo $$; exec sleep 30' >"$dir/out" 2>"$dir/err"
pid=$rcmd_pid
wait_for 5 grep -q . "$dir/out" || fail "the command did not start"
child=$(cat "$dir/out")
track "$child"
netpid=$(ps --ppid "$daemon_pid" -o pid=,comm= |
    awk '$2 == "rcmdd" { print $1 }')
[ -n "$netpid" ] || fail "no network part under rcmdd's pid $daemon_pid"

kill -KILL "$netpid"
wait_daemon_exit 10 || fail "rcmdd did not exit after its network part died"
expect_eq "rcmdd's exit status" 1 "$daemon_status"
wait "$pid"
expect_eq "rcmd's exit status" 255 "$?"
expect_eq "rcmd's message" \
    "rcmd: connection to 127.0.0.1 closed before the command finished" \
    "$(cat "$dir/err")"
kill -0 "$child" 2>/dev/null && fail "the command outlived rcmdd"
expect_sql "the row" "SELECT status, reason, finished_at IS NOT NULL
    FROM commands" \
    "interrupted|the network part of rcmdd ended before the command finished|1"
expect_log "the reason in the log" \
    "the network part (pid $netpid) was killed by signal 9 (Killed)"
exit 0
