-- Take an rcmdd audit database from schema version 6 to 7: the terminal a
-- command ran on (rcmd --tty), as its TERM name, a blank and the window's
-- rows x columns when it started ("xterm-256color 24x80"); NULL for a
-- command that ran without one. Older rows keep NULL: the chain hashes no
-- NULL field, so they verify as before. rcmdd runs it, then
-- sql/views.sql, in one transaction.

ALTER TABLE commands ADD COLUMN terminal TEXT;

PRAGMA user_version = 7;
