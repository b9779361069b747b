-- Example queries over the rcmdd audit log, most through the views of
-- sql/views.sql (see rcmdd(8), "The audit log"); the views show what a
-- client sent with control characters escaped. Run them all with:
--   sqlite3 -box /var/lib/rcmdd/audit.db < /usr/share/doc/rcmdd/queries.sql
-- or paste a single query: sqlite3 -box audit.db 'SELECT ...'

-- The last 20 commands, newest first.
SELECT id, started_at, client_addr, status, exit_code, duration_ms, command
FROM recent_commands LIMIT 20;

-- Failures in the last day: everything that ended other than by exiting 0.
SELECT id, started_at, client_addr, status, exit_code, signal, command,
    reason
FROM failed_commands
WHERE started_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day');

-- Commands by client: how many each ran, failed and was refused.
SELECT client_addr, identity, commands, failed, denied, last_seen
FROM top_clients;

-- The ten commands that ran longest.
SELECT id, started_at, client_addr, duration_ms, status, command
FROM longest_commands LIMIT 10;

-- Refused attempts, newest first.
SELECT id, started_at, client_addr, client_port, identity, reason
FROM denied_attempts LIMIT 20;

-- One command as it was sent, byte for byte: the views escape control
-- characters, so read the exact bytes from the table.
-- (quote() would print them raw, control characters and all.)
SELECT id, hex(command)
FROM commands WHERE id = (SELECT max(id) FROM commands);

-- Commands that held a control character or a bidirectional control,
-- shown safe.
SELECT id, started_at, client_addr, command
FROM safe_commands
WHERE command GLOB '*\x[0-9a-f][0-9a-f]*' OR command GLOB '*\u{*}*';

-- The hash chain: where it starts after pruning, how many rows and events
-- it holds, and its head (the last start or end chained), to compare with
-- the last "audit chain head" in the log.
SELECT (SELECT value FROM audit_meta WHERE key = 'chain_base_seq')
        AS base_seq,
    (SELECT count(*) FROM commands WHERE seq IS NOT NULL) AS rows,
    (SELECT count(seq) + count(end_seq) FROM commands) AS events,
    (SELECT n || ':' || h FROM (SELECT seq AS n, hash AS h FROM commands
        UNION ALL SELECT end_seq, end_hash FROM commands)
        WHERE n IS NOT NULL ORDER BY n DESC LIMIT 1) AS head;
