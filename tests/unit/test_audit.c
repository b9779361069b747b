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
#include <sys/stat.h>

#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "fixture.h"
#include "log.h"
#include "rcmdd.h"
#include "records.h"
#include "xmalloc.h"
#include "unit.h"

/*
 * Unit tests of the audit store in daemon/audit.c. Each test opens the
 * store on a database in a directory of its own, drives it through its
 * public functions, and reads the rows back through a second SQLite
 * connection, as an operator's sqlite3 shell would.
 */

#define AUDIT_TIME_LEN		24
#define CONCURRENT_THREADS	8
#define CONCURRENT_RECORDS	50
#define MIXED_GOOD_THREADS	4
#define MIXED_BAD_THREADS	2
#define MIXED_RECORDS		25

/* What one thread of the concurrency tests did. */
struct worker {
	pthread_t	 thread;
	u_int		 index;
	u_int		 records;
	int		 bad;
	uint64_t	 ids[CONCURRENT_RECORDS];
	int		 rc_begin[CONCURRENT_RECORDS];
	int		 rc_finish[CONCURRENT_RECORDS];
	char		*cause[CONCURRENT_RECORDS];
};

static char	*row_text(sqlite3 *, uint64_t, const char *);
static void	 expect_column(sqlite3 *, uint64_t, const char *,
		     const char *);
static int	 is_audit_time(const char *);
static void	 now_string(char *, size_t);
static void	 start_fill(struct cmd_record *, const char *);
static void	 expect_output_read(const char *, const char *, size_t,
		     const char *, const char *, u_int);
static void	*test_writer_main(void *);
static int	 id_compare(const void *, const void *);
static void	 test_text_time(void);
static void	test_text_safe(void);
static void	 test_audit_open(void);
static void	 test_audit_open_fails(void);
static void	 test_audit_not_running(void);
static void	 test_audit_begin(void);
static void	 test_audit_finish(void);
static void	 test_audit_finish_not_utf8(void);
static void	 test_audit_finish_nul(void);
static void	 test_audit_finish_missing(void);
static void	 test_audit_concurrent(void);
static void	 test_audit_bad_record_alone(void);
static void	 test_audit_interrupted(void);
static void	 test_audit_newer_schema(void);

static CU_TestInfo audit_tests[] = {
	{ "text_time", test_text_time },
	{ "text_safe keeps text and replaces what is unsafe",
	    test_text_safe },
	{ "audit_open creates a 0600 WAL database, version 10",
	    test_audit_open },
	{ "audit_open fails with the path", test_audit_open_fails },
	{ "audit_begin without the writer", test_audit_not_running },
	{ "audit_begin commits a running row", test_audit_begin },
	{ "audit_finish records how it ended", test_audit_finish },
	{ "audit_finish with output that is not UTF-8",
	    test_audit_finish_not_utf8 },
	{ "audit_finish with a NUL in the output", test_audit_finish_nul },
	{ "audit_finish on a missing id", test_audit_finish_missing },
	{ "8 threads x 50 records", test_audit_concurrent },
	{ "a bad record does not sink the others",
	    test_audit_bad_record_alone },
	{ "running rows become interrupted on open", test_audit_interrupted },
	{ "a newer schema version is refused", test_audit_newer_schema },
	CU_TEST_INFO_NULL
};

/*
 * Return an expression over one row of commands as a C string, as the
 * sqlite3 shell would print it; NULL for SQL NULL or no row.
 */
static char *
row_text(sqlite3 *db, uint64_t id, const char *expr)
{
	char	*sql, *s;

	xasprintf(&sql, "SELECT %s FROM commands WHERE id = %llu", expr,
	    (unsigned long long)id);
	s = db_query(db, sql);
	free(sql);
	return (s);
}

/* Check one column of one row; want NULL means SQL NULL. */
static void
expect_column(sqlite3 *db, uint64_t id, const char *expr, const char *want)
{
	char	*sql;

	xasprintf(&sql, "SELECT %s FROM commands WHERE id = %llu", expr,
	    (unsigned long long)id);
	db_expect(db, sql, want);
	free(sql);
}

/* Return whether s has the form YYYY-MM-DDTHH:MM:SS.mmmZ. */
static int
is_audit_time(const char *s)
{
	static const char	 form[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t			 i;

	if (s == NULL || strlen(s) != AUDIT_TIME_LEN)
		return (0);
	for (i = 0; i < AUDIT_TIME_LEN; i++) {
		if (form[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				return (0);
		} else if (s[i] != form[i])
			return (0);
	}
	return (1);
}

/* Format the current time as the audit log does. */
static void
now_string(char *buf, size_t len)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	text_time(&ts, buf, len);
}

/* Fill in a start record for a command. */
static void
start_fill(struct cmd_record *as, const char *command)
{
	records_fill(as, command);
	as->peer.client_port = 40000;
	as->peer.client_name = "test_audit";
}

/*
 * One thread of the concurrency tests: begin and finish its records, or
 * when it is a bad one, finish ids that do not exist.
 */
static void *
test_writer_main(void *arg)
{
	struct worker		*w = arg;
	struct cmd_record	 as;
	struct cmd_record	 ae;
	char			 command[64], output[64];
	u_int			 i;

	for (i = 0; i < w->records; i++) {
		snprintf(output, sizeof output, "out %u %u\n", w->index, i);
		records_exited(&ae, (int)(w->index * 100 + i), output);
		if (w->bad) {
			w->rc_begin[i] = 0;
			w->ids[i] = 1000000 + w->index * 1000 + i;
			w->rc_finish[i] = records_finish(w->ids[i], &ae, NULL,
			    &w->cause[i]);
			continue;
		}
		snprintf(command, sizeof command, "thread %u record %u",
		    w->index, i);
		start_fill(&as, command);
		as.peer.client_port = (int)w->index;
		w->rc_begin[i] = records_begin(&as, &w->ids[i], &w->cause[i]);
		if (w->rc_begin[i] != 0)
			continue;
		w->rc_finish[i] = records_finish(w->ids[i], &ae, NULL, &w->cause[i]);
	}
	return (NULL);
}

/* Compare two ids for qsort. */
static int
id_compare(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * Record a command whose output is out, len bytes, and check that the row
 * holds them all as text that starts with head, holds tail and is at least
 * minlen characters long, as the sqlite3 shell reads it.
 */
static void
expect_output_read(const char *command, const char *out, size_t len,
    const char *head, const char *tail, u_int minlen)
{
	struct fixture		 fx;
	struct cmd_record	 as;
	struct cmd_record	 ae;
	sqlite3			*db = NULL;
	uint64_t		 id = 0;
	char			*cause = NULL, *s, bytes[32], expr[64];

	if (fixture_new(&fx, "test_audit") != 0)
		return;
	if (fixture_open(&fx, 1) != 0)
		goto out;
	audit_start();
	start_fill(&as, command);
	CU_ASSERT_EQUAL(records_begin(&as, &id, NULL), 0);
	records_exited(&ae, 0, NULL);
	ae.output = (char *)out;
	ae.output_len = len;
	ae.output_bytes = len;
	CU_ASSERT_EQUAL(records_finish(id, &ae, NULL, &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	free(cause);

	if ((db = db_open(fx.path)) == NULL)
		goto stop;
	snprintf(bytes, sizeof bytes, "%zu", len);
	expect_column(db, id, "typeof(output)", "text");
	expect_column(db, id, "output_bytes", bytes);
	expect_column(db, id, "truncated", "0");
	s = row_text(db, id, "output");
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s != NULL) {
		CU_ASSERT(strncmp(s, head, strlen(head)) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(s, tail));
		if (strstr(s, tail) == NULL)
			fprintf(stderr, "\n    output reads as \"%s\"", s);
	}
	free(s);
	snprintf(expr, sizeof expr, "length(output) >= %u", minlen);
	s = row_text(db, id, expr);
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s != NULL)
		CU_ASSERT_STRING_EQUAL(s, "1");
	free(s);
	sqlite3_close(db);
stop:
	audit_stop();
out:
	fixture_free(&fx);
}

/* Times are formatted as UTC with milliseconds, whatever TZ says. */
static void
test_text_time(void)
{
	static const struct {
		time_t		 sec;
		long		 nsec;
		const char	*want;
	} cases[] = {
		{ 0, 0, "1970-01-01T00:00:00.000Z" },
		{ 0, 999999999, "1970-01-01T00:00:00.999Z" },
		{ 0, 999999, "1970-01-01T00:00:00.000Z" },
		{ 0, 1000000, "1970-01-01T00:00:00.001Z" },
		{ 951782400, 0, "2000-02-29T00:00:00.000Z" },
		{ 1772323199, 999999999, "2026-02-28T23:59:59.999Z" },
		{ 1780000000, 123456789, "2026-05-28T20:26:40.123Z" },
		{ 1783168496, 1500000, "2026-07-04T12:34:56.001Z" },
		{ 4102444799, 500000000, "2099-12-31T23:59:59.500Z" },
		{ 253402300799, 7000000, "9999-12-31T23:59:59.007Z" },
		{ -1, 0, "1969-12-31T23:59:59.000Z" },
	};
	struct timespec	ts;
	char		buf[AUDIT_TIME_LEN + 1], *tz, *oldtz = NULL;
	size_t		i;

	if ((tz = getenv("TZ")) != NULL)
		oldtz = xstrdup(tz);
	setenv("TZ", "America/New_York", 1);
	tzset();
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ts.tv_sec = cases[i].sec;
		ts.tv_nsec = cases[i].nsec;
		memset(buf, 'x', sizeof buf);
		text_time(&ts, buf, sizeof buf);
		CU_ASSERT_STRING_EQUAL(buf, cases[i].want);
		CU_ASSERT(is_audit_time(buf));
	}
	if (oldtz != NULL)
		setenv("TZ", oldtz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(oldtz);
}

/*
 * audit_open creates the database mode 0600 whatever the umask, in WAL
 * mode, with the schema at its user_version, whose status check is no IN
 * list (SQLite would build a table for it at each INSERT and UPDATE).
 */
static void
test_audit_open(void)
{
	struct fixture	 fx;
	struct stat	 sb;
	sqlite3		*db;
	mode_t		 old;
	char		*cause = NULL, *s, wal[160];
	int		 rc;

	if (fixture_new(&fx, "test_audit") != 0)
		return;
	old = umask(0);
	rc = audit_open(fx.path, 1, &cause);
	umask(old);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NULL(cause);
	free(cause);
	if (rc != 0)
		goto out;

	CU_ASSERT_EQUAL(stat(fx.path, &sb), 0);
	CU_ASSERT(S_ISREG(sb.st_mode));
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
	snprintf(wal, sizeof wal, "%s-wal", fx.path);
	if (stat(wal, &sb) == 0)
		CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
	snprintf(wal, sizeof wal, "%s-shm", fx.path);
	if (stat(wal, &sb) == 0)
		CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);

	if ((db = db_open(fx.path)) != NULL) {
		s = db_query(db, "PRAGMA user_version");
		CU_ASSERT_PTR_NOT_NULL(s);
		if (s != NULL)
			CU_ASSERT_STRING_EQUAL(s, "10");
		free(s);
		s = db_query(db, "SELECT count(*) FROM sqlite_master WHERE "
		    "name = 'commands' AND instr(sql, 'status IN') = 0");
		CU_ASSERT_PTR_NOT_NULL(s);
		if (s != NULL)
			CU_ASSERT_STRING_EQUAL(s, "1");
		free(s);
		s = db_query(db, "PRAGMA journal_mode");
		CU_ASSERT_PTR_NOT_NULL(s);
		if (s != NULL)
			CU_ASSERT_STRING_EQUAL(s, "wal");
		free(s);
		s = db_query(db, "SELECT count(*) FROM (SELECT id, started_at, "
		    "finished_at, client_addr, client_port, identity, command, "
		    "status, exit_code, signal, duration_ms, output, "
		    "output_bytes, truncated, reason FROM commands)");
		CU_ASSERT_PTR_NOT_NULL(s);
		if (s != NULL)
			CU_ASSERT_STRING_EQUAL(s, "0");
		free(s);
		sqlite3_close(db);
	}
	audit_stop();

	/* Opening it again keeps the schema and the mode. */
	cause = NULL;
	CU_ASSERT_EQUAL(audit_open(fx.path, 1, &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	free(cause);
	audit_stop();
	CU_ASSERT_EQUAL(stat(fx.path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0600);
out:
	fixture_free(&fx);
}

/* A database that cannot be created fails with a cause naming it. */
static void
test_audit_open_fails(void)
{
	struct fixture	 fx;
	FILE		*fp;
	char		 path[192], *cause = NULL;

	if (fixture_new(&fx, "test_audit") != 0)
		return;
	snprintf(path, sizeof path, "%s/no/such/dir/audit.db", fx.dir);
	CU_ASSERT_EQUAL(audit_open(path, 1, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, path));
	free(cause);
	audit_stop();

	/* A file that is not a database. */
	cause = NULL;
	snprintf(path, sizeof path, "%s/junk.db", fx.dir);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs("this is not an SQLite database, not at all; it is only "
		    "text, and there is a lot more of it than a header\n", fp);
		fclose(fp);
	}
	CU_ASSERT_EQUAL(audit_open(path, 1, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, path));
	free(cause);
	audit_stop();
	fixture_free(&fx);
}

/* Without the writer thread, audit_begin and audit_finish fail. */
static void
test_audit_not_running(void)
{
	struct cmd_record	 as;
	struct cmd_record	 ae;
	uint64_t		 id = 0;
	char			*cause = NULL;

	start_fill(&as, "true");
	CU_ASSERT_EQUAL(records_begin(&as, &id, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);

	memset(&ae, 0, sizeof ae);
	ae.status = "exited";
	cause = NULL;
	CU_ASSERT_EQUAL(records_finish(1, &ae, NULL, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);
	CU_ASSERT_EQUAL(records_begin(&as, &id, NULL), -1);
}

/*
 * audit_begin returns increasing ids; its row is committed as running,
 * with finished_at NULL and the client as given.
 */
static void
test_audit_begin(void)
{
	struct fixture		 fx;
	struct cmd_record	 as;
	sqlite3			*db = NULL;
	uint64_t		 id[3];
	char			 before[32], after[32], *cause = NULL, *s;
	int			 i;

	if (fixture_new(&fx, "test_audit") != 0)
		return;
	if (fixture_open(&fx, 1) != 0)
		goto out;
	audit_start();

	now_string(before, sizeof before);
	start_fill(&as, "uname -a");
	for (i = 0; i < 3; i++) {
		cause = NULL;
		id[i] = 0;
		CU_ASSERT_EQUAL(records_begin(&as, &id[i], &cause), 0);
		CU_ASSERT_PTR_NULL(cause);
		free(cause);
		CU_ASSERT(id[i] != 0);
		if (i > 0)
			CU_ASSERT(id[i] > id[i - 1]);
	}
	now_string(after, sizeof after);

	/* Another command from a local socket, with an identity. */
	start_fill(&as, "ls -l 'a b' | wc -l");
	strlcpy(as.peer.client_addr, "unix",
	    sizeof as.peer.client_addr);
	as.peer.client_port = -1;
	as.peer.client_name = NULL;
	as.peer.identity = "uid=1000";
	cause = NULL;
	CU_ASSERT_EQUAL(records_begin(&as, &id[2], &cause), 0);
	free(cause);

	/* The rows are committed: another connection sees them now. */
	if ((db = db_open(fx.path)) == NULL)
		goto stop;
	expect_column(db, id[0], "status", "running");
	expect_column(db, id[0], "finished_at", NULL);
	expect_column(db, id[0], "client_addr", "127.0.0.1");
	expect_column(db, id[0], "client_port", "40000");
	expect_column(db, id[0], "client_name", "test_audit");
	expect_column(db, id[0], "identity", NULL);
	expect_column(db, id[0], "command", "uname -a");
	expect_column(db, id[0], "exit_code", NULL);
	expect_column(db, id[0], "signal", NULL);
	expect_column(db, id[0], "duration_ms", NULL);
	expect_column(db, id[0], "output_bytes", "0");
	expect_column(db, id[0], "truncated", "0");
	expect_column(db, id[0], "reason", NULL);
	s = row_text(db, id[0], "started_at");
	CU_ASSERT(is_audit_time(s));
	if (s != NULL) {
		CU_ASSERT(strcmp(s, before) >= 0);
		CU_ASSERT(strcmp(s, after) <= 0);
	}
	free(s);

	expect_column(db, id[2], "status", "running");
	expect_column(db, id[2], "client_addr", "unix");
	expect_column(db, id[2], "client_port", NULL);
	expect_column(db, id[2], "client_name", NULL);
	expect_column(db, id[2], "identity", "uid=1000");
	expect_column(db, id[2], "command", "ls -l 'a b' | wc -l");
	s = db_query(db, "SELECT count(*) FROM commands WHERE "
	    "status = 'running'");
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s != NULL)
		CU_ASSERT_STRING_EQUAL(s, "4");
	free(s);
	sqlite3_close(db);
stop:
	audit_stop();
out:
	fixture_free(&fx);
}

/* audit_finish sets how the command ended, in every column. */
static void
test_audit_finish(void)
{
	/* What each row holds: the row, an expression, its value. */
	static const struct {
		u_int		 row;
		const char	*expr;
		const char	*want;
	} columns[] = {
		{ 0, "status", "exited" },
		{ 0, "exit_code", "3" },
		{ 0, "signal", NULL },
		{ 0, "duration_ms", "1234" },
		{ 0, "output", "hello\nworld\n" },
		{ 0, "typeof(output)", "text" },
		{ 0, "length(output)", "12" },
		{ 0, "output_bytes", "12" },
		{ 0, "truncated", "0" },
		{ 0, "reason", NULL },
		{ 0, "command", "printf 'hello\\nworld\\n'; exit 3" },
		{ 1, "status", "timeout" },
		{ 1, "exit_code", NULL },
		{ 1, "signal", "9" },
		{ 1, "duration_ms", "10000" },
		{ 1, "output", "partial" },
		{ 1, "reason", "timed out after 10000 ms" },
		{ 2, "status", "signaled" },
		{ 2, "signal", "15" },
		{ 2, "exit_code", NULL },
		{ 2, "duration_ms", "0" },
		{ 2, "output", "" },
		{ 2, "output_bytes", "0" },
		{ 2, "truncated", "0" },
		{ 3, "status", "disconnected" },
		{ 3, "exit_code", "0" },
		{ 3, "duration_ms", "4294967296" },
		{ 3, "output", "yyyy" },
		{ 3, "length(output)", "4" },
		{ 3, "output_bytes", "10737418240" },
		{ 3, "truncated", "1" },
		{ 3, "reason", "the client disconnected" },
	};
	struct fixture		 fx;
	struct cmd_record	 as;
	struct cmd_record	 ae;
	sqlite3			*db = NULL;
	uint64_t		 id[4];
	char			 before[32], after[32], *cause = NULL, *s;
	char			*started;
	int			 i;

	if (fixture_new(&fx, "test_audit") != 0)
		return;
	if (fixture_open(&fx, 1) != 0)
		goto out;
	audit_start();
	start_fill(&as, "printf 'hello\\nworld\\n'; exit 3");
	for (i = 0; i < 4; i++) {
		id[i] = 0;
		CU_ASSERT_EQUAL(records_begin(&as, &id[i], NULL), 0);
	}

	/* Exited with a code and output, no reason. */
	now_string(before, sizeof before);
	memset(&ae, 0, sizeof ae);
	ae.status = "exited";
	ae.has_exit_code = 1;
	ae.exit_code = 3;
	ae.duration_ms = 1234;
	ae.output = "hello\nworld\n";
	ae.output_len = 12;
	ae.output_bytes = 12;
	cause = NULL;
	CU_ASSERT_EQUAL(records_finish(id[0], &ae, NULL, &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	free(cause);
	now_string(after, sizeof after);

	/* Timed out and killed by a signal, with a reason. */
	memset(&ae, 0, sizeof ae);
	ae.status = "timeout";
	ae.has_signal = 1;
	ae.signal = 9;
	ae.duration_ms = 10000;
	ae.output = "partial";
	ae.output_len = 7;
	ae.output_bytes = 7;
	ae.reason = "timed out after 10000 ms";
	CU_ASSERT_EQUAL(records_finish(id[1], &ae, NULL, NULL), 0);

	/* No output at all. */
	memset(&ae, 0, sizeof ae);
	ae.status = "signaled";
	ae.has_signal = 1;
	ae.signal = 15;
	CU_ASSERT_EQUAL(records_finish(id[2], &ae, NULL, NULL), 0);

	/* Output over the cap: the first bytes, the whole count. */
	memset(&ae, 0, sizeof ae);
	ae.status = "disconnected";
	ae.has_exit_code = 1;
	ae.exit_code = 0;
	ae.duration_ms = UINT32_MAX + 1ULL;
	ae.output = "yyyy";
	ae.output_len = 4;
	ae.output_bytes = 10ULL * 1024 * 1024 * 1024;
	ae.truncated = 1;
	ae.reason = "the client disconnected";
	CU_ASSERT_EQUAL(records_finish(id[3], &ae, NULL, NULL), 0);

	if ((db = db_open(fx.path)) == NULL)
		goto stop;
	for (i = 0; i < (int)(sizeof columns / sizeof columns[0]); i++)
		expect_column(db, id[columns[i].row], columns[i].expr,
		    columns[i].want);
	s = row_text(db, id[0], "finished_at");
	started = row_text(db, id[0], "started_at");
	CU_ASSERT(is_audit_time(s));
	if (s != NULL && started != NULL) {
		CU_ASSERT(strcmp(s, before) >= 0);
		CU_ASSERT(strcmp(s, after) <= 0);
		CU_ASSERT(strcmp(s, started) >= 0);
	}
	free(started);
	free(s);

	s = row_text(db, id[1], "finished_at");
	CU_ASSERT(is_audit_time(s));
	free(s);
	sqlite3_close(db);
stop:
	audit_stop();
out:
	fixture_free(&fx);
}

/*
 * Output that is not UTF-8 is recorded, and stays readable around the
 * bytes that are not.
 */
static void
test_audit_finish_not_utf8(void)
{
	static const char	 out[] = "abc\xff\xfe\x80" "def\xc3\xa9";

	expect_output_read("cat /bin/sh", out, sizeof out - 1, "abc",
	    "def\xc3\xa9", 8);
}

/*
 * A NUL in the middle of the output must not hide what follows it from
 * someone reading the audit log as text: length(output) and the text the
 * sqlite3 shell prints both go past it.
 */
static void
test_audit_finish_nul(void)
{
	static const char	 out[] = "before\0after";

	expect_output_read("printf 'before\\0after'", out, sizeof out - 1,
	    "before", "after", 11);
}

/* audit_finish on an id that has no row fails with a cause. */
static void
test_audit_finish_missing(void)
{
	struct fixture		 fx;
	struct cmd_record	 as;
	struct cmd_record	 ae;
	sqlite3			*db = NULL;
	uint64_t		 id = 0;
	char			*cause = NULL, *s;

	if (fixture_new(&fx, "test_audit") != 0)
		return;
	if (fixture_open(&fx, 1) != 0)
		goto out;
	audit_start();

	memset(&ae, 0, sizeof ae);
	ae.status = "exited";
	ae.has_exit_code = 1;
	cause = NULL;
	CU_ASSERT_EQUAL(records_finish(4242, &ae, NULL, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, "4242"));
	free(cause);
	CU_ASSERT_EQUAL(records_finish(4243, &ae, NULL, NULL), -1);

	/* The writer goes on: a real record still commits. */
	start_fill(&as, "true");
	CU_ASSERT_EQUAL(records_begin(&as, &id, NULL), 0);
	cause = NULL;
	CU_ASSERT_EQUAL(records_finish(id, &ae, NULL, &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	free(cause);

	/* A status the schema does not allow is refused too. */
	ae.status = "bogus";
	cause = NULL;
	CU_ASSERT_EQUAL(records_finish(id, &ae, NULL, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);

	if ((db = db_open(fx.path)) != NULL) {
		s = db_query(db, "SELECT count(*) FROM commands");
		CU_ASSERT_PTR_NOT_NULL(s);
		if (s != NULL)
			CU_ASSERT_STRING_EQUAL(s, "1");
		free(s);
		expect_column(db, id, "status", "exited");
		sqlite3_close(db);
	}
	audit_stop();
out:
	fixture_free(&fx);
}

/* 8 threads of 50 records each all commit, each with its own id. */
static void
test_audit_concurrent(void)
{
	struct fixture	 fx;
	struct worker	*w;
	sqlite3		*db = NULL;
	uint64_t	*all;
	char		*s, want[64];
	u_int		 t, i, n, ok;

	if (fixture_new(&fx, "test_audit") != 0)
		return;
	if (fixture_open(&fx, 1) != 0) {
		fixture_free(&fx);
		return;
	}
	audit_start();

	w = xcalloc(CONCURRENT_THREADS, sizeof *w);
	for (t = 0; t < CONCURRENT_THREADS; t++) {
		w[t].index = t;
		w[t].records = CONCURRENT_RECORDS;
		if (pthread_create(&w[t].thread, NULL, test_writer_main,
		    &w[t]) != 0)
			CU_FAIL_FATAL("pthread_create failed");
	}
	for (t = 0; t < CONCURRENT_THREADS; t++)
		pthread_join(w[t].thread, NULL);

	all = xcalloc(CONCURRENT_THREADS * CONCURRENT_RECORDS, sizeof *all);
	n = ok = 0;
	for (t = 0; t < CONCURRENT_THREADS; t++)
		for (i = 0; i < CONCURRENT_RECORDS; i++) {
			if (w[t].rc_begin[i] == 0 && w[t].rc_finish[i] == 0)
				ok++;
			else if (w[t].cause[i] != NULL)
				fprintf(stderr, "\n    thread %u record %u: %s",
				    t, i, w[t].cause[i]);
			all[n++] = w[t].ids[i];
		}
	CU_ASSERT_EQUAL(ok, CONCURRENT_THREADS * CONCURRENT_RECORDS);
	qsort(all, n, sizeof *all, id_compare);
	for (i = 1; i < n; i++)
		CU_ASSERT(all[i] != all[i - 1]);

	if ((db = db_open(fx.path)) != NULL) {
		s = db_query(db, "SELECT count(*) FROM commands WHERE "
		    "status = 'exited' AND finished_at IS NOT NULL");
		snprintf(want, sizeof want, "%u",
		    CONCURRENT_THREADS * CONCURRENT_RECORDS);
		CU_ASSERT_PTR_NOT_NULL(s);
		if (s != NULL)
			CU_ASSERT_STRING_EQUAL(s, want);
		free(s);
		s = db_query(db, "SELECT count(*) FROM commands");
		if (s != NULL)
			CU_ASSERT_STRING_EQUAL(s, want);
		free(s);

		/* Each id holds its own thread's command and result. */
		for (t = 0; t < CONCURRENT_THREADS; t++)
			for (i = 0; i < CONCURRENT_RECORDS; i++) {
				snprintf(want, sizeof want,
				    "thread %u record %u|%u|%u", t, i,
				    t * 100 + i, t);
				s = row_text(db, w[t].ids[i], "command || '|' "
				    "|| exit_code || '|' || client_port");
				CU_ASSERT(s != NULL && strcmp(s, want) == 0);
				free(s);
			}
		sqlite3_close(db);
	}
	audit_stop();

	for (t = 0; t < CONCURRENT_THREADS; t++)
		for (i = 0; i < CONCURRENT_RECORDS; i++)
			free(w[t].cause[i]);
	free(all);
	free(w);
	fixture_free(&fx);
}

/*
 * Requests for missing rows, sent alongside good ones from other threads,
 * fail alone: every good record still commits.
 */
static void
test_audit_bad_record_alone(void)
{
	struct fixture	 fx;
	struct worker	*w;
	sqlite3		*db = NULL;
	char		*s, want[32];
	u_int		 t, i, good, bad, nthreads;

	if (fixture_new(&fx, "test_audit") != 0)
		return;
	if (fixture_open(&fx, 1) != 0) {
		fixture_free(&fx);
		return;
	}
	audit_start();

	nthreads = MIXED_GOOD_THREADS + MIXED_BAD_THREADS;
	w = xcalloc(nthreads, sizeof *w);
	for (t = 0; t < nthreads; t++) {
		w[t].index = t;
		w[t].records = MIXED_RECORDS;
		w[t].bad = t >= MIXED_GOOD_THREADS;
		if (pthread_create(&w[t].thread, NULL, test_writer_main,
		    &w[t]) != 0)
			CU_FAIL_FATAL("pthread_create failed");
	}
	for (t = 0; t < nthreads; t++)
		pthread_join(w[t].thread, NULL);

	good = bad = 0;
	for (t = 0; t < nthreads; t++)
		for (i = 0; i < MIXED_RECORDS; i++) {
			if (!w[t].bad && w[t].rc_begin[i] == 0 &&
			    w[t].rc_finish[i] == 0 && w[t].cause[i] == NULL)
				good++;
			if (w[t].bad && w[t].rc_finish[i] == -1 &&
			    w[t].cause[i] != NULL &&
			    strstr(w[t].cause[i], "missing") != NULL)
				bad++;
		}
	CU_ASSERT_EQUAL(good, MIXED_GOOD_THREADS * MIXED_RECORDS);
	CU_ASSERT_EQUAL(bad, MIXED_BAD_THREADS * MIXED_RECORDS);

	if ((db = db_open(fx.path)) != NULL) {
		s = db_query(db, "SELECT count(*) FROM commands WHERE "
		    "status = 'exited'");
		snprintf(want, sizeof want, "%u",
		    MIXED_GOOD_THREADS * MIXED_RECORDS);
		CU_ASSERT_PTR_NOT_NULL(s);
		if (s != NULL)
			CU_ASSERT_STRING_EQUAL(s, want);
		free(s);
		sqlite3_close(db);
	}
	audit_stop();

	for (t = 0; t < nthreads; t++)
		for (i = 0; i < MIXED_RECORDS; i++)
			free(w[t].cause[i]);
	free(w);
	fixture_free(&fx);
}

/*
 * Rows left running by a daemon that stopped are marked interrupted, with
 * a reason and finished_at, when the database is opened again.
 */
static void
test_audit_interrupted(void)
{
	struct fixture		 fx;
	struct cmd_record	 as;
	struct cmd_record	 ae;
	sqlite3			*db = NULL;
	uint64_t		 running = 0, done = 0;
	char			 before[32], after[32], *cause = NULL, *s;
	char			*finished = NULL;
	int			 rc;

	if (fixture_new(&fx, "test_audit") != 0)
		return;
	if (fixture_open(&fx, 1) != 0)
		goto out;
	audit_start();
	start_fill(&as, "sleep 1000");
	CU_ASSERT_EQUAL(records_begin(&as, &running, NULL), 0);
	start_fill(&as, "true");
	CU_ASSERT_EQUAL(records_begin(&as, &done, NULL), 0);
	memset(&ae, 0, sizeof ae);
	ae.status = "exited";
	ae.has_exit_code = 1;
	CU_ASSERT_EQUAL(records_finish(done, &ae, NULL, NULL), 0);
	audit_stop();

	if ((db = db_open(fx.path)) == NULL)
		goto out;
	expect_column(db, running, "status", "running");
	finished = row_text(db, done, "finished_at");
	CU_ASSERT(is_audit_time(finished));

	now_string(before, sizeof before);
	cause = NULL;
	rc = audit_open(fx.path, 1, &cause);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NULL(cause);
	free(cause);
	now_string(after, sizeof after);
	if (rc != 0)
		goto close;

	expect_column(db, running, "status", "interrupted");
	s = row_text(db, running, "reason");
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s != NULL)
		CU_ASSERT(strlen(s) > 10);
	free(s);
	s = row_text(db, running, "finished_at");
	CU_ASSERT(is_audit_time(s));
	if (s != NULL) {
		CU_ASSERT(strcmp(s, before) >= 0);
		CU_ASSERT(strcmp(s, after) <= 0);
	}
	free(s);

	/* The finished row is left as it was. */
	expect_column(db, done, "status", "exited");
	expect_column(db, done, "reason", NULL);
	expect_column(db, done, "finished_at", finished);
	audit_stop();
close:
	sqlite3_close(db);
out:
	free(finished);
	fixture_free(&fx);
}

/* A database with a newer schema (user_version 99) is refused. */
static void
test_audit_newer_schema(void)
{
	struct fixture	 fx;
	sqlite3		*db = NULL;
	char		*cause = NULL, *s;

	if (fixture_new(&fx, "test_audit") != 0)
		return;
	if (sqlite3_open_v2(fx.path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE future (x); "
	    "PRAGMA user_version = 99", NULL, NULL, NULL) != SQLITE_OK) {
		CU_FAIL("cannot create the database");
		sqlite3_close(db);
		fixture_free(&fx);
		return;
	}
	sqlite3_close(db);

	CU_ASSERT_EQUAL(audit_open(fx.path, 1, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL) {
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, "99"));
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, fx.path));
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, "there is no downgrade"));
	}
	free(cause);
	audit_stop();

	/* The database is left alone. */
	if ((db = db_open(fx.path)) != NULL) {
		s = db_query(db, "PRAGMA user_version");
		CU_ASSERT(s != NULL && strcmp(s, "99") == 0);
		free(s);
		s = db_query(db, "SELECT count(*) FROM sqlite_master WHERE "
		    "name = 'commands'");
		CU_ASSERT(s != NULL && strcmp(s, "0") == 0);
		free(s);
		sqlite3_close(db);
	}
	fixture_free(&fx);
}

/*
 * text_safe keeps UTF-8, tab, newline and carriage return, and turns NUL,
 * escape sequences, C1 controls and invalid bytes into U+FFFD.
 */
static void
test_text_safe(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} cases[] = {
		{ "", 0, "" },
		{ "plain\ttext\r\n", 12, "plain\ttext\r\n" },
		{ "caf\xc3\xa9 \xe2\x82\xac", 9, "caf\xc3\xa9 \xe2\x82\xac" },
		{ "a\0b", 3, "a\xef\xbf\xbd" "b" },
		{ "\x1b[31mred", 8, "\xef\xbf\xbd[31mred" },
		{ "\xc2\x9b" "1m", 4, "\xef\xbf\xbd" "1m" },
		{ "\xff\xfe", 2, "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80", 3,
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "cut \xe2\x82", 6, "cut \xef\xbf\xbd\xef\xbf\xbd" },
		{ "\x7f", 1, "\xef\xbf\xbd" },
	};
	size_t	 i, len;
	char	*out;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		out = text_safe(cases[i].in, cases[i].len, &len);
		CU_ASSERT_EQUAL(len, strlen(cases[i].out));
		CU_ASSERT(memcmp(out, cases[i].out, strlen(cases[i].out)) ==
		    0);
		CU_ASSERT_EQUAL(out[len], '\0');
		free(out);
	}
}

/* Run the suite; exit non-zero if any test failed. */
int
main(void)
{
	log_init("test_audit", 1, 0);
	return (unit_run("test_audit", "audit", audit_tests));
}
