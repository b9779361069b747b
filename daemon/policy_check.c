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
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The checks of the rules that need more than the rules (the users they
 * name exist), the ones rcmdd -t adds (a rule that an earlier one makes
 * unreachable), and the dry run, rcmdd --check-policy: what the rules
 * decide for a request, with no daemon running.
 */

static int	policy_covers_peer(const struct allow_rule *,
		    const struct allow_rule *);
static int	policy_covers_users(const struct allow_rule *,
		    const struct allow_rule *);
static int	policy_covers_command(const struct allow_rule *,
		    const struct allow_rule *);
static void	policy_list(const struct config *,
		    const struct policy_request *, FILE *, int *);

/*
 * Check that every user a rule names exists, and that root is named
 * root. Return the number of errors, each appended to *errors with the
 * rule's file and line.
 */
int
policy_check_users(const struct config *conf, char **errors)
{
	const struct allow_rule	*r;
	struct passwd		*pw;
	u_int			 i, j;
	int			 n = 0;

	for (i = 0; i < conf->nallow; i++) {
		r = &conf->allow[i];
		for (j = 0; j < r->nusers; j++) {
			if ((pw = getpwnam(r->users[j])) == NULL) {
				config_error(errors, r->file, r->line, "Allow "
				    "%s as %s: no such user: create it, or "
				    "take it out of the rule", r->pattern,
				    r->users[j]);
				n++;
			} else if (pw->pw_uid == 0 &&
			    strcmp(r->users[j], "root") != 0) {
				config_error(errors, r->file, r->line, "Allow "
				    "%s as %s: %s is uid 0: commands run as "
				    "root only with root written out",
				    r->pattern, r->users[j], r->users[j]);
				n++;
			}
		}
	}
	return (n);
}

/*
 * Does every peer that rule b applies to match rule a? Only what is sure
 * counts: a's pattern is "*" or b's very name, and each of b's sources
 * lies in one of a's.
 */
static int
policy_covers_peer(const struct allow_rule *a, const struct allow_rule *b)
{
	const struct allow_source	*sa, *sb;
	u_int				 i, j;
	int				 in;

	if (a->flags & ALLOW_FINGERPRINT)
		return ((b->flags & ALLOW_FINGERPRINT) &&
		    strcasecmp(a->pattern, b->pattern) == 0);
	if (b->flags & ALLOW_FINGERPRINT)
		return (strcmp(a->pattern, "*") == 0 && a->nsources == 0);
	if (strcmp(a->pattern, "*") != 0 && strcmp(a->pattern,
	    b->pattern) != 0 && (strpbrk(b->pattern, "*?[\\") != NULL ||
	    fnmatch(a->pattern, b->pattern, 0) != 0))
		return (0);
	if (a->nsources == 0)
		return (1);
	if (b->nsources == 0)
		return (0);
	for (i = 0; i < b->nsources; i++) {
		sb = &b->sources[i];
		in = 0;
		for (j = 0; j < a->nsources && !in; j++) {
			sa = &a->sources[j];
			in = sa->family == sb->family && (sa->family ==
			    AF_UNIX || (sa->prefix <= sb->prefix &&
			    policy_match_source(sa, sb->family, sb->addr)));
		}
		if (!in)
			return (0);
	}
	return (1);
}

/* May a run as every user b may? No "as" is the global RunAs, in both. */
static int
policy_covers_users(const struct allow_rule *a, const struct allow_rule *b)
{
	u_int	i, j;
	int	in;

	if (a->nusers == 0 || b->nusers == 0)
		return (a->nusers == 0 && b->nusers == 0);
	for (i = 0; i < b->nusers; i++) {
		in = 0;
		for (j = 0; j < a->nusers && !in; j++)
			in = strcmp(a->users[j], b->users[i]) == 0;
		if (!in)
			return (0);
	}
	return (1);
}

/*
 * Does a's command take every command b's does? Yes if a names none; if
 * both do, word by word, the same word or a "*" over a plain one, and a
 * "..." in a past the end of b's words.
 */
static int
policy_covers_command(const struct allow_rule *a, const struct allow_rule *b)
{
	const char	*wa, *wb;
	u_int		 i;

	if (!(a->flags & ALLOW_COMMAND))
		return (1);
	if (!(b->flags & ALLOW_COMMAND))
		return (0);
	if (a->argc > b->argc || (a->argc < b->argc &&
	    !(a->flags & ALLOW_MORE)) || ((b->flags & ALLOW_MORE) &&
	    !(a->flags & ALLOW_MORE)))
		return (0);
	for (i = 0; i < a->argc; i++) {
		wa = a->argv[i];
		wb = b->argv[i];
		if (strcmp(wa, wb) == 0)
			continue;
		if (i != 0 && strcmp(wa, "*") == 0 && strchr(wb, '/') ==
		    NULL && wb[0] != '-' && wb[0] != '\\')
			continue;
		return (0);
	}
	return (1);
}

/*
 * rcmdd -t's checks of the rules' order: a rule that an earlier one
 * makes unreachable (it decides every request the later would), and a
 * Deny that an earlier Allow for the same peers makes mostly moot.
 * Return the number of warnings, each appended to *warnings.
 */
int
policy_check(const struct config *conf, char **warnings)
{
	const struct allow_rule	*a, *b;
	u_int			 i, j;
	int			 n = 0;

	for (j = 1; j < conf->nallow; j++) {
		b = &conf->allow[j];
		for (i = 0; i < j; i++) {
			a = &conf->allow[i];
			if (!policy_covers_peer(a, b))
				continue;
			if ((a->flags & ALLOW_DENY) || (!(b->flags &
			    ALLOW_DENY) && policy_covers_users(a, b) &&
			    policy_covers_command(a, b))) {
				config_error(warnings, b->file, b->line,
				    "warning: \"%s\" is never reached: line "
				    "%u (%s) decides first everything it "
				    "would; move it up, or remove it", b->text,
				    a->line, a->text);
				n++;
				break;
			}
			if (b->flags & ALLOW_DENY) {
				config_error(warnings, b->file, b->line,
				    "warning: \"%s\" comes after line %u "
				    "(%s), which admits the same peers first: "
				    "it refuses only what that rule does not "
				    "allow; put it above line %u", b->text,
				    a->line, a->text, a->line);
				n++;
				break;
			}
		}
	}
	return (n);
}

/*
 * The global RunAs user, as exec_configure works it out for the daemon:
 * RunAs, else nobody for an rcmdd started as root, else (SingleUser, the
 * only way it starts as another user) its own user, taken to be the one
 * who asks.
 */
const char *
policy_run_as(const struct config *conf)
{
	static char	 name[64];
	struct passwd	*pw;

	if (conf->run_as != NULL)
		return (conf->run_as);
	if (geteuid() == 0 || !conf->single_user)
		return ("nobody");
	if ((pw = getpwuid(geteuid())) == NULL)
		return ("nobody");
	strlcpy(name, pw->pw_name, sizeof name);
	return (name);
}

/*
 * The dry run without a command: list the rules that apply to the peer,
 * in order, up to a Deny. *allowed says whether any may admit it.
 */
static void
policy_list(const struct config *conf, const struct policy_request *rq,
    FILE *out, int *allowed)
{
	const struct allow_rule	*r, *deny;
	u_int			 i, nallow = 0;

	*allowed = policy_admit(conf, rq->identity, rq->fingerprint,
	    rq->addr, &deny);
	for (i = 0; i < conf->nallow; i++) {
		r = &conf->allow[i];
		if (!(r->flags & ALLOW_DENY))
			nallow++;
	}
	if (nallow == 0 && *allowed) {
		fprintf(out, "allowed: there is no Allow rule, so every "
		    "client is, as %s\n", rq->run_as);
		return;
	}
	if (!*allowed) {
		if (deny != NULL)
			fprintf(out, "refused: denied by %s:%u: %s\n",
			    deny->file == NULL ? "-" : deny->file, deny->line,
			    deny->text);
		else
			fprintf(out, "refused: no rule: no Allow rule admits "
			    "%s\n", rq->identity == NULL ? "a client without "
			    "an identity" : rq->identity);
		return;
	}
	for (i = 0; i < conf->nallow; i++) {
		r = &conf->allow[i];
		if (!policy_applies(r, rq->identity, rq->fingerprint,
		    rq->addr))
			continue;
		fprintf(out, "%s:%u: %s\n", r->file == NULL ? "-" : r->file,
		    r->line, r->text);
		if (r->flags & ALLOW_DENY)
			break;
	}
}

/*
 * rcmdd --check-policy: decide one request with the rules of conf and
 * print the decision on out. Return the exit status: 0 allowed, 1
 * refused, 2 a request that cannot be asked (the reason on stderr).
 */
int
policy_dry_run(const struct config *conf, const struct policy_dry *dry,
    FILE *out)
{
	struct policy_request	 rq;
	struct policy_decision	 d;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	char			*program = NULL, *cause = NULL, *fp = NULL;
	char			*command = NULL, *next;
	int			 i, allowed;

	memset(&rq, 0, sizeof rq);
	rq.identity = *dry->identity == '\0' ? NULL : dry->identity;
	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	if (dry->from == NULL || strcasecmp(dry->from, "unix") == 0)
		rq.addr = NULL;
	else if (inet_pton(AF_INET, dry->from, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		rq.addr = (struct sockaddr *)&sin;
	} else if (inet_pton(AF_INET6, dry->from, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		rq.addr = (struct sockaddr *)&sin6;
	} else {
		fprintf(stderr, "rcmdd: --from \"%s\" is not an address: give "
		    "an IPv4 or IPv6 address, or unix\n", dry->from);
		return (2);
	}
	if (dry->fingerprint != NULL) {
		if (policy_fingerprint(dry->fingerprint, &fp, &cause) != 0) {
			fprintf(stderr, "rcmdd: --fingerprint: %s\n", cause);
			free(cause);
			return (2);
		}
		rq.fingerprint = fp;
	}
	rq.user = dry->user;
	rq.run_as = policy_run_as(conf);
	rq.ticket = dry->ticket;
	if (dry->nwords == 0) {
		policy_list(conf, &rq, out, &allowed);
		free(fp);
		return (allowed ? 0 : 1);
	}
	if (dry->argv) {
		rq.mode = POLICY_ARGV;
		rq.argv = dry->words;
		rq.argc = (u_int)dry->nwords;
		if (policy_resolve(conf->path, dry->words[0], &program,
		    &cause) != 0) {
			fprintf(out, "refused: command not allowed: %s\n",
			    cause);
			free(cause);
			free(fp);
			return (1);
		}
		rq.program = program;
	} else {
		rq.mode = POLICY_SHELL;
		command = xstrdup(dry->words[0]);
		for (i = 1; i < dry->nwords; i++) {
			xasprintf(&next, "%s %s", command, dry->words[i]);
			free(command);
			command = next;
		}
		rq.command = command;
	}
	policy_decide(conf, &rq, &d);
	if (d.allowed)
		fprintf(out, "%s\n", d.message);
	else {
		fprintf(out, "refused: %s: %s\n",
		    policy_reason_name(d.reason), d.message);
		if (d.rule != NULL && d.reason != POLICY_DENIED &&
		    d.reason != POLICY_NO_TICKET)
			fprintf(out, "nearest rule: %s:%u: %s\n",
			    d.rule->file == NULL ? "-" : d.rule->file,
			    d.rule->line, d.rule->text);
		if (d.hint != NULL)
			fprintf(out, "hint: %s\n", d.hint);
	}
	allowed = d.allowed;
	policy_decision_clear(&d);
	free(program);
	free(command);
	free(fp);
	return (allowed ? 0 : 1);
}
