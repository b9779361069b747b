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
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * rcmdd --verify-audit: check the whole hash chain (chain.c) of a
 * database, read-only, in a process of its own, and name the first event
 * that does not match and every sequence number and id missing.
 */

#define CHAIN_HEX	"0123456789abcdefABCDEF"
#define CHAIN_MAX_GAPS	10

#define C_ID		RECORD_F_ID
#define C_HASH		RECORD_F_HASH
#define C_END_SEQ	RECORD_F_END_SEQ
#define C_END_HASH	RECORD_F_END_HASH
#define C_CHAIN_VERSION	RECORD_F_CHAIN_VERSION

/* A range of missing numbers, for --verify-audit. */
struct chain_gaps {
	uint64_t	 from[CHAIN_MAX_GAPS];
	uint64_t	 to[CHAIN_MAX_GAPS];
	u_int		 n;
	int		 more;
};

static const char *chain_what(int);
static void	 chain_gap_add(struct chain_gaps *, uint64_t, uint64_t);
static void	 chain_gap_print(FILE *, const struct chain_gaps *);
static int	 chain_present(sqlite3 *, int *);
static void	 chain_verify_chunk(sqlite3_stmt *, const struct chain_head *,
		     struct chain_head *, struct chain_gaps *, char **);
static int	 chain_verify_chunks(sqlite3 *, const struct chain_head *,
		     char **);

/* Name an event for a message, as in "row id 3: its end (seq 6)". */
static const char *
chain_what(int what)
{
	if (what == CHAIN_START)
		return ("its start ");
	if (what == CHAIN_END)
		return ("its end ");
	return ("");
}

/* Note the numbers from to to as missing. */
static void
chain_gap_add(struct chain_gaps *g, uint64_t from, uint64_t to)
{
	if (g->n == CHAIN_MAX_GAPS) {
		g->more = 1;
		return;
	}
	g->from[g->n] = from;
	g->to[g->n] = to;
	g->n++;
}

/* Write the gaps as "7, 9-12". */
static void
chain_gap_print(FILE *fp, const struct chain_gaps *g)
{
	u_int	i;

	for (i = 0; i < g->n; i++) {
		fprintf(fp, "%s%" PRIu64, i == 0 ? "" : ", ", g->from[i]);
		if (g->to[i] != g->from[i])
			fprintf(fp, "-%" PRIu64, g->to[i]);
	}
	if (g->more)
		fputs(" and more", fp);
}

/*
 * Mark in present which of the record's fields the table commands has: a
 * database not yet upgraded lacks the newer ones. Return 0 or -1.
 */
static int
chain_present(sqlite3 *db, int *present)
{
	sqlite3_stmt	*stmt;
	const char	*name;
	int		 i;

	memset(present, 0, record_nfields * sizeof *present);
	if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info("
	    "'commands')", -1, &stmt, NULL) != SQLITE_OK)
		return (-1);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(stmt, 0);
		for (i = 0; name != NULL && i < (int)record_nfields; i++)
			if (strcmp(name, record_fields[i].name) == 0)
				present[i] = 1;
	}
	sqlite3_finalize(stmt);
	return (0);
}

/*
 * Check the chunk event k stands on (seq, command_id, start_seq, chunk,
 * data, truncated, hash) against the head, and move the head to it, as
 * chain_verify_db does for a row's events.
 */
static void
chain_verify_chunk(sqlite3_stmt *k, const struct chain_head *base,
    struct chain_head *head, struct chain_gaps *seqs, char **first)
{
	const char	*stored, *data;
	char		 hash[CHAIN_HASH_LEN + 1];
	uint64_t	 seq, id, chunk;

	seq = (uint64_t)sqlite3_column_int64(k, 0);
	id = (uint64_t)sqlite3_column_int64(k, 1);
	chunk = (uint64_t)sqlite3_column_int64(k, 3);
	stored = (const char *)sqlite3_column_text(k, 6);
	/* A chunk of a row that straddles the base, before it. */
	if (seq <= base->seq)
		return;
	if (seq <= head->seq) {
		if (*first == NULL)
			xasprintf(first, "row id %" PRIu64 ": chunk %" PRIu64
			    " of its recording (seq %" PRIu64 ") is not after "
			    "seq %" PRIu64 ": an event was inserted or "
			    "renumbered", id, chunk, seq, head->seq);
		return;
	}
	if (seq != head->seq + 1)
		chain_gap_add(seqs, head->seq + 1, seq - 1);
	else if (stored != NULL && strlen(stored) == CHAIN_HASH_LEN) {
		data = (const char *)sqlite3_column_blob(k, 4);
		if (*first == NULL && (sqlite3_column_type(k, 4) !=
		    SQLITE_TEXT || chain_chunk_hash(head->hash, seq, id,
		    (uint64_t)sqlite3_column_int64(k, 2), chunk,
		    data == NULL ? "" : data, (size_t)sqlite3_column_bytes(k,
		    4), sqlite3_column_int64(k, 5), hash) != 0 ||
		    strcmp(stored, hash) != 0))
			xasprintf(first, "row id %" PRIu64 ": chunk %" PRIu64
			    " of its recording (seq %" PRIu64 ") does not match "
			    "its hash: its content or its link to seq %" PRIu64
			    " was changed", id, chunk, seq, head->seq);
	}
	if (stored == NULL || strlen(stored) != CHAIN_HASH_LEN) {
		if (*first == NULL)
			xasprintf(first, "row id %" PRIu64 ": chunk %" PRIu64
			    " of its recording (seq %" PRIu64 ") has no valid "
			    "hash", id, chunk, seq);
		head->seq = seq;
		memset(head->hash, '0', CHAIN_HASH_LEN);
		return;
	}
	head->seq = seq;
	memcpy(head->hash, stored, CHAIN_HASH_LEN + 1);
}

/*
 * Check that each recording belongs where it says: to a row whose start
 * it names, between that row's start and end, its chunks numbered from 0
 * in the chain's order with none missing. Return 0, or 1 with the first
 * that does not in first, or -1.
 */
static int
chain_verify_chunks(sqlite3 *db, const struct chain_head *base, char **first)
{
	sqlite3_stmt	*stmt;
	int		 rc = 0;

	if (sqlite3_prepare_v2(db, "SELECT r.command_id, r.chunk, r.seq, "
	    "c.id IS NULL FROM (SELECT *, lag(chunk) OVER (PARTITION BY "
	    "command_id ORDER BY seq) AS prev FROM recording) AS r LEFT JOIN "
	    "commands AS c ON c.id = r.command_id WHERE c.id IS NULL OR "
	    "r.start_seq IS NOT c.seq OR r.seq <= c.seq OR r.seq >= "
	    "coalesce(c.end_seq, r.seq + 1) OR (r.prev IS NULL AND r.chunk != "
	    "0 AND r.seq > ?1) OR r.chunk != coalesce(r.prev + 1, r.chunk) "
	    "ORDER BY r.seq LIMIT 1", -1, &stmt, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)base->seq);
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		xasprintf(first, "row id %lld: chunk %lld of its recording "
		    "(seq %lld) %s", sqlite3_column_int64(stmt, 0),
		    sqlite3_column_int64(stmt, 1), sqlite3_column_int64(stmt, 2),
		    sqlite3_column_int(stmt, 3) ? "belongs to no row: its row "
		    "was deleted" : "is out of place: chunks were cut, "
		    "renumbered or moved to another row");
		rc = 1;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/*
 * Check the whole chain of the database at path, read-only: every event's
 * hash and link, that no sequence number is missing, that every row is in
 * the chain as far as it got, that no id is missing, and, if given, that
 * the head "SEQ:HASH" (as logged by rcmdd) is in it. Return 0 with the
 * number of rows checked and the head, or -1 with a cause naming the
 * first event that does not match and every seq and id missing.
 */
int
chain_verify(const char *path, const char *expect, uint64_t *nrows,
    struct chain_head *head, char **cause)
{
	sqlite3	*db = NULL;
	int	 rc;

	*nrows = 0;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		xasprintf(cause, "cannot open %s: %s", path, db == NULL ?
		    "out of memory" : sqlite3_errmsg(db));
		sqlite3_close(db);
		return (-1);
	}
	sqlite3_busy_timeout(db, 5000);
	rc = chain_verify_db(db, path, expect, nrows, head, cause);
	sqlite3_close(db);
	return (rc);
}

/*
 * The same on an open database, whose errors name path: the central
 * store's verification (central_verify.c) runs it on each host's events
 * loaded into a database of the local shape. Reads in a transaction of
 * its own, and leaves the database open.
 */
int
chain_verify_db(sqlite3 *db, const char *path, const char *expect,
    uint64_t *nrows, struct chain_head *head, char **cause)
{
	sqlite3_stmt	*stmt = NULL, *k = NULL;
	struct chain_head base;
	struct chain_gaps seqs, ids;
	const char	*stored;
	char		 hash[CHAIN_HASH_LEN + 1], *end = NULL, *cols, *sql;
	char		*first = NULL, *buf = NULL;
	uint64_t	 seq, id, want_seq = 0, last_id = 0, given;
	size_t		 buflen;
	FILE		*fp;
	int		*present, what, rc, found = 0, v4, gap, krc;

	*nrows = 0;
	present = NULL;
	memset(&seqs, 0, sizeof seqs);
	memset(&ids, 0, sizeof ids);
	if (expect != NULL) {
		/* strtoull would take "-1" as the largest seq: digits only. */
		errno = 0;
		if (isdigit((u_char)*expect))
			want_seq = strtoull(expect, &end, 10);
		if (end == NULL || errno != 0 || *end != ':' ||
		    strlen(end + 1) != CHAIN_HASH_LEN ||
		    strspn(end + 1, CHAIN_HEX) != CHAIN_HASH_LEN) {
			xasprintf(cause, "head \"%s\" is not SEQ:HASH (a "
			    "number, a colon and 64 hex digits, as rcmdd "
			    "logs it)", expect);
			return (-1);
		}
	}
	present = xcalloc(record_nfields, sizeof *present);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    chain_present(db, present) != 0) {
		*cause = chain_error(db, path);
		goto fail;
	}
	if (chain_base_read(db, &base, cause) != 0)
		goto fail;
	*head = base;
	v4 = present[C_CHAIN_VERSION];

	/* Every event in order: version 1 rows, starts and ends. */
	cols = chain_columns(NULL, NULL, present);
	xasprintf(&sql, "SELECT n, w, %s FROM (SELECT seq AS n, CASE WHEN "
	    "chain_version = 2 THEN %d ELSE %d END AS w, * FROM (SELECT %s "
	    "FROM commands) WHERE seq IS NOT NULL UNION ALL SELECT end_seq, "
	    "%d, * FROM (SELECT %s FROM commands) WHERE end_seq IS NOT NULL) "
	    "ORDER BY n, w", cols, CHAIN_START, CHAIN_ROW, cols, CHAIN_END,
	    cols);
	free(cols);
	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		*cause = chain_error(db, path);
		goto fail;
	}
	/* Recordings' chunks (schema 8), merged in by seq. */
	krc = SQLITE_DONE;
	if (sqlite3_prepare_v2(db, "SELECT seq, command_id, start_seq, "
	    "chunk, data, truncated, hash FROM recording ORDER BY seq", -1, &k,
	    NULL) == SQLITE_OK)
		krc = sqlite3_step(k);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		seq = (uint64_t)sqlite3_column_int64(stmt, 0);
		while (krc == SQLITE_ROW &&
		    (uint64_t)sqlite3_column_int64(k, 0) < seq) {
			chain_verify_chunk(k, &base, head, &seqs, &first);
			if (expect != NULL && head->seq == want_seq &&
			    strcasecmp(end + 1, head->hash) == 0)
				found = 1;
			krc = sqlite3_step(k);
		}
		what = sqlite3_column_int(stmt, 1);
		id = (uint64_t)sqlite3_column_int64(stmt, 2 + C_ID);
		stored = (const char *)sqlite3_column_text(stmt, 2 +
		    (what == CHAIN_END ? C_END_HASH : C_HASH));
		if (what == CHAIN_ROW &&
		    sqlite3_column_type(stmt, 2 + C_CHAIN_VERSION) !=
		    SQLITE_NULL &&
		    sqlite3_column_int64(stmt, 2 + C_CHAIN_VERSION) != 1) {
			xasprintf(cause, "row id %" PRIu64 " has chain version "
			    "%s, which this rcmdd does not know", id,
			    sqlite3_column_text(stmt, 2 + C_CHAIN_VERSION));
			goto fail;
		}
		/* A row that ended after the base may have started before. */
		if (seq <= base.seq && what == CHAIN_START &&
		    sqlite3_column_type(stmt, 2 + C_END_SEQ) ==
		    SQLITE_INTEGER && (uint64_t)sqlite3_column_int64(stmt,
		    2 + C_END_SEQ) > base.seq) {
			(*nrows)++;
			continue;
		}
		if (seq <= head->seq) {
			if (first == NULL)
				xasprintf(&first, "row id %" PRIu64 "%s%s(seq %"
				    PRIu64 ") is not after seq %" PRIu64 ": a "
				    "row was inserted or renumbered", id,
				    what == CHAIN_ROW ? " " : ": ",
				    chain_what(what), seq, head->seq);
			continue;
		}
		gap = seq != head->seq + 1;
		if (gap)
			chain_gap_add(&seqs, head->seq + 1, seq - 1);
		if (stored == NULL || strlen(stored) != CHAIN_HASH_LEN) {
			if (first == NULL)
				xasprintf(&first, "row id %" PRIu64 "%s%s(seq %"
				    PRIu64 ") has no valid hash", id,
				    what == CHAIN_ROW ? " " : ": ",
				    chain_what(what), seq);
			head->seq = seq;
			memset(head->hash, '0', CHAIN_HASH_LEN);
			continue;
		}
		/* After a gap, the link cannot be checked: go on from here. */
		if (!gap) {
			if (chain_hash(stmt, 2, what, head->hash, hash,
			    NULL) != 0) {
				xasprintf(cause, "cannot hash row id %" PRIu64,
				    id);
				goto fail;
			}
			if (strcmp(stored, hash) != 0 && first == NULL)
				xasprintf(&first, "row id %" PRIu64 "%s%s(seq %"
				    PRIu64 ") does not match its hash: its "
				    "content or its link to seq %" PRIu64
				    " was changed", id, what == CHAIN_ROW ?
				    " " : ": ", chain_what(what), seq,
				    head->seq);
		}
		head->seq = seq;
		memcpy(head->hash, stored, CHAIN_HASH_LEN + 1);
		if (what != CHAIN_END)
			(*nrows)++;
		if (expect != NULL && seq == want_seq) {
			if (strcasecmp(end + 1, stored) != 0) {
				xasprintf(cause, "row id %" PRIu64 " (seq %"
				    PRIu64 ") has hash %s, but the head given "
				    "says %s: the chain was rewritten", id, seq,
				    stored, end + 1);
				goto fail;
			}
			found = 1;
		}
	}
	if (rc != SQLITE_DONE) {
		*cause = chain_error(db, path);
		goto fail;
	}
	for (; krc == SQLITE_ROW; krc = sqlite3_step(k)) {
		chain_verify_chunk(k, &base, head, &seqs, &first);
		if (expect != NULL && head->seq == want_seq &&
		    strcasecmp(end + 1, head->hash) == 0)
			found = 1;
	}
	sqlite3_finalize(stmt);
	sqlite3_finalize(k);
	stmt = k = NULL;
	if (first == NULL && present[C_CHAIN_VERSION] &&
	    chain_verify_chunks(db, &base, &first) == -1 &&
	    sqlite3_errcode(db) != SQLITE_ERROR) {
		*cause = chain_error(db, path);
		goto fail;
	}

	if (expect != NULL && !found) {
		if (want_seq == base.seq && strcasecmp(end + 1, base.hash) == 0)
			found = 1;
		else if (want_seq == base.seq)
			xasprintf(cause, "the head given (seq %" PRIu64 ") "
			    "says %s, but the chain base in audit_meta says %s: the "
			    "chain was rewritten", want_seq, end + 1,
			    base.hash);
		else if (want_seq < base.seq)
			xasprintf(cause, "the head given (seq %" PRIu64 ") was "
			    "pruned: the chain now starts after seq %" PRIu64,
			    want_seq, base.seq);
		else
			xasprintf(cause, "the head given (seq %" PRIu64 ") is "
			    "not in the chain, which ends at seq %" PRIu64 ": "
			    "rows were deleted from its end", want_seq,
			    head->seq);
		if (!found)
			goto fail;
	}

	/* Rows outside the chain, or whose end is not in it. */
	if (first == NULL) {
		if (sqlite3_prepare_v2(db, v4 ? "SELECT id, status, seq IS "
		    "NULL FROM commands WHERE seq IS NULL OR (chain_version "
		    "= 2 AND end_seq IS NULL AND status != 'running') ORDER "
		    "BY id LIMIT 1" : "SELECT id, status, 1 FROM commands "
		    "WHERE seq IS NULL AND status != 'running' ORDER BY id "
		    "LIMIT 1", -1, &stmt, NULL) != SQLITE_OK) {
			*cause = chain_error(db, path);
			goto fail;
		}
		if (sqlite3_step(stmt) == SQLITE_ROW) {
			id = (uint64_t)sqlite3_column_int64(stmt, 0);
			stored = (const char *)sqlite3_column_text(stmt, 1);
			if (sqlite3_column_int(stmt, 2) == 0)
				xasprintf(&first, "row id %" PRIu64 " is %s "
				    "but its end is not in the chain: it was "
				    "changed outside rcmdd", id, stored);
			else if (stored != NULL &&
			    strcmp(stored, "running") == 0)
				xasprintf(&first, "row id %" PRIu64 " is "
				    "running but its start is not in the "
				    "chain: it was inserted outside rcmdd", id);
			else
				xasprintf(&first, "row id %" PRIu64 " is %s "
				    "but not in the chain: it was inserted or "
				    "changed outside rcmdd", id, stored);
		}
		sqlite3_finalize(stmt);
		stmt = NULL;
	}

	/*
	 * Ids: since schema 4, each row's id comes with its start, so among
	 * the rows that started after the base no id is missing, and none
	 * after the last (sqlite_sequence keeps the last id given).
	 */
	if (v4) {
		if (sqlite3_prepare_v2(db, "SELECT id FROM commands WHERE seq "
		    "IS NULL OR (chain_version = 2 AND seq > ?) ORDER BY id",
		    -1, &stmt, NULL) != SQLITE_OK) {
			*cause = chain_error(db, path);
			goto fail;
		}
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64)base.seq);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			id = (uint64_t)sqlite3_column_int64(stmt, 0);
			if (last_id != 0 && id > last_id + 1)
				chain_gap_add(&ids, last_id + 1, id - 1);
			last_id = id;
		}
		sqlite3_finalize(stmt);
		stmt = NULL;
		given = 0;
		if (sqlite3_prepare_v2(db, "SELECT seq FROM sqlite_sequence "
		    "WHERE name = 'commands'", -1, &stmt, NULL) == SQLITE_OK &&
		    sqlite3_step(stmt) == SQLITE_ROW)
			given = (uint64_t)sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
		stmt = NULL;
		if (sqlite3_prepare_v2(db, "SELECT max(id) FROM commands", -1,
		    &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) ==
		    SQLITE_ROW)
			last_id = (uint64_t)sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
		stmt = NULL;
		if (given > last_id) {
			/* Join a gap that runs into the end. */
			if (ids.n != 0 && ids.to[ids.n - 1] + 1 == last_id + 1)
				ids.to[ids.n - 1] = given;
			else
				chain_gap_add(&ids, last_id + 1, given);
		}
	} else
		given = 0;

	if (first == NULL && seqs.n == 0 && ids.n == 0) {
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		free(present);
		return (0);
	}
	if ((fp = open_memstream(&buf, &buflen)) == NULL)
		fatal("open_memstream");
	if (first != NULL)
		fputs(first, fp);
	if (seqs.n != 0 || ids.n != 0)
		fprintf(fp, "%srows were deleted: ", first == NULL ? "" : "; ");
	if (seqs.n != 0) {
		fputs("seq ", fp);
		chain_gap_print(fp, &seqs);
		fputs(" missing from the chain", fp);
	}
	if (ids.n != 0) {
		fprintf(fp, "%sid ", seqs.n == 0 ? "" : "; ");
		chain_gap_print(fp, &ids);
		fputs(" missing from the ids", fp);
		if (given > last_id)
			fprintf(fp, " (the last id given was %" PRIu64 ")",
			    given);
	}
	fclose(fp);
	*cause = buf;
	free(first);
	free(present);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return (-1);

fail:
	free(first);
	free(present);
	sqlite3_finalize(stmt);
	sqlite3_finalize(k);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return (-1);
}
