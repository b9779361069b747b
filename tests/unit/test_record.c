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
 * Unit tests of daemon/record.c: the record of a command, its field
 * table and the values it gives the audit writer; and the statements the
 * table yields, which must name the columns the writer wrote before it.
 */

static void	peer_fill(struct record_peer *);
static void	expect_text(const struct cmd_record *, u_int, const char *,
		    size_t);
static void	expect_int(const struct cmd_record *, u_int, int64_t);
static void	expect_null(const struct cmd_record *, u_int);
static void	test_record_table(void);
static void	test_record_columns(void);
static void	test_record_new(void);
static void	test_record_denied(void);
static void	test_record_get(void);
static void	test_record_hex(void);
static void	test_record_words(void);
static void	test_record_terminal(void);

static CU_TestInfo record_tests[] = {
	{ "the field table is the table commands, in order",
	    test_record_table },
	{ "record_columns by flags", test_record_columns },
	{ "record_new copies the peer and the command", test_record_new },
	{ "record_new_denied: no client name, status denied",
	    test_record_denied },
	{ "record_get: values and NULLs", test_record_get },
	{ "record_hex", test_record_hex },
	{ "a vector's renderings: JSON and shell words", test_record_words },
	{ "a terminal's text, written and read back",
	    test_record_terminal },
	CU_TEST_INFO_NULL
};

/* A peer with every field set. */
static void
peer_fill(struct record_peer *p)
{
	memset(p, 0, sizeof *p);
	strlcpy(p->client_addr, "192.0.2.1", sizeof p->client_addr);
	p->client_port = 40000;
	p->client_name = "laptop";
	p->identity = "alice";
	p->fingerprint = "AB:CD";
}

/* Field i of r is the text s, len bytes. */
static void
expect_text(const struct cmd_record *r, u_int i, const char *s, size_t len)
{
	struct record_value	v;

	record_get(r, i, &v);
	CU_ASSERT_EQUAL(v.type, RECORD_TEXT);
	CU_ASSERT_EQUAL(v.len, len);
	if (v.type == RECORD_TEXT && v.len == len)
		CU_ASSERT(memcmp(v.s, s, len) == 0);
}

/* Field i of r is the integer n. */
static void
expect_int(const struct cmd_record *r, u_int i, int64_t n)
{
	struct record_value	v;

	record_get(r, i, &v);
	CU_ASSERT_EQUAL(v.type, RECORD_INT);
	CU_ASSERT_EQUAL(v.i, n);
}

/* Field i of r is NULL. */
static void
expect_null(const struct cmd_record *r, u_int i)
{
	struct record_value	v;

	record_get(r, i, &v);
	CU_ASSERT_EQUAL(v.type, RECORD_NULL);
}

/*
 * The table lists the columns of schema version 5 in their order, and
 * the indexes code uses name the right ones.
 */
static void
test_record_table(void)
{
	static const char	*names[] = { "id", "started_at", "finished_at",
	    "client_addr", "client_port", "client_name", "identity",
	    "fingerprint", "command", "status", "exit_code", "signal",
	    "duration_ms", "output", "output_bytes", "truncated", "reason",
	    "seq", "hash", "end_seq", "end_hash", "chain_version", "run_as",
	    "mode", "argv", "ticket", "cwd", "rule", "terminal" };
	u_int			 i;

	CU_ASSERT_EQUAL(record_nfields, sizeof names / sizeof names[0]);
	CU_ASSERT_EQUAL(record_nfields, RECORD_NFIELDS);
	for (i = 0; i < record_nfields && i < sizeof names / sizeof names[0];
	    i++)
		CU_ASSERT_STRING_EQUAL(record_fields[i].name, names[i]);
	CU_ASSERT_STRING_EQUAL(record_fields[RECORD_F_SEQ].name, "seq");
	CU_ASSERT_STRING_EQUAL(record_fields[RECORD_F_FINGERPRINT].name,
	    "fingerprint");
	CU_ASSERT_STRING_EQUAL(record_fields[RECORD_F_CHAIN_VERSION].name,
	    "chain_version");
}

/* The writer's start, end and update lists, and the export's. */
static void
test_record_columns(void)
{
	static const struct {
		int		 flags;
		const char	*suffix;
		const char	*want;
	} cases[] = {
		{ RECORD_AT_START, "", "client_addr, client_port, "
		    "client_name, identity, fingerprint, command, run_as, "
		    "mode, argv, ticket, cwd, rule, terminal" },
		{ RECORD_AT_END, " = ?", "status = ?, exit_code = ?, "
		    "signal = ?, duration_ms = ?, output = ?, "
		    "output_bytes = ?, truncated = ?, reason = ?" },
		{ RECORD_CHAIN_START, "", "id, started_at, client_addr, "
		    "client_port, client_name, identity, fingerprint, "
		    "command, run_as, mode, argv, ticket, cwd, rule, "
		    "terminal" },
		{ 0, "", "id, started_at, finished_at, client_addr, "
		    "client_port, client_name, identity, fingerprint, "
		    "command, status, exit_code, signal, duration_ms, output, "
		    "output_bytes, truncated, reason, seq, hash, end_seq, "
		    "end_hash, chain_version, run_as, mode, argv, ticket, cwd, "
		    "rule, terminal" }
	};
	char	*s;
	u_int	 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = record_columns(cases[i].flags, cases[i].suffix);
		CU_ASSERT_STRING_EQUAL(s, cases[i].want);
		free(s);
	}
}

/* A record owns copies: the peer and command may go away. */
static void
test_record_new(void)
{
	struct record_peer	 peer;
	struct cmd_record	*r;
	char			 command[] = "echo a\0b";

	peer_fill(&peer);
	r = record_new(&peer, command, sizeof command - 1);
	CU_ASSERT_STRING_EQUAL(r->peer.client_addr, "192.0.2.1");
	CU_ASSERT_EQUAL(r->peer.client_port, 40000);
	CU_ASSERT_PTR_NOT_EQUAL(r->peer.client_name, peer.client_name);
	CU_ASSERT_STRING_EQUAL(r->peer.client_name, "laptop");
	CU_ASSERT_STRING_EQUAL(r->peer.identity, "alice");
	CU_ASSERT_STRING_EQUAL(r->peer.fingerprint, "AB:CD");
	CU_ASSERT_EQUAL(r->command_len, sizeof command - 1);
	CU_ASSERT(memcmp(r->command, command, sizeof command - 1) == 0);
	CU_ASSERT_EQUAL(r->command[r->command_len], '\0');
	CU_ASSERT_EQUAL(r->id, 0);
	CU_ASSERT_EQUAL(r->end_seq, 0);
	record_free(r);
	record_free(NULL);
}

/* A refusal keeps the peer but no client name, and an empty command. */
static void
test_record_denied(void)
{
	struct record_peer	 peer;
	struct cmd_record	*r;

	peer_fill(&peer);
	r = record_new_denied(&peer, "not allowed");
	expect_null(r, RECORD_F_CLIENT_NAME);
	expect_text(r, RECORD_F_IDENTITY, "alice", 5);
	expect_text(r, RECORD_F_FINGERPRINT, "AB:CD", 5);
	expect_text(r, RECORD_F_COMMAND, "", 0);
	expect_text(r, RECORD_F_STATUS, "denied", 6);
	expect_text(r, RECORD_F_REASON, "not allowed", 11);
	expect_int(r, RECORD_F_DURATION_MS, 0);
	expect_null(r, RECORD_F_EXIT_CODE);
	expect_null(r, RECORD_F_SIGNAL);
	expect_null(r, RECORD_F_OUTPUT);
	expect_int(r, RECORD_F_OUTPUT_BYTES, 0);
	expect_int(r, RECORD_F_TRUNCATED, 0);
	record_free(r);
}

/* Each field as the writer binds it; what it does not bind is NULL. */
static void
test_record_get(void)
{
	struct cmd_record	r;
	u_int			i;

	memset(&r, 0, sizeof r);
	peer_fill(&r.peer);
	r.command = "true";
	r.command_len = 4;
	r.status = "signaled";
	r.has_signal = 1;
	r.signal = 9;
	r.duration_ms = UINT32_MAX + 1ULL;
	r.output = "a\0b";
	r.output_len = 3;
	r.output_bytes = 10ULL * 1024 * 1024 * 1024;
	r.truncated = 5;
	expect_text(&r, RECORD_F_CLIENT_ADDR, "192.0.2.1", 9);
	expect_int(&r, RECORD_F_CLIENT_PORT, 40000);
	expect_text(&r, RECORD_F_CLIENT_NAME, "laptop", 6);
	expect_text(&r, RECORD_F_COMMAND, "true", 4);
	expect_text(&r, RECORD_F_STATUS, "signaled", 8);
	expect_null(&r, RECORD_F_EXIT_CODE);
	expect_int(&r, RECORD_F_SIGNAL, 9);
	expect_int(&r, RECORD_F_DURATION_MS, (int64_t)UINT32_MAX + 1);
	expect_text(&r, RECORD_F_OUTPUT, "a\0b", 3);
	expect_int(&r, RECORD_F_OUTPUT_BYTES, 10LL * 1024 * 1024 * 1024);
	expect_int(&r, RECORD_F_TRUNCATED, 1);
	expect_null(&r, RECORD_F_REASON);

	/* A local socket has no port; no identity is NULL. */
	r.peer.client_port = -1;
	r.peer.identity = NULL;
	r.peer.fingerprint = NULL;
	r.has_signal = 0;
	r.has_exit_code = 1;
	r.exit_code = 0;
	expect_null(&r, RECORD_F_CLIENT_PORT);
	expect_null(&r, RECORD_F_IDENTITY);
	expect_null(&r, RECORD_F_FINGERPRINT);
	expect_int(&r, RECORD_F_EXIT_CODE, 0);
	expect_null(&r, RECORD_F_SIGNAL);

	/* The writer and the chain fill these, not the record. */
	for (i = 0; i < record_nfields; i++) {
		if ((record_fields[i].flags & (RECORD_AT_START |
		    RECORD_AT_END)) == 0)
			expect_null(&r, i);
	}
}

/* A raw hash as the chain stores it. */
static void
test_record_hex(void)
{
	uint8_t	hash[RECORD_HASH_LEN];
	char	hex[CHAIN_HASH_LEN + 1];
	u_int	i;

	for (i = 0; i < RECORD_HASH_LEN; i++)
		hash[i] = (uint8_t)(i * 17);
	record_hex(hash, hex);
	CU_ASSERT_STRING_EQUAL(hex, "00112233445566778899aabbccddeeff"
	    "102132435465768798a9bacbdcedfe0f");
}

/* Run the suite; exit non-zero if any test failed. */
int
main(void)
{
	return (unit_run("test_record", "record", record_tests));
}

/*
 * A vector is kept as a JSON array, exactly (quotes, backslashes and
 * control characters escaped), and as shell words for the column command:
 * plain words as they are, the others quoted so that a shell would split
 * them back.
 */
static void
test_record_words(void)
{
	struct record_peer	 peer;
	struct cmd_record	*rec;
	char			**w;

	memset(&peer, 0, sizeof peer);
	strlcpy(peer.client_addr, "unix", sizeof peer.client_addr);
	peer.client_port = -1;
	rec = record_new(&peer, "", 0);
	w = xcalloc(7, sizeof *w);
	w[0] = xstrdup("deploy");
	w[1] = xstrdup("web1; id");
	w[2] = xstrdup("");
	w[3] = xstrdup("it's \"x\"\\");
	w[4] = xstrdup("a\tb\n\x1b");
	w[5] = xstrdup("--to=/srv/a,b@c:1+2%");
	record_set_words(rec, w, 6);
	CU_ASSERT_STRING_EQUAL(rec->mode, "argv");
	CU_ASSERT_STRING_EQUAL(rec->argv, "[\"deploy\",\"web1; id\",\"\","
	    "\"it's \\\"x\\\"\\\\\",\"a\\u0009b\\u000a\\u001b\","
	    "\"--to=/srv/a,b@c:1+2%\"]");
	CU_ASSERT_STRING_EQUAL(rec->command, "deploy 'web1; id' '' "
	    "'it'\\''s \"x\"\\' 'a\tb\n\x1b' --to=/srv/a,b@c:1+2%");
	CU_ASSERT_EQUAL(rec->command_len, strlen(rec->command));
	record_free(rec);
}

/* A terminal's text in the row: written from RUN's field, read back. */
static void
test_record_terminal(void)
{
	static const char	*bad[] = { "", "xterm", "xterm 24", "xterm 24x",
	    "xterm x80", "xterm 0x80", "xterm 24x0", "xterm 024x80",
	    "xterm 24x80 ", "xterm  24x80", " 24x80", "x;y 24x80",
	    "xterm 65536x80", "xterm 24x99999999999999999999", "xterm -1x80",
	    "xterm +1x80", "xterm 24x+80" };
	char			*s, term[RUN_MAX_TERM + 1], big[RUN_MAX_TERM + 2];
	u_int			 rows = 0, cols = 0, i;

	s = terminal_text("xterm-256color", 14, 24, 80);
	CU_ASSERT_STRING_EQUAL(s, "xterm-256color 24x80");
	CU_ASSERT_EQUAL(terminal_parse(s, term, sizeof term, &rows, &cols), 0);
	CU_ASSERT_STRING_EQUAL(term, "xterm-256color");
	CU_ASSERT_EQUAL(rows, 24);
	CU_ASSERT_EQUAL(cols, 80);
	free(s);
	s = terminal_text("vt100", 5, 65535, 1);
	CU_ASSERT_EQUAL(terminal_parse(s, NULL, 0, &rows, &cols), 0);
	CU_ASSERT_EQUAL(rows, 65535);
	CU_ASSERT_EQUAL(cols, 1);
	/* A TERM that does not fit the caller's buffer is refused. */
	CU_ASSERT_EQUAL(terminal_parse(s, term, 5, NULL, NULL), -1);
	free(s);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (terminal_parse(bad[i], NULL, 0, NULL, NULL) != -1)
			fprintf(stderr, "\n  \"%s\" was taken\n", bad[i]);
		CU_ASSERT_EQUAL(terminal_parse(bad[i], NULL, 0, NULL, NULL),
		    -1);
	}
	memset(big, 'x', RUN_MAX_TERM + 1);
	big[RUN_MAX_TERM + 1] = '\0';
	s = terminal_text(big, RUN_MAX_TERM + 1, 24, 80);
	CU_ASSERT_EQUAL(terminal_parse(s, NULL, 0, NULL, NULL), -1);
	free(s);
	CU_ASSERT(strlen("t 65535x65535") + RUN_MAX_TERM - 1 <=
	    TERMINAL_TEXT_MAX);
}
