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
#include <inttypes.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * A recording read back: rcmdd --export-cast writes it as an asciicast v2
 * file, rcmdd --replay plays it on the terminal. Both open the database
 * read-only, and check first that the row ran on a terminal and that its
 * start and every chunk of its recording verify in the chain
 * (recording_verify), so that what is shown is what was recorded.
 */

static int	recording_open(const char *, uint64_t, sqlite3 **, u_int *,
		    u_int *, char *, size_t, int64_t *, char **);
static int	recording_read(sqlite3 *, uint64_t, struct cast_out *, int *,
		    char **);
static int	recording_json(const char **, const char *, struct cast_out *);
static int	recording_line(const char *, const char *, double *, char *,
		    struct cast_out *);
static void	recording_sleep(double);

/*
 * Open the database at path read-only and find row id's terminal: its
 * size, TERM and start time (seconds since the epoch). Refuse a row that
 * is missing or ran without a terminal, and a recording that does not
 * verify. Return 0, or -1 with why in cause.
 */
static int
recording_open(const char *path, uint64_t id, sqlite3 **dbp, u_int *cols,
    u_int *rows, char *term, size_t termsize, int64_t *timestamp,
    char **cause)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*stmt = NULL;
	const char	*terminal, *at;
	struct tm	 tm;
	char		*end;

	if (access(path, R_OK) != 0) {
		xasprintf(cause, "cannot open %s: %s", path, strerror(errno));
		return (-1);
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		xasprintf(cause, "cannot open %s: %s", path, db == NULL ?
		    "out of memory" : sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "SELECT terminal, started_at FROM commands "
	    "WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s (not an rcmdd audit database of "
		    "schema 8 or later?)", path, sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		xasprintf(cause, "no command with id %" PRIu64 " in %s", id,
		    path);
		goto fail;
	}
	terminal = (const char *)sqlite3_column_text(stmt, 0);
	if (terminal == NULL) {
		xasprintf(cause, "command %" PRIu64 " did not run on a "
		    "terminal (rcmd --tty): it has no recording; its output "
		    "is in the column output", id);
		goto fail;
	}
	if (terminal_parse(terminal, term, termsize, rows, cols) != 0) {
		xasprintf(cause, "command %" PRIu64 ": its terminal \"%s\" is "
		    "not \"TERM ROWSxCOLUMNS\"", id, terminal);
		goto fail;
	}
	*timestamp = 0;
	at = (const char *)sqlite3_column_text(stmt, 1);
	memset(&tm, 0, sizeof tm);
	if (at != NULL && (end = strptime(at, "%Y-%m-%dT%H:%M:%S",
	    &tm)) != NULL)
		*timestamp = (int64_t)timegm(&tm);
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (recording_verify(db, id, cause) != 0)
		goto fail;
	*dbp = db;
	return (0);

fail:
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return (-1);
}

/*
 * Check row id's segment of the chain: its start, and each chunk of its
 * recording in order (numbers from 0 with none missing, each after the
 * start and before the end, each hash over its fields and the event
 * before it). Return 0, or -1 with the first fault in cause.
 */
int
recording_verify(sqlite3 *db, uint64_t id, char **cause)
{
	sqlite3_stmt		*stmt = NULL;
	struct chain_head	 head, base;
	const char		*stored, *data;
	char			 prev[CHAIN_HASH_LEN + 1];
	char			 hash[CHAIN_HASH_LEN + 1], *why = NULL;
	uint64_t		 seq, start, end = UINT64_MAX, chunk, want = 0;
	int			 rc;

	if (chain_load(db, &head, cause) != 0 ||
	    chain_base_read(db, &base, cause) != 0)
		return (-1);
	rc = chain_check_start(db, id, &head, &why);
	if (rc != 1) {
		if (rc == 0) {
			xasprintf(cause, "command %" PRIu64 " %s: its chain is "
			    "broken; run rcmdd --verify-audit", id, why);
			free(why);
		} else
			*cause = why;
		return (-1);
	}
	if (sqlite3_prepare_v2(db, "SELECT seq, end_seq FROM commands WHERE "
	    "id = ?", -1, &stmt, NULL) != SQLITE_OK ||
	    (sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id),
	    sqlite3_step(stmt)) != SQLITE_ROW) {
		*cause = chain_error(db, "cannot read the command's row");
		sqlite3_finalize(stmt);
		return (-1);
	}
	start = (uint64_t)sqlite3_column_int64(stmt, 0);
	if (sqlite3_column_type(stmt, 1) == SQLITE_INTEGER)
		end = (uint64_t)sqlite3_column_int64(stmt, 1);
	sqlite3_finalize(stmt);

	if (sqlite3_prepare_v2(db, "SELECT seq, start_seq, chunk, data, "
	    "truncated, hash, typeof(data) FROM recording WHERE command_id = ? "
	    "ORDER BY chunk", -1, &stmt, NULL) != SQLITE_OK) {
		*cause = chain_error(db, "cannot read the recording");
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		seq = (uint64_t)sqlite3_column_int64(stmt, 0);
		chunk = (uint64_t)sqlite3_column_int64(stmt, 2);
		stored = (const char *)sqlite3_column_text(stmt, 5);
		data = (const char *)sqlite3_column_text(stmt, 3);
		if (chunk != want) {
			xasprintf(cause, "command %" PRIu64 ": chunk %" PRIu64
			    " of its recording is missing: its chain is "
			    "broken; run rcmdd --verify-audit", id, want);
			goto fail;
		}
		if (seq <= start || seq >= end ||
		    (uint64_t)sqlite3_column_int64(stmt, 1) != start ||
		    stored == NULL || strlen(stored) != CHAIN_HASH_LEN ||
		    chain_event_hash(db, seq - 1, &base, prev) != 0 ||
		    chain_chunk_hash(prev, seq, id, start, chunk,
		    data == NULL ? "" : data, (size_t)sqlite3_column_bytes(stmt,
		    3), sqlite3_column_int64(stmt, 4), hash) != 0 ||
		    strcmp(hash, stored) != 0 ||
		    strcmp((const char *)sqlite3_column_text(stmt, 6),
		    "text") != 0) {
			xasprintf(cause, "command %" PRIu64 ": chunk %" PRIu64
			    " of its recording (seq %" PRIu64 ") does not "
			    "match its hash: the recording was changed, cut or "
			    "reordered; run rcmdd --verify-audit", id, chunk,
			    seq);
			goto fail;
		}
		want++;
	}
	if (rc != SQLITE_DONE) {
		*cause = chain_error(db, "cannot read the recording");
		goto fail;
	}
	sqlite3_finalize(stmt);

	/* No event missing between its start and its end (or the head). */
	if (end == UINT64_MAX)
		end = head.seq + 1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM (SELECT seq FROM "
	    "commands WHERE seq > ?1 AND seq < ?2 UNION ALL SELECT end_seq "
	    "FROM commands WHERE end_seq > ?1 AND end_seq < ?2 UNION ALL "
	    "SELECT seq FROM recording WHERE seq > ?1 AND seq < ?2)", -1,
	    &stmt, NULL) != SQLITE_OK) {
		*cause = chain_error(db, "cannot read the chain");
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)start);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)end);
	if (sqlite3_step(stmt) != SQLITE_ROW ||
	    (uint64_t)sqlite3_column_int64(stmt, 0) != end - start - 1) {
		xasprintf(cause, "command %" PRIu64 ": events are missing "
		    "from the chain between its start (seq %" PRIu64 ") and "
		    "%s (seq %" PRIu64 "): a chunk of its recording may have "
		    "been cut; run rcmdd --verify-audit", id, start,
		    end == head.seq + 1 ? "the chain's head" : "its end",
		    end == head.seq + 1 ? head.seq : end);
		goto fail;
	}
	sqlite3_finalize(stmt);
	return (0);

fail:
	sqlite3_finalize(stmt);
	return (-1);
}

/*
 * Append row id's recording (its chunks' events, in order) to out, and
 * whether it was truncated. Return 0 or -1.
 */
static int
recording_read(sqlite3 *db, uint64_t id, struct cast_out *out,
    int *truncated, char **cause)
{
	sqlite3_stmt	*stmt;
	const void	*p;
	size_t		 n;
	int		 rc;

	*truncated = 0;
	if (sqlite3_prepare_v2(db, "SELECT data, truncated FROM recording "
	    "WHERE command_id = ? ORDER BY chunk", -1, &stmt, NULL) !=
	    SQLITE_OK) {
		*cause = chain_error(db, "cannot read the recording");
		return (-1);
	}
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		p = sqlite3_column_text(stmt, 0);
		n = (size_t)sqlite3_column_bytes(stmt, 0);
		if (n != 0) {
			out->buf = xreallocarray(out->buf, 1, out->len + n + 1);
			memcpy(out->buf + out->len, p, n);
			out->len += n;
			out->size = out->len + 1;
		}
		if (sqlite3_column_int(stmt, 1))
			*truncated = 1;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		*cause = chain_error(db, "cannot read the recording");
		return (-1);
	}
	return (0);
}

/*
 * rcmdd --export-cast: write row id's recording to fp as an asciicast v2
 * file. Return 0, or -1 with why in cause.
 */
int
recording_export(const char *path, uint64_t id, FILE *fp, char **cause)
{
	sqlite3		*db;
	struct cast_out	 out;
	char		 term[64];
	u_int		 cols, rows;
	int64_t		 ts;
	int		 truncated;

	if (recording_open(path, id, &db, &cols, &rows, term, sizeof term,
	    &ts, cause) != 0)
		return (-1);
	memset(&out, 0, sizeof out);
	cast_header(&out, cols, rows, ts, term);
	if (recording_read(db, id, &out, &truncated, cause) != 0) {
		sqlite3_close(db);
		cast_out_free(&out);
		return (-1);
	}
	sqlite3_close(db);
	if (fwrite(out.buf, 1, out.len, fp) != out.len || fflush(fp) != 0) {
		xasprintf(cause, "cannot write the recording: %s",
		    strerror(errno));
		cast_out_free(&out);
		return (-1);
	}
	cast_out_free(&out);
	if (truncated)
		fprintf(stderr, "rcmdd: the recording of command %" PRIu64
		    " was truncated at SessionRecordMax\n", id);
	return (0);
}

/*
 * Decode the JSON string at *pp (after its opening quote) into out, and
 * move *pp past its closing quote. Return 0, or -1 if it is malformed.
 */
static int
recording_json(const char **pp, const char *end, struct cast_out *out)
{
	const char	*p = *pp;
	u_char		 u[4];
	uint32_t	 cp, lo;
	size_t		 n;
	int		 i;
	char		 c;

	out->len = 0;
	while (p < end && *p != '"') {
		if (*p != '\\') {
			n = 1;
			while (p + n < end && p[n] != '"' && p[n] != '\\')
				n++;
			if (out->len + n > out->size) {
				out->size = out->len + n + 64;
				out->buf = xreallocarray(out->buf, 1, out->size);
			}
			memcpy(out->buf + out->len, p, n);
			out->len += n;
			p += n;
			continue;
		}
		if (++p == end)
			return (-1);
		c = *p++;
		cp = (u_char)c;
		switch (c) {
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case '"':
		case '\\':
		case '/':
			break;
		case 'u':
			if (end - p < 4 || sscanf(p, "%4x", &cp) != 1)
				return (-1);
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' &&
			    sscanf(p + 2, "%4x", &lo) == 1 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			}
			break;
		default:
			return (-1);
		}
		if (cp < 0x80) {
			u[0] = (u_char)cp;
			n = 1;
		} else if (cp < 0x800) {
			u[0] = (u_char)(0xc0 | (cp >> 6));
			n = 2;
		} else if (cp < 0x10000) {
			u[0] = (u_char)(0xe0 | (cp >> 12));
			n = 3;
		} else {
			u[0] = (u_char)(0xf0 | (cp >> 18));
			n = 4;
		}
		for (i = (int)n - 1; i > 0; i--) {
			u[i] = (u_char)(0x80 | (cp & 0x3f));
			cp >>= 6;
		}
		if (out->len + n > out->size) {
			out->size = out->len + n + 64;
			out->buf = xreallocarray(out->buf, 1, out->size);
		}
		memcpy(out->buf + out->len, u, n);
		out->len += n;
	}
	if (p == end)
		return (-1);
	*pp = p + 1;
	return (0);
}

/*
 * Parse one event line, [TIME, "TYPE", "DATA"], from line to end: its
 * time, its type's first letter and its data decoded. Return 0 or -1.
 */
static int
recording_line(const char *line, const char *end, double *t, char *type,
    struct cast_out *data)
{
	const char	*p = line;
	char		*e;
	struct cast_out	 tt;

	if (p == end || *p++ != '[')
		return (-1);
	errno = 0;
	*t = strtod(p, &e);
	if (e == p || errno != 0 || e >= end)
		return (-1);
	p = e;
	while (p < end && (*p == ',' || *p == ' '))
		p++;
	if (p == end || *p++ != '"')
		return (-1);
	memset(&tt, 0, sizeof tt);
	if (recording_json(&p, end, &tt) != 0 || tt.len == 0) {
		cast_out_free(&tt);
		return (-1);
	}
	*type = tt.buf[0];
	cast_out_free(&tt);
	while (p < end && (*p == ',' || *p == ' '))
		p++;
	if (p == end || *p++ != '"')
		return (-1);
	return (recording_json(&p, end, data));
}

/* Sleep for s seconds. */
static void
recording_sleep(double s)
{
	struct timespec	ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * rcmdd --replay: play row id's recording on standard output at its pace,
 * speed times faster, no pause longer than idle_max seconds (0: no cap).
 * Return 0, or -1 with why in cause.
 */
int
recording_replay(const char *path, uint64_t id, double speed,
    double idle_max, char **cause)
{
	sqlite3		*db;
	struct cast_out	 out, data;
	const char	*p, *end, *nl;
	char		 term[64], type;
	u_int		 cols, rows;
	int64_t		 ts;
	double		 t, last = 0, gap;
	size_t		 off;
	ssize_t		 w;
	int		 truncated;

	if (recording_open(path, id, &db, &cols, &rows, term, sizeof term,
	    &ts, cause) != 0)
		return (-1);
	memset(&out, 0, sizeof out);
	memset(&data, 0, sizeof data);
	if (recording_read(db, id, &out, &truncated, cause) != 0) {
		sqlite3_close(db);
		return (-1);
	}
	sqlite3_close(db);
	p = out.buf;
	end = out.buf + out.len;
	while (p != NULL && p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (recording_line(p, nl, &t, &type, &data) != 0) {
			xasprintf(cause, "command %" PRIu64 ": its recording "
			    "has an event that is not asciicast v2", id);
			goto fail;
		}
		gap = (t - last) / speed;
		if (idle_max > 0 && gap > idle_max)
			gap = idle_max;
		recording_sleep(gap);
		last = t;
		for (off = 0; type == 'o' && off < data.len; off += (size_t)w) {
			w = write(STDOUT_FILENO, data.buf + off, data.len - off);
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == -1) {
				xasprintf(cause, "cannot write: %s",
				    strerror(errno));
				goto fail;
			}
		}
		p = nl + 1;
	}
	cast_out_free(&out);
	cast_out_free(&data);
	if (truncated)
		fprintf(stderr, "\r\nrcmdd: the recording of command %" PRIu64
		    " was truncated at SessionRecordMax\r\n", id);
	return (0);

fail:
	cast_out_free(&out);
	cast_out_free(&data);
	return (-1);
}
