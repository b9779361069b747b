-- Take an rcmdd audit database from schema version 7 to 8: the recording
-- of a terminal session (rcmd --tty), in chunks of asciicast v2 event
-- lines, each chained when it was written (rcmdd(8), "Tamper evidence"):
-- seq is its place in the chain, command_id the row it belongs to,
-- start_seq that row's start event, chunk its number from 0, data its
-- events, truncated 1 on the last chunk when the recording reached
-- SessionRecordMax. rcmdd --export-cast writes it as an asciicast file.
-- rcmdd runs it, then sql/views.sql, in one transaction.

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

PRAGMA user_version = 8;
