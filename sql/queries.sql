-- Example queries over the rcmdd audit log. Run one with, for example:
--   sqlite3 -box /var/lib/rcmdd/audit.db < /usr/share/doc/rcmdd/queries.sql
-- or paste a single query: sqlite3 -box audit.db 'SELECT ...'

-- The last 20 commands, newest first.
SELECT id, started_at, client_addr, status, exit_code, duration_ms,
    substr(command, 1, 40) AS command
FROM commands ORDER BY id DESC LIMIT 20;

-- Failures in the last day: everything that did not exit 0.
SELECT id, started_at, client_addr, status, exit_code, signal,
    substr(command, 1, 40) AS command, reason
FROM commands
WHERE started_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')
    AND NOT (status = 'exited' AND exit_code = 0)
ORDER BY id DESC;

-- Commands by client: how many each address ran, and how many failed.
SELECT client_addr, count(*) AS commands,
    sum(NOT (status = 'exited' AND exit_code = 0)) AS failed,
    max(started_at) AS last_seen
FROM commands GROUP BY client_addr ORDER BY commands DESC;
