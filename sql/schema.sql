-- rcmdd audit log schema, version 10.
--
-- rcmdd compiles this file in and applies it, then sql/views.sql, to a new
-- database; the version is PRAGMA user_version, and sql/migrate-N.sql
-- takes a database from version N-1 to N. One row per command: inserted
-- with status 'running' before the command is spawned, its start chained
-- in the same transaction (seq, hash), then completed before the client is
-- told how it ended, its end chained with it (end_seq, end_hash); see
-- rcmdd(8), "Tamper evidence". AUTOINCREMENT: an id is never given twice,
-- even when its row is deleted. Times are UTC, YYYY-MM-DDTHH:MM:SS.mmmZ.

CREATE TABLE IF NOT EXISTS commands (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,
	started_at	TEXT NOT NULL,
	finished_at	TEXT,
	client_addr	TEXT NOT NULL,
	client_port	INTEGER,
	client_name	TEXT,
	identity	TEXT,
	fingerprint	TEXT,
	command		TEXT NOT NULL,
	status		TEXT NOT NULL CHECK (status = 'running' OR
			    status = 'exited' OR status = 'signaled' OR
			    status = 'timeout' OR status = 'cancelled' OR
			    status = 'disconnected' OR status = 'failed' OR
			    status = 'interrupted' OR status = 'denied'),
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
	chain_version	INTEGER,
	run_as		TEXT,
	mode		TEXT CHECK (mode IN ('shell', 'argv')),
	argv		TEXT,
	ticket		TEXT,
	cwd		TEXT,
	rule		TEXT,
	terminal	TEXT
);

CREATE INDEX IF NOT EXISTS commands_started_at ON commands (started_at);
CREATE INDEX IF NOT EXISTS commands_status ON commands (status);
CREATE INDEX IF NOT EXISTS commands_client_addr ON commands (client_addr);
CREATE UNIQUE INDEX IF NOT EXISTS commands_seq ON commands (seq);
-- Only the ends chained: a running row's NULL would be one more index page
-- written when it is inserted and again when it ends.
CREATE UNIQUE INDEX IF NOT EXISTS commands_end_seq ON commands (end_seq)
    WHERE end_seq IS NOT NULL;

-- A terminal session's recording (rcmd --tty): chunks of asciicast v2
-- event lines, each chained when it was written, between its row's start
-- and end; seq is its place in the chain, start_seq its row's start, chunk
-- its number from 0, truncated 1 on the last chunk when the recording
-- reached SessionRecordMax. See rcmdd(8), "Recording".
CREATE TABLE IF NOT EXISTS recording (
	seq		INTEGER PRIMARY KEY,
	command_id	INTEGER NOT NULL,
	start_seq	INTEGER NOT NULL,
	chunk		INTEGER NOT NULL,
	data		TEXT NOT NULL,
	truncated	INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)),
	hash		TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS recording_chunk ON recording
	(command_id, chunk);

-- Where the hash chain starts: 64 zeros, or the last event pruned.
CREATE TABLE IF NOT EXISTS audit_meta (
	key		TEXT PRIMARY KEY,
	value		TEXT NOT NULL
);
INSERT OR IGNORE INTO audit_meta (key, value) VALUES
	('chain_base_seq', '0'),
	('chain_base_hash',
	    '0000000000000000000000000000000000000000000000000000000000000000');

-- Where forwarding to the central store (AuditForward) stands: the
-- name this host has there, the chain base it registered, and seq, the
-- highest event the central store has committed (every one before it
-- too). One row, made when forwarding first starts; see rcmdd(8),
-- "Forwarding".
CREATE TABLE IF NOT EXISTS forward_cursor (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	host		TEXT NOT NULL,
	base_seq	INTEGER NOT NULL,
	base_hash	TEXT NOT NULL,
	seq		INTEGER NOT NULL,
	updated_at	TEXT NOT NULL
);

PRAGMA user_version = 10;
