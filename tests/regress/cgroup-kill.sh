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

# Where rcmdd may make cgroups, each command runs in one of its own, and
# what it leaves behind ends with it, even a process that left its session
# and process group with setsid and closed the output: after the command
# exits, after its time limit, and when its client disconnects. A command
# whose cgroup cannot be made fails rather than run without. rcmdd's own
# tree is gone once it stops. Skipped (exit 77, with the reason) where
# this script cannot make a cgroup v2 in its own: then rcmdd cannot either.

skip() {
	echo "${0##*/}: SKIP: $*" >&2
	exit 77
}

# Our cgroup v2 folder: the "0::" line under the cgroup2 mount holding it.
cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
[ -n "$cg" ] || skip "no cgroup v2 in /proc/self/cgroup"
mnt=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
    if ($(i + 1) == "cgroup2" && $4 == "/") { print $5; exit } }' \
    /proc/self/mountinfo)
[ -n "$mnt" ] || skip "no cgroup2 mount of the whole hierarchy"
here=$mnt${cg%/}
probe=$here/rcmdd-probe.$$
mkdir "$probe" 2>/dev/null || skip "cannot make a cgroup in $here"
kill_ok=no
[ -e "$probe/cgroup.kill" ] && kill_ok=yes
rmdir "$probe"
[ "$kill_ok" = yes ] || skip "no cgroup.kill (Linux 5.14 or later)"

. "$(dirname "$0")/lib.sh"

write_config "KillGrace 1s" "DrainTimeout 1s"
start_daemon
expect_log "cgroup mode" "commands: each in a cgroup of its own under"
tree=$here/rcmdd-$daemon_pid
[ -d "$tree/daemon" ] || fail "no $tree/daemon"
expect_eq "rcmdd's own cgroup" "0::${cg%/}/rcmdd-$daemon_pid/daemon" \
    "$(grep '^0::' "/proc/$daemon_pid/cgroup")"

# gone PID: the process is gone (or a zombie) within 3 s.
gone() {
	gone_pid=$1
	proc_alive "$gone_pid" || return 0
	wait_for 3 eval '! proc_alive "$gone_pid"'
}

# 1. The command exits; a setsid'd process that closed the output stays.
rcmd_within 20 -n 'grep "^0::" /proc/self/cgroup;
    setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $!' >"$dir/out"
expect_eq "exit status" 0 "$?"
expect_eq "the command's cgroup" "0::${cg%/}/rcmdd-$daemon_pid/cmd-1" \
    "$(sed -n 1p "$dir/out")"
escaped=$(sed -n 2p "$dir/out")
track "$escaped"
gone "$escaped" || fail "process $escaped, left by a command that" \
    "exited, outlived it"
[ ! -e "$tree/cmd-1" ] || fail "$tree/cmd-1 is still there"

# 2. The time limit: the shell ignores SIGTERM, and so does the escapee.
rcmd_within 20 -n -t 1 'setsid sh -c "trap \"\" TERM; sleep 1000" \
    </dev/null >/dev/null 2>&1 & echo $!; trap "" TERM; sleep 1000' \
    >"$dir/out"
expect_eq "exit status after the time limit" 124 "$?"
escaped=$(sed -n 1p "$dir/out")
track "$escaped"
gone "$escaped" || fail "process $escaped, left by a command that timed" \
    "out, outlived it"

# 3. The client disconnects while the command runs.
rcmd_bg -n 'setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $!;
    echo $$; sleep 1000' >"$dir/out"
wait_for 5 eval '[ "$(wc -l <"$dir/out")" -ge 2 ]' ||
    fail "the third command printed no pids"
escaped=$(sed -n 1p "$dir/out")
shell=$(sed -n 2p "$dir/out")
track "$escaped"
track "$shell"
kill -KILL "$rcmd_pid"
gone "$shell" || fail "the shell $shell outlived its client"
gone "$escaped" || fail "process $escaped, left by a command whose" \
    "client went away, outlived it"

# 4. A command that cannot have its cgroup does not run outside one: with
# no room for another cgroup in the tree, it fails, and says why.
[ -e "$tree/cgroup.max.descendants" ] ||
    fail "no $tree/cgroup.max.descendants"
echo 1 >"$tree/cgroup.max.descendants" ||
    fail "cannot limit $tree to its daemon cgroup"
out=$(rcmd -n 'echo ran' 2>&1)
rc=$?
echo max >"$tree/cgroup.max.descendants"
expect_eq "status of a command without its cgroup" 255 "$rc"
expect_match "rcmd's message" "*could not start the command*" "$out"

expect_sql "audit rows" "SELECT id, status FROM commands ORDER BY id" \
    "1|exited
2|timeout
3|disconnected
4|failed"
expect_sql "the failed row's reason" \
    "SELECT reason FROM commands WHERE id = 4" \
    "cannot create cgroup $tree/cmd-4: Resource temporarily unavailable"
stop_daemon
[ ! -e "$tree" ] || fail "$tree is still there after rcmdd stopped"
