-- Take an rcmdd audit database from schema version 5 to 6: who a command
-- ran as and why it was let run (rcmdd.conf(5) Allow and Deny). run_as is
-- the user it ran as; mode 'shell' (a string for /bin/sh -c) or 'argv'
-- (an argument vector, run with execve); argv the vector as received, a
-- JSON array of strings (command then holds its words shell-quoted and
-- joined); ticket what the client gave with rcmd -m; cwd the working
-- directory it asked for; rule the rule that admitted or refused it, as
-- "FILE:LINE: TEXT". Older rows keep NULL in each: the chain hashes no
-- NULL field, so they verify as before. rcmdd runs it, then
-- sql/views.sql, in one transaction.

ALTER TABLE commands ADD COLUMN run_as TEXT;
ALTER TABLE commands ADD COLUMN mode TEXT CHECK (mode IN ('shell', 'argv'));
ALTER TABLE commands ADD COLUMN argv TEXT;
ALTER TABLE commands ADD COLUMN ticket TEXT;
ALTER TABLE commands ADD COLUMN cwd TEXT;
ALTER TABLE commands ADD COLUMN rule TEXT;

PRAGMA user_version = 6;
