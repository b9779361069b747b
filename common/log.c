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

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_NAME_MAX	32	/* of the "name: " prefix */
#define LOG_LINE_MAX	2048	/* a line's text, its NUL included */

/*
 * Logging for both programs. Each line is formatted whole and written with
 * one call, so lines from the loop, worker and audit threads never mix.
 * Nothing here changes errno.
 */

static void	log_vwrite(int, const char *, va_list)
		    __attribute__((__format__ (printf, 2, 0)));

static int	 log_foreground = 1;
static int	 log_tee;
static int	 log_verbose;
static const char *log_procname = "rcmd";

/* Start logging: to stderr when foreground is set, else to syslog. */
void
log_init(const char *procname, int foreground, int verbose)
{
	log_procname = procname;
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog(procname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

/*
 * While a daemon starts in the background, also copy warnings and fatal
 * errors to stderr, so that whoever started it sees why it failed.
 */
void
log_set_tee(int tee)
{
	log_tee = tee;
}

/* Change the verbosity, for the -v flags and a reloaded LogLevel. */
void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

/* Return the verbosity. */
int
log_getverbose(void)
{
	return (log_verbose);
}

/*
 * Write one formatted line at the given syslog priority: to syslog, or on
 * standard error as "name: line" in one write(2), formatted once (stdio
 * would format it again, under its lock, for no buffering: stderr has
 * none).
 */
static void
log_vwrite(int pri, const char *fmt, va_list ap)
{
	char	buf[LOG_NAME_MAX + 2 + LOG_LINE_MAX + 1];
	char	*line;
	size_t	pfx, len;
	int	saved_errno = errno, n;

	n = snprintf(buf, LOG_NAME_MAX + 3, "%s: ", log_procname);
	pfx = n < 0 ? 0 : (size_t)n > LOG_NAME_MAX + 2 ? LOG_NAME_MAX + 2 :
	    (size_t)n;
	line = buf + pfx;
	n = vsnprintf(line, LOG_LINE_MAX, fmt, ap);
	len = n < 0 ? 0 : (size_t)n >= LOG_LINE_MAX ? LOG_LINE_MAX - 1 :
	    (size_t)n;
	line[len] = '\0';
	if (!log_foreground)
		syslog(pri, "%s", line);
	line[len] = '\n';
	if ((log_foreground || (log_tee && pri <= LOG_WARNING)) &&
	    write(STDERR_FILENO, buf, pfx + len + 1) == -1) {
		/* Nowhere left to say so. */
	}
	errno = saved_errno;
}

/* Log a warning followed by strerror(errno). */
void
log_warn(const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;
	int	 saved_errno = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", buf, strerror(saved_errno));
	errno = saved_errno;
}

/* Log a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* Log an informational message. */
void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* Log a debugging message, shown only when verbose. */
void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/*
 * Log at LOG_CRIT: the daemon stops, or the audit log is found altered,
 * which its operator must see.
 */
void
log_crit(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap);
	va_end(ap);
}

/* Log a fatal error with strerror(errno) and exit. */
void
fatal(const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;
	int	 saved_errno = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (saved_errno != 0)
		log_crit("fatal: %s: %s", buf, strerror(saved_errno));
	else
		log_crit("fatal: %s", buf);
	exit(1);
}

/* Log a fatal error and exit. */
void
fatalx(const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	log_crit("fatal: %s", buf);
	exit(1);
}
