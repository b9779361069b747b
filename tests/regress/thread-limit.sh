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

# A thread that cannot be started refuses that one command, and the
# daemon serves on. rcmdd runs as an unprivileged user (root is exempt
# from RLIMIT_NPROC) and, once a command runs, its RLIMIT_NPROC is set to
# the tasks that user has: the next command's worker thread cannot start,
# so that EXEC gets ERROR 11 saying why, with a denied row; after the
# first command ends, its idle thread runs the next one.

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || {
	echo "$test_name: SKIP: needs root to start rcmdd as another user" >&2
	exit 77
}
for _t in setpriv prlimit ps; do
	command -v "$_t" >/dev/null 2>&1 || {
		echo "$test_name: SKIP: no $_t" >&2
		exit 77
	}
done

# A system user that runs nothing now, so that its task count is ours.
user=
for _u in games news uucp list irc lp man mail proxy backup; do
	id -u "$_u" >/dev/null 2>&1 || continue
	[ -z "$(ps -L -U "$_u" --no-headers 2>/dev/null)" ] || continue
	user=$_u
	break
done
[ -n "$user" ] || {
	echo "$test_name: SKIP: no idle system user to run rcmdd as" >&2
	exit 77
}
uid=$(id -u "$user")
gid=$(id -g "$user")
chown "$uid:$gid" "$dir" || fail "chown $dir"
write_config "RunAs $user" "SingleUser yes"
RCMDD_WRAPPER="setpriv --reuid=$uid --regid=$gid --clear-groups -- ${RCMDD_WRAPPER:-}" \
    start_daemon

tasks() {
	ps -L -U "$user" --no-headers | wc -l
}

rcmd_bg -n 'exec sleep 3' >"$dir/first.out" 2>&1
first_pid=$rcmd_pid
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'running'" 1 ||
    fail "the first command did not start: $sql_got"
n=$(trim "$(tasks)")
# The network part, which starts the workers' threads: the child of
# daemon_pid named rcmdd (the commands are its children too).
netpid=$(ps --ppid "$daemon_pid" -o pid=,comm= |
    awk '$2 == "rcmdd" { print $1 }')
[ -n "$netpid" ] || fail "no network part under rcmdd's pid $daemon_pid"
setpriv --reuid="$uid" --regid="$gid" --clear-groups \
    prlimit --pid "$netpid" --nproc="$n:$n" ||
    fail "cannot set RLIMIT_NPROC of rcmdd's network part"
say "$user runs $n tasks; RLIMIT_NPROC of rcmdd's network part set to $n"

rcmd -n true >"$dir/out" 2>"$dir/err"
expect_eq "a second command: status" 255 "$?"
expect_match "its message" "rcmd: 127.0.0.1: cannot run the command: rcmdd cannot start a thread for it (Resource temporarily unavailable: the limit on processes and threads, RLIMIT_NPROC or the service's TasksMax, is reached); try again later" \
    "$(cat "$dir/err")"
daemon_exited && fail "rcmdd exited (status $daemon_status)"
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'denied'
    AND reason LIKE 'cannot run the command: rcmdd cannot start a thread%'" 1 ||
    fail "no denied row for the refused command: $sql_got"

wait "$first_pid"
expect_eq "the first command's status" 0 "$?"
expect_serving
expect_sql "rows" "SELECT status, count(*) FROM commands GROUP BY status
    ORDER BY status" "denied|1
exited|2"
