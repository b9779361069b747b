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
#include <time.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Retention: the audit writer prunes the oldest rows past RetainDays or
 * MaxRows, a batch at a time from the start of the hash chain, cutting
 * the chain (prune_cut_point, prune_cut) so that what is left still
 * verifies; with AuditForward, never past the forwarding cursor.
 */

#define PRUNE_BATCH	500

static int	prune_cut_point(sqlite3 *, uint64_t, uint64_t, uint64_t *,
		    char **);
static int	prune_cut(sqlite3 *, uint64_t, char **);

/*
 * Prune one batch of the oldest sealed rows past the retention (rows
 * older than days, 0: no limit; rows beyond the newest max_rows, 0: no
 * limit), from the start of the chain, and move the chain base to the
 * last row pruned so that the rest still verifies. Return 1 if more
 * remain. Writer thread.
 */
int
prune_run(sqlite3 *audit_db, u_int days, uint64_t max_rows)
{
	sqlite3_stmt	*stmt = NULL;
	struct timespec	 ts;
	struct chain_head base;
	char		 cutoff[32], *why = NULL;
	uint64_t	 limit = 0, last, cap, cursor;

	if (days == 0 && max_rows == 0)
		return (0);

	if (sqlite3_exec(audit_db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return (0);
	if (chain_base_read(audit_db, &base, &why) != 0)
		goto fail;
	if (days != 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec -= (time_t)days * 86400;
		text_time(&ts, cutoff, sizeof cutoff);
		if (sqlite3_prepare_v2(audit_db, "SELECT max(CASE WHEN "
		    "chain_version = 2 THEN end_seq ELSE seq END) FROM "
		    "commands WHERE seq IS NOT NULL AND finished_at < ?", -1,
		    &stmt, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_text(stmt, 1, cutoff, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW)
			limit = (uint64_t)sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
		stmt = NULL;
		/*
		 * But never past the start of a row to keep: one that says
		 * it finished before the cutoff after newer ones (the clock
		 * was behind) must not take them with it.
		 */
		if (sqlite3_prepare_v2(audit_db, "SELECT min(seq) FROM "
		    "commands WHERE seq IS NOT NULL AND finished_at >= ?", -1,
		    &stmt, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_text(stmt, 1, cutoff, -1, SQLITE_STATIC);
		if (sqlite3_step(stmt) == SQLITE_ROW &&
		    sqlite3_column_type(stmt, 0) != SQLITE_NULL &&
		    (uint64_t)sqlite3_column_int64(stmt, 0) - 1 < limit)
			limit = (uint64_t)sqlite3_column_int64(stmt, 0) - 1;
		sqlite3_finalize(stmt);
		stmt = NULL;
	}
	if (max_rows != 0) {
		/* Up to the end of the newest row past the last max_rows. */
		if (sqlite3_prepare_v2(audit_db, "SELECT end_seq FROM commands "
		    "WHERE end_seq IS NOT NULL UNION ALL SELECT seq FROM "
		    "commands WHERE seq IS NOT NULL AND chain_version IS NOT 2 "
		    "ORDER BY 1 DESC LIMIT 1 OFFSET ?", -1, &stmt,
		    NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_int64(stmt, 1, (sqlite3_int64)max_rows);
		if (sqlite3_step(stmt) == SQLITE_ROW &&
		    (uint64_t)sqlite3_column_int64(stmt, 0) > limit)
			limit = (uint64_t)sqlite3_column_int64(stmt, 0);
		sqlite3_finalize(stmt);
		stmt = NULL;
	}
	/* Never a row whose events the central store has not taken. */
	if (forward_enabled()) {
		if (forward_cursor_read(audit_db, base.seq, &cursor,
		    &why) != 0)
			goto fail;
		if (limit > cursor)
			limit = cursor;
	}
	/* A batch is PRUNE_BATCH rows: their starts and ends. */
	cap = limit;
	if (cap > base.seq + 2 * PRUNE_BATCH)
		cap = base.seq + 2 * PRUNE_BATCH;
	if (cap <= base.seq || prune_cut_point(audit_db, base.seq, cap,
	    &last, &why) != 0 || last <= base.seq) {
		if (why != NULL)
			goto fail;
		sqlite3_exec(audit_db, "ROLLBACK", NULL, NULL, NULL);
		return (0);
	}

	if (prune_cut(audit_db, last, &why) != 0)
		goto fail;
	if (sqlite3_exec(audit_db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	log_info("audit: pruned the chain through seq %llu",
	    (unsigned long long)last);
	/* A row still running holds the cut: then wait for it to end. */
	return (last == cap && cap < limit);

fail:
	if (why == NULL)
		xasprintf(&why, "audit pruning failed: %s",
		    sqlite3_errmsg(audit_db));
	log_warnx("audit: cannot prune: %s", why);
	free(why);
	sqlite3_finalize(stmt);
	sqlite3_exec(audit_db, "ROLLBACK", NULL, NULL, NULL);
	return (0);
}

/*
 * Find where retention may cut the chain: at limit, or before the start
 * of the oldest row still running if that comes first, so that recovery
 * can always check a running row's start. A row that has ended may
 * straddle the cut: its end, after it, covers the whole row. Put it in
 * cut (the base's seq if nothing may go). Inside the writer's transaction.
 */
static int
prune_cut_point(sqlite3 *db, uint64_t base, uint64_t limit, uint64_t *cut,
    char **cause)
{
	sqlite3_stmt	*stmt;
	uint64_t	 c = limit;

	if (sqlite3_prepare_v2(db, "SELECT min(seq) FROM commands WHERE "
	    "seq <= ? AND chain_version = 2 AND end_seq IS NULL", -1, &stmt,
	    NULL) != SQLITE_OK) {
		*cause = chain_error(db, "cannot find where to prune");
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)limit);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		c = (uint64_t)sqlite3_column_int64(stmt, 0) - 1;
	sqlite3_finalize(stmt);
	*cut = c < base ? base : c;
	return (0);
}

/*
 * Cut the chain after event last, which prune_cut_point chose: delete
 * every row that ended at or before it, with its recording, and make its
 * hash the chain base, so that the rest still verifies. Inside the
 * writer's transaction, for retention.
 */
static int
prune_cut(sqlite3 *db, uint64_t last, char **cause)
{
	sqlite3_stmt		*stmt = NULL;
	struct chain_head	 none;
	char			 hash[CHAIN_HASH_LEN + 1], seq[32];

	none.seq = UINT64_MAX;
	if (chain_event_hash(db, last, &none, hash) != 0) {
		xasprintf(cause, "seq %" PRIu64 " is missing or has no hash: "
		    "run rcmdd --verify-audit", last);
		return (-1);
	}

	if (sqlite3_prepare_v2(db, "DELETE FROM commands WHERE seq IS NOT "
	    "NULL AND CASE WHEN chain_version = 2 THEN end_seq <= ?1 ELSE "
	    "seq <= ?1 END", -1, &stmt, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)last);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(stmt);
	stmt = NULL;
	/* A recording goes with its row (one that straddles keeps all). */
	if (sqlite3_exec(db, "DELETE FROM recording WHERE command_id NOT IN "
	    "(SELECT id FROM commands)", NULL, NULL, NULL) != SQLITE_OK)
		goto sqlfail;

	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO audit_meta "
	    "(key, value) VALUES ('chain_base_seq', ?), "
	    "('chain_base_hash', ?)", -1, &stmt, NULL) != SQLITE_OK)
		goto sqlfail;
	snprintf(seq, sizeof seq, "%" PRIu64, last);
	sqlite3_bind_text(stmt, 1, seq, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(stmt);
	return (0);

sqlfail:
	*cause = chain_error(db, "cannot cut the chain");
	sqlite3_finalize(stmt);
	return (-1);
}
