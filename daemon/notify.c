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
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "rcmdd.h"

/*
 * Telling systemd how rcmdd is (Type=notify): READY=1 once every listener
 * is bound and the database is open, RELOADING=1 and READY=1 around a
 * reload, STOPPING=1 on shutdown, and a STATUS= line. This is the
 * documented datagram protocol of sd_notify(3): one datagram to the
 * AF_UNIX socket named by $NOTIFY_SOCKET, a leading '@' meaning the
 * abstract namespace. It is written here rather than linked from
 * libsystemd so that a daemon that starts as root carries no library it
 * does not need. Without NOTIFY_SOCKET nothing is sent. Loop thread only.
 */

#define NOTIFY_STATUS_SECONDS	5

static void	notify_status_cb(int, short, void *);

static int			 notify_fd = -1;
static struct sockaddr_un	 notify_addr;
static socklen_t		 notify_len;
static struct event		*notify_status_ev;

/*
 * Open the socket to systemd if $NOTIFY_SOCKET names one, and remove the
 * variable, so that nothing rcmdd starts sees it.
 */
void
notify_open(void)
{
	const char	*path;
	size_t		 len;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') ||
	    len >= sizeof notify_addr.sun_path) {
		log_warnx("NOTIFY_SOCKET \"%s\" is not a socket path: systemd "
		    "will not hear that rcmdd is ready", path);
		unsetenv("NOTIFY_SOCKET");
		return;
	}
	memset(&notify_addr, 0, sizeof notify_addr);
	notify_addr.sun_family = AF_UNIX;
	memcpy(notify_addr.sun_path, path, len);
	if (path[0] == '@')
		notify_addr.sun_path[0] = '\0';
	notify_len = offsetof(struct sockaddr_un, sun_path) + len;
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd == -1)
		log_warn("NOTIFY_SOCKET: socket");
	unsetenv("NOTIFY_SOCKET");
}

/* Send one notification, a printf format; best effort. */
void
notify_send(const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];
	int	 n;

	if (notify_fd == -1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof msg)
		n = sizeof msg - 1;
	if (sendto(notify_fd, msg, n, MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_addr, notify_len) == -1)
		log_debug("NOTIFY_SOCKET: sendto: %s", strerror(errno));
}

/* Close the socket to systemd. */
void
notify_close(void)
{
	if (notify_status_ev != NULL) {
		event_free(notify_status_ev);
		notify_status_ev = NULL;
	}
	if (notify_fd != -1) {
		close(notify_fd);
		notify_fd = -1;
	}
}

/*
 * Keep systemd's STATUS= line current: every few seconds, when it would
 * change. Loop thread.
 */
static void
notify_status_cb(int fd, short events, void *arg)
{
	static char	 last[256];
	char		*status;

	(void)fd;
	(void)events;
	(void)arg;
	/* The network part's counters, for the next line. */
	if (events != 0)
		privsep_stats_request();
	status = metrics_status_line();
	if (strcmp(status, last) != 0) {
		strlcpy(last, status, sizeof last);
		notify_send("STATUS=%s", status);
	}
	free(status);
}

/* Say rcmdd is ready, and keep its STATUS= line current from now on. */
void
notify_ready(struct event_base *base)
{
	struct timeval	tv = { NOTIFY_STATUS_SECONDS, 0 };

	if (notify_fd == -1)
		return;
	notify_send("READY=1\nMAINPID=%ld", (long)getpid());
	notify_status_cb(-1, 0, NULL);
	if (notify_status_ev != NULL)
		return;
	notify_status_ev = event_new(base, -1, EV_PERSIST, notify_status_cb,
	    NULL);
	if (notify_status_ev == NULL || event_add(notify_status_ev, &tv) != 0)
		fatalx("cannot add the status timer");
}
