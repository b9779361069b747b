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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rcmdd.h"
#include "xmalloc.h"

/*
 * asciicast v2 (what asciinema plays): a JSON header line, then one JSON
 * array per event, [seconds, "o", "text"]. A terminal's bytes are not
 * always UTF-8, and a read may end inside a character: as asciinema's
 * incremental decoder does, the start of a character cut at the end of
 * an event waits for the next one, and each byte that cannot begin or
 * continue a character becomes U+FFFD (one for each maximal invalid
 * prefix). Runs on the privileged part's loop thread as the output comes,
 * and in rcmdd --export-cast and --replay.
 */

static void	cast_grow(struct cast_out *, size_t);
static void	cast_add(struct cast_out *, const void *, size_t);
static void	cast_text(struct cast_out *, const u_char *, size_t, int,
		    u_char *, size_t *);

/* Make room for n more bytes. */
static void
cast_grow(struct cast_out *o, size_t n)
{
	size_t	size;

	if (o->len + n <= o->size)
		return;
	size = o->size == 0 ? 4096 : o->size;
	while (size < o->len + n)
		size *= 2;
	o->buf = xreallocarray(o->buf, 1, size);
	o->size = size;
}

/* Append n bytes. */
static void
cast_add(struct cast_out *o, const void *p, size_t n)
{
	cast_grow(o, n);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/*
 * Return how many bytes at p (len of them) make one valid UTF-8
 * character, or 0 if they do not: then cut is the length of the valid
 * prefix (0 if p[0] cannot start a character), which ends at len when
 * the bytes ran out before the character did.
 */
size_t
cast_utf8(const u_char *p, size_t len, size_t *cut)
{
	u_char	c = p[0], lo = 0x80, hi = 0xbf;
	size_t	n, i;

	*cut = 0;
	if (c < 0x80)
		return (1);
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	for (i = 1; i < n; i++) {
		if (i == len) {
			*cut = i;
			return (0);
		}
		if (p[i] < lo || p[i] > hi) {
			*cut = i;	/* an invalid prefix of i bytes */
			return (0);
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return (n);
}

/*
 * Append data as the inside of a JSON string: the bytes held back in pend
 * (*npend of them) first; a character cut at the end is held back there
 * again unless final.
 */
static void
cast_text(struct cast_out *o, const u_char *data, size_t len, int final,
    u_char *pend, size_t *npend)
{
	static const char	 hex[] = "0123456789abcdef";
	u_char			*tmp = NULL;
	const u_char		*p = data;
	char			*w;
	size_t			 n, cut, i, plen = len;

	/* A character was cut: join its start to data (rare, and small). */
	if (*npend != 0) {
		tmp = xmalloc(*npend + len + 1);
		memcpy(tmp, pend, *npend);
		if (len != 0)
			memcpy(tmp + *npend, data, len);
		p = tmp;
		plen = *npend + len;
		*npend = 0;
	}
	/* At most 6 bytes a byte (\u00XX), written in place. */
	cast_grow(o, plen * 6 + 16);
	w = o->buf + o->len;
	i = 0;
	while (i < plen) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			if (p[i] == '"' || p[i] == '\\')
				*w++ = '\\';
			*w++ = (char)p[i++];
			continue;
		}
		if (p[i] < 0x80) {
			*w++ = '\\';
			switch (p[i]) {
			case '\n':
				*w++ = 'n';
				break;
			case '\r':
				*w++ = 'r';
				break;
			case '\t':
				*w++ = 't';
				break;
			default:
				*w++ = 'u';
				*w++ = '0';
				*w++ = '0';
				*w++ = hex[p[i] >> 4];
				*w++ = hex[p[i] & 0xf];
				break;
			}
			i++;
			continue;
		}
		if ((n = cast_utf8(p + i, plen - i, &cut)) != 0) {
			memcpy(w, p + i, n);
			w += n;
			i += n;
			continue;
		}
		if (cut != 0 && i + cut == plen && !final) {
			/* Cut at the end: wait for the rest. */
			memcpy(pend, p + i, cut);
			*npend = cut;
			break;
		}
		/* U+FFFD for each maximal invalid prefix. */
		*w++ = (char)0xef;
		*w++ = (char)0xbf;
		*w++ = (char)0xbd;
		i += cut == 0 ? 1 : cut;
	}
	o->len = (size_t)(w - o->buf);
	free(tmp);
}

/*
 * Append one event line: at us microseconds, of type ('o' output, 'i'
 * input, 'r' a resize, whose data is "COLSxROWS"), data (len bytes) after
 * what pend holds.
 */
void
cast_event(struct cast_out *o, uint64_t us, char type, const void *data,
    size_t len, int final, u_char *pend, size_t *npend)
{
	char	head[48];
	int	n;

	n = snprintf(head, sizeof head, "[%" PRIu64 ".%06" PRIu64 ", \"%c\", "
	    "\"", us / 1000000, us % 1000000, type);
	cast_add(o, head, (size_t)n);
	cast_text(o, data, len, final, pend, npend);
	cast_add(o, "\"]\n", 3);
}

/*
 * Append the header line: the terminal's size, the start time (seconds
 * since the epoch) and TERM.
 */
void
cast_header(struct cast_out *o, u_int cols, u_int rows, int64_t timestamp,
    const char *term)
{
	u_char	none[4];
	size_t	nnone = 0;
	char	head[128];
	int	n;

	n = snprintf(head, sizeof head, "{\"version\": 2, \"width\": %u, "
	    "\"height\": %u, \"timestamp\": %" PRId64 ", \"env\": {\"TERM\": "
	    "\"", cols, rows, timestamp);
	cast_add(o, head, (size_t)n);
	cast_text(o, (const u_char *)term, strlen(term), 1, none, &nnone);
	cast_add(o, "\"}}\n", 4);
}

/* Free what o holds. */
void
cast_out_free(struct cast_out *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->size = 0;
}
