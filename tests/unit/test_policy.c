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
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <CUnit/Basic.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "parse_text.h"
#include "rcmdd.h"
#include "unit.h"
#include "xmalloc.h"

/*
 * Unit tests of daemon/policy.c and daemon/policy_check.c: parsing the
 * Allow and Deny rules (each error with its message), matching words
 * against patterns (and each way around a command rule), resolving a
 * program against Path, and the decision for every example rule of
 * rcmdd.conf(5).
 */

#define RUN_AS		"nobody"
#define TEST_MAX_WORDS	16

/* A question to the rules and the answer expected. */
struct ask {
	const char	*identity;	/* NULL: none */
	const char	*from;		/* NULL: the local socket */
	const char	*user;		/* NULL: the default */
	int		 argv;		/* words: a vector, else one string */
	const char	*words;		/* split at blanks for a vector */
	int		 ticket;
	int		 reason;
	u_int		 line;		/* the rule named, 0: none */
	const char	*as;		/* the user, when allowed */
};

#define EXPECT_ASKS(text, a) \
	expect_asks((text), (a), sizeof (a) / sizeof (a)[0])

/* A pattern, a word, and whether it should match. */
struct match {
	const char	*p;
	const char	*s;
	int		 want;
};

#define EXPECT_MATCHES(fn, m) \
	expect_matches((fn), (m), sizeof (m) / sizeof (m)[0])

static void	load(struct config *, const char *);
static int	ask(const struct config *, const struct ask *,
		    struct policy_decision *);
static void	expect_asks(const char *, const struct ask *, size_t);
static void	expect_matches(int (*)(const char *, const char *),
		    const struct match *, size_t);
static void	expect_cause(const char *, int, char *, const char *);
static void	test_policy_parse(void);
static void	test_policy_parse_errors(void);
static void	test_policy_config(void);
static void	test_policy_users(void);
static void	test_policy_glob(void);
static void	test_policy_words(void);
static void	test_policy_issue(void);
static void	test_policy_manual(void);
static void	test_policy_messages(void);
static void	test_policy_bypass(void);
static void	test_policy_long(void);
static void	test_policy_admit(void);
static void	test_policy_resolve(void);
static void	test_policy_check(void);

static CU_TestInfo policy_tests[] = {
	{ "policy_add_rule: the forms, as parsed", test_policy_parse },
	{ "policy_add_rule: each error with its message",
	    test_policy_parse_errors },
	{ "config_parse: Allow and Deny keep file, line and text",
	    test_policy_config },
	{ "policy_check_users: users that do not exist",
	    test_policy_users },
	{ "policy_glob: * and ? stop at /, classes, escapes",
	    test_policy_glob },
	{ "policy_match_word: -, .. and empty words", test_policy_words },
	{ "policy_decide: the rules of issue 18", test_policy_issue },
	{ "policy_decide: the examples of rcmdd.conf(5)",
	    test_policy_manual },
	{ "policy_decide: messages and hints", test_policy_messages },
	{ "policy_decide: ways around a command rule", test_policy_bypass },
	{ "policy_decide: a very long vector, a long argument",
	    test_policy_long },
	{ "policy_admit: Deny at the door, by name and fingerprint",
	    test_policy_admit },
	{ "policy_resolve: rcmdd's Path, never the client's",
	    test_policy_resolve },
	{ "policy_check: rules never reached", test_policy_check },
	CU_TEST_INFO_NULL
};

/* The rules of issue 18, in its order. */
static const char issue_rules[] =
    "Deny  mallory\n"
    "Allow alice as alice root\n"
    "Allow deploy-* from 10.0.0.0/8 as deploy command "
    "/usr/local/bin/deploy *\n"
    "Allow nagios as nagios command /usr/lib/nagios/plugins/check_* ...\n"
    "Allow ops-* as root ticket\n";

/* The rules of rcmdd.conf(5)'s EXAMPLES, line for line. */
static const char manual_rules[] =
    "Deny mallory\n"
    "Deny fingerprint 5C:2E:1F:00:00:00:00:00:00:00:00:00:00:00:00:00:"
    "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01\n"
    "Allow alice as alice root\n"
    "Allow deploy-* from 10.0.0.0/8 as deploy command "
    "/usr/local/bin/deploy *\n"
    "Allow nagios as nagios command /usr/lib/nagios/plugins/check_* ...\n"
    "Allow web-* command /usr/bin/systemctl restart nginx\n"
    "Allow web-* command /usr/bin/systemctl status *\n"
    "Allow backup from 10.9.0.0/16 as root command /usr/bin/rsync "
    "--server -* ...\n"
    "Allow ops-* as root ticket\n"
    "Allow * from unix\n";

/* Parse text as rcmdd.conf; it must have no error. */
static void
load(struct config *conf, const char *text)
{
	char	*errors = NULL;

	config_init(conf);
	CU_ASSERT_EQUAL(parse_text(conf, text, &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	if (errors != NULL)
		fprintf(stderr, "\n    %s", errors);
	free(errors);
}

/* Ask the rules one question; return whether allowed. */
static int
ask(const struct config *conf, const struct ask *a, struct policy_decision *d)
{
	struct policy_request	 rq;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	char			*copy, *words[TEST_MAX_WORDS], *p, *w;
	u_int			 n = 0;

	memset(&rq, 0, sizeof rq);
	rq.identity = a->identity;
	if (a->from != NULL) {
		memset(&sin, 0, sizeof sin);
		memset(&sin6, 0, sizeof sin6);
		if (inet_pton(AF_INET, a->from, &sin.sin_addr) == 1) {
			sin.sin_family = AF_INET;
			rq.addr = (struct sockaddr *)&sin;
		} else if (inet_pton(AF_INET6, a->from, &sin6.sin6_addr) ==
		    1) {
			sin6.sin6_family = AF_INET6;
			rq.addr = (struct sockaddr *)&sin6;
		} else
			CU_FAIL_FATAL("bad address in a test");
	}
	rq.user = a->user;
	rq.run_as = RUN_AS;
	rq.ticket = a->ticket;
	copy = xstrdup(a->words);
	if (a->argv) {
		rq.mode = POLICY_ARGV;
		p = copy;
		while ((w = strsep(&p, " ")) != NULL && n < TEST_MAX_WORDS)
			words[n++] = w;
		rq.argv = words;
		rq.argc = n;
		rq.program = words[0];
	} else {
		rq.mode = POLICY_SHELL;
		rq.command = copy;
	}
	policy_decide(conf, &rq, d);
	free(copy);
	return (d->allowed);
}

/* Load the rules of text and ask them each question of a table of n. */
static void
expect_asks(const char *text, const struct ask *a, size_t n)
{
	struct config		 conf;
	struct policy_decision	 d;
	size_t			 i;
	u_int			 line;
	int			 ok;

	load(&conf, text);
	for (i = 0; i < n; i++) {
		ask(&conf, &a[i], &d);
		line = d.rule == NULL ? 0 : d.rule->line;
		ok = d.reason == a[i].reason && line == a[i].line &&
		    d.allowed == (a[i].reason == POLICY_ALLOWED) &&
		    (!d.allowed || strcmp(d.user, a[i].as) == 0);
		CU_ASSERT(ok);
		if (!ok)
			fprintf(stderr, "\n    %s %s \"%s\" as %s: got %s, "
			    "line %u, as %s (%s); want %s, line %u, as %s",
			    a[i].identity == NULL ? "(none)" : a[i].identity,
			    a[i].argv ? "vector" : "shell", a[i].words,
			    a[i].user == NULL ? "(default)" : a[i].user,
			    policy_reason_name(d.reason), line,
			    d.user == NULL ? "-" : d.user, d.message,
			    policy_reason_name(a[i].reason), a[i].line,
			    a[i].as == NULL ? "-" : a[i].as);
		policy_decision_clear(&d);
	}
	config_clear(&conf);
}

/* Ask a matcher each question of a table of n. */
static void
expect_matches(int (*fn)(const char *, const char *), const struct match *m,
    size_t n)
{
	size_t	i;
	int	got;

	for (i = 0; i < n; i++) {
		got = fn(m[i].p, m[i].s);
		CU_ASSERT_EQUAL(got, m[i].want);
		if (got != m[i].want)
			fprintf(stderr, "\n    \"%s\" on \"%s\": got %d",
			    m[i].p, m[i].s, got);
	}
}

/* A call on what failed returned -1 with this cause, which is freed. */
static void
expect_cause(const char *what, int rc, char *cause, const char *want)
{
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause == NULL)
		return;
	CU_ASSERT_STRING_EQUAL(cause, want);
	if (strcmp(cause, want) != 0)
		fprintf(stderr, "\n    for \"%s\" got \"%s\"", what, cause);
	free(cause);
}

/* Each form of rule is kept as written: users, patterns, flags, text. */
static void
test_policy_parse(void)
{
	struct config		 conf;
	const struct allow_rule	*r;
	char			*cause = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(policy_add_rule(&conf, 0, "alice as alice,root",
	    "f", 3, &cause), 0);
	CU_ASSERT_EQUAL(policy_add_rule(&conf, 0, "deploy-*  from "
	    "10.0.0.0/8\tas deploy command /usr/local/bin/deploy *", "f", 4,
	    &cause), 0);
	CU_ASSERT_EQUAL(policy_add_rule(&conf, 0, "nagios as nagios command "
	    "/usr/lib/nagios/plugins/check_* ...", "f", 5, &cause), 0);
	CU_ASSERT_EQUAL(policy_add_rule(&conf, 0, "ops-* ticket as root",
	    NULL, 0, &cause), 0);
	CU_ASSERT_EQUAL(policy_add_rule(&conf, 1, "mallory from unix", "f",
	    7, &cause), 0);
	CU_ASSERT_EQUAL(policy_add_rule(&conf, 1, "fingerprint "
	    "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbcc"
	    "ddeeff", "f", 8, &cause), 0);
	CU_ASSERT_EQUAL(policy_add_rule(&conf, 0, "x command /bin/echo a,b "
	    "as \\...", "f", 9, &cause), 0);
	/* A word that begins with "#" starts a comment, as in the manual. */
	CU_ASSERT_EQUAL(policy_add_rule(&conf, 0, "bob as bob root\t# bob "
	    "picks either; bob is his default", "f", 10, &cause), 0);
	CU_ASSERT_EQUAL(policy_add_rule(&conf, 0, "c#d command /bin/x \\#y #",
	    "f", 11, &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 9);

	r = &conf.allow[0];
	CU_ASSERT_STRING_EQUAL(r->pattern, "alice");
	CU_ASSERT_EQUAL(r->flags, 0);
	CU_ASSERT_EQUAL_FATAL(r->nusers, 2);
	CU_ASSERT_STRING_EQUAL(r->users[0], "alice");
	CU_ASSERT_STRING_EQUAL(r->users[1], "root");
	CU_ASSERT_STRING_EQUAL(r->file, "f");
	CU_ASSERT_EQUAL(r->line, 3);
	CU_ASSERT_STRING_EQUAL(r->text, "Allow alice as alice,root");

	r = &conf.allow[1];
	CU_ASSERT_EQUAL(r->flags, ALLOW_COMMAND);
	CU_ASSERT_EQUAL(r->nsources, 1);
	CU_ASSERT_EQUAL_FATAL(r->argc, 2);
	CU_ASSERT_STRING_EQUAL(r->argv[0], "/usr/local/bin/deploy");
	CU_ASSERT_STRING_EQUAL(r->argv[1], "*");
	CU_ASSERT_STRING_EQUAL(r->text, "Allow deploy-* from 10.0.0.0/8 as "
	    "deploy command /usr/local/bin/deploy *");

	r = &conf.allow[2];
	CU_ASSERT_EQUAL(r->flags, ALLOW_COMMAND | ALLOW_MORE);
	CU_ASSERT_EQUAL(r->argc, 1);

	r = &conf.allow[3];
	CU_ASSERT_EQUAL(r->flags, ALLOW_TICKET);
	CU_ASSERT_PTR_NULL(r->file);
	CU_ASSERT_EQUAL_FATAL(r->nusers, 1);
	CU_ASSERT_STRING_EQUAL(r->users[0], "root");

	r = &conf.allow[4];
	CU_ASSERT_EQUAL(r->flags, ALLOW_DENY);
	CU_ASSERT_EQUAL(r->nsources, 1);
	CU_ASSERT_STRING_EQUAL(r->text, "Deny mallory from unix");

	r = &conf.allow[5];
	CU_ASSERT_EQUAL(r->flags, ALLOW_DENY | ALLOW_FINGERPRINT);
	CU_ASSERT_STRING_EQUAL(r->pattern, "00:11:22:33:44:55:66:77:88:99:AA:"
	    "BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");

	/* After command, commas and keywords are words of the command. */
	r = &conf.allow[6];
	CU_ASSERT_EQUAL(r->nusers, 0);
	CU_ASSERT_EQUAL_FATAL(r->argc, 4);
	CU_ASSERT_STRING_EQUAL(r->argv[1], "a,b");
	CU_ASSERT_STRING_EQUAL(r->argv[2], "as");
	CU_ASSERT_STRING_EQUAL(r->argv[3], "\\...");
	CU_ASSERT_EQUAL(r->flags, ALLOW_COMMAND);

	r = &conf.allow[7];
	CU_ASSERT_EQUAL_FATAL(r->nusers, 2);
	CU_ASSERT_STRING_EQUAL(r->users[1], "root");
	CU_ASSERT_STRING_EQUAL(r->text, "Allow bob as bob root");

	/* Only a "#" that begins a word. */
	r = &conf.allow[8];
	CU_ASSERT_STRING_EQUAL(r->pattern, "c#d");
	CU_ASSERT_EQUAL_FATAL(r->argc, 2);
	CU_ASSERT_STRING_EQUAL(r->argv[1], "\\#y");
	CU_ASSERT_STRING_EQUAL(r->text, "Allow c#d command /bin/x \\#y");
	config_clear(&conf);
}

/* Each bad rule is refused with its message and adds nothing. */
static void
test_policy_parse_errors(void)
{
	static const struct {
		int		 deny;
		const char	*value;
		const char	*cause;
	} cases[] = {
		{ 0, "alice bob", "Allow: \"bob\" after the pattern: write "
		    "Allow PATTERN [from SOURCE ...]" },
		{ 1, "alice bob", "Deny: \"bob\" after the pattern: write "
		    "Deny PATTERN [from SOURCE ...]" },
		{ 0, "x ticket bob", "Allow: \"bob\" after ticket: write "
		    "Allow PATTERN [from SOURCE ...] [as USER ...] [ticket] "
		    "[command PROGRAM [ARGUMENT ...]]" },
		{ 0, "x from", "Allow x from: name at least one source" },
		{ 1, "x from", "Deny x from: name at least one source" },
		{ 0, "x from unix from ::1", "Allow x: \"from\" is given "
		    "twice: list all in one" },
		{ 0, "x as root as bin", "Allow x: \"as\" is given twice: "
		    "list all in one" },
		{ 0, "x as", "Allow x as: name at least one user; the first "
		    "is the default" },
		{ 0, "x as ticket", "Allow x as: name at least one user; the "
		    "first is the default" },
		{ 1, "x from 10.0.0.0/33", "Deny: \"10.0.0.0/33\" is not a "
		    "source: use an address, a CIDR block such as 10.0.0.0/8 "
		    "or fd00::/8, or unix" },
		{ 0, " , ", "Allow needs an identity pattern" },
		{ 1, "", "Deny needs an identity pattern" },
		{ 1, "x as root", "Deny: \"as\": a Deny rule refuses "
		    "everything an identity asks: write Deny PATTERN [from "
		    "SOURCE ...], or an Allow rule that admits less" },
		{ 1, "x ticket", "Deny: \"ticket\": a Deny rule refuses "
		    "everything an identity asks: write Deny PATTERN [from "
		    "SOURCE ...], or an Allow rule that admits less" },
		{ 1, "x command /bin/ls", "Deny: \"command\": a Deny rule "
		    "refuses everything an identity asks: write Deny PATTERN "
		    "[from SOURCE ...], or an Allow rule that admits less" },
		{ 1, "fingerprint", "Deny fingerprint needs the "
		    "certificate's SHA-256 fingerprint" },
		{ 1, "fingerprint AB:CD", "Deny fingerprint: \"AB:CD\" is not "
		    "a SHA-256 fingerprint: give the 64 hex digits that rcmdd "
		    "logs and records for the certificate (AB:CD:...)" },
		{ 1, "fingerprint 00112233445566778899aabbccddeeff00112233445"
		    "566778899aabbccddeeffzz", "Deny fingerprint: \"001122334"
		    "45566778899aabbccddeeff00112233445566778899aabbccddeeffzz"
		    "\" is not a SHA-256 fingerprint: give the 64 hex digits "
		    "that rcmdd logs and records for the certificate "
		    "(AB:CD:...)" },
		{ 1, "fingerprint 00112233445566778899aabbccddeeff00112233445"
		    "566778899aabbccddeeff x", "Deny: \"x\" after the "
		    "fingerprint: write Deny fingerprint FINGERPRINT, one a "
		    "line" },
		{ 0, "x command", "Allow x command: name the program, as an "
		    "absolute path or a pattern of one" },
		{ 0, "x command deploy *", "Allow: the program \"deploy\" is "
		    "not an absolute path: it is matched against the absolute "
		    "path rcmdd finds in its Path, so write it from /, such "
		    "as /usr/bin/deploy" },
		{ 0, "x command ...", "Allow: the program \"...\" is not an "
		    "absolute path: it is matched against the absolute path "
		    "rcmdd finds in its Path, so write it from /, such as "
		    "/usr/bin/*" },
		{ 0, "x command /usr/bin/ *", "Allow: the program \"/usr/bin/\" "
		    "can never match: a program's path has no empty, . or .. "
		    "part and does not end in /" },
		{ 0, "x command /usr//bin/ls", "Allow: the program "
		    "\"/usr//bin/ls\" can never match: a program's path has no "
		    "empty, . or .. part and does not end in /" },
		{ 0, "x command /usr/bin/../bin/sh", "Allow: the program "
		    "\"/usr/bin/../bin/sh\" can never match: a program's path "
		    "has no empty, . or .. part and does not end in /" },
		{ 0, "x command /usr/./bin/ls", "Allow: the program "
		    "\"/usr/./bin/ls\" can never match: a program's path has "
		    "no empty, . or .. part and does not end in /" },
		{ 0, "x command /bin/ls ... -l", "Allow: \"...\" matches all "
		    "the remaining arguments: it can only be the last word" },
	};
	struct config	 conf;
	char		*cause;
	size_t		 i;
	int		 rc;

	config_init(&conf);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		rc = policy_add_rule(&conf, cases[i].deny, cases[i].value, "f",
		    1, &cause);
		expect_cause(cases[i].value, rc, cause, cases[i].cause);
	}
	CU_ASSERT_EQUAL(conf.nallow, 0);
	config_clear(&conf);
}

/* Through config_parse: file, line and text; Deny repeats; its errors. */
static void
test_policy_config(void)
{
	struct config	 conf;
	char		*errors = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "Port 1\n"
	    "deny mallory\n"
	    "DENY=fingerprint " "00112233445566778899aabbccddeeff00112233445566"
	    "778899aabbccddeeff\n"
	    "Allow   alice  as alice root\n"
	    "Deny\n"
	    "Deny x as root\n", &errors), 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(errors);
	CU_ASSERT_STRING_EQUAL(errors, TEST_FILE ":5: Deny needs a value\n"
	    TEST_FILE ":6: Deny: \"as\": a Deny rule refuses everything an "
	    "identity asks: write Deny PATTERN [from SOURCE ...], or an "
	    "Allow rule that admits less\n");
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 3);
	CU_ASSERT_STRING_EQUAL(conf.allow[0].text, "Deny mallory");
	CU_ASSERT_EQUAL(conf.allow[0].line, 2);
	CU_ASSERT_STRING_EQUAL(conf.allow[0].file, TEST_FILE);
	CU_ASSERT_EQUAL(conf.allow[1].line, 3);
	CU_ASSERT_STRING_EQUAL(conf.allow[2].text,
	    "Allow alice as alice root");
	CU_ASSERT_EQUAL(conf.allow[2].line, 4);
	free(errors);
	config_clear(&conf);
}

/* A user named in "as" must exist; the error has file and line. */
static void
test_policy_users(void)
{
	struct config	 conf;
	char		*errors = NULL;

	load(&conf, "Allow a as root nobody\nAllow b\n"
	    "Allow c as nobody no-such-user-rcmdd root\n"
	    "Allow d as no-such-user-either\n");
	CU_ASSERT_EQUAL(policy_check_users(&conf, &errors), 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(errors);
	CU_ASSERT_STRING_EQUAL(errors, TEST_FILE ":3: Allow c as "
	    "no-such-user-rcmdd: no such user: create it, or take it out of "
	    "the rule\n" TEST_FILE ":4: Allow d as no-such-user-either: no "
	    "such user: create it, or take it out of the rule\n");
	free(errors);
	config_clear(&conf);

	errors = NULL;
	load(&conf, "Allow a as root nobody\n");
	CU_ASSERT_EQUAL(policy_check_users(&conf, &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	config_clear(&conf);
}

/* The glob: "*" and "?" never match "/"; classes; "\" escapes. */
static void
test_policy_glob(void)
{
	static const struct match cases[] = {
		{ "*", "abc", 1 },
		{ "*", "", 1 },
		{ "*", "a/b", 0 },
		{ "/usr/bin/*", "/usr/bin/ls", 1 },
		{ "/usr/bin/*", "/usr/bin/x/ls", 0 },
		{ "/usr/*/ls", "/usr/bin/ls", 1 },
		{ "/usr/*/ls", "/usr/a/b/ls", 0 },
		{ "*/*", "a/b", 1 },
		{ "*/*", "a/b/c", 0 },
		{ "a?c", "abc", 1 },
		{ "a?c", "a/c", 0 },
		{ "a?c", "ac", 0 },
		{ "check_*", "check_disk", 1 },
		{ "check_*", "check_", 1 },
		{ "check_*", "check", 0 },
		{ "a*b*c", "aXXbYYc", 1 },
		{ "a*b*c", "aXXbYY", 0 },
		{ "*.conf", "x.conf", 1 },
		{ "*.conf", "x.conf.bak", 0 },
		{ "[abc]x", "bx", 1 },
		{ "[abc]x", "dx", 0 },
		{ "[a-c]", "b", 1 },
		{ "[!a-c]", "d", 1 },
		{ "[!a-c]", "b", 0 },
		{ "[^a]", "b", 1 },
		{ "[/]", "/", 0 },
		{ "[!a]", "/", 0 },
		{ "[]]", "]", 1 },
		{ "[ab", "[ab", 1 },
		{ "\\*", "*", 1 },
		{ "\\*", "a", 0 },
		{ "\\?", "?", 1 },
		{ "a\\", "a\\", 1 },
		{ "**", "abc", 1 },
		{ "", "", 1 },
		{ "", "a", 0 },
		{ "abc", "abc", 1 },
		{ "abc", "abcd", 0 },
	};

	EXPECT_MATCHES(policy_glob, cases);
}

/*
 * A word: never empty; a "-" first only for a pattern with a plain "-"
 * first; ".." only where the pattern spells it out.
 */
static void
test_policy_words(void)
{
	static const struct match cases[] = {
		{ "*", "", 0 },
		{ "?*", "", 0 },
		{ "*", "prod", 1 },
		{ "*", "-rf", 0 },
		{ "*", "--force", 0 },
		{ "?*", "-x", 0 },
		{ "[-a]", "-", 0 },
		{ "-*", "--force", 1 },
		{ "-*", "-", 1 },
		{ "\\-x", "-x", 1 },
		{ "-l", "-l", 1 },
		{ "*", "..", 0 },
		{ "*", ".", 1 },
		{ "..", "..", 1 },
		{ "?.", "..", 0 },
		{ ".?", "..", 0 },
		{ "[.][.]", "..", 0 },
		{ "/var/log/*", "/var/log/..", 0 },
		{ "/var/log/*", "/var/log/syslog", 1 },
		{ "/var/log/*/*", "/var/log/../shadow", 0 },
		{ "/var/log/../*", "/var/log/../x", 1 },
		{ "*/x", "../x", 0 },
		{ "../x", "../x", 1 },
		{ "*", "a..b", 1 },
		{ "*", "...", 1 },
		{ "*", "nginx; cat", 1 },
		{ "nginx", "nginx; cat /etc/shadow", 0 },
		{ "*", "nginx; cat /etc/shadow", 0 },
		{ "*", "$(reboot)", 1 },
	};

	EXPECT_MATCHES(policy_match_word, cases);
}

/* Every rule of the issue, each way it can decide. */
static void
test_policy_issue(void)
{
	static const struct ask	 asks[] = {
		/* Deny mallory: everything, first. */
		{ "mallory", NULL, NULL, 0, "id", 0, POLICY_DENIED, 1, NULL },
		{ "mallory", "10.0.0.1", "root", 1, "/bin/true", 1,
		    POLICY_DENIED, 1, NULL },
		/* alice: either user, alice by default, any shell. */
		{ "alice", NULL, NULL, 0, "id", 0, POLICY_ALLOWED, 2,
		    "alice" },
		{ "alice", "192.0.2.1", "root", 0, "id", 0, POLICY_ALLOWED, 2,
		    "root" },
		{ "alice", NULL, "alice", 1, "/usr/bin/id -u", 0,
		    POLICY_ALLOWED, 2, "alice" },
		{ "alice", NULL, "bob", 0, "id", 0, POLICY_USER, 2, NULL },
		{ "alice", NULL, RUN_AS, 0, "id", 0, POLICY_USER, 2, NULL },
		{ "Alice", NULL, NULL, 0, "id", 0, POLICY_NO_RULE, 0, NULL },
		/* deploy-*: from 10/8, as deploy, deploy and one argument. */
		{ "deploy-web", "10.1.2.3", NULL, 1,
		    "/usr/local/bin/deploy prod", 0, POLICY_ALLOWED, 3,
		    "deploy" },
		{ "deploy-web", "::ffff:10.1.2.3", "deploy", 1,
		    "/usr/local/bin/deploy prod", 0, POLICY_ALLOWED, 3,
		    "deploy" },
		{ "deploy-web", "192.0.2.1", NULL, 1,
		    "/usr/local/bin/deploy prod", 0, POLICY_NO_RULE, 0, NULL },
		{ "deploy-web", NULL, NULL, 1, "/usr/local/bin/deploy prod", 0,
		    POLICY_NO_RULE, 0, NULL },
		{ "deploy-web", "10.1.2.3", NULL, 0,
		    "/usr/local/bin/deploy prod", 0, POLICY_SHELL_REFUSED, 3,
		    NULL },
		{ "deploy-web", "10.1.2.3", NULL, 1, "/usr/local/bin/deploy",
		    0, POLICY_COMMAND_REFUSED, 3, NULL },
		{ "deploy-web", "10.1.2.3", NULL, 1,
		    "/usr/local/bin/deploy prod now", 0,
		    POLICY_COMMAND_REFUSED, 3, NULL },
		{ "deploy-web", "10.1.2.3", NULL, 1,
		    "/usr/local/bin/deploy --force", 0,
		    POLICY_COMMAND_REFUSED, 3, NULL },
		{ "deploy-web", "10.1.2.3", NULL, 1,
		    "/usr/local/bin/deploy ../../etc", 0,
		    POLICY_COMMAND_REFUSED, 3, NULL },
		{ "deploy-web", "10.1.2.3", NULL, 1, "/usr/bin/deploy prod",
		    0, POLICY_COMMAND_REFUSED, 3, NULL },
		{ "deploy-web", "10.1.2.3", "root", 1,
		    "/usr/local/bin/deploy prod", 0, POLICY_USER, 3, NULL },
		/* nagios: any check_ plugin, any arguments, as nagios. */
		{ "nagios", "192.0.2.9", NULL, 1,
		    "/usr/lib/nagios/plugins/check_disk -w 10% -c 5%", 0,
		    POLICY_ALLOWED, 4, "nagios" },
		{ "nagios", "192.0.2.9", NULL, 1,
		    "/usr/lib/nagios/plugins/check_load", 0, POLICY_ALLOWED, 4,
		    "nagios" },
		/* "..." spells out no "..": such an argument is refused. */
		{ "nagios", "192.0.2.9", NULL, 1,
		    "/usr/lib/nagios/plugins/check_disk -p /../etc/shadow", 0,
		    POLICY_COMMAND_REFUSED, 4, NULL },
		{ "nagios", "192.0.2.9", NULL, 1,
		    "/usr/lib/nagios/plugins/check_disk -p ..", 0,
		    POLICY_COMMAND_REFUSED, 4, NULL },
		{ "nagios", "192.0.2.9", NULL, 1,
		    "/usr/lib/nagios/plugins/check_disk -p a..b", 0,
		    POLICY_ALLOWED, 4, "nagios" },
		{ "nagios", "192.0.2.9", NULL, 1,
		    "/usr/lib/nagios/plugins/utils.sh", 0,
		    POLICY_COMMAND_REFUSED, 4, NULL },
		{ "nagios", "192.0.2.9", NULL, 1,
		    "/usr/lib/nagios/plugins/x/check_x", 0,
		    POLICY_COMMAND_REFUSED, 4, NULL },
		{ "nagios", "192.0.2.9", NULL, 0,
		    "/usr/lib/nagios/plugins/check_load", 0,
		    POLICY_SHELL_REFUSED, 4, NULL },
		/* ops-*: as root, with a ticket. */
		{ "ops-1", NULL, NULL, 0, "uptime", 0, POLICY_NO_TICKET, 5,
		    NULL },
		{ "ops-1", NULL, NULL, 0, "uptime", 1, POLICY_ALLOWED, 5,
		    "root" },
		{ "ops-1", NULL, NULL, 1, "/usr/bin/uptime", 1,
		    POLICY_ALLOWED, 5, "root" },
		{ "ops-1", NULL, RUN_AS, 0, "uptime", 1, POLICY_USER, 5,
		    NULL },
		/* Anyone else, and no identity at all. */
		{ "eve", NULL, NULL, 0, "id", 0, POLICY_NO_RULE, 0, NULL },
		{ NULL, "127.0.0.1", NULL, 0, "id", 0, POLICY_NO_RULE, 0,
		    NULL },
	};

	EXPECT_ASKS(issue_rules, asks);
}

/* Every example rule of rcmdd.conf(5). */
static void
test_policy_manual(void)
{
	static const struct ask	 asks[] = {
		{ "mallory", NULL, NULL, 0, "id", 0, POLICY_DENIED, 1, NULL },
		{ "alice", NULL, "root", 0, "id", 0, POLICY_ALLOWED, 3,
		    "root" },
		{ "alice", NULL, RUN_AS, 0, "id", 0, POLICY_ALLOWED, 10,
		    RUN_AS },
		{ "alice", "10.0.0.1", RUN_AS, 0, "id", 0, POLICY_USER, 3,
		    NULL },
		{ "deploy-db", "10.2.0.1", NULL, 1,
		    "/usr/local/bin/deploy v2", 0, POLICY_ALLOWED, 4,
		    "deploy" },
		{ "nagios", "10.2.0.1", NULL, 1,
		    "/usr/lib/nagios/plugins/check_ping -H 10.0.0.1", 0,
		    POLICY_ALLOWED, 5, "nagios" },
		{ "web-1", "10.2.0.1", NULL, 1,
		    "/usr/bin/systemctl restart nginx", 0, POLICY_ALLOWED, 6,
		    RUN_AS },
		{ "web-1", "10.2.0.1", NULL, 1,
		    "/usr/bin/systemctl restart sshd", 0,
		    POLICY_COMMAND_REFUSED, 6, NULL },
		{ "web-1", "10.2.0.1", NULL, 1,
		    "/usr/bin/systemctl status nginx", 0, POLICY_ALLOWED, 7,
		    RUN_AS },
		{ "web-1", "10.2.0.1", NULL, 1,
		    "/usr/bin/systemctl status --all", 0,
		    POLICY_COMMAND_REFUSED, 6, NULL },
		{ "web-1", "10.2.0.1", NULL, 1, "/usr/bin/systemctl status",
		    0, POLICY_COMMAND_REFUSED, 6, NULL },
		{ "web-1", "10.2.0.1", NULL, 0,
		    "systemctl status nginx; cat /etc/shadow", 0,
		    POLICY_SHELL_REFUSED, 6, NULL },
		{ "web-1", NULL, NULL, 0, "systemctl status nginx", 0,
		    POLICY_ALLOWED, 10, RUN_AS },
		{ "backup", "10.9.1.1", NULL, 1,
		    "/usr/bin/rsync --server --sender -vlogDtpre.iLsfxC . /srv",
		    0, POLICY_ALLOWED, 8, "root" },
		{ "backup", "10.9.1.1", NULL, 1,
		    "/usr/bin/rsync -e sh host:/x /srv", 0,
		    POLICY_COMMAND_REFUSED, 8, NULL },
		{ "backup", "10.8.1.1", NULL, 1,
		    "/usr/bin/rsync --server -x", 0, POLICY_NO_RULE, 0, NULL },
		{ "ops-2", "10.2.0.1", NULL, 0, "reboot", 0, POLICY_NO_TICKET,
		    9, NULL },
		{ "ops-2", "10.2.0.1", NULL, 0, "reboot", 1, POLICY_ALLOWED, 9,
		    "root" },
		{ NULL, NULL, NULL, 0, "id", 0, POLICY_ALLOWED, 10, RUN_AS },
		{ "anyone", NULL, "root", 0, "id", 0, POLICY_USER, 10, NULL },
	};
	struct config		 conf;
	struct policy_request	 rq;
	struct policy_decision	 d;

	EXPECT_ASKS(manual_rules, asks);

	/* The revoked certificate is refused whoever it names. */
	load(&conf, manual_rules);
	memset(&rq, 0, sizeof rq);
	rq.identity = "alice";
	rq.fingerprint = "5c:2e:1f:00:00:00:00:00:00:00:00:00:00:00:00:00:"
	    "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01";
	rq.run_as = RUN_AS;
	rq.command = "id";
	policy_decide(&conf, &rq, &d);
	CU_ASSERT_EQUAL(d.reason, POLICY_DENIED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d.rule);
	CU_ASSERT_EQUAL(d.rule->line, 2);
	policy_decision_clear(&d);
	config_clear(&conf);
}

/* What the client is told: the message, and the hint where it helps. */
static void
test_policy_messages(void)
{
	static const struct {
		struct ask	 a;
		const char	*message;
		const char	*hint;
	} cases[] = {
		{ { "alice", NULL, "bob", 0, "id", 0, 0, 0, NULL },
		    "alice from the local socket may not run as bob",
		    "alice may run as: alice, root" },
		{ { "alice", NULL, "root", 0, "id", 0, 0, 0, NULL },
		    "allowed by " TEST_FILE ":2: Allow alice as alice root, "
		    "as root", NULL },
		{ { "mallory", "192.0.2.1", NULL, 0, "id", 0, 0, 0, NULL },
		    "mallory from 192.0.2.1 is denied by " TEST_FILE ":1: Deny "
		    "mallory", NULL },
		{ { "eve", "2001:db8::1", NULL, 0, "id", 0, 0, 0, NULL },
		    "no Allow rule admits eve from 2001:db8::1", NULL },
		{ { NULL, "127.0.0.1", NULL, 0, "id", 0, 0, 0, NULL },
		    "no Allow rule admits a client without an identity from "
		    "127.0.0.1", NULL },
		{ { "deploy-1", "10.0.0.1", NULL, 0, "deploy prod", 0, 0, 0,
		    NULL }, "deploy-1 from 10.0.0.1 may not run a shell "
		    "command: the rules for it name the programs it may run",
		    "deploy-1 may run /usr/local/bin/deploy *, as an argument "
		    "vector (rcmd --argv)" },
		{ { "deploy-1", "10.0.0.1", NULL, 1,
		    "/usr/local/bin/deploy --force", 0, 0, 0, NULL },
		    "deploy-1 from 10.0.0.1 may not run /usr/local/bin/deploy "
		    "--force", "deploy-1 may run /usr/local/bin/deploy *, as "
		    "an argument vector (rcmd --argv)" },
		{ { "deploy-1", "10.0.0.1", NULL, 1,
		    "/usr/local/bin/deploy  prod", 0, 0, 0, NULL },
		    "deploy-1 from 10.0.0.1 may not run /usr/local/bin/deploy "
		    "\"\" prod", "deploy-1 may run /usr/local/bin/deploy *, "
		    "as an argument vector (rcmd --argv)" },
		{ { "alice", NULL, "r\x1b[2Joot\nx", 0, "id", 0, 0, 0, NULL },
		    "alice from the local socket may not run as "
		    "r\\033[2Joot\\nx", "alice may run as: alice, root" },
		{ { "ops-1", NULL, NULL, 0, "id", 0, 0, 0, NULL },
		    TEST_FILE ":5: Allow ops-* as root ticket requires a "
		    "ticket with each command",
		    "give a ticket, why this is run: rcmd -m TEXT" },
	};
	struct config		 conf;
	struct policy_decision	 d;
	size_t			 i;

	load(&conf, issue_rules);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ask(&conf, &cases[i].a, &d);
		CU_ASSERT_STRING_EQUAL(d.message, cases[i].message);
		if (strcmp(d.message, cases[i].message) != 0)
			fprintf(stderr, "\n    got \"%s\"", d.message);
		if (cases[i].hint == NULL) {
			CU_ASSERT_PTR_NULL(d.hint);
		} else {
			CU_ASSERT_PTR_NOT_NULL(d.hint);
			if (d.hint != NULL &&
			    strcmp(d.hint, cases[i].hint) != 0) {
				CU_FAIL("hint");
				fprintf(stderr, "\n    got \"%s\"", d.hint);
			}
		}
		policy_decision_clear(&d);
	}
	config_clear(&conf);

	/* Without any Allow rule, every client, as RunAs only. */
	load(&conf, "Deny mallory\n");
	ask(&conf, &cases[0].a, &d);
	CU_ASSERT_EQUAL(d.reason, POLICY_USER);
	CU_ASSERT_STRING_EQUAL(d.message, "alice from the local socket may "
	    "not run as bob: with no Allow rule, commands run as RunAs, "
	    RUN_AS);
	policy_decision_clear(&d);
	ask(&conf, &cases[1].a, &d);
	CU_ASSERT_EQUAL(d.reason, POLICY_USER);
	policy_decision_clear(&d);
	ask(&conf, &cases[3].a, &d);
	CU_ASSERT_EQUAL(d.allowed, 1);
	CU_ASSERT_STRING_EQUAL(d.user, RUN_AS);
	CU_ASSERT_STRING_EQUAL(d.message, "allowed: there is no Allow rule, "
	    "so every client is, as " RUN_AS);
	policy_decision_clear(&d);
	config_clear(&conf);
}

/*
 * The ways around a command rule the issue lists: shell syntax in an
 * argument, a program name with "/" or "..", an argument that begins
 * with "-", an empty argument. (A NUL cannot reach a C string: the
 * frame decoder refuses it.)
 */
static void
test_policy_bypass(void)
{
	static const char	rules[] =
	    "Allow svc command /usr/bin/systemctl status nginx\n"
	    "Allow svc command /usr/bin/journalctl -u *\n"
	    "Allow svc command /usr/bin/cat /var/log/nginx/*\n";
	static const struct ask	 asks[] = {
		/* One argument holding shell syntax is that one argument. */
		{ "svc", NULL, NULL, 1, "/usr/bin/systemctl status nginx", 0,
		    POLICY_ALLOWED, 1, RUN_AS },
		{ "svc", NULL, NULL, 0, "systemctl status nginx", 0,
		    POLICY_SHELL_REFUSED, 1, NULL },
		{ "svc", NULL, NULL, 0, "/usr/bin/systemctl status nginx", 0,
		    POLICY_SHELL_REFUSED, 1, NULL },
		{ "svc", NULL, NULL, 1,
		    "/usr/bin/journalctl -u nginx;sh", 0, POLICY_ALLOWED, 2,
		    RUN_AS },
		{ "svc", NULL, NULL, 1,
		    "/usr/bin/journalctl -u nginx;/bin/sh", 0,
		    POLICY_COMMAND_REFUSED, 1, NULL },
		/* The program's path is matched, not its name. */
		{ "svc", NULL, NULL, 1, "/tmp/systemctl status nginx", 0,
		    POLICY_COMMAND_REFUSED, 1, NULL },
		{ "svc", NULL, NULL, 1,
		    "/usr/bin/../bin/systemctl status nginx", 0,
		    POLICY_COMMAND_REFUSED, 1, NULL },
		/* An option must be spelled out. */
		{ "svc", NULL, NULL, 1, "/usr/bin/journalctl -u --all", 0,
		    POLICY_COMMAND_REFUSED, 1, NULL },
		{ "svc", NULL, NULL, 1, "/usr/bin/journalctl -f -u nginx", 0,
		    POLICY_COMMAND_REFUSED, 1, NULL },
		/* An empty argument matches no pattern. */
		{ "svc", NULL, NULL, 1, "/usr/bin/journalctl -u ", 0,
		    POLICY_COMMAND_REFUSED, 1, NULL },
		/* ".." only where spelled out; "*" never crosses "/". */
		{ "svc", NULL, NULL, 1, "/usr/bin/cat /var/log/nginx/error.log",
		    0, POLICY_ALLOWED, 3, RUN_AS },
		{ "svc", NULL, NULL, 1, "/usr/bin/cat /var/log/nginx/..", 0,
		    POLICY_COMMAND_REFUSED, 1, NULL },
		{ "svc", NULL, NULL, 1,
		    "/usr/bin/cat /var/log/nginx/../../../etc/shadow", 0,
		    POLICY_COMMAND_REFUSED, 1, NULL },
		{ "svc", NULL, NULL, 1,
		    "/usr/bin/cat /var/log/nginx/x/../../../../etc/shadow", 0,
		    POLICY_COMMAND_REFUSED, 1, NULL },
		{ "svc", NULL, NULL, 1, "/usr/bin/cat /var/log/nginx/.x", 0,
		    POLICY_ALLOWED, 3, RUN_AS },
	};
	struct config		 conf;
	struct policy_request	 rq;
	struct policy_decision	 d;
	char			*argv[] = { "systemctl", "status", "nginx" };

	EXPECT_ASKS(rules, asks);

	/* Without a resolved program, nothing matches. */
	load(&conf, rules);
	memset(&rq, 0, sizeof rq);
	rq.identity = "svc";
	rq.run_as = RUN_AS;
	rq.mode = POLICY_ARGV;
	rq.argv = argv;
	rq.argc = 3;
	policy_decide(&conf, &rq, &d);
	CU_ASSERT_EQUAL(d.reason, POLICY_COMMAND_REFUSED);
	policy_decision_clear(&d);
	config_clear(&conf);
}

/*
 * A vector of 100,000 words and an argument of 65,536 bytes against a
 * pattern of many stars: decided, and in bounded time.
 */
static void
test_policy_long(void)
{
	struct config		 conf;
	struct policy_request	 rq;
	struct policy_decision	 d;
	struct timespec		 t0, t1;
	char			**argv, *big;
	u_int			 i, n = 100000;
	double			 s;

	load(&conf, "Allow a command /bin/echo *a*a*a*a*a*a*a*a*b\n"
	    "Allow a command /bin/echo x ...\n");
	argv = xreallocarray(NULL, n, sizeof *argv);
	big = xmalloc(65537);
	memset(big, 'a', 65536);
	big[65536] = '\0';
	argv[0] = "/bin/echo";
	for (i = 1; i < n; i++)
		argv[i] = i == 1 ? "x" : big;
	memset(&rq, 0, sizeof rq);
	rq.identity = "a";
	rq.run_as = RUN_AS;
	rq.mode = POLICY_ARGV;
	rq.program = argv[0];
	rq.argv = argv;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rq.argc = n;
	policy_decide(&conf, &rq, &d);
	CU_ASSERT_EQUAL(d.allowed, 1);
	CU_ASSERT_EQUAL(d.rule->line, 2);
	policy_decision_clear(&d);

	argv[1] = big;
	policy_decide(&conf, &rq, &d);
	CU_ASSERT_EQUAL(d.reason, POLICY_COMMAND_REFUSED);
	/* The message shows a bounded part of the vector. */
	CU_ASSERT(strlen(d.message) < 512);
	policy_decision_clear(&d);

	rq.argc = 2;
	policy_decide(&conf, &rq, &d);
	CU_ASSERT_EQUAL(d.reason, POLICY_COMMAND_REFUSED);
	policy_decision_clear(&d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec -
	    t0.tv_nsec) / 1e9;
	CU_ASSERT(s < 10);
	if (s >= 10)
		fprintf(stderr, "\n    took %.1f s", s);
	free(big);
	free(argv);
	config_clear(&conf);
}

/* At the door: a Deny first refuses; an Allow first admits. */
static void
test_policy_admit(void)
{
	static const char	 fp[] = "00:11:22:33:44:55:66:77:88:99:AA:"
	    "BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF";
	struct config		 conf;
	const struct allow_rule	*r;

	load(&conf, "Deny mallory\nDeny fingerprint " "00112233445566778899"
	    "aabbccddeeff00112233445566778899aabbccddeeff\n");
	CU_ASSERT_EQUAL(policy_admit(&conf, "mallory", NULL, NULL, &r), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->line, 1);
	CU_ASSERT_EQUAL(policy_admit(&conf, "alice", fp, NULL, &r), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->line, 2);
	/* No Allow rule: everyone else gets in, as without rules. */
	CU_ASSERT_EQUAL(policy_admit(&conf, "alice", NULL, NULL, &r), 1);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(policy_admit(&conf, NULL, NULL, NULL, NULL), 1);
	config_clear(&conf);

	load(&conf, "Allow alice command /bin/true\nDeny alice\nDeny bob\n"
	    "Allow *\n");
	CU_ASSERT_EQUAL(policy_admit(&conf, "alice", NULL, NULL, &r), 1);
	CU_ASSERT_EQUAL(r->line, 1);
	CU_ASSERT_EQUAL(policy_admit(&conf, "bob", NULL, NULL, &r), 0);
	CU_ASSERT_EQUAL(r->line, 3);
	CU_ASSERT_EQUAL(policy_admit(&conf, "carol", NULL, NULL, &r), 1);
	CU_ASSERT_EQUAL(r->line, 4);
	/* auth_allowed is the same question without a fingerprint. */
	CU_ASSERT_EQUAL(auth_allowed(&conf, "bob", NULL), 0);
	CU_ASSERT_EQUAL(auth_allowed(&conf, "carol", NULL), 1);
	config_clear(&conf);
}

/* Make an executable (mode 0755) or plain (0644) file. */
static void
touch(const char *dir, const char *name, mode_t mode)
{
	char	path[1024];
	int	fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd != -1);
	fchmod(fd, mode);
	close(fd);
}

/*
 * Resolution against Path: in order, executable regular files only,
 * absolute folders only; the client's PATH plays no part; a name with
 * "/" is a plain absolute path or nothing.
 */
static void
test_policy_resolve(void)
{
	static const struct {
		const char	*name;
		const char	*cause;
	} bad[] = {
		{ "", "the program's name is empty" },
		{ "bin/sh", "the program \"bin/sh\" is a relative path: give a "
		    "name that rcmdd looks up in its Path, or an absolute "
		    "path" },
		{ "./tool", "the program \"./tool\" is a relative path: give "
		    "a name that rcmdd looks up in its Path, or an absolute "
		    "path" },
		{ "../bin/sh", "the program \"../bin/sh\" is a relative path: "
		    "give a name that rcmdd looks up in its Path, or an "
		    "absolute path" },
		{ "PATH=/tmp/evil", "the program \"PATH=/tmp/evil\" is a "
		    "relative path: give a name that rcmdd looks up in its "
		    "Path, or an absolute path" },
		{ "/usr/bin/../bin/sh", "the program \"/usr/bin/../bin/sh\" "
		    "has an empty, . or .. part, or ends in /: give its plain "
		    "absolute path" },
		{ "/usr/./bin/id", "the program \"/usr/./bin/id\" has an "
		    "empty, . or .. part, or ends in /: give its plain "
		    "absolute path" },
		{ "//bin/sh", "the program \"//bin/sh\" has an empty, . or .. "
		    "part, or ends in /: give its plain absolute path" },
		{ "/usr/bin/", "the program \"/usr/bin/\" has an empty, . or "
		    ".. part, or ends in /: give its plain absolute path" },
		{ "..", "\"..\" is not a program's name" },
		{ ".", "\".\" is not a program's name" },
	};
	static const char *const files[] = { "a/plain", "b/plain", "a/tool",
	    "b/tool", "c/evil", "b/dir", "a/dir", "a", "b", "c" };
	const char	*tmp;
	char		 dir[256], a[300], b[300], c[300], path[1024];
	char		*got, *cause, want[2048];
	size_t		 i;
	int		 rc;

	if ((tmp = getenv("TMPDIR")) == NULL)
		tmp = "/tmp";
	snprintf(dir, sizeof dir, "%s/test_policy.XXXXXX", tmp);
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	snprintf(c, sizeof c, "%s/c", dir);
	CU_ASSERT_FATAL(mkdir(a, 0755) == 0 && mkdir(b, 0755) == 0 &&
	    mkdir(c, 0755) == 0);
	touch(a, "plain", 0644);
	touch(b, "plain", 0755);
	touch(a, "tool", 0755);
	touch(b, "tool", 0755);
	touch(c, "evil", 0755);
	snprintf(want, sizeof want, "%s/dir", a);
	CU_ASSERT_FATAL(mkdir(want, 0755) == 0);
	touch(b, "dir", 0755);

	/* Relative and empty entries are skipped: never the cwd. */
	snprintf(path, sizeof path, "::rel:.:%s:%s/", a, b);
	setenv("PATH", c, 1);
	CU_ASSERT_FATAL(chdir(c) == 0);
	cause = NULL;
	CU_ASSERT_EQUAL(policy_resolve(path, "tool", &got, &cause), 0);
	snprintf(want, sizeof want, "%s/tool", a);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
	CU_ASSERT_EQUAL(policy_resolve(path, "plain", &got, &cause), 0);
	snprintf(want, sizeof want, "%s/plain", b);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);
	CU_ASSERT_EQUAL(policy_resolve(path, "dir", &got, &cause), 0);
	snprintf(want, sizeof want, "%s/dir", b);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);

	/* In the client's PATH and the working folder, but not in Path. */
	CU_ASSERT_EQUAL(policy_resolve(path, "evil", &got, &cause), -1);
	CU_ASSERT_PTR_NULL(got);
	snprintf(want, sizeof want, "the program \"evil\" is not in rcmdd's "
	    "Path (%s)", path);
	CU_ASSERT_STRING_EQUAL(cause, want);
	free(cause);
	CU_ASSERT_FATAL(chdir("/") == 0);

	/* An absolute path is taken as it is. */
	snprintf(want, sizeof want, "%s/evil", c);
	CU_ASSERT_EQUAL(policy_resolve(path, want, &got, &cause), 0);
	CU_ASSERT_STRING_EQUAL(got, want);
	free(got);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		rc = policy_resolve(path, bad[i].name, &got, &cause);
		expect_cause(bad[i].name, rc, cause, bad[i].cause);
	}
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(want, sizeof want, "%s/%s", dir, files[i]);
		CU_ASSERT(remove(want) == 0);
	}
	CU_ASSERT(rmdir(dir) == 0);
}

/* rcmdd -t's warnings: rules that an earlier one decides for. */
static void
test_policy_check(void)
{
	struct config	 conf;
	char		*warnings = NULL;

	load(&conf, issue_rules);
	CU_ASSERT_EQUAL(policy_check(&conf, &warnings), 0);
	CU_ASSERT_PTR_NULL(warnings);
	config_clear(&conf);

	load(&conf, manual_rules);
	CU_ASSERT_EQUAL(policy_check(&conf, &warnings), 0);
	CU_ASSERT_PTR_NULL(warnings);
	config_clear(&conf);

	load(&conf, "Allow ops-* from 10.0.0.0/8 as root\n"
	    "Deny ops-1 from 10.2.0.0/16\n"
	    "Allow ops-1 from 10.1.0.0/16 as root\n"
	    "Allow c command /bin/ls ...\n"
	    "Allow c command /bin/ls -l *\n"
	    "Allow d command /bin/cat *\n"
	    "Allow d command /bin/cat x\n"
	    "Allow d command /bin/cat -x\n"
	    "Deny e\n"
	    "Allow e\n"
	    "Allow *\n"
	    "Deny fingerprint 00112233445566778899aabbccddeeff00112233445566"
	    "778899aabbccddeeff\n");
	CU_ASSERT_EQUAL(policy_check(&conf, &warnings), 6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(warnings);
	CU_ASSERT_STRING_EQUAL(warnings,
	    TEST_FILE ":2: warning: \"Deny ops-1 from 10.2.0.0/16\" comes "
	    "after line 1 (Allow ops-* from 10.0.0.0/8 as root), which admits "
	    "the same peers first: it refuses only what that rule does not "
	    "allow; put it above line 1\n"
	    TEST_FILE ":3: warning: \"Allow ops-1 from 10.1.0.0/16 as root\" "
	    "is never reached: line 1 (Allow ops-* from 10.0.0.0/8 as root) "
	    "decides first everything it would; move it up, or remove it\n"
	    TEST_FILE ":5: warning: \"Allow c command /bin/ls -l *\" is never "
	    "reached: line 4 (Allow c command /bin/ls ...) decides first "
	    "everything it would; move it up, or remove it\n"
	    TEST_FILE ":7: warning: \"Allow d command /bin/cat x\" is never "
	    "reached: line 6 (Allow d command /bin/cat *) decides first "
	    "everything it would; move it up, or remove it\n"
	    TEST_FILE ":10: warning: \"Allow e\" is never reached: line 9 "
	    "(Deny e) decides first everything it would; move it up, or "
	    "remove it\n"
	    TEST_FILE ":12: warning: \"Deny fingerprint 00112233445566778899"
	    "aabbccddeeff00112233445566778899aabbccddeeff\" comes after line "
	    "11 (Allow *), which admits the same peers first: it refuses only "
	    "what that rule does not allow; put it above line 11\n");
	if (warnings != NULL && strstr(warnings, ":8:") != NULL)
		CU_FAIL("an option is not under *");
	free(warnings);
	config_clear(&conf);
}

/* Run the suite; exit non-zero if any test failed. */
int
main(void)
{
	return (unit_run("test_policy", "policy", policy_tests));
}
