-- Take an rcmdd audit database from schema version 8 to 9: the check of a
-- command's status becomes an OR of equalities instead of an IN list, for
-- which SQLite builds a table at every INSERT and UPDATE that checks it
-- (EXPLAIN shows its OpenEphemeral), tens of microseconds a command. The
-- two accept the same statuses and the rows stay as they are, so the
-- table's text is changed in place (SQLite's "Making Other Kinds Of Table
-- Schema Changes"): rcmdd turns PRAGMA writable_schema on, runs this,
-- moves PRAGMA schema_version on by one and turns writable_schema off
-- again, all in one transaction. Every database of versions 4 to 8 has
-- the same text for the check (sql/schema.sql and sql/migrate-4.sql).

UPDATE sqlite_schema SET sql = replace(sql, 'status IN (''running'', ''exited'',
			    ''signaled'', ''timeout'', ''cancelled'', ''disconnected'',
			    ''failed'', ''interrupted'', ''denied'')',
    'status = ''running'' OR
			    status = ''exited'' OR status = ''signaled'' OR
			    status = ''timeout'' OR status = ''cancelled'' OR
			    status = ''disconnected'' OR status = ''failed'' OR
			    status = ''interrupted'' OR status = ''denied''')
    WHERE type = 'table' AND name = 'commands';

PRAGMA user_version = 9;
