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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "fixture.h"
#include "rcmdd.h"
#include "records.h"
#include "tmpdir.h"

/*
 * The fixture of the unit tests that open a real audit database: a
 * directory of its own for each test, the database in it, and the audit
 * store opened on it as rcmdd opens it. Each test makes its own and frees
 * it, whatever happened in between.
 */

/* Make a directory named after the test program for one test. */
int
fixture_new(struct fixture *fx, const char *name)
{
	memset(fx, 0, sizeof *fx);
	if (tmpdir_new(fx->dir, sizeof fx->dir, name) != 0)
		return (-1);
	snprintf(fx->path, sizeof fx->path, "%s/audit.db", fx->dir);
	return (0);
}

/* Remove the directory and whatever SQLite left in it. */
void
fixture_free(struct fixture *fx)
{
	records_forget();
	tmpdir_free(fx->dir);
}

/*
 * Open the audit store on the fixture's database (sync_full as AuditSync
 * full), without starting the writer; fail the test and say why if not.
 */
int
fixture_open(struct fixture *fx, int sync_full)
{
	char	*cause = NULL;
	int	 rc;

	rc = audit_open(fx->path, sync_full, &cause);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0)
		fprintf(stderr, "\n    audit_open %s: %s", fx->path,
		    cause == NULL ? "no cause" : cause);
	free(cause);
	return (rc == 0 ? 0 : -1);
}
