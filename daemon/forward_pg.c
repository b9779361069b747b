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

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Forwarding's central side: the libpq connection to the central store
 * (sql/central.sql) and what the forwarder writes there. A batch of
 * events goes in one transaction, INSERT ... ON CONFLICT DO NOTHING
 * RETURNING; an event the store already had is compared by its hash: the
 * same is a resend after a crash, another is an alarm (LOG_CRIT). The
 * host's chain base goes to hosts once, its heads to heads. Only the
 * forwarder thread (forward.c) calls these.
 */

#define FORWARD_PG_HOST_MAX	63	/* PostgreSQL's NAMEDATALEN - 1 */
#define FORWARD_PG_ALARMS_MAX	10	/* LOG_CRIT lines a batch, at most */

/*
 * Check AuditHostName: the role this host logs in as centrally, and the
 * name its rows carry; letters, digits, '.', '-' and '_', as host names
 * and certificate CNs have. Return 0, or -1 with a cause.
 */
int
forward_check_host_name(const char *name, char **cause)
{
	const char	*p;

	if (*name == '\0' || strlen(name) > FORWARD_PG_HOST_MAX) {
		xasprintf(cause, "AuditHostName \"%s\" must be 1 to %d "
		    "characters", name, FORWARD_PG_HOST_MAX);
		return (-1);
	}
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((u_char)*p) && *p != '.' && *p != '-' &&
		    *p != '_') {
			xasprintf(cause, "AuditHostName \"%s\": use letters, "
			    "digits, '.', '-' and '_' only", name);
			return (-1);
		}
	}
	return (0);
}

#ifndef HAVE_LIBPQ
int
forward_check_conninfo(const char *conninfo, char **cause)
{
	(void)conninfo;
	xasprintf(cause, "AuditForward: rcmdd was built without PostgreSQL "
	    "(libpq): install libpq-dev and build it again with "
	    "--with-postgresql, or remove AuditForward");
	return (-1);
}

struct forward_pg *
forward_pg_connect(const char *conninfo, const char *host,
    const struct chain_head *base, char **cause)
{
	(void)host;
	(void)base;
	forward_check_conninfo(conninfo, cause);
	return (NULL);
}

int
forward_pg_send(struct forward_pg *pg, const struct forward_batch *batch,
    const struct chain_head *head, char **cause)
{
	(void)pg;
	(void)batch;
	(void)head;
	return (forward_check_conninfo("", cause));
}

void
forward_pg_close(struct forward_pg *pg)
{
	(void)pg;
}
#else

struct forward_pg {
	PGconn		*conn;
	char		*host;
};

static char	*forward_pg_error(const char *, PGconn *, PGresult *);
static int	 forward_pg_command(struct forward_pg *, const char *, int,
		     const char *const *, char **);
static int	 forward_pg_compare(struct forward_pg *,
		     const struct forward_batch *, const uint8_t *, char **);
static size_t	 forward_pg_find(const struct forward_batch *, uint64_t);
static void	 forward_pg_element(FILE *, const char *);
static void	 forward_pg_encoding(struct forward_pg *);
static int	 forward_pg_bytes(PGresult *);
static char	*forward_pg_insert_sql(void);
static int	 forward_pg_chunks(struct forward_pg *,
		     const struct forward_batch *, char **);

/* The central columns' types, in record_fields order (sql/central.sql). */
static const char *forward_pg_types[FORWARD_NFIELDS] = {
	"bigint", "text", "text", "text", "integer", "text", "text", "text",
	"text", "text", "integer", "integer", "bigint", "text", "bigint",
	"integer", "text", "bigint", "text", "bigint", "text", "integer",
	"text", "text", "text", "text", "text", "text", "text"
};

/*
 * Check that AuditForward is a connection string libpq can parse. Return
 * 0, or -1 with libpq's reason.
 */
int
forward_check_conninfo(const char *conninfo, char **cause)
{
	PQconninfoOption	*opts;
	char			*err = NULL;

	if ((opts = PQconninfoParse(conninfo, &err)) == NULL) {
		xasprintf(cause, "AuditForward is not a libpq connection "
		    "string (\"host=... dbname=... sslmode=verify-full\" or "
		    "postgresql://...): %s", err == NULL ? "out of memory" :
		    err);
		PQfreemem(err);
		return (-1);
	}
	PQconninfoFree(opts);
	return (0);
}

/* Return an allocated message: what failed, and libpq's reason, one line. */
static char *
forward_pg_error(const char *what, PGconn *conn, PGresult *res)
{
	const char	*m;
	char		*s, *p;

	m = res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(conn);
	if (m == NULL || *m == '\0')
		m = "no reason given";
	xasprintf(&s, "%s: %s", what, m);
	while ((p = strchr(s, '\n')) != NULL) {
		if (p[1] == '\0')
			*p = '\0';
		else
			*p = ' ';
	}
	return (s);
}

/*
 * Connect to the central store as host and register its chain base once
 * (a base the store holds already must be the same: another is an
 * alarm). Return the connection, or NULL with libpq's reason.
 */
struct forward_pg *
forward_pg_connect(const char *conninfo, const char *host,
    const struct chain_head *base, char **cause)
{
	/*
	 * A store cut off without a reset (a firewall that forgot the
	 * connection, a blackhole) is noticed in about 30 s, not after the
	 * kernel's 15 minutes of retransmissions, nor never while idle.
	 */
	static const char	*keys[] = { "connect_timeout",
				    "application_name", "keepalives",
				    "keepalives_idle", "keepalives_interval",
				    "keepalives_count", "tcp_user_timeout",
				    "dbname", NULL };
	const char		*vals[9], *params[3];
	struct forward_pg	*pg;
	PGresult		*res;
	char			 seq[32];

	vals[0] = "10";
	vals[1] = "rcmdd";
	vals[2] = "1";
	vals[3] = "15";
	vals[4] = "5";
	vals[5] = "3";
	vals[6] = "30000";
	vals[7] = conninfo;
	vals[8] = NULL;
	pg = xcalloc(1, sizeof *pg);
	pg->host = xstrdup(host);
	/* The operator's connection string comes last and wins. */
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (pg->conn == NULL || PQstatus(pg->conn) != CONNECTION_OK) {
		*cause = forward_pg_error("cannot connect to the central "
		    "store", pg->conn, NULL);
		goto fail;
	}
	if (forward_pg_command(pg, "SET statement_timeout = '60s'", 0, NULL,
	    cause) != 0)
		goto fail;
	forward_pg_encoding(pg);

	snprintf(seq, sizeof seq, "%" PRIu64, base->seq);
	params[0] = host;
	params[1] = seq;
	params[2] = base->hash;
	if (forward_pg_command(pg, "INSERT INTO hosts (host, base_seq, "
	    "base_hash) VALUES ($1, $2, $3) ON CONFLICT (host) DO NOTHING", 3,
	    params, cause) != 0)
		goto fail;
	res = PQexecParams(pg->conn, "SELECT base_seq, base_hash FROM hosts "
	    "WHERE host = $1", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		*cause = forward_pg_error("cannot read this host's chain base "
		    "in the central store", pg->conn, res);
		PQclear(res);
		goto fail;
	}
	if (PQntuples(res) == 1 && (strcmp(PQgetvalue(res, 0, 0), seq) != 0 ||
	    strcmp(PQgetvalue(res, 0, 1), base->hash) != 0))
		log_crit("audit forward: ALARM: the central store has host %s's "
		    "chain starting at %s:%s, this database at %s:%s: another "
		    "database forwards under this name, or this one was "
		    "replaced", host, PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1), seq, base->hash);
	PQclear(res);
	return (pg);

fail:
	forward_pg_close(pg);
	return (NULL);
}

/* Run a statement that returns no rows. Return 0, or -1 with a cause. */
static int
forward_pg_command(struct forward_pg *pg, const char *sql, int n,
    const char *const *params, char **cause)
{
	PGresult	*res;

	res = PQexecParams(pg->conn, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		*cause = forward_pg_error("the central store refused a "
		    "statement", pg->conn, res);
		PQclear(res);
		return (-1);
	}
	PQclear(res);
	return (0);
}

/*
 * Send a batch of events, and the head if it is not NULL, in one
 * transaction; an event not inserted (returned[i] 0) is compared with
 * the store's. Return 0 once COMMIT has succeeded, or -1 with libpq's
 * reason (the transaction is then rolled back, or the connection lost).
 */
int
forward_pg_send(struct forward_pg *pg, const struct forward_batch *batch,
    const struct chain_head *head, char **cause)
{
	const struct forward_event	*ev;
	PGresult			*res = NULL;
	const char			**params = NULL, *hp[4];
	char				**arrays = NULL, *sql = NULL, hseq[32];
	FILE				*f;
	size_t				 sqllen;
	char				 at[32];
	uint8_t				*returned = NULL;
	struct timespec			 ts;
	size_t				 i, k, np, nrows;
	size_t				 per = 2 + FORWARD_NFIELDS;
	uint64_t			 s;
	int				 j, rc = -1;

	if (forward_pg_command(pg, "BEGIN", 0, NULL, cause) != 0)
		return (-1);
	nrows = 0;
	for (i = 0; batch != NULL && i < batch->n; i++) {
		if (batch->ev[i].kind != FORWARD_CHUNK)
			nrows++;
	}
	if (batch != NULL && batch->n != nrows &&
	    forward_pg_chunks(pg, batch, cause) != 0)
		goto out;
	if (batch != NULL && nrows != 0) {
		/*
		 * One array a column, unnested: a statement of 25 parameters
		 * whatever the batch, which PostgreSQL plans at once, where
		 * a row of parameters an event took it longer than the rest.
		 */
		np = 1 + per;
		params = xcalloc(np, sizeof *params);
		arrays = xcalloc(per, sizeof *arrays);
		returned = xcalloc(batch->n, 1);
		params[0] = pg->host;
		for (j = 0; j < (int)per; j++) {
			if ((f = open_memstream(&arrays[j], &sqllen)) == NULL)
				fatal("open_memstream");
			fputc('{', f);
			for (i = 0, k = 0; i < batch->n; i++) {
				ev = &batch->ev[i];
				if (ev->kind == FORWARD_CHUNK) {
					returned[i] = 1;
					continue;
				}
				if (k++ != 0)
					fputc(',', f);
				if (j == 0)
					fprintf(f, "%" PRIu64, ev->seq);
				else if (j == 1)
					fputs(forward_kind_name(ev->kind), f);
				else
					forward_pg_element(f, ev->value[j - 2]);
			}
			fputc('}', f);
			if (fclose(f) != 0)
				fatal("open_memstream");
			params[1 + j] = arrays[j];
		}
		sql = forward_pg_insert_sql();
		res = PQexecParams(pg->conn, sql, (int)np, NULL, params, NULL,
		    NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			if (forward_pg_bytes(res))
				*cause = forward_pg_error("the central database "
				    "cannot store an event whose text is not in "
				    "its encoding (a command is kept as its "
				    "client sent it, in any bytes): forwarding "
				    "stops at it until the central database is "
				    "made with ENCODING 'SQL_ASCII', see rcmdd(8)",
				    pg->conn, res);
			else
				*cause = forward_pg_error("the central store "
				    "refused the events", pg->conn, res);
			goto out;
		}
		/* RETURNING gives the new ones; mark them. */
		for (j = 0; j < PQntuples(res); j++) {
			s = strtoull(PQgetvalue(res, j, 0), NULL, 10);
			if ((i = forward_pg_find(batch, s)) != SIZE_MAX)
				returned[i] = 1;
		}
		if ((size_t)PQntuples(res) != nrows &&
		    forward_pg_compare(pg, batch, returned, cause) != 0)
			goto out;
	}
	if (head != NULL) {
		clock_gettime(CLOCK_REALTIME, &ts);
		text_time(&ts, at, sizeof at);
		snprintf(hseq, sizeof hseq, "%" PRIu64, head->seq);
		hp[0] = pg->host;
		hp[1] = hseq;
		hp[2] = head->hash;
		hp[3] = at;
		if (forward_pg_command(pg, "INSERT INTO heads (host, seq, "
		    "hash, at) VALUES ($1, $2, $3, $4) ON CONFLICT (host, seq) "
		    "DO NOTHING", 4, hp, cause) != 0)
			goto out;
	}
	if (forward_pg_command(pg, "COMMIT", 0, NULL, cause) != 0)
		goto out;
	rc = 0;
out:
	PQclear(res);
	if (rc != 0 && PQstatus(pg->conn) == CONNECTION_OK)
		PQclear(PQexec(pg->conn, "ROLLBACK"));
	if (arrays != NULL) {
		for (j = 0; j < (int)(2 + FORWARD_NFIELDS); j++)
			free(arrays[j]);
	}
	free(arrays);
	free(params);
	free(returned);
	free(sql);
	return (rc);
}

/*
 * Insert the batch's recording chunks into the store's table recording,
 * in the caller's transaction; one the store has already (a resend after
 * a crash) stays as it is. Return 0, or -1 with libpq's reason.
 */
static int
forward_pg_chunks(struct forward_pg *pg, const struct forward_batch *batch,
    char **cause)
{
	static const int		 fields[] = { RECORD_F_ID,
					    RECORD_F_SEQ, RECORD_F_EXIT_CODE,
					    RECORD_F_OUTPUT, RECORD_F_TRUNCATED,
					    RECORD_F_HASH };
	const struct forward_event	*ev;
	const char			*params[8];
	char				*arrays[7];
	FILE				*f;
	size_t				 i, len, n;
	int				 j, rc;

	for (j = 0; j < 7; j++) {
		arrays[j] = NULL;
		if ((f = open_memstream(&arrays[j], &len)) == NULL)
			fatal("open_memstream");
		fputc('{', f);
		for (i = 0, n = 0; i < batch->n; i++) {
			ev = &batch->ev[i];
			if (ev->kind != FORWARD_CHUNK)
				continue;
			if (n++ != 0)
				fputc(',', f);
			if (j == 0)
				fprintf(f, "%" PRIu64, ev->seq);
			else
				forward_pg_element(f, ev->value[fields[j - 1]]);
		}
		fputc('}', f);
		if (fclose(f) != 0)
			fatal("open_memstream");
		params[1 + j] = arrays[j];
	}
	params[0] = pg->host;
	rc = forward_pg_command(pg, "INSERT INTO recording (host, event_seq, "
	    "command_id, start_seq, chunk, data, truncated, hash) SELECT $1, "
	    "u.* FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], "
	    "$5::bigint[], $6::text[], $7::integer[], $8::text[]) AS u ON "
	    "CONFLICT (host, event_seq) DO NOTHING", 8, params, cause);
	for (j = 0; j < 7; j++)
		free(arrays[j]);
	return (rc);
}

/*
 * A command's bytes are evidence, kept as its client sent them, and need
 * not be UTF-8: a central database in another encoding than SQL_ASCII
 * refuses such an event, and forwarding stops at it. Say so once, at the
 * first connection.
 */
static void
forward_pg_encoding(struct forward_pg *pg)
{
	static int	 warned;
	const char	*enc;

	enc = PQparameterStatus(pg->conn, "server_encoding");
	if (warned || enc == NULL || strcmp(enc, "SQL_ASCII") == 0)
		return;
	warned = 1;
	log_warnx("audit forward: the central database's encoding is %s: "
	    "an event whose text is not %s (a command's bytes are kept as "
	    "sent) cannot be stored there, and forwarding would stop at it; "
	    "make the central database with ENCODING 'SQL_ASCII' (rcmdd(8), "
	    "\"The central store\")", enc, enc);
}

/* Did the store refuse bytes not in its encoding (SQLSTATE 22021)? */
static int
forward_pg_bytes(PGresult *res)
{
	const char	*state;

	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return (state != NULL && (strcmp(state, "22021") == 0 ||
	    strcmp(state, "22P05") == 0));
}

/*
 * Write a value as an element of an array literal: NULL, or in double
 * quotes with each quote and backslash escaped.
 */
static void
forward_pg_element(FILE *f, const char *v)
{
	const char	*p;

	if (v == NULL) {
		fputs("NULL", f);
		return;
	}
	fputc('"', f);
	for (p = v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

/*
 * Return the INSERT of a batch, allocated: $1 the host, $2 the event
 * seqs, $3 the kinds, then one text array a field, each cast to its
 * column's type.
 */
static char *
forward_pg_insert_sql(void)
{
	FILE	*f;
	char	*sql = NULL, *cols;
	size_t	 len;
	int	 j;

	if ((f = open_memstream(&sql, &len)) == NULL)
		fatal("open_memstream");
	cols = chain_columns(NULL, NULL, NULL);
	fprintf(f, "INSERT INTO events (host, event_seq, kind, %s) SELECT $1, "
	    "u.e, u.k", cols);
	free(cols);
	for (j = 0; j < FORWARD_NFIELDS; j++)
		fprintf(f, ", u.c%d::%s", j, forward_pg_types[j]);
	fprintf(f, " FROM unnest($2::bigint[], $3::text[]");
	for (j = 0; j < FORWARD_NFIELDS; j++)
		fprintf(f, ", $%d::text[]", 4 + j);
	fprintf(f, ") AS u(e, k");
	for (j = 0; j < FORWARD_NFIELDS; j++)
		fprintf(f, ", c%d", j);
	fprintf(f, ") ON CONFLICT (host, event_seq) DO NOTHING RETURNING "
	    "event_seq");
	if (fclose(f) != 0)
		fatal("open_memstream");
	return (sql);
}

/* Return the index of event seq in a batch (in seq order), or SIZE_MAX. */
static size_t
forward_pg_find(const struct forward_batch *batch, uint64_t seq)
{
	size_t	lo = 0, hi = batch->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (batch->ev[mid].seq == seq)
			return (mid);
		if (batch->ev[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (SIZE_MAX);
}

/*
 * Compare the events the store had already (returned[i] 0) with its
 * copies, by hash: the same is a resend after a crash, and fine; another
 * is an alarm, logged at LOG_CRIT, since the store keeps what it had, and
 * fails the batch. Return 0, or -1 with the reason.
 */
static int
forward_pg_compare(struct forward_pg *pg, const struct forward_batch *batch,
    const uint8_t *returned, char **cause)
{
	PGresult	*res;
	const char	*params[2], *ours, *theirs;
	char		*list = NULL;
	FILE		*f;
	size_t		 i, n, len, alarms = 0;
	uint64_t	 s;
	int		 j, end;

	if ((f = open_memstream(&list, &len)) == NULL)
		fatal("open_memstream");
	fputc('{', f);
	for (i = 0, n = 0; i < batch->n; i++) {
		if (!returned[i])
			fprintf(f, "%s%" PRIu64, n++ == 0 ? "" : ",",
			    batch->ev[i].seq);
	}
	fputc('}', f);
	if (fclose(f) != 0)
		fatal("open_memstream");
	params[0] = pg->host;
	params[1] = list;
	res = PQexecParams(pg->conn, "SELECT event_seq, kind, hash, end_hash "
	    "FROM events WHERE host = $1 AND event_seq = ANY($2::bigint[])", 2,
	    NULL, params, NULL, NULL, 0);
	free(list);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		*cause = forward_pg_error("cannot read back the events the "
		    "central store had", pg->conn, res);
		PQclear(res);
		return (-1);
	}
	for (j = 0; j < PQntuples(res); j++) {
		s = strtoull(PQgetvalue(res, j, 0), NULL, 10);
		if ((i = forward_pg_find(batch, s)) == SIZE_MAX)
			continue;
		ours = forward_event_hash(&batch->ev[i]);
		end = strcmp(PQgetvalue(res, j, 1), "end") == 0;
		theirs = PQgetisnull(res, j, end ? 3 : 2) ? "" :
		    PQgetvalue(res, j, end ? 3 : 2);
		if (ours != NULL && strcmp(ours, theirs) == 0 &&
		    strcmp(PQgetvalue(res, j, 1),
		    forward_kind_name(batch->ev[i].kind)) == 0)
			continue;
		if (++alarms <= FORWARD_PG_ALARMS_MAX)
			log_crit("audit forward: ALARM: event %" PRIu64 " of "
			    "host %s differs from the central store's copy "
			    "(%s %s there, %s %s here): the central copy is "
			    "kept; run rcmdd --verify-audit against both", s,
			    pg->host, PQgetvalue(res, j, 1), theirs,
			    forward_kind_name(batch->ev[i].kind),
			    ours == NULL ? "(no hash)" : ours);
	}
	if (alarms > FORWARD_PG_ALARMS_MAX)
		log_crit("audit forward: ALARM: %zu more events of host %s in "
		    "this batch differ from the central store's copies",
		    alarms - FORWARD_PG_ALARMS_MAX, pg->host);
	PQclear(res);
	/*
	 * Sent on, they would count as forwarded, and the cursor would pass
	 * events the store never kept: a command could start (synchronous
	 * forwarding) whose start is not there. Stop at them instead.
	 */
	if (alarms != 0) {
		xasprintf(cause, "this database's events differ from those "
		    "host %s forwarded before (%zu in this batch): it was "
		    "replaced, restored or reverted, or lost its last commits; "
		    "the central store keeps its copies, and forwarding stops "
		    "here: check both with rcmdd --verify-audit, then forward "
		    "this database under another AuditHostName", pg->host,
		    alarms);
		return (-1);
	}
	return (0);
}

/* Close the connection; NULL is fine. */
void
forward_pg_close(struct forward_pg *pg)
{
	if (pg == NULL)
		return;
	if (pg->conn != NULL)
		PQfinish(pg->conn);
	free(pg->host);
	free(pg);
}
#endif /* HAVE_LIBPQ */
