-- Take an rcmdd audit database from schema version 9 to 10: the unique
-- index on end_seq holds the ends chained only. A running row's NULL
-- end_seq was an entry among the NULLs, on another page than the ends:
-- one more page written to the WAL when the row is inserted, and again
-- when its end moves the entry, on every command. Every lookup rcmdd
-- makes by end_seq names a value, which the partial index serves.

DROP INDEX IF EXISTS commands_end_seq;
CREATE UNIQUE INDEX commands_end_seq ON commands (end_seq)
    WHERE end_seq IS NOT NULL;

PRAGMA user_version = 10;
