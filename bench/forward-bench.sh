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


# What forwarding (AuditForward) costs rcmdd, on loopback, in one run: a
# PostgreSQL of its own (lib-pg.sh, fsync on) and rcmdd on a temporary
# database, started in turn without forwarding, forwarding, and
# forwarding synchronously; each runs `true` with rcmd-bench at 1 and 64
# connections, the variants alternating (ROUNDS times each, and the median
# printed), so that the machine's other load falls on all alike. Then the catch-up: with the store
# stopped, ROWS rows wait in the local database (made with sqlite3, chained
# by number but not hashed, so as not to run ROWS commands first); rcmdd
# starts and the store comes back, and it prints how fast the forwarder
# drains them and the daemon's peak RSS meanwhile.
#
#   sh bench/forward-bench.sh [SECONDS [ROWS [ROUNDS]]]
#
# defaults: 5 seconds a run, 100000 rows, 3 rounds. It needs a built tree (lib.sh)
# and PostgreSQL.

seconds=${1:-5}
rows=${2:-100000}
rounds=${3:-3}
watchdog=$((seconds * rounds * 10 + rows / 500 + 300))
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
test_name=forward-bench
PG_FSYNC=on
. "$top_srcdir/tests/regress/lib.sh"
. "$top_srcdir/tests/regress/lib-pg.sh"

bench=$top_builddir/bench/rcmd-bench

pg_probe
pg_need_libpq
pg_start
pg_add_host bench >/dev/null

# variant NAME: the configuration of one variant, on a new database.
variant() {
	rm -f "$db" "$db-wal" "$db-shm"
	case $1 in
	off)	write_config ;;
	on)	write_config "AuditForward \"$pg_conninfo\"" \
		    "AuditHostName bench" ;;
	sync)	write_config "AuditForward \"$pg_conninfo\" sync" \
		    "AuditHostName bench" ;;
	esac
	pg_psql -c "DELETE FROM heads; DELETE FROM events; DELETE FROM hosts" \
	    >/dev/null 2>&1 ||
	    pg_psql -c "ALTER TABLE events DISABLE TRIGGER USER;
		ALTER TABLE hosts DISABLE TRIGGER USER;
		ALTER TABLE heads DISABLE TRIGGER USER;
		TRUNCATE events, hosts, heads;
		ALTER TABLE events ENABLE TRIGGER USER;
		ALTER TABLE hosts ENABLE TRIGGER USER;
		ALTER TABLE heads ENABLE TRIGGER USER" >/dev/null ||
	    fail "cannot empty the central store"
}

# run NAME CONNECTIONS: one rcmd-bench run; prints a line of the table.
run() {
	variant "$1"
	start_daemon
	"$bench" -p "$port" -P "$daemon_pid" -S -c "$2" -d "$seconds" \
	    -T $((seconds * 4 + 60)) >"$dir/bench.out" 2>&1 || {
		cat "$dir/bench.out" >&2
		fail "rcmd-bench failed against $1"
	}
	stop_daemon
	_r_rate=$(sed -n 's/^commands_per_second //p' "$dir/bench.out")
	_r_p50=$(sed -n 's/^latency_ms p50 \([0-9.]*\) .*/\1/p' "$dir/bench.out")
	_r_rss=$(sed -n 's/^daemon_peak_rss_kib //p' "$dir/bench.out")
	printf '%-6s %11s %14s %12s %14s\n' "$1" "$2" "$_r_rate" "$_r_p50" \
	    "$_r_rss"
	echo "$1 $2 $_r_rate" >>"$dir/rates"
}

printf '%-6s %11s %14s %12s %14s\n' variant connections commands/s \
    p50_ms peak_rss_kib
for c in 1 64; do
	for round in $(seq "$rounds"); do
		for v in off on sync; do
			run "$v" "$c"
		done
	done
done
# The median of the rounds, and each variant against off.
for c in 1 64; do
	off=$(awk -v c="$c" '$1 == "off" && $2 == c { print $3 }' \
	    "$dir/rates" | sort -n | awk '{ a[NR] = $1 }
	    END { print a[int((NR + 1) / 2)] }')
	for v in off on sync; do
		m=$(awk -v v="$v" -v c="$c" '$1 == v && $2 == c { print $3 }' \
		    "$dir/rates" | sort -n | awk '{ a[NR] = $1 }
		    END { print a[int((NR + 1) / 2)] }')
		printf 'median %-6s %4s connections: %8s commands/s, %s of off\n' \
		    "$v" "$c" "$m" "$(echo "$m $off" |
		    awk '{ printf "%.0f %%", 100 * $1 / $2 }')"
	done
done

# The catch-up: ROWS rows waiting, the store stopped.
variant on
start_daemon
rcmd -n true >/dev/null || fail "rcmd true failed"
wait_sql 20 "SELECT lag_events FROM forward_status" 0 ||
    fail "forwarding did not start: $sql_got"
stop_daemon
pg_stop
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < $rows)
    INSERT INTO commands (started_at, finished_at, client_addr, client_port,
	command, status, exit_code, duration_ms, output, output_bytes,
	truncated, seq, hash, end_seq, end_hash, chain_version)
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
	strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '127.0.0.1', 40000,
	'systemctl status nginx', 'exited', 0, 12,
	'nginx.service - A high performance web server and a reverse proxy',
	66, 0, 2 + 2 * i - 1, printf('%064x', i), 2 + 2 * i,
	printf('%064x', i + 1), 2 FROM n" || fail "cannot make $rows rows"
start_daemon
expect_sql "rows waiting" "SELECT lag_events FROM forward_status" \
    $((rows * 2))
# The daemon's peak RSS from here (VmHWM, reset first).
echo 5 >"/proc/$daemon_pid/clear_refs" 2>/dev/null || :
t0=$(now_ms)
pg_restart
wait_sql $((rows / 500 + 120)) "SELECT lag_events FROM forward_status" 0 ||
    fail "the forwarder did not drain $rows rows: $sql_got"
t1=$(now_ms)
hwm=$(sed -n 's/^VmHWM: *//p' "/proc/$daemon_pid/status")
stop_daemon
ms=$((t1 - t0))
printf 'catch-up: %s rows (%s events) in %s ms: %s rows/s, %s events/s; ' \
    "$rows" $((rows * 2)) "$ms" $((rows * 1000 / ms)) \
    $((rows * 2000 / ms))
printf 'the privileged part'"'"'s peak RSS %s\n' "$hwm"
expect_eq "every event stored once" $((rows * 2 + 2)) \
    "$(pg_psql -At -c "SELECT count(DISTINCT event_seq) FROM events")"
exit 0
