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

# Synchronous forwarding (AuditForward ... sync): a command's start is in
# the central store before it runs, and its end before rcmd gets EXIT. A
# root command that deletes its own row cannot erase its start record.
# With the store stopped, commands are refused with an ERROR that says
# why, none runs (a marker file), and each one's row ends failed with
# the reason; a command whose end cannot reach the store ends with an
# ERROR instead of EXIT. Once the store is back, commands are served and
# every event is there once.

watchdog=180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"

pg_probe
pg_need_libpq
pg_start
pg_add_host web1 >/dev/null
write_config "AuditForward \"$pg_conninfo\" sync" "AuditHostName web1"
start_daemon
expect_log "sync mode" "audit: forwarding to the central store as host web1, synchronously, from seq 0"

# Served: the start and the end are in the central store when rcmd ends.
out=$(rcmd -n 'echo one') || fail "echo one failed: $out"
expect_eq "the output" one "$out"
expect_eq "both events, when EXIT came" "start running,end exited" \
    "$(central "SELECT string_agg(kind || ' ' || status, ',' ORDER BY
    event_seq) FROM events WHERE host = 'web1' AND id = 1")"

# A root command that deletes its own row: its start is there already.
out=$(rcmd -n "$SQLITE3 -cmd '.timeout 5000' $db \"DELETE FROM commands
    WHERE status = 'running'\"; echo deleted" 2>"$dir/err")
rc=$?
expect_eq "the command ran" deleted "$out"
expect_eq "rcmd says the end was not recorded" 255 "$rc"
expect_sql "the row is gone locally" "SELECT count(*) FROM commands
    WHERE id = 2" 0
expect_eq "its start record is in the central store" "start|running|t" \
    "$(central "SELECT kind, status, command LIKE '%DELETE FROM commands%'
    FROM events WHERE host = 'web1' AND id = 2")"

# The store stopped: a command is refused, does not run, and its row
# ends failed with the reason.
pg_stop_hard
rcmd -n "touch $dir/marker" >"$dir/out" 2>"$dir/err"
rc=$?
expect_eq "refused: rcmd's status" 255 "$rc"
expect_match "refused: rcmd says why" \
    "*synchronous forwarding: the central audit store cannot take record*" \
    "$(cat "$dir/err")"
[ ! -e "$dir/marker" ] || fail "the refused command ran: $dir/marker exists"
expect_sql "its row ended failed" "SELECT status, reason LIKE
    'synchronous forwarding: %' FROM commands WHERE id = 3" "failed|1"
i=0
while [ "$i" -lt 5 ]; do
	rcmd -n "touch $dir/marker" >/dev/null 2>&1 &&
	    fail "a command ran with the central store down"
	i=$((i + 1))
done
[ ! -e "$dir/marker" ] || fail "a refused command ran"

# Back: served again, and every event reaches the store once.
pg_restart
wait_for 20 eval 'rcmd -n true 2>/dev/null' ||
    fail "commands are not served again once the store is back"
out=$(rcmd -n 'echo back') || fail "echo back failed: $out"
wait_sql 20 "SELECT lag_events FROM forward_status" 0 ||
    fail "forwarding did not catch up: $sql_got"

# The end not confirmed: the store stops while the command runs.
rcmd -n 'sleep 2; echo late' >"$dir/out" 2>"$dir/err" &
late=$!
wait_sql 10 "SELECT count(*) FROM commands WHERE status = 'running'" 1 ||
    fail "the sleeping command did not start"
pg_stop_hard
wait "$late"
rc=$?
expect_eq "no EXIT without the central end: rcmd's status" 255 "$rc"
expect_match "rcmd says why" "*synchronous forwarding*" "$(cat "$dir/err")"
pg_restart
wait_sql 30 "SELECT lag_events FROM forward_status" 0 ||
    fail "forwarding did not catch up: $sql_got"
stop_daemon
expect_eq "every event of the local database, once" t "$(central "SELECT
    count(*) = count(DISTINCT event_seq) FROM events WHERE host = 'web1'")"
expect_eq "the central store holds what the local database does" \
    "$(sql "SELECT count(seq) + count(end_seq) FROM commands WHERE id > 2")" \
    "$(central "SELECT count(*) FROM events WHERE host = 'web1' AND
    event_seq > 3")"
expect_eq "one line says it stopped, each time" 2 \
    "$(grep -c "audit forward: stopped: " "$log")"
expect_eq "one line says it resumed, each time" 2 \
    "$(grep -c "audit forward: resumed after " "$log")"
