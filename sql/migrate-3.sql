-- Take an rcmdd audit database from schema version 2 to 3: the SHA-256
-- fingerprint of a TLS client's certificate, next to its identity (the
-- certificate's CN). Rows without one hash into the chain as before.

ALTER TABLE commands ADD COLUMN fingerprint TEXT;

PRAGMA user_version = 3;
