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

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "rcmdd.h"

/*
 * libFuzzer target for the configuration parser: the input is an
 * rcmdd.conf. Whatever it holds, parsing must count every error it
 * reports and free all it allocated.
 */

#define FUZZ_MAX_INPUT	(64 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 conf;
	FILE		*fp;
	char		*errors = NULL, *p;
	int		 n, lines = 0;

	if (size > FUZZ_MAX_INPUT || size == 0)
		return (0);
	if ((fp = fmemopen((void *)data, size, "r")) == NULL)
		return (0);
	config_init(&conf);
	n = config_parse(&conf, "fuzz.conf", fp, &errors);
	fclose(fp);
	for (p = errors; p != NULL && *p != '\0'; p++) {
		if (*p == '\n')
			lines++;
	}
	/* Each error is one line (a reason never holds a newline). */
	if (n != lines)
		abort();
	if (n == 0 && errors != NULL)
		abort();
	free(errors);
	config_clear(&conf);
	return (0);
}
