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
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Forwarding's local side: the cursor kept in the audit database
 * (forward_cursor), and the chain's events read back from the tables
 * commands and recording in sequence order, each as the central store keeps it
 * (sql/central.sql): a version 2 row gives its start, as the row was when
 * its start was chained, and its end, the whole row; a version 1 row one
 * event, the whole row. Only the forwarder thread calls these, on its own
 * connection, and the writer (audit.c) the cursor's update.
 */

static char	*forward_chunk_columns(void);

/*
 * Read or make the cursor: the row of forward_cursor, made the first time
 * from the chain base, for host. Return 0 with the cursor and the base it
 * registered, or -1 with a cause (a database forwarded under another
 * host name, among others). At start-up, before the writer starts.
 */
int
forward_cursor_open(sqlite3 *db, const char *host, uint64_t *cursor,
    struct chain_head *base, char **cause)
{
	sqlite3_stmt		*stmt = NULL;
	struct chain_head	 b;
	struct timespec		 ts;
	const char		*h, *hash;
	char			 now[32], seq[32];
	int			 rc;

	if (sqlite3_prepare_v2(db, "SELECT host, base_seq, base_hash, seq "
	    "FROM forward_cursor WHERE id = 1", -1, &stmt, NULL) != SQLITE_OK)
		goto sqlfail;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		h = (const char *)sqlite3_column_text(stmt, 0);
		hash = (const char *)sqlite3_column_text(stmt, 2);
		if (h == NULL || strcmp(h, host) != 0) {
			xasprintf(cause, "the audit database was forwarded as "
			    "host %s, and AuditHostName is %s: set "
			    "AuditHostName %s again, or start forwarding this "
			    "database afresh under the new name (sqlite3 DB "
			    "'DELETE FROM forward_cursor'; the central store "
			    "then gets it all again, under %s)", h == NULL ?
			    "(none)" : h, host, h == NULL ? "" : h, host);
			goto fail;
		}
		base->seq = (uint64_t)sqlite3_column_int64(stmt, 1);
		if (hash == NULL || strlen(hash) != CHAIN_HASH_LEN) {
			xasprintf(cause, "forward_cursor has no valid base "
			    "hash: run rcmdd --verify-audit");
			goto fail;
		}
		memcpy(base->hash, hash, CHAIN_HASH_LEN + 1);
		*cursor = (uint64_t)sqlite3_column_int64(stmt, 3);
		sqlite3_finalize(stmt);
		return (0);
	}
	if (rc != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(stmt);
	stmt = NULL;

	/* The first start: from the chain base, all that is here. */
	if (chain_base_read(db, &b, cause) != 0)
		return (-1);
	clock_gettime(CLOCK_REALTIME, &ts);
	text_time(&ts, now, sizeof now);
	snprintf(seq, sizeof seq, "%" PRIu64, b.seq);
	if (sqlite3_prepare_v2(db, "INSERT INTO forward_cursor (id, host, "
	    "base_seq, base_hash, seq, updated_at) VALUES (1, ?1, ?2, ?3, ?2, "
	    "?4)", -1, &stmt, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_text(stmt, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)b.seq);
	sqlite3_bind_text(stmt, 3, b.hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, now, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(stmt);
	*base = b;
	*cursor = b.seq;
	return (0);

sqlfail:
	*cause = chain_error(db, "cannot read or make the forwarding cursor");
fail:
	sqlite3_finalize(stmt);
	return (-1);
}

/*
 * Move the cursor to seq, never back; inside the writer's transaction.
 * Return 0, or -1 with a cause.
 */
int
forward_cursor_write(sqlite3 *db, uint64_t seq, char **cause)
{
	sqlite3_stmt	*stmt;
	struct timespec	 ts;
	char		 now[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	text_time(&ts, now, sizeof now);
	if (sqlite3_prepare_v2(db, "UPDATE forward_cursor SET seq = ?1, "
	    "updated_at = ?2 WHERE id = 1 AND seq < ?1", -1, &stmt,
	    NULL) != SQLITE_OK) {
		*cause = chain_error(db, "cannot move the forwarding cursor");
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)seq);
	sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		*cause = chain_error(db, "cannot move the forwarding cursor");
		sqlite3_finalize(stmt);
		return (-1);
	}
	sqlite3_finalize(stmt);
	return (0);
}

/*
 * Return the cursor as the database has it, for retention: the base's seq
 * if forwarding never started, so that nothing is pruned unsent. Inside
 * the writer's transaction. Return 0, or -1 with a cause.
 */
int
forward_cursor_read(sqlite3 *db, uint64_t base, uint64_t *cursor,
    char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	*cursor = base;
	if (sqlite3_prepare_v2(db, "SELECT seq FROM forward_cursor WHERE "
	    "id = 1", -1, &stmt, NULL) != SQLITE_OK) {
		*cause = chain_error(db, "cannot read the forwarding cursor");
		return (-1);
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*cursor = (uint64_t)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*cause = chain_error(db, "cannot read the forwarding cursor");
		return (-1);
	}
	return (0);
}

/* Keep a copy of column c of the row stmt stands on, NULL for NULL. */
static char *
forward_value(sqlite3_stmt *stmt, int c, size_t *len)
{
	const unsigned char	*p;
	char			*s;
	int			 n;

	if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
		*len = 0;
		return (NULL);
	}
	p = sqlite3_column_text(stmt, c);
	n = sqlite3_column_bytes(stmt, c);
	s = xmalloc((size_t)n + 1);
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	*len = (size_t)n;
	return (s);
}

/*
 * Make one event of the row stmt stands on (its record fields from column
 * off): its start, its end, or a version 1 row, which is the row as it is.
 * A start is the row as it was when its start was chained: the fields
 * its hash covers, status running, its seq, hash and chain version; the
 * rest as a new row has them.
 */
static void
forward_event_make(struct forward_event *ev, sqlite3_stmt *stmt, int off,
    int kind, uint64_t seq)
{
	u_int	i;
	size_t	len;

	memset(ev, 0, sizeof *ev);
	ev->seq = seq;
	ev->kind = kind;
	for (i = 0; i < record_nfields && i < FORWARD_NFIELDS; i++) {
		if (kind == FORWARD_START &&
		    (record_fields[i].flags & RECORD_CHAIN_START) == 0 &&
		    i != RECORD_F_SEQ && i != RECORD_F_HASH &&
		    i != RECORD_F_CHAIN_VERSION) {
			if (i == RECORD_F_STATUS)
				ev->value[i] = xstrdup("running");
			else if (i == RECORD_F_OUTPUT_BYTES ||
			    i == RECORD_F_TRUNCATED)
				ev->value[i] = xstrdup("0");
			continue;
		}
		ev->value[i] = forward_value(stmt, off + (int)i, &len);
		ev->bytes += len;
	}
}

/* The kind's name in the central store's events. */
const char *
forward_kind_name(int kind)
{
	switch (kind) {
	case FORWARD_START:
		return ("start");
	case FORWARD_END:
		return ("end");
	case FORWARD_CHUNK:
		return ("chunk");
	}
	return ("row");
}

/*
 * Return the SELECT list that reads a recording's chunk as the record's
 * fields, allocated: command_id as id, start_seq as seq, hash, data as
 * output, truncated, chunk as exit_code, the rest NULL (FORWARD_CHUNK).
 */
static char *
forward_chunk_columns(void)
{
	const char	*e;
	char		*s = NULL, *t;
	u_int		 i;

	for (i = 0; i < record_nfields; i++) {
		switch (i) {
		case RECORD_F_ID:
			e = "command_id";
			break;
		case RECORD_F_SEQ:
			e = "start_seq";
			break;
		case RECORD_F_HASH:
			e = "hash";
			break;
		case RECORD_F_OUTPUT:
			e = "data";
			break;
		case RECORD_F_TRUNCATED:
			e = "truncated";
			break;
		case RECORD_F_EXIT_CODE:
			e = "chunk";
			break;
		default:
			e = "NULL";
			break;
		}
		xasprintf(&t, "%s%s%s", s == NULL ? "" : s, s == NULL ? "" :
		    ", ", e);
		free(s);
		s = t;
	}
	return (s);
}

/*
 * Read the events from seq from to seq to, in order, into batch: as many
 * as fit in max_bytes of field values (one at least). batch->last is the
 * last seq it covers: to, or the last event taken when the bytes ran out;
 * an event in between that the database does not hold (deleted before it
 * was sent) is counted in batch->missing. Return 0, or -1 with a cause.
 */
int
forward_read(sqlite3 *db, uint64_t from, uint64_t to, size_t max_bytes,
    struct forward_batch *batch, char **cause)
{
	sqlite3_stmt		*stmt;
	struct forward_event	*ev;
	char			*cols, *kcols, *sql;
	uint64_t		 seq;
	int			 rc, what, version;

	memset(batch, 0, sizeof *batch);
	batch->first = from;
	batch->last = to;
	if (to < from)
		return (0);
	cols = chain_columns(NULL, NULL, NULL);
	kcols = forward_chunk_columns();
	xasprintf(&sql, "SELECT seq, 1, %s FROM commands WHERE seq BETWEEN "
	    "?1 AND ?2 UNION ALL SELECT end_seq, 2, %s FROM commands WHERE "
	    "end_seq BETWEEN ?1 AND ?2 UNION ALL SELECT seq, 3, %s FROM "
	    "recording WHERE seq BETWEEN ?1 AND ?2 ORDER BY 1", cols, cols,
	    kcols);
	free(kcols);
	free(cols);
	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		*cause = chain_error(db, "cannot read the events to forward");
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)to);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (batch->n != 0 && batch->bytes >= max_bytes) {
			batch->last = batch->ev[batch->n - 1].seq;
			break;
		}
		seq = (uint64_t)sqlite3_column_int64(stmt, 0);
		what = sqlite3_column_int(stmt, 1);
		version = sqlite3_column_int(stmt, 2 + RECORD_F_CHAIN_VERSION);
		batch->ev = xreallocarray(batch->ev, batch->n + 1,
		    sizeof *batch->ev);
		ev = &batch->ev[batch->n++];
		forward_event_make(ev, stmt, 2, what == 3 ? FORWARD_CHUNK :
		    what == 2 ? FORWARD_END : version == 2 ? FORWARD_START :
		    FORWARD_ROW, seq);
		batch->bytes += ev->bytes;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		forward_batch_clear(batch);
		*cause = chain_error(db, "cannot read the events to forward");
		return (-1);
	}
	batch->missing = batch->last - batch->first + 1 - batch->n;
	return (0);
}

/* Free what a batch holds. */
void
forward_batch_clear(struct forward_batch *batch)
{
	size_t	i;
	u_int	j;

	for (i = 0; i < batch->n; i++) {
		for (j = 0; j < FORWARD_NFIELDS; j++)
			free(batch->ev[i].value[j]);
	}
	free(batch->ev);
	memset(batch, 0, sizeof *batch);
}

/*
 * Return the hash the central store keeps for an event: a start's or a
 * row's hash, an end's end_hash.
 */
const char *
forward_event_hash(const struct forward_event *ev)
{
	return (ev->value[ev->kind == FORWARD_END ? RECORD_F_END_HASH :
	    RECORD_F_HASH]);
}

/*
 * Put in *when the time event seq was written (a start's started_at, an
 * end's or a row's finished_at), in seconds since the epoch. Return 0, or
 * -1 if there is no such event.
 */
int
forward_event_time(sqlite3 *db, uint64_t seq, time_t *when)
{
	sqlite3_stmt	*stmt;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT CAST(strftime('%s', CASE WHEN "
	    "seq = ?1 AND chain_version = 2 THEN started_at ELSE finished_at "
	    "END) AS INTEGER) FROM commands WHERE seq = ?1 OR end_seq = ?1",
	    -1, &stmt, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)seq);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
		*when = (time_t)sqlite3_column_int64(stmt, 0);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return (rc);
}
