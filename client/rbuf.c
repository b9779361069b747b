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

#include <stdlib.h>
#include <string.h>

#include "rcmd.h"
#include "xmalloc.h"

/*
 * The client's one growable byte buffer: a connection's input and output
 * queues, and fan-out's partial lines and gathered output. Data lives from
 * off to len; the space before off is taken back when the buffer grows.
 */

/* Append bytes to a buffer. */
void
rbuf_add(struct rbuf *b, const void *data, size_t len)
{
	if (len == 0)
		return;
	memcpy(rbuf_space(b, len), data, len);
	b->len += len;
}

/*
 * Make room for len more bytes at the end of a buffer and return where
 * they go; the caller adds what it wrote there to b->len.
 */
uint8_t *
rbuf_space(struct rbuf *b, size_t len)
{
	if (b->off != 0 && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + len > b->size) {
		if (b->off != 0) {
			memmove(b->data, b->data + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		if (b->len + len > b->size) {
			b->size = b->len + len + 4096;
			b->data = xreallocarray(b->data, 1, b->size);
		}
	}
	return (b->data + b->len);
}

/* Drop bytes from the front of a buffer. */
void
rbuf_drain(struct rbuf *b, size_t len)
{
	b->off += len;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

/* Free what a buffer holds and leave it empty, ready for use again. */
void
rbuf_free(struct rbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof *b);
}

/* Return where a buffer's data starts. */
uint8_t *
rbuf_data(const struct rbuf *b)
{
	return (b->data == NULL ? NULL : b->data + b->off);
}

/* Return how many bytes a buffer holds. */
size_t
rbuf_length(const struct rbuf *b)
{
	return (b->len - b->off);
}
