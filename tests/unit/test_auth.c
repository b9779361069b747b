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

#include <netinet/in.h>
#include <arpa/inet.h>

#include <CUnit/Basic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse_text.h"
#include "rcmdd.h"
#include "xmalloc.h"
#include "unit.h"

/*
 * Unit tests of daemon/auth.c: parsing Allow rules, matching a peer's
 * identity and address against them, and the pace at which refusals are
 * recorded; and of the config.c keywords that feed them.
 */

#define TEST_BADSRC	"\" is not a source: use an address, a CIDR block " \
			"such as 10.0.0.0/8 or fd00::/8, or unix"

/* A question to the rules: is identity allowed from addr (NULL: unix)? */
struct verdict {
	const char	*identity;
	const char	*addr;
	int		 want;
};

#define EXPECT_VERDICTS(list, v) \
	expect_verdicts((list), (v), sizeof (v) / sizeof (v)[0])

static void	rules(struct config *, const char **);
static void	expect_verdicts(const char **, const struct verdict *,
		    size_t);
static struct sockaddr *peer(struct sockaddr_storage *, const char *);
static int	allowed(const struct config *, const char *, const char *);
static void	test_auth_rule_name(void);
static void	test_auth_rule_sources(void);
static void	test_auth_rule_unix(void);
static void	test_auth_rule_commas(void);
static void	test_auth_rule_errors(void);
static void	test_auth_no_rules(void);
static void	test_auth_names(void);
static void	test_auth_null_identity(void);
static void	test_auth_ipv4(void);
static void	test_auth_ipv6(void);
static void	test_auth_mapped(void);
static void	test_auth_unix(void);
static void	test_auth_several(void);
static void	test_auth_config_allow(void);
static void	test_auth_config_tls(void);
static void	test_auth_config_mode(void);
static void	test_auth_config_clear(void);
static void	test_auth_refusals(void);

static CU_TestInfo auth_tests[] = {
	{ "auth_add_rule: a name alone", test_auth_rule_name },
	{ "auth_add_rule: a glob from IPv4 and IPv6 blocks",
	    test_auth_rule_sources },
	{ "auth_add_rule: from unix", test_auth_rule_unix },
	{ "auth_add_rule: commas separate sources", test_auth_rule_commas },
	{ "auth_add_rule: each error with its message",
	    test_auth_rule_errors },
	{ "auth_allowed: no rules allows everyone", test_auth_no_rules },
	{ "auth_allowed: exact names and globs", test_auth_names },
	{ "auth_allowed: no identity matches only *",
	    test_auth_null_identity },
	{ "auth_allowed: IPv4 CIDR edges", test_auth_ipv4 },
	{ "auth_allowed: IPv6 CIDR edges", test_auth_ipv6 },
	{ "auth_allowed: IPv4-mapped peer and IPv4 rule", test_auth_mapped },
	{ "auth_allowed: unix is the socket only", test_auth_unix },
	{ "auth_allowed: the second of several rules matches",
	    test_auth_several },
	{ "config_parse: Allow repeats, and its errors",
	    test_auth_config_allow },
	{ "config_parse: TLS needs all three keywords",
	    test_auth_config_tls },
	{ "config_parse: ListenSocketMode", test_auth_config_mode },
	{ "config_clear frees the rules", test_auth_config_clear },
	{ "auth_refusal_admit and auth_suppressed_take", test_auth_refusals },
	CU_TEST_INFO_NULL
};

/* Set up conf with the rules of a NULL-terminated list, which must parse. */
static void
rules(struct config *conf, const char **list)
{
	char	*cause;

	config_init(conf);
	for (; *list != NULL; list++) {
		cause = NULL;
		CU_ASSERT_EQUAL(auth_add_rule(conf, *list, &cause), 0);
		CU_ASSERT_PTR_NULL(cause);
		if (cause != NULL)
			fprintf(stderr, "\n    for \"%s\" got \"%s\"", *list,
			    cause);
		free(cause);
	}
}

/* Fill ss with an IPv4 or IPv6 address; return it as a sockaddr. */
static struct sockaddr *
peer(struct sockaddr_storage *ss, const char *addr)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	memset(ss, 0, sizeof *ss);
	sin = (struct sockaddr_in *)ss;
	sin6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(40000);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(40000);
	} else
		CU_FAIL_FATAL("bad address in a test");
	return ((struct sockaddr *)ss);
}

/* Is identity allowed from addr, an address or NULL for the Unix socket? */
static int
allowed(const struct config *conf, const char *identity, const char *addr)
{
	struct sockaddr_storage	ss;

	if (addr == NULL)
		return (auth_allowed(conf, identity, NULL));
	return (auth_allowed(conf, identity, peer(&ss, addr)));
}

/* Set up the rules of list and ask them each question of a table of n. */
static void
expect_verdicts(const char **list, const struct verdict *v, size_t n)
{
	struct config	 conf;
	size_t		 i;
	int		 got;

	rules(&conf, list);
	for (i = 0; i < n; i++) {
		got = allowed(&conf, v[i].identity, v[i].addr);
		CU_ASSERT_EQUAL(got, v[i].want);
		if (got != v[i].want)
			fprintf(stderr, "\n    \"%s\" from %s: got %d, want %d",
			    v[i].identity == NULL ? "(none)" : v[i].identity,
			    v[i].addr == NULL ? "unix" : v[i].addr, got,
			    v[i].want);
	}
	config_clear(&conf);
}

/* A rule of a name alone has no sources: every source matches. */
static void
test_auth_rule_name(void)
{
	struct config	 conf;
	char		*cause = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(auth_add_rule(&conf, "alice", &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 1);
	CU_ASSERT_STRING_EQUAL(conf.allow[0].pattern, "alice");
	CU_ASSERT_EQUAL(conf.allow[0].nsources, 0);
	CU_ASSERT_PTR_NULL(conf.allow[0].sources);

	/* Blanks around the pattern do not count. */
	CU_ASSERT_EQUAL(auth_add_rule(&conf, " \tbob\t ", &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 2);
	CU_ASSERT_STRING_EQUAL(conf.allow[1].pattern, "bob");
	CU_ASSERT_EQUAL(conf.allow[1].nsources, 0);
	config_clear(&conf);
}

/* A glob from an IPv4 and an IPv6 block keeps both, in order. */
static void
test_auth_rule_sources(void)
{
	static const uint8_t	 v4[4] = { 10, 0, 0, 0 };
	static const uint8_t	 v6[16] = { 0xfd };
	struct config		 conf;
	const struct allow_rule	*r;
	char			*cause = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(auth_add_rule(&conf, "ops-* from 10.0.0.0/8 fd00::/8",
	    &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 1);
	r = &conf.allow[0];
	CU_ASSERT_STRING_EQUAL(r->pattern, "ops-*");
	CU_ASSERT_EQUAL_FATAL(r->nsources, 2);
	CU_ASSERT_EQUAL(r->sources[0].family, AF_INET);
	CU_ASSERT_EQUAL(r->sources[0].prefix, 8);
	CU_ASSERT(memcmp(r->sources[0].addr, v4, sizeof v4) == 0);
	CU_ASSERT_EQUAL(r->sources[1].family, AF_INET6);
	CU_ASSERT_EQUAL(r->sources[1].prefix, 8);
	CU_ASSERT(memcmp(r->sources[1].addr, v6, sizeof v6) == 0);

	/* "from" is a word of any case. */
	CU_ASSERT_EQUAL(auth_add_rule(&conf, "x FROM 192.0.2.1", &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 2);
	CU_ASSERT_EQUAL_FATAL(conf.allow[1].nsources, 1);
	CU_ASSERT_EQUAL(conf.allow[1].sources[0].family, AF_INET);
	CU_ASSERT_EQUAL(conf.allow[1].sources[0].prefix, 32);
	config_clear(&conf);
}

/* "from unix" names the local socket. */
static void
test_auth_rule_unix(void)
{
	struct config	 conf;
	char		*cause = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(auth_add_rule(&conf, "* from unix", &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 1);
	CU_ASSERT_STRING_EQUAL(conf.allow[0].pattern, "*");
	CU_ASSERT_EQUAL_FATAL(conf.allow[0].nsources, 1);
	CU_ASSERT_EQUAL(conf.allow[0].sources[0].family, AF_UNIX);
	config_clear(&conf);
}

/* Commas separate sources, with or without blanks; an address is a /32. */
static void
test_auth_rule_commas(void)
{
	static const uint8_t	 v4[4] = { 10, 0, 0, 1 };
	static const uint8_t	 v6[16] = { [15] = 1 };
	struct config		 conf;
	const struct allow_rule	*r;
	char			*cause = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(auth_add_rule(&conf, "x from 10.0.0.1,::1", &cause),
	    0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 1);
	r = &conf.allow[0];
	CU_ASSERT_STRING_EQUAL(r->pattern, "x");
	CU_ASSERT_EQUAL_FATAL(r->nsources, 2);
	CU_ASSERT_EQUAL(r->sources[0].family, AF_INET);
	CU_ASSERT_EQUAL(r->sources[0].prefix, 32);
	CU_ASSERT(memcmp(r->sources[0].addr, v4, sizeof v4) == 0);
	CU_ASSERT_EQUAL(r->sources[1].family, AF_INET6);
	CU_ASSERT_EQUAL(r->sources[1].prefix, 128);
	CU_ASSERT(memcmp(r->sources[1].addr, v6, sizeof v6) == 0);

	CU_ASSERT_EQUAL(auth_add_rule(&conf, "y from unix, 10.0.0.0/8 ,,::1",
	    &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 2);
	CU_ASSERT_EQUAL(conf.allow[1].nsources, 3);
	config_clear(&conf);
}

/* Each bad rule is refused with its message and adds nothing. */
static void
test_auth_rule_errors(void)
{
	static const struct {
		const char	*value;
		const char	*cause;
	} cases[] = {
		{ "alice bob", "Allow: \"bob\" after the pattern: write "
		    "Allow PATTERN [from SOURCE ...]" },
		{ "x from", "Allow x from: name at least one source" },
		{ "x from 10.0.0.0/33", "Allow: \"10.0.0.0/33" TEST_BADSRC },
		{ "x from 300.1.1.1", "Allow: \"300.1.1.1" TEST_BADSRC },
		{ "x from fd00::/129", "Allow: \"fd00::/129" TEST_BADSRC },
		{ "x from 10.0.0.0/", "Allow: \"10.0.0.0/" TEST_BADSRC },
		{ "x from host.example", "Allow: \"host.example" TEST_BADSRC },
		{ "x from 10.0.0.0/-1", "Allow: \"10.0.0.0/-1" TEST_BADSRC },
		{ "x from 10.0.0.0/8x", "Allow: \"10.0.0.0/8x" TEST_BADSRC },
		{ "x from unix/8", "Allow: \"unix/8" TEST_BADSRC },
		{ "x from 10.0.0.1 bogus", "Allow: \"bogus" TEST_BADSRC },
		{ " , ", "Allow needs an identity pattern" },
	};
	struct config	 conf;
	char		*cause;
	size_t		 i;

	config_init(&conf);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		CU_ASSERT_EQUAL(auth_add_rule(&conf, cases[i].value, &cause),
		    -1);
		CU_ASSERT_PTR_NOT_NULL(cause);
		if (cause == NULL)
			continue;
		CU_ASSERT_STRING_EQUAL(cause, cases[i].cause);
		if (strcmp(cause, cases[i].cause) != 0)
			fprintf(stderr, "\n    for \"%s\" got \"%s\"",
			    cases[i].value, cause);
		free(cause);
	}
	CU_ASSERT_EQUAL(conf.nallow, 0);
	CU_ASSERT_PTR_NULL(conf.allow);
	config_clear(&conf);
}

/* Without rules every peer is allowed, with or without an identity. */
static void
test_auth_no_rules(void)
{
	struct config	conf;

	config_init(&conf);
	CU_ASSERT_EQUAL(allowed(&conf, NULL, NULL), 1);
	CU_ASSERT_EQUAL(allowed(&conf, "alice", NULL), 1);
	CU_ASSERT_EQUAL(allowed(&conf, NULL, "127.0.0.1"), 1);
	CU_ASSERT_EQUAL(allowed(&conf, "mallory", "192.0.2.1"), 1);
	CU_ASSERT_EQUAL(allowed(&conf, NULL, "::1"), 1);
	config_clear(&conf);
}

/* A name matches itself only, case and all; a glob its own names. */
static void
test_auth_names(void)
{
	static const char	*list[] = { "alice", "ops-*", "?ob",
	    "db[0-9]", NULL };
	static const struct verdict	 list_v[] = {
		{ "alice", "192.0.2.1", 1 },
		{ "alice", NULL, 1 },
		{ "Alice", "192.0.2.1", 0 },
		{ "alice2", "192.0.2.1", 0 },
		{ "alic", "192.0.2.1", 0 },
		{ "ops-1", "192.0.2.1", 1 },
		{ "ops-", "192.0.2.1", 1 },
		{ "ops-a/b", "192.0.2.1", 1 },
		{ "ops", "192.0.2.1", 0 },
		{ "dev-ops-1", "192.0.2.1", 0 },
		{ "bob", "::1", 1 },
		{ "rob", "::1", 1 },
		{ "ob", "::1", 0 },
		{ "db7", "::1", 1 },
		{ "dbx", "::1", 0 },
		{ "", "::1", 0 },
	};

	EXPECT_VERDICTS(list, list_v);
}

/* A peer without an identity matches "*" and no other pattern. */
static void
test_auth_null_identity(void)
{
	static const char	*named[] = { "alice", "ops-*", "?*", "[a-z]*",
	    NULL };
	static const char	*star[] = { "alice", "*", NULL };
	static const struct verdict	 named_v[] = {
		{ NULL, "127.0.0.1", 0 },
		{ NULL, "::1", 0 },
		{ NULL, NULL, 0 },
		{ "alice", "127.0.0.1", 1 },
	};
	static const struct verdict	 star_v[] = {
		{ NULL, "127.0.0.1", 1 },
		{ NULL, "::1", 1 },
		{ NULL, NULL, 1 },
	};

	EXPECT_VERDICTS(named, named_v);

	EXPECT_VERDICTS(star, star_v);
}

/* IPv4 blocks: /0, /8, /31, /32, a bare address and /23 off a byte. */
static void
test_auth_ipv4(void)
{
	static const char	*all[] = { "a from 0.0.0.0/0", NULL };
	static const char	*eight[] = { "a from 10.0.0.0/8", NULL };
	static const char	*pair[] = { "a from 192.0.2.4/31", NULL };
	static const char	*one[] = { "a from 192.0.2.7/32",
	    "b from 192.0.2.7", NULL };
	static const char	*odd[] = { "a from 10.1.2.0/23",
	    "b from 10.1.3.9/23", NULL };
	static const struct verdict	 all_v[] = {
		{ "a", "0.0.0.0", 1 },
		{ "a", "1.2.3.4", 1 },
		{ "a", "255.255.255.255", 1 },
		{ "a", "::1", 0 },
		{ "a", NULL, 0 },
		{ "b", "1.2.3.4", 0 },
	};
	static const struct verdict	 eight_v[] = {
		{ "a", "10.0.0.0", 1 },
		{ "a", "10.255.255.255", 1 },
		{ "a", "9.255.255.255", 0 },
		{ "a", "11.0.0.0", 0 },
	};
	static const struct verdict	 pair_v[] = {
		{ "a", "192.0.2.3", 0 },
		{ "a", "192.0.2.4", 1 },
		{ "a", "192.0.2.5", 1 },
		{ "a", "192.0.2.6", 0 },
		{ "a", "192.0.3.4", 0 },
	};
	static const struct verdict	 one_v[] = {
		{ "a", "192.0.2.7", 1 },
		{ "a", "192.0.2.6", 0 },
		{ "a", "192.0.2.8", 0 },
		{ "b", "192.0.2.7", 1 },
		{ "b", "192.0.2.6", 0 },
		{ "b", "192.0.2.8", 0 },
	};
	static const struct verdict	 odd_v[] = {
		{ "a", "10.1.1.255", 0 },
		{ "a", "10.1.2.0", 1 },
		{ "a", "10.1.3.255", 1 },
		{ "a", "10.1.4.0", 0 },
		{ "a", "10.0.2.0", 0 },
		{ "b", "10.1.1.255", 0 },
		{ "b", "10.1.2.0", 1 },
		{ "b", "10.1.3.255", 1 },
		{ "b", "10.1.4.0", 0 },
	};

	EXPECT_VERDICTS(all, all_v);

	EXPECT_VERDICTS(eight, eight_v);

	EXPECT_VERDICTS(pair, pair_v);

	EXPECT_VERDICTS(one, one_v);

	/* 10.1.2.0/23 is 10.1.2.0 to 10.1.3.255, whatever the host bits. */
	EXPECT_VERDICTS(odd, odd_v);
}

/* IPv6 blocks: ::1/128, fd00::/8, ::/0 and a prefix off a byte. */
static void
test_auth_ipv6(void)
{
	static const char	*one[] = { "a from ::1/128", NULL };
	static const char	*ula[] = { "a from fd00::/8", NULL };
	static const char	*all[] = { "a from ::/0", NULL };
	static const char	*odd[] = { "a from 2001:db8::/33", NULL };
	static const struct verdict	 one_v[] = {
		{ "a", "::1", 1 },
		{ "a", "::", 0 },
		{ "a", "::2", 0 },
		{ "a", "1::1", 0 },
		{ "a", "127.0.0.1", 0 },
		{ "a", NULL, 0 },
	};
	static const struct verdict	 ula_v[] = {
		{ "a", "fd00::", 1 },
		{ "a", "fd12:3456::1", 1 },
		{ "a", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "a", "fc00::1", 0 },
		{ "a", "fe00::", 0 },
		{ "a", "::1", 0 },
		{ "a", "10.0.0.1", 0 },
	};
	static const struct verdict	 all_v[] = {
		{ "a", "::", 1 },
		{ "a", "::1", 1 },
		{ "a", "2001:db8::1", 1 },
		{ "a", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "a", "10.0.0.1", 0 },
		{ "a", NULL, 0 },
	};
	static const struct verdict	 odd_v[] = {
		{ "a", "2001:db8::", 1 },
		{ "a", "2001:db8:7fff:ffff::1", 1 },
		{ "a", "2001:db8:8000::", 0 },
		{ "a", "2001:db9::", 0 },
	};

	EXPECT_VERDICTS(one, one_v);

	EXPECT_VERDICTS(ula, ula_v);

	EXPECT_VERDICTS(all, all_v);

	EXPECT_VERDICTS(odd, odd_v);
}

/* A peer on an IPv6 socket at ::ffff:a.b.c.d is the IPv4 peer a.b.c.d. */
static void
test_auth_mapped(void)
{
	static const char	*v4[] = { "a from 10.0.0.0/8",
	    "b from 192.0.2.1", NULL };
	static const char	*mapped[] = { "c from ::ffff:10.1.0.0/112",
	    "d from ::ffff:192.0.2.7", NULL };
	static const struct verdict	 v4_v[] = {
		{ "a", "::ffff:10.0.0.1", 1 },
		{ "a", "::ffff:10.255.255.255", 1 },
		{ "a", "::ffff:11.0.0.1", 0 },
		{ "b", "::ffff:192.0.2.1", 1 },
		{ "b", "::ffff:192.0.2.2", 0 },
		/* Only the mapped form: an IPv4-compatible address is IPv6. */
		{ "a", "::10.0.0.1", 0 },
	};
	static const struct verdict	 mapped_v[] = {
		{ "c", "10.1.2.3", 1 },
		{ "c", "::ffff:10.1.2.3", 1 },
		{ "c", "10.2.0.1", 0 },
		{ "d", "192.0.2.7", 1 },
		{ "d", "192.0.2.8", 0 },
	};

	EXPECT_VERDICTS(v4, v4_v);

	/* A rule in mapped form is an IPv4 rule, for both kinds of peer. */
	EXPECT_VERDICTS(mapped, mapped_v);
}

/* "unix" matches only the socket, and an IP source never matches it. */
static void
test_auth_unix(void)
{
	static const char	*sock[] = { "* from unix", NULL };
	static const char	*ip[] = { "* from 0.0.0.0/0 ::/0 127.0.0.1 ::1",
	    NULL };
	static const struct verdict	 sock_v[] = {
		{ "alice", NULL, 1 },
		{ NULL, NULL, 1 },
		{ "alice", "127.0.0.1", 0 },
		{ "alice", "::1", 0 },
		{ NULL, "::ffff:127.0.0.1", 0 },
	};
	static const struct verdict	 ip_v[] = {
		{ "alice", NULL, 0 },
		{ NULL, NULL, 0 },
		{ "alice", "127.0.0.1", 1 },
		{ "alice", "::1", 1 },
	};

	EXPECT_VERDICTS(sock, sock_v);

	EXPECT_VERDICTS(ip, ip_v);
}

/* A peer is allowed if any rule matches, not only the first. */
static void
test_auth_several(void)
{
	static const char	*list[] = { "alice from 10.0.0.0/8",
	    "bob from unix", "alice from unix,fd00::/8", NULL };
	struct config		 conf;

	rules(&conf, list);
	CU_ASSERT_EQUAL(conf.nallow, 3);
	CU_ASSERT_EQUAL(allowed(&conf, "bob", NULL), 1);
	CU_ASSERT_EQUAL(allowed(&conf, "bob", "10.0.0.1"), 0);
	CU_ASSERT_EQUAL(allowed(&conf, "alice", "10.0.0.1"), 1);
	CU_ASSERT_EQUAL(allowed(&conf, "alice", NULL), 1);
	CU_ASSERT_EQUAL(allowed(&conf, "alice", "fd00::5"), 1);
	CU_ASSERT_EQUAL(allowed(&conf, "alice", "192.0.2.1"), 0);
	CU_ASSERT_EQUAL(allowed(&conf, "carol", NULL), 0);
	config_clear(&conf);
}

/* Allow may be given many times, unlike other keywords; all are kept. */
static void
test_auth_config_allow(void)
{
	struct config	 conf;
	char		*errors = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "Allow alice\n"
	    "Port 1\n"
	    "allow ops-* from 10.0.0.0/8 fd00::/8\n"
	    "ALLOW=* from unix\n"
	    "Allow \"x from 10.0.0.1,::1\"\n", &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 4);
	CU_ASSERT_STRING_EQUAL(conf.allow[0].pattern, "alice");
	CU_ASSERT_EQUAL(conf.allow[0].nsources, 0);
	CU_ASSERT_STRING_EQUAL(conf.allow[1].pattern, "ops-*");
	CU_ASSERT_EQUAL(conf.allow[1].nsources, 2);
	CU_ASSERT_STRING_EQUAL(conf.allow[2].pattern, "*");
	CU_ASSERT_EQUAL(conf.allow[2].nsources, 1);
	CU_ASSERT_STRING_EQUAL(conf.allow[3].pattern, "x");
	CU_ASSERT_EQUAL(conf.allow[3].nsources, 2);
	free(errors);
	config_clear(&conf);

	/* A bad rule is an error on its line; the good ones are kept. */
	errors = NULL;
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "Allow alice\n"
	    "Allow alice bob\n"
	    "Allow x from\n"
	    "Allow\n"
	    "Allow bob from unix\n", &errors), 3);
	CU_ASSERT_PTR_NOT_NULL(errors);
	if (errors != NULL)
		CU_ASSERT_STRING_EQUAL(errors,
		    TEST_FILE ":2: Allow: \"bob\" after the pattern: write "
		    "Allow PATTERN [from SOURCE ...]\n"
		    TEST_FILE ":3: Allow x from: name at least one source\n"
		    TEST_FILE ":4: Allow needs a value\n");
	CU_ASSERT_EQUAL_FATAL(conf.nallow, 2);
	CU_ASSERT_STRING_EQUAL(conf.allow[0].pattern, "alice");
	CU_ASSERT_STRING_EQUAL(conf.allow[1].pattern, "bob");
	free(errors);
	config_clear(&conf);
}

/*
 * TLSCertificate, TLSKey and TLSClientCA go together: one or two of them
 * is an error that names all three.
 */
static void
test_auth_config_tls(void)
{
	static const char	 msg[] = "TLS needs all three of "
	    "TLSCertificate, TLSKey and TLSClientCA: give the missing ones, "
	    "or none for plain TCP on loopback\n";
	static const struct {
		const char	*text;
		u_int		 line;
	} cases[] = {
		{ "Port 1\nTLSCertificate /etc/rcmdd/cert.pem\n", 2 },
		{ "TLSCertificate /c\nTLSKey /k\n", 1 },
		{ "Port 1\nTLSKey /k\n", 2 },
		{ "Port 1\n\nTLSClientCA /ca\n", 3 },
		{ "TLSKey /k\nTLSClientCA /ca\n", 1 },
	};
	struct config		 conf;
	char			*errors, expect[256];
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		errors = NULL;
		config_init(&conf);
		CU_ASSERT_EQUAL(parse_text(&conf, cases[i].text, &errors), 1);
		snprintf(expect, sizeof expect, "%s:%u: %s", TEST_FILE,
		    cases[i].line, msg);
		CU_ASSERT_PTR_NOT_NULL(errors);
		if (errors != NULL) {
			CU_ASSERT_STRING_EQUAL(errors, expect);
			if (strcmp(errors, expect) != 0)
				fprintf(stderr, "\n    for \"%s\" got \"%s\"",
				    cases[i].text, errors);
		}
		free(errors);
		config_clear(&conf);
	}

	/* All three, or none, is fine. */
	errors = NULL;
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "TLSCertificate /c\nTLSKey /k\n"
	    "TLSClientCA /ca\n", &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_STRING_EQUAL(conf.tls_cert, "/c");
	CU_ASSERT_STRING_EQUAL(conf.tls_key, "/k");
	CU_ASSERT_STRING_EQUAL(conf.tls_ca, "/ca");
	free(errors);
	config_clear(&conf);
}

/* ListenSocketMode is octal, 0660 unless set, and at most 0777. */
static void
test_auth_config_mode(void)
{
	static const struct {
		const char	*text;
		const char	*error;
	} bad[] = {
		{ "ListenSocketMode 999\n", TEST_FILE ":1: ListenSocketMode "
		    "\"999\" is not a mode: use octal digits, such as 0660\n" },
		{ "ListenSocketMode 01000\n", TEST_FILE ":1: ListenSocketMode "
		    "\"01000\" is not a mode: use octal digits, such as "
		    "0660\n" },
		{ "ListenSocketMode rw\n", TEST_FILE ":1: ListenSocketMode "
		    "\"rw\" is not a mode: use octal digits, such as 0660\n" },
		{ "ListenSocketMode -1\n", TEST_FILE ":1: ListenSocketMode "
		    "\"-1\" is not a mode: use octal digits, such as 0660\n" },
	};
	struct config		 conf;
	char			*errors = NULL;
	size_t			 i;

	config_init(&conf);
	CU_ASSERT_EQUAL(conf.socket_mode, 0660);
	CU_ASSERT_EQUAL(parse_text(&conf, "ListenSocket /run/rcmdd.sock\n"
	    "ListenSocketMode 0600\n", &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_EQUAL(conf.socket_mode, 0600);
	CU_ASSERT_STRING_EQUAL(conf.socket_path, "/run/rcmdd.sock");
	free(errors);
	config_clear(&conf);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		errors = NULL;
		config_init(&conf);
		CU_ASSERT_EQUAL(parse_text(&conf, bad[i].text, &errors), 1);
		CU_ASSERT_PTR_NOT_NULL(errors);
		if (errors != NULL)
			CU_ASSERT_STRING_EQUAL(errors, bad[i].error);
		CU_ASSERT_EQUAL(conf.socket_mode, 0660);
		free(errors);
		config_clear(&conf);
	}
}

/* config_clear frees the rules; ASan reports a leak if it does not. */
static void
test_auth_config_clear(void)
{
	struct config	 conf;
	char		*errors = NULL, *cause = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "Allow alice\n"
	    "Allow ops-* from 10.0.0.0/8 fd00::/8 unix\n", &errors), 0);
	CU_ASSERT_EQUAL(auth_add_rule(&conf, "bob from ::1", &cause), 0);
	CU_ASSERT_EQUAL(conf.nallow, 3);
	config_clear(&conf);
	CU_ASSERT_EQUAL(conf.nallow, 0);
	CU_ASSERT_PTR_NULL(conf.allow);
	free(errors);
	free(cause);

	/* Clearing twice is harmless; the config can then be used again. */
	config_clear(&conf);
	config_init(&conf);
	CU_ASSERT_EQUAL(conf.nallow, 0);
	CU_ASSERT_EQUAL(allowed(&conf, NULL, NULL), 1);
	config_clear(&conf);
}

/*
 * The first AUTH_REFUSALS_BURST (20) refusals are admitted; the rest are
 * counted until the bucket refills at 10 a second. The bucket is static,
 * so this is the only test that calls auth_refusal_admit.
 */
static void
test_auth_refusals(void)
{
	struct timespec	 ts, nap = { 0, 150 * 1000 * 1000 };
	char		 since[32], last[INET6_ADDRSTRLEN], addr[32];
	char		 before[32], after[32];
	uint64_t	 n;
	u_int		 i, more;

	for (i = 0; i < 20; i++)
		CU_ASSERT_EQUAL(auth_refusal_admit("192.0.2.1"), 1);

	/* Nothing suppressed yet: 0, and the buffers are not touched. */
	strlcpy(since, "untouched", sizeof since);
	strlcpy(last, "untouched", sizeof last);
	CU_ASSERT_EQUAL(auth_suppressed_take(since, sizeof since, last,
	    sizeof last), 0);
	CU_ASSERT_STRING_EQUAL(since, "untouched");
	CU_ASSERT_STRING_EQUAL(last, "untouched");

	clock_gettime(CLOCK_REALTIME, &ts);
	text_time(&ts, before, sizeof before);
	for (i = 0; i < 5; i++) {
		snprintf(addr, sizeof addr, "198.51.100.%u", i + 1);
		CU_ASSERT_EQUAL(auth_refusal_admit(addr), 0);
	}
	CU_ASSERT_EQUAL(auth_refusal_admit("2001:db8::1"), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	text_time(&ts, after, sizeof after);

	n = auth_suppressed_take(since, sizeof since, last, sizeof last);
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_STRING_EQUAL(last, "2001:db8::1");
	CU_ASSERT_EQUAL(strlen(since), strlen("2026-01-01T00:00:00.000Z"));
	CU_ASSERT(strcmp(before, since) <= 0 && strcmp(since, after) <= 0);
	if (strcmp(before, since) > 0 || strcmp(since, after) > 0)
		fprintf(stderr, "\n    %s is not in [%s, %s]", since, before,
		    after);

	/* Taken: the count starts again from 0. */
	CU_ASSERT_EQUAL(auth_suppressed_take(since, sizeof since, last,
	    sizeof last), 0);

	/* Still empty: refused and counted again, from 1. */
	CU_ASSERT_EQUAL(auth_refusal_admit("203.0.113.9"), 0);
	CU_ASSERT_EQUAL(auth_suppressed_take(since, sizeof since, last,
	    sizeof last), 1);
	CU_ASSERT_STRING_EQUAL(last, "203.0.113.9");

	/* 150 ms refill at least one token; no more than the burst. */
	nanosleep(&nap, NULL);
	more = 0;
	while (more <= 20 && auth_refusal_admit("192.0.2.2"))
		more++;
	CU_ASSERT(more >= 1 && more <= 20);
	CU_ASSERT_EQUAL(auth_suppressed_take(since, sizeof since, last,
	    sizeof last), 1);
	CU_ASSERT_STRING_EQUAL(last, "192.0.2.2");
}

/* Run the suite; exit non-zero if any test failed. */
int
main(void)
{
	return (unit_run("test_auth", "auth", auth_tests));
}
