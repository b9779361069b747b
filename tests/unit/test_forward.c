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

#include <CUnit/Basic.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "rcmdd.h"
#include "db.h"
#include "fixture.h"
#include "records.h"
#include "xmalloc.h"
#include "unit.h"

/*
 * Unit tests of forwarding's local side (daemon/forward_read.c), with no
 * PostgreSQL: the events read back from a real audit database in seq
 * order, each as the central store keeps it (a start as the row began,
 * an end the whole row), batches cut by bytes, a gap counted, the cursor
 * made once from the chain base, kept for its host and never moved back,
 * and the checks of AuditForward and AuditHostName.
 */

static int	 rows_make(struct fixture *, u_int, u_int);
static void	 expect_read(sqlite3 *, uint64_t, uint64_t, size_t,
		     struct forward_batch *, size_t, uint64_t, uint64_t);
static void	 test_forward_events(void);
static void	 test_forward_range(void);
static void	 test_forward_bytes(void);
static void	 test_forward_gap(void);
static void	 test_forward_cursor(void);
static void	 test_forward_time(void);
static void	 test_forward_checks(void);
static void	 test_forward_config(void);
static int	 config_text(struct config *, const char *, char **);

static CU_TestInfo forward_tests[] = {
	{ "events in seq order: starts as they began, ends whole",
	    test_forward_events },
	{ "a range in the middle, and an empty one", test_forward_range },
	{ "a batch stops at its bytes, one event at least",
	    test_forward_bytes },
	{ "an event deleted before it was sent is counted missing",
	    test_forward_gap },
	{ "the cursor: made from the base, its host, never back",
	    test_forward_cursor },
	{ "an event's time", test_forward_time },
	{ "AuditForward and AuditHostName are checked", test_forward_checks },
	{ "rcmdd.conf: AuditForward [sync], AuditForwardMaxLag",
	    test_forward_config },
	CU_TEST_INFO_NULL
};

/*
 * Make a database with n commands, started in turn and ended in turn
 * (starts 1..n, ends n+1..2n), of which the last open are left running.
 */
static int
rows_make(struct fixture *fx, u_int n, u_int open)
{
	struct cmd_record	 r;
	uint64_t		 id[16];
	char			 cmd[32], *cause = NULL;
	u_int			 i;

	if (fixture_new(fx, "test_forward") != 0 || fixture_open(fx, 0) != 0)
		return (-1);
	audit_start();
	for (i = 0; i < n && i < 16; i++) {
		snprintf(cmd, sizeof cmd, "echo %u", i);
		records_fill(&r, cmd);
		if (records_begin(&r, &id[i], &cause) != 0)
			goto fail;
	}
	for (i = 0; i + open < n && i < 16; i++) {
		records_exited(&r, (int)i, "out\n");
		if (records_finish(id[i], &r, NULL, &cause) != 0)
			goto fail;
	}
	audit_stop();
	return (0);
fail:
	CU_FAIL("cannot record a command");
	fprintf(stderr, "\n    %s", cause);
	free(cause);
	audit_stop();
	return (-1);
}

/*
 * Read the events from to to, max bytes, into b (which the caller clears),
 * and check how many came, the last seq covered and the missing.
 */
static void
expect_read(sqlite3 *db, uint64_t from, uint64_t to, size_t max,
    struct forward_batch *b, size_t n, uint64_t last, uint64_t missing)
{
	char	*cause = NULL;

	CU_ASSERT_EQUAL(forward_read(db, from, to, max, b, &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	free(cause);
	CU_ASSERT_EQUAL(b->n, n);
	CU_ASSERT_EQUAL(b->last, last);
	CU_ASSERT_EQUAL(b->missing, missing);
}

static void
test_forward_events(void)
{
	struct fixture		 fx;
	struct forward_batch	 b;
	sqlite3			*db;
	char			*cause = NULL;
	size_t			 i;

	if (rows_make(&fx, 3, 1) != 0)
		goto out;
	if ((db = db_open(fx.path)) == NULL)
		goto out;
	/* Starts 1-3 of ids 1-3, ends 4-5 of ids 1-2; id 3 runs. */
	CU_ASSERT_EQUAL(forward_read(db, 1, 5, 1 << 20, &b, &cause), 0);
	CU_ASSERT_EQUAL(b.n, 5);
	CU_ASSERT_EQUAL(b.first, 1);
	CU_ASSERT_EQUAL(b.last, 5);
	CU_ASSERT_EQUAL(b.missing, 0);
	for (i = 0; i < b.n; i++)
		CU_ASSERT_EQUAL(b.ev[i].seq, i + 1);
	if (b.n == 5) {
		CU_ASSERT_EQUAL(b.ev[0].kind, FORWARD_START);
		CU_ASSERT_STRING_EQUAL(forward_kind_name(b.ev[0].kind),
		    "start");
		/* Id 1 has ended, but its start is the row as it began. */
		CU_ASSERT_STRING_EQUAL(b.ev[0].value[RECORD_F_ID], "1");
		CU_ASSERT_STRING_EQUAL(b.ev[0].value[RECORD_F_STATUS],
		    "running");
		CU_ASSERT_PTR_NULL(b.ev[0].value[RECORD_F_FINISHED_AT]);
		CU_ASSERT_PTR_NULL(b.ev[0].value[RECORD_F_EXIT_CODE]);
		CU_ASSERT_PTR_NULL(b.ev[0].value[RECORD_F_OUTPUT]);
		CU_ASSERT_PTR_NULL(b.ev[0].value[RECORD_F_END_SEQ]);
		CU_ASSERT_PTR_NULL(b.ev[0].value[RECORD_F_END_HASH]);
		CU_ASSERT_STRING_EQUAL(b.ev[0].value[RECORD_F_OUTPUT_BYTES],
		    "0");
		CU_ASSERT_STRING_EQUAL(b.ev[0].value[RECORD_F_TRUNCATED], "0");
		CU_ASSERT_STRING_EQUAL(b.ev[0].value[RECORD_F_SEQ], "1");
		CU_ASSERT_STRING_EQUAL(b.ev[0].value[RECORD_F_COMMAND],
		    "echo 0");
		CU_ASSERT_STRING_EQUAL(b.ev[0].value[RECORD_F_CHAIN_VERSION],
		    "2");
		CU_ASSERT_PTR_NOT_NULL(forward_event_hash(&b.ev[0]));
		db_expect(db, "SELECT hash FROM commands WHERE id = 1",
		    forward_event_hash(&b.ev[0]));
		/* Seq 3: id 3's start, running still. */
		CU_ASSERT_EQUAL(b.ev[2].kind, FORWARD_START);
		CU_ASSERT_STRING_EQUAL(b.ev[2].value[RECORD_F_ID], "3");
		/* Seq 4: id 1's end, the whole row. */
		CU_ASSERT_EQUAL(b.ev[3].kind, FORWARD_END);
		CU_ASSERT_STRING_EQUAL(b.ev[3].value[RECORD_F_ID], "1");
		CU_ASSERT_STRING_EQUAL(b.ev[3].value[RECORD_F_STATUS],
		    "exited");
		CU_ASSERT_STRING_EQUAL(b.ev[3].value[RECORD_F_OUTPUT],
		    "out\n");
		CU_ASSERT_STRING_EQUAL(b.ev[3].value[RECORD_F_END_SEQ], "4");
		CU_ASSERT_STRING_EQUAL(b.ev[3].value[RECORD_F_SEQ], "1");
		CU_ASSERT_PTR_NOT_NULL(b.ev[3].value[RECORD_F_FINISHED_AT]);
		db_expect(db, "SELECT end_hash FROM commands WHERE id = 1",
		    forward_event_hash(&b.ev[3]));
		CU_ASSERT_STRING_EQUAL(forward_kind_name(b.ev[3].kind), "end");
	}
	forward_batch_clear(&b);
	CU_ASSERT_EQUAL(b.n, 0);
	CU_ASSERT_PTR_NULL(b.ev);
	sqlite3_close(db);
out:
	free(cause);
	fixture_free(&fx);
}

static void
test_forward_range(void)
{
	struct fixture		 fx;
	struct forward_batch	 b;
	sqlite3			*db;
	char			*cause = NULL;

	if (rows_make(&fx, 4, 0) != 0)
		goto out;
	if ((db = db_open(fx.path)) == NULL)
		goto out;
	expect_read(db, 3, 6, 1 << 20, &b, 4, 6, 0);
	if (b.n == 4) {
		CU_ASSERT_EQUAL(b.ev[0].seq, 3);
		CU_ASSERT_EQUAL(b.ev[3].seq, 6);
		CU_ASSERT_EQUAL(b.ev[1].kind, FORWARD_START);
		CU_ASSERT_EQUAL(b.ev[2].kind, FORWARD_END);
	}
	forward_batch_clear(&b);
	/* Nothing past the head. */
	expect_read(db, 9, 20, 1 << 20, &b, 0, 20, 12);
	forward_batch_clear(&b);
	expect_read(db, 5, 4, 1 << 20, &b, 0, 4, 0);
	forward_batch_clear(&b);
	sqlite3_close(db);
out:
	free(cause);
	fixture_free(&fx);
}

static void
test_forward_bytes(void)
{
	struct fixture		 fx;
	struct forward_batch	 b;
	sqlite3			*db;
	char			*cause = NULL;

	if (rows_make(&fx, 4, 0) != 0)
		goto out;
	if ((db = db_open(fx.path)) == NULL)
		goto out;
	/* One byte: one event, and the batch ends there. */
	expect_read(db, 1, 8, 1, &b, 1, 1, 0);
	CU_ASSERT(b.bytes > 0);
	forward_batch_clear(&b);
	/* Enough for a few. */
	CU_ASSERT_EQUAL(forward_read(db, 1, 8, 300, &b, &cause), 0);
	CU_ASSERT(b.n > 1 && b.n < 8);
	CU_ASSERT_EQUAL(b.last, b.n);
	CU_ASSERT_EQUAL(b.missing, 0);
	forward_batch_clear(&b);
	sqlite3_close(db);
out:
	free(cause);
	fixture_free(&fx);
}

static void
test_forward_gap(void)
{
	struct fixture		 fx;
	struct forward_batch	 b;
	sqlite3			*db;
	char			*cause = NULL;

	if (rows_make(&fx, 3, 0) != 0)
		goto out;
	/* Id 2: start 2, end 5. */
	CU_ASSERT_EQUAL(db_exec(fx.path, "DELETE FROM commands WHERE id = 2"),
	    0);
	if ((db = db_open(fx.path)) == NULL)
		goto out;
	expect_read(db, 1, 6, 1 << 20, &b, 4, 6, 2);
	if (b.n == 4) {
		CU_ASSERT_EQUAL(b.ev[0].seq, 1);
		CU_ASSERT_EQUAL(b.ev[1].seq, 3);
		CU_ASSERT_EQUAL(b.ev[2].seq, 4);
		CU_ASSERT_EQUAL(b.ev[3].seq, 6);
	}
	forward_batch_clear(&b);
	sqlite3_close(db);
out:
	free(cause);
	fixture_free(&fx);
}

static void
test_forward_cursor(void)
{
	struct fixture		 fx;
	struct chain_head	 base;
	sqlite3			*db;
	uint64_t		 cursor;
	char			*cause = NULL;

	if (rows_make(&fx, 2, 0) != 0)
		goto out;
	/* As if pruned through seq 2 before forwarding began. */
	CU_ASSERT_EQUAL(db_exec(fx.path, "UPDATE audit_meta SET value = '2' "
	    "WHERE key = 'chain_base_seq'"), 0);
	if ((db = db_open(fx.path)) == NULL)
		goto out;
	CU_ASSERT_EQUAL(forward_cursor_read(db, 2, &cursor, &cause), 0);
	CU_ASSERT_EQUAL(cursor, 2);
	CU_ASSERT_EQUAL(forward_cursor_open(db, "web1", &cursor, &base,
	    &cause), 0);
	CU_ASSERT_EQUAL(cursor, 2);
	CU_ASSERT_EQUAL(base.seq, 2);
	CU_ASSERT_EQUAL(strlen(base.hash), CHAIN_HASH_LEN);
	db_expect(db, "SELECT host || '|' || base_seq || '|' || seq FROM "
	    "forward_cursor",
	    "web1|2|2");
	db_expect(db, "SELECT cursor || '|' || head || '|' || lag_events "
	    "FROM forward_status",
	    "2|4|2");

	/* It moves forward only. */
	CU_ASSERT_EQUAL(forward_cursor_write(db, 4, &cause), 0);
	CU_ASSERT_EQUAL(forward_cursor_write(db, 3, &cause), 0);
	CU_ASSERT_EQUAL(forward_cursor_read(db, 0, &cursor, &cause), 0);
	CU_ASSERT_EQUAL(cursor, 4);
	db_expect(db, "SELECT lag_events || '|' || lag_seconds FROM "
	    "forward_status",
	    "0|0");

	/* Opened again: the same cursor and base, not made afresh. */
	CU_ASSERT_EQUAL(forward_cursor_open(db, "web1", &cursor, &base,
	    &cause), 0);
	CU_ASSERT_EQUAL(cursor, 4);
	CU_ASSERT_EQUAL(base.seq, 2);

	/* Another host name is refused, saying how to go on. */
	CU_ASSERT_EQUAL(forward_cursor_open(db, "web2", &cursor, &base,
	    &cause), -1);
	CU_ASSERT(cause != NULL && strstr(cause, "forwarded as host web1, "
	    "and AuditHostName is web2") != NULL);
	sqlite3_close(db);
out:
	free(cause);
	fixture_free(&fx);
}

static void
test_forward_time(void)
{
	struct fixture	 fx;
	sqlite3		*db;
	time_t		 when, now = time(NULL);

	if (rows_make(&fx, 1, 0) != 0)
		goto out;
	if ((db = db_open(fx.path)) == NULL)
		goto out;
	CU_ASSERT_EQUAL(forward_event_time(db, 1, &when), 0);
	CU_ASSERT(when <= now + 1 && when >= now - 60);
	CU_ASSERT_EQUAL(forward_event_time(db, 2, &when), 0);
	CU_ASSERT_EQUAL(forward_event_time(db, 3, &when), -1);
	sqlite3_close(db);
out:
	fixture_free(&fx);
}

static void
test_forward_checks(void)
{
	char	*cause = NULL;

	CU_ASSERT_EQUAL(forward_check_host_name("web-1.example_a", &cause), 0);
	CU_ASSERT_EQUAL(forward_check_host_name("", &cause), -1);
	free(cause);
	cause = NULL;
	CU_ASSERT_EQUAL(forward_check_host_name("a b", &cause), -1);
	CU_ASSERT(cause != NULL && strstr(cause, "letters, digits") != NULL);
	free(cause);
	cause = NULL;
	CU_ASSERT_EQUAL(forward_check_host_name("x'; DROP TABLE events",
	    &cause), -1);
	free(cause);
	cause = NULL;
#ifdef HAVE_LIBPQ
	CU_ASSERT_EQUAL(forward_check_conninfo("host=127.0.0.1 dbname=a "
	    "sslmode=verify-full", &cause), 0);
	CU_ASSERT_EQUAL(forward_check_conninfo("postgresql://h@127.0.0.1/a",
	    &cause), 0);
	CU_ASSERT_EQUAL(forward_check_conninfo("host=127.0.0.1 nonsense",
	    &cause), -1);
	CU_ASSERT(cause != NULL && strstr(cause, "not a libpq connection "
	    "string") != NULL);
#else
	CU_ASSERT_EQUAL(forward_check_conninfo("host=127.0.0.1", &cause), -1);
	CU_ASSERT(cause != NULL && strstr(cause, "built without PostgreSQL") !=
	    NULL);
#endif
	free(cause);
}

/* Parse a configuration from text; return the number of errors. */
static int
config_text(struct config *conf, const char *text, char **errors)
{
	FILE	*fp;
	int	 n;

	config_init(conf);
	*errors = NULL;
	if ((fp = fmemopen((void *)text, strlen(text), "r")) == NULL)
		return (-1);
	n = config_parse(conf, "test.conf", fp, errors);
	fclose(fp);
	return (n);
}

static void
test_forward_config(void)
{
	struct config	 conf;
	char		*errors;

#ifdef HAVE_LIBPQ
	CU_ASSERT_EQUAL(config_text(&conf, "AuditForward \"host=127.0.0.1 "
	    "dbname=a sslmode=verify-full\" sync\nAuditHostName web1\n"
	    "AuditForwardMaxLag 30\n", &errors), 0);
	CU_ASSERT(conf.audit_forward != NULL && strcmp(conf.audit_forward,
	    "host=127.0.0.1 dbname=a sslmode=verify-full") == 0);
	CU_ASSERT_EQUAL(conf.audit_forward_sync, 1);
	CU_ASSERT(conf.audit_host_name != NULL &&
	    strcmp(conf.audit_host_name, "web1") == 0);
	CU_ASSERT_EQUAL(conf.forward_max_lag_ms, 30000);
	config_clear(&conf);
	free(errors);

	CU_ASSERT_EQUAL(config_text(&conf, "AuditForward "
	    "postgresql://web1@127.0.0.1/a?sslmode=verify-full\n", &errors),
	    0);
	CU_ASSERT(conf.audit_forward != NULL && strcmp(conf.audit_forward,
	    "postgresql://web1@127.0.0.1/a?sslmode=verify-full") == 0);
	CU_ASSERT_EQUAL(conf.audit_forward_sync, 0);
	CU_ASSERT_EQUAL(conf.forward_max_lag_ms, 0);
	config_clear(&conf);
	free(errors);

	CU_ASSERT_EQUAL(config_text(&conf, "AuditForward host=a SYNC\n",
	    &errors), 0);
	CU_ASSERT(conf.audit_forward != NULL && strcmp(conf.audit_forward,
	    "host=a") == 0);
	CU_ASSERT_EQUAL(conf.audit_forward_sync, 1);
	config_clear(&conf);
	free(errors);

	CU_ASSERT_EQUAL(config_text(&conf, "AuditForward host=a\n"
	    "AuditForwardMaxLag 1500ms\n", &errors), 1);
	CU_ASSERT(errors != NULL && strstr(errors, "whole seconds") != NULL);
	config_clear(&conf);
	free(errors);
#endif
	CU_ASSERT_EQUAL(config_text(&conf, "AuditHostName web1\n", &errors),
	    1);
	CU_ASSERT(errors != NULL && strstr(errors, "test.conf:1: "
	    "AuditForwardMaxLag and AuditHostName need AuditForward") != NULL);
	config_clear(&conf);
	free(errors);

	CU_ASSERT_EQUAL(config_text(&conf, "AuditForward sync\n", &errors),
	    1);
	config_clear(&conf);
	free(errors);
}

int
main(void)
{
	log_init("test_forward", 1, 0);
	return (unit_run("test_forward", "forward", forward_tests));
}
