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
#include <openssl/evp.h>
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
 * The audit log's hash chain. When a row is final, the writer gives it the
 * next sequence number and a SHA-256 over its content and the previous
 * row's hash, so an edited field, a deleted, inserted or reordered row
 * breaks the chain at that row. The encoding, documented in rcmdd(8):
 *
 *	"rcmdd-chain-1\n", the previous hash in lowercase hex, "\n", then
 *	each field of CHAIN_FIELDS in order as a netstring of its bytes as
 *	stored ("5:hello,"; integers in decimal), or "-," for NULL.
 *
 *	The last field, fingerprint (schema 3), is hashed only when it is not
 *	NULL, so that rows without one hash as they did before it existed.
 *
 * The first row links to the chain base kept in audit_meta: 64 zeros,
 * then the hash of the last row pruned. Everything here runs on the audit
 * writer thread, or in rcmdd --verify-audit.
 */

#define CHAIN_MAGIC	"rcmdd-chain-1\n"
#define CHAIN_REST	"id, started_at, finished_at, client_addr, " \
			"client_port, client_name, identity, command, " \
			"status, exit_code, signal, duration_ms, output, " \
			"output_bytes, truncated, reason, fingerprint"
#define CHAIN_FIELDS	"seq, " CHAIN_REST
#define CHAIN_FIELDS_2	"seq, id, started_at, finished_at, client_addr, " \
			"client_port, client_name, identity, command, " \
			"status, exit_code, signal, duration_ms, output, " \
			"output_bytes, truncated, reason, NULL"
#define CHAIN_NFIELDS	17	/* always hashed */
#define CHAIN_NCOLUMNS	18	/* with fingerprint, hashed unless NULL */
#define CHAIN_HEX	"0123456789abcdefABCDEF"

static int	chain_hash_row(sqlite3_stmt *, const char *, char *);
static char	*chain_error(sqlite3 *, const char *);
static void	 chain_stmt_done(sqlite3_stmt *, int);

/*
 * The two statements chain_seal runs, prepared once for the writer's
 * database by chain_prepare: parsing them for every row cost more than
 * the rest of sealing it.
 */
static sqlite3		*chain_db;
static sqlite3_stmt	*chain_select_stmt;
static sqlite3_stmt	*chain_update_stmt;

#define CHAIN_SELECT_SQL	"SELECT ?, " CHAIN_REST " FROM commands " \
				"WHERE id = ?"
#define CHAIN_UPDATE_SQL	"UPDATE commands SET seq = ?, hash = ? " \
				"WHERE id = ?"

/*
 * Hash the row stmt stands on (its first CHAIN_NCOLUMNS columns) linked to
 * prev, into hash (65 bytes). Return 0, or -1 if OpenSSL fails.
 */
static int
chain_hash_row(sqlite3_stmt *stmt, const char *prev, char *hash)
{
	EVP_MD_CTX	*ctx;
	u_char		 md[EVP_MAX_MD_SIZE];
	u_int		 mdlen, i;
	char		 len[32];
	const void	*p;
	int		 n, rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, CHAIN_MAGIC, strlen(CHAIN_MAGIC)) != 1 ||
	    EVP_DigestUpdate(ctx, prev, CHAIN_HASH_LEN) != 1 ||
	    EVP_DigestUpdate(ctx, "\n", 1) != 1)
		goto out;
	for (i = 0; i < CHAIN_NCOLUMNS; i++) {
		if (sqlite3_column_type(stmt, i) == SQLITE_NULL) {
			if (i >= CHAIN_NFIELDS)
				continue;
			if (EVP_DigestUpdate(ctx, "-,", 2) != 1)
				goto out;
			continue;
		}
		p = sqlite3_column_text(stmt, i);
		n = sqlite3_column_bytes(stmt, i);
		snprintf(len, sizeof len, "%d:", n);
		if (EVP_DigestUpdate(ctx, len, strlen(len)) != 1 ||
		    (n != 0 && EVP_DigestUpdate(ctx, p, n) != 1) ||
		    EVP_DigestUpdate(ctx, ",", 1) != 1)
			goto out;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen * 2 !=
	    CHAIN_HASH_LEN)
		goto out;
	for (i = 0; i < mdlen; i++)
		snprintf(hash + 2 * i, 3, "%02x", md[i]);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return (rc);
}

/* Return an allocated message for the last SQLite error. */
static char *
chain_error(sqlite3 *db, const char *what)
{
	char	*s;

	xasprintf(&s, "%s: %s", what, sqlite3_errmsg(db));
	return (s);
}

/* Read the chain base: where the chain starts after pruning. */
int
chain_base_read(sqlite3 *db, struct chain_head *base, char **cause)
{
	sqlite3_stmt	*stmt;
	const char	*h;

	base->seq = 0;
	memset(base->hash, '0', CHAIN_HASH_LEN);
	base->hash[CHAIN_HASH_LEN] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT (SELECT value FROM audit_meta "
	    "WHERE key = 'chain_base_seq'), (SELECT value FROM audit_meta "
	    "WHERE key = 'chain_base_hash')", -1, &stmt, NULL) != SQLITE_OK) {
		*cause = chain_error(db, "cannot read the chain base");
		return (-1);
	}
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		base->seq = (uint64_t)sqlite3_column_int64(stmt, 0);
		h = (const char *)sqlite3_column_text(stmt, 1);
		if (h != NULL && strlen(h) == CHAIN_HASH_LEN)
			memcpy(base->hash, h, CHAIN_HASH_LEN);
	}
	sqlite3_finalize(stmt);
	return (0);
}

/*
 * Cut the chain after seq last: delete every sealed row up to it and make
 * its hash the chain base, so that the rest still verifies. Inside the
 * writer's transaction, for retention.
 */
int
chain_cut(sqlite3 *db, uint64_t last, char **cause)
{
	sqlite3_stmt	*stmt = NULL;
	char		 hash[CHAIN_HASH_LEN + 1], seq[32];
	const char	*h;

	if (sqlite3_prepare_v2(db, "SELECT hash FROM commands WHERE seq = ?",
	    -1, &stmt, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)last);
	if (sqlite3_step(stmt) != SQLITE_ROW ||
	    (h = (const char *)sqlite3_column_text(stmt, 0)) == NULL ||
	    strlen(h) != CHAIN_HASH_LEN) {
		xasprintf(cause, "seq %" PRIu64 " is missing or has no hash: "
		    "run rcmdd --verify-audit", last);
		sqlite3_finalize(stmt);
		return (-1);
	}
	memcpy(hash, h, sizeof hash);
	sqlite3_finalize(stmt);
	stmt = NULL;

	if (sqlite3_prepare_v2(db, "DELETE FROM commands WHERE seq IS NOT "
	    "NULL AND seq <= ?", -1, &stmt, NULL) != SQLITE_OK)
		goto sqlfail;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)last);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		goto sqlfail;
	sqlite3_finalize(stmt);
	stmt = NULL;

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

/* Load the chain's head: its last sealed row, or its base. */
int
chain_load(sqlite3 *db, struct chain_head *head, char **cause)
{
	sqlite3_stmt	*stmt;
	const char	*h;
	int		 rc;

	if (chain_base_read(db, head, cause) != 0)
		return (-1);
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM commands WHERE "
	    "seq IS NOT NULL ORDER BY seq DESC LIMIT 1", -1, &stmt,
	    NULL) != SQLITE_OK) {
		*cause = chain_error(db, "cannot read the chain head");
		return (-1);
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		head->seq = (uint64_t)sqlite3_column_int64(stmt, 0);
		h = (const char *)sqlite3_column_text(stmt, 1);
		if (h == NULL || strlen(h) != CHAIN_HASH_LEN) {
			sqlite3_finalize(stmt);
			xasprintf(cause, "the chain head (seq %" PRIu64 ") has "
			    "no valid hash: run rcmdd --verify-audit",
			    head->seq);
			return (-1);
		}
		memcpy(head->hash, h, CHAIN_HASH_LEN + 1);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*cause = chain_error(db, "cannot read the chain head");
		return (-1);
	}
	return (0);
}

/*
 * Seal a final row: give it the next sequence number and its hash, and
 * move the head. Runs inside the writer's transaction; on failure the
 * caller rolls back and restores the head it saved.
 */
int
chain_seal(sqlite3 *db, uint64_t id, struct chain_head *head, char **cause)
{
	sqlite3_stmt	*select = NULL, *update = NULL;
	char		 hash[CHAIN_HASH_LEN + 1];
	uint64_t	 seq = head->seq + 1;
	int		 cached = db == chain_db;

	if (cached) {
		select = chain_select_stmt;
		update = chain_update_stmt;
	} else if (sqlite3_prepare_v2(db, CHAIN_SELECT_SQL, -1, &select,
	    NULL) != SQLITE_OK || sqlite3_prepare_v2(db, CHAIN_UPDATE_SQL, -1,
	    &update, NULL) != SQLITE_OK)
		goto sqlfail;
	/* The first column is the new seq, so the row hashes as it will be. */
	sqlite3_bind_int64(select, 1, (sqlite3_int64)seq);
	sqlite3_bind_int64(select, 2, (sqlite3_int64)id);
	if (sqlite3_step(select) != SQLITE_ROW)
		goto sqlfail;
	if (chain_hash_row(select, head->hash, hash) != 0) {
		chain_stmt_done(select, cached);
		chain_stmt_done(update, cached);
		xasprintf(cause, "cannot hash audit row %" PRIu64, id);
		return (-1);
	}
	chain_stmt_done(select, cached);
	select = NULL;
	sqlite3_bind_int64(update, 1, (sqlite3_int64)seq);
	sqlite3_bind_text(update, 2, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(update, 3, (sqlite3_int64)id);
	if (sqlite3_step(update) != SQLITE_DONE)
		goto sqlfail;
	chain_stmt_done(update, cached);
	head->seq = seq;
	memcpy(head->hash, hash, CHAIN_HASH_LEN + 1);
	return (0);

sqlfail:
	*cause = chain_error(db, "cannot seal the audit row");
	chain_stmt_done(select, cached);
	chain_stmt_done(update, cached);
	return (-1);
}

/* Reset a cached statement for its next use, or finalize a transient one. */
static void
chain_stmt_done(sqlite3_stmt *stmt, int cached)
{
	if (stmt == NULL)
		return;
	if (cached) {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
	} else
		sqlite3_finalize(stmt);
}

/*
 * Prepare chain_seal's statements once for the audit writer's database.
 * Return 0, or -1 and chain_seal prepares them for every row.
 */
int
chain_prepare(sqlite3 *db)
{
	chain_finalize();
	if (sqlite3_prepare_v3(db, CHAIN_SELECT_SQL, -1,
	    SQLITE_PREPARE_PERSISTENT, &chain_select_stmt, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(db, CHAIN_UPDATE_SQL, -1,
	    SQLITE_PREPARE_PERSISTENT, &chain_update_stmt, NULL) != SQLITE_OK) {
		chain_finalize();
		return (-1);
	}
	chain_db = db;
	return (0);
}

/* Finalize what chain_prepare prepared, before the database closes. */
void
chain_finalize(void)
{
	sqlite3_finalize(chain_select_stmt);
	sqlite3_finalize(chain_update_stmt);
	chain_select_stmt = chain_update_stmt = NULL;
	chain_db = NULL;
}

/*
 * Check the whole chain of the database at path, read-only: every sealed
 * row's hash and link, that no sequence number is missing, that no final
 * row is outside the chain, and, if given, that the head "SEQ:HASH" (as
 * logged by rcmdd) is in it. Return 0 with the number of rows checked and
 * the head, or -1 with a cause naming the first row that does not match.
 */
int
chain_verify(const char *path, const char *expect, uint64_t *nrows,
    struct chain_head *head, char **cause)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*stmt = NULL;
	struct chain_head base;
	const char	*stored;
	char		 hash[CHAIN_HASH_LEN + 1], *end = NULL;
	uint64_t	 seq, id, want_seq = 0;
	int		 rc, found = 0;

	*nrows = 0;
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
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		xasprintf(cause, "cannot open %s: %s", path, db == NULL ?
		    "out of memory" : sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		*cause = chain_error(db, path);
		goto fail;
	}
	if (chain_base_read(db, &base, cause) != 0)
		goto fail;
	*head = base;

	/* A schema 2 database, not yet upgraded, has no fingerprint. */
	if (sqlite3_prepare_v2(db, "SELECT " CHAIN_FIELDS ", hash FROM "
	    "commands WHERE seq IS NOT NULL ORDER BY seq", -1, &stmt,
	    NULL) != SQLITE_OK && sqlite3_prepare_v2(db, "SELECT "
	    CHAIN_FIELDS_2 ", hash FROM commands WHERE seq IS NOT NULL "
	    "ORDER BY seq", -1, &stmt, NULL) != SQLITE_OK) {
		*cause = chain_error(db, path);
		goto fail;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		seq = (uint64_t)sqlite3_column_int64(stmt, 0);
		id = (uint64_t)sqlite3_column_int64(stmt, 1);
		stored = (const char *)sqlite3_column_text(stmt, CHAIN_NCOLUMNS);
		if (seq != head->seq + 1) {
			if (seq <= head->seq)
				xasprintf(cause, "row id %" PRIu64 " has seq %"
				    PRIu64 ", not after seq %" PRIu64 ": a row "
				    "was inserted or renumbered", id, seq,
				    head->seq);
			else
				xasprintf(cause, "seq %" PRIu64 " is missing "
				    "before row id %" PRIu64 " (seq %" PRIu64
				    "): a row was deleted or renumbered",
				    head->seq + 1, id, seq);
			goto fail;
		}
		if (chain_hash_row(stmt, head->hash, hash) != 0) {
			xasprintf(cause, "cannot hash row id %" PRIu64, id);
			goto fail;
		}
		if (stored == NULL || strcmp(stored, hash) != 0) {
			xasprintf(cause, "row id %" PRIu64 " (seq %" PRIu64
			    ") does not match its hash: its content or its "
			    "link to seq %" PRIu64 " was changed", id, seq,
			    head->seq);
			goto fail;
		}
		head->seq = seq;
		memcpy(head->hash, hash, CHAIN_HASH_LEN + 1);
		(*nrows)++;
		if (expect != NULL && seq == want_seq) {
			if (strcasecmp(end + 1, hash) != 0) {
				xasprintf(cause, "row id %" PRIu64 " (seq %"
				    PRIu64 ") has hash %s, but the head given "
				    "says %s: the chain was rewritten", id, seq,
				    hash, end + 1);
				goto fail;
			}
			found = 1;
		}
	}
	if (rc != SQLITE_DONE) {
		*cause = chain_error(db, path);
		goto fail;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;

	if (expect != NULL && !found) {
		if (want_seq == base.seq && strcasecmp(end + 1, base.hash) == 0)
			found = 1;
		else if (want_seq == base.seq)
			xasprintf(cause, "the head given (seq %" PRIu64 ") says "
			    "%s, but the chain base in audit_meta says %s: the "
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

	if (sqlite3_prepare_v2(db, "SELECT id, status FROM commands WHERE "
	    "seq IS NULL AND status != 'running' ORDER BY id LIMIT 1", -1,
	    &stmt, NULL) != SQLITE_OK) {
		*cause = chain_error(db, path);
		goto fail;
	}
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		xasprintf(cause, "row id %lld is %s but not in the chain: it "
		    "was inserted or changed outside rcmdd",
		    sqlite3_column_int64(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 1));
		goto fail;
	}
	sqlite3_finalize(stmt);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return (0);

fail:
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return (-1);
}
