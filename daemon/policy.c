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

#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <vis.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The rules of rcmdd.conf(5): who may run what, as whom. Parsing the
 * Allow and Deny lines, matching a peer and a command against them, and
 * the decision, which is a pure function of the rules and the request
 * (no I/O), so that the network part, the privileged part's re-check and
 * rcmdd --check-policy all take the same one. Resolving a program name
 * against rcmdd's own Path is apart (policy_resolve): it reads the file
 * system.
 *
 *	Allow PATTERN [from SOURCE ...] [as USER ...] [ticket]
 *	    [command PROGRAM [ARGUMENT ...] [...]]
 *	Deny PATTERN [from SOURCE ...]
 *	Deny fingerprint FINGERPRINT
 *
 * The first rule that matches a request decides it, in file order.
 */

/* A rule's hint lists at most this many commands, and a vector this long. */
#define POLICY_HINT_RULES	4
#define POLICY_SHOW_MAX		256

static int	policy_parse_source(const char *, const char *,
		    struct allow_source *, char **);
static int	policy_parse_command(struct allow_rule *, const char *, char *,
		    char **);
static char	*policy_squeeze(const char *, const char *);
static int	policy_peer(const struct sockaddr *, int *, uint8_t *);
static int	policy_match_peer(const struct allow_rule *, const char *,
		    const char *, int, const uint8_t *);
static int	policy_class(const char **, int);
static int	policy_dotdot(const char *, const char *);
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
	char	*word, *c;

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
	/* A resolved path is plain: one "/" between names, none last. */
	for (c = word; *c != '\0'; c++) {
		if (*c != '/')
			continue;
		if (c[1] == '/' || c[1] == '\0' || (c[1] == '.' &&
		    (c[2] == '/' || c[2] == '\0' || (c[2] == '.' &&
		    (c[3] == '/' || c[3] == '\0'))))) {
			xasprintf(cause, "%s: the program \"%s\" can never "
			    "match: a program's path has no empty, . or .. "
			    "part and does not end in /", kw, word);
			return (-1);
		}
	}
	r->flags |= ALLOW_COMMAND;
	return (0);
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
	char			*copy, *p, *word;
	int			 clause = 0, from = 0, as = 0;

	memset(&r, 0, sizeof r);
	copy = xstrdup(value);
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
		if (strcasecmp(word, "from") == 0 ||
		    strcasecmp(word, "as") == 0) {
			if ((word[0] == 'f' || word[0] == 'F') ? from : as) {
				xasprintf(cause, "%s %s: \"%s\" is given "
				    "twice: list all in one", kw, r.pattern,
				    word);
				goto fail;
			}
			if (word[0] == 'f' || word[0] == 'F')
				from = clause = 1;
			else
				as = clause = 2;
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
	r.text = policy_squeeze(kw, value);
	conf->allow = xreallocarray(conf->allow, conf->nallow + 1,
	    sizeof *conf->allow);
	conf->allow[conf->nallow++] = r;
	return (0);
fail:
	free(copy);
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

/*
 * Match one character against the class at *pp ("[...]", "[!...]"),
 * moving *pp past it. Return 1 if it matches, 0 if not, -1 if *pp is no
 * class (an unclosed "[" is a plain character).
 */
static int
policy_class(const char **pp, int c)
{
	const char	*p = *pp + 1;
	int		 neg = 0, match = 0, lo, hi;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	if (*p == ']') {
		match = c == ']';
		p++;
	}
	while (*p != ']') {
		if (*p == '\0')
			return (-1);
		lo = (u_char)*p;
		if (*p == '\\' && p[1] != '\0')
			lo = (u_char)*++p;
		p++;
		hi = lo;
		if (*p == '-' && p[1] != ']' && p[1] != '\0') {
			p++;
			hi = (u_char)*p;
			if (*p == '\\' && p[1] != '\0')
				hi = (u_char)*++p;
			p++;
		}
		if (c >= lo && c <= hi)
			match = 1;
	}
	*pp = p + 1;
	return (c != '/' && match != neg);
}

/*
 * Match a string against a glob: "*" is any run and "?" any one
 * character but "/", "[...]" a class (never "/"), and "\" makes the next
 * character plain. Iterative, so that its time is bounded by the lengths'
 * product whatever the pattern: a "*" cannot reach past a "/", so only
 * the last one ever needs to take more.
 */
int
policy_glob(const char *p, const char *s)
{
	const char	*star_p = NULL, *star_s = NULL, *q;
	int		 m;

	while (*s != '\0') {
		if (*p == '*') {
			while (*p == '*')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		m = 0;
		q = p;
		if (*p == '?') {
			m = *s != '/';
			q = p + 1;
		} else if (*p == '[' && (m = policy_class(&q, (u_char)*s)) !=
		    -1)
			;
		else if (*p == '\\' && p[1] != '\0') {
			m = p[1] == *s;
			q = p + 2;
		} else if (*p != '\0') {
			m = *p == *s;
			q = p + 1;
		}
		if (m == 1) {
			p = q;
			s++;
			continue;
		}
		if (star_p == NULL || *star_s == '/')
			return (0);
		p = star_p;
		s = ++star_s;
	}
	while (*p == '*')
		p++;
	return (*p == '\0');
}

/*
 * An argument's ".." parts must be spelled out: each ".." between
 * slashes in s must stand at the same place in the pattern. Return 1 if
 * they are (or s has none).
 */
static int
policy_dotdot(const char *pattern, const char *s)
{
	const char	*p = pattern, *ps, *pe;
	size_t		 n;

	for (;;) {
		n = strcspn(s, "/");
		pe = p + strcspn(p, "/");
		ps = p;
		if (n == 2 && s[0] == '.' && s[1] == '.' &&
		    (pe - ps != 2 || ps[0] != '.' || ps[1] != '.'))
			return (0);
		if (s[n] == '\0')
			return (1);
		s += n + 1;
		p = *pe == '\0' ? pe : pe + 1;
	}
}

/*
 * Does one word (the program's path or an argument) match its pattern?
 * An empty word matches no pattern ("..." aside); a word that begins
 * with "-" only a pattern that begins with a plain "-"; and a ".." part
 * only a ".." spelled out.
 */
int
policy_match_word(const char *pattern, const char *s)
{
	if (*s == '\0')
		return (0);
	if (*s == '-' && *pattern != '-' && (pattern[0] != '\\' ||
	    pattern[1] != '-'))
		return (0);
	if (strstr(s, "..") != NULL && !policy_dotdot(pattern, s))
		return (0);
	return (policy_glob(pattern, s));
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
	char			*who, *msg, *show;
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
			    "rule, commands run as RunAs, %s", who, rq->user,
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
		xasprintf(&msg, "%s may not run as %s", who, rq->user);
		policy_refuse(d, POLICY_USER, near, msg, policy_hint(conf, rq,
		    family, addr, 1));
		break;
	default:
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

/*
 * Resolve the program of an argument vector against rcmdd's own Path
 * (path, colon-separated; never the client's): a plain name is looked up
 * in each absolute folder of it in order (empty and relative entries are
 * skipped: never the working folder), and the first executable regular
 * file wins; a name with a "/" must be a plain absolute path (no empty,
 * "." or ".." part), taken as it is. Return 0 with the allocated path,
 * or -1 with the cause.
 */
int
policy_resolve(const char *path, const char *name, char **resolved,
    char **cause)
{
	struct stat	 st;
	char		*copy, *p, *dir, *c, candidate[PATH_MAX];

	*resolved = NULL;
	if (*name == '\0') {
		*cause = xstrdup("the program's name is empty");
		return (-1);
	}
	if (strchr(name, '/') != NULL) {
		if (*name != '/') {
			xasprintf(cause, "the program \"%s\" is a relative "
			    "path: give a name that rcmdd looks up in its "
			    "Path, or an absolute path", name);
			return (-1);
		}
		for (c = (char *)name; *c != '\0'; c++) {
			if (*c == '/' && (c[1] == '/' || c[1] == '\0' ||
			    (c[1] == '.' && (c[2] == '/' || c[2] == '\0' ||
			    (c[2] == '.' && (c[3] == '/' || c[3] == '\0')))))) {
				xasprintf(cause, "the program \"%s\" has an "
				    "empty, . or .. part, or ends in /: give "
				    "its plain absolute path", name);
				return (-1);
			}
		}
		if (strlen(name) >= PATH_MAX) {
			*cause = xstrdup("the program's path is too long");
			return (-1);
		}
		*resolved = xstrdup(name);
		return (0);
	}
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		xasprintf(cause, "\"%s\" is not a program's name", name);
		return (-1);
	}
	copy = xstrdup(path == NULL ? "" : path);
	p = copy;
	while ((dir = strsep(&p, ":")) != NULL) {
		if (*dir != '/')
			continue;
		if ((size_t)snprintf(candidate, sizeof candidate, "%s%s%s",
		    dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) >=
		    sizeof candidate)
			continue;
		if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(candidate, X_OK) == 0) {
			*resolved = xstrdup(candidate);
			free(copy);
			return (0);
		}
	}
	free(copy);
	xasprintf(cause, "the program \"%s\" is not in rcmdd's Path (%s)",
	    name, path == NULL ? "" : path);
	return (-1);
}
