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

# rcmd -H and -f run one command on several rcmdd on loopback, at most -P
# at once: each line of output comes whole with its host in front (stderr
# lines on stderr), a partial last line too; -g groups hosts with the same
# output; the summary on stderr sorts hosts by outcome; the exit status is
# the largest of the hosts', 255 when one is unreachable, refused, or a
# blackhole that never answers within -T; each daemon's audit log holds
# exactly the commands it ran.

. "$(dirname "$0")/lib.sh"

# Start four daemons, each with its own database; the fourth admits nobody.
hosts=
for k in 1 2 3 4; do
	db=$dir/audit$k.db
	if [ "$k" = 4 ]; then
		write_config "Allow nobody-at-all"
	else
		write_config
	fi
	start_daemon
	eval "port$k=\$port pid$k=\$daemon_pid"
	# A command's shell is a child of its daemon: it finds its name so.
	echo "daemon$k" >"$dir/who.$daemon_pid"
done
h1=127.0.0.1:$port1
# Loopback by name, where it has one: a minimal system may have no
# /etc/hosts. rcmd refuses a host written twice in one list, so the stand-in
# is 127.0.0.1 written another way (inet_aton's short form).
lo=localhost
if ! getent hosts localhost >/dev/null 2>&1; then
	say "localhost does not resolve here (no /etc/hosts?): using 127.1"
	lo=127.1
fi
h2=$lo:$port2
h3=[::1]:$port3
h4=127.0.0.1:$port4
if ! "$RCMD" -p "$port3" ::1 true 2>/dev/null; then
	# No IPv6 on loopback here: the third daemon listens on 127.0.0.1.
	h3=127.0.0.2:$port3
	"$RCMD" -p "$port3" 127.0.0.2 true 2>/dev/null || h3=127.0.0.1:$port3
fi
ok3="$h1,$h2,$h3"

# fanout OPTION...: run rcmd, output in $dir/out and $dir/err, status in rc.
fanout() {
	rc=0
	timeout -s KILL 60 "$RCMD" "$@" >"$dir/out" 2>"$dir/err" || rc=$?
}

# Which daemon ran the command, told by the shell's parent.
fanout -H "$ok3" 'cat '"$dir"'/who.$PPID'
expect_eq "status, all ok" 0 "$rc"
for k in 1 2 3; do
	eval "h=\$h$k"
	expect_eq "daemon$k's line" 1 \
	    "$(grep -cxF "$h: daemon$k" "$dir/out")"
done
expect_eq "lines in all" 3 "$(trim "$(wc -l <"$dir/out")")"
expect_eq "summary, all ok" "rcmd: 3 hosts: 3 ok" "$(cat "$dir/err")"

# Many lines from every host at once: none is cut or mixed with another.
fanout -H "$ok3" 'i=0; while [ $i -lt 3000 ]; do
	echo "line $i of a host that writes many lines, all the same length"
	echo "err $i" >&2; i=$((i + 1)); done; printf "no newline"'
expect_eq "status, many lines" 0 "$rc"
for k in 1 2 3; do
	eval "h=\$h$k"
	grep -F "$h: " "$dir/out" >"$dir/out.$k"
	expect_eq "$h's stdout lines" 3001 "$(trim "$(wc -l <"$dir/out.$k")")"
	expect_eq "$h's whole lines" 3000 "$(grep -c "^$h: line [0-9]* of a host that writes many lines, all the same length\$" "$dir/out.$k")"
	expect_eq "$h's partial last line" "$h: no newline" \
	    "$(tail -n 1 "$dir/out.$k")"
	expect_eq "$h's lines in order" "$(seq 0 2999 | tr '\n' ' ')" \
	    "$(sed -n 's/^[^ ]* line \([0-9]*\) .*/\1/p' "$dir/out.$k" |
	    tr '\n' ' ')"
	expect_eq "$h's stderr lines" 3000 "$(grep -c "^$h: err [0-9]*\$" "$dir/err")"
done
expect_eq "stdout lines in all" 9003 "$(trim "$(wc -l <"$dir/out")")"
expect_eq "stderr lines in all" 9001 "$(trim "$(wc -l <"$dir/err")")"

# -g: hosts with the same output share one header, as dshbak -c prints.
echo same >"$dir/who.$pid3.g"
echo other >"$dir/who.$pid1.g"
echo same >"$dir/who.$pid2.g"
fanout -g -H "$ok3" 'cat '"$dir"'/who.$PPID.g; echo to-stderr >&2'
expect_eq "status, -g" 0 "$rc"
printf '%s\n' ---------------- "$h1" ---------------- other to-stderr \
    ---------------- "$h2,$h3" ---------------- same to-stderr \
    >"$dir/expected"
expect_file_eq "-g output" "$dir/expected" "$dir/out"

# A host file, with comments and blank lines; failures, an unreachable and
# a refusing host: the summary names them, the status is 255.
free=$($PYTHON -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/hosts" <<EOH
# the fleet
$h1
   $h2	# the second

$h3
127.0.0.1:$free
$h4
EOH
fanout -f "$dir/hosts" 'exit 3'
expect_eq "status, one unreachable" 255 "$rc"
expect_eq "summary, mixed" "rcmd: 5 hosts: 3 failed ($h1: 3, $h2: 3, $h3: 3), 1 unreachable (127.0.0.1:$free: Connection refused), 1 refused ($h4: refused by the server)" \
    "$(tail -n 1 "$dir/err")"
grep -q "^rcmd: 127.0.0.1:$free: cannot connect to 127.0.0.1 port $free: connection refused" "$dir/err" ||
    fail "no reason for the unreachable host: $(cat "$dir/err")"
grep -q "^rcmd: $h4: .*no Allow rule admits" "$dir/err" ||
    fail "no reason for the refusing host: $(cat "$dir/err")"

# A unix: host that is not there is summarised with its reason too (it
# was "not found" whatever the reason).
fanout -H "unix:$dir/no.sock" true
expect_eq "status, unix host missing" 255 "$rc"
expect_eq "summary, unix host missing" "rcmd: 1 host: 1 unreachable (unix:$dir/no.sock: No such file or directory)" \
    "$(tail -n 1 "$dir/err")"

# Without them, the largest of the hosts' statuses, signals as 128+N.
fanout -H "$ok3" 'case $(cat '"$dir"'/who.$PPID) in
	daemon1) exit 7;; daemon2) kill -TERM $$;; *) exit 0;; esac'
expect_eq "status, largest" 143 "$rc"
expect_eq "summary, largest" "rcmd: 3 hosts: 1 ok, 2 failed ($h1: 7, $h2: 143)" \
    "$(tail -n 1 "$dir/err")"

# -t: the servers stop the command; the status is 124.
fanout -t 1 -H "$h1,$h2" 'sleep 30'
expect_eq "status, -t" 124 "$rc"
expect_eq "summary, -t" "rcmd: 2 hosts: 2 timed out ($h1, $h2)" \
    "$(tail -n 1 "$dir/err")"

# -P 2: never more than two commands at once over four hosts, and so two
# rounds of the one-second sleep.
mkdir "$dir/running"
start=$(now_ms)
fanout -P 2 -H "$ok3,$lo:$port1" 'touch '"$dir"'/running/$$; sleep 1
	ls '"$dir"'/running | wc -l; rm '"$dir"'/running/$$'
took=$(($(now_ms) - start))
expect_eq "status, -P 2" 0 "$rc"
expect_eq "hosts with -P 2" 4 "$(trim "$(wc -l <"$dir/out")")"
sed 's/.*: *//' "$dir/out" | while read -r n; do
	expect_le "commands at once with -P 2" "$n" 2
done || exit 1
expect_ge "milliseconds for two rounds" "$took" 2000
fail_if_slow=$took
start=$(now_ms)
fanout -P 4 -H "$ok3,$lo:$port1" 'sleep 1'
expect_le "milliseconds for one round with -P 4" $(($(now_ms) - start)) \
    $((fail_if_slow - 300))

# A blackhole: a socket that listens and never answers. -T 1 gives up on
# it within about a second; the other hosts' outputs are whole.
$PYTHON -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
time.sleep(60)
' >"$dir/blackhole" &
bpid=$!
track "$bpid"
wait_for 10 test -s "$dir/blackhole" || fail "the blackhole did not start"
bport=$(cat "$dir/blackhole")
start=$(now_ms)
fanout -T 1 -H "$h1,127.0.0.1:$bport,$h2" 'echo done'
took=$(($(now_ms) - start))
expect_eq "status, blackhole" 255 "$rc"
expect_le "milliseconds to give up on the blackhole" "$took" 5000
expect_eq "others' output with a blackhole" "$h1: done $h2: done" \
    "$(sort "$dir/out" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "summary, blackhole" "rcmd: 3 hosts: 2 ok, 1 unreachable (127.0.0.1:$bport: connect timed out)" \
    "$(tail -n 1 "$dir/err")"
kill "$bpid"

# Wrong use says what to do.
fanout -H "$h1"
expect_eq "status, no command" 255 "$rc"
grep -q "give the command" "$dir/err" || fail "no command: $(cat "$dir/err")"
fanout -H "$h1,$h1" true
expect_eq "status, a host twice" 255 "$rc"
grep -q "in the list twice" "$dir/err" || fail "twice: $(cat "$dir/err")"

# Each daemon's audit log holds exactly its commands: daemon 1 ran eleven
# (twice with -P, as two hosts), daemon 2 nine, daemon 3 seven (not -t).
for k in 1:11 2:9 3:7; do
	expect_eq "daemon${k%:*}'s audit rows" "${k#*:}" \
	    "$("$SQLITE3" "$dir/audit${k%:*}.db" 'select count(*) from commands')"
done
expect_eq "daemon1's commands" "exited|3 exited|7 timeout| exited|0" \
    "$("$SQLITE3" "$dir/audit1.db" "select status || '|' || ifnull(exit_code, '') from commands where id in (4, 5, 6, 9)" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "daemon4's commands" 0 \
    "$("$SQLITE3" "$dir/audit4.db" "select count(*) from commands where status != 'denied'")"
