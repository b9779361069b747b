-- rcmdd audit log schema, version 1.
--
-- rcmdd compiles this file in and applies it to a new database; the version
-- is PRAGMA user_version. One row per command: inserted with status
-- 'running' before the command is spawned, updated with how it ended before
-- the client is told. Times are UTC, YYYY-MM-DDTHH:MM:SS.mmmZ.

CREATE TABLE IF NOT EXISTS commands (
	id		INTEGER PRIMARY KEY,
	started_at	TEXT NOT NULL,
	finished_at	TEXT,
	client_addr	TEXT NOT NULL,
	client_port	INTEGER,
	client_name	TEXT,
	identity	TEXT,
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
	reason		TEXT
);

CREATE INDEX IF NOT EXISTS commands_started_at ON commands (started_at);
CREATE INDEX IF NOT EXISTS commands_status ON commands (status);
CREATE INDEX IF NOT EXISTS commands_client_addr ON commands (client_addr);

PRAGMA user_version = 1;
