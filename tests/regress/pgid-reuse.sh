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

# rcmdd never signals a process group it does not pin. A command leaves a
# setsid'd process holding its output and exits; while rcmdd drains (for
# DrainTimeout), an unrelated process started by this script, not by
# rcmdd, tries to take the shell's pid, and so its process group id, as
# soon as that pid is free (forced with /proc/sys/kernel/ns_last_pid, in a
# pid namespace of its own so that nothing else takes pids meanwhile).
# Either rcmdd keeps the pid taken (the shell an unreaped zombie) until its
# last signal to the group, or the process that took it must survive the
# drain's end. Skipped where a pid namespace cannot be made (root only).

skip() {
	echo "${0##*/}: SKIP: $*" >&2
	exit 77
}

if [ -z "${RCMDD_PIDNS:-}" ]; then
	[ "$(id -u)" = 0 ] || skip "needs root for a pid namespace"
	unshare -p -f --mount-proc true 2>/dev/null ||
	    skip "cannot make a pid namespace (unshare -p -f --mount-proc)"
	RCMDD_PIDNS=1
	export RCMDD_PIDNS
	exec unshare -p -f --mount-proc "$0" "$@"
fi

. "$(dirname "$0")/lib.sh"

[ -w /proc/sys/kernel/ns_last_pid ] ||
    fail "/proc/sys/kernel/ns_last_pid is not writable in the namespace"

# Take pid $1 as soon as it is free, before $2 seconds pass, for a new
# session (so process group) running sleep. Print the pid taken, or
# "pinned" if the pid was a zombie while it waited and never came free,
# or "missed".
cat >"$dir/claim.py" <<'PY'
import os, sys, time
target = int(sys.argv[1])
deadline = time.monotonic() + float(sys.argv[2])
pinned = False
while time.monotonic() < deadline:
    try:
        with open('/proc/%d/stat' % target) as f:
            if f.read().rsplit(')', 1)[1].split()[0] == 'Z':
                pinned = True
        time.sleep(0.002)
        continue
    except (FileNotFoundError, ProcessLookupError):
        pass
    with open('/proc/sys/kernel/ns_last_pid', 'w') as f:
        f.write(str(target - 1))
    pid = os.fork()
    if pid == 0:
        if os.getpid() == target:
            os.setsid()
            os.execvp('sleep', ['sleep', '100'])
        os._exit(0)
    if pid == target:
        print(pid)
        sys.exit(0)
    os.waitpid(pid, 0)
print('pinned' if pinned else 'missed')
PY

write_config "DrainTimeout 2s"
start_daemon
rcmd_bg -n 'echo $$; setsid sleep 100 & exit 0' >"$dir/out"
wait_for 5 eval '[ -s "$dir/out" ]' || fail "the command printed no pid"
shell=$(sed -n 1p "$dir/out")
"$PYTHON" "$dir/claim.py" "$shell" 6 >"$dir/claim" &
claim_pid=$!
track "$claim_pid"
wait "$rcmd_pid"
rc=$?
t_exit=$(now_ms)
wait "$claim_pid"
claimed=$(cat "$dir/claim")
expect_eq "exit status" 0 "$rc"
case $claimed in
pinned)
	say "the shell's pid $shell stayed taken until rcmdd was done" ;;
missed)
	fail "pid $shell came free but the test could not take it" ;;
*)
	track "$claimed"
	say "took the shell's pid $shell for an unrelated process group"
	# Past the drain's end, and rcmdd's last signal.
	sleep 1
	proc_alive "$claimed" ||
	    fail "rcmdd killed process group $claimed, which was not the" \
	    "command's: it took the freed pid of the command's shell"
	;;
esac
expect_sql "audit row" "SELECT status, exit_code FROM commands" "exited|0"
