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
#include <dirent.h>
#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rcmdd.h"
#include "db.h"
#include "fixture.h"
#include "records.h"
#include "xmalloc.h"
#include "unit.h"

/*
 * Unit tests of the audit hash chain in daemon/chain.c, with the writer of
 * daemon/audit.c that chains and prunes it. Each test builds its database
 * through audit_open, audit_begin and audit_finish in a directory of its
 * own, changes it through a second SQLite connection as someone covering
 * their tracks would, and checks what chain_verify says. The encoding is
 * checked against hashes computed apart from chain.c. Row i of a chain
 * the writer built has its start at seq 2i - 1 and its end at seq 2i.
 */

#define CHAIN_ROWS		5
#define PRUNE_ROWS		12
#define PRUNE_KEEP		5
#define BATCH_ROWS		1200
#define BATCH_KEEP		100
#define PRUNE_BATCH		500
#define WAIT_MS			20000
#define HEAD_LEN		(20 + 1 + CHAIN_HASH_LEN + 1)

#define ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"

/*
 * Two rows and their hashes under chain version 1, worked out with
 * Python's hashlib from the encoding rcmdd(8) documents, apart from any
 * code of rcmdd's: the strings are exactly the bytes hashed.
 */
#define KAT_BYTES_1 \
	"rcmdd-chain-1\n" ZERO_HASH "\n" \
	"1:1,1:1,24:2026-01-02T03:04:05.678Z,24:2026-01-02T03:04:06.789Z," \
	"9:127.0.0.1,5:40000,5:alice,-,11:echo h\xc3\xa9llo,6:exited,1:0,-," \
	"4:1111,7:h\xc3\xa9llo\n,1:7,1:0,-,"
#define KAT_HASH_1 \
	"77c8e69dbfc35e9990f67bee24d65218ce324ce0806749400fee2d4f789deb5a"
#define KAT_BYTES_2 \
	"rcmdd-chain-1\n" KAT_HASH_1 "\n" \
	"1:2,1:2,24:2026-01-02T03:05:00.000Z,24:2026-01-02T03:05:01.001Z," \
	"3:::1,-,-,8:uid=1000,7:sleep 5,7:timeout,-,1:9,4:1001,0:,1:0,1:1," \
	"23:timed out after 1000 ms,"
#define KAT_HASH_2 \
	"40d237758d5611100edec78c7554573205a369f52b5604c9714417a3131f8818"

/* The first row of KAT 1 under chain version 2: its start and its end. */
#define KAT_START \
	"rcmdd-chain-2\n" ZERO_HASH "\nstart\n" \
	"3:seq,i1:1,2:id,i1:1,10:started_at,t24:2026-01-02T03:04:05.678Z," \
	"11:client_addr,t9:127.0.0.1,11:client_port,i5:40000," \
	"11:client_name,t5:alice,7:command,t11:echo h\xc3\xa9llo,"
#define KAT_START_HASH \
	"3ad148488f2da992ea288a40ce7e2bf806c41a541db74a8dafe4c612f9d86010"
#define KAT_END \
	"rcmdd-chain-2\n" KAT_START_HASH "\nend\n" \
	"7:end_seq,i1:2,3:seq,i1:1,4:hash,t64:" KAT_START_HASH "," \
	"2:id,i1:1,10:started_at,t24:2026-01-02T03:04:05.678Z," \
	"11:finished_at,t24:2026-01-02T03:04:06.789Z," \
	"11:client_addr,t9:127.0.0.1,11:client_port,i5:40000," \
	"11:client_name,t5:alice,7:command,t11:echo h\xc3\xa9llo," \
	"6:status,t6:exited,9:exit_code,i1:0,11:duration_ms,i4:1111," \
	"6:output,t7:h\xc3\xa9llo\n,12:output_bytes,i1:7,9:truncated,i1:0,"
#define KAT_END_HASH \
	"8f0e8d94ff4c9285c7f86c7c648216509fbd50fe7f041c579e9a07089028bc09"

/* The schema of version 1, as commit 4ad38a0 created it. */
static const char schema_v1[] =
	"CREATE TABLE commands ("
	"id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,"
	"client_addr TEXT NOT NULL, client_port INTEGER, client_name TEXT,"
	"identity TEXT, command TEXT NOT NULL,"
	"status TEXT NOT NULL CHECK (status IN ('running', 'exited',"
	"'signaled', 'timeout', 'cancelled', 'disconnected', 'failed',"
	"'interrupted', 'denied')),"
	"exit_code INTEGER, signal INTEGER, duration_ms INTEGER, output TEXT,"
	"output_bytes INTEGER NOT NULL DEFAULT 0,"
	"truncated INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)),"
	"reason TEXT);"
	"CREATE INDEX commands_started_at ON commands (started_at);"
	"CREATE INDEX commands_status ON commands (status);"
	"CREATE INDEX commands_client_addr ON commands (client_addr);"
	"PRAGMA user_version = 1;";

/* The two rows of the known answers, then a running and a final row. */
static const char rows_v1[] =
	"INSERT INTO commands VALUES (1, '2026-01-02T03:04:05.678Z',"
	"'2026-01-02T03:04:06.789Z', '127.0.0.1', 40000, 'alice', NULL,"
	"'echo h\xc3\xa9llo', 'exited', 0, NULL, 1111, 'h\xc3\xa9llo\n', 7, 0,"
	"NULL);"
	"INSERT INTO commands VALUES (2, '2026-01-02T03:05:00.000Z',"
	"'2026-01-02T03:05:01.001Z', '::1', NULL, NULL, 'uid=1000', 'sleep 5',"
	"'timeout', NULL, 9, 1001, '', 0, 1, 'timed out after 1000 ms');"
	"INSERT INTO commands VALUES (3, '2026-01-02T03:06:00.000Z', NULL,"
	"'127.0.0.1', 40001, 'bob', NULL, 'sleep 100', 'running', NULL, NULL,"
	"NULL, NULL, 0, 0, NULL);"
	"INSERT INTO commands VALUES (4, '2026-01-02T03:07:00.000Z',"
	"'2026-01-02T03:07:00.004Z', '127.0.0.1', 40002, 'bob', NULL, 'false',"
	"'exited', 1, NULL, 4, '', 0, 0, NULL);";

/* What a version 3 database adds to version 1: the chain, unsealed. */
static const char schema_v3[] =
	"ALTER TABLE commands ADD COLUMN seq INTEGER;"
	"ALTER TABLE commands ADD COLUMN hash TEXT;"
	"ALTER TABLE commands ADD COLUMN fingerprint TEXT;"
	"CREATE UNIQUE INDEX commands_seq ON commands (seq);"
	"CREATE TABLE audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"INSERT INTO audit_meta VALUES ('chain_base_seq', '0'),"
	"('chain_base_hash', '" ZERO_HASH "');"
	"PRAGMA user_version = 3;";

/* The fields of a start and of an end, in the order rcmdd(8) documents. */
static const char *start_fields[] = {
	"seq", "id", "started_at", "client_addr", "client_port",
	"client_name", "identity", "fingerprint", "command"
};
static const char *end_fields[] = {
	"end_seq", "seq", "hash", "id", "started_at", "finished_at",
	"client_addr", "client_port", "client_name", "identity",
	"fingerprint", "command", "status", "exit_code", "signal",
	"duration_ms", "output", "output_bytes", "truncated", "reason"
};
#define NFIELDS(a)	(sizeof (a) / sizeof (a)[0])

static int	 db_copy(struct fixture *);
static int	 wait_text(const char *, const char *, const char *);
static void	 sha256_hex(const void *, size_t, char *);
static int	 encode_event(sqlite3 *, uint64_t, const char *, char *,
		     int *);
static int	 chain_add(u_int, uint64_t *, char *);
static int	 chain_build(struct fixture *, u_int,
		     char [][CHAIN_HASH_LEN + 1]);
static int	 v1_build(const char *, const char *);
static void	 prune_age_case(const char *, const char *, u_int);
static void	 expect_verify(const char *, const char *, uint64_t,
		     uint64_t);
static void	 expect_refused(const char *, const char *, const char *,
		     const char *);
static void	 test_chain_verify(void);
static void	 test_chain_encoding(void);
static void	 test_chain_encoding_rows(void);
static void	 test_chain_edit(void);
static void	 test_chain_delete(void);
static void	 test_chain_insert(void);
static void	 test_chain_swap_renumber(void);
static void	 test_chain_rewrite(void);
static void	 test_chain_head(void);
static void	 test_chain_prune_rows(void);
static void	 test_chain_prune_batches(void);
static void	 test_chain_prune_age(void);
static void	 test_chain_prune_age_past(void);
static void	 test_chain_prune_age_edited(void);
static void	 test_chain_migrate(void);
static void	 test_chain_reopen(void);
static void	 test_chain_recover_only_running(void);
static void	 test_chain_views(void);

static CU_TestInfo chain_tests[] = {
	{ "chain_verify passes with the count and the head",
	    test_chain_verify },
	{ "the hash is SHA-256 of the documented bytes (known answers)",
	    test_chain_encoding },
	{ "every row re-hashes with the test's own encoder",
	    test_chain_encoding_rows },
	{ "an edited field names its row", test_chain_edit },
	{ "a deleted row: middle, and last with the head", test_chain_delete },
	{ "an inserted row, with and without seq", test_chain_insert },
	{ "swapped contents and a renumbered seq", test_chain_swap_renumber },
	{ "a rewritten tail passes alone but not with the head",
	    test_chain_rewrite },
	{ "heads that do not match", test_chain_head },
	{ "AuditMaxRows prunes and moves the base", test_chain_prune_rows },
	{ "pruning goes in batches of 500, and every 500 seals",
	    test_chain_prune_batches },
	{ "AuditRetainDays prunes old rows", test_chain_prune_age },
	{ "AuditRetainDays stops at a newer row", test_chain_prune_age_past },
	{ "pruning old edited rows leaves a chain that verifies",
	    test_chain_prune_age_edited },
	{ "version 1 is migrated and sealed", test_chain_migrate },
	{ "reopening an upgraded database changes no hash",
	    test_chain_reopen },
	{ "recovery seals the rows it marks, not forged ones",
	    test_chain_recover_only_running },
	{ "the operators' views answer", test_chain_views },
	CU_TEST_INFO_NULL
};

/*
 * Copy the test's database, with the SQLite backup API, to a new file
 * named in fx->copy, so that each tampering starts from the same rows.
 */
static int
db_copy(struct fixture *fx)
{
	sqlite3		*src = NULL, *dst = NULL;
	sqlite3_backup	*b;
	int		 rc = -1;

	snprintf(fx->copy, sizeof fx->copy, "%s/copy%u.db", fx->dir,
	    fx->ncopies++);
	if (sqlite3_open_v2(fx->path, &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_open_v2(fx->copy, &dst,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		goto out;
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		goto out;
	if (sqlite3_backup_step(b, -1) == SQLITE_DONE)
		rc = 0;
	sqlite3_backup_finish(b);
out:
	sqlite3_close(src);
	sqlite3_close(dst);
	if (rc != 0)
		CU_FAIL("cannot copy the database");
	return (rc);
}

/*
 * Wait up to WAIT_MS for a query to print want, while the writer works.
 * Return 0 if it did; otherwise say what it printed last and return -1.
 */
static int
wait_text(const char *path, const char *sql, const char *want)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	char		*s;
	u_int		 waited;

	for (waited = 0; waited < WAIT_MS; waited += 10) {
		s = db_text(path, sql);
		if (s != NULL && strcmp(s, want) == 0) {
			free(s);
			return (0);
		}
		if (waited + 10 >= WAIT_MS)
			fprintf(stderr, "\n    %s: still %s after %u ms, want %s",
			    sql, s == NULL ? "NULL" : s, WAIT_MS, want);
		free(s);
		nanosleep(&ts, NULL);
	}
	CU_FAIL("the writer did not get there in time");
	return (-1);
}

/* SHA-256 of some bytes, in lowercase hex (65 bytes with the NUL). */
static void
sha256_hex(const void *p, size_t len, char *hex)
{
	u_char	md[SHA256_DIGEST_LENGTH];
	u_int	i;

	SHA256(p, len, md);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/*
 * Hash the event with sequence number seq (a start or an end), linked to
 * prev, as rcmdd(8) documents chain version 2, with code of the test's
 * own rather than chain.c's: the magic line, prev, "start" or "end", each
 * on a line, then each field not NULL as the netstring of its name, its
 * type letter and the netstring of its value. Whether it is an end goes
 * to is_end. Return 0, or -1 if there is no such event.
 */
static int
encode_event(sqlite3 *db, uint64_t seq, const char *prev, char *hex,
    int *is_end)
{
	sqlite3_stmt	*stmt = NULL;
	FILE		*fp;
	const char	**fields;
	const void	*p;
	char		*sql = NULL, *buf = NULL, num[32];
	size_t		 len = 0, i, nfields;
	int		 c, n, rc = -1, type;

	for (*is_end = 0; *is_end < 2; (*is_end)++) {
		fields = *is_end ? end_fields : start_fields;
		nfields = *is_end ? NFIELDS(end_fields) : NFIELDS(start_fields);
		free(sql);
		sql = xstrdup("SELECT ");
		for (i = 0; i < nfields; i++) {
			xasprintf(&buf, "%s%s%s", sql, i == 0 ? "" : ", ",
			    fields[i]);
			free(sql);
			sql = buf;
		}
		xasprintf(&buf, "%s FROM commands WHERE %s = %llu", sql,
		    *is_end ? "end_seq" : "seq", (unsigned long long)seq);
		free(sql);
		sql = buf;
		buf = NULL;
		sqlite3_finalize(stmt);
		if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
			goto out;
		if (sqlite3_step(stmt) == SQLITE_ROW)
			break;
	}
	if (*is_end == 2)
		goto out;
	if ((fp = open_memstream(&buf, &len)) == NULL)
		goto out;
	fprintf(fp, "rcmdd-chain-2\n%s\n%s\n", prev, *is_end ? "end" :
	    "start");
	for (i = 0; i < nfields; i++) {
		c = (int)i;
		type = sqlite3_column_type(stmt, c);
		if (type == SQLITE_NULL)
			continue;
		fprintf(fp, "%zu:%s,", strlen(fields[i]), fields[i]);
		if (type == SQLITE_INTEGER) {
			snprintf(num, sizeof num, "%lld",
			    sqlite3_column_int64(stmt, c));
			fprintf(fp, "i%zu:%s,", strlen(num), num);
			continue;
		}
		if (type == SQLITE_TEXT) {
			p = sqlite3_column_text(stmt, c);
			fputc('t', fp);
		} else {
			p = sqlite3_column_blob(stmt, c);
			fputc('b', fp);
		}
		n = sqlite3_column_bytes(stmt, c);
		fprintf(fp, "%d:", n);
		fwrite(p, 1, (size_t)n, fp);
		fputc(',', fp);
	}
	if (fclose(fp) != 0)
		goto out;
	sha256_hex(buf, len, hex);
	rc = 0;
out:
	sqlite3_finalize(stmt);
	free(buf);
	free(sql);
	return (rc);
}

/*
 * Record command number i through the writer, which must be running, with
 * fields that differ from row to row: every third row is killed by a
 * signal and has a reason, every second one has a client name. The row's
 * hash, as audit_finish returns it for EXIT, goes to hash.
 */
static int
chain_add(u_int i, uint64_t *id, char *hash)
{
	struct cmd_record	 as;
	struct cmd_record	 ae;
	char			 command[64], output[64], *cause = NULL;

	snprintf(command, sizeof command, "echo row %u", i);
	records_fill(&as, command);
	as.peer.client_port = (int)(40000 + i % 20000);
	as.peer.client_name = i % 2 == 0 ? "alice" : NULL;
	if (records_begin(&as, id, &cause) != 0)
		goto fail;

	snprintf(output, sizeof output, "row %u\n", i);
	records_exited(&ae, (int)(i % 4), output);
	if (i % 3 == 0) {
		ae.status = "signaled";
		ae.has_exit_code = 0;
		ae.exit_code = 0;
		ae.has_signal = 1;
		ae.signal = 15;
		ae.reason = "rcmdd was shutting down";
	}
	ae.duration_ms = i * 10;
	if (records_finish(*id, &ae, hash, &cause) != 0)
		goto fail;
	return (0);

fail:
	fprintf(stderr, "\n    row %u: %s", i, cause);
	free(cause);
	CU_FAIL("cannot record a row");
	return (-1);
}

/*
 * Build a database of n final rows (ids 1 to n, starts at odd seqs, ends
 * at even ones) through the writer, and stop it; the hash of row i's end
 * goes to hashes[i].
 */
static int
chain_build(struct fixture *fx, u_int n, char hashes[][CHAIN_HASH_LEN + 1])
{
	uint64_t	 id;
	u_int		 i;
	int		 rc = 0;

	if (fixture_open(fx, 0) != 0)
		return (-1);
	audit_start();
	for (i = 1; i <= n && rc == 0; i++) {
		rc = chain_add(i, &id, hashes[i]);
		if (rc == 0 && id != i) {
			CU_FAIL("ids do not start at 1");
			rc = -1;
		}
	}
	audit_stop();
	return (rc);
}

/* Create a database of schema version 1 by hand, with some rows. */
static int
v1_build(const char *path, const char *rows)
{
	if (db_exec(path, schema_v1) != 0 || db_exec(path, rows) != 0)
		return (-1);
	return (0);
}

/* chain_verify passes, over nrows rows, to the head seq. */
static void
expect_verify(const char *path, const char *head, uint64_t nrows,
    uint64_t seq)
{
	struct chain_head	 last;
	uint64_t		 n = 0;
	char			*cause = NULL;
	int			 rc;

	rc = chain_verify(path, head, &n, &last, &cause);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0) {
		fprintf(stderr, "\n    chain_verify %s%s: %s",
		    head == NULL ? "" : "--head ", head == NULL ? "" : head,
		    cause);
		free(cause);
		return;
	}
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL(n, nrows);
	CU_ASSERT_EQUAL(last.seq, seq);
	if (n != nrows || last.seq != seq)
		fprintf(stderr, "\n    chain_verify: %llu rows to seq %llu, "
		    "want %llu to %llu", (unsigned long long)n,
		    (unsigned long long)last.seq, (unsigned long long)nrows,
		    (unsigned long long)seq);
	CU_ASSERT_EQUAL(strlen(last.hash), CHAIN_HASH_LEN);
}

/*
 * chain_verify fails, with a cause that holds want, and want2 unless it
 * is NULL: the row it names and what happened to it.
 */
static void
expect_refused(const char *path, const char *head, const char *want,
    const char *want2)
{
	struct chain_head	 last;
	uint64_t		 n;
	char			*cause = NULL;
	int			 rc, ok;

	rc = chain_verify(path, head, &n, &last, &cause);
	CU_ASSERT_EQUAL(rc, -1);
	ok = cause != NULL && strstr(cause, want) != NULL &&
	    (want2 == NULL || strstr(cause, want2) != NULL);
	CU_ASSERT(ok);
	if (rc != -1 || !ok)
		fprintf(stderr, "\n    chain_verify returned %d: %s; want "
		    "\"%s\"%s%s%s", rc, cause == NULL ? "no cause" : cause,
		    want, want2 == NULL ? "" : " and \"", want2 == NULL ? "" :
		    want2, want2 == NULL ? "" : "\"");
	free(cause);
}

/*
 * A chain built by the writer verifies, with its row count and its head,
 * which is the last row's end, what audit_finish returned for EXIT and
 * what audit_head reports for the log; so does every head along it.
 */
static void
test_chain_verify(void)
{
	struct fixture		 fx;
	struct chain_head	 head;
	char			 hashes[CHAIN_ROWS + 1][CHAIN_HASH_LEN + 1];
	char			 sql[128], given[HEAD_LEN];
	u_int			 i;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, CHAIN_ROWS, hashes) != 0)
		goto out;
	audit_head(&head);
	CU_ASSERT_EQUAL(head.seq, 2 * CHAIN_ROWS);
	CU_ASSERT_STRING_EQUAL(head.hash, hashes[CHAIN_ROWS]);

	expect_verify(fx.path, NULL, CHAIN_ROWS, 2 * CHAIN_ROWS);
	for (i = 1; i <= CHAIN_ROWS; i++) {
		snprintf(sql, sizeof sql, "SELECT end_seq || ':' || end_hash "
		    "FROM commands WHERE id = %u", i);
		snprintf(given, sizeof given, "%u:%s", 2 * i, hashes[i]);
		db_expect_text(fx.path, sql, given);
		expect_verify(fx.path, given, CHAIN_ROWS, 2 * CHAIN_ROWS);
		snprintf(sql, sizeof sql, "SELECT seq || ' ' || chain_version "
		    "FROM commands WHERE id = %u", i);
		snprintf(given, sizeof given, "%u 2", 2 * i - 1);
		db_expect_text(fx.path, sql, given);
	}
	/* The chain base of an unpruned chain is a head too. */
	expect_verify(fx.path, "0:" ZERO_HASH, CHAIN_ROWS, 2 * CHAIN_ROWS);
	db_expect_text(fx.path, "SELECT value FROM audit_meta WHERE key = "
	    "'chain_base_seq'", "0");
	db_expect_text(fx.path, "SELECT value FROM audit_meta WHERE key = "
	    "'chain_base_hash'", ZERO_HASH);

	/* Every row deleted: the ids given tell. */
	snprintf(given, sizeof given, "%u:%s", 2 * CHAIN_ROWS,
	    hashes[CHAIN_ROWS]);
	db_exec(fx.path, "DELETE FROM commands");
	expect_refused(fx.path, NULL, "rows were deleted: id 1-5 missing "
	    "from the ids (the last id given was 5)", NULL);
	/* An empty chain verifies: no rows, head at the base. */
	db_exec(fx.path, "DELETE FROM sqlite_sequence");
	expect_verify(fx.path, NULL, 0, 0);
	expect_refused(fx.path, given, "is not in the chain",
	    "ends at seq 0");
out:
	fixture_free(&fx);
}

/*
 * The hash of an event is SHA-256 over exactly the bytes rcmdd(8) shows,
 * against hashes worked out with Python: rows sealed under version 1 in a
 * database of version 3 verify before and after the upgrade to version 4,
 * and a row of version 1 upgraded and chained under version 2 gets the
 * known start and end.
 */
static void
test_chain_encoding(void)
{
	struct fixture	 fx;
	char		 hex[CHAIN_HASH_LEN + 1], *rows;

	/* The test's own strings and known answers agree. */
	sha256_hex(KAT_BYTES_1, sizeof KAT_BYTES_1 - 1, hex);
	CU_ASSERT_STRING_EQUAL(hex, KAT_HASH_1);
	sha256_hex(KAT_BYTES_2, sizeof KAT_BYTES_2 - 1, hex);
	CU_ASSERT_STRING_EQUAL(hex, KAT_HASH_2);
	sha256_hex(KAT_START, sizeof KAT_START - 1, hex);
	CU_ASSERT_STRING_EQUAL(hex, KAT_START_HASH);
	sha256_hex(KAT_END, sizeof KAT_END - 1, hex);
	CU_ASSERT_STRING_EQUAL(hex, KAT_END_HASH);

	/* Version 1: sealed rows of a version 3 database. */
	if (fixture_new(&fx, "test_chain") != 0)
		return;
	xasprintf(&rows, "%s%s UPDATE commands SET seq = id, hash = CASE id "
	    "WHEN 1 THEN '%s' ELSE '%s' END WHERE id IN (1, 2); DELETE FROM "
	    "commands WHERE id > 2;", rows_v1, schema_v3, KAT_HASH_1,
	    KAT_HASH_2);
	if (v1_build(fx.path, rows) != 0)
		goto out;
	db_expect_text(fx.path, "PRAGMA user_version", "3");
	expect_verify(fx.path, "2:" KAT_HASH_2, 2, 2);
	if (fixture_open(&fx, 0) != 0)
		goto out;
	audit_stop();
	db_expect_text(fx.path, "PRAGMA user_version", "10");
	db_expect_text(fx.path, "SELECT group_concat(chain_version || ' ' || "
	    "hash, ',') FROM commands", "1 " KAT_HASH_1 ",1 " KAT_HASH_2);
	expect_verify(fx.path, "2:" KAT_HASH_2, 2, 2);
	fixture_free(&fx);

	/* Version 2: rows of a version 1 database, chained on upgrade. */
	if (fixture_new(&fx, "test_chain") != 0)
		goto out;
	if (v1_build(fx.path, rows_v1) != 0)
		goto out;
	if (fixture_open(&fx, 0) != 0)
		goto out;
	audit_stop();
	db_expect_text(fx.path, "SELECT seq || ' ' || hash || ' ' || "
	    "end_seq || ' ' || end_hash FROM commands WHERE id = 1",
	    "1 " KAT_START_HASH " 2 " KAT_END_HASH);
	expect_verify(fx.path, "2:" KAT_END_HASH, 4, 8);
out:
	free(rows);
	fixture_free(&fx);
}

/*
 * Every event the writer chained re-hashes, with the test's own encoder,
 * to the hash it stores, each linked to the one before; a row's end is
 * what audit_finish returned.
 */
static void
test_chain_encoding_rows(void)
{
	struct fixture	 fx;
	sqlite3		*db = NULL;
	char		 hashes[CHAIN_ROWS + 2][CHAIN_HASH_LEN + 1];
	char		 prev[CHAIN_HASH_LEN + 1], hex[CHAIN_HASH_LEN + 1];
	char		 sql[128], *stored;
	uint64_t	 seq;
	int		 is_end;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, CHAIN_ROWS + 1, hashes) != 0)
		goto out;
	if (sqlite3_open_v2(fx.path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		CU_FAIL("cannot open the database");
		goto out;
	}
	strlcpy(prev, ZERO_HASH, sizeof prev);
	for (seq = 1; seq <= 2 * (CHAIN_ROWS + 1); seq++) {
		if (encode_event(db, seq, prev, hex, &is_end) != 0) {
			CU_FAIL("an event is missing");
			break;
		}
		CU_ASSERT_EQUAL(is_end, seq % 2 == 0);
		snprintf(sql, sizeof sql, "SELECT hash FROM commands WHERE seq "
		    "= %llu UNION ALL SELECT end_hash FROM commands WHERE "
		    "end_seq = %llu", (unsigned long long)seq,
		    (unsigned long long)seq);
		stored = db_text(fx.path, sql);
		CU_ASSERT(stored != NULL && strcmp(stored, hex) == 0);
		free(stored);
		if (is_end)
			CU_ASSERT_STRING_EQUAL(hex, hashes[seq / 2]);
		strlcpy(prev, hex, sizeof prev);
	}
	sqlite3_close(db);
out:
	fixture_free(&fx);
}

/*
 * Editing any field of a chained row breaks the chain at its start or its
 * end, whichever covers it; so does changing the storage class of a
 * value, which the encoding hashes with it.
 */
static void
test_chain_edit(void)
{
	static const struct {
		const char	*sql;
		const char	*want;
	} cases[] = {
		{ "UPDATE commands SET command = 'rm -rf /tmp/x' WHERE id = 3",
		    "row id 3: its start (seq 5) does not match its hash" },
		{ "UPDATE commands SET output = 'nothing to see' WHERE id = 3",
		    "row id 3: its end (seq 6) does not match its hash" },
		{ "UPDATE commands SET output = output || ' ' WHERE id = 5",
		    "row id 5: its end (seq 10) does not match its hash" },
		{ "UPDATE commands SET status = 'failed' WHERE id = 2",
		    "row id 2: its end (seq 4) does not match its hash" },
		{ "UPDATE commands SET exit_code = 0 WHERE id = 2",
		    "row id 2: its end (seq 4) does not match its hash" },
		{ "UPDATE commands SET exit_code = NULL WHERE id = 1",
		    "row id 1: its end (seq 2) does not match its hash" },
		{ "UPDATE commands SET signal = NULL WHERE id = 3",
		    "row id 3: its end (seq 6) does not match its hash" },
		{ "UPDATE commands SET client_addr = '10.0.0.9' WHERE id = 4",
		    "row id 4: its start (seq 7) does not match its hash" },
		{ "UPDATE commands SET client_port = 1 WHERE id = 4",
		    "row id 4: its start (seq 7) does not match its hash" },
		{ "UPDATE commands SET client_name = 'mallory' WHERE id = 2",
		    "row id 2: its start (seq 3) does not match its hash" },
		{ "UPDATE commands SET identity = 'root' WHERE id = 2",
		    "row id 2: its start (seq 3) does not match its hash" },
		{ "UPDATE commands SET fingerprint = 'AB' WHERE id = 2",
		    "row id 2: its start (seq 3) does not match its hash" },
		{ "UPDATE commands SET started_at = "
		    "'2000-01-01T00:00:00.000Z' WHERE id = 1",
		    "row id 1: its start (seq 1) does not match its hash" },
		{ "UPDATE commands SET finished_at = NULL WHERE id = 5",
		    "row id 5: its end (seq 10) does not match its hash" },
		{ "UPDATE commands SET duration_ms = 1 WHERE id = 4",
		    "row id 4: its end (seq 8) does not match its hash" },
		{ "UPDATE commands SET output_bytes = 0 WHERE id = 4",
		    "row id 4: its end (seq 8) does not match its hash" },
		{ "UPDATE commands SET truncated = 1 WHERE id = 4",
		    "row id 4: its end (seq 8) does not match its hash" },
		{ "UPDATE commands SET reason = NULL WHERE id = 3",
		    "row id 3: its end (seq 6) does not match its hash" },
		{ "UPDATE commands SET reason = '' WHERE id = 1",
		    "row id 1: its end (seq 2) does not match its hash" },
		{ "UPDATE commands SET command = CAST(command AS BLOB)",
		    "row id 1: its start (seq 1) does not match its hash" },
		{ "UPDATE commands SET output = CAST(output AS BLOB) "
		    "WHERE id = 2",
		    "row id 2: its end (seq 4) does not match its hash" },
		{ "UPDATE commands SET exit_code = CAST(exit_code AS BLOB) "
		    "WHERE id = 2",
		    "row id 2: its end (seq 4) does not match its hash" },
		{ "UPDATE commands SET client_port = x'3430303032' "
		    "WHERE id = 2",
		    "row id 2: its start (seq 3) does not match its hash" },
		{ "UPDATE commands SET hash = replace(hash, substr(hash, 1, 1),"
		    " 'x') WHERE id = 4",
		    "row id 4: its start (seq 7) does not match its hash" },
		{ "UPDATE commands SET end_hash = replace(end_hash, "
		    "substr(end_hash, 1, 1), 'x') WHERE id = 4",
		    "row id 4: its end (seq 8) does not match its hash" },
		{ "UPDATE commands SET chain_version = 1 WHERE id = 2",
		    "row id 2 (seq 3) does not match its hash" },
		{ "UPDATE audit_meta SET value = 'f' || substr(value, 2) "
		    "WHERE key = 'chain_base_hash'",
		    "row id 1: its start (seq 1) does not match its hash" },
	};
	struct fixture	 fx;
	char		 hashes[CHAIN_ROWS + 1][CHAIN_HASH_LEN + 1];
	size_t		 i;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, CHAIN_ROWS, hashes) != 0)
		goto out;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (db_copy(&fx) != 0 || db_exec(fx.copy, cases[i].sql) != 0)
			break;
		expect_refused(fx.copy, NULL, cases[i].want, "changed");
	}
	/* A hash gone. */
	if (db_copy(&fx) == 0 && db_exec(fx.copy, "UPDATE commands SET hash = "
	    "NULL WHERE id = 2") == 0)
		expect_refused(fx.copy, NULL, "row id 2: its start (seq 3) has "
		    "no valid hash", NULL);
	/* The original is untouched. */
	expect_verify(fx.path, NULL, CHAIN_ROWS, 2 * CHAIN_ROWS);
out:
	fixture_free(&fx);
}

/*
 * A row deleted from the middle leaves a gap in seq and in the ids, and
 * verify names both. One deleted from the end leaves no gap in seq, but
 * sqlite_sequence still has its id; the head logged before shows it too.
 */
static void
test_chain_delete(void)
{
	struct fixture	 fx;
	char		 hashes[CHAIN_ROWS + 1][CHAIN_HASH_LEN + 1];
	char		 head[HEAD_LEN];

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, CHAIN_ROWS, hashes) != 0)
		goto out;
	snprintf(head, sizeof head, "%u:%s", 2 * CHAIN_ROWS,
	    hashes[CHAIN_ROWS]);

	if (db_copy(&fx) != 0 ||
	    db_exec(fx.copy, "DELETE FROM commands WHERE id = 3") != 0)
		goto out;
	expect_refused(fx.copy, NULL, "rows were deleted: seq 5-6 missing "
	    "from the chain; id 3 missing from the ids", NULL);

	if (db_copy(&fx) != 0 ||
	    db_exec(fx.copy, "DELETE FROM commands WHERE id IN (1, 3, 4)") != 0)
		goto out;
	expect_refused(fx.copy, NULL, "rows were deleted: seq 1-2, 5-8 missing "
	    "from the chain; id 3-4 missing from the ids", NULL);

	if (db_copy(&fx) != 0 ||
	    db_exec(fx.copy, "DELETE FROM commands WHERE id = 5") != 0)
		goto out;
	expect_refused(fx.copy, NULL, "rows were deleted: id 5 missing from "
	    "the ids (the last id given was 5)", NULL);
	expect_refused(fx.copy, head, "the head given (seq 10) is not in the "
	    "chain, which ends at seq 8", "deleted from its end");
	if (db_exec(fx.copy, "UPDATE sqlite_sequence SET seq = 4") != 0)
		goto out;
	expect_verify(fx.copy, NULL, CHAIN_ROWS - 1, 2 * CHAIN_ROWS - 2);
	expect_verify(fx.path, head, CHAIN_ROWS, 2 * CHAIN_ROWS);
out:
	fixture_free(&fx);
}

/*
 * A final row inserted without seq is outside the chain; one inserted
 * with the next seq does not match its hash; one that takes a seq already
 * used (past the unique index) comes out of order; a running row without
 * a start in the chain is named too.
 */
static void
test_chain_insert(void)
{
	static const char copy[] = "started_at, finished_at, client_addr, "
	    "client_port, client_name, identity, fingerprint, status, "
	    "exit_code, signal, duration_ms, output, output_bytes, truncated, "
	    "reason";
	struct fixture	 fx;
	char		 hashes[CHAIN_ROWS + 1][CHAIN_HASH_LEN + 1], *sql;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, CHAIN_ROWS, hashes) != 0)
		goto out;

	xasprintf(&sql, "INSERT INTO commands (command, %s) SELECT 'true', %s "
	    "FROM commands WHERE id = 2", copy, copy);
	if (db_copy(&fx) != 0 || db_exec(fx.copy, sql) != 0)
		goto out;
	free(sql);
	expect_refused(fx.copy, NULL, "row id 6 is exited but not in the "
	    "chain", "outside rcmdd");

	xasprintf(&sql, "INSERT INTO commands (command, seq, hash, "
	    "chain_version, %s) SELECT 'true', 11, hash, 2, %s FROM commands "
	    "WHERE id = 5", copy, copy);
	if (db_copy(&fx) != 0 || db_exec(fx.copy, sql) != 0)
		goto out;
	free(sql);
	expect_refused(fx.copy, NULL, "row id 6: its start (seq 11) does not "
	    "match its hash", NULL);

	xasprintf(&sql, "DROP INDEX commands_seq; INSERT INTO commands "
	    "(command, seq, hash, chain_version, %s) SELECT 'true', seq, hash, "
	    "2, %s FROM commands WHERE id = 3", copy, copy);
	if (db_copy(&fx) != 0 || db_exec(fx.copy, sql) != 0)
		goto out;
	free(sql);
	expect_refused(fx.copy, NULL, "(seq 5) is not after seq 5",
	    "inserted");

	/* A row in the middle, given a seq between two others. */
	xasprintf(&sql, "INSERT INTO commands (command, seq, hash, %s) SELECT "
	    "'true', 2.5, hash, %s FROM commands WHERE id = 3", copy, copy);
	if (db_copy(&fx) != 0 || db_exec(fx.copy, sql) != 0)
		goto out;
	free(sql);
	sql = NULL;
	expect_refused(fx.copy, NULL, "row id 6 (seq 2) is not after seq 2",
	    "inserted");

	/* A running row rcmdd did not start. */
	if (db_copy(&fx) != 0 || db_exec(fx.copy, "INSERT INTO commands "
	    "(started_at, client_addr, command, status) VALUES "
	    "('2026-01-01T00:00:00.000Z', '127.0.0.1', 'sleep 9', "
	    "'running')") != 0)
		goto out;
	expect_refused(fx.copy, NULL, "row id 6 is running but its start is "
	    "not in the chain", "outside rcmdd");

	/* A row made final outside rcmdd: its end is missing. */
	if (db_copy(&fx) != 0 || db_exec(fx.copy, "UPDATE commands SET "
	    "end_seq = NULL, end_hash = NULL WHERE id = 5") != 0)
		goto out;
	expect_refused(fx.copy, NULL, "row id 5 is exited but its end is not "
	    "in the chain", NULL);
out:
	free(sql);
	fixture_free(&fx);
}

/*
 * Two rows that swap their contents, or their places in the chain, and a
 * row given another seq, are each named.
 */
static void
test_chain_swap_renumber(void)
{
	struct fixture	 fx;
	char		 hashes[CHAIN_ROWS + 1][CHAIN_HASH_LEN + 1];

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, CHAIN_ROWS, hashes) != 0)
		goto out;

	/* Rows 2 and 4 swap everything but id and the chain. */
	if (db_copy(&fx) != 0 || db_exec(fx.copy,
	    "CREATE TEMP TABLE t AS SELECT * FROM commands WHERE id IN (2, 4);"
	    "UPDATE commands SET (started_at, finished_at, client_addr, "
	    "client_port, client_name, identity, command, status, exit_code, "
	    "signal, duration_ms, output, output_bytes, truncated, reason) = "
	    "(SELECT started_at, finished_at, client_addr, client_port, "
	    "client_name, identity, command, status, exit_code, signal, "
	    "duration_ms, output, output_bytes, truncated, reason FROM t "
	    "WHERE t.id = 6 - commands.id) WHERE id IN (2, 4)") != 0)
		goto out;
	expect_refused(fx.copy, NULL, "row id 2: its start (seq 3) does not "
	    "match its hash", NULL);

	/* Rows 2 and 4 swap their places in the chain. */
	if (db_copy(&fx) != 0 || db_exec(fx.copy,
	    "CREATE TEMP TABLE t AS SELECT id, seq, hash, end_seq, end_hash "
	    "FROM commands WHERE id IN (2, 4);"
	    "UPDATE commands SET seq = -seq, end_seq = -end_seq WHERE id IN "
	    "(2, 4);"
	    "UPDATE commands SET (seq, hash, end_seq, end_hash) = (SELECT seq, "
	    "hash, end_seq, end_hash FROM t WHERE t.id = 6 - commands.id) "
	    "WHERE id IN (2, 4)") != 0)
		goto out;
	db_expect_text(fx.copy, "SELECT seq FROM commands WHERE id = 2", "7");
	expect_refused(fx.copy, NULL, "row id 4: its start (seq 3) does not "
	    "match its hash", NULL);

	/* The last end renumbered: a gap. */
	if (db_copy(&fx) != 0 || db_exec(fx.copy,
	    "UPDATE commands SET end_seq = 12 WHERE id = 5") != 0)
		goto out;
	expect_refused(fx.copy, NULL, "seq 10-11 missing from the chain",
	    NULL);

	/* A middle row renumbered past the end. */
	if (db_copy(&fx) != 0 || db_exec(fx.copy,
	    "UPDATE commands SET seq = 19, end_seq = 20 WHERE id = 3") != 0)
		goto out;
	expect_refused(fx.copy, NULL, "seq 5-6, 11-18 missing from the chain",
	    NULL);

	/* Rows 4 and 5 renumbered so that their order is swapped. */
	if (db_copy(&fx) != 0 || db_exec(fx.copy,
	    "UPDATE commands SET seq = -seq, end_seq = -end_seq WHERE id IN "
	    "(4, 5);"
	    "UPDATE commands SET seq = 16 + seq, end_seq = 18 + end_seq "
	    "WHERE id IN (4, 5)") != 0)
		goto out;
	db_expect_text(fx.copy, "SELECT seq FROM commands WHERE id = 5", "7");
	expect_refused(fx.copy, NULL, "row id 5: its start (seq 7) does not "
	    "match its hash", NULL);
out:
	fixture_free(&fx);
}

/*
 * Someone who edits a row and hashes it and every later event again gets
 * a chain that verifies alone; the head logged before tells.
 */
static void
test_chain_rewrite(void)
{
	struct fixture	 fx;
	sqlite3		*db = NULL;
	char		 hashes[CHAIN_ROWS + 1][CHAIN_HASH_LEN + 1];
	char		 prev[CHAIN_HASH_LEN + 1], hex[CHAIN_HASH_LEN + 1];
	char		 head[HEAD_LEN], *sql;
	uint64_t	 seq;
	int		 is_end;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, CHAIN_ROWS, hashes) != 0)
		goto out;
	snprintf(head, sizeof head, "%u:%s", 2 * CHAIN_ROWS,
	    hashes[CHAIN_ROWS]);
	if (db_copy(&fx) != 0 || db_exec(fx.copy, "UPDATE commands SET "
	    "command = 'echo innocent' WHERE id = 3") != 0)
		goto out;
	if (sqlite3_open_v2(fx.copy, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		CU_FAIL("cannot open the copy");
		goto out;
	}
	strlcpy(prev, hashes[2], sizeof prev);
	for (seq = 5; seq <= 2 * CHAIN_ROWS; seq++) {
		if (encode_event(db, seq, prev, hex, &is_end) != 0) {
			CU_FAIL("an event is missing");
			break;
		}
		xasprintf(&sql, "UPDATE commands SET %s = '%s' WHERE %s = "
		    "%llu", is_end ? "end_hash" : "hash", hex, is_end ?
		    "end_seq" : "seq", (unsigned long long)seq);
		CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL),
		    SQLITE_OK);
		free(sql);
		strlcpy(prev, hex, sizeof prev);
	}
	sqlite3_close(db);

	expect_verify(fx.copy, NULL, CHAIN_ROWS, 2 * CHAIN_ROWS);
	expect_refused(fx.copy, head, "row id 5 (seq 10) has hash", "the "
	    "chain was rewritten");
	snprintf(head, sizeof head, "6:%s", hashes[3]);
	expect_refused(fx.copy, head, "row id 3 (seq 6) has hash", "the "
	    "chain was rewritten");
	/* A head from before the edit still matches. */
	snprintf(head, sizeof head, "4:%s", hashes[2]);
	expect_verify(fx.copy, head, CHAIN_ROWS, 2 * CHAIN_ROWS);
out:
	fixture_free(&fx);
}

/* Heads that are malformed, do not match, or are past the end. */
static void
test_chain_head(void)
{
	struct fixture	 fx;
	char		 hashes[CHAIN_ROWS + 1][CHAIN_HASH_LEN + 1];
	char		 head[HEAD_LEN], path[192];

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, CHAIN_ROWS, hashes) != 0)
		goto out;

	snprintf(head, sizeof head, "6:%s", hashes[4]);
	expect_refused(fx.path, head, "row id 3 (seq 6) has hash", hashes[4]);
	snprintf(head, sizeof head, "19:%s", hashes[4]);
	expect_refused(fx.path, head, "the head given (seq 19) is not in the "
	    "chain, which ends at seq 10", NULL);
	snprintf(head, sizeof head, "0:f%.63s", ZERO_HASH);
	expect_refused(fx.path, head, "the head given (seq 0)", "chain base");
	expect_refused(fx.path, "3", "is not SEQ:HASH", NULL);
	expect_refused(fx.path, "3:abc", "is not SEQ:HASH", NULL);
	expect_refused(fx.path, "x:" ZERO_HASH, "is not SEQ:HASH", NULL);
	expect_refused(fx.path, "-1:" ZERO_HASH, "is not SEQ:HASH", NULL);

	snprintf(path, sizeof path, "%s/missing.db", fx.dir);
	expect_refused(path, NULL, "cannot open", path);
out:
	fixture_free(&fx);
}

/*
 * AuditMaxRows: once the writer is told, it prunes the rows that ended
 * first down to the newest AuditMaxRows ends, never past the start of a
 * running row, and moves the chain base to the last event pruned, so that
 * the rest verifies; a head from before the base is reported as pruned.
 */
static void
test_chain_prune_rows(void)
{
	struct fixture	 fx;
	char		 hashes[PRUNE_ROWS + 2][CHAIN_HASH_LEN + 1];
	char		 head[HEAD_LEN], want[64];
	struct cmd_record as;
	struct cmd_record ae;
	uint64_t	 running, first, id;
	u_int		 i;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (fixture_open(&fx, 0) != 0)
		goto out;
	audit_start();
	records_fill(&as, "sleep 100");

	/* A row running from the start holds every pruning. */
	CU_ASSERT_EQUAL(records_begin(&as, &first, NULL), 0);
	for (i = 1; i <= 3; i++)
		if (chain_add(i, &id, hashes[i]) != 0)
			goto stop;
	audit_set_retention(0, 1);
	for (i = 4; i <= PRUNE_ROWS; i++)
		if (chain_add(i, &id, hashes[i]) != 0)
			goto stop;
	snprintf(want, sizeof want, "%u", PRUNE_ROWS + 1);
	db_expect_text(fx.path, "SELECT count(*) FROM commands", want);
	db_expect_text(fx.path, "SELECT value FROM audit_meta WHERE key = "
	    "'chain_base_seq'", "0");
	memset(&ae, 0, sizeof ae);
	ae.status = "exited";
	ae.has_exit_code = 1;
	CU_ASSERT_EQUAL(records_finish(first, &ae, NULL, NULL), 0);

	/* One running row started after the rest holds nothing back. */
	CU_ASSERT_EQUAL(records_begin(&as, &running, NULL), 0);
	audit_set_retention(0, PRUNE_KEEP);
	/*
	 * Row 1 began at seq 1 and ended at 26; chain_add(i) is row i + 1,
	 * from seq 2i to 2i + 1. The newest 5 ends are those of rows 1 and
	 * 13 to 10, so rows 2 to 9 go, up to seq 17.
	 */
	if (wait_text(fx.path, "SELECT count(*) FROM commands", "6") != 0)
		goto stop;
	db_expect_text(fx.path, "SELECT group_concat(id, ' ') FROM (SELECT id "
	    "FROM commands ORDER BY id)", "1 10 11 12 13 14");
	snprintf(want, sizeof want, "%u", 2 * 8 + 1);
	db_expect_text(fx.path, "SELECT value FROM audit_meta WHERE key = "
	    "'chain_base_seq'", want);
	db_expect_text(fx.path, "SELECT value FROM audit_meta WHERE key = "
	    "'chain_base_hash'", hashes[8]);
	db_expect_text(fx.path, "SELECT status FROM commands WHERE id = 14",
	    "running");
	/* Row 1 started before the base and is verified by its end. */
	expect_verify(fx.path, NULL, 6, 2 * (PRUNE_ROWS + 1) + 1);

	/* Heads: pruned, at the base, and after it. */
	snprintf(head, sizeof head, "5:%s", hashes[2]);
	expect_refused(fx.path, head, "the head given (seq 5) was pruned",
	    "starts after seq 17");
	snprintf(head, sizeof head, "17:%s", hashes[8]);
	expect_verify(fx.path, head, 6, 2 * (PRUNE_ROWS + 1) + 1);

	/* The running row ends; the next pruning keeps the newest 5. */
	CU_ASSERT_EQUAL(records_finish(running, &ae, hashes[PRUNE_ROWS + 1],
	    NULL), 0);
	audit_set_retention(0, PRUNE_KEEP);
	if (wait_text(fx.path, "SELECT count(*) FROM commands", "5") == 0) {
		db_expect_text(fx.path, "SELECT group_concat(id, ' ') FROM "
		    "(SELECT id FROM commands ORDER BY id)", "1 11 12 13 14");
		expect_verify(fx.path, NULL, 5, 2 * (PRUNE_ROWS + 1) + 2);
	}

	/* No limit: nothing more goes. */
	audit_set_retention(0, 0);
	for (i = 1; i <= 3; i++)
		chain_add(PRUNE_ROWS + 1 + i, &id, hashes[0]);
	expect_verify(fx.path, NULL, 8, 2 * (PRUNE_ROWS + 1) + 8);
stop:
	audit_stop();
out:
	fixture_free(&fx);
}

/*
 * A backlog is pruned in batches of 500 rows until it is gone, and once
 * retention is set, every 500 rows made final prune again without being
 * asked.
 */
static void
test_chain_prune_batches(void)
{
	struct fixture	 fx;
	char		 hash[CHAIN_HASH_LEN + 1], want[16];
	uint64_t	 id;
	u_int		 i;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (fixture_open(&fx, 0) != 0)
		goto out;
	audit_start();
	for (i = 1; i <= BATCH_ROWS; i++)
		if (chain_add(i, &id, hash) != 0)
			goto stop;

	audit_set_retention(0, BATCH_KEEP);
	snprintf(want, sizeof want, "%u", 2 * (BATCH_ROWS - BATCH_KEEP));
	if (wait_text(fx.path, "SELECT value FROM audit_meta WHERE key = "
	    "'chain_base_seq'", want) != 0)
		goto stop;
	snprintf(want, sizeof want, "%u", BATCH_KEEP);
	db_expect_text(fx.path, "SELECT count(*) FROM commands", want);
	expect_verify(fx.path, NULL, BATCH_KEEP, 2 * BATCH_ROWS);

	/* 499 more rows: nothing is pruned yet. */
	for (i = 1; i < PRUNE_BATCH; i++)
		if (chain_add(BATCH_ROWS + i, &id, hash) != 0)
			goto stop;
	snprintf(want, sizeof want, "%u", BATCH_KEEP + PRUNE_BATCH - 1);
	db_expect_text(fx.path, "SELECT count(*) FROM commands", want);

	/* The 500th: the writer prunes on its own. */
	if (chain_add(BATCH_ROWS + PRUNE_BATCH, &id, hash) != 0)
		goto stop;
	snprintf(want, sizeof want, "%u", 2 * (BATCH_ROWS + PRUNE_BATCH -
	    BATCH_KEEP));
	if (wait_text(fx.path, "SELECT value FROM audit_meta WHERE key = "
	    "'chain_base_seq'", want) == 0)
		expect_verify(fx.path, NULL, BATCH_KEEP, 2 * (BATCH_ROWS +
		    PRUNE_BATCH));
stop:
	audit_stop();
out:
	fixture_free(&fx);
}

/*
 * AuditRetainDays over six rows, each old (2001) or new (now) as ages
 * says, from id 1: the rows left are want (their ids), and the chain base
 * is the end of the last row pruned, base (row i starts at 2i - 1 and
 * ends at 2i); the rest verifies. The old rows are made by the migration
 * from version 1, which chains rows with the times they hold, so that
 * every hash is valid before pruning.
 */
static void
prune_age_case(const char *ages, const char *want, u_int base)
{
	struct fixture	 fx;
	struct timespec	 ts;
	char		 now[32], *rows, *more, *hb = NULL, *sql;
	char		 head[HEAD_LEN], nrows[16], nbase[16];
	u_int		 i, left = (u_int)(strlen(want) + 1) / 2;
	int		 old;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	text_time(&ts, now, sizeof now);
	rows = xstrdup("");
	for (i = 1; i <= 6; i++) {
		old = ages[i - 1] == 'o';
		xasprintf(&more, "%sINSERT INTO commands (id, started_at, "
		    "finished_at, client_addr, command, status, exit_code) "
		    "VALUES (%u, '%s', '%s', '127.0.0.1', 'echo %u', 'exited', "
		    "0);", rows, i, old ? "2001-02-03T04:05:06.007Z" : now,
		    old ? "2001-02-03T04:05:07.008Z" : now, i);
		free(rows);
		rows = more;
	}
	if (v1_build(fx.path, rows) != 0)
		goto out;
	if (fixture_open(&fx, 0) != 0)
		goto out;
	xasprintf(&sql, "SELECT end_hash FROM commands WHERE end_seq = %u",
	    base);
	hb = db_text(fx.path, sql);
	free(sql);
	expect_verify(fx.path, NULL, 6, 12);

	audit_start();
	audit_set_retention(30, 0);
	snprintf(nrows, sizeof nrows, "%u", left);
	snprintf(nbase, sizeof nbase, "%u", base);
	if (wait_text(fx.path, "SELECT count(*) FROM commands", nrows) == 0) {
		db_expect_text(fx.path, "SELECT group_concat(id) FROM commands",
		    want);
		db_expect_text(fx.path, "SELECT value FROM audit_meta "
		    "WHERE key = 'chain_base_seq'", nbase);
		db_expect_text(fx.path, "SELECT value FROM audit_meta "
		    "WHERE key = 'chain_base_hash'", hb);
		expect_verify(fx.path, NULL, left, 12);
		snprintf(head, sizeof head, "%u:%s", base, hb == NULL ? "" : hb);
		expect_verify(fx.path, head, left, 12);
	}
	audit_stop();
out:
	free(hb);
	free(rows);
	fixture_free(&fx);
}

/* AuditRetainDays: rows that finished before the cutoff go. */
static void
test_chain_prune_age(void)
{
	prune_age_case("oooonn", "5,6", 8);
}

/*
 * A row that says it finished long ago after newer ones (the clock was
 * behind when it ended, as after a boot with a dead RTC) does not take
 * the newer rows with it: the cut stops before the first row to keep. It
 * went through the last old row's end, and all but row 6 went.
 */
static void
test_chain_prune_age_past(void)
{
	prune_age_case("oonnon", "3,4,5,6", 4);
}

/*
 * Rows made old by editing finished_at no longer match their hashes; once
 * AuditRetainDays has pruned them all, the newer rows, which link to the
 * stored hash of the last old one, verify.
 */
static void
test_chain_prune_age_edited(void)
{
	struct fixture	 fx;
	char		 hashes[CHAIN_ROWS + 2][CHAIN_HASH_LEN + 1];
	uint64_t	 id;
	u_int		 i;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, 3, hashes) != 0 || db_exec(fx.path, "UPDATE "
	    "commands SET finished_at = '2001-01-01T00:00:00.000Z'") != 0)
		goto out;
	expect_refused(fx.path, NULL, "row id 1: its end (seq 2) does not "
	    "match", NULL);

	if (fixture_open(&fx, 0) != 0)
		goto out;
	audit_start();
	for (i = 4; i <= 6; i++)
		chain_add(i, &id, hashes[i - 3]);
	audit_set_retention(1, 0);
	if (wait_text(fx.path, "SELECT value FROM audit_meta WHERE key = "
	    "'chain_base_seq'", "6") == 0) {
		db_expect_text(fx.path, "SELECT group_concat(id) FROM commands",
		    "4,5,6");
		expect_verify(fx.path, NULL, 3, 12);
	}
	audit_stop();
out:
	fixture_free(&fx);
}

/*
 * A database of version 1 is upgraded to 4 on open: its rows are chained
 * in id order under version 2, the final ones start and end, the running
 * one its start, and then recovery marks it interrupted and chains its
 * end; the chain verifies, and the views are there.
 */
static void
test_chain_migrate(void)
{
	struct fixture	 fx;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (v1_build(fx.path, rows_v1) != 0)
		goto out;
	db_expect_text(fx.path, "PRAGMA user_version", "1");
	if (fixture_open(&fx, 1) != 0)
		goto out;
	audit_stop();
	db_expect_text(fx.path, "PRAGMA user_version", "10");
	db_expect_text(fx.path, "SELECT group_concat(id || ':' || seq || "
	    "':' || end_seq, ' ') FROM (SELECT * FROM commands ORDER BY id)",
	    "1:1:2 2:3:4 3:5:8 4:6:7");
	db_expect_text(fx.path, "SELECT status || ' ' || (finished_at IS NOT "
	    "NULL) || ' ' || reason FROM commands WHERE id = 3",
	    "interrupted 1 rcmdd stopped before the command finished");
	db_expect_text(fx.path, "SELECT count(*) FROM commands WHERE "
	    "seq IS NULL OR length(hash) != 64 OR length(end_hash) != 64 OR "
	    "chain_version != 2", "0");
	db_expect_text(fx.path, "SELECT count(*) FROM audit_meta", "2");
	db_expect_text(fx.path, "SELECT group_concat(name, ' ') FROM "
	    "(SELECT name FROM sqlite_master WHERE type = 'view' "
	    "ORDER BY name)",
	    "denied_attempts failed_commands forward_status longest_commands "
	    "recent_commands safe_commands top_clients");
	db_expect_text(fx.path, "SELECT seq FROM sqlite_sequence WHERE name = "
	    "'commands'", "4");
	expect_verify(fx.path, NULL, 4, 8);
	expect_verify(fx.path, "0:" ZERO_HASH, 4, 8);
out:
	fixture_free(&fx);
}

/*
 * Opening an upgraded database again chains nothing again and changes
 * no hash; the next row continues the chain.
 */
static void
test_chain_reopen(void)
{
	struct fixture	 fx;
	char		 hashes[CHAIN_ROWS + 2][CHAIN_HASH_LEN + 1];
	char		*before = NULL, *after = NULL;
	uint64_t	 id;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (v1_build(fx.path, rows_v1) != 0 ||
	    chain_build(&fx, 0, hashes) != 0)
		goto out;
	before = db_text(fx.path, "SELECT group_concat(id || ' ' || seq || "
	    "' ' || hash || ' ' || end_seq || ' ' || end_hash || ' ' || "
	    "finished_at, ',') FROM commands");
	CU_ASSERT_PTR_NOT_NULL(before);
	if (fixture_open(&fx, 0) != 0)
		goto out;
	audit_stop();
	after = db_text(fx.path, "SELECT group_concat(id || ' ' || seq || "
	    "' ' || hash || ' ' || end_seq || ' ' || end_hash || ' ' || "
	    "finished_at, ',') FROM commands");
	CU_ASSERT(before != NULL && after != NULL &&
	    strcmp(before, after) == 0);
	db_expect_text(fx.path, "PRAGMA user_version", "10");

	if (fixture_open(&fx, 0) != 0)
		goto out;
	audit_start();
	chain_add(5, &id, hashes[5]);
	audit_stop();
	db_expect_text(fx.path, "SELECT seq || ' ' || end_seq FROM commands "
	    "WHERE id = 5", "9 10");
	expect_verify(fx.path, NULL, 5, 10);
out:
	free(before);
	free(after);
	fixture_free(&fx);
}

/*
 * At start-up, rows left running whose start rcmdd chained are marked
 * interrupted and their ends chained; a running row forged without a
 * start, or with one that does not verify, is left running and named by
 * verify, and so is a final row inserted without seq.
 */
static void
test_chain_recover_only_running(void)
{
	struct fixture		 fx;
	struct cmd_record	 as;
	char			 hashes[CHAIN_ROWS + 1][CHAIN_HASH_LEN + 1];
	uint64_t		 running;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, 3, hashes) != 0)
		goto out;
	if (fixture_open(&fx, 0) != 0)
		goto out;
	audit_start();
	records_fill(&as, "sleep 100");
	CU_ASSERT_EQUAL(records_begin(&as, &running, NULL), 0);
	CU_ASSERT_EQUAL(running, 4);
	audit_stop();
	if (db_exec(fx.path, "INSERT INTO commands (id, started_at, "
	    "finished_at, client_addr, command, status, exit_code) VALUES (5, "
	    "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', "
	    "'127.0.0.1', 'echo forged', 'exited', 0);"
	    "INSERT INTO commands (id, started_at, client_addr, command, "
	    "status) VALUES (6, '2026-01-01T00:00:00.000Z', '127.0.0.1', "
	    "'echo forged', 'running');"
	    "INSERT INTO commands (id, started_at, client_addr, command, "
	    "status, seq, hash, chain_version) SELECT 7, started_at, "
	    "client_addr, 'echo forged', 'running', 8, hash, 2 FROM commands "
	    "WHERE id = 4") != 0)
		goto out;

	if (fixture_open(&fx, 0) != 0)
		goto out;
	audit_stop();
	db_expect_text(fx.path, "SELECT status || ' ' || seq || ' ' || end_seq "
	    "FROM commands WHERE id = 4", "interrupted 7 9");
	db_expect_text(fx.path, "SELECT seq FROM commands WHERE id = 5", NULL);
	db_expect_text(fx.path, "SELECT group_concat(status || ' ' || "
	    "ifnull(end_seq, '-'), ',') FROM commands WHERE id IN (6, 7)",
	    "running -,running -");
	expect_refused(fx.path, NULL, "row id 7: its start (seq 8) does not "
	    "match its hash", NULL);
	if (db_exec(fx.path, "DELETE FROM commands WHERE id = 7") != 0)
		goto out;
	expect_refused(fx.path, NULL, "row id 5 is exited but not in the "
	    "chain", NULL);
	if (db_exec(fx.path, "DELETE FROM commands WHERE id = 5") != 0)
		goto out;
	expect_refused(fx.path, NULL, "row id 6 is running but its start is "
	    "not in the chain", NULL);
out:
	fixture_free(&fx);
}

/*
 * The views answer over the rows the writer made, and show what a client
 * sent (command, client name, identity, reason) safe for a terminal: C0
 * controls, DEL, C1 controls and the bidirectional controls escaped,
 * while the table keeps the exact bytes.
 */
static void
test_chain_views(void)
{
	static const char hostile[] = "echo evil\recho hello\033]0;title\a"
	    "\xe2\x80\xae" "cba\x7f\xc2\x9b" "2J\n\t";
	struct fixture		 fx;
	struct cmd_record	 as;
	struct cmd_record	 ae;
	char			 hashes[CHAIN_ROWS + 2][CHAIN_HASH_LEN + 1];
	uint64_t		 id;

	if (fixture_new(&fx, "test_chain") != 0)
		return;
	if (chain_build(&fx, CHAIN_ROWS + 1, hashes) != 0)
		goto out;
	if (db_exec(fx.path, "INSERT INTO commands (started_at, client_addr, "
	    "client_port, command, status, reason) VALUES "
	    "('2026-01-01T00:00:00.000Z', '10.1.2.3', 5555, 'id', 'denied', "
	    "'not allowed')") != 0)
		goto out;
	db_expect_text(fx.path, "SELECT group_concat(id) FROM recent_commands",
	    "7,6,5,4,3,2,1");
	/* Rows 1, 2 and 5 exited 1, 2, 1; rows 3 and 6 were signaled. */
	db_expect_text(fx.path, "SELECT group_concat(id || ' ' || status) FROM "
	    "failed_commands", "6 signaled,5 exited,3 signaled,2 exited,"
	    "1 exited");
	db_expect_text(fx.path, "SELECT id || ' ' || client_addr || ' ' || "
	    "client_port || ' ' || reason FROM denied_attempts",
	    "7 10.1.2.3 5555 not allowed");
	db_expect_text(fx.path, "SELECT group_concat(client_addr || ' ' || "
	    "commands || ' ' || failed || ' ' || denied, ',') FROM top_clients",
	    "127.0.0.1 6 5 0,10.1.2.3 1 0 1");
	db_expect_text(fx.path, "SELECT group_concat(id || ' ' || duration_ms) "
	    "FROM longest_commands", "6 60,5 50,4 40,3 30,2 20,1 10");

	/* What a client sent, shown safe. */
	if (fixture_open(&fx, 0) != 0)
		goto out;
	audit_start();
	records_fill(&as, hostile);
	as.peer.client_name = "bob\r\033[2Kalice";
	as.peer.identity = "carol\xe2\x81\xa6x";
	CU_ASSERT_EQUAL(records_begin(&as, &id, NULL), 0);
	memset(&ae, 0, sizeof ae);
	ae.status = "failed";
	ae.reason = "no\x1b[8m hidden";
	CU_ASSERT_EQUAL(records_finish(id, &ae, NULL, NULL), 0);
	audit_stop();
	db_expect_text(fx.path, "SELECT command FROM safe_commands ORDER BY id "
	    "DESC LIMIT 1", "echo evil\\x0decho hello\\x1b]0;title\\x07"
	    "\\u{202e}cba\\x7f\\u{9b}2J\\x0a\\x09");
	/* The views cut at 60 characters, then escape. */
	db_expect_text(fx.path, "SELECT command FROM recent_commands LIMIT 1",
	    "echo evil\\x0decho hello\\x1b]0;title\\x07\\u{202e}cba\\x7f"
	    "\\u{9b}2J\\x0a\\x09");
	if (db_exec(fx.path, "UPDATE commands SET command = 'echo ' || "
	    "printf('%.54c', 'x') || char(27) || 'y' WHERE id = 1") != 0)
		goto out;
	db_expect_text(fx.path, "SELECT length(command) FROM longest_commands "
	    "WHERE id = 1", "63");
	db_expect_text(fx.path, "SELECT substr(command, 59) FROM "
	    "longest_commands WHERE id = 1", "x\\x1b");
	db_expect_text(fx.path, "SELECT hex(command) FROM commands WHERE id = "
	    "(SELECT max(id) FROM commands)", "6563686F206576696C0D6563686F20"
	    "68656C6C6F1B5D303B7469746C6507E280AE6362617FC29B324A0A09");
	db_expect_text(fx.path, "SELECT reason || '|' || identity FROM "
	    "failed_commands LIMIT 1", "no\\x1b[8m hidden|carol\\u{2066}x");
	db_expect_text(fx.path, "SELECT client_name FROM safe_commands "
	    "ORDER BY id DESC LIMIT 1", "bob\\x0d\\x1b[2Kalice");
	db_expect_text(fx.path, "SELECT identity FROM top_clients WHERE "
	    "identity IS NOT NULL", "carol\\u{2066}x");
	/* Plain text costs nothing and is shown as it is. */
	db_expect_text(fx.path, "SELECT command FROM safe_commands WHERE "
	    "id = 2", "echo row 2");
out:
	fixture_free(&fx);
}

/* Run the suite; exit non-zero if any test failed. */
int
main(void)
{
	log_init("test_chain", 1, 0);
	return (unit_run("test_chain", "chain", chain_tests));
}
