-- Take an rcmdd audit database from schema version 3 to 4: the chain's
-- events (end_seq, end_hash, chain_version; see rcmdd(8), "Tamper
-- evidence"), and ids that are never given twice (AUTOINCREMENT), which
-- needs the table made again. The rows keep their ids, seqs and hashes,
-- and those already in the chain are marked chain_version 1, so that they
-- verify as they did. rcmdd runs it, then sql/views.sql, and chains the
-- rows not yet in the chain, in id order, in the same transaction.

DROP VIEW IF EXISTS recent_commands;
DROP VIEW IF EXISTS failed_commands;
DROP VIEW IF EXISTS denied_attempts;
DROP VIEW IF EXISTS top_clients;
DROP VIEW IF EXISTS longest_commands;

CREATE TABLE commands_4 (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
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
	hash		TEXT,
	end_seq		INTEGER,
	end_hash	TEXT,
	chain_version	INTEGER
);

INSERT INTO commands_4 (id, started_at, finished_at, client_addr,
	client_port, client_name, identity, fingerprint, command, status,
	exit_code, signal, duration_ms, output, output_bytes, truncated,
	reason, seq, hash, chain_version)
	SELECT id, started_at, finished_at, client_addr, client_port,
	    client_name, identity, fingerprint, command, status, exit_code,
	    signal, duration_ms, output, output_bytes, truncated, reason, seq,
	    hash, CASE WHEN seq IS NULL THEN NULL ELSE 1 END
	FROM commands ORDER BY id;
DROP TABLE commands;
ALTER TABLE commands_4 RENAME TO commands;

CREATE INDEX IF NOT EXISTS commands_started_at ON commands (started_at);
CREATE INDEX IF NOT EXISTS commands_status ON commands (status);
CREATE INDEX IF NOT EXISTS commands_client_addr ON commands (client_addr);
CREATE UNIQUE INDEX IF NOT EXISTS commands_seq ON commands (seq);
CREATE UNIQUE INDEX IF NOT EXISTS commands_end_seq ON commands (end_seq);

PRAGMA user_version = 4;
