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
 * Authorization at the door: whether a peer may connect at all, by the
 * rules of policy.c (an identity a Deny refuses before an Allow admits it
 * may not), and the pace at which refusals are recorded.
 *
 * Refusals are recorded (an audit row and a log line) at most
 * AUTH_REFUSALS_BURST at once and AUTH_REFUSALS_PER_SEC a second after
 * that; the rest are counted and recorded as one summary.
 */

static double		auth_tokens = AUTH_REFUSALS_BURST;
static struct timespec	auth_refill;
static uint64_t		auth_suppressed;
static char		auth_first_suppressed[32];
static char		auth_last_addr[INET6_ADDRSTRLEN];

/* Parse an Allow line, not from a file, and add its rule to conf. */
int
auth_add_rule(struct config *conf, const char *value, char **cause)
{
	return (policy_add_rule(conf, 0, value, NULL, 0, cause));
}

/* Free the rules of conf. */
void
auth_clear(struct config *conf)
{
	policy_clear(conf);
}

/*
 * Is a peer allowed to connect? sa is its address, NULL for the Unix
 * socket; identity is NULL where it has none. With no Allow rule, yes
 * unless a Deny says no.
 */
int
auth_allowed(const struct config *conf, const char *identity,
    const struct sockaddr *sa)
{
	return (policy_admit(conf, identity, NULL, sa, NULL));
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
 * The reason of the one denied row that sums up the refusals not recorded
 * one by one since the last call (auth_suppressed_take), or NULL for none.
 */
char *
auth_suppressed_summary(void)
{
	char		 since[32], last[INET6_ADDRSTRLEN], *why;
	uint64_t	 n;

	n = auth_suppressed_take(since, sizeof since, last, sizeof last);
	if (n == 0)
		return (NULL);
	xasprintf(&why, "%llu refusal%s since %s not recorded one by one "
	    "(more than %d a second); the last from %s",
	    (unsigned long long)n, n == 1 ? "" : "s", since,
	    AUTH_REFUSALS_PER_SEC, last);
	return (why);
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
