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

# The rules as the running daemon applies them to today's clients, with
# the real rcmd: Deny by name and by certificate fingerprint refuses at
# the door over TLS, first match wins; over the Unix socket, a shell
# command is refused by a rule that names programs, by a rule that wants
# a ticket; each refusal says why, with the rule, and is a denied row. A
# rule's default user is the one a command runs as.
# A reload applies new rules, and warns of their order.

. "$(dirname "$0")/lib.sh"

make_certs
c=$certs
me=$(id -un)
sock=$dir/rcmdd.sock
last_row="SELECT ifnull(identity, '-'), status, ifnull(reason, '-')
    FROM commands ORDER BY id DESC LIMIT 1"

# Deny by name, before the Allow that would admit it.
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem" "Allow alice" "Deny mallory" "Allow *"
start_daemon
out=$(rcmd_as alice -n 'echo alice in')
expect_eq "alice: output" "alice in" "$out"
n=$(conf_line "Deny mallory")
why="not allowed: mallory from 127.0.0.1 is denied by $conf:$n: Deny mallory"
expect_refused "Deny mallory" "rcmd: 127.0.0.1 refused the connection: $why" \
    "mallory|denied|$why" rcmd_as mallory -n true
stop_daemon

# Deny by fingerprint: the certificate, whatever its name.
fpa=$("$OPENSSL" x509 -in "$c/alice.pem" -noout -fingerprint -sha256 |
    sed 's/.*=//')
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem" "Deny fingerprint $fpa" "Allow *"
start_daemon
n=$(conf_line "Deny fingerprint $fpa")
why="not allowed: the certificate of alice from 127.0.0.1 is denied by $conf:$n: Deny fingerprint $fpa"
expect_refused "Deny fingerprint" "rcmd: 127.0.0.1 refused the connection: $why" \
    "alice|denied|$why" rcmd_as alice -n true
out=$(rcmd_as mallory -n 'echo mallory in')
expect_eq "mallory: output" "mallory in" "$out"
stop_daemon

# A rule that names programs admits no shell command.
write_config "ListenSocket $sock" "Allow $me from unix command /bin/true"
start_daemon
n=$(conf_line "Allow $me from unix command /bin/true")
why="not allowed: $me from the local socket may not run a shell command: the rules for it name the programs it may run; $me may run /bin/true, as an argument vector (rcmd --argv)"
expect_refused "command rule, shell string" "rcmd: unix:$sock: $why" \
    "$me|denied|$why" "$RCMD" -n "unix:$sock" /bin/true
expect_eq "nothing ran" 0 "$(sql "SELECT count(*) FROM commands
    WHERE client_addr = 'unix' AND status != 'denied'")"
stop_daemon

# A rule that wants a ticket: today's EXEC carries none.
write_config "ListenSocket $sock" "Allow $me from unix ticket"
start_daemon
n=$(conf_line "Allow $me from unix ticket")
why="not allowed: $conf:$n: Allow $me from unix ticket requires a ticket with each command; give a ticket, why this is run: rcmd -m TEXT"
expect_refused "ticket rule" "rcmd: unix:$sock: $why" "$me|denied|$why" \
    "$RCMD" -n "unix:$sock" true
stop_daemon

# A rule's default user is the one its commands run as, RunAs or not
# (as root: rcmdd can change user only then).
write_config "ListenSocket $sock" "Allow $me from unix as daemon $me" \
    "Allow nobody-else as $me daemon"
start_daemon
if [ "$(id -u)" -eq 0 ]; then
	out=$("$RCMD" -n "unix:$sock" 'id -un')
	expect_eq "as daemon first: output" "daemon" "$out"
	n=$(conf_line "Allow $me from unix as daemon $me")
	expect_sql "as daemon first: row" "SELECT run_as, mode, rule FROM
	    commands ORDER BY id DESC LIMIT 1" \
	    "daemon|shell|$conf:$n: Allow $me from unix as daemon $me"
fi
stop_daemon
write_config "ListenSocket $sock" "Allow $me from unix as $me daemon"
start_daemon
out=$("$RCMD" -n "unix:$sock" 'id -un')
expect_eq "as $me first: output" "$me" "$out"

# A reload applies the new rules to new connections, and warns of a
# Deny that an Allow before it makes mostly moot.
write_config "ListenSocket $sock" "Deny $me from unix" "Allow *" \
    "Deny mallory"
kill -HUP "$daemon_pid"
wait_for 5 sh -c "! \"$RCMD\" -n \"unix:$sock\" true 2>/dev/null" ||
    fail "the new rules do not refuse $me after the reload"
n=$(conf_line "Deny mallory")
expect_log "reload: the warning" "SIGHUP: $conf:$n: warning: \"Deny mallory\" comes after line $((n - 1)) (Allow *), which admits the same peers first"
stop_daemon
