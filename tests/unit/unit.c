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

#include <stdio.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "unit.h"

/*
 * The main() of every unit test program: one suite, run verbosely, and an
 * exit status that make check reads.
 */

/*
 * Register the tests as suite and run them. Return 0 if all passed, 1 if
 * any failed or CUnit itself failed.
 */
int
unit_run(const char *program, const char *suite, CU_TestInfo *tests)
{
	CU_pSuite	 s;
	CU_TestInfo	*t;
	int		 failed;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "%s: %s\n", program, CU_get_error_msg());
		return (1);
	}
	if ((s = CU_add_suite(suite, NULL, NULL)) == NULL)
		goto fail;
	for (t = tests; t->pName != NULL; t++) {
		if (CU_add_test(s, t->pName, t->pTestFunc) == NULL)
			goto fail;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		goto fail;
	failed = CU_get_number_of_failures() != 0 ||
	    CU_get_number_of_tests_failed() != 0;
	CU_cleanup_registry();
	return (failed ? 1 : 0);

fail:
	fprintf(stderr, "%s: %s\n", program, CU_get_error_msg());
	CU_cleanup_registry();
	return (1);
}
