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

# rcmdd --verify-audit postgresql://... on a central store (lib-pg.sh)
# holding a real rcmdd's events: forwarded by the daemon itself as web1
# (AuditForward), and loaded as five more hosts (pg_load_events) while
# one of its commands still runs: as an auditor, over TLS, every host
# verifies. Then the superuser, disabling the
# triggers on purpose, changes a host's end event, another's start event,
# deletes an end from the middle of a third and the last events of a
# fourth, and a start's field in a fifth's end: each is named with its
# host and event, the summary names the five, the first host still
# verifies, and --host picks one. --compare
# finds the local database equal to its central copy (saying what is not
# forwarded yet), then names the first row changed or deleted locally
# after it was forwarded. A store that cannot be reached is an error that
# says so.

watchdog=120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"

# verify [ARG...]: rcmdd --verify-audit on the store as the auditor;
# status in vrc, output in vout and verr.
verify() {
	"$RCMDD" --verify-audit "$uri" "$@" >"$dir/vout" 2>"$dir/verr"
	vrc=$?
	vout=$(cat "$dir/vout")
	verr=$(cat "$dir/verr")
}

# tamper SQL: the superuser changes the store on purpose, past the
# triggers that refuse it.
tamper() {
	pg_psql -c "BEGIN; ALTER TABLE events DISABLE TRIGGER
	    events_append_only; $1; ALTER TABLE events ENABLE TRIGGER
	    events_append_only; COMMIT" >/dev/null ||
	    fail "the superuser could not run: $1"
}

hex64='[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
hex64=$hex64$hex64$hex64$hex64$hex64$hex64$hex64$hex64

pg_probe
pg_need_libpq
pg_start
for h in web1 web2 web3 web4 web5 web6; do
	pg_add_host "$h" >/dev/null
done
pg_add_auditor auditor1 >/dev/null
uri=$pg_uri

write_config "AuditForward \"$(pg_conninfo_for web1)\"" "AuditHostName web1" \
    "AuditHeadInterval 1s"
start_daemon
rcmd -n 'echo one' >/dev/null || fail "echo one failed"
rcmd -n 'echo two; exit 3' >/dev/null
rcmd -n 'echo three' >/dev/null || fail "echo three failed"
# The fourth runs until the test lets it end (a fixed sleep ended it
# before the count below on a loaded machine).
rcmd_bg -n "while [ ! -e '$dir/go' ]; do sleep 0.1; done; echo four" \
    >/dev/null
wait_sql 10 "SELECT status FROM commands WHERE id = 4" running ||
    fail "the fourth command is not running: $sql_got"
# Sent while the fourth runs: its start only.
wait_sql 10 "SELECT lag_events FROM forward_status" 0 ||
    fail "web1 did not forward its events: $sql_got"
for h in web2 web3 web4 web5 web6; do
	pg_load_events "$h" "$db"
done
expect_eq "events of web1" 7 \
    "$(pg_psql -At -c "SELECT count(*) FROM events WHERE host = 'web1'")"
head7=$(sql "SELECT hash FROM commands WHERE seq = 7")
wait_for 10 eval '[ "$(pg_psql -At -c "SELECT max(seq) FROM heads WHERE
    host = '"'web1'"'")" = 7 ]' || fail "web1 sent no head at seq 7"

verify
expect_eq "verify: exit status" 0 "$vrc"
expect_eq "verify: standard error" "" "$verr"
expect_eq "verify" "web1: 4 rows verified; chain head 7:$head7
web2: 4 rows verified; chain head 7:$head7
web3: 4 rows verified; chain head 7:$head7
web4: 4 rows verified; chain head 7:$head7
web5: 4 rows verified; chain head 7:$head7
web6: 4 rows verified; chain head 7:$head7
central store: 6 hosts, all verified" "$vout"

# The fourth ends; its end goes to every host but web5, which stays as
# it was.
touch "$dir/go"
wait_sql 10 "SELECT status FROM commands WHERE id = 4" exited ||
    fail "the fourth command did not end: $sql_got"
for h in web2 web3 web4; do
	pg_load_events "$h" "$db"
done
head8=$(sql "SELECT end_hash FROM commands WHERE end_seq = 8")
wait_for 10 eval '[ "$(pg_psql -At -c "SELECT max(seq) FROM heads WHERE
    host = '"'web1'"'")" = 8 ]' || fail "web1 sent no head at seq 8"
verify --host web1
expect_eq "verify web1: exit status" 0 "$vrc"
expect_eq "verify web1" "web1: 4 rows verified; chain head 8:$head8
central store: 1 host, all verified" "$vout"

# What the local chain's verification finds, the central one finds, by
# host and event: an end's output changed, a start's command changed, an
# end deleted from the middle, the last events deleted after the head
# that covers them was sent.
tamper "UPDATE events SET output = 'forged' || chr(10) WHERE host = 'web2'
    AND event_seq = 4"
tamper "UPDATE events SET command = 'true' WHERE host = 'web3' AND
    event_seq = 5"
tamper "DELETE FROM events WHERE host = 'web4' AND event_seq = 4"
tamper "DELETE FROM events WHERE host = 'web5' AND event_seq >= 6"
tamper "UPDATE events SET command = 'true' WHERE host = 'web6' AND
    event_seq = 4"
verify
expect_eq "verify after tampering: exit status" 1 "$vrc"
expect_eq "verify after tampering: the hosts that verify" \
    "web1: 4 rows verified; chain head 8:$head8" "$vout"
expect_match "web2's changed end" \
    "*rcmdd: web2: row id 2: its end (seq 4) does not match its hash: its content or its link to seq 3 was changed*" \
    "$verr"
expect_match "web3's changed start" \
    "*rcmdd: web3: row id 3: its start (seq 5) differs in command from its end and does not match its hash: the start event was changed*" \
    "$verr"
expect_match "web4's deleted end" \
    "*rcmdd: web4: * seq 4 missing from the chain*" "$verr"
expect_match "web5's deleted last events" \
    "*rcmdd: web5: the head given (seq 7) is not in the chain, which ends at seq 5: rows were deleted from its end*" \
    "$verr"
expect_match "web6's changed end" \
    "*rcmdd: web6: row id 2: its end (seq 4) differs in command from its start, which matches its hash: the end event was changed; *" \
    "$verr"
expect_match "the summary" \
    "*rcmdd: central store: 6 hosts, 5 of which do not verify: web2, web3, web4, web5, web6" \
    "$verr"
verify --host web1
expect_eq "verify web1 after tampering: exit status" 0 "$vrc"
verify --host web4
expect_eq "verify web4: exit status" 1 "$vrc"
expect_match "verify web4: the summary" \
    "*rcmdd: central store: 1 host, 1 of which does not verify: web4" \
    "$verr"
verify --host nosuch
expect_eq "verify an unknown host: exit status" 1 "$vrc"
expect_eq "verify an unknown host" "rcmdd: the central store has no host nosuch (no events, no chain base): check its AuditHostName" "$verr"

# The local database against its central copy: equal, then, with the
# daemon stopped and a command run without it, with the events not
# forwarded yet counted.
verify --compare "$db" --host web1
expect_eq "compare: exit status" 0 "$vrc"
expect_eq "compare" "web1: $db matches the central store: events 1 to 8 compared; 0 local events not forwarded yet" "$vout"
stop_daemon
write_config
start_daemon
rcmd -n 'echo five' >/dev/null || fail "echo five failed"
stop_daemon
verify --compare "$db" --host web1
expect_eq "compare: exit status" 0 "$vrc"
expect_eq "compare" "web1: $db matches the central store: events 1 to 8 compared; 2 local events not forwarded yet" "$vout"
# A row rewritten locally after it was forwarded.
sql "UPDATE commands SET exit_code = 0 WHERE id = 2" ||
    fail "cannot rewrite row 2"
verify --compare "$db" --host web1
expect_eq "compare a rewritten row: exit status" 1 "$vrc"
expect_eq "compare a rewritten row" "rcmdd: $db differs from the central store at seq 4 (row id 2, its end) in exit_code: the local row was changed after it was forwarded (or the central one since: --verify-audit tells)" "$verr"
# A row deleted locally after it was forwarded (row 1 comes first).
sql "DELETE FROM commands WHERE id = 1" || fail "cannot delete row 1"
verify --compare "$db" --host web1
expect_eq "compare a deleted row: exit status" 1 "$vrc"
expect_eq "compare a deleted row" "rcmdd: $db differs from the central store at seq 1 (row id 1, its start): the central store has it, the local database has no row id 1: the local row was deleted or renumbered after it was forwarded" "$verr"

# Arguments and a store that is not there.
verify --head "7:$head7"
expect_eq "--head with a URI: exit status" 1 "$vrc"
expect_match "--head with a URI" "rcmdd: --head goes with --verify-audit DATABASE: the central store keeps each host's heads*" "$verr"
"$RCMDD" --verify-audit "$db" --host web1 >/dev/null 2>"$dir/verr" &&
    fail "--host with a local database was taken"
expect_match "--host with a local database" \
    "rcmdd: --host and --compare go with --verify-audit postgresql://...*" \
    "$(cat "$dir/verr")"
pg_stop
verify
expect_eq "verify with the store down: exit status" 1 "$vrc"
expect_match "verify with the store down" \
    "rcmdd: cannot connect to the central store: *127.0.0.1*" "$verr"
exit 0
