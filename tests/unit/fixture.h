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

#ifndef FIXTURE_H
#define FIXTURE_H

#include <sys/types.h>

/* A temporary directory holding one test's audit database. */
struct fixture {
	char	dir[64];
	char	path[128];	/* dir/audit.db */
	char	copy[128];	/* the last copy a test made of it */
	u_int	ncopies;
};

/* fixture.c: a fresh directory and the audit store opened on it. */
int	fixture_new(struct fixture *, const char *);
void	fixture_free(struct fixture *);
int	fixture_open(struct fixture *, int);

#endif /* FIXTURE_H */
