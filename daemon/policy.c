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

#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <vis.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Who may run what, as whom: a peer and a request against the rules of
 * rcmdd.conf(5) (parsed by policy_parse.c, words matched by
 * policy_match.c). The first rule that matches a request decides it, in
 * file order. The decision is a pure function of the rules and the
 * request (no I/O), so that the network part, the privileged part's
 * re-check and rcmdd --check-policy all take the same one.
 */

/* A rule's hint lists at most this many commands, and a vector this long. */
#define POLICY_HINT_RULES	4
#define POLICY_SHOW_MAX		256

static int	policy_peer(const struct sockaddr *, int *, uint8_t *);
static int	policy_match_peer(const struct allow_rule *, const char *,
		    const char *, int, const uint8_t *);
static const char *policy_rule_user(const struct allow_rule *,
		    const struct policy_request *);
static int	policy_match_argv(const struct allow_rule *,
		    const struct policy_request *);
static char	*policy_who(const struct policy_request *, int,
		    const uint8_t *);
static void	policy_append(char **, const char *, const char *);
static char	*policy_hint(const struct config *,
		    const struct policy_request *, int, const uint8_t *, int);
static void	policy_refuse(struct policy_decision *, int,
		    const struct allow_rule *, char *, char *);

/* Does an address (family, 4 or 16 bytes) fall in a source? */
int
policy_match_source(const struct allow_source *src, int family,
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
 * A peer's address as a family and 16 bytes: AF_UNIX for NULL (the local
 * socket), an IPv4-mapped IPv6 address as IPv4. Return -1 for another
 * family.
 */
static int
policy_peer(const struct sockaddr *sa, int *family, uint8_t *addr)
{
	const struct sockaddr_in6	*sin6;

	memset(addr, 0, 16);
	if (sa == NULL)
		*family = AF_UNIX;
	else if (sa->sa_family == AF_INET) {
		*family = AF_INET;
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			*family = AF_INET;
			memcpy(addr, &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			*family = AF_INET6;
			memcpy(addr, &sin6->sin6_addr, 16);
		}
	} else
		return (-1);
	return (0);
}

/*
 * Does a rule apply to this peer: its identity (NULL: none, which only
 * "*" matches) or certificate fingerprint, and its source?
 */
static int
policy_match_peer(const struct allow_rule *r, const char *identity,
    const char *fp, int family, const uint8_t *addr)
{
	u_int	i;

	if (r->flags & ALLOW_FINGERPRINT)
		return (fp != NULL && strcasecmp(fp, r->pattern) == 0);
	if (fnmatch(r->pattern, identity == NULL ? "" : identity, 0) != 0)
		return (0);
	if (r->nsources == 0)
		return (1);
	for (i = 0; i < r->nsources; i++) {
		if (policy_match_source(&r->sources[i], family, addr))
			return (1);
	}
	return (0);
}

/* Does a rule apply to this peer? sa is NULL for the local socket. */
int
policy_applies(const struct allow_rule *r, const char *identity,
    const char *fp, const struct sockaddr *sa)
{
	uint8_t	addr[16];
	int	family;

	if (policy_peer(sa, &family, addr) != 0)
		return (0);
	return (policy_match_peer(r, identity, fp, family, addr));
}

/*
 * May this peer connect at all: is it not refused by a Deny before an
 * Allow admits it? With no Allow rule, every peer no Deny refuses may.
 * sa is NULL for the local socket. Return 1 or 0, and the deciding rule
 * (NULL: none) in *rule if rule is not NULL.
 */
int
policy_admit(const struct config *conf, const char *identity,
    const char *fp, const struct sockaddr *sa, const struct allow_rule **rule)
{
	const struct allow_rule	*r;
	uint8_t			 addr[16];
	int			 family, nallow = 0;
	u_int			 i;

	if (rule != NULL)
		*rule = NULL;
	if (policy_peer(sa, &family, addr) != 0)
		return (0);
	for (i = 0; i < conf->nallow; i++) {
		r = &conf->allow[i];
		if (!(r->flags & ALLOW_DENY))
			nallow++;
		if (!policy_match_peer(r, identity, fp, family, addr))
			continue;
		if (rule != NULL)
			*rule = r;
		return (!(r->flags & ALLOW_DENY));
	}
	return (nallow == 0);
}

/* Does an argument vector (program resolved) match a rule's command? */
static int
policy_match_argv(const struct allow_rule *r, const struct policy_request *rq)
{
	u_int	i;

	if (rq->program == NULL || rq->argc == 0)
		return (0);
	if (rq->argc < r->argc || (rq->argc > r->argc &&
	    !(r->flags & ALLOW_MORE)))
		return (0);
	if (!policy_match_word(r->argv[0], rq->program))
		return (0);
	for (i = 1; i < r->argc; i++) {
		if (!policy_match_word(r->argv[i], rq->argv[i]))
			return (0);
	}
	/* What "..." covers spells out no "..": none may have one. */
	for (; i < rq->argc; i++) {
		if (policy_dotdot_part(rq->argv[i]))
			return (0);
	}
	return (1);
}

/*
 * The user a rule runs this request as: the one asked for if the rule
 * lists it, or the rule's first (the global RunAs without "as"); NULL if
 * the rule does not allow the one asked for.
 */
static const char *
policy_rule_user(const struct allow_rule *r, const struct policy_request *rq)
{
	u_int	i;

	if (r->nusers == 0) {
		if (rq->user == NULL || strcmp(rq->user, rq->run_as) == 0)
			return (rq->run_as);
		return (NULL);
	}
	if (rq->user == NULL)
		return (r->users[0]);
	for (i = 0; i < r->nusers; i++) {
		if (strcmp(rq->user, r->users[i]) == 0)
			return (r->users[i]);
	}
	return (NULL);
}

/* Return "alice from 192.0.2.1" for messages. */
static char *
policy_who(const struct policy_request *rq, int family, const uint8_t *addr)
{
	char	 host[INET6_ADDRSTRLEN], *who;

	if (family == AF_UNIX)
		strlcpy(host, "the local socket", sizeof host);
	else if (inet_ntop(family, addr, host, sizeof host) == NULL)
		strlcpy(host, "?", sizeof host);
	if (rq->identity == NULL)
		xasprintf(&who, "a client without an identity from %s", host);
	else
		xasprintf(&who, "%s from %s", rq->identity, host);
	return (who);
}

/*
 * Return a copy of a vector, or of a shell string, to show in a message:
 * control characters escaped, a word with blanks (or none) in quotes,
 * and cut at POLICY_SHOW_MAX bytes.
 */
char *
policy_show(const struct policy_request *rq)
{
	char	 out[POLICY_SHOW_MAX + 8], word[POLICY_SHOW_MAX * 4 + 1];
	size_t	 len = 0, n;
	u_int	 i;

	out[0] = '\0';
	if (rq->mode == POLICY_SHELL) {
		strnvisx(word, sizeof word, rq->command == NULL ? "" :
		    rq->command, strnlen(rq->command == NULL ? "" :
		    rq->command, POLICY_SHOW_MAX), VIS_CSTYLE | VIS_OCTAL |
		    VIS_TAB | VIS_NL);
		strlcpy(out, word, POLICY_SHOW_MAX + 1);
		if (rq->command != NULL && strlen(rq->command) >
		    POLICY_SHOW_MAX)
			strlcat(out, "...", sizeof out);
		return (xstrdup(out));
	}
	for (i = 0; i < rq->argc && len < POLICY_SHOW_MAX; i++) {
		n = strnlen(rq->argv[i], POLICY_SHOW_MAX);
		strnvisx(word, sizeof word, i == 0 && rq->program != NULL ?
		    rq->program : rq->argv[i], i == 0 && rq->program != NULL ?
		    strnlen(rq->program, POLICY_SHOW_MAX) : n, VIS_CSTYLE |
		    VIS_OCTAL | VIS_TAB | VIS_NL | VIS_DQ);
		if (i != 0)
			strlcat(out, " ", sizeof out);
		if (word[0] == '\0' || strpbrk(word, " ") != NULL)
			strlcat(out, "\"", sizeof out);
		strlcat(out, word, POLICY_SHOW_MAX + 1);
		if (word[0] == '\0' || strpbrk(word, " ") != NULL)
			strlcat(out, "\"", sizeof out);
		len = strlen(out);
	}
	if (i < rq->argc || len >= POLICY_SHOW_MAX)
		strlcat(out, " ...", sizeof out);
	return (xstrdup(out));
}

/* Append ", word" (or " word" first) to an allocated list. */
static void
policy_append(char **list, const char *sep, const char *word)
{
	char	*next;

	xasprintf(&next, "%s%s%s", *list, sep, word);
	free(*list);
	*list = next;
}

/*
 * What the rules that apply to this peer would allow: the users (what
 * 1) or the commands (what 2). NULL if nothing helps: no rule, or (for
 * commands) a rule that allows any.
 */
static char *
policy_hint(const struct config *conf, const struct policy_request *rq,
    int family, const uint8_t *addr, int what)
{
	const struct allow_rule	*r, *q;
	const char		*user, *other;
	char			*hint;
	u_int			 i, j, k, l, n = 0, any = 0, dup;

	xasprintf(&hint, "%s may run%s", rq->identity == NULL ?
	    "a client without an identity" : rq->identity,
	    what == 1 ? " as:" : "");
	for (i = 0; i < conf->nallow; i++) {
		r = &conf->allow[i];
		if (!policy_match_peer(r, rq->identity, rq->fingerprint,
		    family, addr))
			continue;
		if (r->flags & ALLOW_DENY)
			break;
		if (what == 1) {
			for (j = 0; j < (r->nusers == 0 ? 1 : r->nusers); j++) {
				user = r->nusers == 0 ? rq->run_as :
				    r->users[j];
				dup = 0;
				for (k = 0; k < i && !dup; k++) {
					q = &conf->allow[k];
					if ((q->flags & ALLOW_DENY) ||
					    !policy_match_peer(q, rq->identity,
					    rq->fingerprint, family, addr))
						continue;
					for (l = 0; l < (q->nusers == 0 ? 1 :
					    q->nusers); l++) {
						other = q->nusers == 0 ?
						    rq->run_as : q->users[l];
						if (strcmp(user, other) == 0)
							dup = 1;
					}
				}
				for (l = 0; l < j; l++) {
					if (strcmp(user, r->users[l]) == 0)
						dup = 1;
				}
				if (!dup)
					policy_append(&hint, n++ == 0 ? " " :
					    ", ", user);
			}
			continue;
		}
		if (!(r->flags & ALLOW_COMMAND)) {
			any = 1;
			continue;
		}
		if (n++ >= POLICY_HINT_RULES) {
			if (n == POLICY_HINT_RULES + 1)
				policy_append(&hint, ";", " ...");
			continue;
		}
		for (j = 0; j < r->argc; j++)
			policy_append(&hint, j == 0 && n > 1 ? "; " : " ",
			    r->argv[j]);
		if (r->flags & ALLOW_MORE)
			policy_append(&hint, " ", "...");
	}
	if (n == 0 || any) {
		free(hint);
		return (NULL);
	}
	if (what == 2)
		policy_append(&hint, "", ", as an argument vector (rcmd --argv)");
	return (hint);
}

/* Fill a refusal: its reason, the rule that decided, message and hint. */
static void
policy_refuse(struct policy_decision *d, int reason,
    const struct allow_rule *r, char *message, char *hint)
{
	d->allowed = 0;
	d->reason = reason;
	d->rule = r;
	d->user = NULL;
	d->message = message;
	d->hint = hint;
}

/*
 * Decide a request: the first rule that matches it (peer, user, command)
 * decides; a Deny that matches the peer refuses all. A refusal that no
 * rule decided names the rule that came nearest (the furthest stage
 * matched: peer, user, command), and what the peer could ask instead.
 * Pure: no I/O; d's strings are allocated (policy_decision_clear), its
 * rule and user point into conf or rq.
 */
void
policy_decide(const struct config *conf, const struct policy_request *rq,
    struct policy_decision *d)
{
	const struct allow_rule	*r, *near = NULL;
	const char		*user;
	char			*who, *msg, *show, asked[4 * 64 + 1];
	uint8_t			 addr[16];
	int			 family, stage = 0, nallow = 0;
	u_int			 i;

	memset(d, 0, sizeof *d);
	if (policy_peer(rq->addr, &family, addr) != 0) {
		policy_refuse(d, POLICY_NO_RULE, NULL, xstrdup("a peer of an "
		    "unknown address family"), NULL);
		return;
	}
	who = policy_who(rq, family, addr);
	/* The user asked for comes from the client: escaped, and cut. */
	asked[0] = '\0';
	if (rq->user != NULL)
		strnvisx(asked, sizeof asked, rq->user, strnlen(rq->user, 64),
		    VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
	for (i = 0; i < conf->nallow; i++) {
		r = &conf->allow[i];
		if (!(r->flags & ALLOW_DENY))
			nallow++;
		if (!policy_match_peer(r, rq->identity, rq->fingerprint,
		    family, addr))
			continue;
		if (r->flags & ALLOW_DENY) {
			xasprintf(&msg, "%s%s is denied by %s:%u: %s",
			    r->flags & ALLOW_FINGERPRINT ? "the certificate "
			    "of " : "", who, r->file == NULL ? "-" : r->file,
			    r->line, r->text);
			policy_refuse(d, POLICY_DENIED, r, msg, NULL);
			goto out;
		}
		if ((user = policy_rule_user(r, rq)) == NULL) {
			if (stage < 1) {
				stage = 1;
				near = r;
			}
			continue;
		}
		if ((r->flags & ALLOW_COMMAND) && (rq->mode == POLICY_SHELL ||
		    !policy_match_argv(r, rq))) {
			if (stage < 2) {
				stage = 2;
				near = r;
			}
			continue;
		}
		if ((r->flags & ALLOW_TICKET) && !rq->ticket) {
			xasprintf(&msg, "%s:%u: %s requires a ticket with "
			    "each command", r->file == NULL ? "-" : r->file,
			    r->line, r->text);
			policy_refuse(d, POLICY_NO_TICKET, r, msg, xstrdup(
			    "give a ticket, why this is run: rcmd -m TEXT"));
			goto out;
		}
		d->allowed = 1;
		d->reason = POLICY_ALLOWED;
		d->rule = r;
		d->user = user;
		xasprintf(&d->message, "allowed by %s:%u: %s, as %s",
		    r->file == NULL ? "-" : r->file, r->line, r->text, user);
		goto out;
	}
	if (nallow == 0) {
		if (rq->user != NULL && strcmp(rq->user, rq->run_as) != 0) {
			xasprintf(&msg, "%s may not run as %s: with no Allow "
			    "rule, commands run as RunAs, %s", who, asked,
			    rq->run_as);
			policy_refuse(d, POLICY_USER, NULL, msg, NULL);
			goto out;
		}
		d->allowed = 1;
		d->reason = POLICY_ALLOWED;
		d->user = rq->run_as;
		xasprintf(&d->message, "allowed: there is no Allow rule, so "
		    "every client is, as %s", rq->run_as);
		goto out;
	}
	switch (stage) {
	case 0:
		xasprintf(&msg, "no Allow rule admits %s", who);
		policy_refuse(d, POLICY_NO_RULE, NULL, msg, NULL);
		break;
	case 1:
		xasprintf(&msg, "%s may not run as %s", who, asked);
		policy_refuse(d, POLICY_USER, near, msg, policy_hint(conf, rq,
		    family, addr, 1));
		break;
	default:
		if (rq->terminal) {
			xasprintf(&msg, "%s may not open a terminal: a "
			    "terminal needs shell permission, and the rules "
			    "for it name the programs it may run", who);
			policy_refuse(d, POLICY_SHELL_REFUSED, near, msg,
			    policy_hint(conf, rq, family, addr, 2));
			break;
		}
		if (rq->mode == POLICY_SHELL) {
			xasprintf(&msg, "%s may not run a shell command: the "
			    "rules for it name the programs it may run", who);
			policy_refuse(d, POLICY_SHELL_REFUSED, near, msg,
			    policy_hint(conf, rq, family, addr, 2));
			break;
		}
		show = policy_show(rq);
		xasprintf(&msg, "%s may not run %s", who, show);
		free(show);
		policy_refuse(d, POLICY_COMMAND_REFUSED, near, msg,
		    policy_hint(conf, rq, family, addr, 2));
		break;
	}
out:
	free(who);
}

/* Free a decision's strings. */
void
policy_decision_clear(struct policy_decision *d)
{
	free(d->message);
	free(d->hint);
	memset(d, 0, sizeof *d);
}

/* Return a reason's short name, as the audit log and the dry run say it. */
const char *
policy_reason_name(int reason)
{
	switch (reason) {
	case POLICY_ALLOWED:
		return ("allowed");
	case POLICY_NO_RULE:
		return ("no rule");
	case POLICY_DENIED:
		return ("denied");
	case POLICY_USER:
		return ("user not allowed");
	case POLICY_COMMAND_REFUSED:
		return ("command not allowed");
	case POLICY_SHELL_REFUSED:
		return ("shell not allowed");
	case POLICY_NO_TICKET:
		return ("no ticket");
	}
	return ("?");
}
