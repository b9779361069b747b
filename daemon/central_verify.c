/*
 * Copyright (c) 2026 The rcmdd authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

#include "config.h"

#include <sys/types.h>

#include <inttypes.h>
#ifdef HAVE_LIBPQ
#include <libpq-fe.h>
#endif
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * rcmdd --verify-audit postgresql://...: check the central audit store
 * (sql/central.sql) host by host with the local chain's own code. Each
 * host's events are loaded into a private temporary SQLite database of
 * the local shape: its end events (the whole rows) and version 1 rows
 * become the table commands, each start event must agree with its end
 * on every field its start hash covers, a start without an end becomes
 * the running row it was, and the host's chain base is set from hosts;
 * then chain_verify_db checks every hash, link and sequence number, and
 * that the last head the host sent is in the chain. --compare checks one
 * host's local database against its central copy, event by event, and
 * names the first that differs. Runs in a process of its own, reading
 * the store in one read-only transaction.
 */

/* Is the argument of --verify-audit a libpq URI rather than a file? */
int
central_uri(const char *s)
{
	return (strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0);
}

#ifdef HAVE_LIBPQ

extern const char audit_schema[];

/* Events are read from the store in rows of their own (single-row mode). */
#define CENTRAL_TABLES							\
	"CREATE TABLE cstart AS SELECT CAST(0 AS INTEGER) AS event_seq, "\
	"CAST('' AS TEXT) AS kind, * FROM commands WHERE 0; "		\
	"CREATE TABLE cend AS SELECT * FROM cstart WHERE 0; "		\
	"CREATE TABLE cheads (seq INTEGER, hash TEXT); "		\
	"CREATE INDEX cstart_seq ON cstart (event_seq); "		\
	"CREATE INDEX cstart_id ON cstart (id); "			\
	"CREATE INDEX cend_seq ON cend (event_seq); "			\
	"CREATE INDEX cend_start ON cend (seq); "			\
	"CREATE INDEX cend_id ON cend (id)"

/* One host's events, loaded. */
struct central_host {
	const char		*name;
	sqlite3			*db;
	struct chain_head	 base;
	int			 has_base;
	uint64_t		 nevents;
	uint64_t		 last_seq;
	char			*head;		/* "SEQ:HASH" sent, or NULL */
};

static char	*central_pq_error(PGconn *, const char *);
static int	 central_pq_ok(PGconn *, const char *, char **);
static int	 central_exec(sqlite3 *, const char *, char **);
static char	*central_diff(const char *, const char *, int);
static int	 central_load(PGconn *, struct central_host *, char **);
static int	 central_load_events(PGconn *, struct central_host *,
		     char **);
static char	*central_check_events(struct central_host *);
static char	*central_rows(struct central_host *);
static int	 central_start_ok(struct central_host *, uint64_t);
static int	 central_verify_host(PGconn *, const char *, uint64_t *,
		     struct chain_head *, char **);
static int	 central_compare(PGconn *, const char *, const char *,
		     char **);
static void	 central_host_free(struct central_host *);

/* Return an allocated message for the last libpq error, without its \n. */
static char *
central_pq_error(PGconn *conn, const char *what)
{
	char	*s;
	size_t	 n;

	xasprintf(&s, "%s: %s", what, PQerrorMessage(conn));
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return (s);
}

/* Run a statement that returns no rows; 0, or -1 with a cause. */
static int
central_pq_ok(PGconn *conn, const char *sql, char **cause)
{
	PGresult	*res;
	int		 rc = 0;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		*cause = central_pq_error(conn, "the central store");
		rc = -1;
	}
	PQclear(res);
	return (rc);
}

/* Run SQL on the host's temporary database; 0, or -1 with a cause. */
static int
central_exec(sqlite3 *db, const char *sql, char **cause)
{
	char	*errmsg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &errmsg) != SQLITE_OK) {
		xasprintf(cause, "the temporary database: %s", errmsg ==
		    NULL ? "out of memory" : errmsg);
		sqlite3_free(errmsg);
		return (-1);
	}
	return (0);
}

/*
 * Return an allocated SQL expression naming the first field in which the
 * rows a and b differ, or NULL if none: every field of the record, or
 * only those a start event holds (its id, the fields its hash covers,
 * its seq and hash) if start_only.
 */
static char *
central_diff(const char *a, const char *b, int start_only)
{
	const char	*name;
	char		*s, *t;
	u_int		 i;

	s = xstrdup("CASE");
	for (i = 0; i < record_nfields; i++) {
		name = record_fields[i].name;
		if (start_only && (record_fields[i].flags &
		    RECORD_CHAIN_START) == 0 && i != RECORD_F_SEQ &&
		    i != RECORD_F_HASH)
			continue;
		xasprintf(&t, "%s WHEN %s.%s IS NOT %s.%s THEN '%s'", s, a,
		    name, b, name, name);
		free(s);
		s = t;
	}
	xasprintf(&t, "%s END", s);
	free(s);
	return (t);
}

/*
 * Load the host's events, chain base and last head sent into a new
 * temporary database of the local shape. Return 0, or -1 with a cause.
 */
static int
central_load(PGconn *conn, struct central_host *h, char **cause)
{
	PGresult	*res;
	const char	*params[1];
	char		*sql;
	int		 i, n;

	if (sqlite3_open_v2("", &h->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		xasprintf(cause, "cannot open a temporary database: %s",
		    h->db == NULL ? "out of memory" : sqlite3_errmsg(h->db));
		return (-1);
	}
	if (central_exec(h->db, "PRAGMA journal_mode = OFF; PRAGMA "
	    "synchronous = OFF", cause) != 0 ||
	    central_exec(h->db, audit_schema, cause) != 0 ||
	    central_exec(h->db, CENTRAL_TABLES, cause) != 0)
		return (-1);

	params[0] = h->name;
	res = PQexecParams(conn, "SELECT base_seq, base_hash FROM hosts "
	    "WHERE host = $1", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		*cause = central_pq_error(conn, "cannot read its chain base");
		return (-1);
	}
	h->base.seq = 0;
	memset(h->base.hash, '0', CHAIN_HASH_LEN);
	h->base.hash[CHAIN_HASH_LEN] = '\0';
	if (PQntuples(res) == 1) {
		h->has_base = 1;
		h->base.seq = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
		strlcpy(h->base.hash, PQgetvalue(res, 0, 1),
		    sizeof h->base.hash);
	}
	PQclear(res);
	sql = sqlite3_mprintf("UPDATE audit_meta SET value = CASE key WHEN "
	    "'chain_base_seq' THEN '%llu' ELSE %Q END",
	    (unsigned long long)h->base.seq, h->base.hash);
	if (sql == NULL)
		fatalx("out of memory");
	if (central_exec(h->db, sql, cause) != 0) {
		sqlite3_free(sql);
		return (-1);
	}
	sqlite3_free(sql);

	/* Every head sent, the last one for chain_verify_db. */
	res = PQexecParams(conn, "SELECT seq, hash FROM heads WHERE host = $1 "
	    "ORDER BY seq", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		*cause = central_pq_error(conn, "cannot read its heads");
		return (-1);
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		sql = sqlite3_mprintf("INSERT INTO cheads VALUES (%s, %Q)",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		if (sql == NULL)
			fatalx("out of memory");
		if (central_exec(h->db, sql, cause) != 0) {
			sqlite3_free(sql);
			PQclear(res);
			return (-1);
		}
		sqlite3_free(sql);
	}
	if (n > 0)
		xasprintf(&h->head, "%s:%s", PQgetvalue(res, n - 1, 0),
		    PQgetvalue(res, n - 1, 1));
	PQclear(res);
	return (central_load_events(conn, h, cause));
}

/*
 * Read the host's events in order, a row at a time, into cstart (start
 * events) and cend (end events and version 1 rows), every value as the
 * text PostgreSQL gives, which the columns' types make what the local
 * database held. Return 0, or -1 with a cause.
 */
static int
central_load_events(PGconn *conn, struct central_host *h, char **cause)
{
	sqlite3_stmt	*ins[2] = { NULL, NULL };
	PGresult	*res;
	const char	*params[1];
	char		*cols, *sql, *marks, *t;
	int		 ncols, i, k, st, rc = -1;

	cols = chain_columns(NULL, NULL, NULL);
	ncols = 2 + (int)record_nfields;
	marks = xstrdup("?");
	for (i = 1; i < ncols; i++) {
		xasprintf(&t, "%s, ?", marks);
		free(marks);
		marks = t;
	}
	for (k = 0; k < 2; k++) {
		xasprintf(&sql, "INSERT INTO %s (event_seq, kind, %s) VALUES "
		    "(%s)", k == 0 ? "cstart" : "cend", cols, marks);
		if (sqlite3_prepare_v2(h->db, sql, -1, &ins[k], NULL) !=
		    SQLITE_OK) {
			*cause = chain_error(h->db, "the temporary database");
			free(sql);
			goto out;
		}
		free(sql);
	}
	xasprintf(&sql, "SELECT event_seq, kind, %s FROM events WHERE host = "
	    "$1 ORDER BY event_seq", cols);
	params[0] = h->name;
	st = PQsendQueryParams(conn, sql, 1, NULL, params, NULL, NULL, 0);
	free(sql);
	if (st != 1 || PQsetSingleRowMode(conn) != 1) {
		*cause = central_pq_error(conn, "cannot read its events");
		goto out;
	}
	if (central_exec(h->db, "BEGIN", cause) != 0)
		goto drain;
	while ((res = PQgetResult(conn)) != NULL) {
		st = PQresultStatus(res);
		if (st == PGRES_TUPLES_OK) {
			PQclear(res);
			continue;
		}
		if (st != PGRES_SINGLE_TUPLE) {
			*cause = central_pq_error(conn, "cannot read its "
			    "events");
			PQclear(res);
			goto drain;
		}
		k = strcmp(PQgetvalue(res, 0, 1), "start") == 0 ? 0 : 1;
		sqlite3_reset(ins[k]);
		for (i = 0; i < ncols; i++) {
			if (PQgetisnull(res, 0, i))
				sqlite3_bind_null(ins[k], i + 1);
			else
				sqlite3_bind_text(ins[k], i + 1,
				    PQgetvalue(res, 0, i),
				    PQgetlength(res, 0, i), SQLITE_TRANSIENT);
		}
		h->last_seq = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
		if (sqlite3_step(ins[k]) != SQLITE_DONE) {
			*cause = chain_error(h->db, "the temporary database");
			goto drain;
		}
		h->nevents++;
	}
	if (central_exec(h->db, "COMMIT", cause) != 0)
		goto out;
	rc = 0;
	goto out;

drain:
	while ((res = PQgetResult(conn)) != NULL)
		PQclear(res);
out:
	sqlite3_finalize(ins[0]);
	sqlite3_finalize(ins[1]);
	free(marks);
	free(cols);
	return (rc);
}

/*
 * Check what the chain cannot see in the loaded events: each event where
 * its seq says, of a kind its chain version allows, each start after the
 * base agreeing with its end, and every head sent matching the event at
 * its seq. Return NULL, or an allocated message naming the first event
 * that does not.
 */
static char *
central_check_events(struct central_host *h)
{
	sqlite3_stmt	*stmt;
	char		*sql, *diff, *msg = NULL;
	const char	*what;

	/* Moved events and kinds that the chain version does not allow. */
	if (sqlite3_prepare_v2(h->db, "SELECT event_seq, kind, id FROM "
	    "cstart WHERE seq IS NOT event_seq OR ifnull(chain_version, 2) != "
	    "2 UNION ALL SELECT event_seq, kind, id FROM cend WHERE (kind = "
	    "'end' AND (end_seq IS NOT event_seq OR ifnull(chain_version, 2) "
	    "!= 2)) OR (kind = 'row' AND (seq IS NOT event_seq OR "
	    "ifnull(chain_version, 1) != 1)) OR kind NOT IN ('end', 'row') "
	    "ORDER BY 1 LIMIT 1", -1, &stmt, NULL) != SQLITE_OK)
		return (chain_error(h->db, "the temporary database"));
	if (sqlite3_step(stmt) == SQLITE_ROW)
		xasprintf(&msg, "event seq %lld (kind %s, row id %s) does not "
		    "hold that event: its seq, kind or chain version was "
		    "changed", sqlite3_column_int64(stmt, 0),
		    sqlite3_column_text(stmt, 1), sqlite3_column_text(stmt,
		    2) == NULL ? "none" : (const char *)
		    sqlite3_column_text(stmt, 2));
	sqlite3_finalize(stmt);
	if (msg != NULL)
		return (msg);

	/* Each start after the base, against its end. */
	diff = central_diff("s", "e", 1);
	xasprintf(&sql, "SELECT e.seq, e.id, s.event_seq IS NULL, %s, "
	    "e.event_seq FROM "
	    "cend AS e LEFT JOIN cstart AS s ON s.event_seq = e.seq WHERE "
	    "e.kind = 'end' AND e.seq > %" PRIu64 " AND (s.event_seq IS NULL "
	    "OR (%s) IS NOT NULL) ORDER BY e.seq LIMIT 1", diff, h->base.seq,
	    diff);
	free(diff);
	if (sqlite3_prepare_v2(h->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		free(sql);
		return (chain_error(h->db, "the temporary database"));
	}
	free(sql);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		if (sqlite3_column_int(stmt, 2))
			xasprintf(&msg, "row id %lld: its start (seq %lld) is "
			    "missing, though its end is there: the event was "
			    "deleted", sqlite3_column_int64(stmt, 1),
			    sqlite3_column_int64(stmt, 0));
		else if (central_start_ok(h, (uint64_t)
		    sqlite3_column_int64(stmt, 0)))
			xasprintf(&msg, "row id %lld: its end (seq %lld) "
			    "differs in %s from its start, which matches its "
			    "hash: the end event was changed",
			    sqlite3_column_int64(stmt, 1),
			    sqlite3_column_int64(stmt, 4),
			    sqlite3_column_text(stmt, 3));
		else
			xasprintf(&msg, "row id %lld: its start (seq %lld) "
			    "differs in %s from its end and does not match "
			    "its hash: the start event was changed",
			    sqlite3_column_int64(stmt, 1),
			    sqlite3_column_int64(stmt, 0),
			    sqlite3_column_text(stmt, 3));
	}
	sqlite3_finalize(stmt);
	if (msg != NULL)
		return (msg);

	/* Every head sent, against the event at its seq. */
	xasprintf(&sql, "SELECT d.seq, d.hash, coalesce(s.hash, e.end_hash, "
	    "r.hash) FROM cheads AS d LEFT JOIN cstart AS s ON s.event_seq = "
	    "d.seq LEFT JOIN cend AS e ON e.kind = 'end' AND e.event_seq = "
	    "d.seq LEFT JOIN cend AS r ON r.kind = 'row' AND r.event_seq = "
	    "d.seq WHERE d.seq > %" PRIu64 " AND d.seq <= %" PRIu64 " AND "
	    "d.hash IS NOT coalesce(s.hash, e.end_hash, r.hash) ORDER BY "
	    "d.seq LIMIT 1", h->base.seq, h->last_seq);
	if (sqlite3_prepare_v2(h->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		free(sql);
		return (chain_error(h->db, "the temporary database"));
	}
	free(sql);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		what = (const char *)sqlite3_column_text(stmt, 2);
		if (what == NULL)
			xasprintf(&msg, "the head it sent at seq %lld is not "
			    "among its events: the event was deleted",
			    sqlite3_column_int64(stmt, 0));
		else
			xasprintf(&msg, "the head it sent at seq %lld says "
			    "%s, but the event there has %s: the event was "
			    "changed", sqlite3_column_int64(stmt, 0),
			    sqlite3_column_text(stmt, 1), what);
	}
	sqlite3_finalize(stmt);
	return (msg);
}

/*
 * Does the start event at seq hash, from its own fields, to the hash it
 * holds, linked to the hash the store holds for the event before it?
 */
static int
central_start_ok(struct central_host *h, uint64_t seq)
{
	sqlite3_stmt	*stmt;
	char		*cols, *sql, prev[CHAIN_HASH_LEN + 1];
	char		 hash[CHAIN_HASH_LEN + 1];
	const char	*p;
	int		 ok = 0;

	if (seq - 1 == h->base.seq)
		strlcpy(prev, h->base.hash, sizeof prev);
	else {
		if (sqlite3_prepare_v2(h->db, "SELECT hash FROM cstart WHERE "
		    "event_seq = ?1 UNION ALL SELECT CASE kind WHEN 'end' "
		    "THEN end_hash ELSE hash END FROM cend WHERE event_seq = "
		    "?1", -1, &stmt, NULL) != SQLITE_OK)
			return (0);
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64)(seq - 1));
		if (sqlite3_step(stmt) != SQLITE_ROW ||
		    (p = (const char *)sqlite3_column_text(stmt, 0)) == NULL ||
		    strlen(p) != CHAIN_HASH_LEN) {
			sqlite3_finalize(stmt);
			return (0);
		}
		strlcpy(prev, p, sizeof prev);
		sqlite3_finalize(stmt);
	}
	cols = chain_columns(NULL, NULL, NULL);
	xasprintf(&sql, "SELECT %s FROM cstart WHERE event_seq = ?1", cols);
	free(cols);
	if (sqlite3_prepare_v2(h->db, sql, -1, &stmt, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64)seq);
		if (sqlite3_step(stmt) == SQLITE_ROW &&
		    chain_hash(stmt, 0, CHAIN_START, prev, hash, NULL) == 0 &&
		    (p = (const char *)sqlite3_column_text(stmt,
		    RECORD_F_HASH)) != NULL && strcmp(p, hash) == 0)
			ok = 1;
	}
	sqlite3_finalize(stmt);
	free(sql);
	return (ok);
}

/*
 * Build the table commands from the loaded events: each end event and
 * version 1 row, and each start whose end is not in, its chain version
 * from its kind (central_check_events holds the two to agree). Return
 * NULL, or an allocated message if two events claim one row.
 */
static char *
central_rows(struct central_host *h)
{
	char	*sql, *cols, *msg = NULL, *cause = NULL;

	cols = chain_columns("chain_version", "CASE kind WHEN 'row' THEN "
	    "chain_version ELSE 2 END", NULL);
	xasprintf(&sql, "INSERT INTO commands SELECT %s FROM cend ORDER BY "
	    "event_seq; INSERT INTO commands SELECT %s FROM cstart AS s WHERE "
	    "NOT EXISTS (SELECT 1 FROM cend AS e WHERE e.kind = 'end' AND "
	    "e.seq = s.event_seq) ORDER BY event_seq", cols, cols);
	free(cols);
	if (central_exec(h->db, sql, &cause) != 0) {
		xasprintf(&msg, "its events do not make one row per command "
		    "(two events of one kind for a row id?): %s", cause);
		free(cause);
	}
	free(sql);
	return (msg);
}

/* Free a host's loaded events. */
static void
central_host_free(struct central_host *h)
{
	sqlite3_close(h->db);
	h->db = NULL;
	free(h->head);
	h->head = NULL;
}

/*
 * Verify one host's events: return 0 with the rows checked and the
 * chain's head, or -1 with a cause naming the first event that does not
 * verify, or what could not be read.
 */
static int
central_verify_host(PGconn *conn, const char *name, uint64_t *nrows,
    struct chain_head *head, char **cause)
{
	struct central_host	 h;
	char			*msg, *chain = NULL;
	int			 rc;

	memset(&h, 0, sizeof h);
	h.name = name;
	*nrows = 0;
	if (central_load(conn, &h, cause) != 0) {
		central_host_free(&h);
		return (-1);
	}
	if ((msg = central_rows(&h)) == NULL)
		msg = central_check_events(&h);
	rc = chain_verify_db(h.db, name, h.head, nrows, head, &chain);
	if (rc == 0 && !h.has_base) {
		xasprintf(&chain, "it has events but no chain base in hosts: "
		    "its row there was deleted");
		rc = -1;
	}
	if (msg != NULL && chain != NULL) {
		xasprintf(cause, "%s; %s", msg, chain);
		free(msg);
		free(chain);
	} else if (msg != NULL)
		*cause = msg;
	else
		*cause = chain;
	central_host_free(&h);
	return (msg != NULL || rc != 0 ? -1 : 0);
}

/*
 * Compare the local database at path with the host's central copy, from
 * the later of the two chain bases: every event in the store must be in
 * the local database alike (a start in the fields its hash covers, an
 * end or a version 1 row in every field), and every local event up to
 * the store's last must be in the store. Print what was compared; return
 * 0, or -1 with a cause naming the first event that differs.
 */
static int
central_compare(PGconn *conn, const char *name, const char *path,
    char **cause)
{
	struct central_host	 h;
	sqlite3_stmt		*stmt = NULL;
	const char		*p;
	char			*sql = NULL, *dstart, *dend, *uri, *t;
	uint64_t		 lbase, from, ahead;
	int			 rc = -1;

	memset(&h, 0, sizeof h);
	h.name = name;
	if (central_load(conn, &h, cause) != 0)
		goto out;
	if (h.nevents == 0 && !h.has_base) {
		xasprintf(cause, "the central store has no host %s: give its "
		    "AuditHostName with --host", name);
		goto out;
	}
	/*
	 * The local database, read-only (mode=ro: never write the
	 * evidence), by a URI that escapes its path.
	 */
	uri = xstrdup("file:");
	for (p = path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			xasprintf(&t, "%s%%%02x", uri, (u_char)*p);
		else
			xasprintf(&t, "%s%c", uri, *p);
		free(uri);
		uri = t;
	}
	xasprintf(&t, "%s?mode=ro", uri);
	free(uri);
	uri = t;
	if (sqlite3_prepare_v2(h.db, "ATTACH ?1 AS local", -1, &stmt, NULL) !=
	    SQLITE_OK) {
		free(uri);
		*cause = chain_error(h.db, path);
		goto out;
	}
	sqlite3_bind_text(stmt, 1, uri, -1, SQLITE_TRANSIENT);
	free(uri);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		xasprintf(cause, "cannot open %s: %s", path,
		    sqlite3_errmsg(h.db));
		goto out;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;
	sqlite3_busy_timeout(h.db, 5000);
	if (sqlite3_prepare_v2(h.db, "SELECT CAST(value AS INTEGER) FROM "
	    "local.audit_meta WHERE key = 'chain_base_seq'", -1, &stmt,
	    NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		*cause = chain_error(h.db, path);
		goto out;
	}
	lbase = (uint64_t)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	stmt = NULL;
	from = lbase > h.base.seq ? lbase : h.base.seq;

	/* The first event either side has and the other lacks or differs. */
	dstart = central_diff("l", "c", 1);
	dend = central_diff("l", "c", 0);
	xasprintf(&sql, "SELECT n, id, what, lacks, field FROM ("
	    "SELECT c.event_seq AS n, c.id AS id, 'its start' AS what, "
	    "l.id IS NULL AS lacks, %s AS field FROM cstart AS c LEFT JOIN "
	    "local.commands AS l ON l.id = c.id WHERE c.event_seq > ?1 "
	    "UNION ALL SELECT c.event_seq, c.id, CASE c.kind WHEN 'end' THEN "
	    "'its end' ELSE 'the row' END, l.id IS NULL, %s FROM cend AS c "
	    "LEFT JOIN local.commands AS l ON l.id = c.id WHERE c.event_seq "
	    "> ?1 "
	    "UNION ALL SELECT l.seq, l.id, CASE WHEN l.chain_version = 2 THEN "
	    "'its start' ELSE 'the row' END, 2, NULL FROM local.commands AS "
	    "l WHERE l.seq > ?1 AND l.seq <= ?2 AND NOT EXISTS (SELECT 1 FROM "
	    "cstart WHERE event_seq = l.seq UNION ALL SELECT 1 FROM cend "
	    "WHERE event_seq = l.seq) "
	    "UNION ALL SELECT l.end_seq, l.id, 'its end', 2, NULL FROM "
	    "local.commands AS l WHERE l.end_seq > ?1 AND l.end_seq <= ?2 AND "
	    "NOT EXISTS (SELECT 1 FROM cend WHERE event_seq = l.end_seq)) "
	    "WHERE lacks != 0 OR field IS NOT NULL ORDER BY n LIMIT 1",
	    dstart, dend);
	free(dstart);
	free(dend);
	if (sqlite3_prepare_v2(h.db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		*cause = chain_error(h.db, path);
		goto out;
	}
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)h.last_seq);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		switch (sqlite3_column_int(stmt, 3)) {
		case 0:
			xasprintf(cause, "%s differs from the central store "
			    "at seq %lld (row id %lld, %s) in %s: the local row "
			    "was changed after it was forwarded (or the "
			    "central one since: --verify-audit tells)",
			    path, sqlite3_column_int64(stmt, 0),
			    sqlite3_column_int64(stmt, 1),
			    sqlite3_column_text(stmt, 2),
			    sqlite3_column_text(stmt, 4));
			break;
		case 1:
			xasprintf(cause, "%s differs from the central store "
			    "at seq %lld (row id %lld, %s): the central store "
			    "has it, the local database has no row id %lld: "
			    "the local row was deleted or renumbered after it "
			    "was forwarded", path,
			    sqlite3_column_int64(stmt, 0),
			    sqlite3_column_int64(stmt, 1),
			    sqlite3_column_text(stmt, 2),
			    sqlite3_column_int64(stmt, 1));
			break;
		default:
			xasprintf(cause, "%s differs from the central store "
			    "at seq %lld (row id %lld, %s): the local database "
			    "has it, the central store does not, though it "
			    "has later events: it was deleted centrally, or "
			    "inserted locally", path,
			    sqlite3_column_int64(stmt, 0),
			    sqlite3_column_int64(stmt, 1),
			    sqlite3_column_text(stmt, 2));
			break;
		}
		goto out;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;

	/* What the store does not have yet. */
	ahead = 0;
	if (sqlite3_prepare_v2(h.db, "SELECT (SELECT count(*) FROM "
	    "local.commands WHERE seq > ?1) + (SELECT count(*) FROM "
	    "local.commands WHERE end_seq > ?1)", -1, &stmt, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64)(h.last_seq > from ?
		    h.last_seq : from));
		if (sqlite3_step(stmt) == SQLITE_ROW)
			ahead = (uint64_t)sqlite3_column_int64(stmt, 0);
	}
	printf("%s: %s matches the central store: events %" PRIu64 " to %"
	    PRIu64 " compared; %" PRIu64 " local event%s not forwarded yet\n",
	    name, path, from + 1, h.last_seq, ahead, ahead == 1 ? "" : "s");
	rc = 0;
out:
	sqlite3_finalize(stmt);
	free(sql);
	central_host_free(&h);
	return (rc);
}

/*
 * rcmdd --verify-audit URI [--host NAME] [--compare DATABASE]: verify
 * every host in the central store (or the one named), or compare a local
 * database with its host's central copy. Return the exit status: 0 if
 * all holds, 1 if not, with each host that does not verify named.
 */
int
central_verify(const char *uri, const char *host, const char *compare)
{
	PGconn		*conn;
	PGresult	*res = NULL;
	struct chain_head head;
	char		*cause = NULL, *bad = NULL, *t, name[256];
	uint64_t	 nrows;
	int		 i, n = 0, nbad = 0, rc = 1;

	conn = PQconnectdb(uri);
	if (PQstatus(conn) != CONNECTION_OK) {
		cause = central_pq_error(conn, "cannot connect to the central "
		    "store");
		fprintf(stderr, "rcmdd: %s\n", cause);
		free(cause);
		PQfinish(conn);
		return (1);
	}
	/* One snapshot of the whole store. */
	if (central_pq_ok(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ "
	    "ONLY", &cause) != 0)
		goto fail;

	if (compare != NULL) {
		if (host == NULL) {
			if (gethostname(name, sizeof name) != 0)
				fatal("gethostname");
			name[sizeof name - 1] = '\0';
			host = name;
		}
		if (central_compare(conn, host, compare, &cause) != 0)
			goto fail;
		rc = 0;
		goto done;
	}

	if (host != NULL) {
		const char	*params[1] = { host };

		res = PQexecParams(conn, "SELECT $1::text WHERE EXISTS (SELECT "
		    "1 FROM hosts WHERE host = $1) OR EXISTS (SELECT 1 FROM "
		    "events WHERE host = $1)", 1, NULL, params, NULL, NULL, 0);
	} else
		res = PQexec(conn, "SELECT host FROM hosts UNION SELECT DISTINCT "
		    "host FROM events ORDER BY 1");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		cause = central_pq_error(conn, "cannot list the hosts");
		goto fail;
	}
	n = PQntuples(res);
	if (host != NULL && n == 0) {
		xasprintf(&cause, "the central store has no host %s (no "
		    "events, no chain base): check its AuditHostName", host);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		const char	*h = PQgetvalue(res, i, 0);

		if (central_verify_host(conn, h, &nrows, &head, &cause) != 0) {
			fprintf(stderr, "rcmdd: %s: %s\n", h, cause);
			free(cause);
			cause = NULL;
			xasprintf(&t, "%s%s%s", bad == NULL ? "" : bad,
			    bad == NULL ? "" : ", ", h);
			free(bad);
			bad = t;
			nbad++;
			continue;
		}
		printf("%s: %" PRIu64 " row%s verified; chain head %" PRIu64
		    ":%s\n", h, nrows, nrows == 1 ? "" : "s", head.seq,
		    head.hash);
	}
	if (nbad != 0) {
		fprintf(stderr, "rcmdd: central store: %d host%s, %d of which "
		    "do%s not verify: %s\n", n, n == 1 ? "" : "s", nbad,
		    nbad == 1 ? "es" : "", bad);
		free(bad);
		goto done;
	}
	printf("central store: %d host%s, all verified\n", n, n == 1 ? "" :
	    "s");
	rc = 0;
	goto done;

fail:
	fprintf(stderr, "rcmdd: %s\n", cause);
	free(cause);
done:
	PQclear(res);
	PQfinish(conn);
	return (rc);
}

#else /* !HAVE_LIBPQ */

/* Without libpq, say so. */
int
central_verify(const char *uri, const char *host, const char *compare)
{
	(void)uri;
	(void)host;
	(void)compare;
	fprintf(stderr, "rcmdd: --verify-audit postgresql://: rcmdd was built "
	    "without PostgreSQL: install libpq-dev and build it again "
	    "(configure --with-postgresql)\n");
	return (1);
}

#endif /* HAVE_LIBPQ */
