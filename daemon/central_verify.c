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
 * that the last head the host sent is in the chain (central_host.c loads
 * the events, central_compare.c compares them with a local database).
 * Runs in a process of its own, reading the store in one read-only
 * transaction.
 */

/* Is the argument of --verify-audit a libpq URI rather than a file? */
int
central_uri(const char *s)
{
	return (strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0);
}

#ifdef HAVE_LIBPQ

static int	 central_pq_ok(PGconn *, const char *, char **);
static char	*central_check_events(struct central_host *);
static char	*central_rows(struct central_host *);
static int	 central_start_ok(struct central_host *, uint64_t);
static int	 central_verify_host(PGconn *, const char *, uint64_t *,
		     struct chain_head *, char **);

/* Run a statement that returns no rows; 0, or -1 with a cause. */
static int
central_pq_ok(PGconn *conn, const char *sql, char **cause)
{
	PGresult	*res;
	int		 rc = 0;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		*cause = central_host_pq_error(conn, "the central store");
		rc = -1;
	}
	PQclear(res);
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
	diff = central_host_diff("s", "e", 1);
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
	    "r.hash, k.hash) FROM cheads AS d LEFT JOIN cstart AS s ON "
	    "s.event_seq = d.seq LEFT JOIN cend AS e ON e.kind = 'end' AND "
	    "e.event_seq = d.seq LEFT JOIN cend AS r ON r.kind = 'row' AND "
	    "r.event_seq = d.seq LEFT JOIN recording AS k ON k.seq = d.seq "
	    "WHERE d.seq > %" PRIu64 " AND d.seq <= %" PRIu64 " AND d.hash IS "
	    "NOT coalesce(s.hash, e.end_hash, r.hash, k.hash) ORDER BY d.seq "
	    "LIMIT 1", h->base.seq, h->last_seq);
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
		    "?1 UNION ALL SELECT hash FROM recording WHERE seq = ?1",
		    -1, &stmt, NULL) != SQLITE_OK)
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
	if (central_host_exec(h->db, sql, &cause) != 0) {
		xasprintf(&msg, "its events do not make one row per command "
		    "(two events of one kind for a row id?): %s", cause);
		free(cause);
	}
	free(sql);
	return (msg);
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
	if (central_host_load(conn, &h, cause) != 0) {
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
		cause = central_host_pq_error(conn, "cannot connect to the central "
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
		cause = central_host_pq_error(conn, "cannot list the hosts");
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
