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
# sent. The central database, made in SQL_ASCII as rcmdd(8) says, stores
# them byte for byte, so the event arrives as the host chained it. The
# central schema refuses to load into a UTF8 database, which would refuse
# such an event; a forwarder that meets one anyway (a schema loaded by
# other means) says so, and what to do, at its first connection and when
# forwarding stops at the event.

watchdog=120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"

pg_probe
pg_need_libpq
pg_start
pg_add_host web1 >/dev/null

write_config "AuditForward \"$pg_conninfo\"" "AuditHostName web1"
start_daemon
rcmd -n "$(printf 'echo \377\376 done')" >/dev/null || fail "the echo failed"
rcmd -n true || fail "true failed"
wait_sql 20 "SELECT lag_events FROM forward_status" 0 ||
    fail "the events did not reach the store: $sql_got"
expect_eq "the command's bytes, centrally as locally" \
    "$(sql "SELECT lower(hex(command)) FROM commands WHERE id = 1")" \
    "$(pg_psql -At -c "SELECT encode(convert_to(command,
    'SQL_ASCII'), 'hex') FROM events WHERE host = 'web1' AND id = 1 AND
    kind = 'end'")"
expect_eq "the bytes that are not UTF-8, shown safe in the central view" \
    'echo \xff\xfe done' \
    "$(pg_psql -At -c "SELECT command FROM safe_commands WHERE host = 'web1'
    AND id = 1")"
expect_eq "no warning for SQL_ASCII" 0 \
    "$(grep -c "the central database's encoding" "$log")"
stop_daemon

# A database of the cluster in UTF8: central.sql refuses it, and says how
# to make one it accepts.
pg_psql -d postgres -c "CREATE DATABASE rcmdd_utf8 TEMPLATE template0
    ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null ||
    fail "cannot create a UTF8 database"
pg_psql -d rcmdd_utf8 -f "$top_srcdir/sql/central.sql" >"$dir/load" 2>&1 &&
    fail "central.sql loaded into a UTF8 database"
grep -q "database rcmdd_utf8 is in encoding UTF8" "$dir/load" ||
    fail "central.sql's refusal does not name the encoding: $(cat "$dir/load")"
grep -q "createdb -T template0 -E SQL_ASCII" "$dir/load" ||
    fail "central.sql's refusal does not say what to do: $(cat "$dir/load")"
expect_eq "nothing of the schema in the refused database" "0" \
    "$(pg_psql -d rcmdd_utf8 -At -c "SELECT count(*) FROM pg_tables
    WHERE tablename = 'events'")"

# The same schema loaded without that check: said at the first
# connection, and when forwarding stops at the event.
awk 'skip == 0 && /^DO \$\$$/ { skip = 1 } skip != 1 { print }
    skip == 1 && /^\$\$;$/ { skip = 2 }' "$top_srcdir/sql/central.sql" \
    >"$dir/any.sql"
grep -q "pg_encoding_to_char" "$dir/any.sql" &&
    fail "the copy of central.sql still checks the encoding"
pg_psql -d rcmdd_utf8 -f "$dir/any.sql" >"$dir/load" 2>&1 ||
    fail "the schema did not load into rcmdd_utf8: $(cat "$dir/load")"
printf 'hostssl\trcmdd_utf8\t+rcmdd_host\t%s/32\tcert\n' "$pg_host" \
    >>"$pg_dir/data/pg_hba.conf"
pg_run "$PG_BINDIR/pg_ctl" -D "$pg_dir/data" reload >/dev/null ||
    fail "pg_ctl reload failed"
rm -f "$db" "$db-wal" "$db-shm"
write_config "AuditForward \"$(echo "$pg_conninfo" |
    sed 's/dbname=rcmdd_audit/dbname=rcmdd_utf8/')\"" "AuditHostName web1"
start_daemon
rcmd -n "$(printf 'echo \377\376 done')" >/dev/null || fail "the echo failed"
wait_for 10 grep -q "audit forward: stopped: the central database cannot store an event whose text is not in its encoding" "$log" ||
    fail "the log does not say why forwarding stopped"
expect_log "the warning at the first connection" \
    "audit forward: the central database's encoding is UTF8: an event whose text is not UTF8"
