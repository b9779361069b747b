-- Take an rcmdd audit database from schema version 4 to 5: the cursor of
-- forwarding to a central store (AuditForward; rcmdd(8), "Forwarding").
-- rcmdd runs it, then sql/views.sql, which adds the view forward_status.

CREATE TABLE IF NOT EXISTS forward_cursor (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	host		TEXT NOT NULL,
	base_seq	INTEGER NOT NULL,
	base_hash	TEXT NOT NULL,
	seq		INTEGER NOT NULL,
	updated_at	TEXT NOT NULL
);

PRAGMA user_version = 5;
