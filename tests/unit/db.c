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

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "db.h"
#include "xmalloc.h"

static sqlite3	*db_open_ro(const char *, const char *);

/*
 * The unit tests read and change the audit database through connections
 * of their own, as an operator's sqlite3 shell would (or someone covering
 * their tracks), apart from the store under test.
 */

/* Open a connection to the database; fail the test and return NULL if not. */
sqlite3 *
db_open(const char *path)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		CU_FAIL("cannot open the database for reading");
		sqlite3_close(db);
		return (NULL);
	}
	sqlite3_busy_timeout(db, 5000);
	return (db);
}

/* Run a query and return its first column as text, or NULL. */
char *
db_query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*stmt;
	char		*s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		fprintf(stderr, "\n    %s: %s", sql, sqlite3_errmsg(db));
		CU_FAIL("cannot prepare a query");
		return (NULL);
	}
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		s = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return (s);
}

/* Check that a query prints want; want NULL means SQL NULL. */
void
db_expect(sqlite3 *db, const char *sql, const char *want)
{
	char	*got;
	int	 same;

	got = db_query(db, sql);
	if (want == NULL)
		same = got == NULL;
	else
		same = got != NULL && strcmp(got, want) == 0;
	CU_ASSERT(same);
	if (!same)
		fprintf(stderr, "\n    %s: got %s%s%s, want %s%s%s", sql,
		    got == NULL ? "" : "\"", got == NULL ? "NULL" : got,
		    got == NULL ? "" : "\"", want == NULL ? "" : "\"",
		    want == NULL ? "NULL" : want, want == NULL ? "" : "\"");
	free(got);
}

/* Run SQL on a database, created if need be, on a connection of its own. */
int
db_exec(const char *path, const char *sql)
{
	sqlite3	*db = NULL;
	char	*errmsg = NULL;
	int	 rc = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fprintf(stderr, "\n    cannot open %s", path);
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &errmsg) != SQLITE_OK) {
		fprintf(stderr, "\n    %s: %s", sql, errmsg);
		goto out;
	}
	rc = 0;
out:
	sqlite3_free(errmsg);
	sqlite3_close(db);
	if (rc != 0)
		CU_FAIL("cannot change the database");
	return (rc);
}

/*
 * Open a read-only connection for sql; fail the test, close it and return
 * NULL if not.
 */
static sqlite3 *
db_open_ro(const char *path, const char *sql)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_busy_timeout(db, 5000) == SQLITE_OK)
		return (db);
	fprintf(stderr, "\n    %s: %s", sql, sqlite3_errmsg(db));
	CU_FAIL("cannot query the database");
	sqlite3_close(db);
	return (NULL);
}

/*
 * Run a query through a read-only connection of its own and return its
 * first column as text, or NULL.
 */
char *
db_text(const char *path, const char *sql)
{
	sqlite3	*db;
	char	*s;

	if ((db = db_open_ro(path, sql)) == NULL)
		return (NULL);
	s = db_query(db, sql);
	sqlite3_close(db);
	return (s);
}

/* Check that a query, on a connection of its own, prints want (NULL: NULL). */
void
db_expect_text(const char *path, const char *sql, const char *want)
{
	sqlite3	*db;

	if ((db = db_open_ro(path, sql)) == NULL)
		return;
	db_expect(db, sql, want);
	sqlite3_close(db);
}
