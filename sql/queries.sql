-- Example queries over the rcmdd audit log, most through the views that
-- schema version 2 adds (see rcmdd(8), "The audit log"). Run them all with:
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

-- The hash chain: where it starts after pruning, how many rows it holds,
-- and its head, to compare with the last "audit chain head" in the log.
SELECT (SELECT value FROM audit_meta WHERE key = 'chain_base_seq')
        AS base_seq,
    count(seq) AS sealed,
    max(seq) || ':' || (SELECT hash FROM commands
        WHERE seq = (SELECT max(seq) FROM commands)) AS head
FROM commands;
