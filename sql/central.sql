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
-- the key and recognised, and a gap in event_seq is a lost event.
--
-- Load it once, as a superuser, into an empty database:
--     psql -d rcmdd_audit -f central.sql

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
