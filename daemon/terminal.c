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
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <utmpx.h>

#include "log.h"
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

/*
 * A terminal's login records, as login(1) and sshd write them: a
 * USER_PROCESS entry in utmp while the session lasts (who(1), w(1)) and
 * the same line appended to wtmp, then a DEAD_PROCESS for its end in
 * both (last(1)). A file that is "none", or does not exist, gets nothing,
 * as login(1) leaves a missing wtmp alone. The utmp functions keep their
 * file name and position for the whole process: one lock around them.
 * The privileged part, on a command's thread.
 */
static pthread_mutex_t	terminal_utmp_lock = PTHREAD_MUTEX_INITIALIZER;

static void	terminal_utmp_entry(struct utmpx *, short, const char *,
		    pid_t);
static void	terminal_utmp_write(const char *, const char *,
		    const struct utmpx *);
static void	terminal_utmp_field(char *, size_t, const char *);

/*
 * Record the login of user from host (its address; "" for a local
 * socket) on the terminal whose master is master, its session led by pid.
 * Its line (pts/N) goes to line, for terminal_logout; "" if it has none.
 */
void
terminal_login(const char *utmp, const char *wtmp, int master, pid_t pid,
    const char *user, const char *host, char *line, size_t linesize)
{
	struct utmpx	 ut;
	char		 name[128];

	line[0] = '\0';
	if (ptsname_r(master, name, sizeof name) != 0)
		return;
	strlcpy(line, strncmp(name, "/dev/", 5) == 0 ? name + 5 : name,
	    linesize);
	terminal_utmp_entry(&ut, USER_PROCESS, line, pid);
	terminal_utmp_field(ut.ut_user, sizeof ut.ut_user, user);
	terminal_utmp_field(ut.ut_host, sizeof ut.ut_host, host);
	if (inet_pton(AF_INET, host, &ut.ut_addr_v6[0]) != 1 &&
	    inet_pton(AF_INET6, host, ut.ut_addr_v6) != 1)
		memset(ut.ut_addr_v6, 0, sizeof ut.ut_addr_v6);
	terminal_utmp_write(utmp, wtmp, &ut);
}

/* Record the end of the login that terminal_login recorded on line. */
void
terminal_logout(const char *utmp, const char *wtmp, const char *line,
    pid_t pid)
{
	struct utmpx	ut;

	if (line[0] == '\0')
		return;
	terminal_utmp_entry(&ut, DEAD_PROCESS, line, pid);
	terminal_utmp_write(utmp, wtmp, &ut);
}

/* An entry of type for line and the session led by pid, dated now. */
static void
terminal_utmp_entry(struct utmpx *ut, short type, const char *line,
    pid_t pid)
{
	struct timeval	tv;
	size_t		len = strlen(line);

	memset(ut, 0, sizeof *ut);
	ut->ut_type = type;
	ut->ut_pid = pid;
	ut->ut_session = pid;
	terminal_utmp_field(ut->ut_line, sizeof ut->ut_line, line);
	/* Its id: the line's last four bytes (pts/12 is "s/12"), as sshd. */
	terminal_utmp_field(ut->ut_id, sizeof ut->ut_id,
	    len > sizeof ut->ut_id ? line + len - sizeof ut->ut_id : line);
	gettimeofday(&tv, NULL);
	ut->ut_tv.tv_sec = (int32_t)tv.tv_sec;
	ut->ut_tv.tv_usec = (int32_t)tv.tv_usec;
}

/* Write an entry to utmp (in its place) and append it to wtmp. */
static void
terminal_utmp_write(const char *utmp, const char *wtmp,
    const struct utmpx *ut)
{
	off_t	size = 0;
	ssize_t	n = -1;
	int	fd = -1;

	pthread_mutex_lock(&terminal_utmp_lock);
	if (strcmp(utmp, "none") != 0 && access(utmp, F_OK) == 0) {
		if (utmpxname(utmp) == -1)
			log_warn("cannot record a terminal's login in %s; "
			    "fix it, or set SessionUtmp none", utmp);
		else {
			setutxent();
			if (pututxline(ut) == NULL)
				log_warn("cannot record a terminal's login in "
				    "%s; fix it, or set SessionUtmp none", utmp);
			endutxent();
		}
	}
	/*
	 * Appended whole, as updwtmpx does (which says nothing of an error):
	 * a part of a record is cut off again.
	 */
	if (strcmp(wtmp, "none") != 0 && access(wtmp, F_OK) == 0) {
		if ((fd = open(wtmp, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1 ||
		    (size = lseek(fd, 0, SEEK_END)) == -1 ||
		    (n = write(fd, ut, sizeof *ut)) != (ssize_t)sizeof *ut) {
			if (n >= 0)
				errno = ENOSPC;
			log_warn("cannot record a terminal's login in %s; "
			    "fix it, or set SessionWtmp none", wtmp);
			if (n > 0 && ftruncate(fd, size) == -1)
				log_warn("%s: cannot cut off a part record",
				    wtmp);
		}
		if (fd != -1)
			close(fd);
	}
	pthread_mutex_unlock(&terminal_utmp_lock);
}

/* Copy a string into a utmp field, cut to it, NUL-padded. */
static void
terminal_utmp_field(char *field, size_t size, const char *s)
{
	size_t	len = strnlen(s, size);

	memset(field, 0, size);
	memcpy(field, s, len);
}
