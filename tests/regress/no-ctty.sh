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

# A command has no controlling terminal, even under rcmdd -f started from
# one: it starts a session of its own, so it can neither write to the
# operator's terminal nor push input into it (TIOCSTI). rcmdd runs here
# with a pseudo-terminal as its controlling terminal; a command looks for
# its own (/proc/PID/stat's tty_nr) and tries to open /dev/tty, and its
# session id must be its own pid.

. "$(dirname "$0")/lib.sh"

# Give rcmdd a controlling terminal: a new session, a pseudo-terminal made
# its controlling terminal, the master kept open (inherited) so that it is
# never hung up, then exec.
cat >"$dir/ctty.py" <<'PY'
import fcntl, os, sys, termios
master, slave = os.openpty()
os.setsid()
fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
os.close(slave)
os.set_inheritable(master, True)
os.execv(sys.argv[1], sys.argv[1:])
PY
RCMDD_WRAPPER="$PYTHON $dir/ctty.py"
start_daemon

# Field 7 of /proc/PID/stat is the controlling terminal, 0 for none.
tty_nr() {
	read -r _tn_line <"/proc/$1/stat" || return 1
	# shellcheck disable=SC2086
	set -- ${_tn_line##*) }
	echo "$5"
}
daemon_tty=$(tty_nr "$daemon_pid")
[ -n "$daemon_tty" ] && [ "$daemon_tty" != 0 ] ||
    fail "the test could not give rcmdd a controlling terminal" \
    "(tty_nr \"$daemon_tty\")"

rcmd_within 20 -n 'set -- $(sed "s/.*) //" /proc/$$/stat);
    echo "pid $$ session $4 tty $5";
    if (exec 3<>/dev/tty) 2>/dev/null; then echo "/dev/tty opened";
    else echo "/dev/tty refused"; fi' >"$dir/out" 2>&1
rc=$?
expect_eq "exit status" 0 "$rc"
set -- $(sed -n 1p "$dir/out")
expect_eq "the command's controlling terminal (tty_nr)" 0 "$6"
expect_eq "the command's session id" "$2" "$4"
expect_eq "opening /dev/tty" "/dev/tty refused" "$(sed -n 2p "$dir/out")"
