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
# AuditGroup: the database, -wal and -shm files are mode 0640 and owned by
# that group, also when an earlier run left them 0600, so that a member of
# the group (and no one else) reads the audit log with sqlite3 -readonly
# while rcmdd runs, and with ?immutable=1 once it has stopped; without
# AuditGroup they go back to 0600. An unknown
# group stops rcmdd, and rcmdd -t, naming it. Skipped, saying so, when the
# test does not run as root.

. "$(dirname "$0")/lib.sh"

# An unknown group needs no root to be refused.
write_config "AuditGroup rcmdd-no-such-group"
out=$("$RCMDD" -t -c "$conf" 2>&1)
expect_eq "rcmdd -t status with an unknown AuditGroup" 1 "$?"
expect_match "its message" "*AuditGroup rcmdd-no-such-group: no such group: create it (groupadd rcmdd-no-such-group) or name an existing one*" "$out"
"$RCMDD" -f -c "$conf" >"$dir/out" 2>&1 </dev/null
expect_eq "rcmdd status with an unknown AuditGroup" 1 "$?"
expect_match "its message" "*AuditGroup rcmdd-no-such-group: no such group*" \
    "$(cat "$dir/out")"
[ ! -e "$db" ] || fail "the database was created anyway"

if [ "$(id -u)" -ne 0 ]; then
	echo "audit-group: SKIP: needs root to give files to another group"
	exit 77
fi
command -v setpriv >/dev/null 2>&1 ||
    fail "setpriv is needed: install util-linux"
# A group that is not root's, nor nobody's own.
group=
for g in adm nogroup; do
	getent group "$g" >/dev/null 2>&1 && { group=$g; break; }
done
[ -n "$group" ] || fail "neither group adm nor nogroup exists"
other=daemon
getent group "$other" >/dev/null 2>&1 || fail "no group daemon"

# perms: print each file's mode and group.
perms() {
	for _p_f in "$db" "$db-wal" "$db-shm"; do
		stat -c '%a %G' "$_p_f" 2>&1
	done | tr '\n' ' '
}

# read_as GROUP: count the rows as nobody in GROUP alone.
read_as() {
	setpriv --reuid=nobody --regid="$1" --clear-groups \
	    "$SQLITE3" -readonly "$db" 'SELECT count(*) FROM commands' 2>&1
}

# A run without AuditGroup that dies, leaving its files 0600.
chgrp "$group" "$dir" && chmod 750 "$dir" || fail "cannot share $dir"
write_config
start_daemon
expect_serving
expect_eq "modes without AuditGroup" "600 root 600 root 600 root " "$(perms)"
expect_match "a member of $group reading without AuditGroup" \
    "*unable to open database*" "$(read_as "$group")"
kill -KILL "$daemon_pid"
wait_daemon_exit 10 || fail "rcmdd did not die of SIGKILL"
[ -e "$db-wal" ] && [ -e "$db-shm" ] ||
    fail "SIGKILL left no -wal and -shm to fix"

# AuditGroup fixes all three, and a member of the group can read.
write_config "AuditGroup $group"
start_daemon
expect_serving
expect_eq "modes with AuditGroup" "640 $group 640 $group 640 $group " \
    "$(perms)"
expect_eq "a member of $group reads the audit log" 2 "$(read_as "$group")"
expect_match "a member of $other only" "*unable to open database*" \
    "$(read_as "$other")"
stop_daemon

# Created afresh with AuditGroup, while rcmdd runs.
rm -f "$db" "$db-wal" "$db-shm"
start_daemon
expect_serving
expect_eq "new files with AuditGroup" "640 $group 640 $group 640 $group " \
    "$(perms)"
expect_eq "a member of $group reads the new log" 1 "$(read_as "$group")"

# AuditGroup changes only on restart.
write_config
kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: AuditGroup changes only on restart; keeping $group" \
    "$log" || fail "rcmdd did not keep AuditGroup on reload"
stop_daemon
# Stopped, the -wal and -shm files are gone: rcmdd(8)'s immutable form.
expect_eq "a member of $group reads the stopped log" 1 \
    "$(setpriv --reuid=nobody --regid="$group" --clear-groups "$SQLITE3" \
    "file:$db?immutable=1" 'SELECT count(*) FROM commands' 2>&1)"

# Without it again, back to 0600.
start_daemon
expect_eq "modes once AuditGroup is gone" "600 $group 600 $group 600 $group " \
    "$(perms)"
expect_match "a member of $group reading once AuditGroup is gone" \
    "*unable to open database*" "$(read_as "$group")"
stop_daemon
