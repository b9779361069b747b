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

# A command's bytes need not be UTF-8, and the audit log keeps them as
# sent. A central database made with ENCODING 'SQL_ASCII' stores them
# byte for byte, so the event arrives as the host chained it; one in UTF8
# refuses it, and the log says so and what to do, at the first connection
# and when forwarding stops at it.

watchdog=120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"

pg_probe
pg_need_libpq
pg_start
pg_add_host web1 >/dev/null

# A second database of the cluster, in SQL_ASCII, with the same schema,
# which the hosts reach as they reach the first.
pg_psql -d postgres -c "CREATE DATABASE rcmdd_bytes TEMPLATE template0
    ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null ||
    fail "cannot create a SQL_ASCII database"
pg_psql -d rcmdd_bytes -f "$top_srcdir/sql/central.sql" >"$dir/load" 2>&1 ||
    fail "central.sql did not load into rcmdd_bytes: $(cat "$dir/load")"
printf 'hostssl\trcmdd_bytes\t+rcmdd_host\t%s/32\tcert\n' "$pg_host" \
    >>"$pg_dir/data/pg_hba.conf"
pg_run "$PG_BINDIR/pg_ctl" -D "$pg_dir/data" reload >/dev/null ||
    fail "pg_ctl reload failed"

write_config "AuditForward \"$(echo "$pg_conninfo" |
    sed 's/dbname=rcmdd_audit/dbname=rcmdd_bytes/')\"" "AuditHostName web1"
start_daemon
rcmd -n "$(printf 'echo \377\376 done')" >/dev/null || fail "the echo failed"
rcmd -n true || fail "true failed"
wait_sql 20 "SELECT lag_events FROM forward_status" 0 ||
    fail "the events did not reach rcmdd_bytes: $sql_got"
expect_eq "the command's bytes, centrally as locally" \
    "$(sql "SELECT lower(hex(command)) FROM commands WHERE id = 1")" \
    "$(pg_psql -d rcmdd_bytes -At -c "SELECT encode(convert_to(command,
    'SQL_ASCII'), 'hex') FROM events WHERE host = 'web1' AND id = 1 AND
    kind = 'end'")"
expect_eq "no warning for SQL_ASCII" 0 \
    "$(grep -c "the central database's encoding" "$log")"
stop_daemon

# The same to the UTF8 database: said at the first connection, and when
# forwarding stops at the event.
rm -f "$db" "$db-wal" "$db-shm"
write_config "AuditForward \"$pg_conninfo\"" "AuditHostName web1"
start_daemon
rcmd -n "$(printf 'echo \377\376 done')" >/dev/null || fail "the echo failed"
wait_for 10 grep -q "audit forward: stopped: the central database cannot store an event whose text is not in its encoding" "$log" ||
    fail "the log does not say why forwarding stopped"
expect_log "the warning at the first connection" \
    "audit forward: the central database's encoding is UTF8: an event whose text is not UTF8"
