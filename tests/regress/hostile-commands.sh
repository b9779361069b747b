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
# Commands that misbehave: one that ignores SIGTERM, one that leaves a
# grandchild holding its output open, one that closes stdout early, one
# that writes 1 GiB, and one that exits while its children run. Each ends
# within its timeout plus the grace periods, no process of its group is
# left, the daemon has no zombie child, and its RSS stays bounded.

. "$(dirname "$0")/lib.sh"

write_config "KillGrace 1s" "DrainTimeout 1s"
start_daemon

# run_case NAME LIMIT_MS EXPECTED_STATUS RCMD_ARGS...: run a command that
# prints its process group first ($$ is the shell, the group's leader),
# check its status and time, and that its group is empty afterwards.
run_case() {
	_name=$1 _limit=$2 _want=$3
	shift 3
	_t0=$(now_ms)
	rcmd_within 60 "$@" >"$dir/out" 2>"$dir/err"
	_rc=$?
	_ms=$(($(now_ms) - _t0))
	expect_eq "$_name: status" "$_want" "$_rc"
	expect_le "$_name: time (ms)" "$_ms" "$_limit"
	_pg=$(head -n 1 "$dir/out")
	case $_pg in
	''|*[!0-9]*)	fail "$_name: no process group printed: $_pg" ;;
	esac
	wait_for 5 test -z "$(proc_group "$_pg")" ||
	    fail "$_name: processes of group $_pg remain: $(proc_group "$_pg")"
	say "$_name: status $_rc in $_ms ms, group $_pg empty"
}

run_case "ignores SIGTERM" 4000 124 -n -t 1 \
    'echo $$; trap "" TERM; while :; do sleep 1; done'
run_case "grandchild holds the output" 4000 0 -n \
    'echo $$; sleep 30 & exit 0'
run_case "exits while children run" 4000 0 -n \
    'echo $$; (sleep 30; echo late) & (sleep 30 &) ; exit 0'
run_case "closes stdout early" 4000 0 -n \
    'echo $$; exec >&-; sleep 0.5; echo stderr still works >&2'
expect_eq "closes stdout early: stderr" "stderr still works" "$(cat "$dir/err")"

t0=$(now_ms)
rcmd_within 120 -n 'echo $$; head -c 1073741824 /dev/zero' >"$dir/big" 2>&1
expect_eq "1 GiB: status" 0 "$?"
say "1 GiB: $(($(now_ms) - t0)) ms"
expect_eq "1 GiB: bytes" $((1073741824 + $(head -n 1 "$dir/big" | wc -c))) \
    "$(wc -c <"$dir/big")"
rm -f "$dir/big"

expect_eq "zombie children of rcmdd" "" "$(ps -o stat= --ppid "$daemon_pid" |
    grep Z)"
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' \
    "/proc/$daemon_pid/status")
say "daemon VmHWM $hwm kB"
if [ -z "${RCMDD_WRAPPER:-}" ] && [ -z "${RCMDD_SANITIZED:-}" ]; then
	expect_le "daemon VmHWM (kB)" "$hwm" 65536
fi
expect_serving
