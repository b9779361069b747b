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
 * rcmdd --verify-audit postgresql://... --compare DATABASE: compare a
 * host's local audit database with its copy in the central store, event
 * by event, and name the first that differs or that one side lacks: a
 * local row rewritten or deleted after it was forwarded.
 */

#ifdef HAVE_LIBPQ

/*
 * Compare the local database at path with the host's central copy, from
 * the later of the two chain bases: every event in the store must be in
 * the local database alike (a start in the fields its hash covers, an
 * end or a version 1 row in every field), and every local event up to
 * the store's last must be in the store. Print what was compared; return
 * 0, or -1 with a cause naming the first event that differs.
 */
int
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
	if (central_host_load(conn, &h, cause) != 0)
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
	dstart = central_host_diff("l", "c", 1);
	dend = central_host_diff("l", "c", 0);
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

#endif /* HAVE_LIBPQ */
