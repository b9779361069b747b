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


# The control socket, as an operator uses it: rcmdd --list shows the
# command running (audit id, age, identity, run-as user, client, command),
# --status the daemon's state, --end ID ends that command (its row says
# who ended it; rcmd is told), --reload reports the daemon's own verdict
# (a change only a restart may make is refused, exit 1, with the reason),
# only root and rcmdd's own user may connect, a second daemon cannot take
# a live socket, and the socket goes when rcmdd does.

. "$(dirname "$0")/lib.sh"

ctl=$dir/control.sock
write_config "ControlSocket $ctl"
start_daemon
[ -S "$ctl" ] || fail "no control socket at $ctl"
expect_eq "socket mode" "srw-------" "$(ls -l "$ctl" | cut -c1-10)"

control() {
	crc=0
	"$RCMDD" -c "$conf" "$@" >"$dir/c.out" 2>"$dir/c.err" || crc=$?
}

rcmd_bg -n 'echo started; sleep 60' >"$dir/sleep.out" 2>"$dir/sleep.err"
sleeper=$rcmd_pid
wait_sql 10 "SELECT status FROM commands" "running" ||
    fail "the command did not start: $sql_got"
# The row is committed before the spawn; the network part counts the
# command once the privileged part says it started, before its output.
wait_for 10 grep -q started "$dir/sleep.out" ||
    fail "the command's output did not come"

control --list
expect_eq "--list: status" 0 "$crc"
expect_match "--list: the command" \
    "1	[0-9]*	-	$(id -un)	127.0.0.1:*	echo started; sleep 60" \
    "$(cat "$dir/c.out")"

control --status
expect_eq "--status: status" 0 "$crc"
expect_match "--status: running" "*commands_running 1*" "$(cat "$dir/c.out")"
expect_match "--status: started" "*commands_started_total 1*" \
    "$(cat "$dir/c.out")"
expect_match "--status: connections" "*connections 1*" "$(cat "$dir/c.out")"

control --end 99
expect_eq "--end 99: status" 1 "$crc"
expect_eq "--end 99: message" "rcmdd: no command with audit id 99 is running (rcmdd --list shows those that are)" \
    "$(cat "$dir/c.err")"
control --end nine
expect_eq "--end nine: status" 1 "$crc"
expect_match "--end nine: message" "rcmdd: audit id \"nine\" is invalid*" \
    "$(cat "$dir/c.err")"

control --end 1
expect_eq "--end 1: status" 0 "$crc"
wait "$sleeper"
expect_eq "rcmd of the ended command" 255 "$?"
expect_eq "rcmd's message for the ended command" \
    "rcmd: command cancelled by 127.0.0.1 (the server is shutting down, or its operator ended the command)" \
    "$(cat "$dir/sleep.err")"
expect_sql "the ended row" "SELECT status, reason FROM commands WHERE id = 1" \
    "cancelled|ended by the operator (rcmdd --end)"
expect_log "log" "control: command 1 ended by uid $(id -u) (rcmdd --end)"
control --list
expect_eq "--list after the end" "" "$(cat "$dir/c.out")"

# Reload: a good file is taken; a change only a restart may make (TLS on)
# is refused by the daemon, and --reload says so with status 1.
write_config "ControlSocket $ctl" "CommandTimeout 30"
control --reload
expect_eq "--reload, good file: status" 0 "$crc"
expect_eq "--reload, good file: stderr" "" "$(cat "$dir/c.err")"
wait_for 5 grep -q "SIGHUP: configuration reloaded" "$log" ||
    fail "rcmdd did not log the reload"
make_certs
write_config "ControlSocket $ctl" "TLSCertificate $certs/server.pem" \
    "TLSKey $certs/server.key" "TLSClientCA $certs/ca.pem"
control --reload
expect_eq "--reload, TLS on: status" 1 "$crc"
expect_eq "--reload, TLS on: message" \
    "rcmdd: turning TLS on takes a restart; the running configuration is kept" \
    "$(cat "$dir/c.err")"
# A file with errors is refused before the daemon is asked.
write_config "ControlSocket $ctl" "NoSuchKeyword 1"
control --reload
expect_eq "--reload, broken file: status" 1 "$crc"
expect_match "--reload, broken file: message" \
    "*unknown keyword \"NoSuchKeyword\"*" "$(cat "$dir/c.err")"
write_config "ControlSocket $ctl"

# Only root and rcmdd's user: another user is refused by the socket's
# mode, and, were the mode opened, by the daemon's check of the peer.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	chmod 0711 "$dir"
	echo "ControlSocket $ctl" >"$dir/nobody.conf"
	chmod 0644 "$dir/nobody.conf"
	as_nobody() {
		crc=0
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		    "$RCMDD" -c "$dir/nobody.conf" --status >"$dir/c.out" \
		    2>"$dir/c.err" || crc=$?
	}
	as_nobody
	expect_eq "--status as nobody: status" 1 "$crc"
	expect_match "--status as nobody: message" \
	    "rcmdd: cannot reach the running rcmdd at $ctl: Permission denied*" \
	    "$(cat "$dir/c.err")"
	chmod 0666 "$ctl"
	as_nobody
	chmod 0600 "$ctl"
	chmod 0700 "$dir"
	expect_eq "--status as nobody, socket opened: status" 1 "$crc"
	expect_eq "--status as nobody, socket opened: message" \
	    "rcmdd: only root may use rcmdd's control socket" \
	    "$(cat "$dir/c.err")"
else
	say "not root, or no setpriv: the refusal of another user is not tried"
fi

# A second daemon cannot take the live socket.
crc=0
"$RCMDD" -f -c "$conf" -d "$dir/other.db" 2>"$dir/second.err" || crc=$?
expect_eq "second daemon: status" 1 "$crc"
expect_match "second daemon: message" \
    "*ControlSocket $ctl is in use by a running rcmdd: stop it first*" \
    "$(cat "$dir/second.err")"

control --list
expect_eq "--list still answers" 0 "$crc"
stop_daemon
[ ! -e "$ctl" ] || fail "the control socket is still there after rcmdd stopped"
control --status
expect_eq "--status with rcmdd stopped: status" 1 "$crc"
expect_match "--status with rcmdd stopped: message" \
    "rcmdd: cannot reach the running rcmdd at $ctl: *" "$(cat "$dir/c.err")"
