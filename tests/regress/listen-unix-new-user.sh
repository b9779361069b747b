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
# A user made after rcmdd started is named in the audit row of a command
# sent over the Unix socket once rcmdd has reloaded (SIGHUP): the confined
# network part cannot read the user database, so the privileged part
# sends it the users' names with each reload. Before the reload, the
# peer is "uid N". The test makes a user of its own (useradd) and
# removes it at the end.

. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "listen-unix-new-user: SKIP: needs root to make a user" >&2
	exit 77
fi
for _c in useradd userdel setpriv; do
	if ! command -v "$_c" >/dev/null 2>&1; then
		echo "listen-unix-new-user: SKIP: no $_c (passwd, util-linux)" >&2
		exit 77
	fi
done

user=rcmdt$$
if id "$user" >/dev/null 2>&1; then
	echo "listen-unix-new-user: SKIP: a user $user exists already" >&2
	exit 77
fi
sock=$dir/rcmdd.sock
chmod 711 "$dir" || fail "chmod $dir"
write_config "ListenSocket $sock" "ListenSocketMode 0666"
start_daemon

# The user is made now, after start-up; it goes however the test ends.
made=
trap '_rc=$?; [ -z "$made" ] || userdel "$user" 2>/dev/null; (exit $_rc);
    lib_cleanup' EXIT
useradd -M -N -s /bin/false "$user" || fail "useradd $user failed"
made=1
uid=$(id -u "$user") || fail "no uid for $user"

# as_user COMMAND: rcmd over the socket as the new user; its row's
# identity in sql_got.
as_user() {
	setpriv --reuid="$uid" --regid="$(id -g "$user")" --clear-groups \
	    "$RCMD" -n "unix:$sock" "$1" ||
	    fail "rcmd as $user over the socket failed"
	wait_sql 5 "SELECT count(*) FROM commands WHERE command = '$1' AND
	    status = 'exited'" 1 || fail "no final row for \"$1\""
	sql_got=$(sql "SELECT identity FROM commands WHERE command = '$1'")
}

as_user "echo before"
expect_eq "identity before the reload" "uid $uid" "$sql_got"

kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: configuration reloaded" "$log" ||
    fail "rcmdd did not log the reload"
as_user "echo after"
expect_eq "identity after the reload" "$user" "$sql_got"

userdel "$user" || fail "userdel $user failed"
made=
exit 0
