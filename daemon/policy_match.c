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
#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The words of a command against a rule's patterns: the glob, and the
 * three rules that keep a pattern from admitting more than it spells out
 * (an option, an empty word, a ".." part). Apart, the one function here
 * that reads the file system: resolving a program against rcmdd's own
 * Path.
 */

static int	policy_class(const char **, int);
static int	policy_dotdot(const char *, const char *);

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
		q = p;
		m = *p == '[' ? policy_class(&q, (u_char)*s) : -1;
		if (m != -1)
			;	/* a class: q is past it */
		else if (*p == '?') {
			m = *s != '/';
			q = p + 1;
		} else if (*p == '\\' && p[1] != '\0') {
			m = p[1] == *s;
			q = p + 2;
		} else {
			m = *p != '\0' && *p == *s;
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

/* Has s a ".." part (between slashes, or at either end)? */
int
policy_dotdot_part(const char *s)
{
	return (strstr(s, "..") != NULL && !policy_dotdot("", s));
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

/*
 * Is path a plain absolute path: from "/", with one "/" between names,
 * none last, and no "." or ".." name?
 */
int
policy_plain_path(const char *path)
{
	const char	*c;

	if (*path != '/')
		return (0);
	for (c = path; *c != '\0'; c++) {
		if (*c != '/')
			continue;
		if (c[1] == '/' || c[1] == '\0')
			return (0);
		if (c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
			return (0);
		if (c[1] == '.' && c[2] == '.' && (c[3] == '/' ||
		    c[3] == '\0'))
			return (0);
	}
	return (1);
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
	char		*copy, *p, *dir, candidate[PATH_MAX];

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
		if (!policy_plain_path(name)) {
			xasprintf(cause, "the program \"%s\" has an empty, . "
			    "or .. part, or ends in /: give its plain absolute "
			    "path", name);
			return (-1);
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
