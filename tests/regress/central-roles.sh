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

# The central store's rights (sql/central.sql), on a PostgreSQL of the
# test's own (lib-pg.sh) with hosts that log in over TLS with their
# certificates: a host adds its own events, hosts and heads rows and reads
# only its own; it cannot add a row for another host, not even by SET ROLE
# to the hosts' group; nobody can UPDATE, DELETE or TRUNCATE (a host and
# an auditor are refused the right, the superuser by the triggers); an
# auditor reads every host's rows and the fleet views, and can change
# nothing. The events are a real rcmdd's rows, loaded as the host would
# forward them. central.sql loads again over itself.

watchdog=120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"

# refused WHAT WHO SQL EXPECTED: psql as WHO (or "super") runs SQL and
# fails, with an error matching EXPECTED.
refused() {
	if [ "$2" = super ]; then
		pg_psql -c "$3" >"$dir/out" 2>"$dir/err"
	else
		pg_as "$2" -c "$3" >"$dir/out" 2>"$dir/err"
	fi
	_r_rc=$?
	expect_ne "$1: psql's exit status" 0 "$_r_rc"
	expect_match "$1: the error" "*ERROR:  $4*" "$(cat "$dir/err")"
}

# answer WHO SQL: print what psql as WHO (or "super") answers, unaligned.
answer() {
	if [ "$1" = super ]; then
		pg_psql -At -c "$2"
	else
		pg_as "$1" -At -c "$2"
	fi || fail "$1 could not run: $2"
}

pg_probe
pg_start
pg_add_host web1 >/dev/null
pg_add_host web2 >/dev/null
pg_add_auditor auditor1 >/dev/null

# A real rcmdd's rows, for web1 and web2: three commands each.
start_daemon
rcmd -n 'echo one' >/dev/null || fail "echo one failed"
rcmd -n 'echo two; exit 3' >/dev/null
cmd=$(printf 'echo hi #\r\033]0;x\007\342\200\256')
rcmd -n "$cmd" >/dev/null || fail "the escaped command failed"
stop_daemon
pg_load_events web1 "$db"
pg_load_events web2 "$db"
# Sent again, nothing changes: the key refuses each event.
pg_load_events web1 "$db"
expect_eq "events stored" "web1 6
web2 6" "$(answer super "SELECT host, count(*) FROM events GROUP BY host
    ORDER BY host" | tr '|' ' ')"

# A host sees its own rows only, in the tables and in the views.
expect_eq "web1's events" 6 "$(answer web1 "SELECT count(*) FROM events")"
expect_eq "web1's hosts" web1 "$(answer web1 "SELECT host FROM hosts")"
expect_eq "web1's heads" "web1 6" \
    "$(answer web1 "SELECT host, seq FROM heads" | tr '|' ' ')"
expect_eq "web1's commands" "web1 3" "$(answer web1 "SELECT host, count(*)
    FROM commands GROUP BY host" | tr '|' ' ')"
expect_eq "web1's recent commands" 3 \
    "$(answer web1 "SELECT count(*) FROM recent_commands")"

# It cannot add a row for another host, in any table.
refused "web1 adds an event for web2" web1 "INSERT INTO events (host,
    event_seq, kind, id, started_at, client_addr, command, status) VALUES
    ('web2', 100, 'start', 100, 'x', '127.0.0.1', 'true', 'running')" \
    'new row violates row-level security policy for table "events"'
refused "web1 adds a host row for web3" web1 "INSERT INTO hosts (host,
    base_seq, base_hash) VALUES ('web3', 0, 'x')" \
    'new row violates row-level security policy for table "hosts"'
refused "web1 adds a head for web2" web1 "INSERT INTO heads (host, seq,
    hash, at) VALUES ('web2', 100, 'x', 'x')" \
    'new row violates row-level security policy for table "heads"'
# Nor as the hosts' group, whose name is no host's.
refused "web1 as rcmdd_host adds an event" web1 "SET ROLE rcmdd_host;
    INSERT INTO events (host, event_seq, kind, id, started_at, client_addr,
    command, status) VALUES ('rcmdd_host', 1, 'start', 1, 'x', '127.0.0.1',
    'true', 'running')" \
    'new row violates row-level security policy for table "events"'
# But a new event of its own goes in, dated by the store, not by the host.
answer web1 "INSERT INTO events (host, event_seq, kind, id, started_at,
    client_addr, command, status, received_at) VALUES ('web1', 100,
    'start', 100, 'x', '127.0.0.1', 'true', 'running',
    now() + interval '1 day')" >/dev/null
expect_eq "the store dates an event" t "$(answer web1 "SELECT received_at <=
    now() FROM events WHERE event_seq = 100")"

# Nobody changes or removes a row: hosts and auditors lack the right.
for who in web1 auditor1; do
	for table in events hosts heads; do
		refused "$who updates $table" "$who" \
		    "UPDATE $table SET host = host WHERE host = 'web1'" \
		    "permission denied for table $table"
		refused "$who deletes from $table" "$who" \
		    "DELETE FROM $table WHERE host = 'web1'" \
		    "permission denied for table $table"
		refused "$who truncates $table" "$who" "TRUNCATE $table" \
		    "permission denied for table $table"
	done
done
# Not even its own rows through a view.
refused "web1 updates a view" web1 "UPDATE commands SET status = 'exited'" \
    "permission denied for view commands"
# The superuser is refused by the triggers: only disabling them, a
# deliberate act, gets past.
for table in events hosts heads; do
	refused "the superuser updates $table" super \
	    "UPDATE $table SET host = host" \
	    "rcmdd central store: UPDATE on $table refused: the store is append-only"
	refused "the superuser deletes from $table" super \
	    "DELETE FROM $table WHERE false" \
	    "rcmdd central store: DELETE on $table refused: the store is append-only"
	refused "the superuser truncates $table" super "TRUNCATE $table" \
	    "rcmdd central store: TRUNCATE on $table refused: the store is append-only"
done
expect_eq "events after the refusals" 13 \
    "$(answer super "SELECT count(*) FROM events")"

# The auditor reads everything and adds nothing.
expect_eq "the auditor's events" 13 \
    "$(answer auditor1 "SELECT count(*) FROM events")"
expect_eq "the auditor's commands" "web1 3
web2 3" "$(answer auditor1 "SELECT host, count(*) FROM commands GROUP BY host
    ORDER BY host" | tr '|' ' ')"
refused "the auditor adds an event" auditor1 "INSERT INTO events (host,
    event_seq, kind, id, started_at, client_addr, command, status) VALUES
    ('auditor1', 1, 'start', 1, 'x', '127.0.0.1', 'true', 'running')" \
    "permission denied for table events"
refused "the auditor adds a host" auditor1 "SELECT rcmdd_add_host('web9')" \
    "permission denied for function rcmdd_add_host"

# The fleet views, as the auditor: web1's start without an end is
# running; failures; by identity; the command shown escaped.
expect_eq "running commands" "web1 100" "$(answer auditor1 "SELECT host, id
    FROM running_commands" | tr '|' ' ')"
expect_eq "failed commands" "web1 2 3
web2 2 3" "$(answer auditor1 "SELECT host, id, exit_code FROM failed_commands
    ORDER BY host" | tr '|' ' ')"
expect_eq "commands by identity" " 6 2 web1 web2" "$(answer auditor1 "SELECT
    identity, commands, hosts, host_names FROM commands_by_identity" |
    tr '|' ' ')"
expect_eq "a command shown safe" 'echo hi #\x0d\x1b]0;x\x07\u{202e}' \
    "$(answer auditor1 "SELECT command FROM recent_commands WHERE host =
    'web1' AND id = 3")"
expect_eq "its bytes kept" "$cmd" "$(answer auditor1 "SELECT command FROM
    events WHERE host = 'web1' AND event_seq = 6")"
expect_eq "quiet hosts" "" "$(answer auditor1 "SELECT host FROM quiet_hosts")"
# A host last heard from three hours ago is quiet: only the superuser,
# past the trigger that dates rows, can make one.
pg_psql -c "BEGIN; ALTER TABLE hosts DISABLE TRIGGER hosts_received;
    INSERT INTO hosts (host, base_seq, base_hash, registered_at) VALUES
    ('stale1', 0, 'x', now() - interval '3 hours'); ALTER TABLE hosts
    ENABLE TRIGGER hosts_received; COMMIT" >/dev/null ||
    fail "the superuser could not add a stale host"
expect_eq "a quiet host" "stale1" "$(answer auditor1 "SELECT host FROM
    quiet_hosts WHERE quiet_for > interval '179 minutes'")"
expect_eq "host activity" "stale1 web1 web2" "$(answer auditor1 "SELECT host FROM
    host_activity ORDER BY host" | tr '\n' ' ' | sed 's/ $//')"

# Host names are checked.
refused "a host named as the group" super "SELECT rcmdd_add_host('rcmdd_host')" \
    'rcmdd_add_host: "rcmdd_host" is a reserved role name'
refused "a host name with a quote" super "SELECT rcmdd_add_host('a\"b')" \
    'rcmdd_add_host: "a"b" is not a host name'
refused "a superuser as a host" super "SELECT rcmdd_add_host('postgres')" \
    'rcmdd_add_host: "postgres" is a reserved role name'

# central.sql loads again over itself, and the rights hold after.
pg_psql -f "$top_srcdir/sql/central.sql" >"$dir/out" 2>&1 ||
    fail "central.sql did not load a second time: $(cat "$dir/out")"
expect_eq "events after a reload" 13 \
    "$(answer super "SELECT count(*) FROM events")"
refused "web1 adds an event for web2 after a reload" web1 "INSERT INTO
    events (host, event_seq, kind, id, started_at, client_addr, command,
    status) VALUES ('web2', 101, 'start', 101, 'x', '127.0.0.1', 'true',
    'running')" \
    'new row violates row-level security policy for table "events"'
expect_eq "web1's commands after a reload" 3 \
    "$(answer web1 "SELECT count(*) FROM commands")"

# Only a certificate logs a host in: a certificate for another name
# does not.
pg_cert mallory
if "$PG_PSQL" -X -d "host=$pg_host port=$pg_port dbname=$pg_db user=web1
    sslmode=verify-full sslrootcert=$certs/ca.pem
    sslcert=$certs/pg-mallory.pem sslkey=$certs/pg-mallory.key" -c 'SELECT 1' \
    >"$dir/out" 2>"$dir/err"; then
	fail "web1 logged in with mallory's certificate"
fi
expect_match "web1 with mallory's certificate" \
    '*certificate authentication failed for user "web1"*' "$(cat "$dir/err")"
exit 0
