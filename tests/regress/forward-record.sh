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

# A terminal session's recording reaches the central store (lib-pg.sh) as
# it is written: a chunk is there while the session still runs, every
# chunk once it ends, as the local database has it; the table is
# append-only and a host sees its own chunks only; rcmdd --verify-audit
# postgresql://... checks the chunks in the chain, and names one that the
# superuser changed past the triggers.

watchdog=180
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"
. "$(dirname "$0")/lib-rec.sh"

pg_probe
pg_need_libpq
pg_start
pg_add_host web1 >/dev/null
pg_add_auditor auditor1 >/dev/null
uri=$pg_uri

write_config "AuditForward \"$(pg_conninfo_for web1)\"" "AuditHostName web1" \
    "AuditHeadInterval 1s"
start_daemon
tty_start 'PS1="fwd$ " bash --norc --noprofile -i'
tty_wait 10 'fwd$'
tty_keys 'echo forwarded-$((6 * 7))' Enter
tty_wait 5 'forwarded-42'
wait_for 10 eval '[ "$(central "SELECT count(*) FROM recording WHERE
    host = '"'web1'"' AND data LIKE '"'%forwarded-42%'"'")" = 1 ]' ||
    fail "the chunk did not reach the central store while the session ran"
expect_sql "the session still runs" "SELECT status FROM commands" running
tty_keys 'exit' Enter
tty_exit 10
wait_sql 10 "SELECT lag_events FROM forward_status" 0 ||
    fail "the events were not all forwarded: $sql_got"
expect_eq "central chunks = local chunks" \
    "$(sql "SELECT seq || '|' || command_id || '|' || start_seq || '|' ||
	chunk || '|' || truncated || '|' || hash || '|' || length(data)
	FROM recording ORDER BY seq")" \
    "$(central "SELECT event_seq || '|' || command_id || '|' || start_seq ||
	'|' || chunk || '|' || truncated || '|' || hash || '|' ||
	length(data) FROM recording WHERE host = 'web1' ORDER BY event_seq")"
expect_eq "the data as written" \
    "$(sql "SELECT group_concat(data, '') FROM (SELECT data FROM recording
	ORDER BY seq)" | md5sum)" \
    "$(central "SELECT string_agg(data, '' ORDER BY event_seq) FROM
	recording" | md5sum)"

# Append-only, and a host's own.
pg_add_host web2 >/dev/null
pg_as web1 -c "UPDATE recording SET data = 'x'" >/dev/null 2>"$dir/err" &&
    fail "web1 could UPDATE its recording"
pg_as web2 -At -c "SELECT count(*) FROM recording" >"$dir/out" 2>&1 ||
    fail "web2 cannot read the table: $(cat "$dir/out")"
expect_eq "web2 sees none of web1's chunks" 0 "$(cat "$dir/out")"

"$RCMDD" --verify-audit "$uri" --host web1 >"$dir/vout" 2>"$dir/verr" ||
    fail "central verify: $(cat "$dir/vout" "$dir/verr")"
"$RCMDD" --verify-audit "$uri" --host web1 --compare "$db" >"$dir/vout" \
    2>"$dir/verr" || fail "central compare: $(cat "$dir/vout" "$dir/verr")"
pg_psql -c "BEGIN; ALTER TABLE recording DISABLE TRIGGER
    recording_append_only; UPDATE recording SET data = replace(data,
    'forwarded', 'FORWARDED'); ALTER TABLE recording ENABLE TRIGGER
    recording_append_only; COMMIT" >/dev/null ||
    fail "the superuser could not change a chunk"
"$RCMDD" --verify-audit "$uri" --host web1 >"$dir/vout" 2>"$dir/verr" &&
    fail "central verify passed an edited chunk"
expect_match "central verify names the chunk" \
    "*chunk * of its recording (seq *) does not match its hash*" \
    "$(cat "$dir/vout" "$dir/verr")"
