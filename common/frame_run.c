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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "rcmd-protocol.h"
#include "xmalloc.h"

/*
 * RUN, the EXEC with typed fields: a shell command or an argument vector,
 * a user to run as, a ticket, a working directory, a terminal. Its fields
 * are a type, a length and bytes, so that a later field is one more type;
 * a server that does not know a field refuses the whole frame and runs
 * nothing, since a field it skipped could be one that changes what runs.
 * frame_check_run checks the layout (a broken one ends the connection),
 * frame_parse_run the meaning (a refusal the client can act on). The
 * terminal's WINSIZE frame is here too.
 */

static const char	*run_field_name(uint8_t);
static int		 run_text(const struct frame_str *, const char *,
			     size_t, size_t, uint16_t *, char **);
static int		 run_single(struct frame_str *, const uint8_t *,
			     size_t, const char *, uint16_t *, char **);
static int		 frame_run_check(const struct frame_run *, uint16_t *,
			     char **);
static size_t		 run_put(uint8_t *, size_t, size_t, uint8_t,
			     const void *, size_t);

static const char *
run_field_name(uint8_t type)
{
	switch (type) {
	case RUN_SHELL:
		return ("shell");
	case RUN_ARG:
		return ("argument");
	case RUN_USER:
		return ("user");
	case RUN_TICKET:
		return ("ticket");
	case RUN_CWD:
		return ("directory");
	case RUN_TERMINAL:
		return ("terminal");
	default:
		return (NULL);
	}
}

/* Check the layout of a RUN: its header, then fields that fit exactly. */
int
frame_check_run(const struct frame *f, uint16_t *code, char **cause)
{
	size_t	off, len;

	if (f->len < RUN_HEADER_LEN)
		return (check_fail(code, cause, ERR_MALFORMED,
		    "RUN payload of %zu bytes: it must hold at least the "
		    "time limit and flags (%d bytes)", f->len,
		    RUN_HEADER_LEN));
	for (off = RUN_HEADER_LEN; off < f->len; off += len) {
		if (f->len - off < RUN_FIELD_HEADER_LEN)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "RUN field at offset %zu is cut short: a field "
			    "starts with 3 bytes of type and length", off));
		len = get16(f->payload + off + 1);
		off += RUN_FIELD_HEADER_LEN;
		if (f->len - off < len)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "RUN field of type 0x%02x says %zu bytes, but "
			    "%zu are left in the frame", f->payload[off - 3],
			    len, f->len - off));
	}
	return (0);
}

/* A text field: its length within bounds, and no NUL byte. */
static int
run_text(const struct frame_str *s, const char *what, size_t min,
    size_t max, uint16_t *code, char **cause)
{
	const uint8_t	*nul;

	if (s->len < min || s->len > max)
		return (check_fail(code, cause, ERR_BAD_COMMAND,
		    "RUN %s of %zu bytes: it must be %zu to %zu", what,
		    s->len, min, max));
	if ((nul = memchr(s->p, '\0', s->len)) != NULL)
		return (check_fail(code, cause, ERR_BAD_COMMAND,
		    "RUN %s holds a NUL byte at offset %zu: it is text",
		    what, (size_t)(nul - s->p)));
	return (0);
}

/* A field that may come once. */
static int
run_single(struct frame_str *s, const uint8_t *p, size_t len,
    const char *what, uint16_t *code, char **cause)
{
	if (s->p != NULL)
		return (check_fail(code, cause, ERR_BAD_COMMAND,
		    "RUN has two %s fields: send one", what));
	s->p = p;
	s->len = len;
	return (0);
}

/*
 * Parse a checked RUN. On failure *code is ERR_BAD_COMMAND (the fields
 * make no command: two shells, a vector and a shell, a NUL) or
 * ERR_UNSUPPORTED (a field or flag this codec does not know), both of
 * which refuse this frame only, and nothing has been kept.
 */
int
frame_parse_run(const struct frame *f, struct frame_run *r, uint16_t *code,
    char **cause)
{
	const uint8_t	*p;
	size_t		 off, len;
	uint8_t		 type;
	unsigned int	 i;
	int		 rc = 0;

	memset(r, 0, sizeof *r);
	r->timeout_ms = get32(f->payload);
	r->flags = get32(f->payload + 4);
	if (r->flags != 0)
		return (check_fail(code, cause, ERR_UNSUPPORTED,
		    "RUN flags 0x%08x: this server knows none; nothing was "
		    "run", r->flags));

	/* Count the words first, so that the vector is one allocation. */
	for (off = RUN_HEADER_LEN; off < f->len; off += len) {
		type = f->payload[off];
		len = get16(f->payload + off + 1);
		off += RUN_FIELD_HEADER_LEN;
		if (run_field_name(type) == NULL)
			return (check_fail(code, cause, ERR_UNSUPPORTED,
			    "RUN field of type 0x%02x is unknown to this "
			    "server: upgrade rcmdd or leave out the option "
			    "that sends it; nothing was run", type));
		if (type == RUN_ARG && ++r->argc > RUN_MAX_ARGS)
			return (check_fail(code, cause, ERR_BAD_COMMAND,
			    "RUN holds more than %d arguments", RUN_MAX_ARGS));
	}
	if (r->argc != 0)
		r->argv = xcalloc(r->argc, sizeof *r->argv);

	for (i = 0, off = RUN_HEADER_LEN; off < f->len && rc == 0;
	    off += len) {
		type = f->payload[off];
		len = get16(f->payload + off + 1);
		off += RUN_FIELD_HEADER_LEN;
		p = f->payload + off;
		switch (type) {
		case RUN_SHELL:
			rc = run_single(&r->shell, p, len, "shell", code,
			    cause);
			break;
		case RUN_ARG:
			r->argv[i].p = p;
			r->argv[i++].len = len;
			break;
		case RUN_USER:
			rc = run_single(&r->user, p, len, "user", code, cause);
			break;
		case RUN_TICKET:
			rc = run_single(&r->ticket, p, len, "ticket", code,
			    cause);
			break;
		case RUN_CWD:
			rc = run_single(&r->cwd, p, len, "directory", code,
			    cause);
			break;
		case RUN_TERMINAL:
			if (r->terminal)
				rc = check_fail(code, cause, ERR_BAD_COMMAND,
				    "RUN has two terminal fields: send one");
			else if (len < 5)
				rc = check_fail(code, cause, ERR_BAD_COMMAND,
				    "RUN terminal of %zu bytes: it holds rows "
				    "and columns (u16 each) and a TERM name",
				    len);
			else {
				r->terminal = 1;
				r->rows = get16(p);
				r->cols = get16(p + 2);
				r->term.p = p + 4;
				r->term.len = len - 4;
			}
			break;
		}
	}
	if (rc == 0)
		rc = frame_run_check(r, code, cause);
	if (rc != 0)
		frame_run_clear(r);
	return (rc);
}

/* What the fields must say together, once each has been found. */
static int
frame_run_check(const struct frame_run *r, uint16_t *code, char **cause)
{
	char		 what[64];
	size_t		 j;
	unsigned int	 i;
	int		 c;

	/* A terminal with neither: the run-as user's login shell. */
	if (r->shell.p != NULL && r->argc != 0)
		return (check_fail(code, cause, ERR_BAD_COMMAND,
		    "RUN holds both a shell command and an argument vector: "
		    "send one"));
	if (r->shell.p == NULL && r->argc == 0 && !r->terminal)
		return (check_fail(code, cause, ERR_BAD_COMMAND,
		    "RUN holds neither a shell command nor an argument "
		    "vector: send one (only a terminal may have neither, for "
		    "a login shell)"));
	if (r->shell.p != NULL && run_text(&r->shell, "shell command", 1,
	    EXEC_MAX_COMMAND, code, cause) != 0)
		return (-1);
	for (i = 0; i < r->argc; i++) {
		snprintf(what, sizeof what, "argument %u", i);
		if (run_text(&r->argv[i], what, i == 0 ? 1 : 0,
		    EXEC_MAX_COMMAND, code, cause) != 0)
			return (-1);
	}
	if (r->user.p != NULL && run_text(&r->user, "user", 1, RUN_MAX_USER,
	    code, cause) != 0)
		return (-1);
	if (r->ticket.p != NULL && run_text(&r->ticket, "ticket", 1,
	    RUN_MAX_TICKET, code, cause) != 0)
		return (-1);
	if (r->cwd.p != NULL) {
		if (run_text(&r->cwd, "directory", 1, RUN_MAX_CWD, code,
		    cause) != 0)
			return (-1);
		if (r->cwd.p[0] != '/')
			return (check_fail(code, cause, ERR_BAD_COMMAND,
			    "RUN directory must be an absolute path"));
	}
	if (r->terminal) {
		if (r->rows == 0 || r->cols == 0)
			return (check_fail(code, cause, ERR_BAD_COMMAND,
			    "RUN terminal of %u rows and %u columns: both "
			    "must be at least 1", r->rows, r->cols));
		if (r->term.len == 0 || r->term.len > RUN_MAX_TERM)
			return (check_fail(code, cause, ERR_BAD_COMMAND,
			    "RUN terminal type of %zu bytes: it must be 1 "
			    "to %d", r->term.len, RUN_MAX_TERM));
		for (j = 0; j < r->term.len; j++) {
			c = r->term.p[j];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' &&
			    c <= 'Z') || (c >= '0' && c <= '9') ||
			    strchr("._+-", c) != NULL) || c == '\0')
				return (check_fail(code, cause,
				    ERR_BAD_COMMAND, "RUN terminal type holds "
				    "byte 0x%02x: a TERM name is letters, "
				    "digits and . _ + -", c));
		}
	}
	return (0);
}

/* Forget a parsed RUN's vector. */
void
frame_run_clear(struct frame_run *r)
{
	free(r->argv);
	memset(r, 0, sizeof *r);
}

/* Append one field at off, if it fits; return the new offset, or 0. */
static size_t
run_put(uint8_t *buf, size_t size, size_t off, uint8_t type, const void *p,
    size_t len)
{
	if (off == 0 || len > UINT16_MAX ||
	    size - off < RUN_FIELD_HEADER_LEN + len ||
	    off + RUN_FIELD_HEADER_LEN + len - FRAME_HEADER_LEN >
	    FRAME_MAX_PAYLOAD)
		return (0);
	buf[off] = type;
	put16(buf + off + 1, (uint16_t)len);
	if (len != 0)
		memcpy(buf + off + RUN_FIELD_HEADER_LEN, p, len);
	return (off + RUN_FIELD_HEADER_LEN + len);
}

/*
 * Encode a RUN from r's fields (those whose p is set, and the terminal if
 * asked for); return its size, or 0 if it does not fit buf or one frame.
 */
size_t
frame_encode_run(uint8_t *buf, size_t size, const struct frame_run *r)
{
	uint8_t		 t[4 + RUN_MAX_TERM];
	size_t		 off = FRAME_HEADER_LEN + RUN_HEADER_LEN;
	unsigned int	 i;

	if (size < off)
		return (0);
	put32(buf + FRAME_HEADER_LEN, r->timeout_ms);
	put32(buf + FRAME_HEADER_LEN + 4, r->flags);
	if (r->shell.p != NULL)
		off = run_put(buf, size, off, RUN_SHELL, r->shell.p,
		    r->shell.len);
	for (i = 0; i < r->argc; i++)
		off = run_put(buf, size, off, RUN_ARG, r->argv[i].p,
		    r->argv[i].len);
	if (r->user.p != NULL)
		off = run_put(buf, size, off, RUN_USER, r->user.p,
		    r->user.len);
	if (r->ticket.p != NULL)
		off = run_put(buf, size, off, RUN_TICKET, r->ticket.p,
		    r->ticket.len);
	if (r->cwd.p != NULL)
		off = run_put(buf, size, off, RUN_CWD, r->cwd.p, r->cwd.len);
	if (r->terminal) {
		if (r->term.len > RUN_MAX_TERM)
			return (0);
		put16(t, r->rows);
		put16(t + 2, r->cols);
		memcpy(t + 4, r->term.p, r->term.len);
		off = run_put(buf, size, off, RUN_TERMINAL, t,
		    4 + r->term.len);
	}
	if (off == 0)
		return (0);
	frame_header(buf, MSG_RUN, off - FRAME_HEADER_LEN);
	return (off);
}

/*
 * WINSIZE, a client's terminal's new size: exactly rows and columns, u16
 * each, neither 0. Anything else is a broken frame, which ends the
 * connection.
 */
int
frame_check_winsize(const struct frame *f, uint16_t *code, char **cause)
{
	if (f->len != WINSIZE_PAYLOAD_LEN)
		return (check_fail(code, cause, ERR_MALFORMED,
		    "WINSIZE payload of %zu bytes: it must be %d, rows and "
		    "columns", f->len, WINSIZE_PAYLOAD_LEN));
	if (get16(f->payload) == 0 || get16(f->payload + 2) == 0)
		return (check_fail(code, cause, ERR_MALFORMED,
		    "WINSIZE of %u rows and %u columns: both must be at "
		    "least 1", get16(f->payload), get16(f->payload + 2)));
	return (0);
}

/* Read a checked WINSIZE. */
void
frame_parse_winsize(const struct frame *f, uint16_t *rows, uint16_t *cols)
{
	*rows = get16(f->payload);
	*cols = get16(f->payload + 2);
}

/* Encode a WINSIZE; return its size, or 0 if buf is too small. */
size_t
frame_encode_winsize(uint8_t *buf, size_t size, uint16_t rows, uint16_t cols)
{
	if (size < FRAME_HEADER_LEN + WINSIZE_PAYLOAD_LEN)
		return (0);
	frame_header(buf, MSG_WINSIZE, WINSIZE_PAYLOAD_LEN);
	put16(buf + FRAME_HEADER_LEN, rows);
	put16(buf + FRAME_HEADER_LEN + 2, cols);
	return (FRAME_HEADER_LEN + WINSIZE_PAYLOAD_LEN);
}
