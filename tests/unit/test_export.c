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
#include <dirent.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rcmdd.h"
#include "fixture.h"
#include "records.h"
#include "utf8.h"
#include "xmalloc.h"
#include "unit.h"

/*
 * Unit tests of daemon/export.c: JSON and RFC 5424 escaping of whatever a
 * command holds, the structured data line of a finished command, parsed
 * back as an RFC 5424 receiver would, and the JSON Lines export of a
 * temporary audit database, with and without --since.
 */

#define HOSTILE		"echo \"a\nb\\\\\x1b[2J\xff"
#define SD_PREFIX	"[" EXPORT_SD_ID " "
#define SD_NPARAMS	9

/* An SD element parsed back: names, and values with RFC escapes undone. */
struct sd_parsed {
	u_int	 n;
	char	*name[SD_NPARAMS + 1];
	char	*value[SD_NPARAMS + 1];
};

static int	 rows_fill(struct fixture *, uint64_t *, u_int);
static int	 sd_parse(const char *, struct sd_parsed *);
static void	 sd_parsed_free(struct sd_parsed *);
static const char *sd_get(const struct sd_parsed *, const char *);
static int	 is_one_line(const char *);
static char	*export_to_string(const char *, const char *, int *, char **);
static u_int	 count_lines(const char *);
static void	 expect_json(const char *, size_t, const char *);
static void	 expect_sd(const char *, size_t, size_t, const char *);
static void	 record_fill(struct cmd_record *, const char *);
static void	 record_set_hash(struct cmd_record *, const char *);
static void	 test_export_json_plain(void);
static void	 test_export_json_controls(void);
static void	 test_export_json_utf8(void);
static void	 test_export_bidi(void);
static void	 test_export_sd_escape(void);
static void	 test_export_sd_cap(void);
static void	 test_export_sd_line(void);
static void	 test_export_sd_line_hostile(void);
static void	 test_export_sd_line_fields(void);
static void	 test_export_sd_line_longest(void);
static void	 test_export_audit(void);
static void	 test_export_since(void);
static void	 test_export_fails(void);

static CU_TestInfo export_tests[] = {
	{ "JSON: quotes, backslash, plain text", test_export_json_plain },
	{ "JSON: every control character and DEL",
	    test_export_json_controls },
	{ "JSON: UTF-8 kept, invalid bytes and NUL escaped",
	    test_export_json_utf8 },
	{ "JSON and SD: the bidirectional controls escaped",
	    test_export_bidi },
	{ "SD: RFC 5424 escapes and ours", test_export_sd_escape },
	{ "SD: the cap cuts between escapes", test_export_sd_cap },
	{ "SD line: a plain command", test_export_sd_line },
	{ "SD line: a hostile command stays one element",
	    test_export_sd_line_hostile },
	{ "SD line: signal, none, IPv6, unix", test_export_sd_line_fields },
	{ "SD line: the longest fits a log line",
	    test_export_sd_line_longest },
	{ "export of a database", test_export_audit },
	{ "export --since", test_export_since },
	{ "export failures", test_export_fails },
	CU_TEST_INFO_NULL
};

/*
 * Write n commands through the audit store: "echo 0", a hostile command,
 * then "echo 2" and on; the last one is left running. Return 0 with their
 * ids, or -1.
 */
static int
rows_fill(struct fixture *fx, uint64_t *ids, u_int n)
{
	struct cmd_record	 as;
	struct cmd_record	 ae;
	char			 command[32];
	u_int			 i;
	int			 rc = 0;

	if (fixture_open(fx, 1) != 0)
		return (-1);
	audit_start();
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(command, sizeof command, "echo %u", i);
		records_fill(&as, i == 1 ? HOSTILE : command);
		as.peer.client_port = 40000 + (int)i;
		as.peer.client_name = "test_export";
		rc = records_begin(&as, &ids[i], NULL);
		if (rc != 0 || i == n - 1)
			continue;
		records_exited(&ae, (int)i,
		    i == 1 ? "\x1b[31mred\n\t\"q\"\\" : "out\n");
		rc = records_finish(ids[i], &ae, NULL, NULL);
	}
	audit_stop();
	CU_ASSERT_EQUAL(rc, 0);
	return (rc);
}

/*
 * Parse the SD element at the end of a log line as an RFC 5424 receiver
 * would: PARAM-NAME="PARAM-VALUE" pairs, where only \", \\ and \] are
 * escapes. Return 0, or -1 if it is not one well-formed element that ends
 * the line.
 */
static int
sd_parse(const char *line, struct sd_parsed *sd)
{
	const char	*p, *name;
	char		*v;
	size_t		 o;

	memset(sd, 0, sizeof *sd);
	if ((p = strstr(line, SD_PREFIX)) == NULL)
		return (-1);
	p += strlen(SD_PREFIX);
	for (;;) {
		if (sd->n == SD_NPARAMS + 1)
			return (-1);
		name = p;
		while (*p != '\0' && *p != '=' && *p != ' ' && *p != ']' &&
		    *p != '"')
			p++;
		if (*p != '=' || p == name || p[1] != '"')
			return (-1);
		sd->name[sd->n] = xstrndup(name, p - name);
		v = xmalloc(strlen(p) + 1);
		sd->value[sd->n++] = v;
		o = 0;
		for (p += 2; *p != '"'; p++) {
			if (*p == '\0')
				return (-1);
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\' ||
			    p[1] == ']'))
				p++;
			else if (*p == ']')
				return (-1);
			v[o++] = *p;
		}
		v[o] = '\0';
		p++;
		if (*p == ']')
			return (p[1] == '\0' ? 0 : -1);
		if (*p != ' ')
			return (-1);
		p++;
	}
}

/* Free what sd_parse allocated. */
static void
sd_parsed_free(struct sd_parsed *sd)
{
	u_int	i;

	for (i = 0; i < sd->n; i++) {
		free(sd->name[i]);
		free(sd->value[i]);
	}
	sd->n = 0;
}

/* Return the value of a parsed parameter, or NULL. */
static const char *
sd_get(const struct sd_parsed *sd, const char *name)
{
	u_int	i;

	for (i = 0; i < sd->n; i++)
		if (strcmp(sd->name[i], name) == 0)
			return (sd->value[i]);
	return (NULL);
}

/*
 * Return whether s is safe as one log or JSON line: no C0 control, no
 * DEL, no C1 control and no byte that is not UTF-8.
 */
static int
is_one_line(const char *s)
{
	const uint8_t	*p = (const uint8_t *)s;
	size_t		 len, i, n;
	uint32_t	 c;

	len = strlen(s);
	for (i = 0; i < len; i += n) {
		n = utf8_decode(p + i, len - i, &c);
		if (n == 0 || utf8_is_control(c) || c == 0x2028 ||
		    c == 0x2029)
			return (0);
	}
	return (1);
}

/* Run export_audit into a temporary file and return what it wrote. */
static char *
export_to_string(const char *path, const char *since, int *rc,
    char **cause)
{
	FILE	*fp;
	char	*buf;
	long	 size;

	if ((fp = tmpfile()) == NULL) {
		CU_FAIL("tmpfile failed");
		*rc = -2;
		return (NULL);
	}
	*rc = export_audit(path, since, fp, cause);
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	buf = xcalloc(1, size + 1);
	if (size != 0 && fread(buf, 1, size, fp) != (size_t)size)
		CU_FAIL("cannot read the export back");
	fclose(fp);
	return (buf);
}

/*
 * Count the lines of an export, checking that each is one JSON object:
 * it starts with '{', ends with '}' and holds no control character.
 */
static u_int
count_lines(const char *buf)
{
	const char	*p, *nl;
	char		*line;
	u_int		 n = 0;

	for (p = buf; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		CU_ASSERT_PTR_NOT_NULL(nl);
		if (nl == NULL)
			break;
		line = xstrndup(p, nl - p);
		CU_ASSERT(line[0] == '{');
		CU_ASSERT(nl > p && nl[-1] == '}');
		CU_ASSERT(is_one_line(line));
		CU_ASSERT_PTR_NOT_NULL(strstr(line, "\"id\":"));
		free(line);
		n++;
	}
	return (n);
}

/* Check export_json_string on one input. */
static void
expect_json(const char *in, size_t len, const char *want)
{
	char	*got;

	got = export_json_string(in, len);
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n    got %s, want %s", got, want);
	CU_ASSERT(is_one_line(got));
	free(got);
}

/* Check export_sd_escape on one input. */
static void
expect_sd(const char *in, size_t len, size_t cap, const char *want)
{
	char	*got;

	got = export_sd_escape(in, len, cap);
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n    got \"%s\", want \"%s\"", got, want);
	CU_ASSERT(is_one_line(got));
	free(got);
}

/* Give the record a sealed end whose hash is hex, or none for NULL. */
static void
record_set_hash(struct cmd_record *r, const char *hex)
{
	u_int	i, b;

	r->end_seq = 0;
	if (hex == NULL)
		return;
	for (i = 0; i < RECORD_HASH_LEN; i++) {
		sscanf(hex + 2 * i, "%2x", &b);
		r->end_hash[i] = (uint8_t)b;
	}
	r->end_seq = 1;
}

/* Fill in the record of a command that exited 0. */
static void
record_fill(struct cmd_record *r, const char *command)
{
	records_fill(r, command);
	r->id = 12;
	r->peer.client_port = 5555;
	r->status = "exited";
	r->has_exit_code = 1;
	r->exit_code = 0;
	r->duration_ms = 3;
	record_set_hash(r, "6d1ce2f0a0a1a2a3a4a5a6a7a8a9aaab"
	    "acadaeafb0b1b2b3b4b5b6b7b8b9babb");
}

/* Quotes and backslashes are escaped; plain text is kept. */
static void
test_export_json_plain(void)
{
	expect_json("", 0, "\"\"");
	expect_json("uname -a", 8, "\"uname -a\"");
	expect_json("a\"b", 3, "\"a\\\"b\"");
	expect_json("a\\b", 3, "\"a\\\\b\"");
	expect_json("\\\"", 2, "\"\\\\\\\"\"");
	expect_json("/ ] [ } { '", 11, "\"/ ] [ } { '\"");
}

/*
 * Every C0 control and DEL is escaped, with the short forms where JSON
 * has them; so are C1 controls and the line and paragraph separators.
 */
static void
test_export_json_controls(void)
{
	static const char	*shortform[] = {
		[0x08] = "\"\\b\"", [0x09] = "\"\\t\"", [0x0a] = "\"\\n\"",
		[0x0c] = "\"\\f\"", [0x0d] = "\"\\r\"",
	};
	char			 in[1], want[16];
	int			 c;

	for (c = 0; c < 0x20; c++) {
		in[0] = (char)c;
		if (c < (int)(sizeof shortform / sizeof shortform[0]) &&
		    shortform[c] != NULL)
			strlcpy(want, shortform[c], sizeof want);
		else
			snprintf(want, sizeof want, "\"\\u%04x\"", c);
		expect_json(in, 1, want);
	}
	expect_json("\x7f", 1, "\"\\u007f\"");
	expect_json("\x1b[2J", 4, "\"\\u001b[2J\"");
	expect_json("a\r\nb", 4, "\"a\\r\\nb\"");
	expect_json("\xc2\x85", 2, "\"\\u0085\"");
	expect_json("\xc2\x9b" "1m", 4, "\"\\u009b1m\"");
	expect_json("\xe2\x80\xa8" "x\xe2\x80\xa9", 7,
	    "\"\\u2028x\\u2029\"");
}

/* Valid UTF-8 stays; each invalid byte becomes \ufffd; NUL is escaped. */
static void
test_export_json_utf8(void)
{
	expect_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
	    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	expect_json("\xff", 1, "\"\\ufffd\"");
	expect_json("a\xff\xfe" "b", 4, "\"a\\ufffd\\ufffdb\"");
	expect_json("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
	expect_json("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
	expect_json("cut \xe2\x82", 6, "\"cut \\ufffd\\ufffd\"");
	expect_json("\xf4\x90\x80\x80", 4,
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	expect_json("a\0b", 3, "\"a\\u0000b\"");
	expect_json("\0", 1, "\"\\u0000\"");
	expect_json(HOSTILE, strlen(HOSTILE),
	    "\"echo \\\"a\\nb\\\\\\\\\\u001b[2J\\ufffd\"");
}

/*
 * The bidirectional controls, which reorder what a reader sees (U+202E
 * shows "txt.exe" as "exe.txt"), are escaped in both forms; other
 * characters of the same block are not.
 */
static void
test_export_bidi(void)
{
	expect_json("a\xe2\x80\xaetxt.exe", 11, "\"a\\u202etxt.exe\"");
	expect_json("\xe2\x80\x8e\xe2\x80\x8f", 6, "\"\\u200e\\u200f\"");
	expect_json("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", 12,
	    "\"\\u202a\\u202b\\u202c\\u202d\"");
	expect_json("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", 12,
	    "\"\\u2066\\u2067\\u2068\\u2069\"");
	expect_json("\xe2\x80\x94\xe2\x80\xaf", 6,
	    "\"\xe2\x80\x94\xe2\x80\xaf\"");
	expect_sd("a\xe2\x80\xaetxt.exe", 11, 0, "a\\xe2\\x80\\xaetxt.exe");
	expect_sd("\xe2\x81\xa6x\xe2\x81\xa9", 7, 0,
	    "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9");
	expect_sd("\xe2\x80\x8e", 3, 0, "\\xe2\\x80\\x8e");
}

/* The three RFC 5424 escapes, and ours for controls and invalid bytes. */
static void
test_export_sd_escape(void)
{
	expect_sd("", 0, 0, "");
	expect_sd("uname -a", 8, 0, "uname -a");
	expect_sd("\"", 1, 0, "\\\"");
	expect_sd("\\", 1, 0, "\\\\");
	expect_sd("]", 1, 0, "\\]");
	expect_sd("[x]", 3, 0, "[x\\]");
	expect_sd("a\nb", 3, 0, "a\\nb");
	expect_sd("a\r\nb", 4, 0, "a\\r\\nb");
	expect_sd("\t", 1, 0, "\\t");
	expect_sd("\x1b[2J", 4, 0, "\\x1b[2J");
	expect_sd("\x7f", 1, 0, "\\x7f");
	expect_sd("a\0b", 3, 0, "a\\x00b");
	expect_sd("\x01\x1f", 2, 0, "\\x01\\x1f");
	expect_sd("\xc2\x85", 2, 0, "\\xc2\\x85");
	expect_sd("\xe2\x80\xa8", 3, 0, "\\xe2\\x80\\xa8");
	expect_sd("\xff\xfe", 2, 0, "\\xff\\xfe");
	expect_sd("\xc0\xaf", 2, 0, "\\xc0\\xaf");
	expect_sd("caf\xc3\xa9 \xe2\x82\xac", 9, 0,
	    "caf\xc3\xa9 \xe2\x82\xac");
	/* A backslash that was there stays apart from the escapes. */
	expect_sd("\\x41\\n", 6, 0, "\\\\x41\\\\n");
	expect_sd(HOSTILE, strlen(HOSTILE), 0,
	    "echo \\\"a\\nb\\\\\\\\\\x1b[2J\\xff");
}

/*
 * The cap counts escaped bytes; text that fits is not cut, and a cut
 * never splits an escape or a UTF-8 character.
 */
static void
test_export_sd_cap(void)
{
	char	*in, *want, *got;

	expect_sd("abcdef", 6, 6, "abcdef");
	expect_sd("abcdefg", 7, 6, "abcdef...");
	expect_sd("abcde\n", 6, 6, "abcde...");
	expect_sd("abcd\n", 5, 6, "abcd\\n");
	expect_sd("abc\xff", 4, 6, "abc...");
	expect_sd("ab\xff", 3, 6, "ab\\xff");
	expect_sd("abcd\xe2\x82\xac", 7, 6, "abcd...");
	expect_sd("abc\xe2\x82\xac", 6, 6, "abc\xe2\x82\xac");
	expect_sd("abcde]", 6, 6, "abcde...");

	in = xmalloc(4000);
	memset(in, 'a', 4000);
	want = xmalloc(EXPORT_COMMAND_MAX + 4);
	memset(want, 'a', EXPORT_COMMAND_MAX);
	memcpy(want + EXPORT_COMMAND_MAX, "...", 4);
	expect_sd(in, 4000, EXPORT_COMMAND_MAX, want);
	got = export_sd_escape(in, EXPORT_COMMAND_MAX, EXPORT_COMMAND_MAX);
	CU_ASSERT_EQUAL(strlen(got), EXPORT_COMMAND_MAX);
	free(got);

	/* Every byte an escape: the cut lands on an escape's boundary. */
	memset(in, '\x1b', 4000);
	got = export_sd_escape(in, 4000, EXPORT_COMMAND_MAX);
	CU_ASSERT_EQUAL(strlen(got), EXPORT_COMMAND_MAX + 3);
	CU_ASSERT(strncmp(got, "\\x1b\\x1b", 8) == 0);
	CU_ASSERT_STRING_EQUAL(got + EXPORT_COMMAND_MAX - 4, "\\x1b...");
	free(got);
	memset(in, '\n', 4000);
	got = export_sd_escape(in, 4000, 1023);
	CU_ASSERT_EQUAL(strlen(got), 1022 + 3);
	CU_ASSERT_STRING_EQUAL(got + 1020, "\\n...");
	free(got);
	free(in);
	free(want);
}

/* The whole line of a plain command, as the issue describes it. */
static void
test_export_sd_line(void)
{
	struct cmd_record	 r;
	char			*line;

	record_fill(&r, "uptime");
	line = export_sd_line(&r);
	CU_ASSERT_STRING_EQUAL(line, "command 12 exited code 0 in 3 ms "
	    "[rcmd@32473 id=\"12\" client=\"127.0.0.1:5555\" identity=\"-\" "
	    "status=\"exited\" exit=\"0\" signal=\"-\" duration_ms=\"3\" "
	    "hash=\"6d1ce2f0a0a1a2a3a4a5a6a7a8a9aaab"
	    "acadaeafb0b1b2b3b4b5b6b7b8b9babb\" command=\"uptime\"]");
	free(line);
}

/*
 * A command full of quotes, brackets, backslashes, newlines, escape
 * sequences and bytes that are not UTF-8 stays inside its parameter, and
 * the line stays one line.
 */
static void
test_export_sd_line_hostile(void)
{
	static const char	*names[] = { "id", "client", "identity",
				     "status", "exit", "signal", "duration_ms",
				     "hash", "command" };
	static const char	 forge[] = "x\"] [rcmd@32473 id=\"99\"]\n"
				     "Nov 23 rcmdd: command 99 exited\r\\";
	struct cmd_record	 r;
	struct sd_parsed	 sd;
	char			*line;
	u_int			 i;

	record_fill(&r, HOSTILE);
	line = export_sd_line(&r);
	CU_ASSERT(is_one_line(line));
	CU_ASSERT(strncmp(line, "command 12 exited code 0 in 3 ms [",
	    34) == 0);
	CU_ASSERT_EQUAL(sd_parse(line, &sd), 0);
	CU_ASSERT_EQUAL(sd.n, sizeof names / sizeof names[0]);
	for (i = 0; i < sd.n && i < sizeof names / sizeof names[0]; i++)
		CU_ASSERT_STRING_EQUAL(sd.name[i], names[i]);
	if (sd_get(&sd, "command") != NULL)
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "command"),
		    "echo \"a\\nb\\\\\\x1b[2J\\xff");
	sd_parsed_free(&sd);
	free(line);

	/* A command that tries to close the element and start another. */
	record_fill(&r, forge);
	line = export_sd_line(&r);
	CU_ASSERT(is_one_line(line));
	CU_ASSERT_EQUAL(sd_parse(line, &sd), 0);
	CU_ASSERT_EQUAL(sd.n, sizeof names / sizeof names[0]);
	if (sd_get(&sd, "id") != NULL)
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "id"), "12");
	if (sd_get(&sd, "command") != NULL)
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "command"),
		    "x\"] [rcmd@32473 id=\"99\"]\\n"
		    "Nov 23 rcmdd: command 99 exited\\r\\");
	CU_ASSERT_PTR_NULL(strchr(line, '\n'));
	sd_parsed_free(&sd);
	free(line);
}

/* A signal, no hash, an identity, IPv6 and a local socket. */
static void
test_export_sd_line_fields(void)
{
	struct cmd_record	 r;
	struct sd_parsed	 sd;
	char			*line;

	record_fill(&r, "sleep 20");
	r.id = 7;
	r.status = "signaled";
	r.has_exit_code = 0;
	r.has_signal = 1;
	r.signal = 9;
	r.duration_ms = 4303;
	record_set_hash(&r, NULL);
	strlcpy(r.peer.client_addr, "::1", sizeof r.peer.client_addr);
	r.peer.client_port = 40001;
	r.peer.identity = "CN=ops \"x\"]";
	line = export_sd_line(&r);
	CU_ASSERT(strncmp(line, "command 7 signaled signal 9 in 4303 ms [",
	    40) == 0);
	CU_ASSERT_EQUAL(sd_parse(line, &sd), 0);
	if (sd.n == SD_NPARAMS) {
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "client"), "[::1]:40001");
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "identity"),
		    "CN=ops \"x\"]");
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "exit"), "-");
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "signal"), "9");
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "hash"), "-");
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "duration_ms"), "4303");
	} else
		CU_FAIL("the line does not parse into its parameters");
	sd_parsed_free(&sd);
	free(line);

	/* A local socket has no port; a failed start has no exit code. */
	record_fill(&r, "true");
	strlcpy(r.peer.client_addr, "unix", sizeof r.peer.client_addr);
	r.peer.client_port = -1;
	r.status = "failed";
	r.has_exit_code = 0;
	record_set_hash(&r, NULL);
	r.duration_ms = 0;
	line = export_sd_line(&r);
	CU_ASSERT(strncmp(line, "command 12 failed in 0 ms [", 27) == 0);
	CU_ASSERT_EQUAL(sd_parse(line, &sd), 0);
	if (sd.n == SD_NPARAMS) {
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "client"), "unix");
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "exit"), "-");
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "signal"), "-");
		CU_ASSERT_STRING_EQUAL(sd_get(&sd, "hash"), "-");
	} else
		CU_FAIL("the line does not parse into its parameters");
	sd_parsed_free(&sd);
	free(line);
}

/*
 * The longest line there can be (every field at its widest, every byte
 * an escape) still fits the 2048 bytes of a log line, and ends its
 * element.
 */
static void
test_export_sd_line_longest(void)
{
	struct cmd_record	 r;
	struct sd_parsed	 sd;
	char			*command, *identity, *line;

	command = xmalloc(65528 + 1);
	memset(command, '\xff', 65528);
	command[65528] = '\0';
	identity = xmalloc(4096 + 1);
	memset(identity, '\x1b', 4096);
	identity[4096] = '\0';
	memset(&r, 0, sizeof r);
	memset(r.peer.client_addr, ']', sizeof r.peer.client_addr - 1);
	r.id = UINT64_MAX;
	r.peer.client_port = 65535;
	r.peer.identity = identity;
	r.status = "disconnected";
	r.has_exit_code = 1;
	r.exit_code = INT32_MIN;
	r.has_signal = 1;
	r.signal = INT32_MIN;
	r.duration_ms = UINT64_MAX;
	record_set_hash(&r, "ffffffffffffffffffffffffffffffff"
	    "ffffffffffffffffffffffffffffffff");
	r.command = command;
	r.command_len = 65528;
	line = export_sd_line(&r);
	CU_ASSERT(strlen(line) < 2048 - sizeof "rcmdd: ");
	CU_ASSERT(is_one_line(line));
	CU_ASSERT_EQUAL(sd_parse(line, &sd), 0);
	sd_parsed_free(&sd);
	free(line);
	free(command);
	free(identity);
}

/* Every row is one JSON object on one line, in id order. */
static void
test_export_audit(void)
{
	struct fixture	 fx;
	uint64_t	 ids[5];
	char		*out, *cause = NULL, want[64];
	int		 rc;

	if (fixture_new(&fx, "test_export") != 0)
		return;
	if (rows_fill(&fx, ids, 5) != 0)
		goto out;
	out = export_to_string(fx.path, NULL, &rc, &cause);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NULL(cause);
	free(cause);
	CU_ASSERT_EQUAL(count_lines(out), 5);

	/* Each column by name, in schema order, as the right JSON type. */
	snprintf(want, sizeof want, "{\"id\":%llu,\"started_at\":\"",
	    (unsigned long long)ids[0]);
	CU_ASSERT(strncmp(out, want, strlen(want)) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"client_addr\":\"127.0.0.1\","
	    "\"client_port\":40000,\"client_name\":\"test_export\","
	    "\"identity\":null,\"fingerprint\":null,\"command\":\"echo 0\","
	    "\"status\":\"exited\","
	    "\"exit_code\":0,\"signal\":null,\"duration_ms\":0,"
	    "\"output\":\"out\\n\",\"output_bytes\":4,\"truncated\":0,"
	    "\"reason\":null,\"seq\":1,\"hash\":\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\",\"end_seq\":2,\"end_hash\":\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"command\":\"echo \\\"a\\nb"
	    "\\\\\\\\\\u001b[2J\\ufffd\""));
	/* The stored output is already text, with U+FFFD for ESC. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"output\":\"\xef\xbf\xbd[31mred"
	    "\\n\\t\\\"q\\\"\\\\\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"command\":\"echo 4\","
	    "\"status\":\"running\",\"exit_code\":null,\"signal\":null,"
	    "\"duration_ms\":null,\"output\":null,\"output_bytes\":0,"
	    "\"truncated\":0,\"reason\":null,\"seq\":"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"end_seq\":null,"
	    "\"end_hash\":null,\"chain_version\":2,\"run_as\":null,"
	    "\"mode\":null,\"argv\":null,\"ticket\":null,\"cwd\":null,"
	    "\"rule\":null,\"terminal\":null}\n"));
	/* In id order. */
	CU_ASSERT(strstr(out, "\"echo 2\"") < strstr(out, "\"echo 3\""));
	free(out);
out:
	fixture_free(&fx);
}

/* --since keeps the rows started at or after a time, and checks it. */
static void
test_export_since(void)
{
	static const struct {
		const char	*since;
		u_int		 rows;
	} cases[] = {
		{ "2026-01-01", 4 },
		{ "2026-03-01", 3 },
		{ "2026-03-01T12:00", 3 },
		{ "2026-03-01T12:00Z", 3 },
		{ "2026-03-01T12:00:00", 3 },
		{ "2026-03-01T12:00:00.000Z", 3 },
		{ "2026-03-01T12:00:00.001Z", 2 },
		{ "2026-03-01T12:00:01", 2 },
		{ "2026-03-01T12:00:30.500", 2 },
		{ "2026-03-01T12:00:30.501", 1 },
		{ "2026-03-01T12:01Z", 1 },
		{ "2026-03-02", 1 },
		{ "2028-02-29T23:59:59.999", 1 },
		{ "2030-01-01", 0 },
	};
	static const char	*bad[] = {
		"", "yesterday", "2026", "2026-3-1", "2026-03-01T",
		"2026-03-01Z",
		"2026-03-01T12", "2026-03-01T12:00:0", "2026-03-01T12:00:00.1",
		"2026-03-01 12:00", "2026-03-01t12:00", "2026-03-01T12:00ZZ",
		"2026-13-01", "2026-00-10", "2026-02-29", "2026-04-31",
		"2026-03-00", "2026-03-01T24:00", "2026-03-01T12:60",
		"2026-03-01T12:00:60", "2026-03-01T12:00+01:00",
		"+2026-03-01", " 2026-03-01",
	};
	struct fixture	 fx;
	sqlite3		*db = NULL;
	uint64_t	 ids[4];
	char		*out, *cause, *sql;
	size_t		 i;
	int		 rc;

	if (fixture_new(&fx, "test_export") != 0)
		return;
	if (rows_fill(&fx, ids, 4) != 0)
		goto out;
	if (sqlite3_open_v2(fx.path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		CU_FAIL("cannot open the database");
		goto close;
	}
	xasprintf(&sql, "UPDATE commands SET started_at = CASE id "
	    "WHEN %llu THEN '2026-02-28T23:59:59.999Z' "
	    "WHEN %llu THEN '2026-03-01T12:00:00.000Z' "
	    "WHEN %llu THEN '2026-03-01T12:00:30.500Z' "
	    "ELSE '2028-03-01T00:00:00.000Z' END",
	    (unsigned long long)ids[0], (unsigned long long)ids[1],
	    (unsigned long long)ids[2]);
	CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	free(sql);

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		out = export_to_string(fx.path, cases[i].since, &rc, &cause);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_PTR_NULL(cause);
		if (count_lines(out) != cases[i].rows) {
			CU_FAIL("--since kept the wrong rows");
			fprintf(stderr, "\n    --since %s: %u rows, want %u",
			    cases[i].since, count_lines(out), cases[i].rows);
		}
		free(cause);
		free(out);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		out = export_to_string(fx.path, bad[i], &rc, &cause);
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_STRING_EQUAL(out, "");
		CU_ASSERT_PTR_NOT_NULL(cause);
		if (cause != NULL) {
			CU_ASSERT_PTR_NOT_NULL(strstr(cause, "--since"));
			CU_ASSERT_PTR_NOT_NULL(strstr(cause, "YYYY-MM-DD"));
		}
		if (rc != -1)
			fprintf(stderr, "\n    --since \"%s\" was taken",
			    bad[i]);
		free(cause);
		free(out);
	}
close:
	sqlite3_close(db);
out:
	fixture_free(&fx);
}

/*
 * A missing database is not created; a file that is not one, or has no
 * audit table, fails with SQLite's reason.
 */
static void
test_export_fails(void)
{
	struct fixture	 fx;
	sqlite3		*db = NULL;
	FILE		*fp;
	char		*out, *cause = NULL;
	int		 rc;

	if (fixture_new(&fx, "test_export") != 0)
		return;
	out = export_to_string(fx.path, NULL, &rc, &cause);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	CU_ASSERT_STRING_EQUAL(out, "");
	CU_ASSERT_NOT_EQUAL(access(fx.path, F_OK), 0);
	free(cause);
	free(out);

	if ((fp = fopen(fx.path, "w")) != NULL) {
		fputs("this is not an SQLite database, not at all; it is only "
		    "text, and there is a lot more of it than a header\n", fp);
		fclose(fp);
	}
	cause = NULL;
	out = export_to_string(fx.path, NULL, &rc, &cause);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);
	free(out);
	unlink(fx.path);

	if (sqlite3_open_v2(fx.path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) == SQLITE_OK)
		sqlite3_exec(db, "CREATE TABLE other (x)", NULL, NULL, NULL);
	sqlite3_close(db);
	cause = NULL;
	out = export_to_string(fx.path, NULL, &rc, &cause);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, "commands"));
	free(cause);
	free(out);
	fixture_free(&fx);
}

/* Run the suite; exit non-zero if any test failed. */
int
main(void)
{
	log_init("test_export", 1, 0);
	return (unit_run("test_export", "export", export_tests));
}
