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
# Run-as and per-command limits. Started as root, rcmdd runs commands as
# RunAs (nobody when unset; root only when "RunAs root" is written), with
# that user's groups, home (or / when it has none) and umask 022 unless
# CommandUmask says otherwise, under the CommandMax* limits. Not as root,
# it runs commands as itself and refuses a RunAs naming anyone else.
# Skipped, saying so, when the test does not run as root.

. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "runas: SKIP: needs root to change users"
	exit 77
fi
command -v setpriv >/dev/null 2>&1 ||
    fail "setpriv is needed: install util-linux"
nobody_uid=$(id -u nobody) || fail "no user nobody"
nobody_home=$(getent passwd nobody | cut -d: -f6)
[ -x "$nobody_home" ] || nobody_home=/

# The default, with no RunAs at all: nobody.
cat >"$conf" <<CONF
Port 0
PortFile $dir/port
Database $db
NetworkUser daemon
CONF
start_daemon
expect_eq "default user" "nobody $nobody_uid" "$(rcmd -n 'echo $(id -un) $(id -u)')"
expect_eq "home, umask, environment" "$nobody_home 0022 nobody $nobody_home" \
    "$(rcmd -n 'echo $(pwd) $(umask) $USER $HOME')"
expect_eq "groups" "$(id -G nobody)" "$(rcmd -n 'id -G')"
stop_daemon

# A umask and limits.
write_config "RunAs nobody" "CommandUmask 077" "CommandMaxFiles 64" \
    "CommandMaxCPU 3s" "CommandMaxMemory 512M" "CommandMaxProcesses 40"
start_daemon
expect_eq "umask" "0077" "$(rcmd -n umask)"
rcmd -n cat /proc/self/limits >"$dir/limits"
expect_match "open files" "*Max open files*64*64*files*" \
    "$(grep 'Max open files' "$dir/limits")"
expect_match "cpu time" "*Max cpu time*3*3*seconds*" \
    "$(grep 'Max cpu time' "$dir/limits")"
expect_match "address space" "*Max address space*536870912*536870912*bytes*" \
    "$(grep 'Max address space' "$dir/limits")"
expect_match "processes" "*Max processes*40*40*processes*" \
    "$(grep 'Max processes' "$dir/limits")"
# The CPU limit ends a busy loop with SIGXCPU (or SIGKILL at the hard
# limit): 128 + 24 or 128 + 9.
rcmd_within 20 -n 'while :; do :; done'
rc=$?
[ "$rc" -eq 152 ] || [ "$rc" -eq 137 ] ||
    fail "a busy loop under CommandMaxCPU 3s: status $rc, not 152 or 137"
stop_daemon

# A shell that cannot start: with its user over CommandMaxProcesses, the
# kernel refuses the exec in the spawned child (EAGAIN). The child's error
# reaches the daemon: a "failed" row with the reason, and rcmd says why
# and exits 255. The limit counts the user's processes elsewhere too, so
# this part runs commands as an idle system user of its own rather than
# nobody, whom tests running beside this one use.
limited=
for _u in backup proxy mail man lp irc list uucp news games; do
	id -u "$_u" >/dev/null 2>&1 || continue
	[ -z "$(ps -U "$_u" --no-headers 2>/dev/null)" ] || continue
	limited=$_u
	break
done
[ -n "$limited" ] || fail "no idle system user for the CommandMaxProcesses check"
others=$(ps -U "$limited" --no-headers 2>/dev/null | wc -l)
write_config "RunAs $limited" "CommandMaxProcesses $((others + 1))"
start_daemon
rcmd_bg -n 'exec sleep 30'
first=$rcmd_pid
rcmd_bg -n 'exec sleep 30'
second=$rcmd_pid
wait_sql 10 "SELECT count(*) FROM commands WHERE status = 'running'" 2 ||
    fail "two sleeps as $limited are not running: $sql_got"
# (sh -c: the count is taken again at each try, not once.)
wait_for 10 sh -c "test \$(ps -U $limited --no-headers | wc -l) -ge $((others + 2))" ||
    fail "the two sleeps have not become $limited's"
out=$(rcmd -n 'echo ran' 2>&1)
expect_eq "status of a command that could not start" 255 "$?"
expect_match "rcmd's message" \
    "*could not start the command: Resource temporarily unavailable*" "$out"
expect_sql "its row" "SELECT status, reason FROM commands WHERE command = 'echo ran'" \
    "failed|cannot start /bin/sh: Resource temporarily unavailable"
kill -TERM "$first" "$second"
wait "$first" "$second"
stop_daemon

# Root only when written out; and rcmdd -t says so.
write_config "RunAs root"
start_daemon
expect_eq "RunAs root" "0" "$(rcmd -n 'id -u')"
stop_daemon

# Not root: only itself.
chmod 755 "$dir"
write_config "RunAs root"
out=$(setpriv --reuid="$nobody_uid" --regid="$(id -g nobody)" \
    --clear-groups "$RCMDD" -t -c "$conf" 2>&1)
expect_ne "rcmdd -t as nobody with RunAs root" 0 "$?"
expect_match "its message" "*RunAs root: rcmdd runs as uid $nobody_uid and can run commands only as itself; start it as root to run them as root*" "$out"
