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


# AuditForwardMaxLag: with the central store stopped, commands run until
# the oldest event not sent is older than the limit; then new commands are
# refused with an ERROR that names AuditForwardMaxLag, none runs (a marker
# file), and each refusal is a denied row; once the store is back and
# forwarding catches up they are served again. The log says once that it
# fell behind and once that it caught up; the denied rows reach the store.

watchdog=180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"

pg_probe
pg_need_libpq
pg_start
pg_add_host web1 >/dev/null
write_config "AuditForward \"$pg_conninfo\"" "AuditHostName web1" \
    "AuditForwardMaxLag 2"
start_daemon
rcmd -n true || fail "true failed"

pg_stop_hard
rcmd -n true || fail "a command within the lag was refused"
sleep 3
rcmd -n "touch $dir/marker" >"$dir/out" 2>"$dir/err"
rc=$?
expect_eq "past the lag: rcmd's status" 255 "$rc"
expect_match "past the lag: rcmd says why" "*AuditForwardMaxLag 2 s*" \
    "$(cat "$dir/err")"
rcmd -n "touch $dir/marker" >/dev/null 2>&1 &&
    fail "a second command ran past the lag"
[ ! -e "$dir/marker" ] || fail "a refused command ran"
# A refusal's row is committed with the writer's next batch.
wait_sql 10 "SELECT count(*) FROM commands WHERE status = 'denied' AND
    reason LIKE '%AuditForwardMaxLag%'" 2 ||
    fail "each refusal is a denied row: $sql_got rows"
expect_eq "one line says it fell behind" 1 \
    "$(grep -c "audit forward: behind: " "$log")"

pg_restart
wait_for 30 eval 'rcmd -n true 2>/dev/null' ||
    fail "commands are not served again once forwarding caught up"
wait_sql 20 "SELECT lag_events FROM forward_status" 0 ||
    fail "forwarding did not catch up: $sql_got"
expect_eq "one line says it caught up" 1 \
    "$(grep -c "audit forward: caught up after " "$log")"
expect_eq "one line says it fell behind, still" 1 \
    "$(grep -c "audit forward: behind: " "$log")"
expect_eq "the denied rows are in the central store" \
    "$(sql "SELECT count(*) FROM commands WHERE status = 'denied'")" \
    "$(central "SELECT count(*) FROM events WHERE host = 'web1' AND
    kind = 'end' AND status = 'denied'")"
stop_daemon
expect_eq "every event once" \
    "$(sql "SELECT count(seq) + count(end_seq) FROM commands")" \
    "$(central "SELECT count(DISTINCT event_seq) FROM events WHERE
    host = 'web1'")"
