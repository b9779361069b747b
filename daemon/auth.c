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
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Authorization: the Allow rules of rcmdd.conf(5), and the pace at which
 * refusals are recorded.
 *
 * A rule is "Allow PATTERN [from SOURCE ...]": PATTERN is an fnmatch(3)
 * glob matched against the peer's identity (a TLS client certificate's
 * CN, a Unix socket peer's user name, or nothing on plain loopback TCP,
 * which only "*" matches); each SOURCE is a CIDR block, an address, or the
 * word "unix" for the local socket. Without "from" a rule matches every
 * source. A peer is allowed if any rule matches; with no rules at all,
 * every peer that got through its listener is.
 *
 * Refusals are recorded (an audit row and a log line) at most
 * AUTH_REFUSALS_BURST at once and AUTH_REFUSALS_PER_SEC a second after
 * that; the rest are counted and recorded as one summary.
 */

static int	auth_parse_source(const char *, struct allow_source *,
		    char **);
static int	auth_match_source(const struct allow_source *, int,
		    const uint8_t *);

static double		auth_tokens = AUTH_REFUSALS_BURST;
static struct timespec	auth_refill;
static uint64_t		auth_suppressed;
static char		auth_first_suppressed[32];
static char		auth_last_addr[INET6_ADDRSTRLEN];

/* Parse one source of a rule: "unix", an address, or address/prefix. */
static int
auth_parse_source(const char *s, struct allow_source *src, char **cause)
{
	char		 addr[INET6_ADDRSTRLEN + 8], *slash, *end;
	long		 prefix;
	u_int		 max;

	memset(src, 0, sizeof *src);
	if (strcasecmp(s, "unix") == 0) {
		src->family = AF_UNIX;
		return (0);
	}
	if (strlcpy(addr, s, sizeof addr) >= sizeof addr)
		goto bad;
	if ((slash = strchr(addr, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, addr, src->addr) == 1) {
		src->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, src->addr) == 1) {
		src->family = AF_INET6;
		max = 128;
	} else
		goto bad;
	src->prefix = max;
	if (slash != NULL) {
		if (!isdigit((u_char)*slash))
			goto bad;
		prefix = strtol(slash, &end, 10);
		if (*end != '\0' || prefix < 0 || prefix > (long)max)
			goto bad;
		src->prefix = (u_int)prefix;
	}
	/* Peers in IPv4-mapped form are matched as IPv4: so are such rules. */
	if (src->family == AF_INET6 && src->prefix >= 96 &&
	    IN6_IS_ADDR_V4MAPPED((struct in6_addr *)src->addr)) {
		memmove(src->addr, src->addr + 12, 4);
		memset(src->addr + 4, 0, 12);
		src->family = AF_INET;
		src->prefix -= 96;
	}
	return (0);
bad:
	xasprintf(cause, "Allow: \"%s\" is not a source: use an address, a "
	    "CIDR block such as 10.0.0.0/8 or fd00::/8, or unix", s);
	return (-1);
}

/* Parse an Allow line and add its rule to conf. */
int
auth_add_rule(struct config *conf, const char *value, char **cause)
{
	struct allow_rule	 r;
	char			*copy, *p, *word;
	int			 from = 0;

	memset(&r, 0, sizeof r);
	copy = xstrdup(value);
	p = copy;
	while ((word = strsep(&p, " \t,")) != NULL) {
		if (*word == '\0')
			continue;
		if (r.pattern == NULL) {
			r.pattern = xstrdup(word);
			continue;
		}
		if (!from) {
			if (strcasecmp(word, "from") != 0) {
				xasprintf(cause, "Allow: \"%s\" after the "
				    "pattern: write Allow PATTERN [from "
				    "SOURCE ...]", word);
				goto fail;
			}
			from = 1;
			continue;
		}
		r.sources = xreallocarray(r.sources, r.nsources + 1,
		    sizeof *r.sources);
		if (auth_parse_source(word, &r.sources[r.nsources], cause) !=
		    0)
			goto fail;
		r.nsources++;
	}
	if (r.pattern == NULL) {
		*cause = xstrdup("Allow needs an identity pattern");
		goto fail;
	}
	if (from && r.nsources == 0) {
		xasprintf(cause, "Allow %s from: name at least one source",
		    r.pattern);
		goto fail;
	}
	free(copy);
	conf->allow = xreallocarray(conf->allow, conf->nallow + 1,
	    sizeof *conf->allow);
	conf->allow[conf->nallow++] = r;
	return (0);
fail:
	free(copy);
	free(r.pattern);
	free(r.sources);
	return (-1);
}

/* Free the rules of conf. */
void
auth_clear(struct config *conf)
{
	u_int	i;

	for (i = 0; i < conf->nallow; i++) {
		free(conf->allow[i].pattern);
		free(conf->allow[i].sources);
	}
	free(conf->allow);
	conf->allow = NULL;
	conf->nallow = 0;
}

/* Does an address (family, 4 or 16 bytes) fall in a source? */
static int
auth_match_source(const struct allow_source *src, int family,
    const uint8_t *addr)
{
	u_int	bytes, bits;

	if (src->family != family)
		return (0);
	if (family == AF_UNIX)
		return (1);
	bytes = src->prefix / 8;
	bits = src->prefix % 8;
	if (memcmp(src->addr, addr, bytes) != 0)
		return (0);
	if (bits != 0 && ((src->addr[bytes] ^ addr[bytes]) &
	    (0xff << (8 - bits))) != 0)
		return (0);
	return (1);
}

/*
 * Is a peer allowed to run commands? sa is its address, NULL for the Unix
 * socket; identity is NULL where it has none. With no rules, yes.
 */
int
auth_allowed(const struct config *conf, const char *identity,
    const struct sockaddr *sa)
{
	const struct allow_rule	*r;
	const struct sockaddr_in6 *sin6;
	uint8_t			 addr[16];
	int			 family;
	u_int			 i, j;

	if (conf->nallow == 0)
		return (1);
	memset(addr, 0, sizeof addr);
	if (sa == NULL)
		family = AF_UNIX;
	else if (sa->sa_family == AF_INET) {
		family = AF_INET;
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			family = AF_INET;
			memcpy(addr, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			family = AF_INET6;
			memcpy(addr, &sin6->sin6_addr, 16);
		}
	} else
		return (0);
	for (i = 0; i < conf->nallow; i++) {
		r = &conf->allow[i];
		if (fnmatch(r->pattern, identity == NULL ? "" : identity,
		    0) != 0)
			continue;
		if (r->nsources == 0)
			return (1);
		for (j = 0; j < r->nsources; j++) {
			if (auth_match_source(&r->sources[j], family, addr))
				return (1);
		}
	}
	return (0);
}

/*
 * May this refusal be recorded one by one? If not it is counted, and
 * auth_suppressed_take reports the count later. Loop thread.
 */
int
auth_refusal_admit(const char *addr)
{
	struct timespec	now;
	double		elapsed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (auth_refill.tv_sec != 0) {
		elapsed = (double)(now.tv_sec - auth_refill.tv_sec) +
		    (double)(now.tv_nsec - auth_refill.tv_nsec) / 1e9;
		auth_tokens += elapsed * AUTH_REFUSALS_PER_SEC;
		if (auth_tokens > AUTH_REFUSALS_BURST)
			auth_tokens = AUTH_REFUSALS_BURST;
	}
	auth_refill = now;
	if (auth_tokens >= 1) {
		auth_tokens -= 1;
		return (1);
	}
	if (auth_suppressed++ == 0) {
		struct timespec	rt;

		clock_gettime(CLOCK_REALTIME, &rt);
		text_time(&rt, auth_first_suppressed,
		    sizeof auth_first_suppressed);
	}
	strlcpy(auth_last_addr, addr, sizeof auth_last_addr);
	return (0);
}

/*
 * Return how many refusals were not recorded since the last call, with
 * when the first was and where the last came from, and start counting
 * again. Loop thread.
 */
uint64_t
auth_suppressed_take(char *since, size_t sincelen, char *last,
    size_t lastlen)
{
	uint64_t	n = auth_suppressed;

	if (n != 0) {
		strlcpy(since, auth_first_suppressed, sincelen);
		strlcpy(last, auth_last_addr, lastlen);
	}
	auth_suppressed = 0;
	return (n);
}
