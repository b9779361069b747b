-- An audit database of schema version 3 as rcmdd 0.1.0 (commit f8981e8)
-- left it, dumped with sqlite3 .dump: five plain rows, one from a TLS
-- client with its certificate's fingerprint, one denied, and one left
-- running by a daemon killed with SIGKILL. audit-migrate.sh loads it.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE commands (
	id		INTEGER PRIMARY KEY,
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
	hash		TEXT
);
INSERT INTO commands VALUES(1,'2026-12-04T16:45:07.871Z','2026-12-04T16:45:07.872Z','127.0.0.1',33388,'root',NULL,NULL,'echo one','exited',0,NULL,1,replace('one\n','\n',char(10)),4,0,NULL,1,'0d91cbd5494a84a8b1a93ec73f26a6fc643b85cfe54b394941d12e7db1776e6c');
INSERT INTO commands VALUES(2,'2026-12-04T16:45:07.875Z','2026-12-04T16:45:07.877Z','127.0.0.1',33392,'root',NULL,NULL,'echo two; exit 3','exited',3,NULL,1,replace('two\n','\n',char(10)),4,0,NULL,2,'6aa00e9e92e406d26cf34246e9c6f37f66aa29fbde09229312e14e0d9888c23a');
INSERT INTO commands VALUES(3,'2026-12-04T16:45:07.878Z','2026-12-04T16:45:07.880Z','127.0.0.1',33402,'root',NULL,NULL,'printf ''h\303\251llo\n''','exited',0,NULL,1,replace('héllo\n','\n',char(10)),7,0,NULL,3,'e5f7583a0d311c2f7a451e393280288eece78c2b9335a0b6b0d00ddb14db0e0b');
INSERT INTO commands VALUES(4,'2026-12-04T16:45:07.882Z','2026-12-04T16:45:08.884Z','127.0.0.1',33414,'root',NULL,NULL,'sleep 5','timeout',NULL,15,1001,'',0,0,'timed out after 1000 ms',4,'c1f503edcfda2ad028dc4f8260255df9bcfcd92b5b01cb6ef7a83d24aac4300a');
INSERT INTO commands VALUES(5,'2026-12-04T16:45:08.887Z','2026-12-04T16:45:08.889Z','127.0.0.1',33426,'root',NULL,NULL,'kill -TERM $$','signaled',NULL,15,2,'',0,0,NULL,5,'c990e6b56790940830d6b34e7f5ed8189efd36d0e359398b6e114e919287d400');
INSERT INTO commands VALUES(6,'2026-12-04T16:45:09.249Z','2026-12-04T16:45:09.252Z','127.0.0.1',47684,'root','alice','0A:F2:AC:9E:71:48:FE:45:C5:43:4D:68:D3:14:8E:0C:EE:02:74:D9:16:EB:63:4B:7F:68:4B:0E:F3:3E:DF:B5','echo over tls','exited',0,NULL,1,replace('over tls\n','\n',char(10)),9,0,NULL,6,'854285905e49278bb1cc89f97f71cf3371aab8b6b78fbc7291289fab716edf5c');
INSERT INTO commands VALUES(7,'2026-12-04T16:45:09.260Z','2026-12-04T16:45:09.260Z','127.0.0.1',47700,NULL,'mallory','52:1B:4E:41:AA:27:DC:06:18:3D:06:19:C1:7C:45:00:E2:ED:C9:38:86:16:67:00:DE:BA:6F:6C:63:EF:3B:A8','','denied',NULL,NULL,0,NULL,0,0,'not allowed: no Allow rule admits mallory from 127.0.0.1',7,'d2bd2ee2b2751e054caba1d2c9a4be3b41d00be683913dab9e0e32d912ac980e');
INSERT INTO commands VALUES(8,'2026-12-04T16:45:09.271Z',NULL,'127.0.0.1',47704,'root','alice','0A:F2:AC:9E:71:48:FE:45:C5:43:4D:68:D3:14:8E:0C:EE:02:74:D9:16:EB:63:4B:7F:68:4B:0E:F3:3E:DF:B5','echo $$; exec sleep 30','running',NULL,NULL,NULL,NULL,0,0,NULL,NULL,NULL);
CREATE TABLE audit_meta (
	key		TEXT PRIMARY KEY,
	value		TEXT NOT NULL
);
INSERT INTO audit_meta VALUES('chain_base_seq','0');
INSERT INTO audit_meta VALUES('chain_base_hash','0000000000000000000000000000000000000000000000000000000000000000');
CREATE INDEX commands_started_at ON commands (started_at);
CREATE INDEX commands_status ON commands (status);
CREATE INDEX commands_client_addr ON commands (client_addr);
CREATE UNIQUE INDEX commands_seq ON commands (seq);
CREATE VIEW recent_commands AS
	SELECT id, started_at, client_addr, identity, status, exit_code,
	    signal, duration_ms, substr(command, 1, 60) AS command
	FROM commands ORDER BY id DESC LIMIT 50;
CREATE VIEW failed_commands AS
	SELECT id, started_at, client_addr, identity, status, exit_code,
	    signal, substr(command, 1, 60) AS command, reason
	FROM commands
	WHERE status NOT IN ('running', 'denied')
	    AND NOT (status = 'exited' AND exit_code = 0)
	ORDER BY id DESC;
CREATE VIEW denied_attempts AS
	SELECT id, started_at, client_addr, client_port, identity, reason
	FROM commands WHERE status = 'denied' ORDER BY id DESC;
CREATE VIEW top_clients AS
	SELECT client_addr, identity, count(*) AS commands,
	    sum(status NOT IN ('running', 'denied')
	        AND NOT (status = 'exited' AND exit_code = 0)) AS failed,
	    sum(status = 'denied') AS denied, max(started_at) AS last_seen
	FROM commands GROUP BY client_addr, identity ORDER BY commands DESC;
CREATE VIEW longest_commands AS
	SELECT id, started_at, client_addr, duration_ms, status,
	    substr(command, 1, 60) AS command
	FROM commands WHERE duration_ms IS NOT NULL
	ORDER BY duration_ms DESC LIMIT 20;
COMMIT;
PRAGMA user_version=3;
