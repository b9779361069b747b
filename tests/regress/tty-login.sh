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

# A terminal session's login records, as login(1) and sshd write them:
# while it lasts, who(1) lists its user on its pts line from the client's
# address (utmp); at its end it is gone from there, and last(1) shows it
# from login to logout (wtmp). A command without a terminal writes none,
# nor does a session with SessionUtmp none and SessionWtmp none.

watchdog=90
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-tty.sh"

for _tl_tool in who last utmpdump; do
	command -v "$_tl_tool" >/dev/null 2>&1 || {
		say "SKIP: no $_tl_tool (coreutils, util-linux): it reads the" \
		    "login records under test"
		exit 77
	}
done
user=$(id -un)

start_daemon
"$RCMD" -p "$port" 127.0.0.1 true || fail "rcmd true failed"
expect_eq "no terminal: nothing in utmp" 0 "$(stat -c %s "$dir/utmp")"
expect_eq "no terminal: nothing in wtmp" 0 "$(stat -c %s "$dir/wtmp")"

# A session: in utmp while it lasts.
tty_start -y 127.0.0.1 'echo "LINE=$(tty)"; cat'
tty_wait "the session" "LINE=/dev/pts/"
line=$(tty_screen | sed -n 's|^LINE=/dev/\(pts/[0-9]*\).*|\1|p' | head -n 1)
[ -n "$line" ] || fail "no terminal's name on the screen"
expect_eq "who, during the session" "$user $line (127.0.0.1)" \
    "$(who "$dir/utmp" | awk '{ print $1, $2, $NF }')"

# Its end: gone from utmp, and in wtmp from login to logout.
tty_keys C-d
tty_wait_rc "the end" 0
expect_eq "who, after the session" "" "$(who "$dir/utmp")"
last -f "$dir/wtmp" >"$dir/last" 2>&1 || fail "last -f: $(cat "$dir/last")"
expect_eq "last: the session" "$user $line 127.0.0.1" \
    "$(awk 'NR == 1 { print $1, $2, $3 }' "$dir/last")"
# wtmp: the login (type 7, USER_PROCESS) and its logout (8, DEAD_PROCESS)
# of the same shell on the same line. (last(1) shows a logout of this
# very second as "still running".)
utmpdump "$dir/wtmp" 2>/dev/null |
    sed 's/ *\]/]/g; s/\[ */[/g' >"$dir/records"
expect_eq "wtmp: two records" 2 "$(wc -l <"$dir/records" | tr -d ' ')"
expect_match "wtmp: the login" "[[]7] [[]*] [[]*] [[]$user] [[]$line]*" \
    "$(sed -n 1p "$dir/records")"
expect_match "wtmp: the logout" "[[]8] [[]*] [[]*] [[]] [[]$line]*" \
    "$(sed -n 2p "$dir/records")"
expect_eq "wtmp: the same shell" "$(cut -d ']' -f 2 "$dir/records" |
    sed -n 1p)" "$(cut -d ']' -f 2 "$dir/records" | sed -n 2p)"

# Turned off: the files stay as they are.
stop_daemon
utmp_size=$(stat -c %s "$dir/utmp")
wtmp_size=$(stat -c %s "$dir/wtmp")
write_config "SessionUtmp none" "SessionWtmp none"
start_daemon
printf 'tty; exit 3\n' | TERM=vt100 "$RCMD" -p "$port" -yy 127.0.0.1 \
    >"$dir/out" 2>&1
expect_eq "none: the session ran" 3 "$?"
grep -q /dev/pts/ "$dir/out" || fail "none: no terminal: $(cat "$dir/out")"
expect_eq "none: utmp as it was" "$utmp_size" "$(stat -c %s "$dir/utmp")"
expect_eq "none: wtmp as it was" "$wtmp_size" "$(stat -c %s "$dir/wtmp")"

# Files that cannot be written: a warning each, and the session goes on.
stop_daemon
mkdir "$dir/udir" "$dir/wdir"
write_config "SessionUtmp $dir/udir" "SessionWtmp $dir/wdir"
start_daemon
printf 'exit 5\n' | TERM=vt100 "$RCMD" -p "$port" -yy 127.0.0.1 \
    >"$dir/out" 2>&1
expect_eq "unwritable: the session ran" 5 "$?"
expect_log "unwritable: utmp" "cannot record a terminal's login in $dir/udir"
expect_log "unwritable: wtmp" "cannot record a terminal's login in $dir/wdir"
expect_log "unwritable: what to do" "set SessionWtmp none"
