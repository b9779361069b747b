-- rcmdd audit log schema, version 3.
--
-- rcmdd compiles this file in and applies it to a new database; the version
-- is PRAGMA user_version, and sql/migrate-N.sql takes a database from
-- version N-1 to N. One row per command: inserted with status 'running'
-- before the command is spawned, completed before the client is told how
-- it ended, and then sealed into the hash chain (seq, hash; see rcmdd(8)).
-- Times are UTC, YYYY-MM-DDTHH:MM:SS.mmmZ.

CREATE TABLE IF NOT EXISTS commands (
	id		INTEGER PRIMARY KEY,
	started_at	TEXT NOT NULL,
	finished_at	TEXT,
	client_addr	TEXT NOT NULL,
	client_port	INTEGER,
	client_name	TEXT,
	identity	TEXT,
	fingerprint	TEXT,
	command		TEXT NOT NULL,
	status		TEXT NOT NULL CHECK (status IN ('running', 'exited',
			    'signaled', 'timeout', 'cancelled', 'disconnected',
			    'failed', 'interrupted', 'denied')),
	exit_code	INTEGER,
	signal		INTEGER,
	duration_ms	INTEGER,
	output		TEXT,
	output_bytes	INTEGER NOT NULL DEFAULT 0,
	truncated	INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)),
	reason		TEXT,
	seq		INTEGER,
	hash		TEXT
);

CREATE INDEX IF NOT EXISTS commands_started_at ON commands (started_at);
CREATE INDEX IF NOT EXISTS commands_status ON commands (status);
CREATE INDEX IF NOT EXISTS commands_client_addr ON commands (client_addr);
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

PRAGMA user_version = 3;
