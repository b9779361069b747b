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

# At the prompt, a command the server refuses is reported and the prompt
# comes back, on the same connection: the server keeps it open after such
# an ERR_DENIED (rcmd-protocol(7)), and rcmd did not, ending with 255. A
# reload in the middle of a session makes the rules refuse one command
# (a ticket required) and then admit the next again.

. "$(dirname "$0")/lib.sh"

write_config "Allow *"
start_daemon
prompt_bg
pid=$rcmd_pid

echo 'echo one' >&3
wait_for 5 grep -q one "$dir/out" || fail "echo one did not run: $(cat "$dir/err")"

write_config "Allow * ticket"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "SIGHUP: configuration reloaded" "$log" ||
    fail "no reload in the log"
echo 'echo two' >&3
wait_for 5 grep -q ticket "$dir/err" ||
    fail "echo two was not refused: $(cat "$dir/err")"
proc_alive "$pid" || fail "rcmd ended after the refusal: $(cat "$dir/err")"

write_config "Allow *"
kill -HUP "$daemon_pid"
wait_for 5 sh -c "[ \$(grep -c 'SIGHUP: configuration reloaded' '$log') -ge 2 ]" ||
    fail "no second reload in the log"
echo 'echo three' >&3
exec 3>&-
wait "$pid"
expect_eq "status" 0 "$?"
expect_eq "output" "one
three" "$(cat "$dir/out")"
expect_eq "messages" 1 "$(wc -l <"$dir/err")"
expect_match "the refusal" "rcmd: 127.0.0.1: *ticket*" "$(cat "$dir/err")"
expect_sql "the rows" "SELECT command, status FROM commands ORDER BY id" \
    "echo one|exited
echo two|denied
echo three|exited"
expect_sql "one connection for all" \
    "SELECT count(DISTINCT client_port) FROM commands" 1

# A non-fatal error (ERR_AUDIT: the database locked past rcmdd's 5 s busy
# timeout) brings the prompt back too. rcmd took every read from a plain
# TCP connection for its end, and left at the first error of any kind.
prompt_bg
pid=$rcmd_pid
lock_db 7
echo 'echo four' >&3
wait_for 10 grep -q "audit log cannot record" "$dir/err" ||
    fail "echo four was not refused: $(cat "$dir/err")"
wait "$locker"
proc_alive "$pid" || fail "rcmd ended after ERR_AUDIT: $(cat "$dir/err")"
echo 'echo five' >&3
exec 3>&-
wait "$pid"
expect_eq "status after ERR_AUDIT" 0 "$?"
expect_eq "output after ERR_AUDIT" "five" "$(cat "$dir/out")"
expect_eq "messages after ERR_AUDIT" 1 "$(wc -l <"$dir/err")"

# Signals at an idle prompt: SIGINT and SIGQUIT clear the line, SIGTERM
# and SIGHUP end rcmd with 128 plus the signal's number (it took every
# one for Ctrl-C, and a SIGTERM never ended it).
for s in TERM:143 HUP:129; do
	prompt_bg
	pid=$rcmd_pid
	echo 'echo ready' >&3
	wait_for 5 grep -q ready "$dir/out" || fail "SIG${s%:*}: no prompt"
	kill -INT "$pid"
	kill -QUIT "$pid"
	sleep 0.3
	proc_alive "$pid" || fail "SIG${s%:*}: SIGINT or SIGQUIT ended rcmd"
	kill -"${s%:*}" "$pid"
	i=0
	while proc_alive "$pid" && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	proc_alive "$pid" && fail "SIG${s%:*} did not end rcmd at the prompt"
	wait "$pid"
	expect_eq "status after SIG${s%:*} at the prompt" "${s#*:}" "$?"
	exec 3>&-
done
