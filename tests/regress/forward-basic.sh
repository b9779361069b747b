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

# Forwarding (AuditForward) to a PostgreSQL of the test's own, over TLS
# with the host's certificate: every event reaches the central store once,
# as the local database has it (start, end, a denied row); the cursor and
# the view forward_status follow; the chain base and a head are there;
# with the store stopped hard the commands still run, the log says once
# that forwarding stopped and once that it resumed, and after the restart
# every event is there exactly once; retention keeps what is not sent.
# The connection has TCP keepalives every 15 s.

watchdog=180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"

# The local events as "seq kind hash", one a line, in seq order.
local_events() {
	sql "SELECT seq, CASE WHEN chain_version = 2 THEN 'start' ELSE 'row'
	    END, hash FROM commands WHERE seq IS NOT NULL UNION ALL
	    SELECT end_seq, 'end', end_hash FROM commands WHERE end_seq IS NOT
	    NULL ORDER BY 1"
}

central_events() {
	central "SELECT event_seq || '|' || kind || '|' || CASE WHEN
	    kind = 'end' THEN end_hash ELSE hash END FROM events WHERE
	    host = 'web1' ORDER BY event_seq"
}

# wait_sent SECONDS: wait until the cursor is at the chain's head.
wait_sent() {
	wait_sql "$1" "SELECT lag_events FROM forward_status" 0
}

pg_probe
pg_need_libpq
pg_start
pg_add_host web1 >/dev/null

write_config "AuditForward \"$pg_conninfo\"" "AuditHostName web1" \
    "AuditHeadInterval 1s" "AuditMaxRows 5"
start_daemon
expect_log "forwarding starts" "audit: forwarding to the central store as host web1, from seq 0"
# TCP keepalives on the forwarder's connection, every 15 s rather than
# the system's two hours, so that a store cut off without a reset is
# noticed (the kernel's timer shows in ss -o: under a minute).
if command -v ss >/dev/null 2>&1; then
	wait_for 5 sh -c "ss -tnoH state established '( dport = :$pg_port )' |
	    grep -Eq 'timer:\(keepalive,[0-9.]+(sec|ms),'" ||
	    fail "no keepalive on the connection to the store: $(ss -tnoH \
	    state established "( dport = :$pg_port )")"
else
	say "SKIP of the keepalive check: no ss (iproute2)"
fi
i=0
while [ "$i" -lt 10 ]; do
	rcmd -n "echo $i" >/dev/null || fail "command $i failed"
	i=$((i + 1))
done
rcmd -n 'exit 3' >/dev/null
# Quotes, backslashes, braces and commas, as the arrays carry them.
rcmd -n 'echo "q\" b\\ {a,b} NULL"' >/dev/null || fail "the echo failed"

wait_sent 10 || fail "the cursor did not reach the head: $sql_got"
expect_eq "central events = local events" "$(local_events)" \
    "$(central_events)"
expect_eq "every event once" 0 "$(central "SELECT count(*) -
    count(DISTINCT event_seq) FROM events")"
expect_eq "a start is the row as it began" "running|t|t" "$(central "SELECT
    status, finished_at IS NULL, output IS NULL FROM events WHERE
    host = 'web1' AND kind = 'start' AND id = 1")"
expect_eq "an end is the whole row" "exited|3|" "$(central "SELECT status,
    exit_code, output FROM events WHERE host = 'web1' AND kind = 'end'
    AND id = 11")"
expect_eq "a command with quotes arrives as it is" \
    "$(sql "SELECT command || '|' || output FROM commands WHERE id = 12")" \
    "$(central "SELECT command || '|' || output FROM events WHERE
    host = 'web1' AND kind = 'end' AND id = 12")"
expect_eq "the base" 0 "$(central "SELECT base_seq FROM hosts WHERE
    host = 'web1'")"
wait_for 10 eval '[ "$(central "SELECT count(*) > 0 FROM heads WHERE host =
    '"'web1'"'")" = t ]' || fail "no head reached the central store"
expect_sql "the view" "SELECT host, cursor = head, lag_events, lag_seconds
    FROM forward_status" "web1|1|0|0"
# Retention (AuditMaxRows 5), which a reload runs at once, prunes what
# was sent.
kill -HUP "$daemon_pid"
wait_sql 10 "SELECT count(*) FROM commands" 5 ||
    fail "retention did not prune to 5 rows: $sql_got"

# The store stopped hard: commands still run, and wait in the spool.
pg_stop_hard
i=0
while [ "$i" -lt 8 ]; do
	rcmd -n "echo down $i" >/dev/null || fail "command down $i failed"
	i=$((i + 1))
done
wait_for 10 grep -q "audit forward: stopped: " "$log" ||
    fail "the log does not say that forwarding stopped"
expect_sql "the lag" "SELECT lag_events FROM forward_status" 16
# Retention keeps the rows not sent, whatever AuditMaxRows says.
kill -HUP "$daemon_pid"
# It prunes the rows sent (8 to 12), and none of those waiting.
wait_sql 10 "SELECT count(*) FROM commands" 8 ||
    fail "retention did not prune the rows sent: $sql_got rows"
expect_sql "nothing unsent is pruned" "SELECT count(*) FROM commands
    WHERE id > 12" 8
pg_restart
wait_sent 30 || fail "forwarding did not catch up: $sql_got"
expect_eq "one line says it stopped" 1 \
    "$(grep -c "audit forward: stopped: " "$log")"
expect_eq "one line says it resumed" 1 \
    "$(grep -c "audit forward: resumed after " "$log")"
stop_daemon
expect_eq "every event once, after the outage" "40|40|1|40" \
    "$(central "SELECT count(*), count(DISTINCT event_seq), min(event_seq),
    max(event_seq) FROM events WHERE host = 'web1'")"
