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
#include <sys/fsuid.h>
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "rcmdd.h"
#include "xmalloc.h"

/*
 * A terminal (rcmd --tty): how the record names it, "TERM ROWSxCOLUMNS"
 * as it was when the command started, and the pseudo-terminal the
 * privileged part opens for it and resizes.
 */

static int	terminal_term_ok(const char *, size_t);

/* Whether a TERM name is letters, digits and . _ + -, 1 to RUN_MAX_TERM. */
static int
terminal_term_ok(const char *term, size_t len)
{
	size_t	i;
	char	c;

	if (len == 0 || len > RUN_MAX_TERM)
		return (0);
	for (i = 0; i < len; i++) {
		c = term[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '+' || c == '-'))
			return (0);
	}
	return (1);
}

/* The record's text for a terminal: TERM (len bytes), rows and columns. */
char *
terminal_text(const char *term, size_t len, u_int rows, u_int cols)
{
	char	*s;

	xasprintf(&s, "%.*s %ux%u", (int)len, term, rows, cols);
	return (s);
}

/*
 * Read a record's terminal text back: TERM into term (if not NULL, of
 * size termsize), rows and columns (1 to 65535). Return 0, or -1 if it is
 * not such a text.
 */
int
terminal_parse(const char *s, char *term, size_t termsize, u_int *rows,
    u_int *cols)
{
	const char	*sp, *x;
	char		*end;
	unsigned long	 r, c;

	if ((sp = strchr(s, ' ')) == NULL || !terminal_term_ok(s,
	    (size_t)(sp - s)))
		return (-1);
	if (sp[1] < '1' || sp[1] > '9' || (x = strchr(sp, 'x')) == NULL ||
	    x[1] < '1' || x[1] > '9')
		return (-1);
	errno = 0;
	r = strtoul(sp + 1, &end, 10);
	if (end != x || errno != 0 || r > UINT16_MAX)
		return (-1);
	c = strtoul(x + 1, &end, 10);
	if (*end != '\0' || errno != 0 || c > UINT16_MAX)
		return (-1);
	if (term != NULL) {
		if ((size_t)(sp - s) >= termsize)
			return (-1);
		memcpy(term, s, sp - s);
		term[sp - s] = '\0';
	}
	if (rows != NULL)
		*rows = (u_int)r;
	if (cols != NULL)
		*cols = (u_int)c;
	return (0);
}

/*
 * Open a pseudo-terminal of rows and columns for the user owner ((uid_t)-1:
 * rcmdd's own): its master in *master and its slave in *slave, both
 * close-on-exec and neither a controlling terminal of rcmdd. Return 0, or
 * -1 with the reason in cause. The privileged part, on a command's thread.
 *
 * The slave belongs to the user, as sshd makes it, so that a program that
 * opens it by name (ttyname) gets in: devpts gives a new terminal the
 * file system uid of whoever opens the master, so this thread takes the
 * user's for the two opens (setfsuid is the thread's alone, and needs
 * only the CAP_SETUID the privileged part keeps, where a chown would need
 * CAP_CHOWN).
 */
int
terminal_open(uid_t owner, u_int rows, u_int cols, int *master, int *slave,
    char **cause)
{
	const char	*what = NULL;
	char		 name[128];
	int		 m, s = -1, error = 0, old = -1;

	*master = *slave = -1;
	name[0] = '\0';
	if (owner != (uid_t)-1)
		old = setfsuid(owner);
	if ((m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		what = "open a pseudo-terminal";
	else if (grantpt(m) != 0 || unlockpt(m) != 0 ||
	    (errno = ptsname_r(m, name, sizeof name)) != 0)
		what = "set up a pseudo-terminal";
	else if ((s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		what = "open its terminal";
	else if (terminal_resize(m, rows, cols) != 0)
		what = "size its terminal";
	if (what != NULL)
		error = errno;
	if (old != -1)
		setfsuid((uid_t)old);
	if (what != NULL) {
		xasprintf(cause, "cannot %s%s%s: %s", what, name[0] != '\0' ?
		    " " : "", name, strerror(error));
		if (m != -1)
			close(m);
		if (s != -1)
			close(s);
		errno = error;
		return (-1);
	}
	*master = m;
	*slave = s;
	return (0);
}

/* Set a terminal's window size (the foreground group gets SIGWINCH). */
int
terminal_resize(int fd, u_int rows, u_int cols)
{
	struct winsize	ws;

	memset(&ws, 0, sizeof ws);
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	return (ioctl(fd, TIOCSWINSZ, &ws));
}
