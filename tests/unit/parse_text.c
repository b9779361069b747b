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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "parse_text.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The configuration tests write each configuration as a string and parse
 * it through config_parse as the file TEST_FILE.
 */

/* Parse a string as the file TEST_FILE; return the number of errors. */
int
parse_text(struct config *conf, const char *text, char **errors)
{
	FILE	*fp;
	char	*copy;
	int	 n;

	copy = xstrdup(text);
	if ((fp = fmemopen(copy, strlen(copy), "r")) == NULL) {
		CU_FAIL("fmemopen failed");
		free(copy);
		return (-1);
	}
	n = config_parse(conf, TEST_FILE, fp, errors);
	fclose(fp);
	free(copy);
	return (n);
}
