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

# Not started as root, rcmdd would run commands as its own user, who can
# read its TLS key and rewrite its audit log. It refuses to start, and
# rcmdd -t refuses the configuration, with what to do, unless SingleUser
# yes or --single-user asks for a single-user trial: then it starts and
# warns. As root the test runs rcmdd as nobody (setpriv); as anyone else,
# as that user.

. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 ||
	    fail "setpriv is needed: install util-linux"
	user=nobody
	uid=$(id -u nobody) || fail "no user nobody"
	# nobody writes the database and the port file in the folder.
	chown nobody "$dir" || fail "chown nobody $dir"
	as_user="setpriv --reuid=$uid --regid=$(id -g nobody) --clear-groups"
else
	user=$(id -un)
	uid=$(id -u)
	as_user=
fi

write_config "RunAs $user"
msg="rcmdd: not started as root: commands would run as uid $uid ($user), rcmdd's own user, and could read its TLS key and rewrite its audit log; start rcmdd as root, so that commands run as a separate user (RunAs, nobody by default), or for a single-user trial give \"SingleUser yes\" or --single-user"

# Without the opt-in: rcmdd -t and start-up say the same.
$as_user "$RCMDD" -t -c "$conf" >"$dir/out" 2>"$dir/err" </dev/null
expect_eq "rcmdd -t status, not root" 1 "$?"
expect_eq "rcmdd -t stdout" "" "$(cat "$dir/out")"
expect_eq "rcmdd -t message" "$msg" "$(cat "$dir/err")"

timeout 10 $as_user "$RCMDD" -f -c "$conf" >"$dir/out" 2>"$dir/err" \
    </dev/null
expect_eq "start-up status, not root" 1 "$?"
expect_eq "start-up message" "$msg" "$(cat "$dir/err")"
[ ! -e "$dir/port" ] || fail "rcmdd wrote a port file"
[ ! -e "$db" ] || fail "rcmdd created the database"

# With the opt-in, in the file: -t passes and warns; rcmdd starts, warns,
# and runs commands as its own user.
warning="rcmdd: SingleUser: commands run as uid $uid ($user), rcmdd's own user, and can read its TLS key and rewrite or delete rows of its audit log: for a single-user trial only"
write_config "RunAs $user" "SingleUser yes"
$as_user "$RCMDD" -t -c "$conf" >"$dir/out" 2>"$dir/err" </dev/null
expect_eq "rcmdd -t status, SingleUser yes" 0 "$?"
expect_eq "rcmdd -t stdout" "rcmdd: configuration OK" "$(cat "$dir/out")"
expect_eq "rcmdd -t warning" "$warning" "$(cat "$dir/err")"

RCMDD_WRAPPER=$as_user
start_daemon
expect_log "start-up warning" "$warning"
expect_eq "the command's user" "$uid" "$(rcmd -n 'id -u')"
stop_daemon

# The command line's --single-user does the same.
write_config "RunAs $user"
: >"$log"
start_daemon --single-user
expect_log "start-up warning, --single-user" "$warning"
expect_eq "the command's user, --single-user" "$uid" "$(rcmd -n 'id -u')"
stop_daemon

# A terminal session of a single-user trial writes no login records by
# default: its user cannot write the system's utmp and wtmp, and a
# warning at every session would say only that. (lib.sh names the
# test's own files; here they are left to their defaults.)
write_config "RunAs $user"
sed -i '/^Session[UW]tmp /d' "$conf"
: >"$log"
start_daemon --single-user
TERM=vt100 "$RCMD" -p "$port" -yy 127.0.0.1 'exit 3' </dev/null \
    >"$dir/out" 2>&1
expect_eq "a terminal session, --single-user" 3 "$?"
stop_daemon
if grep -q "Session[UW]tmp\|login" "$log"; then
	fail "a single-user trial's terminal session warned: $(cat "$log")"
fi

# "SingleUser no" is the default, and a bad value is an error.
write_config "RunAs $user" "SingleUser maybe"
out=$($as_user "$RCMDD" -t -c "$conf" 2>&1)
expect_eq "rcmdd -t status, SingleUser maybe" 1 "$?"
expect_match "its message" "*SingleUser \"maybe\": use yes or no*" "$out"

# As root, the opt-in changes nothing and says nothing.
if [ "$(id -u)" -eq 0 ]; then
	write_config "RunAs nobody" "SingleUser yes"
	"$RCMDD" -t -c "$conf" >"$dir/out" 2>"$dir/err" </dev/null
	expect_eq "rcmdd -t as root, SingleUser yes" 0 "$?"
	expect_eq "rcmdd -t as root: no warning" "" "$(cat "$dir/err")"
fi
exit 0
