-- Take an rcmdd audit database from schema version 1 to 2: the hash chain
-- (seq, hash, audit_meta) and the operators' views. rcmdd runs it, then
-- seals the rows already final, in id order, in the same transaction.

ALTER TABLE commands ADD COLUMN seq INTEGER;
ALTER TABLE commands ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS commands_seq ON commands (seq);
-- Where the hash chain starts: 64 zeros, or the last pruned row.
CREATE TABLE IF NOT EXISTS audit_meta (
	key		TEXT PRIMARY KEY,
	value		TEXT NOT NULL
);
INSERT OR IGNORE INTO audit_meta (key, value) VALUES
	('chain_base_seq', '0'),
	('chain_base_hash',
	    '0000000000000000000000000000000000000000000000000000000000000000');

-- Operators' views; sql/queries.sql shows them in use.
CREATE VIEW IF NOT EXISTS recent_commands AS
	SELECT id, started_at, client_addr, identity, status, exit_code,
	    signal, duration_ms, substr(command, 1, 60) AS command
	FROM commands ORDER BY id DESC LIMIT 50;

CREATE VIEW IF NOT EXISTS failed_commands AS
	SELECT id, started_at, client_addr, identity, status, exit_code,
	    signal, substr(command, 1, 60) AS command, reason
	FROM commands
	WHERE status NOT IN ('running', 'denied')
	    AND NOT (status = 'exited' AND exit_code = 0)
	ORDER BY id DESC;

CREATE VIEW IF NOT EXISTS denied_attempts AS
	SELECT id, started_at, client_addr, client_port, identity, reason
	FROM commands WHERE status = 'denied' ORDER BY id DESC;

CREATE VIEW IF NOT EXISTS top_clients AS
	SELECT client_addr, identity, count(*) AS commands,
	    sum(status NOT IN ('running', 'denied')
	        AND NOT (status = 'exited' AND exit_code = 0)) AS failed,
	    sum(status = 'denied') AS denied, max(started_at) AS last_seen
	FROM commands GROUP BY client_addr, identity ORDER BY commands DESC;

CREATE VIEW IF NOT EXISTS longest_commands AS
	SELECT id, started_at, client_addr, duration_ms, status,
	    substr(command, 1, 60) AS command
	FROM commands WHERE duration_ms IS NOT NULL
	ORDER BY duration_ms DESC LIMIT 20;

PRAGMA user_version = 2;
