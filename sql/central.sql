-- rcmdd central audit store: the PostgreSQL schema that every host's
-- forwarder (AuditForward in rcmdd.conf(5)) appends to.
--
-- The store is append-only. A command's start and its end are two events,
-- two rows of events, each exactly as its host chained it (rcmdd(8),
-- "Tamper evidence"): the start event carries the fields the start hash
-- covers, the end event the whole row as the host completed it. A row
-- written by a host before its chain had two events (chain_version 1) is
-- one event, kind 'row'. A host's events are keyed by its name and the
-- event's sequence number in its chain, so a row sent twice is refused by
-- the key and recognised, and a gap in event_seq is a lost event. A
-- terminal session's recording is events of the same chain, one per
-- chunk, in the table recording, keyed alike.
--
-- Load it once, as a superuser, into an empty database in SQL_ASCII
-- (a command is kept in the bytes its client sent, which need not be
-- UTF-8; a database in UTF8 would refuse such an event and forwarding
-- would stop at it):
--     createdb -T template0 -E SQL_ASCII --locale=C rcmdd_audit
--     psql -d rcmdd_audit -f central.sql

\set ON_ERROR_STOP on

DO $$
BEGIN
	IF pg_encoding_to_char((SELECT encoding FROM pg_database
	    WHERE datname = current_database())) <> 'SQL_ASCII' THEN
		RAISE EXCEPTION 'database % is in encoding %, which refuses a command whose bytes are not valid in it, and forwarding would stop at that command', current_database(),
		    pg_encoding_to_char((SELECT encoding FROM pg_database
		    WHERE datname = current_database()))
		    USING HINT = 'create the central database with: createdb -T template0 -E SQL_ASCII --locale=C NAME';
	END IF;
END
$$;

CREATE TABLE IF NOT EXISTS events (
	host		text NOT NULL,
	event_seq	bigint NOT NULL CHECK (event_seq > 0),
	kind		text NOT NULL CHECK (kind IN ('start', 'end', 'row')),
	-- The local row's columns (sql/schema.sql), as the event left them.
	id		bigint NOT NULL,
	started_at	text NOT NULL,
	finished_at	text,
	client_addr	text NOT NULL,
	client_port	integer,
	client_name	text,
	identity	text,
	fingerprint	text,
	command		text NOT NULL,
	status		text NOT NULL,
	exit_code	integer,
	signal		integer,
	duration_ms	bigint,
	output		text,
	output_bytes	bigint NOT NULL DEFAULT 0,
	truncated	integer NOT NULL DEFAULT 0,
	reason		text,
	seq		bigint,
	hash		text,
	end_seq		bigint,
	end_hash	text,
	chain_version	integer,
	received_at	timestamptz NOT NULL DEFAULT now(),
	-- Who it ran as, how, and the rule that decided (schema 6 locally).
	run_as		text,
	mode		text,
	argv		text,
	ticket		text,
	cwd		text,
	rule		text,
	-- The terminal it ran on, "TERM ROWSxCOLUMNS" (schema 7 locally).
	terminal	text,
	PRIMARY KEY (host, event_seq)
);
-- A store made before those columns gets them.
ALTER TABLE events ADD COLUMN IF NOT EXISTS run_as text,
    ADD COLUMN IF NOT EXISTS mode text, ADD COLUMN IF NOT EXISTS argv text,
    ADD COLUMN IF NOT EXISTS ticket text, ADD COLUMN IF NOT EXISTS cwd text,
    ADD COLUMN IF NOT EXISTS rule text,
    ADD COLUMN IF NOT EXISTS terminal text;

-- A terminal session's recording (schema 8 locally): each chunk as its
-- host chained it, an event of its chain like a start or an end: seq
-- event_seq, the row command_id whose start is start_seq, its number
-- chunk, its asciicast events data, and truncated (rcmdd(8),
-- "Recording").
CREATE TABLE IF NOT EXISTS recording (
	host		text NOT NULL,
	event_seq	bigint NOT NULL CHECK (event_seq > 0),
	command_id	bigint NOT NULL,
	start_seq	bigint NOT NULL,
	chunk		bigint NOT NULL,
	data		text NOT NULL,
	truncated	integer NOT NULL DEFAULT 0,
	hash		text NOT NULL,
	received_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (host, event_seq)
);

-- Where each host's chain starts in this store: 0 and 64 zeros, or the
-- last event the host had pruned before it first forwarded. Written once,
-- by the host's first forwarder.
CREATE TABLE IF NOT EXISTS hosts (
	host		text PRIMARY KEY,
	base_seq	bigint NOT NULL CHECK (base_seq >= 0),
	base_hash	text NOT NULL,
	registered_at	timestamptz NOT NULL DEFAULT now()
);

-- The periodic chain heads each host sends (its last sequence number and
-- hash at that moment), against which its events are checked.
CREATE TABLE IF NOT EXISTS heads (
	host		text NOT NULL,
	seq		bigint NOT NULL,
	hash		text NOT NULL,
	at		text NOT NULL,
	received_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (host, seq)
);

-- Everything below is idempotent: loading the file again upgrades the
-- roles, rights, policies, triggers and views in place.
--
-- The roles. rcmdd_host is the group of the hosts: each host logs in as
-- a role named exactly as its AuditHostName (made by rcmdd_add_host),
-- which may INSERT into events, hosts and heads and SELECT from them, in
-- both cases only rows whose host is its own name (the row-level security
-- below). rcmdd_auditor reads everything and may change nothing. Nobody
-- may UPDATE, DELETE or TRUNCATE: the rights are not granted, and the
-- triggers below refuse it even to a table's owner. Only a superuser's
-- deliberate act gets past them (ALTER TABLE ... DISABLE TRIGGER), and
-- rcmdd --verify-audit then names what it changed.
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rcmdd_host') THEN
		CREATE ROLE rcmdd_host NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rcmdd_auditor')
	THEN
		CREATE ROLE rcmdd_auditor NOLOGIN;
	END IF;
END
$$;

-- rcmdd_add_host('web3'): make the host's login role (or give an
-- existing one) membership of rcmdd_host. The host logs in with a client
-- certificate whose CN is its name (PostgreSQL's cert authentication;
-- rcmdd(8) shows pg_hba.conf). Run it as a superuser or a role with
-- CREATEROLE. To retire a host: REVOKE rcmdd_host FROM "web3"; its rows
-- stay.
CREATE OR REPLACE FUNCTION rcmdd_add_host(host_name text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r	record;
BEGIN
	IF host_name IS NULL OR
	    host_name !~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' THEN
		RAISE EXCEPTION 'rcmdd_add_host: "%" is not a host name',
		    host_name
		    USING HINT = 'Give the host''s AuditHostName: letters, '
			'digits, dots, hyphens and underscores, up to 63.';
	END IF;
	IF host_name IN ('rcmdd_host', 'rcmdd_auditor', 'public', 'postgres')
	    OR host_name LIKE 'pg\_%' THEN
		RAISE EXCEPTION 'rcmdd_add_host: "%" is a reserved role name',
		    host_name USING HINT = 'Set AuditHostName to another name.';
	END IF;
	SELECT rolsuper, rolbypassrls INTO r FROM pg_roles
	    WHERE rolname = host_name;
	IF NOT FOUND THEN
		EXECUTE format('CREATE ROLE %I LOGIN', host_name);
	ELSIF r.rolsuper OR r.rolbypassrls THEN
		RAISE EXCEPTION 'rcmdd_add_host: the role "%" is a superuser '
		    'or bypasses row-level security: it cannot be a host',
		    host_name;
	END IF;
	EXECUTE format('GRANT rcmdd_host TO %I', host_name);
	RETURN host_name;
END
$$;
REVOKE ALL ON FUNCTION rcmdd_add_host(text) FROM PUBLIC;

REVOKE ALL ON events, hosts, heads, recording FROM PUBLIC;
REVOKE ALL ON events, hosts, heads, recording FROM rcmdd_host,
    rcmdd_auditor;
GRANT SELECT, INSERT ON events, hosts, heads, recording TO rcmdd_host;
GRANT SELECT ON events, hosts, heads, recording TO rcmdd_auditor;

-- Row-level security: a host sees and adds its own rows only, logged in
-- as itself (a host that SET ROLE rcmdd_host gets no rows). The tables'
-- owner is not exempt (FORCE), so that no right reaches past it but a
-- superuser's.
DO $$
DECLARE
	t	text;
BEGIN
	FOREACH t IN ARRAY ARRAY['events', 'hosts', 'heads', 'recording']
	LOOP
		EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
		EXECUTE format('DROP POLICY IF EXISTS host_insert ON %I', t);
		EXECUTE format('CREATE POLICY host_insert ON %I FOR INSERT '
		    'TO rcmdd_host WITH CHECK (host = current_user AND '
		    'host = session_user)', t);
		EXECUTE format('DROP POLICY IF EXISTS host_select ON %I', t);
		EXECUTE format('CREATE POLICY host_select ON %I FOR SELECT '
		    'TO rcmdd_host USING (host = current_user AND '
		    'host = session_user)', t);
		EXECUTE format('DROP POLICY IF EXISTS auditor_select ON %I',
		    t);
		EXECUTE format('CREATE POLICY auditor_select ON %I FOR SELECT '
		    'TO rcmdd_auditor USING (true)', t);
	END LOOP;
END
$$;

-- Append-only: every UPDATE, DELETE and TRUNCATE is refused, whoever
-- asks, even one that would touch no row.
CREATE OR REPLACE FUNCTION rcmdd_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'rcmdd central store: % on % refused: the store is '
	    'append-only', TG_OP, TG_TABLE_NAME
	    USING ERRCODE = 'insufficient_privilege',
	    HINT = 'Rows are only ever added; rcmdd --verify-audit names any '
		'row changed or removed.';
END
$$;

-- The store's own clock says when a row arrived: a host cannot date its
-- rows (received_at, registered_at) to look busy when it is quiet.
CREATE OR REPLACE FUNCTION rcmdd_received() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_TABLE_NAME = 'hosts' THEN
		NEW.registered_at := now();
	ELSE
		NEW.received_at := now();
	END IF;
	RETURN NEW;
END
$$;

DO $$
DECLARE
	t	text;
BEGIN
	FOREACH t IN ARRAY ARRAY['events', 'hosts', 'heads', 'recording']
	LOOP
		EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I',
		    t || '_received', t);
		EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON %I FOR '
		    'EACH ROW EXECUTE FUNCTION rcmdd_received()',
		    t || '_received', t);
		EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I',
		    t || '_append_only', t);
		EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE OR '
		    'TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION '
		    'rcmdd_append_only()', t || '_append_only', t);
	END LOOP;
END
$$;

-- The commands, as the local table has them (sql/schema.sql) with their
-- host: one row per command once both its events are in, read from its
-- end event, which carries the whole completed row (a version 1 row is
-- its one event). A row whose start the host had pruned before it first
-- forwarded (at or below its base) needs only its end. Every view runs
-- with the rights of who reads it (security_invoker, PostgreSQL 15), so
-- that a host sees its own rows only and an auditor every row.
--
-- The views below show the columns a client fills (client_name,
-- identity, command, reason) safe for a terminal, as the local views do
-- (sql/views.sql.in): each C0 control and DEL as \xNN, and each C1
-- control, bidirectional control and line or paragraph separator as
-- \u{N}; the exact text is in commands and events.
DROP VIEW IF EXISTS recent_commands, failed_commands, denied_attempts,
    top_clients, longest_commands, commands_by_identity, quiet_hosts,
    host_activity, running_commands, safe_commands, commands;

CREATE INDEX IF NOT EXISTS events_started_at ON events (started_at);
CREATE INDEX IF NOT EXISTS events_identity ON events (identity);
CREATE INDEX IF NOT EXISTS events_received_at ON events (received_at);

CREATE VIEW commands WITH (security_invoker = true) AS
	SELECT e.host, e.id, e.started_at, e.finished_at, e.client_addr,
	    e.client_port, e.client_name, e.identity, e.fingerprint,
	    e.command, e.status, e.exit_code, e.signal, e.duration_ms,
	    e.output, e.output_bytes, e.truncated, e.reason, e.seq, e.hash,
	    e.end_seq, e.end_hash, e.chain_version, e.run_as, e.mode, e.argv,
	    e.ticket, e.cwd, e.rule, e.terminal
	FROM events AS e
	WHERE e.kind = 'row' OR (e.kind = 'end' AND (EXISTS (SELECT 1
	    FROM events AS s WHERE s.host = e.host AND s.event_seq = e.seq
	    AND s.kind = 'start') OR e.seq <= (SELECT h.base_seq
	    FROM hosts AS h WHERE h.host = e.host)));

-- Commands whose start is in and whose end is not (yet): running, or
-- ended while the host could not forward, or never ended because the
-- host died or was silenced mid-command.
CREATE VIEW running_commands WITH (security_invoker = true) AS
	SELECT s.host, s.id, s.started_at, s.client_addr, s.client_port,
	    s.client_name, s.identity, s.fingerprint, s.command, s.seq,
	    s.hash, s.received_at, s.run_as, s.mode, s.argv, s.ticket, s.cwd,
	    s.rule, s.terminal
	FROM events AS s
	WHERE s.kind = 'start' AND NOT EXISTS (SELECT 1 FROM events AS e
	    WHERE e.host = s.host AND e.kind = 'end' AND e.seq = s.seq);

-- Show text safe for a terminal (see above). The database is in
-- SQL_ASCII, so text is the bytes a host sent: this decodes them as
-- UTF-8 itself, and shows a byte that is not part of a valid UTF-8
-- sequence as \xNN too (a lone 0x9b is a control sequence to some
-- terminals).
CREATE OR REPLACE FUNCTION rcmdd_safe(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
	b	bytea;
	n	integer;
	i	integer := 0;
	c	integer;
	k	integer;
	j	integer;
	cp	integer;
	ok	boolean;
	parts	text[] := '{}';
BEGIN
	IF t ~ '^[ -~]*$' THEN
		RETURN t;
	END IF;
	b := convert_to(t, 'SQL_ASCII');
	n := length(b);
	WHILE i < n LOOP
		c := get_byte(b, i);
		IF c < 128 THEN
			IF c < 32 OR c = 127 THEN
				parts := parts || ('\x' || lpad(to_hex(c), 2, '0'));
			ELSE
				parts := parts || chr(c);
			END IF;
			i := i + 1;
			CONTINUE;
		END IF;
		k := CASE WHEN c BETWEEN 194 AND 223 THEN 1
		    WHEN c BETWEEN 224 AND 239 THEN 2
		    WHEN c BETWEEN 240 AND 244 THEN 3 ELSE 0 END;
		ok := k > 0 AND i + k < n;
		IF ok THEN
			cp := c & (CASE k WHEN 1 THEN 31 WHEN 2 THEN 15 ELSE 7 END);
			FOR j IN 1..k LOOP
				IF (get_byte(b, i + j) & 192) <> 128 THEN
					ok := false;
					EXIT;
				END IF;
				cp := (cp << 6) | (get_byte(b, i + j) & 63);
			END LOOP;
		END IF;
		IF ok AND ((k = 2 AND cp < 2048) OR (k = 3 AND cp < 65536) OR
		    cp BETWEEN 55296 AND 57343 OR cp > 1114111) THEN
			ok := false;
		END IF;
		IF NOT ok THEN
			parts := parts || ('\x' || to_hex(c));
			i := i + 1;
		ELSIF cp BETWEEN 128 AND 159 OR cp IN (8206, 8207, 8232, 8233) OR
		    cp BETWEEN 8234 AND 8238 OR cp BETWEEN 8294 AND 8297 THEN
			parts := parts || ('\u{' || to_hex(cp) || '}');
			i := i + k + 1;
		ELSE
			parts := parts || convert_from(substring(b FROM i + 1
			    FOR k + 1), 'SQL_ASCII');
			i := i + k + 1;
		END IF;
	END LOOP;
	RETURN array_to_string(parts, '');
END
$$;

CREATE VIEW safe_commands WITH (security_invoker = true) AS
	SELECT host, id, started_at, finished_at, client_addr, client_port,
	    rcmdd_safe(client_name) AS client_name,
	    rcmdd_safe(identity) AS identity, fingerprint,
	    rcmdd_safe(command) AS command, status, exit_code, signal,
	    duration_ms, output, output_bytes, truncated,
	    rcmdd_safe(reason) AS reason, seq, hash, end_seq, end_hash,
	    chain_version, rcmdd_safe(substr(command, 1, 60)) AS command_60,
	    run_as, mode, rcmdd_safe(argv) AS argv,
	    rcmdd_safe(ticket) AS ticket, rcmdd_safe(cwd) AS cwd,
	    rcmdd_safe(rule) AS rule, terminal
	FROM commands;

-- The local views, fleet-wide: each with the host.
CREATE VIEW recent_commands WITH (security_invoker = true) AS
	SELECT host, id, started_at, client_addr, identity, status,
	    exit_code, signal, duration_ms, command_60 AS command
	FROM safe_commands ORDER BY started_at DESC, host, id DESC LIMIT 50;

CREATE VIEW failed_commands WITH (security_invoker = true) AS
	SELECT host, id, started_at, client_addr, identity, status,
	    exit_code, signal, command_60 AS command, reason
	FROM safe_commands
	WHERE status NOT IN ('running', 'denied')
	    AND NOT (status = 'exited' AND exit_code = 0)
	ORDER BY started_at DESC, host, id DESC;

CREATE VIEW denied_attempts WITH (security_invoker = true) AS
	SELECT host, id, started_at, client_addr, client_port, identity,
	    reason
	FROM safe_commands WHERE status = 'denied'
	ORDER BY started_at DESC, host, id DESC;

CREATE VIEW top_clients WITH (security_invoker = true) AS
	SELECT client_addr, identity, count(*) AS commands,
	    count(DISTINCT host) AS hosts,
	    count(*) FILTER (WHERE status NOT IN ('running', 'denied')
		AND NOT (status = 'exited' AND exit_code = 0)) AS failed,
	    count(*) FILTER (WHERE status = 'denied') AS denied,
	    max(started_at) AS last_seen
	FROM safe_commands GROUP BY client_addr, identity
	ORDER BY commands DESC;

CREATE VIEW longest_commands WITH (security_invoker = true) AS
	SELECT host, id, started_at, client_addr, duration_ms, status,
	    command_60 AS command
	FROM safe_commands WHERE duration_ms IS NOT NULL
	ORDER BY duration_ms DESC LIMIT 20;

-- Who ran what where: one row per identity (NULL: a local peer without
-- one), with the hosts it reached.
CREATE VIEW commands_by_identity WITH (security_invoker = true) AS
	SELECT identity, count(*) AS commands,
	    count(DISTINCT host) AS hosts,
	    string_agg(DISTINCT host, ' ' ORDER BY host) AS host_names,
	    count(*) FILTER (WHERE status NOT IN ('running', 'denied')
		AND NOT (status = 'exited' AND exit_code = 0)) AS failed,
	    count(*) FILTER (WHERE status = 'denied') AS denied,
	    min(started_at) AS first_seen, max(started_at) AS last_seen
	FROM safe_commands GROUP BY identity ORDER BY commands DESC;

-- When each host was last heard from: its last event or chain head.
CREATE VIEW host_activity WITH (security_invoker = true) AS
	SELECT h.host, h.registered_at,
	    (SELECT max(e.event_seq) FROM events AS e
		WHERE e.host = h.host) AS last_event_seq,
	    (SELECT max(e.received_at) FROM events AS e
		WHERE e.host = h.host) AS last_event_at,
	    (SELECT max(d.received_at) FROM heads AS d
		WHERE d.host = h.host) AS last_head_at,
	    now() - GREATEST(h.registered_at,
		(SELECT max(e.received_at) FROM events AS e
		    WHERE e.host = h.host),
		(SELECT max(d.received_at) FROM heads AS d
		    WHERE d.host = h.host)) AS quiet_for
	FROM hosts AS h ORDER BY quiet_for DESC;

-- Hosts heard from neither by an event nor by a chain head for two hours,
-- twice AuditHeadInterval's default: down, cut off, or silenced.
CREATE VIEW quiet_hosts WITH (security_invoker = true) AS
	SELECT host, last_event_seq, last_event_at, last_head_at, quiet_for
	FROM host_activity WHERE quiet_for > interval '2 hours';

GRANT SELECT ON commands, running_commands, safe_commands,
    recent_commands, failed_commands, denied_attempts, top_clients,
    longest_commands, commands_by_identity, host_activity, quiet_hosts
    TO rcmdd_host, rcmdd_auditor;
