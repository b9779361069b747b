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

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * One host's events, read from the central audit store (sql/central.sql)
 * into a private temporary SQLite database of the local shape, for
 * rcmdd --verify-audit postgresql://... to check (central_verify.c) or
 * to compare with a local database (central_compare.c): the start events
 * in the table cstart, the end events and version 1 rows in cend, both
 * with the columns of commands, every value as the text PostgreSQL gives,
 * which the columns' types make what the local database held; the heads
 * the host sent in cheads, and its chain base in audit_meta.
 */

#ifdef HAVE_LIBPQ

extern const char audit_schema[];

/* Where the events go: the columns of commands, with seq and kind. */
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

static int	 central_host_events(PGconn *, struct central_host *,
		     char **);
static int	 central_host_chunks(PGconn *, struct central_host *,
		     char **);

/* Return an allocated message for the last libpq error, without its \n. */
char *
central_host_pq_error(PGconn *conn, const char *what)
{
	char	*s;
	size_t	 n;

	xasprintf(&s, "%s: %s", what, PQerrorMessage(conn));
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return (s);
}

/* Run SQL on the host's temporary database; 0, or -1 with a cause. */
int
central_host_exec(sqlite3 *db, const char *sql, char **cause)
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
char *
central_host_diff(const char *a, const char *b, int start_only)
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
int
central_host_load(PGconn *conn, struct central_host *h, char **cause)
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
	if (central_host_exec(h->db, "PRAGMA journal_mode = OFF; PRAGMA "
	    "synchronous = OFF", cause) != 0 ||
	    central_host_exec(h->db, audit_schema, cause) != 0 ||
	    central_host_exec(h->db, CENTRAL_TABLES, cause) != 0)
		return (-1);

	params[0] = h->name;
	res = PQexecParams(conn, "SELECT base_seq, base_hash FROM hosts "
	    "WHERE host = $1", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		*cause = central_host_pq_error(conn, "cannot read its chain base");
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
	if (central_host_exec(h->db, sql, cause) != 0) {
		sqlite3_free(sql);
		return (-1);
	}
	sqlite3_free(sql);

	/* Every head sent, the last one for chain_verify_db. */
	res = PQexecParams(conn, "SELECT seq, hash FROM heads WHERE host = $1 "
	    "ORDER BY seq", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		*cause = central_host_pq_error(conn, "cannot read its heads");
		return (-1);
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		sql = sqlite3_mprintf("INSERT INTO cheads VALUES (%s, %Q)",
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
		if (sql == NULL)
			fatalx("out of memory");
		if (central_host_exec(h->db, sql, cause) != 0) {
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
	if (central_host_events(conn, h, cause) != 0)
		return (-1);
	return (central_host_chunks(conn, h, cause));
}

/*
 * Read the host's recordings' chunks into the table recording, as the
 * local database has them; a store made before it has none. Return 0,
 * or -1 with a cause.
 */
static int
central_host_chunks(PGconn *conn, struct central_host *h, char **cause)
{
	sqlite3_stmt	*ins = NULL;
	PGresult	*res;
	const char	*params[1];
	uint64_t	 seq;
	int		 i, j, n, rc = -1;

	params[0] = h->name;
	res = PQexec(conn, "SELECT to_regclass('recording') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		PQclear(res);
		return (0);
	}
	PQclear(res);
	res = PQexecParams(conn, "SELECT event_seq, command_id, start_seq, "
	    "chunk, data, truncated, hash FROM recording WHERE host = $1 "
	    "ORDER BY event_seq", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		*cause = central_host_pq_error(conn, "cannot read its "
		    "recordings");
		PQclear(res);
		return (-1);
	}
	if (sqlite3_prepare_v2(h->db, "INSERT INTO recording (seq, "
	    "command_id, start_seq, chunk, data, truncated, hash) VALUES (?, "
	    "?, ?, ?, ?, ?, ?)", -1, &ins, NULL) != SQLITE_OK ||
	    central_host_exec(h->db, "BEGIN", cause) != 0) {
		if (*cause == NULL)
			*cause = chain_error(h->db, "the temporary database");
		goto out;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		sqlite3_reset(ins);
		for (j = 0; j < 7; j++) {
			if (j == 4)
				sqlite3_bind_text(ins, j + 1,
				    PQgetvalue(res, i, j),
				    PQgetlength(res, i, j), SQLITE_STATIC);
			else
				sqlite3_bind_int64(ins, j + 1,
				    strtoll(PQgetvalue(res, i, j), NULL, 10));
		}
		sqlite3_bind_text(ins, 7, PQgetvalue(res, i, 6), -1,
		    SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			*cause = chain_error(h->db, "the temporary database");
			goto out;
		}
		seq = strtoull(PQgetvalue(res, i, 0), NULL, 10);
		if (seq > h->last_seq)
			h->last_seq = seq;
		h->nevents++;
	}
	if (central_host_exec(h->db, "COMMIT", cause) != 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(ins);
	PQclear(res);
	return (rc);
}

/*
 * Read the host's events in order, a row at a time, into cstart (start
 * events) and cend (end events and version 1 rows), every value as the
 * text PostgreSQL gives, which the columns' types make what the local
 * database held. Return 0, or -1 with a cause.
 */
int
central_host_events(PGconn *conn, struct central_host *h, char **cause)
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
		*cause = central_host_pq_error(conn, "cannot read its events");
		goto out;
	}
	if (central_host_exec(h->db, "BEGIN", cause) != 0)
		goto drain;
	while ((res = PQgetResult(conn)) != NULL) {
		st = PQresultStatus(res);
		if (st == PGRES_TUPLES_OK) {
			PQclear(res);
			continue;
		}
		if (st != PGRES_SINGLE_TUPLE) {
			*cause = central_host_pq_error(conn, "cannot read its "
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
	if (central_host_exec(h->db, "COMMIT", cause) != 0)
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

/* Free a host's loaded events. */
void
central_host_free(struct central_host *h)
{
	sqlite3_close(h->db);
	h->db = NULL;
	free(h->head);
	h->head = NULL;
}

#endif /* HAVE_LIBPQ */
