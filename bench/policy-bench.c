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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rcmdd.h"
#include "xmalloc.h"

/*
 * What a decision of the rules (daemon/policy.c) costs with many rules:
 *
 *     bench/policy-bench [-n RULES] [-r DECISIONS]
 *
 * builds RULES rules of the forms rcmdd.conf(5) shows (an identity with
 * its users, a command rule with patterns and "...", a source), and times
 * policy_decide for a request that the last rule admits, one that no rule
 * admits, and one that the first admits, each the median of 5 rounds of
 * DECISIONS decisions. Prints nanoseconds a decision.
 */

#define ROUNDS	5

static double	now_ns(void);
static int	cmp_double(const void *, const void *);
static double	bench(const struct config *, const struct policy_request *,
		    long);
static void	usage(void);

static double
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e9 + (double)ts.tv_nsec);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* The median over ROUNDS of the time of one decision, in ns. */
static double
bench(const struct config *conf, const struct policy_request *rq, long n)
{
	struct policy_decision	d;
	double			t[ROUNDS], t0;
	long			i;
	int			r;

	for (r = 0; r < ROUNDS; r++) {
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			policy_decide(conf, rq, &d);
			policy_decision_clear(&d);
		}
		t[r] = (now_ns() - t0) / (double)n;
	}
	qsort(t, ROUNDS, sizeof t[0], cmp_double);
	return (t[ROUNDS / 2]);
}

static void
usage(void)
{
	fprintf(stderr, "usage: policy-bench [-n rules] [-r decisions]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct config		conf;
	struct policy_request	rq;
	struct sockaddr_in	sin;
	char			*cause = NULL, *rule;
	char			*words[] = { (char *)"check_disk",
				    (char *)"-w", (char *)"10%", NULL };
	long			nrules = 1000, n = 20000, i;
	int			ch;

	while ((ch = getopt(argc, argv, "n:r:")) != -1) {
		switch (ch) {
		case 'n':
			nrules = strtol(optarg, NULL, 10);
			break;
		case 'r':
			n = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (nrules < 1 || n < 1)
		usage();

	config_init(&conf);
	for (i = 0; i < nrules; i++) {
		switch (i % 3) {
		case 0:
			xasprintf(&rule, "user%ld as user%ld root", i, i);
			break;
		case 1:
			xasprintf(&rule, "bot%ld from 10.%ld.0.0/16 as nobody "
			    "command /usr/lib/nagios/plugins/check_%ld ...",
			    i, i % 256, i);
			break;
		default:
			xasprintf(&rule, "ops%ld-* as root ticket", i);
			break;
		}
		if (i == nrules - 1) {
			free(rule);
			rule = xstrdup("nagios as nobody command "
			    "/usr/lib/nagios/plugins/check_* ...");
		}
		if (policy_add_rule(&conf, 0, rule, "bench.conf",
		    (u_int)i + 1, &cause) != 0) {
			fprintf(stderr, "policy-bench: rule %ld: %s\n", i + 1,
			    cause);
			return (1);
		}
		free(rule);
	}

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x0a010203);
	memset(&rq, 0, sizeof rq);
	rq.addr = (const struct sockaddr *)&sin;
	rq.run_as = "nobody";
	rq.mode = POLICY_ARGV;
	rq.program = "/usr/lib/nagios/plugins/check_disk";
	rq.argv = words;
	rq.argc = 3;

	printf("rules: %ld, decisions a round: %ld, median of %d rounds\n",
	    nrules, n, ROUNDS);
	rq.identity = "nagios";
	printf("admitted by the last rule: %.0f ns a decision\n",
	    bench(&conf, &rq, n));
	rq.identity = "nobody-at-all";
	printf("admitted by no rule: %.0f ns a decision\n",
	    bench(&conf, &rq, n));
	rq.identity = "user0";
	rq.mode = POLICY_SHELL;
	rq.command = "uptime";
	printf("admitted by the first rule: %.0f ns a decision\n",
	    bench(&conf, &rq, n));
	config_clear(&conf);
	return (0);
}
