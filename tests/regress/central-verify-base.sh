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

# A host that starts forwarding after retention has moved its chain base,
# with a row that straddles the base (it started before it, ended after):
# the forwarder registers the base and sends what follows, the central
# store verifies from there (the straddling row by its end alone), the
# local database compares equal from the base on, and an event deleted
# centrally just after the base is named as missing.

watchdog=120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"

pg_probe
pg_need_libpq
pg_start
pg_add_host old1 >/dev/null
pg_add_auditor auditor1 >/dev/null
uri=$pg_uri

# Without forwarding: six commands, then one that runs while four more
# start and end, then a last one; retention keeps the three that ended
# last.
write_config "AuditMaxRows 3"
start_daemon
for i in 1 2 3 4 5 6; do
	rcmd -n "echo $i" >/dev/null || fail "echo $i failed"
done
rcmd_bg -n 'sleep 2'
wait_sql 10 "SELECT status FROM commands WHERE id = 7" running ||
    fail "the sleep is not running: $sql_got"
for i in a b c d; do
	rcmd -n "echo $i" >/dev/null || fail "echo $i failed"
done
wait_sql 10 "SELECT status FROM commands WHERE id = 7" exited ||
    fail "the sleep did not end: $sql_got"
rcmd -n 'echo e' >/dev/null || fail "echo e failed"
kill -HUP "$daemon_pid"
wait_sql 10 "SELECT count(*) FROM commands" 3 ||
    fail "retention did not keep 3 rows: $sql_got"
expect_sql "the base" "SELECT value FROM audit_meta WHERE key =
    'chain_base_seq'" 19
expect_sql "the rows kept" "SELECT id, seq, end_seq FROM commands ORDER BY
    id" "7|13|22
11|20|21
12|23|24"
stop_daemon

# Forwarding from the base.
write_config "AuditMaxRows 3" "AuditForward \"$(pg_conninfo_for old1)\"" \
    "AuditHostName old1"
start_daemon
rcmd -n 'echo f' >/dev/null || fail "echo f failed"
wait_sql 10 "SELECT lag_events FROM forward_status" 0 ||
    fail "old1 did not forward: $sql_got"
stop_daemon
expect_eq "the base registered" "19" "$(pg_psql -At -c "SELECT base_seq
    FROM hosts WHERE host = 'old1'")"
expect_eq "the events sent" "20 21 22 23 24 25 26" "$(pg_psql -At -c "SELECT
    event_seq FROM events WHERE host = 'old1' ORDER BY 1" | tr '\n' ' ' |
    sed 's/ $//')"
expect_eq "the straddling row in commands" "7|13|22" "$(pg_psql -At -c "SELECT
    id, seq, end_seq FROM commands WHERE host = 'old1' AND id = 7")"

head=$(sql "SELECT end_hash FROM commands WHERE end_seq = 26")
"$RCMDD" --verify-audit "$uri" >"$dir/out" 2>&1 ||
    fail "verify failed: $(cat "$dir/out")"
expect_eq "verify" "old1: 4 rows verified; chain head 26:$head
central store: 1 host, all verified" "$(cat "$dir/out")"
"$RCMDD" --verify-audit "$uri" --compare "$db" --host old1 >"$dir/out" 2>&1 ||
    fail "compare failed: $(cat "$dir/out")"
expect_eq "compare" "old1: $db matches the central store: events 20 to 26 compared; 0 local events not forwarded yet" "$(cat "$dir/out")"

# The first event after the base, deleted centrally.
pg_psql -c "BEGIN; ALTER TABLE events DISABLE TRIGGER events_append_only;
    DELETE FROM events WHERE host = 'old1' AND event_seq = 20;
    ALTER TABLE events ENABLE TRIGGER events_append_only; COMMIT" \
    >/dev/null || fail "the superuser could not delete event 20"
"$RCMDD" --verify-audit "$uri" >"$dir/out" 2>"$dir/err" &&
    fail "verify passed without event 20"
expect_match "verify without event 20" \
    "*rcmdd: old1: row id 11: its start (seq 20) is missing, though its end is there: the event was deleted*" \
    "$(cat "$dir/err")"
"$RCMDD" --verify-audit "$uri" --compare "$db" --host old1 >"$dir/out" \
    2>"$dir/err" && fail "compare passed without event 20"
expect_eq "compare without event 20" "rcmdd: $db differs from the central store at seq 20 (row id 11, its start): the local database has it, the central store does not, though it has later events: it was deleted centrally, or inserted locally" "$(cat "$dir/err")"
exit 0
