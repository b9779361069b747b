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

# A fleet against one central store, on loopback: pgbench plays the
# hosts' forwarders, each client one host's connection, logged in over TLS
# with a host's certificate and so under the store's row-level security,
# sending what a forwarder sends. Two loads:
#
#   trickle  one event a transaction (INSERT ... ON CONFLICT DO NOTHING
#            RETURNING in BEGIN/COMMIT), as a forwarder sends when its
#            host runs commands one at a time: its batches hold one event;
#   batch    100 events a transaction, as a forwarder catching up sends.
#
# For each number of connections it prints events per second at the
# central side and the connections the server had open (pg_stat_activity,
# sampled in the middle of the run). PostgreSQL runs with fsync on, as a
# real store does, on this machine's disk.
#
#   sh bench/central-fleet.sh [SECONDS [CONNECTIONS...]]
#
# defaults: 10 seconds, connections 1 4 16 64 for the trickle and 1 4
# for the batch. It needs a built tree (lib.sh), PostgreSQL and pgbench.

seconds=${1:-10}
[ $# -gt 0 ] && shift
conns=${*:-1 4 16 64}
watchdog=$((seconds * 12 + 120))
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
PG_FSYNC=on
PG_MAX_CONNECTIONS=200
. "$top_srcdir/tests/regress/lib.sh"
. "$top_srcdir/tests/regress/lib-pg.sh"

pg_probe
[ -x "$PG_BINDIR/pgbench" ] || pg_skip "no pgbench in $PG_BINDIR"
pg_start
pg_add_host fleet >/dev/null

hash=$(printf '%064d' 0 | tr 0 a)
cat >"$dir/trickle.sql" <<EOF
\\set s random(1, 4000000000000000000)
BEGIN;
INSERT INTO events (host, event_seq, kind, id, started_at, client_addr,
    client_port, client_name, identity, fingerprint, command, status,
    output_bytes, truncated, seq, hash, chain_version)
VALUES ('fleet', :s, 'start', :s, '2026-12-04T22:00:00.000Z', '10.0.0.7',
    40212, 'rcmd', 'alice', 'sha256:$hash', 'systemctl status nginx',
    'running', 0, 0, :s, '$hash', 2)
ON CONFLICT (host, event_seq) DO NOTHING RETURNING event_seq;
COMMIT;
EOF
cat >"$dir/batch.sql" <<EOF
\\set s random(1, 40000000000000000)
BEGIN;
INSERT INTO events (host, event_seq, kind, id, started_at, finished_at,
    client_addr, client_port, client_name, identity, fingerprint, command,
    status, exit_code, duration_ms, output, output_bytes, truncated, seq,
    hash, end_seq, end_hash, chain_version)
SELECT 'fleet', :s * 100 + g, 'end', :s * 100 + g,
    '2026-12-04T22:00:00.000Z', '2026-12-04T22:00:00.120Z', '10.0.0.7',
    40212, 'rcmd', 'alice', 'sha256:$hash', 'systemctl status nginx',
    'exited', 0, 120, repeat('nginx.service - A high performance web server ', 4),
    184, 0, :s * 100 + g, '$hash', :s * 100 + g, '$hash', 2
FROM generate_series(0, 99) AS g
ON CONFLICT (host, event_seq) DO NOTHING RETURNING event_seq;
COMMIT;
EOF

# The hosts' connections: TLS with fleet's certificate, as a forwarder's.
PGHOST=$pg_host PGPORT=$pg_port PGDATABASE=$pg_db PGUSER=fleet
PGSSLMODE=verify-full PGSSLROOTCERT=$certs/ca.pem
PGSSLCERT=$certs/pg-fleet.pem PGSSLKEY=$certs/pg-fleet.key
export PGHOST PGPORT PGDATABASE PGUSER PGSSLMODE PGSSLROOTCERT PGSSLCERT \
    PGSSLKEY

# run LOAD CONNECTIONS EVENTS-PER-TRANSACTION: one pgbench run; prints a
# line of the table.
run() {
	_r_threads=$2
	[ "$_r_threads" -le 2 ] || _r_threads=2
	"$PG_BINDIR/pgbench" -n -c "$2" -j "$_r_threads" -T "$seconds" \
	    -f "$dir/$1.sql" >"$dir/pgbench.out" 2>&1 &
	_r_pid=$!
	track "$_r_pid"
	sleep $((seconds / 2))
	_r_open=$(pg_psql -At -c "SELECT count(*) FROM pg_stat_activity
	    WHERE usename = 'fleet'")
	wait "$_r_pid" || {
		cat "$dir/pgbench.out" >&2
		fail "pgbench failed"
	}
	_r_tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$dir/pgbench.out" |
	    tail -n 1)
	_r_lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' \
	    "$dir/pgbench.out")
	printf '%-8s %11s %8s %12.0f %12.0f %10s\n' "$1" "$2" "$_r_open" \
	    "$_r_tps" "$(echo "$_r_tps * $3" | bc)" "$_r_lat"
}

printf '%-8s %11s %8s %12s %12s %10s\n' load connections open \
    transactions/s events/s latency_ms
for c in $conns; do
	run trickle "$c" 1
done
for c in 1 4; do
	run batch "$c" 100
done
printf 'events stored: %s, table and indexes: %s\n' \
    "$(pg_psql -At -c "SELECT count(*) FROM events")" \
    "$(pg_psql -At -c "SELECT pg_size_pretty(pg_total_relation_size('events'))")"
exit 0
