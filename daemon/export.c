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

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rcmdd.h"
#include "utf8.h"
#include "xmalloc.h"

/*
 * The audit log on its way out of the database: rcmdd --export-audit
 * writes the table commands as JSON Lines, and each finished command is
 * logged as one syslog line carrying an RFC 5424 structured data element,
 * for journald or rsyslog to forward. Both escape whatever a command
 * holds, so that one record is always one line and cannot forge another.
 * The export runs in its own process; export_sd_line runs on worker
 * threads and touches no shared state.
 */

#define EXPORT_TIME_LEN		24
#define EXPORT_TIME_FORM	"dddd-dd-ddTdd:dd:dd.ddd"
#define EXPORT_FIELD_MAX	128
#define EXPORT_IDENTITY_MAX	256
#define EXPORT_POLICY_MAX	200	/* a ticket, a rule */

static int	 export_since(const char *, char *, size_t, char **);
static int	 export_has_recording(sqlite3 *);
static int	 export_row(sqlite3_stmt *, FILE *);
static int	 export_unsafe(uint32_t);
static char	*export_sd_value(const char *, size_t);

/* A log line being built: its bytes (NUL-terminated), and its room. */
struct export_line {
	char	*s;
	size_t	 len;
	size_t	 size;
};

static void	 export_add(struct export_line *, const char *, size_t);
static void	 export_adds(struct export_line *, const char *);
static void	 export_add_free(struct export_line *, char *);
static void	 export_add_int(struct export_line *, long long);

/*
 * Turn a --since time into the form started_at has, so that the two
 * compare as strings: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.mmm]][Z], in
 * UTC, with what is left out taken as zero.
 */
static int
export_since(const char *since, char *buf, size_t len, char **cause)
{
	static const int	 mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31,
				     30, 31, 30, 31 };
	static const char	 zero[] = "0000-00-00T00:00:00.000Z";
	const char		*form = EXPORT_TIME_FORM;
	size_t			 n, i;
	int			 y, mo, d, h, mi, s, leap;

	n = strlen(since);
	if (n > 11 && since[n - 1] == 'Z')
		n--;
	if (n != 10 && n != 16 && n != 19 && n != 23)
		goto bad;
	for (i = 0; i < n; i++) {
		if (form[i] == 'd') {
			if (since[i] < '0' || since[i] > '9')
				goto bad;
		} else if (since[i] != form[i])
			goto bad;
	}
	y = atoi(since);
	mo = atoi(since + 5);
	d = atoi(since + 8);
	h = n > 10 ? atoi(since + 11) : 0;
	mi = n > 10 ? atoi(since + 14) : 0;
	s = n > 16 ? atoi(since + 17) : 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 ||
	    s > 59)
		goto bad;
	/* What is left out is zero. */
	if (len < sizeof zero)
		goto bad;
	memcpy(buf, zero, sizeof zero);
	memcpy(buf, since, n);
	return (0);

bad:
	xasprintf(cause, "--since \"%s\" is not a time: use YYYY-MM-DD or "
	    "YYYY-MM-DDTHH:MM[:SS[.mmm]][Z], in UTC", since);
	return (-1);
}

/*
 * Write the rows of the audit database at path, opened read-only, to out
 * as JSON Lines: one object per row in id order, keyed by column name;
 * only rows started at or after since when it is not NULL. Return 0, or
 * -1 with a cause.
 */
int
export_audit(const char *path, const char *since, FILE *out, char **cause)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*stmt = NULL;
	char		 from[EXPORT_TIME_LEN + 1], *cols, *sql;
	int		 rc;

	if (since != NULL && export_since(since, from, sizeof from,
	    cause) != 0)
		return (-1);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		xasprintf(cause, "cannot open the audit database: %s",
		    db == NULL ? "out of memory" : sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_busy_timeout(db, 5000);

	/*
	 * Every field of the record (record.c), in its order; then, for a
	 * row with a recording (schema 8), its chunks, bytes, whether it was
	 * truncated, and the hash of its last chunk, which the chain links
	 * to all before it (the events themselves: rcmdd --export-cast).
	 */
	cols = record_columns(0, "");
	xasprintf(&sql, "SELECT %s%s FROM commands %sORDER BY id", cols,
	    export_has_recording(db) ? ", (SELECT count(*) FROM recording "
	    "WHERE command_id = id) AS recording_chunks, (SELECT "
	    "sum(length(CAST(data AS BLOB))) FROM recording WHERE command_id "
	    "= id) AS recording_bytes, (SELECT max(truncated) FROM recording "
	    "WHERE command_id = id) AS recording_truncated, (SELECT hash FROM "
	    "recording WHERE command_id = id ORDER BY chunk DESC LIMIT 1) AS "
	    "recording_hash" : "", since == NULL ? "" :
	    "WHERE started_at >= ? ");
	free(cols);
	/* One read transaction: a snapshot, whatever rcmdd writes meanwhile. */
	rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	free(sql);
	if (rc != SQLITE_OK) {
		xasprintf(cause, "cannot read the audit log: %s",
		    sqlite3_errmsg(db));
		goto fail;
	}
	if (since != NULL)
		sqlite3_bind_text(stmt, 1, from, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (export_row(stmt, out) != 0) {
			xasprintf(cause, "cannot write the export: %s",
			    strerror(errno));
			goto fail;
		}
	}
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "cannot read the audit log: %s",
		    sqlite3_errmsg(db));
		goto fail;
	}
	if (fflush(out) != 0 || ferror(out)) {
		xasprintf(cause, "cannot write the export: %s",
		    strerror(errno));
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

/* Does the database have recordings (schema 8)? */
static int
export_has_recording(sqlite3 *db)
{
	sqlite3_stmt	*stmt;
	int		 yes = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = "
	    "'table' AND name = 'recording'", -1, &stmt, NULL) != SQLITE_OK)
		return (0);
	yes = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return (yes);
}

/*
 * Write the row stmt stands on as one JSON object and a newline: integers
 * as numbers, NULL as null, anything else as a string. Return 0, or -1 if
 * writing failed.
 */
static int
export_row(sqlite3_stmt *stmt, FILE *out)
{
	const char	*name;
	char		*s;
	double		 f;
	int		 i, n;

	n = sqlite3_column_count(stmt);
	/* The recording's columns only for a row that has one. */
	if (n > (int)record_nfields && sqlite3_column_int64(stmt,
	    (int)record_nfields) == 0)
		n = (int)record_nfields;
	if (fputc('{', out) == EOF)
		return (-1);
	for (i = 0; i < n; i++) {
		name = sqlite3_column_name(stmt, i);
		s = export_json_string(name, strlen(name));
		fprintf(out, "%s%s:", i == 0 ? "" : ",", s);
		free(s);
		switch (sqlite3_column_type(stmt, i)) {
		case SQLITE_NULL:
			fputs("null", out);
			break;
		case SQLITE_INTEGER:
			fprintf(out, "%lld", sqlite3_column_int64(stmt, i));
			break;
		case SQLITE_FLOAT:
			/* Only a hand-edited row has one; JSON has no NaN. */
			f = sqlite3_column_double(stmt, i);
			if (isfinite(f))
				fprintf(out, "%.17g", f);
			else
				fputs("null", out);
			break;
		default:
			s = export_json_string((const char *)
			    sqlite3_column_text(stmt, i),
			    (size_t)sqlite3_column_bytes(stmt, i));
			fputs(s, out);
			free(s);
			break;
		}
	}
	if (fputs("}\n", out) == EOF || ferror(out))
		return (-1);
	return (0);
}

/*
 * Return whether a character must be escaped even where it is valid
 * UTF-8: C0 and C1 controls, DEL, U+2028 and U+2029, which some readers
 * take as line breaks, and the bidirectional controls (U+200E, U+200F,
 * U+202A to U+202E, U+2066 to U+2069), which make a reader see the
 * characters around them in another order.
 */
static int
export_unsafe(uint32_t c)
{
	return (utf8_is_control(c) || c == 0x2028 || c == 0x2029 ||
	    c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069));
}

/*
 * Return buf as an allocated JSON string, quotes included. Valid UTF-8
 * stays; '"' and '\' are escaped; backspace, form feed, newline, carriage
 * return and tab take their short forms, and the other characters that
 * export_unsafe names become \uXXXX; NUL becomes \u0000, and each byte
 * that is not valid UTF-8 becomes \ufffd. The result holds no control
 * byte, so it never spans two lines.
 */
char *
export_json_string(const char *buf, size_t len)
{
	const uint8_t	*p = (const uint8_t *)buf;
	uint32_t	 c;
	size_t		 i, n, o = 0;
	char		*out;

	/* Each byte becomes at most six ("\u001f"), plus quotes and NUL. */
	out = xreallocarray(NULL, len + 1, 6);
	out[o++] = '"';
	for (i = 0; i < len; i += n) {
		n = utf8_decode(p + i, len - i, &c);
		if (n == 0) {
			n = 1;
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			continue;
		}
		switch (c) {
		case '"':
		case '\\':
			out[o++] = '\\';
			out[o++] = (char)c;
			continue;
		case '\b':
			memcpy(out + o, "\\b", 2);
			o += 2;
			continue;
		case '\f':
			memcpy(out + o, "\\f", 2);
			o += 2;
			continue;
		case '\n':
			memcpy(out + o, "\\n", 2);
			o += 2;
			continue;
		case '\r':
			memcpy(out + o, "\\r", 2);
			o += 2;
			continue;
		case '\t':
			memcpy(out + o, "\\t", 2);
			o += 2;
			continue;
		}
		if (export_unsafe(c)) {
			snprintf(out + o, 7, "\\u%04x", (u_int)c);
			o += 6;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
	}
	out[o++] = '"';
	out[o] = '\0';
	return (out);
}

/*
 * Escape buf as an RFC 5424 PARAM-VALUE, without the quotes: '"', '\'
 * and ']' get a backslash (RFC 5424, 6.3.3); newline, carriage return and
 * tab become \n, \r and \t; every other byte of a character export_unsafe
 * names, and every byte that is not valid UTF-8, becomes \xHH. Decoding
 * those escapes gives back the bytes exactly. If cap is not 0 and the
 * escaped text would be longer than cap bytes, cut it before the first
 * escape or character that does not fit, and append "...". Return an
 * allocated string.
 */
char *
export_sd_escape(const char *buf, size_t len, size_t cap)
{
	static const char	 hex[] = "0123456789abcdef";
	const uint8_t		*p = (const uint8_t *)buf;
	uint32_t		 c;
	size_t			 i, j, n, o = 0, size, ulen;
	char			*out, unit[16];

	/* Each byte becomes at most four ("\xff"), plus "..." and NUL. */
	if (cap != 0 && cap / 4 < len)
		size = cap + 4;
	else
		size = len * 4 + 4;
	out = xmalloc(size);
	for (i = 0; i < len; i += n) {
		/* Printable ASCII but the three escaped goes as it is. */
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\' && p[i] != ']') {
			n = 1;
			if (cap != 0 && o + 1 > cap) {
				memcpy(out + o, "...", 4);
				return (out);
			}
			out[o++] = (char)p[i];
			continue;
		}
		n = utf8_decode(p + i, len - i, &c);
		ulen = 0;
		if (n != 0 && (c == '"' || c == '\\' || c == ']')) {
			unit[ulen++] = '\\';
			unit[ulen++] = (char)c;
		} else if (n != 0 && (c == '\n' || c == '\r' || c == '\t')) {
			unit[ulen++] = '\\';
			unit[ulen++] = c == '\n' ? 'n' :
			    (c == '\r' ? 'r' : 't');
		} else if (n != 0 && !export_unsafe(c)) {
			memcpy(unit, p + i, n);
			ulen = n;
		} else {
			if (n == 0)
				n = 1;
			for (j = 0; j < n; j++) {
				unit[ulen++] = '\\';
				unit[ulen++] = 'x';
				unit[ulen++] = hex[p[i + j] >> 4];
				unit[ulen++] = hex[p[i + j] & 0xf];
			}
		}
		if (cap != 0 && o + ulen > cap) {
			memcpy(out + o, "...", 4);
			return (out);
		}
		memcpy(out + o, unit, ulen);
		o += ulen;
	}
	out[o] = '\0';
	return (out);
}

/* Escape a parameter value, or return "-" for none. */
static char *
export_sd_value(const char *s, size_t cap)
{
	if (s == NULL || *s == '\0')
		return (xstrdup("-"));
	return (export_sd_escape(s, strlen(s), cap));
}

/* Append n bytes to the line. */
static void
export_add(struct export_line *l, const char *p, size_t n)
{
	if (l->size - l->len <= n) {
		l->size = (l->len + n + 1) * 2;
		l->s = xreallocarray(l->s, 1, l->size);
	}
	memcpy(l->s + l->len, p, n);
	l->len += n;
	l->s[l->len] = '\0';
}

/* Append a string to the line. */
static void
export_adds(struct export_line *l, const char *s)
{
	export_add(l, s, strlen(s));
}

/* Append an allocated string to the line, and free it. */
static void
export_add_free(struct export_line *l, char *s)
{
	export_adds(l, s);
	free(s);
}

/* Append v in decimal. */
static void
export_add_int(struct export_line *l, long long v)
{
	char			 tmp[24];
	unsigned long long	 u;
	size_t			 n = sizeof tmp;

	u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	do {
		tmp[--n] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[--n] = '-';
	export_add(l, tmp + n, sizeof tmp - n);
}

/*
 * Build the log line of a finished command: a short text for people, then
 * the RFC 5424 structured data element EXPORT_SD_ID with every field as a
 * parameter, "-" standing for none, and the policy's parameters (run_as,
 * mode, ticket, rule, terminal) for those the record has; the hash is the
 * row's end_hash, none if its end was not sealed. What a client sent is
 * escaped by export_sd_escape, and the command is capped at
 * EXPORT_COMMAND_MAX escaped bytes, so the line stays one line and fits a
 * log line (2048 bytes). Called on the command's worker thread. Return
 * an allocated string.
 */
char *
export_sd_line(const struct cmd_record *r)
{
	static const struct {
		const char	*name;
		u_int		 field;
		size_t		 max;
	} f[] = {
		{ " run_as=\"", RECORD_F_RUN_AS, EXPORT_FIELD_MAX },
		{ " mode=\"", RECORD_F_MODE, EXPORT_FIELD_MAX },
		{ " ticket=\"", RECORD_F_TICKET, EXPORT_POLICY_MAX },
		{ " rule=\"", RECORD_F_RULE, EXPORT_POLICY_MAX },
		{ " terminal=\"", RECORD_F_TERMINAL, EXPORT_FIELD_MAX },
	};
	const struct record_peer *p = &r->peer;
	struct record_value	 v;
	struct export_line	 c, l;
	char			 hex[CHAIN_HASH_LEN + 1], *status;
	u_int			 i;

	/* The client as host:port, [host]:port for IPv6, or the host. */
	memset(&c, 0, sizeof c);
	if (p->client_addr[0] != '\0' && p->client_port >= 0 &&
	    strchr(p->client_addr, ':') != NULL) {
		export_adds(&c, "[");
		export_adds(&c, p->client_addr);
		export_adds(&c, "]");
	} else
		export_adds(&c, p->client_addr);
	if (p->client_addr[0] != '\0' && p->client_port >= 0) {
		export_adds(&c, ":");
		export_add_int(&c, p->client_port);
	}
	status = export_sd_value(r->status, EXPORT_FIELD_MAX);

	memset(&l, 0, sizeof l);
	export_adds(&l, "command ");
	export_add_int(&l, (long long)r->id);
	export_adds(&l, " ");
	export_adds(&l, status);
	if (r->has_exit_code) {
		export_adds(&l, " code ");
		export_add_int(&l, r->exit_code);
	} else if (r->has_signal) {
		export_adds(&l, " signal ");
		export_add_int(&l, r->signal);
	}
	export_adds(&l, " in ");
	export_add_int(&l, (long long)r->duration_ms);
	export_adds(&l, " ms [" EXPORT_SD_ID " id=\"");
	export_add_int(&l, (long long)r->id);
	export_adds(&l, "\" client=\"");
	export_add_free(&l, export_sd_value(c.s, EXPORT_FIELD_MAX));
	free(c.s);
	export_adds(&l, "\" identity=\"");
	export_add_free(&l, export_sd_value(p->identity,
	    EXPORT_IDENTITY_MAX));
	export_adds(&l, "\" status=\"");
	export_add_free(&l, status);
	export_adds(&l, "\" exit=\"");
	if (r->has_exit_code)
		export_add_int(&l, r->exit_code);
	else
		export_adds(&l, "-");
	export_adds(&l, "\" signal=\"");
	if (r->has_signal)
		export_add_int(&l, r->signal);
	else
		export_adds(&l, "-");
	export_adds(&l, "\" duration_ms=\"");
	export_add_int(&l, (long long)r->duration_ms);
	export_adds(&l, "\" hash=\"");
	hex[0] = '\0';
	if (r->end_seq != 0)
		record_hex(r->end_hash, hex);
	export_add_free(&l, export_sd_value(hex, EXPORT_FIELD_MAX));
	export_adds(&l, "\"");
	for (i = 0; i < sizeof f / sizeof f[0]; i++) {
		record_get(r, f[i].field, &v);
		if (v.type != RECORD_TEXT)
			continue;
		export_adds(&l, f[i].name);
		export_add_free(&l, export_sd_escape(v.s, v.len, f[i].max));
		export_adds(&l, "\"");
	}
	export_adds(&l, " command=\"");
	export_add_free(&l, export_sd_escape(r->command, r->command_len,
	    EXPORT_COMMAND_MAX));
	export_adds(&l, "\"]");
	return (l.s);
}
