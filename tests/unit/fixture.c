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

#include <CUnit/CUnit.h>
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rcmdd.h"
#include "xmalloc.h"

#include "fixture.h"

/*
 * What the suites of the audit store, the hash chain and the export share:
 * a temporary folder for one test's database, a connection of the test's
 * own to read it as an operator would, and a start record to write.
 */

/* Make a folder for one test's database, /tmp/NAME.XXXXXX. */
int
fixture_new(struct fixture *fx, const char *name)
{
	memset(fx, 0, sizeof *fx);
	snprintf(fx->dir, sizeof fx->dir, "/tmp/%s.XXXXXX", name);
	if (mkdtemp(fx->dir) == NULL) {
		CU_FAIL("mkdtemp failed");
		return (-1);
	}
	snprintf(fx->path, sizeof fx->path, "%s/audit.db", fx->dir);
	return (0);
}

/* Remove the folder and whatever SQLite left in it. */
void
fixture_free(struct fixture *fx)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[384];

	if ((d = opendir(fx->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", fx->dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	if (rmdir(fx->dir) != 0)
		CU_FAIL("cannot remove the test directory");
}

/*
 * Open a connection of the test's own to a database with the given
 * sqlite3_open_v2 flags, waiting up to 5 s for the writer's locks.
 */
sqlite3 *
fixture_db_open(const char *path, int flags)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 5000) != SQLITE_OK) {
		fprintf(stderr, "\n    %s: %s", path, sqlite3_errmsg(db));
		CU_FAIL("cannot open the database");
		sqlite3_close(db);
		return (NULL);
	}
	return (db);
}

/* Run a query and return its first column as text, or NULL. */
char *
fixture_db_text(sqlite3 *db, const char *sql)
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

/*
 * Fill in a start record for a command from 127.0.0.1 port port, whose
 * client calls itself name (NULL for none), with no identity.
 */
void
fixture_start(struct audit_start *as, int port, const char *name,
    const char *command)
{
	memset(as, 0, sizeof *as);
	as->client_addr = "127.0.0.1";
	as->client_port = port;
	as->client_name = name;
	as->command = command;
	as->command_len = strlen(command);
}
