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
#include <sys/wait.h>

#include <CUnit/Basic.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "db.h"
#include "fixture.h"
#include "log.h"
#include "rcmdd.h"
#include "records.h"
#include "xmalloc.h"
#include "unit.h"

/*
 * Unit tests of a terminal's recording: the asciicast encoder (cast.c),
 * the recorder of the privileged part (recording.c) through the audit
 * writer into the chain, and the reading back (recording_db.c) and
 * verification (chain_verify.c) of what was written, changed or not.
 */

static char	*encode(const char *, size_t, int, u_char *, size_t *);
static void	 test_cast_ascii(void);
static void	 test_cast_utf8(void);
static void	 test_cast_header(void);
static void	 test_chunk_hash(void);
static int	 session(struct fixture *, size_t, uint64_t *);
static char	*export(const char *, uint64_t, int *, char **);
static void	 pyverify(const char *, int);
static void	 test_recording_export(void);
static void	 test_recording_tamper(void);
static void	 test_recording_cap(void);
static void	 test_recording_refuse(void);
static void	 test_recording_prune(void);
static void	 test_recording_held(void);

static CU_TestInfo recording_tests[] = {
	{ "cast: ASCII, escapes and control characters", test_cast_ascii },
	{ "cast: UTF-8 cut across events, and bytes that are not UTF-8",
	    test_cast_utf8 },
	{ "cast: the header", test_cast_header },
	{ "a chunk hashes as rcmdd(8)'s worked example", test_chunk_hash },
	{ "chunks are chained and export as asciicast",
	    test_recording_export },
	{ "an edited, deleted or swapped chunk fails verify and export",
	    test_recording_tamper },
	{ "SessionRecordMax truncates, and the last chunk says so",
	    test_recording_cap },
	{ "export refuses a missing id and a row without a terminal",
	    test_recording_refuse },
	{ "pruning a row removes its recording; the rest verifies",
	    test_recording_prune },
	{ "a chunk held for room, then the cap: the last says truncated",
	    test_recording_held },
	CU_TEST_INFO_NULL
};

/* Encode one output event at 1.5 s and return it, NUL-terminated. */
static char *
encode(const char *data, size_t len, int final, u_char *pend, size_t *npend)
{
	struct cast_out	o;
	char		*s;

	memset(&o, 0, sizeof o);
	cast_event(&o, 1500000, 'o', data, len, final, pend, npend);
	s = xmalloc(o.len + 1);
	memcpy(s, o.buf, o.len);
	s[o.len] = '\0';
	cast_out_free(&o);
	return (s);
}

static void
test_cast_ascii(void)
{
	u_char	pend[4];
	size_t	npend = 0;
	char	*s;

	s = encode("a \"b\"\\c\r\n\t\x1b[1m\x7f", 15, 0, pend, &npend);
	CU_ASSERT_STRING_EQUAL(s, "[1.500000, \"o\", \"a \\\"b\\\"\\\\c\\r\\n"
	    "\\t\\u001b[1m\\u007f\"]\n");
	CU_ASSERT_EQUAL(npend, 0);
	free(s);
	s = encode("", 0, 0, pend, &npend);
	CU_ASSERT_STRING_EQUAL(s, "[1.500000, \"o\", \"\"]\n");
	free(s);
}

static void
test_cast_utf8(void)
{
	u_char	pend[4];
	size_t	npend = 0;
	char	*s;

	/* "é€" cut inside the euro sign: held back, then joined. */
	s = encode("\xc3\xa9\xe2\x82", 4, 0, pend, &npend);
	CU_ASSERT_STRING_EQUAL(s, "[1.500000, \"o\", \"\xc3\xa9\"]\n");
	CU_ASSERT_EQUAL(npend, 2);
	free(s);
	s = encode("\xac!", 2, 0, pend, &npend);
	CU_ASSERT_STRING_EQUAL(s, "[1.500000, \"o\", \"\xe2\x82\xac!\"]\n");
	CU_ASSERT_EQUAL(npend, 0);
	free(s);
	/* Not UTF-8: one U+FFFD per maximal invalid prefix, as Python's. */
	s = encode("a\xff\xe2\x82z\xc0\xaf", 7, 0, pend, &npend);
	CU_ASSERT_STRING_EQUAL(s, "[1.500000, \"o\", \"a\xef\xbf\xbd"
	    "\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd\"]\n");
	free(s);
	/* A surrogate encoded in UTF-8 is not a character. */
	s = encode("\xed\xa0\x80", 3, 0, pend, &npend);
	CU_ASSERT_STRING_EQUAL(s, "[1.500000, \"o\", \"\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\"]\n");
	free(s);
	/* Cut at the very end: U+FFFD when final. */
	s = encode("\xf0\x9f\x98", 3, 1, pend, &npend);
	CU_ASSERT_STRING_EQUAL(s, "[1.500000, \"o\", \"\xef\xbf\xbd\"]\n");
	CU_ASSERT_EQUAL(npend, 0);
	free(s);
}

static void
test_cast_header(void)
{
	struct cast_out	o;

	memset(&o, 0, sizeof o);
	cast_header(&o, 80, 24, 1764900000, "xterm-256color");
	cast_event(&o, 0, 'r', "100x30", 6, 1, NULL, &(size_t){ 0 });
	cast_out_free(&o);
	memset(&o, 0, sizeof o);
	cast_header(&o, 80, 24, 1764900000, "xterm-256color");
	o.buf = xreallocarray(o.buf, 1, o.len + 1);
	o.buf[o.len] = '\0';
	CU_ASSERT_STRING_EQUAL(o.buf, "{\"version\": 2, \"width\": 80, "
	    "\"height\": 24, \"timestamp\": 1764900000, \"env\": {\"TERM\": "
	    "\"xterm-256color\"}}\n");
	cast_out_free(&o);
}

/* The example of rcmdd(8), "Tamper evidence". */
static void
test_chunk_hash(void)
{
	static const char	 data[] = "[0.004512, \"o\", \"hi\\r\\n\"]\n";
	char			 hash[CHAIN_HASH_LEN + 1];

	CU_ASSERT_EQUAL(chain_chunk_hash("0ab17f014046b8205b99ace6d2f091efe64b3"
	    "ef1b829f8661625db354b1382b7", 2, 1, 1, 0, data, strlen(data), 0,
	    hash), 0);
	CU_ASSERT_STRING_EQUAL(hash, "861669c79140413eb116d3848c3037b88a73448d2"
	    "edcebccbe0c3564239fd770");
}

/*
 * Record a session of three chunks on a terminal through the recorder and
 * the writer, capped at max bytes: "hello", a resize, then 300 KiB of 'x'
 * (past a chunk's size), then "bye". Its id goes to id.
 */
static int
session(struct fixture *fx, size_t max, uint64_t *id)
{
	struct cmd_record	 as, ae;
	struct recording	*r;
	char			*big;
	int			 rc = -1;

	if (fixture_new(fx, "test_recording") != 0)
		return (-1);
	if (fixture_open(fx, 1) != 0)
		return (-1);
	audit_start();
	records_fill(&as, "bash");
	as.terminal = "xterm 24x80";
	if (records_begin(&as, id, NULL) != 0)
		goto out;
	r = recording_new(*id, 1, max, 1, NULL, NULL);
	recording_output(r, "hello\r\n", 7);
	recording_resize(r, 30, 100);
	recording_input(r, "secret", 6, 0);
	recording_input(r, "ls\r", 3, 1);
	big = xmalloc(300 * 1024);
	memset(big, 'x', 300 * 1024);
	recording_output(r, big, 300 * 1024);
	free(big);
	recording_output(r, "bye\r\n", 5);
	recording_end(r);
	recording_free(r);
	records_exited(&ae, 0, "hello\r\n");
	rc = records_finish(*id, &ae, NULL, NULL);
out:
	audit_stop();
	return (rc);
}

/* Export row id of the database at path; NULL with cause on failure. */
static char *
export(const char *path, uint64_t id, int *truncated, char **cause)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;
	int	 rc;

	(void)truncated;
	if ((fp = open_memstream(&buf, &len)) == NULL)
		return (NULL);
	rc = recording_export(path, id, fp, cause);
	fclose(fp);
	if (rc != 0) {
		free(buf);
		return (NULL);
	}
	return (buf);
}

static void
test_recording_export(void)
{
	struct fixture		 fx;
	struct chain_head	 head;
	uint64_t		 id = 0, n;
	char			*cause = NULL, *s;
	size_t			 len;
	FILE			*fp;

	if (session(&fx, 64 * 1024 * 1024, &id) != 0) {
		CU_FAIL("session");
		goto out;
	}
	db_expect_text(fx.path, "SELECT count(*) || ' ' || min(chunk) || ' ' "
	    "|| max(chunk) || ' ' || sum(truncated) FROM recording", "3 0 2 0");
	/* In the chain between the row's start and its end. */
	db_expect_text(fx.path, "SELECT count(*) FROM recording r, commands c "
	    "WHERE r.command_id = c.id AND r.seq > c.seq AND r.seq < c.end_seq "
	    "AND r.start_seq = c.seq", "3");
	CU_ASSERT_EQUAL(chain_verify(fx.path, NULL, &n, &head, &cause), 0);
	if (cause != NULL)
		fprintf(stderr, "\n    %s", cause);
	free(cause);
	cause = NULL;
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(head.seq, 5);
	pyverify(fx.path, 0);
	s = export(fx.path, id, NULL, &cause);
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s != NULL) {
		CU_ASSERT(strncmp(s, "{\"version\": 2, \"width\": 80, "
		    "\"height\": 24, \"timestamp\": ", 55) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"o\", \"hello\\r\\n\"]\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"r\", \"100x30\"]\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"i\", \"ls\\r\"]\n"));
		CU_ASSERT_PTR_NULL(strstr(s, "secret"));
		CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"o\", \"bye\\r\\n\"]\n"));
	}
	free(s);
	free(cause);
	cause = NULL;
	/* --export-audit carries the recording's size and last hash. */
	if ((fp = open_memstream(&s, &len)) == NULL)
		goto out;
	CU_ASSERT_EQUAL(export_audit(fx.path, NULL, fp, &cause), 0);
	fclose(fp);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"terminal\":\"xterm 24x80\","
	    "\"recording_chunks\":3,\"recording_bytes\":"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"recording_truncated\":0,"
	    "\"recording_hash\":\""));
	free(s);
	free(cause);
out:
	fixture_free(&fx);
}

/*
 * Check the database at path with the independent verifier,
 * tests/regress/chainverify.py, when make check gives top_srcdir: exit
 * status want.
 */
static void
pyverify(const char *path, int want)
{
	const char	*top;
	char		*cmd;
	int		 rc;

	if ((top = getenv("top_srcdir")) == NULL)
		return;
	xasprintf(&cmd, "python3 '%s/tests/regress/chainverify.py' '%s' "
	    ">/dev/null", top, path);
	rc = system(cmd);
	free(cmd);
	if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != want)
		fprintf(stderr, "\n    chainverify.py: status %d, not %d",
		    WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, want);
	CU_ASSERT(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == want);
}

/* Whether the database at path verifies, and row id exports. */
static void
expect_broken(const char *path, uint64_t id, const char *why)
{
	struct chain_head	 head;
	uint64_t		 n;
	char			*cause = NULL, *s;

	CU_ASSERT_EQUAL(chain_verify(path, NULL, &n, &head, &cause), -1);
	pyverify(path, 1);
	if (cause == NULL || strstr(cause, why) == NULL)
		fprintf(stderr, "\n    verify: %s", cause == NULL ? "passed" :
		    cause);
	CU_ASSERT(cause != NULL && strstr(cause, why) != NULL);
	free(cause);
	cause = NULL;
	s = export(path, id, NULL, &cause);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT(cause != NULL && strstr(cause, "chunk") != NULL);
	free(s);
	free(cause);
}

static void
test_recording_tamper(void)
{
	static const struct {
		const char	*sql;
		const char	*want;
	} t[] = {
		{ "UPDATE recording SET data = replace(data, 'hello', 'HELLO') "
		    "WHERE chunk = 0", "chunk 0 of its recording (seq 2) does "
		    "not match its hash" },
		{ "DELETE FROM recording WHERE chunk = 0", "seq 2 missing" },
		/* Reordered: the chunks' numbers swapped, or their places. */
		{ "UPDATE recording SET chunk = -1 - chunk WHERE chunk < 2; "
		    "UPDATE recording SET chunk = chunk + 2 WHERE chunk < 0",
		    "does not match its hash" },
		{ "UPDATE recording SET seq = -seq WHERE seq < 4; "
		    "UPDATE recording SET seq = seq + 5 WHERE seq < 0",
		    "does not match its hash" },
		{ "CREATE TEMP TABLE t AS SELECT chunk, data FROM recording; "
		    "UPDATE recording SET data = (SELECT data FROM t WHERE "
		    "t.chunk = 1 - recording.chunk) WHERE chunk < 2",
		    "does not match its hash" },
	};
	struct fixture	 fx;
	uint64_t	 id = 0;
	size_t		 i;
	char		 copy[640];

	if (session(&fx, 64 * 1024 * 1024, &id) != 0) {
		CU_FAIL("session");
		goto out;
	}
	snprintf(copy, sizeof copy, "cp %s %s.orig", fx.path, fx.path);
	CU_ASSERT_EQUAL(system(copy), 0);
	/* Each change on a copy of the untouched database. */
	snprintf(copy, sizeof copy, "cp %s.orig %s && rm -f %s-wal %s-shm",
	    fx.path, fx.path, fx.path, fx.path);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		CU_ASSERT_EQUAL(system(copy), 0);
		db_exec(fx.path, t[i].sql);
		expect_broken(fx.path, id, t[i].want);
	}
out:
	fixture_free(&fx);
}

static void
test_recording_cap(void)
{
	struct fixture		 fx;
	struct chain_head	 head;
	uint64_t		 id = 0, n;
	char			*cause = NULL, *s;

	/* 7 bytes of hello, 6 of the resize, 3 of ls, 4 'x' and no more. */
	if (session(&fx, 20, &id) != 0) {
		CU_FAIL("session");
		goto out;
	}
	db_expect_text(fx.path, "SELECT count(*) || ' ' || sum(truncated) || "
	    "' ' || (SELECT truncated FROM recording ORDER BY chunk DESC "
	    "LIMIT 1) FROM recording", "1 1 1");
	CU_ASSERT_EQUAL(chain_verify(fx.path, NULL, &n, &head, &cause), 0);
	free(cause);
	cause = NULL;
	pyverify(fx.path, 0);
	s = export(fx.path, id, NULL, &cause);
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s != NULL) {
		CU_ASSERT_PTR_NOT_NULL(strstr(s, "\"o\", \"xxxx\"]\n"));
		CU_ASSERT_PTR_NULL(strstr(s, "xxxxx"));
		CU_ASSERT_PTR_NULL(strstr(s, "bye"));
	}
	free(s);
	free(cause);
out:
	fixture_free(&fx);
}

static void
test_recording_refuse(void)
{
	struct fixture		 fx;
	struct cmd_record	 as, ae;
	uint64_t		 id = 0, other = 0;
	char			*cause = NULL, *s;

	if (session(&fx, 1024, &id) != 0) {
		CU_FAIL("session");
		goto out;
	}
	if (fixture_open(&fx, 1) != 0)
		goto out;
	audit_start();
	records_fill(&as, "true");
	CU_ASSERT_EQUAL(records_begin(&as, &other, NULL), 0);
	records_exited(&ae, 0, "");
	CU_ASSERT_EQUAL(records_finish(other, &ae, NULL, NULL), 0);
	audit_stop();
	s = export(fx.path, other, NULL, &cause);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT(cause != NULL && strstr(cause, "did not run on a terminal") !=
	    NULL);
	free(cause);
	cause = NULL;
	s = export(fx.path, 99, NULL, &cause);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT(cause != NULL && strstr(cause, "no command with id 99") !=
	    NULL);
	free(cause);
out:
	fixture_free(&fx);
}

static void
test_recording_prune(void)
{
	struct fixture		 fx;
	struct chain_head	 head;
	struct cmd_record	 as, ae;
	uint64_t		 id = 0, other = 0, n;
	char			*cause = NULL;

	if (session(&fx, 64 * 1024 * 1024, &id) != 0) {
		CU_FAIL("session");
		goto out;
	}
	if (fixture_open(&fx, 1) != 0)
		goto out;
	audit_start();
	records_fill(&as, "true");
	CU_ASSERT_EQUAL(records_begin(&as, &other, NULL), 0);
	records_exited(&ae, 0, "");
	CU_ASSERT_EQUAL(records_finish(other, &ae, NULL, NULL), 0);
	/* Keep one row: the session goes, with its recording. */
	audit_set_retention(0, 1);
	usleep(300000);
	audit_stop();
	db_expect_text(fx.path, "SELECT count(*) FROM commands", "1");
	db_expect_text(fx.path, "SELECT count(*) FROM recording", "0");
	CU_ASSERT_EQUAL(chain_verify(fx.path, NULL, &n, &head, &cause), 0);
	pyverify(fx.path, 0);
	if (cause != NULL)
		fprintf(stderr, "\n    %s", cause);
	free(cause);
out:
	fixture_free(&fx);
}

static void
test_recording_held(void)
{
	struct fixture		 fx;
	struct chain_head	 head;
	struct cmd_record	 as, ae;
	struct recording	*r;
	uint64_t		 id = 0, n;
	char			*big, *cause = NULL;

	if (fixture_new(&fx, "test_recording") != 0)
		return;
	if (fixture_open(&fx, 1) != 0)
		goto out;
	/*
	 * The writer not started yet: the first chunk cannot go, and is
	 * held; the cap is reached meanwhile. Row 1, the first, will be
	 * the session's.
	 */
	big = xmalloc(150 * 1024);
	memset(big, 'x', 150 * 1024);
	r = recording_new(1, 1, 200 * 1024, 0, NULL, NULL);
	recording_output(r, big, 150 * 1024);
	CU_ASSERT(recording_blocked(r));
	recording_output(r, big, 100 * 1024);
	free(big);
	audit_start();
	records_fill(&as, "bash");
	as.terminal = "xterm 24x80";
	CU_ASSERT_EQUAL(records_begin(&as, &id, NULL), 0);
	CU_ASSERT_EQUAL(id, 1);
	recording_end(r);
	recording_free(r);
	records_exited(&ae, 0, "");
	CU_ASSERT_EQUAL(records_finish(id, &ae, NULL, NULL), 0);
	audit_stop();
	db_expect_text(fx.path, "SELECT group_concat(chunk || ':' || truncated, "
	    "' ') FROM (SELECT * FROM recording ORDER BY chunk)", "0:0 1:1");
	db_expect_text(fx.path, "SELECT sum(length(data)) > 200 * 1024 FROM "
	    "recording", "1");
	CU_ASSERT_EQUAL(chain_verify(fx.path, NULL, &n, &head, &cause), 0);
	if (cause != NULL)
		fprintf(stderr, "\n    %s", cause);
	free(cause);
	pyverify(fx.path, 0);
out:
	fixture_free(&fx);
}

/* Run the suite; exit non-zero if any test failed. */
int
main(void)
{
	log_init("test_recording", 1, 0);
	privsep_base = event_base_new();
	return (unit_run("test_recording", "recording", recording_tests));
}
