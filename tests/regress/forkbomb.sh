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
# A fork bomb under CommandMaxProcesses fails without harming the daemon
# or the host: its forks fail at the limit, the daemon answers another
# client at once meanwhile, the host can fork, the bomb ends within its
# timeout, no process of it is left, and the daemon serves as before. Needs root (RLIMIT_NPROC binds a RunAs user,
# not root); skipped, saying so, otherwise.

. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "forkbomb: SKIP: needs root to run commands as nobody"
	exit 77
fi
# RLIMIT_NPROC counts every process of the user, each thread one: leave
# room for those nobody already has on this machine (the network parts of
# other tests' daemons run as nobody, with their threads).
others=$(ps -L -u nobody --no-headers 2>/dev/null | wc -l)
limit=$((others + 30))
write_config "RunAs nobody" "CommandMaxProcesses $limit" "KillGrace 1s" \
    "DrainTimeout 1s"
start_daemon

rcmd_bg -n -t 5 'echo $$; b() { b | b & }; b; wait' >"$dir/out" 2>&1
bomb=$rcmd_pid
wait_for 5 test -s "$dir/out" || fail "the bomb did not start"
pg=$(head -n 1 "$dir/out")
sleep 1

# The daemon and the host still work while it runs. A command of the same
# user may find the user's process quota used up by the bomb
# (RLIMIT_NPROC counts per user): then it fails to start, at once and
# saying so, and that is all.
t0=$(now_ms)
out=$(rcmd_within 10 -n 'echo fine' 2>&1)
rc=$?
expect_le "another command's time (ms)" $(($(now_ms) - t0)) 3000
case "$rc:$out" in
"0:fine")	;;
"255:rcmd: 127.0.0.1 could not start the command: Resource temporarily unavailable")
		say "the other command found nobody's quota used up" ;;
*)		fail "another command during the bomb: status $rc: $out" ;;
esac
sh -c true || fail "the host cannot fork"
n=$(proc_group "$pg" | wc -l)
say "processes in the bomb's group: $n"
expect_le "processes of the bomb" "$n" $((limit + 1))

wait "$bomb"
rc=$?
say "the bomb's rcmd exited $rc; $(grep -c -i 'fork' "$dir/out") fork failures reported"
grep -q -i "fork" "$dir/out" || fail "no fork failed: is the limit applied?"
wait_for 10 test -z "$(proc_group "$pg")" ||
    fail "processes of the bomb remain: $(proc_group "$pg" | wc -l)"
# Once they are reaped, nobody's quota is free again.
wait_for 10 sh -c "'$RCMD' -p $port -n 127.0.0.1 true >/dev/null 2>&1" ||
    fail "rcmd true still fails after the bomb"
expect_sql "the bomb's row is final" "SELECT status != 'running',
    finished_at IS NOT NULL FROM commands WHERE id = 1" "1|1"
expect_serving
