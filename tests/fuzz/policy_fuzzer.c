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

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * libFuzzer target for the rules of policy.c: the input is rules (an
 * rcmdd.conf), then a line "%%", then a request, one field a line:
 * identity ("" for none), user ("" for the default), flags ("a" a vector,
 * "t" a ticket, "f" the fingerprint below), and its words. The request
 * is decided from the local socket, an IPv4 and an IPv6 peer. Whatever
 * the input, the decision must be consistent with the rule it names,
 * and everything allocated is freed.
 */

#define FUZZ_MAX_INPUT	(64 * 1024)
#define FUZZ_MAX_WORDS	256
#define FUZZ_FP		"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:" \
			"00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_check(const struct config *,
		    const struct policy_request *);

/* Decide one request, and check the decision against its rule. */
static void
fuzz_check(const struct config *conf, const struct policy_request *rq)
{
	struct policy_decision	 d;
	const struct allow_rule	*r;
	u_int			 i, nallow = 0;

	for (i = 0; i < conf->nallow; i++) {
		if (!(conf->allow[i].flags & ALLOW_DENY))
			nallow++;
	}
	policy_decide(conf, rq, &d);
	if (d.message == NULL || strchr(d.message, '\n') != NULL)
		abort();
	if (d.hint != NULL && strchr(d.hint, '\n') != NULL)
		abort();
	r = d.rule;
	if (d.allowed) {
		if (d.reason != POLICY_ALLOWED || d.user == NULL)
			abort();
		if (r == NULL && nallow != 0)
			abort();
		if (rq->user != NULL && strcmp(rq->user, d.user) != 0)
			abort();
		if (r != NULL && ((r->flags & ALLOW_DENY) ||
		    ((r->flags & ALLOW_TICKET) && !rq->ticket) ||
		    ((r->flags & ALLOW_COMMAND) && rq->mode != POLICY_ARGV)))
			abort();
		/* The rule admits the peer at the door too. */
		if (!policy_admit(conf, rq->identity, rq->fingerprint,
		    rq->addr, NULL) && r != NULL)
			abort();
	} else {
		if (d.reason == POLICY_ALLOWED || d.user != NULL)
			abort();
		if (d.reason == POLICY_DENIED && (r == NULL ||
		    !(r->flags & ALLOW_DENY)))
			abort();
		if (d.reason == POLICY_NO_TICKET && (r == NULL ||
		    !(r->flags & ALLOW_TICKET) || rq->ticket))
			abort();
		if (d.reason == POLICY_SHELL_REFUSED &&
		    rq->mode != POLICY_SHELL)
			abort();
	}
	policy_decision_clear(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config		 conf;
	struct policy_request	 rq;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	FILE			*fp;
	char			*copy, *sep, *p, *line, *words[FUZZ_MAX_WORDS];
	char			*errors = NULL, *warnings = NULL, *program;
	char			*cause = NULL, *flags;
	u_int			 n = 0, i;

	if (size > FUZZ_MAX_INPUT || size == 0)
		return (0);
	copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	if ((sep = strstr(copy, "\n%%\n")) != NULL) {
		*sep = '\0';
		p = sep + 4;
	} else
		p = NULL;

	config_init(&conf);
	if ((fp = fmemopen(copy, strlen(copy), "r")) != NULL) {
		config_parse(&conf, "fuzz.conf", fp, &errors);
		fclose(fp);
	}
	free(errors);
	policy_check(&conf, &warnings);
	free(warnings);

	while (p != NULL && n < FUZZ_MAX_WORDS &&
	    (line = strsep(&p, "\n")) != NULL)
		words[n++] = line;
	if (n < 4)
		goto out;

	memset(&rq, 0, sizeof rq);
	rq.identity = *words[0] == '\0' ? NULL : words[0];
	rq.user = *words[1] == '\0' ? NULL : words[1];
	flags = words[2];
	rq.ticket = strchr(flags, 't') != NULL;
	rq.fingerprint = strchr(flags, 'f') != NULL ? FUZZ_FP : NULL;
	rq.run_as = "nobody";
	program = NULL;
	if (strchr(flags, 'a') != NULL) {
		rq.mode = POLICY_ARGV;
		rq.argv = words + 3;
		rq.argc = n - 3;
		/* An empty Path: only an absolute name resolves. */
		if (policy_resolve("", words[3], &program, &cause) != 0)
			free(cause);
		rq.program = program != NULL ? program : words[3];
	} else {
		rq.mode = POLICY_SHELL;
		rq.command = words[3];
	}
	for (i = 0; i < n - 3; i++)
		policy_glob(words[3 + i], words[3 + (i + 1) % (n - 3)]);

	rq.addr = NULL;
	fuzz_check(&conf, &rq);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	rq.addr = (struct sockaddr *)&sin;
	fuzz_check(&conf, &rq);
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "fd00::1", &sin6.sin6_addr);
	rq.addr = (struct sockaddr *)&sin6;
	fuzz_check(&conf, &rq);
	free(program);
out:
	config_clear(&conf);
	free(copy);
	return (0);
}
