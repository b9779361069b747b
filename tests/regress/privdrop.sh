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
# Started as root with RunAs nobody, rcmdd keeps only CAP_SETUID,
# CAP_SETGID and CAP_KILL, in every set and every thread, and locks the
# securebits: commands run as nobody with no capability, a set-user-ID
# root program run by a command gets none either, timeouts still kill the
# command's group, and SIGHUP still reloads (but RunAs root then needs a
# restart); a CommandMax* limit above rcmdd's own hard limit is refused.
# With RunAs root, rcmdd keeps what it has. Skipped, saying so, when the
# test does not run as root.

. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "privdrop: SKIP: needs root to drop privileges"
	exit 77
fi
nobody_uid=$(id -u nobody) || fail "no user nobody"

# CAP_KILL 5, CAP_SETGID 6, CAP_SETUID 7.
kept=$(printf '%016x' $(((1 << 5) | (1 << 6) | (1 << 7))))
none=0000000000000000

# reloads N: the daemon has logged at least N reloads.
reloads() {
	[ "$(grep -c 'SIGHUP: configuration reloaded' "$log")" -ge "$1" ]
}

# cap_of FILE FIELD: print a capability set from /proc/PID/status.
cap_of() {
	sed -n "s/^$2:[[:space:]]*//p" "$1"
}

# The folder holds the set-user-ID program below: nobody must reach it.
chmod 755 "$dir"
write_config "RunAs nobody" "CommandTimeout 60"
# -v: the log tells each command's pid, which is its process group.
start_daemon -v
expect_log "the info line" "privileges: kept uid 0 with only CAP_SETUID, CAP_SETGID and CAP_KILL, to run commands as nobody"
# Every thread of the privileged part (daemon_pid): its loop and the
# audit writer, started after the drop. The workers are the network
# part's, which keeps no capability at all (below).
rcmd_bg -n 'sleep 3'
wait_for 5 grep -q 'command 1: pid' "$log" || fail "sleep 3 did not start"
nthreads=0
for task in /proc/"$daemon_pid"/task/*; do
	cat "$task/status" >"$dir/status" 2>/dev/null || continue
	nthreads=$((nthreads + 1))
	expect_eq "uid of thread ${task##*/}" "0	0	0	0" \
	    "$(cap_of "$dir/status" Uid)"
	expect_eq "CapEff of thread ${task##*/}" "$kept" \
	    "$(cap_of "$dir/status" CapEff)"
	expect_eq "CapPrm of thread ${task##*/}" "$kept" \
	    "$(cap_of "$dir/status" CapPrm)"
	expect_eq "CapBnd of thread ${task##*/}" "$kept" \
	    "$(cap_of "$dir/status" CapBnd)"
	expect_eq "CapInh of thread ${task##*/}" "$none" \
	    "$(cap_of "$dir/status" CapInh)"
	expect_eq "CapAmb of thread ${task##*/}" "$none" \
	    "$(cap_of "$dir/status" CapAmb)"
done
expect_ge "threads checked (loop, audit writer)" "$nthreads" 2
# The network part: the NetworkUser, no capability in any set.
netpid=$(ps --ppid "$daemon_pid" -o pid=,comm= |
    awk '$2 == "rcmdd" { print $1 }')
[ -n "$netpid" ] || fail "no network part under rcmdd's pid $daemon_pid"
netuid=$(id -u daemon)
# ThreadSanitizer starts a thread of its own in the child after fork(),
# before rcmdd confines itself; the bounding set is per thread, and that
# thread, which runs none of rcmdd's code, keeps it (it has no capability
# and cannot gain one: no_new_privs, and not uid 0). In a TSan build one
# such thread is allowed, and said.
tsan_bnd=0
grep -q __tsan_init "$RCMDD" 2>/dev/null && tsan_bnd=1
for task in /proc/"$netpid"/task/*; do
	cat "$task/status" >"$dir/status" 2>/dev/null || continue
	expect_eq "network part: uid of thread ${task##*/}" \
	    "$netuid	$netuid	$netuid	$netuid" \
	    "$(cap_of "$dir/status" Uid)"
	if [ "$tsan_bnd" -eq 1 ] &&
	    [ "$(cap_of "$dir/status" CapBnd)" != "$none" ]; then
		say "TSan build: thread ${task##*/} of the network part" \
		    "keeps a bounding set (ThreadSanitizer's own thread)"
		tsan_bnd=2
		_sets="CapEff CapPrm CapInh CapAmb"
	else
		_sets="CapEff CapPrm CapBnd CapInh CapAmb"
	fi
	for _set in $_sets; do
		expect_eq "network part: $_set of thread ${task##*/}" \
		    "$none" "$(cap_of "$dir/status" $_set)"
	done
done
wait "$rcmd_pid"
expect_eq "sleep 3's status" 0 "$?"

# A command is nobody, with nothing.
expect_eq "id -u" "$nobody_uid" "$(rcmd -n 'id -u')"
rcmd -n cat /proc/self/status >"$dir/status"
expect_eq "a command's CapEff" "$none" "$(cap_of "$dir/status" CapEff)"
expect_eq "a command's CapPrm" "$none" "$(cap_of "$dir/status" CapPrm)"
rcmd -n cat /etc/shadow >/dev/null 2>&1 &&
    fail "a command run as nobody read /etc/shadow"

# A set-user-ID root program becomes uid 0, but SECBIT_NOROOT keeps it
# from getting the bounding set's capabilities. Where the folder is on a
# nosuid mount the program stays nobody and there is nothing to check.
cp /bin/cat "$dir/suid-cat" && chmod 4755 "$dir/suid-cat" ||
    fail "cannot make a set-user-ID copy of cat"
rcmd -n "$dir/suid-cat" /proc/self/status >"$dir/status"
case $(cap_of "$dir/status" Uid) in
"$nobody_uid	0	0	0")
	expect_eq "a set-user-ID root program's CapEff" "$none" \
	    "$(cap_of "$dir/status" CapEff)"
	expect_eq "a set-user-ID root program's CapPrm" "$none" \
	    "$(cap_of "$dir/status" CapPrm)"
	;;
*)
	say "$dir is on a nosuid mount: the set-user-ID check is skipped"
	;;
esac

# The timeout's SIGTERM reaches nobody's process group (CAP_KILL).
write_config "RunAs nobody" "CommandTimeout 1"
kill -HUP "$daemon_pid"
wait_for 5 reloads 1 || fail "rcmdd did not log the reload"
t0=$(now_ms)
rcmd_within 20 -n 'sleep 30' 2>/dev/null
expect_eq "status of sleep 30 under CommandTimeout 1" 124 "$?"
expect_le "ms before the timeout" $(($(now_ms) - t0)) 5000
expect_sql "timeout row" "SELECT status, reason FROM commands ORDER BY id DESC
    LIMIT 1" "timeout|timed out after 1000 ms"
pgid=$(sed -n 's/.*command [0-9]*: pid \([0-9]*\)$/\1/p' "$log" | tail -n 1)
group_gone() {
	[ -z "$(proc_group "$pgid")" ]
}
wait_for 5 group_gone || fail "sleep 30's group $pgid outlived its timeout"

# Reload after the drop: a new umask applies; RunAs root does not.
write_config "RunAs nobody" "CommandUmask 077"
kill -HUP "$daemon_pid"
wait_for 5 reloads 2 || fail "rcmdd did not log the second reload"
expect_eq "umask after reload" "0077" "$(rcmd -n umask)"
write_config "RunAs root"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: RunAs root: rcmdd gave up root's capabilities at start-up to run commands as nobody; restart it to run them as root; keeping the running configuration" "$log" ||
    fail "rcmdd did not refuse RunAs root on reload"
expect_eq "user after refused reload" "$nobody_uid" "$(rcmd -n 'id -u')"
stop_daemon

# The unit sets no capability bounding set (the commands are its
# processes: service-verify.sh); the drop above is rcmdd's own. Without
# CAP_SETPCAP rcmdd cannot drop, and says so.
RCMDD_WRAPPER=
write_config "RunAs nobody"
out=$(setpriv --bounding-set=-all,+setuid,+setgid,+kill --inh-caps=-all \
    "$RCMDD" -f -c "$conf" 2>&1 </dev/null)
expect_eq "status without CAP_SETPCAP" 1 "$?"
expect_match "its message" "*cannot lock the securebits: rcmdd needs CAP_SETPCAP at start-up*" "$out"

# Without CAP_SYS_RESOURCE no command could start above rcmdd's own hard
# limit: the configuration is refused instead.
hard=$(ulimit -Hn)
write_config "RunAs nobody" "CommandMaxFiles $((hard + 1))"
out=$("$RCMDD" -t -c "$conf" 2>&1)
expect_eq "rcmdd -t status with CommandMaxFiles over the hard limit" 1 "$?"
expect_match "its message" "*CommandMaxFiles is above rcmdd's own hard limit of $hard, which commands run as nobody cannot exceed*" "$out"
write_config "RunAs nobody" "CommandMaxFiles $hard"
"$RCMDD" -t -c "$conf" >/dev/null 2>&1 ||
    fail "rcmdd -t refused CommandMaxFiles at the hard limit"

# RunAs root: commands need root's capabilities, so rcmdd keeps them.
cap_full=$(cap_of /proc/self/status CapEff)
write_config "RunAs root"
start_daemon -v
expect_log "the debug line" "privileges: RunAs root: commands run with every capability rcmdd has, so it keeps them all"
cat "/proc/$daemon_pid/status" >"$dir/status"
expect_eq "CapEff with RunAs root" "$cap_full" "$(cap_of "$dir/status" CapEff)"
expect_eq "a root command's CapEff" "$cap_full" \
    "$(rcmd -n cat /proc/self/status | sed -n 's/^CapEff:[[:space:]]*//p')"
stop_daemon
