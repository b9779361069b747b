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

# The chain can be checked without rcmdd's code: chainverify.py, written
# from rcmdd(8) "Tamper evidence" alone with Python's standard library,
# recomputes the chain of a database the real rcmdd wrote (plain rows,
# rows with a client certificate's fingerprint, denied rows, a row left
# running by a daemon killed and finished as interrupted, and a row still
# running) and finds the head rcmdd --verify-audit finds. Tampered copies
# (a storage class changed, a field edited, a running row deleted) fail
# under both.

. "$(dirname "$0")/lib.sh"

command -v "$PYTHON" >/dev/null 2>&1 || {
	echo "$test_name: $PYTHON is needed for the second verifier" >&2
	exit 77
}

# pyverify DB: run chainverify.py; status in prc, output in pout.
pyverify() {
	pout=$("$PYTHON" "$top_srcdir/tests/regress/chainverify.py" "$1")
	prc=$?
}

start_daemon
rcmd -n 'echo one' >/dev/null || fail "echo one failed"
rcmd -n 'echo two; exit 3' >/dev/null
rcmd -n "printf 'h\\303\\251llo\\n'" >/dev/null || fail "printf failed"
rcmd -n -t 1 'sleep 5' >/dev/null 2>&1
stop_daemon

make_certs
c=$certs
write_config "TLSCertificate $c/server.pem" "TLSKey $c/server.key" \
    "TLSClientCA $c/ca.pem" "Allow alice"
start_daemon
tls() {
	_who=$1
	shift
	rcmd --cert "$c/$_who.pem" --key "$c/$_who.key" --ca "$c/ca.pem" "$@"
}
tls alice -n 'echo over tls' >/dev/null || fail "alice's command failed"
tls mallory -n true >/dev/null 2>&1
wait_sql 5 "SELECT count(*) FROM commands WHERE status = 'denied'" 1 ||
    fail "mallory's attempt has no denied row"
# A row left running by a daemon killed with SIGKILL.
tls alice -n 'echo $$; exec sleep 30' >"$dir/out" 2>/dev/null &
wait_for 5 grep -q . "$dir/out" || fail "the command did not start"
track "$(cat "$dir/out")"
kill -KILL "$daemon_pid"
wait_daemon_exit 5 || fail "rcmdd did not die of SIGKILL"
kill -TERM "$(cat "$dir/out")"
start_daemon
expect_sql "the interrupted row" "SELECT status FROM commands WHERE id = 7" \
    interrupted
tls alice -n 'echo after' >/dev/null || fail "echo after failed"
# A row still running while both verify.
rm -f "$dir/out"
tls alice -n 'echo $$; exec sleep 30' >"$dir/out" 2>/dev/null &
wait_for 5 grep -q . "$dir/out" || fail "the last command did not start"
track "$(cat "$dir/out")"

expect_sql "the kinds of rows" "SELECT group_concat(status || ':' ||
    (fingerprint IS NOT NULL), ' ') FROM (SELECT * FROM commands ORDER BY id)" \
    "exited:0 exited:0 exited:0 timeout:0 exited:1 denied:1 interrupted:1 exited:1 running:1"
"$RCMDD" --verify-audit "$db" >"$dir/vout" 2>&1 ||
    fail "rcmdd --verify-audit: $(cat "$dir/vout")"
pyverify "$db"
expect_eq "chainverify.py: exit status" 0 "$prc"
expect_eq "chainverify.py finds what rcmdd finds" \
    "$(sed "s|^$db: ||" "$dir/vout")" "$pout"
expect_match "the rows" "9 rows verified; chain head 17:*" "$pout"

# tampered WHAT SQL: on a copy, both verifiers fail.
tampered() {
	rm -f "$dir/copy.db" "$dir/copy.db-wal" "$dir/copy.db-shm"
	sql ".backup '$dir/copy.db'" || fail "$1: cannot copy the log"
	"$SQLITE3" -batch "$dir/copy.db" "$2" || fail "$1: $2 failed"
	pyverify "$dir/copy.db"
	expect_eq "$1: chainverify.py's exit status" 1 "$prc"
	"$RCMDD" --verify-audit "$dir/copy.db" >/dev/null 2>&1
	expect_eq "$1: rcmdd --verify-audit's exit status" 1 "$?"
}
tampered "a storage class changed" \
    "UPDATE commands SET command = CAST(command AS BLOB) WHERE id = 1"
tampered "a fingerprint changed" "UPDATE commands
    SET fingerprint = lower(fingerprint) WHERE id = 5"
tampered "an output edited" "UPDATE commands SET output = 'ok' WHERE id = 2"
tampered "the running row deleted" \
    "DELETE FROM commands WHERE status = 'running'"
tampered "the interrupted row made exited" \
    "UPDATE commands SET status = 'exited', exit_code = 0 WHERE id = 7"
kill -TERM "$(cat "$dir/out")"
