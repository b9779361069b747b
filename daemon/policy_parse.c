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

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The grammar of the rules of rcmdd.conf(5), each rule kept with where it
 * was written and its text, for the audit log:
 *
 *	Allow PATTERN [from SOURCE ...] [as USER ...] [ticket]
 *	    [command PROGRAM [ARGUMENT ...] [...]]
 *	Deny PATTERN [from SOURCE ...]
 *	Deny fingerprint FINGERPRINT
 *
 * Before "command", words are split at blanks and commas; after it, at
 * blanks only, each a pattern (policy_match.c).
 */

static int	policy_parse_source(const char *, const char *,
		    struct allow_source *, char **);
static int	policy_parse_command(struct allow_rule *, const char *, char *,
		    char **);
static void	policy_uncomment(char *);
static char	*policy_squeeze(const char *, const char *);

/* Parse one source of a rule: "unix", an address, or address/prefix. */
static int
policy_parse_source(const char *kw, const char *s, struct allow_source *src,
    char **cause)
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
	xasprintf(cause, "%s: \"%s\" is not a source: use an address, a "
	    "CIDR block such as 10.0.0.0/8 or fd00::/8, or unix", kw, s);
	return (-1);
}

/*
 * Parse a SHA-256 fingerprint, with or without colons and a "SHA256:"
 * prefix, in either case, into the form rcmdd logs: "AB:CD:...".
 */
int
policy_fingerprint(const char *s, char **fp, char **cause)
{
	char		 hex[65];
	const char	*p = s;
	u_int		 n = 0, i;

	if (strncasecmp(p, "SHA256:", 7) == 0)
		p += 7;
	for (; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((u_char)*p) || n == 64)
			goto bad;
		hex[n++] = (char)toupper((u_char)*p);
	}
	if (n != 64)
		goto bad;
	*fp = xmalloc(TLS_FINGERPRINT_LEN + 1);
	for (i = 0; i < 32; i++) {
		(*fp)[3 * i] = hex[2 * i];
		(*fp)[3 * i + 1] = hex[2 * i + 1];
		(*fp)[3 * i + 2] = i + 1 < 32 ? ':' : '\0';
	}
	return (0);
bad:
	xasprintf(cause, "Deny fingerprint: \"%s\" is not a SHA-256 "
	    "fingerprint: give the 64 hex digits that rcmdd logs and records "
	    "for the certificate (AB:CD:...)", s);
	return (-1);
}

/*
 * Parse what follows "command": the program's pattern, then one pattern
 * per argument, split at blanks only (a comma is part of a pattern), and
 * "..." last for any further arguments.
 */
static int
policy_parse_command(struct allow_rule *r, const char *kw, char *p,
    char **cause)
{
	char	*word;

	while (p != NULL && (word = strsep(&p, " \t")) != NULL) {
		if (*word == '\0')
			continue;
		if (r->flags & ALLOW_MORE) {
			xasprintf(cause, "%s: \"...\" matches all the "
			    "remaining arguments: it can only be the last "
			    "word", kw);
			return (-1);
		}
		if (r->argc != 0 && strcmp(word, "...") == 0) {
			r->flags |= ALLOW_MORE;
			continue;
		}
		r->argv = xreallocarray(r->argv, r->argc + 1,
		    sizeof *r->argv);
		r->argv[r->argc++] = xstrdup(word);
	}
	if (r->argc == 0) {
		xasprintf(cause, "%s %s command: name the program, as an "
		    "absolute path or a pattern of one", kw, r->pattern);
		return (-1);
	}
	word = r->argv[0];
	if (*word != '/') {
		xasprintf(cause, "%s: the program \"%s\" is not an absolute "
		    "path: it is matched against the absolute path rcmdd "
		    "finds in its Path, so write it from /, such as "
		    "/usr/bin/%s", kw, word, strcmp(word, "...") == 0 ? "*" :
		    word);
		return (-1);
	}
	/* A resolved path is plain: so must its pattern be. */
	if (!policy_plain_path(word)) {
		xasprintf(cause, "%s: the program \"%s\" can never match: a "
		    "program's path has no empty, . or .. part and does not "
		    "end in /", kw, word);
		return (-1);
	}
	r->flags |= ALLOW_COMMAND;
	return (0);
}

/*
 * Cut a rule at its comment: a word that begins with "#" and what
 * follows, as in the examples of rcmdd.conf(5). A pattern that must
 * begin with "#" writes it "\\#".
 */
static void
policy_uncomment(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

/* Return "Kw value" with each run of blanks made one space. */
static char *
policy_squeeze(const char *kw, const char *value)
{
	char		*text, *o;
	const char	*p;
	int		 blank = 1;

	text = xmalloc(strlen(kw) + strlen(value) + 2);
	o = stpcpy(text, kw);
	*o++ = ' ';
	for (p = value; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t') {
			if (!blank)
				*o++ = ' ';
			blank = 1;
			continue;
		}
		*o++ = *p;
		blank = 0;
	}
	while (o > text && o[-1] == ' ')
		o--;
	*o = '\0';
	return (text);
}

/*
 * Parse an Allow (deny 0) or Deny (deny 1) line and add its rule to conf,
 * with where it was written (file NULL: nowhere). Return 0, or -1 with
 * the cause.
 */
int
policy_add_rule(struct config *conf, int deny, const char *value,
    const char *file, u_int line, char **cause)
{
	struct allow_rule	 r;
	const char		*kw = deny ? "Deny" : "Allow";
	char			*copy, *text, *p, *word;
	int			 clause = 0, from = 0, as = 0;

	memset(&r, 0, sizeof r);
	text = xstrdup(value);
	policy_uncomment(text);
	copy = xstrdup(text);
	p = copy;
	while ((word = strsep(&p, " \t,")) != NULL) {
		if (*word == '\0')
			continue;
		if (r.pattern == NULL && deny &&
		    strcasecmp(word, "fingerprint") == 0) {
			while ((word = strsep(&p, " \t,")) != NULL &&
			    *word == '\0')
				;
			if (word == NULL) {
				*cause = xstrdup("Deny fingerprint needs the "
				    "certificate's SHA-256 fingerprint");
				goto fail;
			}
			if (policy_fingerprint(word, &r.pattern,
			    cause) != 0)
				goto fail;
			r.flags |= ALLOW_FINGERPRINT;
			while ((word = strsep(&p, " \t,")) != NULL &&
			    *word == '\0')
				;
			if (word != NULL) {
				xasprintf(cause, "Deny: \"%s\" after the "
				    "fingerprint: write Deny fingerprint "
				    "FINGERPRINT, one a line", word);
				goto fail;
			}
			break;
		}
		if (r.pattern == NULL) {
			r.pattern = xstrdup(word);
			continue;
		}
		if (deny && (strcasecmp(word, "as") == 0 ||
		    strcasecmp(word, "ticket") == 0 ||
		    strcasecmp(word, "command") == 0)) {
			xasprintf(cause, "Deny: \"%s\": a Deny rule refuses "
			    "everything an identity asks: write Deny PATTERN "
			    "[from SOURCE ...], or an Allow rule that admits "
			    "less", word);
			goto fail;
		}
		if (strcasecmp(word, "from") == 0) {
			if (from++)
				goto twice;
			clause = 1;
			continue;
		}
		if (strcasecmp(word, "as") == 0) {
			if (as++)
				goto twice;
			clause = 2;
			continue;
		}
		if (strcasecmp(word, "ticket") == 0) {
			r.flags |= ALLOW_TICKET;
			clause = 3;
			continue;
		}
		if (strcasecmp(word, "command") == 0) {
			if (policy_parse_command(&r, kw, p, cause) != 0)
				goto fail;
			break;
		}
		switch (clause) {
		case 0:
			xasprintf(cause, "%s: \"%s\" after the pattern: write "
			    "%s PATTERN [from SOURCE ...]", kw, word, kw);
			goto fail;
		case 1:
			r.sources = xreallocarray(r.sources, r.nsources + 1,
			    sizeof *r.sources);
			if (policy_parse_source(kw, word,
			    &r.sources[r.nsources], cause) != 0)
				goto fail;
			r.nsources++;
			break;
		case 2:
			r.users = xreallocarray(r.users, r.nusers + 1,
			    sizeof *r.users);
			r.users[r.nusers++] = xstrdup(word);
			break;
		default:
			xasprintf(cause, "%s: \"%s\" after ticket: write %s "
			    "PATTERN [from SOURCE ...] [as USER ...] [ticket] "
			    "[command PROGRAM [ARGUMENT ...]]", kw, word, kw);
			goto fail;
		}
	}
	if (r.pattern == NULL) {
		xasprintf(cause, "%s needs an identity pattern", kw);
		goto fail;
	}
	if (from && r.nsources == 0) {
		xasprintf(cause, "%s %s from: name at least one source", kw,
		    r.pattern);
		goto fail;
	}
	if (as && r.nusers == 0) {
		xasprintf(cause, "%s %s as: name at least one user; the "
		    "first is the default", kw, r.pattern);
		goto fail;
	}
	free(copy);
	if (deny)
		r.flags |= ALLOW_DENY;
	r.file = file == NULL ? NULL : xstrdup(file);
	r.line = line;
	r.text = policy_squeeze(kw, text);
	free(text);
	conf->allow = xreallocarray(conf->allow, conf->nallow + 1,
	    sizeof *conf->allow);
	conf->allow[conf->nallow++] = r;
	return (0);
twice:
	xasprintf(cause, "%s %s: \"%s\" is given twice: list all in one", kw,
	    r.pattern, word);
fail:
	free(copy);
	free(text);
	policy_rule_clear(&r);
	return (-1);
}

/* Free what one rule holds. */
void
policy_rule_clear(struct allow_rule *r)
{
	u_int	i;

	free(r->pattern);
	free(r->sources);
	for (i = 0; i < r->nusers; i++)
		free(r->users[i]);
	free(r->users);
	for (i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->argv);
	free(r->file);
	free(r->text);
	memset(r, 0, sizeof *r);
}

/* Free the rules of conf. */
void
policy_clear(struct config *conf)
{
	u_int	i;

	for (i = 0; i < conf->nallow; i++)
		policy_rule_clear(&conf->allow[i]);
	free(conf->allow);
	conf->allow = NULL;
	conf->nallow = 0;
}
