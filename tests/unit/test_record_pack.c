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

#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rcmdd.h"
#include "unit.h"
#include "xmalloc.h"

/*
 * Unit tests of record_pack and record_unpack (daemon/record.c): the
 * record as it crosses between rcmdd's two processes. Every field the
 * row is written from comes back as it went; every cut of a valid
 * buffer, every oversized or out-of-range value and every field a
 * message may not carry is refused with a cause.
 */

static struct cmd_record *full_record(void);
static void	expect_same(const struct cmd_record *,
		    const struct cmd_record *, uint64_t);
static void	expect_refused(uint64_t, const uint8_t *, size_t,
		    const char *);
static void	test_pack_round_trip(void);
static void	test_pack_masks(void);
static void	test_pack_truncated(void);
static void	test_pack_oversize(void);
static void	test_pack_bad(void);

static CU_TestInfo pack_tests[] = {
	{ "every field comes back as it went", test_pack_round_trip },
	{ "a mask picks fields; others are refused", test_pack_masks },
	{ "every truncation and trailing bytes are refused",
	    test_pack_truncated },
	{ "oversized values are refused", test_pack_oversize },
	{ "bad types, orders, values and statuses are refused",
	    test_pack_bad },
	CU_TEST_INFO_NULL
};

/* A record with every field the row is written from set. */
static struct cmd_record *
full_record(void)
{
	struct record_peer	 peer;
	struct cmd_record	*rec;

	memset(&peer, 0, sizeof peer);
	strlcpy(peer.client_addr, "2001:db8::1", sizeof peer.client_addr);
	peer.client_port = 65535;
	peer.client_name = (char *)"laptop";
	peer.identity = (char *)"alice";
	peer.fingerprint = (char *)"AB:CD:EF";
	rec = record_new(&peer, "echo hi; exit 3", 15);
	rec->status = "timeout";
	rec->has_exit_code = 1;
	rec->exit_code = 255;
	rec->has_signal = 1;
	rec->signal = 9;
	rec->duration_ms = 1234567890123ULL;
	rec->output = xmalloc(5);
	memcpy(rec->output, "a\0b\nc", 5);
	rec->output_len = 5;
	rec->output_bytes = 1ULL << 40;
	rec->truncated = 1;
	rec->reason = xstrdup("timed out after 10 ms");
	rec->ticket = xstrdup("CHG-42: restart");
	rec->cwd = xstrdup("/srv/www");
	rec->terminal = xstrdup("xterm-256color 24x80");
	return (rec);
}

/* Each field of mask has the same value in a and b. */
static void
expect_same(const struct cmd_record *a, const struct cmd_record *b,
    uint64_t mask)
{
	struct record_value	va, vb;
	u_int			i;

	for (i = 0; i < record_nfields; i++) {
		if ((mask & ((uint64_t)1 << i)) == 0)
			continue;
		record_get(a, i, &va);
		record_get(b, i, &vb);
		CU_ASSERT_EQUAL(va.type, vb.type);
		if (va.type != vb.type)
			continue;
		if (va.type == RECORD_INT) {
			CU_ASSERT_EQUAL(va.i, vb.i);
		} else if (va.type == RECORD_TEXT) {
			CU_ASSERT_EQUAL(va.len, vb.len);
			if (va.len == vb.len) {
				CU_ASSERT(memcmp(va.s, vb.s, va.len) == 0);
			}
		}
	}
}

/* Unpacking buf is refused with a cause that holds what. */
static void
expect_refused(uint64_t mask, const uint8_t *buf, size_t len,
    const char *what)
{
	struct cmd_record	*rec;
	char			*cause = NULL;

	rec = xcalloc(1, sizeof *rec);
	CU_ASSERT_EQUAL(record_unpack(rec, mask, buf, len, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL && what != NULL && strstr(cause, what) == NULL) {
		fprintf(stderr, "cause \"%s\" lacks \"%s\"\n", cause, what);
		CU_FAIL("cause does not say what was wrong");
	}
	free(cause);
	record_free(rec);
}

/* Every start and end field survives a round trip, bytes and all. */
static void
test_pack_round_trip(void)
{
	struct cmd_record	*a, *b;
	uint64_t		 mask;
	uint8_t			*buf;
	size_t			 len;
	char			*cause = NULL;
	u_int			 i, n = 0;

	/* All but what the privileged part decides or renders itself. */
	mask = record_mask(RECORD_AT_START | RECORD_AT_END) &
	    ~((uint64_t)1 << RECORD_F_RUN_AS) &
	    ~((uint64_t)1 << RECORD_F_MODE) &
	    ~((uint64_t)1 << RECORD_F_ARGV) &
	    ~((uint64_t)1 << RECORD_F_RULE);
	for (i = 0; i < record_nfields; i++) {
		if (mask & ((uint64_t)1 << i))
			n++;
	}
	/* Peer, command, ticket, directory, terminal, outcome. */
	CU_ASSERT_EQUAL(n, 17);
	a = full_record();
	buf = record_pack(a, mask, &len);
	b = xcalloc(1, sizeof *b);
	b->peer.client_port = -1;
	CU_ASSERT_EQUAL(record_unpack(b, mask, buf, len, &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	free(cause);
	expect_same(a, b, mask);
	CU_ASSERT_EQUAL(b->command_len, 15);
	CU_ASSERT_STRING_EQUAL(b->status, "timeout");
	CU_ASSERT_STRING_EQUAL(b->ticket, "CHG-42: restart");
	CU_ASSERT_STRING_EQUAL(b->cwd, "/srv/www");
	CU_ASSERT_STRING_EQUAL(b->terminal, "xterm-256color 24x80");
	free(buf);
	record_free(a);
	record_free(b);
}

/* A mask selects fields when packing and bounds them when unpacking. */
static void
test_pack_masks(void)
{
	struct cmd_record	*a, *b;
	uint8_t			*buf;
	size_t			 len;
	char			*cause = NULL;

	a = full_record();
	buf = record_pack(a, record_mask(RECORD_AT_START), &len);
	b = xcalloc(1, sizeof *b);
	CU_ASSERT_EQUAL(record_unpack(b, record_mask(RECORD_AT_START), buf,
	    len, &cause), 0);
	free(cause);
	expect_same(a, b, record_mask(RECORD_AT_START));
	CU_ASSERT_PTR_NULL(b->status);
	CU_ASSERT_PTR_NULL(b->reason);
	record_free(b);
	/* Start fields where only end fields may come: refused. */
	expect_refused(record_mask(RECORD_AT_END), buf, len,
	    "not expected here");
	free(buf);

	/* A NULL field is left out, and stays NULL. */
	free(a->peer.identity);
	a->peer.identity = NULL;
	buf = record_pack(a, record_mask(RECORD_AT_START), &len);
	b = xcalloc(1, sizeof *b);
	CU_ASSERT_EQUAL(record_unpack(b, record_mask(RECORD_AT_START), buf,
	    len, &cause), 0);
	free(cause);
	CU_ASSERT_PTR_NULL(b->peer.identity);
	CU_ASSERT_STRING_EQUAL(b->peer.fingerprint, "AB:CD:EF");
	free(buf);
	record_free(a);
	record_free(b);
}

/* Every prefix of a valid buffer is refused, and so are trailing bytes. */
static void
test_pack_truncated(void)
{
	struct cmd_record	*a, *b;
	uint64_t		 mask;
	uint8_t			*buf, *more;
	size_t			 len, cut;
	char			*cause;

	mask = record_mask(RECORD_AT_START | RECORD_AT_END);
	a = full_record();
	buf = record_pack(a, mask, &len);
	CU_ASSERT_EQUAL(buf[0] << 8 | buf[1], 17);
	for (cut = 0; cut < len; cut++) {
		b = xcalloc(1, sizeof *b);
		cause = NULL;
		CU_ASSERT_EQUAL(record_unpack(b, mask, buf, cut, &cause), -1);
		CU_ASSERT_PTR_NOT_NULL(cause);
		if (cause != NULL) {
			CU_ASSERT(strstr(cause, "truncated") != NULL);
		}
		free(cause);
		record_free(b);
	}
	more = xmalloc(len + 1);
	memcpy(more, buf, len);
	more[len] = 0;
	expect_refused(mask, more, len + 1, "after its 17 fields");
	free(more);
	free(buf);
	record_free(a);
}

/* Values longer than their field may hold are refused. */
static void
test_pack_oversize(void)
{
	struct cmd_record	*a;
	uint8_t			*buf;
	size_t			 len;

	a = full_record();
	free(a->command);
	a->command_len = EXEC_MAX_COMMAND + 1;
	a->command = xmalloc(a->command_len + 1);
	memset(a->command, 'x', a->command_len);
	a->command[a->command_len] = '\0';
	buf = record_pack(a, record_mask(RECORD_AT_START), &len);
	expect_refused(record_mask(RECORD_AT_START), buf, len, "too long");
	free(buf);

	free(a->reason);
	a->reason = xmalloc(8192 + 1);
	memset(a->reason, 'r', 8192);
	a->reason[8192] = '\0';
	buf = record_pack(a, record_mask(RECORD_AT_END), &len);
	expect_refused(record_mask(RECORD_AT_END), buf, len, "too long");
	free(buf);
	record_free(a);

	/* A length beyond the buffer: truncated, not read past the end. */
	{
		const uint8_t	huge[] = { 0, 1, RECORD_F_COMMAND, RECORD_TEXT,
		    0xff, 0xff, 0xff, 0xff, 'x' };

		expect_refused(record_mask(RECORD_AT_START), huge,
		    sizeof huge, "truncated");
	}
}

/* Wrong types, orders, statuses, ranges and NULs are refused. */
static void
test_pack_bad(void)
{
	uint64_t	start = record_mask(RECORD_AT_START);
	uint64_t	end = record_mask(RECORD_AT_END);
	const uint8_t	bad_type[] = { 0, 1, RECORD_F_COMMAND, RECORD_INT,
	    0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t	unknown_type[] = { 0, 1, RECORD_F_COMMAND, 7, 0 };
	const uint8_t	unknown_field[] = { 0, 1, 200, RECORD_INT,
	    0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t	writer_field[] = { 0, 1, RECORD_F_SEQ, RECORD_INT,
	    0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t	repeated[] = { 0, 2,
	    RECORD_F_COMMAND, RECORD_TEXT, 0, 0, 0, 1, 'a',
	    RECORD_F_COMMAND, RECORD_TEXT, 0, 0, 0, 1, 'b' };
	const uint8_t	backwards[] = { 0, 2,
	    RECORD_F_COMMAND, RECORD_TEXT, 0, 0, 0, 1, 'a',
	    RECORD_F_CLIENT_ADDR, RECORD_TEXT, 0, 0, 0, 1, 'b' };
	const uint8_t	nul[] = { 0, 1, RECORD_F_COMMAND, RECORD_TEXT,
	    0, 0, 0, 3, 'a', 0, 'b' };
	const uint8_t	status[] = { 0, 1, RECORD_F_STATUS, RECORD_TEXT,
	    0, 0, 0, 4, 'o', 'k', 'a', 'y' };
	const uint8_t	port[] = { 0, 1, RECORD_F_CLIENT_PORT, RECORD_INT,
	    0, 0, 0, 0, 0, 1, 0, 0 };
	const uint8_t	exit_code[] = { 0, 1, RECORD_F_EXIT_CODE, RECORD_INT,
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t	sig[] = { 0, 1, RECORD_F_SIGNAL, RECORD_INT,
	    0, 0, 0, 0, 0, 0, 0, 0 };
	const uint8_t	trunc[] = { 0, 1, RECORD_F_TRUNCATED, RECORD_INT,
	    0, 0, 0, 0, 0, 0, 0, 2 };
	const uint8_t	addr[] = { 0, 1, RECORD_F_CLIENT_ADDR, RECORD_TEXT,
	    0, 0, 0, 60, 'a' };
	const uint8_t	term_size[] = { 0, 1, RECORD_F_TERMINAL, RECORD_TEXT,
	    0, 0, 0, 6, 'v', 't', ' ', '0', 'x', '1' };
	const uint8_t	term_name[] = { 0, 1, RECORD_F_TERMINAL, RECORD_TEXT,
	    0, 0, 0, 6, 'v', ';', ' ', '1', 'x', '1' };
	const uint8_t	term_big[] = { 0, 1, RECORD_F_TERMINAL, RECORD_TEXT,
	    0, 0, 0, 10, 'v', 't', ' ', '1', 'x', '7', '0', '0', '0', '0' };

	expect_refused(start, bad_type, sizeof bad_type, "wrong type");
	expect_refused(start, unknown_type, sizeof unknown_type,
	    "unknown type");
	expect_refused(start, unknown_field, sizeof unknown_field,
	    "unknown");
	expect_refused(UINT64_MAX, writer_field, sizeof writer_field,
	    "not sent");
	expect_refused(start, repeated, sizeof repeated, "repeated");
	expect_refused(start, backwards, sizeof backwards, "out of order");
	expect_refused(start, nul, sizeof nul, "NUL");
	expect_refused(end, status, sizeof status, "not a status");
	expect_refused(start, port, sizeof port, "out of range");
	expect_refused(end, exit_code, sizeof exit_code, "out of range");
	expect_refused(end, sig, sizeof sig, "out of range");
	expect_refused(end, trunc, sizeof trunc, "out of range");
	expect_refused(start, addr, sizeof addr, "truncated");
	expect_refused(start, term_size, sizeof term_size, "TERM");
	expect_refused(start, term_name, sizeof term_name, "TERM");
	expect_refused(start, term_big, sizeof term_big, "TERM");
}

int
main(int argc, char **argv)
{
	(void)argc;
	return (unit_run(argv[0], "record_pack", pack_tests));
}
