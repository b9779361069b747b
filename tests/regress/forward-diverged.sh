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

# A database that no longer matches what its host forwarded (replaced,
# restored from a backup, reverted with the VM) does not forward over the
# central copies. Here the audit database is removed and rcmdd started
# again under the same AuditHostName: its first events take numbers the
# store holds already, with other contents. The store keeps its copies,
# raises the alarm, and forwarding stops there with a reason that says
# what to do; with synchronous forwarding no command runs meanwhile. The
# forwarder took such an event for sent: a command ran whose start the
# store never kept.

watchdog=180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"

pg_probe
pg_need_libpq
pg_start
pg_add_host web1 >/dev/null
write_config "AuditForward \"$pg_conninfo\" sync" "AuditHostName web1"
start_daemon
out=$(rcmd -n 'echo one') || fail "echo one failed: $out"
stop_daemon
before=$(central "SELECT string_agg(event_seq || ' ' || command, ','
    ORDER BY event_seq) FROM events WHERE host = 'web1'")

rm -f "$db" "$db-wal" "$db-shm"
start_daemon
rcmd -n "touch $dir/marker" >"$dir/out" 2>"$dir/err"
expect_eq "refused: rcmd's status" 255 "$?"
[ ! -e "$dir/marker" ] || fail "the command ran: its start is not in the store"
expect_match "refused: rcmd says why" \
    "*synchronous forwarding: the central audit store cannot take record*" \
    "$(cat "$dir/err")"
expect_log "the alarm" "audit forward: ALARM: event 1 of host web1 differs from the central store's copy"
expect_log "the reason" "this database's events differ from those host web1 forwarded before"
expect_eq "the store's copies are kept" "$before" \
    "$(central "SELECT string_agg(event_seq || ' ' || command, ','
    ORDER BY event_seq) FROM events WHERE host = 'web1'")"
