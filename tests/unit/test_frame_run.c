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

#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rcmd-protocol.h"
#include "xmalloc.h"
#include "unit.h"

/*
 * Unit tests of RUN, the EXEC with typed fields (common/frame_run.c):
 * every field round trips, its byte layout is the one rcmd-protocol(7)
 * gives, a broken layout is fatal, and every field that makes no command
 * is refused for this frame only, with a reason.
 */

#define TEST_BUFSIZE	(FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD + 64)

static struct frame_str	 str(const char *);
static int		 same(const struct frame_str *, const char *);
static void		 decode(const uint8_t *, size_t, struct frame *);
static void		 raw_fails(const uint8_t *, size_t, uint16_t,
			     const char *);
static void		 test_run_shell(void);
static void		 test_run_argv_and_fields(void);
static void		 test_run_layout(void);
static void		 test_run_layout_broken(void);
static void		 test_run_refused(void);
static void		 test_run_unknown_field(void);
static void		 test_run_limits(void);
static void		 test_run_login_shell(void);
static void		 test_winsize(void);

static CU_TestInfo run_tests[] = {
	{ "a terminal alone is a login shell; a TERM is not empty",
	    test_run_login_shell },
	{ "WINSIZE round trips; a bad one is malformed", test_winsize },
	{ "a shell command round trips", test_run_shell },
	{ "a vector, user, ticket, directory and terminal round trip",
	    test_run_argv_and_fields },
	{ "the bytes are rcmd-protocol(7)'s", test_run_layout },
	{ "a broken layout is malformed", test_run_layout_broken },
	{ "fields that make no command are refused", test_run_refused },
	{ "an unknown field or flag is refused, not skipped",
	    test_run_unknown_field },
	{ "limits: words, lengths, one frame", test_run_limits },
	CU_TEST_INFO_NULL
};

static struct frame_str
str(const char *s)
{
	struct frame_str	v;

	v.p = (const uint8_t *)s;
	v.len = strlen(s);
	return (v);
}

static int
same(const struct frame_str *v, const char *s)
{
	return (v->p != NULL && v->len == strlen(s) &&
	    memcmp(v->p, s, v->len) == 0);
}

/* Decode one whole frame from buf and check its layout. */
static void
decode(const uint8_t *buf, size_t n, struct frame *f)
{
	uint16_t	 code = 0;
	size_t		 used = 0;
	char		*cause = NULL;

	CU_ASSERT_EQUAL_FATAL(frame_decode(buf, n, f, &used, &code, &cause),
	    1);
	CU_ASSERT_EQUAL(used, n);
	CU_ASSERT_EQUAL(f->type, MSG_RUN);
	CU_ASSERT_EQUAL_FATAL(frame_check_run(f, &code, &cause), 0);
	free(cause);
}

/*
 * A RUN built by hand (its payload p) is checked, then parsed: the parse
 * fails with code and a reason holding what.
 */
static void
raw_fails(const uint8_t *p, size_t len, uint16_t want, const char *what)
{
	struct frame	 f;
	struct frame_run r;
	uint16_t	 code = 0;
	char		*cause = NULL;

	f.type = MSG_RUN;
	f.payload = p;
	f.len = len;
	if (want == ERR_MALFORMED) {
		CU_ASSERT_EQUAL(frame_check_run(&f, &code, &cause), -1);
	} else {
		CU_ASSERT_EQUAL_FATAL(frame_check_run(&f, &code, &cause), 0);
		CU_ASSERT_EQUAL(frame_parse_run(&f, &r, &code, &cause), -1);
		CU_ASSERT_PTR_NULL(r.argv);
	}
	CU_ASSERT_EQUAL(code, want);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	if (strstr(cause, what) == NULL)
		fprintf(stderr, "\n  reason \"%s\" lacks \"%s\"\n", cause, what);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, what));
	free(cause);
}

static void
test_run_shell(void)
{
	uint8_t		 buf[TEST_BUFSIZE];
	struct frame	 f;
	struct frame_run in, out;
	uint16_t	 code = 0;
	size_t		 n;
	char		*cause = NULL;

	memset(&in, 0, sizeof in);
	in.timeout_ms = 1500;
	in.shell = str("cd /tmp && ls | wc -l");
	n = frame_encode_run(buf, sizeof buf, &in);
	CU_ASSERT_FATAL(n > 0);
	decode(buf, n, &f);
	CU_ASSERT_EQUAL_FATAL(frame_parse_run(&f, &out, &code, &cause), 0);
	CU_ASSERT_EQUAL(out.timeout_ms, 1500);
	CU_ASSERT(same(&out.shell, "cd /tmp && ls | wc -l"));
	CU_ASSERT_EQUAL(out.argc, 0);
	CU_ASSERT_PTR_NULL(out.user.p);
	CU_ASSERT_PTR_NULL(out.ticket.p);
	CU_ASSERT_PTR_NULL(out.cwd.p);
	CU_ASSERT_EQUAL(out.terminal, 0);
	frame_run_clear(&out);
	CU_ASSERT_PTR_NULL(out.argv);
}

static void
test_run_argv_and_fields(void)
{
	uint8_t		 buf[TEST_BUFSIZE];
	struct frame_str words[4];
	struct frame	 f;
	struct frame_run in, out;
	uint16_t	 code = 0;
	size_t		 n;
	char		*cause = NULL;

	memset(&in, 0, sizeof in);
	words[0] = str("systemctl");
	words[1] = str("status");
	words[2] = str("nginx; cat /etc/shadow");
	words[3] = str("");
	in.argv = words;
	in.argc = 4;
	in.user = str("deploy");
	in.ticket = str("CHG-1234: roll out 2.3");
	in.cwd = str("/srv/app");
	in.terminal = 1;
	in.rows = 24;
	in.cols = 80;
	in.term = str("xterm-256color");
	n = frame_encode_run(buf, sizeof buf, &in);
	CU_ASSERT_FATAL(n > 0);
	decode(buf, n, &f);
	CU_ASSERT_EQUAL_FATAL(frame_parse_run(&f, &out, &code, &cause), 0);
	CU_ASSERT_PTR_NULL(out.shell.p);
	CU_ASSERT_EQUAL_FATAL(out.argc, 4);
	CU_ASSERT(same(&out.argv[0], "systemctl"));
	CU_ASSERT(same(&out.argv[1], "status"));
	/* Shell syntax in a word is that word's bytes, nothing more. */
	CU_ASSERT(same(&out.argv[2], "nginx; cat /etc/shadow"));
	/* An empty word is a word. */
	CU_ASSERT_EQUAL(out.argv[3].len, 0);
	CU_ASSERT(same(&out.user, "deploy"));
	CU_ASSERT(same(&out.ticket, "CHG-1234: roll out 2.3"));
	CU_ASSERT(same(&out.cwd, "/srv/app"));
	CU_ASSERT_EQUAL(out.terminal, 1);
	CU_ASSERT_EQUAL(out.rows, 24);
	CU_ASSERT_EQUAL(out.cols, 80);
	CU_ASSERT(same(&out.term, "xterm-256color"));
	frame_run_clear(&out);
}

/* The bytes of a small RUN, as the manual page's example gives them. */
static void
test_run_layout(void)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0x00, 0x1a, 0x06,	/* length 26, RUN */
		0x00, 0x00, 0x03, 0xe8,		/* 1000 ms */
		0x00, 0x00, 0x00, 0x00,		/* flags */
		0x02, 0x00, 0x02, 'i', 'd',	/* ARG "id" */
		0x02, 0x00, 0x02, '-', 'u',	/* ARG "-u" */
		0x03, 0x00, 0x04, 'r', 'o', 'o', 't'	/* USER "root" */
	};
	uint8_t		 buf[TEST_BUFSIZE];
	struct frame_str words[2];
	struct frame_run in;
	size_t		 n;

	memset(&in, 0, sizeof in);
	in.timeout_ms = 1000;
	words[0] = str("id");
	words[1] = str("-u");
	in.argv = words;
	in.argc = 2;
	in.user = str("root");
	n = frame_encode_run(buf, sizeof buf, &in);
	CU_ASSERT_EQUAL_FATAL(n, sizeof want);
	CU_ASSERT_EQUAL(memcmp(buf, want, n), 0);
}

static void
test_run_layout_broken(void)
{
	static const uint8_t short_header[] = { 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t cut_field[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	    0x00 };
	static const uint8_t long_field[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	    0x00, 0x05, 'a', 'b' };

	raw_fails(short_header, sizeof short_header, ERR_MALFORMED,
	    "at least the time limit and flags");
	raw_fails(cut_field, sizeof cut_field, ERR_MALFORMED, "cut short");
	raw_fails(long_field, sizeof long_field, ERR_MALFORMED,
	    "says 5 bytes, but 2 are left");
}

static void
test_run_refused(void)
{
	static const uint8_t none[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t both[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x01, 0x00, 0x01, 'x', 0x02, 0x00, 0x01, 'x' };
	static const uint8_t two_shells[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x01, 0x00, 0x01, 'x', 0x01, 0x00, 0x01, 'y' };
	static const uint8_t two_users[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x01, 0x00, 0x01, 'x', 0x03, 0x00, 0x01, 'a',
	    0x03, 0x00, 0x01, 'b' };
	static const uint8_t nul_arg[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x02, 0x00, 0x02, 'l', 's', 0x02, 0x00, 0x03, 'a', 0, 'b' };
	static const uint8_t empty_program[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x02, 0x00, 0x00 };
	static const uint8_t empty_shell[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x01, 0x00, 0x00 };
	static const uint8_t relative_cwd[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x01, 0x00, 0x01, 'x', 0x05, 0x00, 0x03, 't', 'm', 'p' };
	static const uint8_t empty_ticket[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x01, 0x00, 0x01, 'x', 0x04, 0x00, 0x00 };
	static const uint8_t no_rows[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x01, 0x00, 0x01, 'x', 0x06, 0x00, 0x05, 0, 0, 0, 80, 'v' };
	static const uint8_t bad_term[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x01, 0x00, 0x01, 'x', 0x06, 0x00, 0x06, 0, 24, 0, 80, 'v',
	    '\033' };
	static const uint8_t short_terminal[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x01, 0x00, 0x01, 'x', 0x06, 0x00, 0x04, 0, 24, 0, 80 };

	raw_fails(none, sizeof none, ERR_BAD_COMMAND, "neither");
	raw_fails(both, sizeof both, ERR_BAD_COMMAND, "both");
	raw_fails(two_shells, sizeof two_shells, ERR_BAD_COMMAND,
	    "two shell fields");
	raw_fails(two_users, sizeof two_users, ERR_BAD_COMMAND,
	    "two user fields");
	raw_fails(nul_arg, sizeof nul_arg, ERR_BAD_COMMAND,
	    "argument 1 holds a NUL byte at offset 1");
	raw_fails(empty_program, sizeof empty_program, ERR_BAD_COMMAND,
	    "argument 0 of 0 bytes");
	raw_fails(empty_shell, sizeof empty_shell, ERR_BAD_COMMAND,
	    "shell command of 0 bytes");
	raw_fails(relative_cwd, sizeof relative_cwd, ERR_BAD_COMMAND,
	    "absolute path");
	raw_fails(empty_ticket, sizeof empty_ticket, ERR_BAD_COMMAND,
	    "ticket of 0 bytes");
	raw_fails(no_rows, sizeof no_rows, ERR_BAD_COMMAND,
	    "0 rows and 80 columns");
	raw_fails(bad_term, sizeof bad_term, ERR_BAD_COMMAND,
	    "byte 0x1b");
	raw_fails(short_terminal, sizeof short_terminal, ERR_BAD_COMMAND,
	    "terminal of 4 bytes");
}

static void
test_run_unknown_field(void)
{
	static const uint8_t unknown[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x02, 0x00, 0x02, 'l', 's', 0x7f, 0x00, 0x01, 'x' };
	static const uint8_t flagged[] = { 0, 0, 0, 0, 0, 0, 0, 1,
	    0x02, 0x00, 0x02, 'l', 's' };

	raw_fails(unknown, sizeof unknown, ERR_UNSUPPORTED,
	    "type 0x7f is unknown to this server");
	raw_fails(flagged, sizeof flagged, ERR_UNSUPPORTED,
	    "flags 0x00000001");
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_UNSUPPORTED), 0);
}

static void
test_run_limits(void)
{
	uint8_t			 buf[TEST_BUFSIZE], *p;
	struct frame_str	*words;
	struct frame		 f;
	struct frame_run	 in, out;
	uint16_t		 code = 0;
	size_t			 n, i;
	char			*cause = NULL, big[RUN_MAX_TICKET + 2];

	/* The most words a RUN may hold, each empty but the program. */
	words = xcalloc(RUN_MAX_ARGS + 1, sizeof *words);
	for (i = 0; i <= RUN_MAX_ARGS; i++)
		words[i] = str(i == 0 ? "true" : "");
	memset(&in, 0, sizeof in);
	in.argv = words;
	in.argc = RUN_MAX_ARGS;
	n = frame_encode_run(buf, sizeof buf, &in);
	CU_ASSERT_FATAL(n > 0);
	decode(buf, n, &f);
	CU_ASSERT_EQUAL(frame_parse_run(&f, &out, &code, &cause), 0);
	CU_ASSERT_EQUAL(out.argc, RUN_MAX_ARGS);
	frame_run_clear(&out);

	/* One more is refused. */
	in.argc = RUN_MAX_ARGS + 1;
	n = frame_encode_run(buf, sizeof buf, &in);
	CU_ASSERT_FATAL(n > 0);
	decode(buf, n, &f);
	CU_ASSERT_EQUAL(frame_parse_run(&f, &out, &code, &cause), -1);
	CU_ASSERT_EQUAL(code, ERR_BAD_COMMAND);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "more than 4096 arguments"));
	free(cause);
	cause = NULL;
	free(words);

	/* A ticket over its limit. */
	memset(big, 't', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memset(&in, 0, sizeof in);
	in.shell = str("true");
	in.ticket = str(big);
	n = frame_encode_run(buf, sizeof buf, &in);
	CU_ASSERT_FATAL(n > 0);
	decode(buf, n, &f);
	CU_ASSERT_EQUAL(frame_parse_run(&f, &out, &code, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "ticket of 1025 bytes"));
	free(cause);

	/* A vector that cannot fit one frame is not encoded. */
	p = xcalloc(1, FRAME_MAX_PAYLOAD);
	memset(p, 'a', FRAME_MAX_PAYLOAD - 1);
	memset(&in, 0, sizeof in);
	in.shell.p = p;
	in.shell.len = FRAME_MAX_PAYLOAD - 1;
	CU_ASSERT_EQUAL(frame_encode_run(buf, sizeof buf, &in), 0);
	/* Nor into a buffer too small. */
	in.shell = str("true");
	CU_ASSERT_EQUAL(frame_encode_run(buf, 12, &in), 0);
	free(p);
}

/* Run the suite; exit non-zero if any test failed. */
int
main(void)
{
	return (unit_run("test_frame_run", "frame_run", run_tests));
}

/* A terminal with no command asks for a login shell; a TERM has bytes. */
static void
test_run_login_shell(void)
{
	static const uint8_t login[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x06, 0x00, 0x06, 0, 24, 0, 80, 'v', 't' };
	static const uint8_t empty_term[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x01, 0x00, 0x01, 'x', 0x06, 0x00, 0x04, 0, 24, 0, 80 };
	static const uint8_t no_command[] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0x03, 0x00, 0x01, 'a' };
	struct frame		 f;
	struct frame_run	 r;
	uint16_t		 code = 0;
	char			*cause = NULL;

	f.type = MSG_RUN;
	f.payload = login;
	f.len = sizeof login;
	CU_ASSERT_EQUAL_FATAL(frame_check_run(&f, &code, &cause), 0);
	CU_ASSERT_EQUAL_FATAL(frame_parse_run(&f, &r, &code, &cause), 0);
	CU_ASSERT_PTR_NULL(r.shell.p);
	CU_ASSERT_EQUAL(r.argc, 0);
	CU_ASSERT_EQUAL(r.terminal, 1);
	CU_ASSERT_EQUAL(r.rows, 24);
	CU_ASSERT_EQUAL(r.cols, 80);
	CU_ASSERT_EQUAL(r.term.len, 2);
	frame_run_clear(&r);
	raw_fails(empty_term, sizeof empty_term, ERR_BAD_COMMAND,
	    "terminal of 4 bytes");
	raw_fails(no_command, sizeof no_command, ERR_BAD_COMMAND,
	    "only a terminal may have neither");
}

/* WINSIZE: rows and columns round trip; any other size is malformed. */
static void
test_winsize(void)
{
	static const uint8_t	 short_one[] = { 0, 24, 0 };
	static const uint8_t	 long_one[] = { 0, 24, 0, 80, 0 };
	static const uint8_t	 no_rows[] = { 0, 0, 0, 80 };
	static const uint8_t	 no_cols[] = { 0, 24, 0, 0 };
	uint8_t			 buf[FRAME_HEADER_LEN + WINSIZE_PAYLOAD_LEN];
	struct frame		 f;
	uint16_t		 code = 0, rows, cols;
	size_t			 used;
	char			*cause = NULL;

	CU_ASSERT_EQUAL(frame_encode_winsize(buf, sizeof buf - 1, 1, 1), 0);
	CU_ASSERT_EQUAL_FATAL(frame_encode_winsize(buf, sizeof buf, 300,
	    65535), sizeof buf);
	CU_ASSERT_EQUAL_FATAL(frame_decode(buf, sizeof buf, &f, &used,
	    &code, &cause), 1);
	CU_ASSERT_EQUAL(f.type, MSG_WINSIZE);
	CU_ASSERT_STRING_EQUAL(frame_type_name(f.type), "WINSIZE");
	CU_ASSERT_EQUAL(frame_check_client(&f, &code, &cause), 0);
	frame_parse_winsize(&f, &rows, &cols);
	CU_ASSERT_EQUAL(rows, 300);
	CU_ASSERT_EQUAL(cols, 65535);

	f.type = MSG_WINSIZE;
	f.payload = short_one;
	f.len = sizeof short_one;
	CU_ASSERT_EQUAL(frame_check_client(&f, &code, &cause), -1);
	CU_ASSERT_EQUAL(code, ERR_MALFORMED);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "WINSIZE payload of 3 bytes"));
	free(cause);
	cause = NULL;
	f.payload = long_one;
	f.len = sizeof long_one;
	CU_ASSERT_EQUAL(frame_check_winsize(&f, &code, NULL), -1);
	f.payload = no_rows;
	f.len = sizeof no_rows;
	CU_ASSERT_EQUAL(frame_check_winsize(&f, &code, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(cause, "0 rows and 80 columns"));
	free(cause);
	cause = NULL;
	f.payload = no_cols;
	CU_ASSERT_EQUAL(frame_check_winsize(&f, &code, NULL), -1);
	CU_ASSERT_EQUAL(code, ERR_MALFORMED);
}
