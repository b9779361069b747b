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
#include <openssl/evp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The audit log's hash chain: a sequence of events, each with the next
 * sequence number and a SHA-256 over its fields and the previous event's
 * hash, so that an edited field, or a deleted, inserted or reordered event
 * breaks the chain there. The encodings, documented in rcmdd(8),
 * "Tamper evidence":
 *
 *	Version 1 (rows sealed before schema 4): one event per final row,
 *	its seq and hash. "rcmdd-chain-1\n", the previous hash in lowercase
 *	hex, "\n", then each field of chain_v1 as a netstring of its bytes
 *	as text ("5:hello,"; integers in decimal), or "-," for NULL; the
 *	last field, fingerprint, only when it is not NULL.
 *
 *	Version 2: two events per row. Its start (seq, hash) is chained in
 *	the transaction that inserts the row, before the command runs; its
 *	end (end_seq, end_hash) in the one that makes it final, over the
 *	whole row. "rcmdd-chain-2\n", the previous hash, "\n", "start\n" or
 *	"end\n", then each field of chain_start or chain_end that is not
 *	NULL as the netstring of its name, a type letter (i, f, t, b for
 *	SQLite's INTEGER, REAL, TEXT and BLOB) and the netstring of its
 *	value: integers in decimal, reals as 8 bytes big-endian IEEE 754,
 *	text and blobs as their bytes. A column added later is appended to
 *	the lists, and a row where it is NULL hashes as before.
 *
 *	A terminal's recording (recording.c): a "chunk\n" event for each
 *	chunk of its asciicast events, chained when it is written, between
 *	the row's start and end in the same sequence: the fields seq,
 *	command_id, start_seq (the row's start event), chunk (0, 1, ...),
 *	data (text) and truncated (1 on the last chunk when the recording
 *	reached SessionRecordMax), encoded as a row's fields are.
 *
 * The first event links to the chain base kept in audit_meta: 64 zeros,
 * then the hash of the last event pruned. Everything here runs on the
 * audit writer thread, at start-up, or in rcmdd --verify-audit
 * (chain_verify.c).
 */

#define CHAIN_MAGIC_1	"rcmdd-chain-1\n"
#define CHAIN_MAGIC_2	"rcmdd-chain-2\n"

/*
 * The columns the chain reads are the record's fields (record.c), in
 * their order. A version 2 event hashes its link first (its seq; an end
 * also the start's seq and hash), then each field the record's table
 * marks for it, in table order: a column added there is appended to the
 * event, and hashes as before where it is NULL. Version 1 is frozen.
 */
#define C_ID		RECORD_F_ID
#define C_FINGERPRINT	RECORD_F_FINGERPRINT
#define C_SEQ		RECORD_F_SEQ
#define C_HASH		RECORD_F_HASH
#define C_END_SEQ	RECORD_F_END_SEQ
#define C_CHAIN_VERSION	RECORD_F_CHAIN_VERSION
#define C_NCOLUMNS	record_nfields

/* What each kind of event hashes, in order. */
static const int chain_v1[] = {
	C_SEQ, C_ID, RECORD_F_STARTED_AT, RECORD_F_FINISHED_AT,
	RECORD_F_CLIENT_ADDR, RECORD_F_CLIENT_PORT, RECORD_F_CLIENT_NAME,
	RECORD_F_IDENTITY, RECORD_F_COMMAND, RECORD_F_STATUS,
	RECORD_F_EXIT_CODE, RECORD_F_SIGNAL, RECORD_F_DURATION_MS,
	RECORD_F_OUTPUT, RECORD_F_OUTPUT_BYTES, RECORD_F_TRUNCATED,
	RECORD_F_REASON, C_FINGERPRINT
};
static const int chain_start_link[] = { C_SEQ };
static const int chain_end_link[] = { C_END_SEQ, C_SEQ, C_HASH };
#define CHAIN_LEN(a)	(sizeof (a) / sizeof (a)[0])

/*
 * An event's bytes on their way to the digest: small pieces (a name, a
 * length, a type letter) are gathered in buf and handed over together,
 * since each EVP_DigestUpdate costs more than the bytes it hashes.
 */
struct chain_md {
	EVP_MD_CTX	*ctx;
	size_t		 len;
	int		 error;
	u_char		 buf[2048];
};

/*
 * Where an event's fields come from: the row a statement stands on (its
 * columns from off, in record_fields order), as the verifier and
 * recovery read it; or the values the writer has just written to it.
 */
struct chain_src {
	sqlite3_stmt			*stmt;
	int				 off;
	const struct record_value	*values;
};

static void	 chain_md_init(void);
static void	 chain_flush(struct chain_md *);
static void	 chain_update(struct chain_md *, const void *, size_t);
static size_t	 chain_decimal(char *, int64_t);
static void	 chain_netstring(struct chain_md *, const void *, size_t);
static void	 chain_typed(struct chain_md *, int, char, const void *,
		     size_t);
static void	 chain_field(struct chain_md *, const struct chain_src *, int,
		     int);
static int	 chain_digest(const struct chain_src *, int, const char *,
		     char *, uint8_t *);
static void	 chain_stmt_done(sqlite3_stmt *, int);
static int	 chain_seal(sqlite3 *, int, uint64_t, struct chain_head *,
		     uint8_t *, char **);

/*
 * The statements chain_seal runs, prepared once for the writer's
 * database by chain_prepare: parsing them for every row cost more than
 * the rest of sealing it.
 */
static sqlite3		*chain_db;
static sqlite3_stmt	*chain_select_stmt[2];
static sqlite3_stmt	*chain_update_stmt[2];

static const char *chain_update_sql[2] = {
	"UPDATE commands SET seq = ?1, hash = ?2, chain_version = 2 "
	    "WHERE id = ?3",
	"UPDATE commands SET end_seq = ?1, end_hash = ?2 WHERE id = ?3"
};

/*
 * Return the record's field names as an allocated SELECT list: the column
 * named swap replaced by expr when swap is not NULL (the sealing
 * statements bind the new sequence number so), and each column present
 * does not mark replaced by NULL (a database not yet upgraded).
 */
char *
chain_columns(const char *swap, const char *expr, const int *present)
{
	const char	*name, *e;
	char		*s = NULL, *t;
	int		 i;

	for (i = 0; i < (int)C_NCOLUMNS; i++) {
		name = record_fields[i].name;
		if (swap != NULL && strcmp(name, swap) == 0)
			e = expr;
		else if (present != NULL && !present[i])
			e = "NULL";
		else
			e = NULL;
		if (e == NULL)
			xasprintf(&t, "%s%s%s", s == NULL ? "" : s,
			    s == NULL ? "" : ", ", name);
		else
			xasprintf(&t, "%s%s%s AS %s", s == NULL ? "" : s,
			    s == NULL ? "" : ", ", e, name);
		free(s);
		s = t;
	}
	return (s);
}

/*
 * SHA-256, fetched from OpenSSL's providers once: EVP_sha256() in
 * EVP_DigestInit_ex fetches it again for every event, which cost more
 * than hashing the event.
 */
static pthread_once_t	 chain_md_once = PTHREAD_ONCE_INIT;
static const EVP_MD	*chain_sha256;

/* Each field's name as a netstring ("2:id,"), written once. */
static struct {
	char	s[32];
	size_t	len;
} chain_names[RECORD_NFIELDS];

static void
chain_md_init(void)
{
	const char	*name;
	u_int		 i;

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	chain_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
#endif
	if (chain_sha256 == NULL)
		chain_sha256 = EVP_sha256();
	for (i = 0; i < RECORD_NFIELDS && i < record_nfields; i++) {
		name = record_fields[i].name;
		chain_names[i].len = (size_t)snprintf(chain_names[i].s,
		    sizeof chain_names[i].s, "%zu:%s,", strlen(name), name);
	}
}

/* Hand what buf holds to the digest. */
static void
chain_flush(struct chain_md *m)
{
	if (m->len != 0 && EVP_DigestUpdate(m->ctx, m->buf, m->len) != 1)
		m->error = 1;
	m->len = 0;
}

/* Feed bytes to the digest: gathered in buf, or at once if large. */
static void
chain_update(struct chain_md *m, const void *p, size_t n)
{
	if (n > sizeof m->buf - m->len)
		chain_flush(m);
	if (n >= sizeof m->buf) {
		if (EVP_DigestUpdate(m->ctx, p, n) != 1)
			m->error = 1;
		return;
	}
	if (n != 0)
		memcpy(m->buf + m->len, p, n);
	m->len += n;
}

/* Write v in decimal (as "%lld" does, no NUL) and return its length. */
static size_t
chain_decimal(char *dst, int64_t v)
{
	char		 tmp[24];
	uint64_t	 u;
	size_t		 n = 0, len = 0;

	u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		dst[len++] = '-';
	while (n > 0)
		dst[len++] = tmp[--n];
	return (len);
}

/* Feed a netstring: the length in decimal, ':', the bytes and ','. */
static void
chain_netstring(struct chain_md *m, const void *p, size_t n)
{
	char	len[32];
	size_t	l;

	l = chain_decimal(len, (int64_t)n);
	len[l++] = ':';
	chain_update(m, len, l);
	chain_update(m, p, n);
	chain_update(m, ",", 1);
}

/*
 * Feed field f to a version 2 event: the netstring of its name, its type
 * letter (i, f, t, b for SQLite's INTEGER, REAL, TEXT and BLOB) and the
 * netstring of its value (p, n).
 */
static void
chain_typed(struct chain_md *m, int f, char type, const void *p, size_t n)
{
	chain_update(m, chain_names[f].s, chain_names[f].len);
	chain_update(m, &type, 1);
	chain_netstring(m, p, n);
}

/*
 * Feed field f of the event's source to it, in version 1's encoding if v1
 * (text of any class; NULL as "-", but nothing for a NULL fingerprint) or
 * in version 2's (nothing if it is NULL).
 */
static void
chain_field(struct chain_md *m, const struct chain_src *src, int f, int v1)
{
	const struct record_value	*v;
	const void			*p;
	u_char				 be[8];
	char				 num[32];
	uint64_t			 bits;
	double				 d;
	int				 c = src->off + f, j;

	if (src->stmt == NULL) {
		/* The writer's values: only integers and text. */
		v = &src->values[f];
		if (v->type == RECORD_INT)
			chain_typed(m, f, 'i', num, chain_decimal(num, v->i));
		else if (v->type == RECORD_TEXT)
			chain_typed(m, f, 't', v->s, v->len);
		return;
	}
	if (v1) {
		if (sqlite3_column_type(src->stmt, c) == SQLITE_NULL) {
			if (f != C_FINGERPRINT)
				chain_update(m, "-,", 2);
			return;
		}
		p = sqlite3_column_text(src->stmt, c);
		chain_netstring(m, p, (size_t)sqlite3_column_bytes(src->stmt,
		    c));
		return;
	}
	switch (sqlite3_column_type(src->stmt, c)) {
	case SQLITE_NULL:
		return;
	case SQLITE_INTEGER:
		chain_typed(m, f, 'i', num, chain_decimal(num,
		    sqlite3_column_int64(src->stmt, c)));
		return;
	case SQLITE_FLOAT:
		d = sqlite3_column_double(src->stmt, c);
		memcpy(&bits, &d, sizeof bits);
		for (j = 0; j < 8; j++)
			be[j] = (u_char)(bits >> (56 - 8 * j));
		chain_typed(m, f, 'f', be, 8);
		return;
	case SQLITE_TEXT:
		p = sqlite3_column_text(src->stmt, c);
		chain_typed(m, f, 't', p,
		    (size_t)sqlite3_column_bytes(src->stmt, c));
		return;
	default:
		p = sqlite3_column_blob(src->stmt, c);
		chain_typed(m, f, 'b', p,
		    (size_t)sqlite3_column_bytes(src->stmt, c));
		return;
	}
}

/*
 * Hash the event of kind what held by the row stmt stands on, whose
 * columns (in record_fields order) start at off, linked to prev, into
 * hash (65 bytes, hex) and raw (RECORD_HASH_LEN bytes) unless it is NULL.
 * Return 0, or -1 if OpenSSL fails.
 */
int
chain_hash(sqlite3_stmt *stmt, int off, int what, const char *prev,
    char *hash, uint8_t *raw)
{
	struct chain_src	src = { stmt, off, NULL };

	return (chain_digest(&src, what, prev, hash, raw));
}

/*
 * The same for a version 2 event (CHAIN_START or CHAIN_END) of a row the
 * writer is writing: values holds each field (record_fields order) as
 * the row holds it once written, links included, and only integers and
 * text, which SQLite stores as they are bound to these columns. The
 * writer hashes so rather than reading the row back.
 */
int
chain_hash_values(const struct record_value *values, int what,
    const char *prev, char *hash, uint8_t *raw)
{
	struct chain_src	src = { NULL, 0, values };

	return (chain_digest(&src, what, prev, hash, raw));
}

/* Hash an event from its source; as chain_hash. */
static int
chain_digest(const struct chain_src *src, int what, const char *prev,
    char *hash, uint8_t *raw)
{
	static const char	 hex[] = "0123456789abcdef";
	struct chain_md		 m;
	const int		*link;
	u_char			 md[EVP_MAX_MD_SIZE];
	u_int			 mdlen, i, nlink;
	int			 flag, rc = -1;

	pthread_once(&chain_md_once, chain_md_init);
	m.len = 0;
	m.error = 0;
	if ((m.ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestInit_ex(m.ctx, chain_sha256, NULL) != 1)
		goto out;
	chain_update(&m, what == CHAIN_ROW ? CHAIN_MAGIC_1 : CHAIN_MAGIC_2,
	    strlen(CHAIN_MAGIC_1));
	chain_update(&m, prev, CHAIN_HASH_LEN);
	chain_update(&m, "\n", 1);
	if (what == CHAIN_START)
		chain_update(&m, "start\n", 6);
	if (what == CHAIN_END)
		chain_update(&m, "end\n", 4);

	if (what == CHAIN_ROW) {
		for (i = 0; i < CHAIN_LEN(chain_v1); i++)
			chain_field(&m, src, chain_v1[i], 1);
	} else {
		if (what == CHAIN_START) {
			link = chain_start_link;
			nlink = CHAIN_LEN(chain_start_link);
			flag = RECORD_CHAIN_START;
		} else {
			link = chain_end_link;
			nlink = CHAIN_LEN(chain_end_link);
			flag = RECORD_CHAIN_END;
		}
		for (i = 0; i < nlink; i++)
			chain_field(&m, src, link[i], 0);
		for (i = 0; i < record_nfields; i++) {
			if ((record_fields[i].flags & flag) != 0)
				chain_field(&m, src, (int)i, 0);
		}
	}
	chain_flush(&m);
	if (m.error)
		goto out;
	if (EVP_DigestFinal_ex(m.ctx, md, &mdlen) != 1 || mdlen * 2 !=
	    CHAIN_HASH_LEN)
		goto out;
	for (i = 0; i < mdlen; i++) {
		hash[2 * i] = hex[md[i] >> 4];
		hash[2 * i + 1] = hex[md[i] & 0xf];
	}
	hash[2 * mdlen] = '\0';
	if (raw != NULL)
		memcpy(raw, md, RECORD_HASH_LEN);
	rc = 0;
out:
	EVP_MD_CTX_free(m.ctx);
	return (rc);
}

/*
 * Hash a recording's chunk event, linked to prev, into hash (65 bytes,
 * hex). Return 0, or -1 if OpenSSL fails.
 */
int
chain_chunk_hash(const char *prev, uint64_t seq, uint64_t id,
    uint64_t start_seq, uint64_t chunk, const void *data, size_t len,
    int64_t truncated, char *hash)
{
	static const char	*names[] = { "seq", "command_id", "start_seq",
				    "chunk", "data", "truncated" };
	static const char	 hex[] = "0123456789abcdef";
	struct chain_md		 m;
	int64_t			 v[6];
	u_char			 md[EVP_MAX_MD_SIZE];
	char			 num[32];
	u_int			 mdlen, i;
	int			 rc = -1;

	v[0] = (int64_t)seq;
	v[1] = (int64_t)id;
	v[2] = (int64_t)start_seq;
	v[3] = (int64_t)chunk;
	v[5] = truncated;
	pthread_once(&chain_md_once, chain_md_init);
	m.len = 0;
	m.error = 0;
	if ((m.ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (EVP_DigestInit_ex(m.ctx, chain_sha256, NULL) != 1)
		goto out;
	chain_update(&m, CHAIN_MAGIC_2, strlen(CHAIN_MAGIC_2));
	chain_update(&m, prev, CHAIN_HASH_LEN);
	chain_update(&m, "\nchunk\n", 7);
	for (i = 0; i < 6; i++) {
		chain_netstring(&m, names[i], strlen(names[i]));
		if (i == 4) {
			chain_update(&m, "t", 1);
			chain_netstring(&m, data, len);
		} else {
			chain_update(&m, "i", 1);
			chain_netstring(&m, num, chain_decimal(num, v[i]));
		}
	}
	chain_flush(&m);
	if (m.error || EVP_DigestFinal_ex(m.ctx, md, &mdlen) != 1 ||
	    mdlen * 2 != CHAIN_HASH_LEN)
		goto out;
	for (i = 0; i < mdlen; i++) {
		hash[2 * i] = hex[md[i] >> 4];
		hash[2 * i + 1] = hex[md[i] & 0xf];
	}
	hash[2 * mdlen] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(m.ctx);
	return (rc);
}

/* Return an allocated message for the last SQLite error. */
char *
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
 * Put the stored hash of event seq (a version 1 row, a start, an end or a
 * recording's chunk) in hash, or the base's if seq is the base. Return 0,
 * or -1 if there is no such event.
 */
int
chain_event_hash(sqlite3 *db, uint64_t seq, const struct chain_head *base,
    char *hash)
{
	sqlite3_stmt	*stmt;
	const char	*h;
	int		 rc = -1;

	if (seq == base->seq) {
		memcpy(hash, base->hash, CHAIN_HASH_LEN + 1);
		return (0);
	}
	if (sqlite3_prepare_v2(db, "SELECT hash FROM commands WHERE seq = ?1 "
	    "UNION ALL SELECT end_hash FROM commands WHERE end_seq = ?1 "
	    "UNION ALL SELECT hash FROM recording WHERE seq = ?1", -1,
	    &stmt, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)seq);
	if (sqlite3_step(stmt) == SQLITE_ROW &&
	    (h = (const char *)sqlite3_column_text(stmt, 0)) != NULL &&
	    strlen(h) == CHAIN_HASH_LEN) {
		memcpy(hash, h, CHAIN_HASH_LEN + 1);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return (rc);
}

/* Load the chain's head: its last event, or its base. */
int
chain_load(sqlite3 *db, struct chain_head *head, char **cause)
{
	sqlite3_stmt	*stmt;
	const char	*h;
	int		 rc;

	if (chain_base_read(db, head, cause) != 0)
		return (-1);
	if (sqlite3_prepare_v2(db, "SELECT n, h FROM (SELECT seq AS n, "
	    "hash AS h FROM commands WHERE seq IS NOT NULL UNION ALL SELECT "
	    "end_seq, end_hash FROM commands WHERE end_seq IS NOT NULL "
	    "UNION ALL SELECT seq, hash FROM recording) "
	    "ORDER BY n DESC LIMIT 1", -1, &stmt, NULL) != SQLITE_OK) {
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
 * Chain a row's start (which 0) or end (1): give the event the next
 * sequence number and its hash, and move the head; the raw hash also goes
 * to raw (RECORD_HASH_LEN bytes) unless it is NULL. Runs inside the
 * writer's transaction; on failure the caller rolls back and restores the
 * head it saved.
 */
static int
chain_seal(sqlite3 *db, int which, uint64_t id, struct chain_head *head,
    uint8_t *raw, char **cause)
{
	sqlite3_stmt	*select = NULL, *update = NULL;
	char		 hash[CHAIN_HASH_LEN + 1], *cols, *sql;
	uint64_t	 seq = head->seq + 1;
	int		 cached = db == chain_db, rc;

	if (cached) {
		select = chain_select_stmt[which];
		update = chain_update_stmt[which];
	} else {
		cols = chain_columns(which == 0 ? "seq" : "end_seq", "?1",
		    NULL);
		xasprintf(&sql, "SELECT %s FROM commands WHERE id = ?2", cols);
		rc = sqlite3_prepare_v2(db, sql, -1, &select, NULL);
		free(sql);
		free(cols);
		if (rc != SQLITE_OK || sqlite3_prepare_v2(db,
		    chain_update_sql[which], -1, &update, NULL) != SQLITE_OK)
			goto sqlfail;
	}
	/* The new seq is bound in, so the row hashes as it will be. */
	sqlite3_bind_int64(select, 1, (sqlite3_int64)seq);
	sqlite3_bind_int64(select, 2, (sqlite3_int64)id);
	if ((rc = sqlite3_step(select)) != SQLITE_ROW) {
		if (rc == SQLITE_DONE) {
			chain_stmt_done(select, cached);
			chain_stmt_done(update, cached);
			xasprintf(cause, "audit row %" PRIu64 " is missing",
			    id);
			return (-1);
		}
		goto sqlfail;
	}
	if (chain_hash(select, 0, which == 0 ? CHAIN_START : CHAIN_END,
	    head->hash, hash, raw) != 0) {
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
	*cause = chain_error(db, "cannot chain the audit row");
	chain_stmt_done(select, cached);
	chain_stmt_done(update, cached);
	return (-1);
}

/*
 * Chain the start of row id, just inserted; its raw hash goes to raw
 * (RECORD_HASH_LEN bytes) unless that is NULL.
 */
int
chain_seal_start(sqlite3 *db, uint64_t id, struct chain_head *head,
    uint8_t *raw, char **cause)
{
	return (chain_seal(db, 0, id, head, raw, cause));
}

/* Chain the end of row id, just made final, over the whole row; as above. */
int
chain_seal_end(sqlite3 *db, uint64_t id, struct chain_head *head,
    uint8_t *raw, char **cause)
{
	return (chain_seal(db, 1, id, head, raw, cause));
}

/*
 * Check that row id's start is one rcmdd chained: chain version 2, a seq
 * after the base and not past the head, and a hash that matches its
 * fields linked to the event before it. Return 1 if so, 0 if not (with
 * why in cause), or -1 if the database cannot be read. At start-up, so
 * that recovery finishes only what rcmdd itself began.
 */
int
chain_check_start(sqlite3 *db, uint64_t id, const struct chain_head *head,
    char **cause)
{
	sqlite3_stmt		*stmt = NULL;
	struct chain_head	 base;
	const char		*stored;
	char			 prev[CHAIN_HASH_LEN + 1];
	char			 hash[CHAIN_HASH_LEN + 1], *cols, *sql;
	uint64_t		 seq;
	int			 rc;

	if (chain_base_read(db, &base, cause) != 0)
		return (-1);
	cols = chain_columns(NULL, NULL, NULL);
	xasprintf(&sql, "SELECT %s FROM commands WHERE id = ?", cols);
	free(cols);
	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		*cause = chain_error(db, "cannot check a running row");
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		*cause = chain_error(db, "cannot check a running row");
		sqlite3_finalize(stmt);
		return (-1);
	}
	rc = 0;
	if (sqlite3_column_type(stmt, C_SEQ) == SQLITE_NULL ||
	    sqlite3_column_type(stmt, C_CHAIN_VERSION) != SQLITE_INTEGER ||
	    sqlite3_column_int64(stmt, C_CHAIN_VERSION) != 2) {
		xasprintf(cause, "has no start in the chain");
		goto out;
	}
	seq = (uint64_t)sqlite3_column_int64(stmt, C_SEQ);
	stored = (const char *)sqlite3_column_text(stmt, C_HASH);
	if (sqlite3_column_type(stmt, C_SEQ) != SQLITE_INTEGER ||
	    seq <= base.seq || seq > head->seq || stored == NULL ||
	    chain_event_hash(db, seq - 1, &base, prev) != 0 ||
	    chain_hash(stmt, 0, CHAIN_START, prev, hash, NULL) != 0 ||
	    strcmp(stored, hash) != 0) {
		xasprintf(cause, "its start does not verify (seq %" PRIu64 ")",
		    seq);
		goto out;
	}
	rc = 1;
out:
	sqlite3_finalize(stmt);
	return (rc);
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
	char	*cols, *sql;
	int	 i, rc;

	chain_finalize();
	for (i = 0; i < 2; i++) {
		cols = chain_columns(i == 0 ? "seq" : "end_seq", "?1", NULL);
		xasprintf(&sql, "SELECT %s FROM commands WHERE id = ?2", cols);
		free(cols);
		rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &chain_select_stmt[i], NULL);
		free(sql);
		if (rc != SQLITE_OK || sqlite3_prepare_v3(db,
		    chain_update_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &chain_update_stmt[i], NULL) != SQLITE_OK) {
			chain_finalize();
			return (-1);
		}
	}
	chain_db = db;
	return (0);
}

/* Finalize what chain_prepare prepared, before the database closes. */
void
chain_finalize(void)
{
	int	i;

	for (i = 0; i < 2; i++) {
		sqlite3_finalize(chain_select_stmt[i]);
		sqlite3_finalize(chain_update_stmt[i]);
		chain_select_stmt[i] = chain_update_stmt[i] = NULL;
	}
	chain_db = NULL;
}

