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
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "addr.h"
#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Listening sockets. Each listen address may resolve to several sockets
 * (IPv4 and IPv6); plain TCP is refused on anything but loopback, so with
 * TLS configured every TCP listener speaks TLS. ListenSocket adds a Unix
 * socket, whose peers are known by their uid. When the process runs out
 * of descriptors, accepting pauses for a second rather than spinning.
 */

/*
 * A burst of connections (a fleet's fan-out, a thousand clients at once)
 * must not overflow the accept queue, or each connection past it waits a
 * second for TCP to retry its SYN. The kernel caps this at
 * net.core.somaxconn (4096 by default since Linux 5.4).
 */
#define LISTEN_BACKLOG		4096
#define LISTEN_PAUSE_SEC	1

/*
 * A client whose host vanishes (a crash, a cable) sends no FIN: TCP
 * probes a silent connection after LISTEN_KEEPIDLE seconds and drops it
 * after LISTEN_KEEPCNT unanswered probes, about two minutes in all, so
 * that its command is stopped and its row says disconnected.
 */
#define LISTEN_KEEPIDLE		60
#define LISTEN_KEEPINTVL	10
#define LISTEN_KEEPCNT		6

struct listener {
	struct evconnlistener	*lev;
	int			 port;
	int			 kind;		/* SESSION_TCP, _TLS, _UNIX */
};

static void	listen_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	listen_error_cb(struct evconnlistener *, void *);
static void	listen_resume_cb(int, short, void *);
static int	listen_one(const struct addrinfo *, const char *, char **);
static int	listen_unix(const struct config *, char **);
static int	listen_unix_check(const struct config *, struct sockaddr_un *,
		    gid_t *, char **);
static int	listen_add(int, int, int, const char *, char **);

static struct listener	 listen_list[RCMDD_MAX_LISTEN * 4];
static u_int		 listen_number;
static struct event	*listen_pause_ev;
static char		*listen_unix_path;

/*
 * Resolve every listen address of conf and check it, binding it unless
 * bind is 0 (for rcmdd -t). Return -1 with a cause on the first failure.
 */
static int
listen_resolve(struct config *conf, int bind, char **cause)
{
	struct addrinfo	 hints, *res, *ai;
	const char	*addr;
	char		 host[NI_MAXHOST];
	u_int		 i, n;
	int		 error;

	n = conf->nlisten == 0 ? 1 : conf->nlisten;
	for (i = 0; i < n; i++) {
		addr = conf->nlisten == 0 ? "127.0.0.1" : conf->listen[i];
		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		error = getaddrinfo(addr, conf->port, &hints, &res);
		if (error != 0) {
			xasprintf(cause, "listen address %s port %s: %s", addr,
			    conf->port, gai_strerror(error));
			return (-1);
		}
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host,
			    sizeof host, NULL, 0, NI_NUMERICHOST) != 0)
				strlcpy(host, addr, sizeof host);
			if (!addr_is_loopback(ai->ai_addr) &&
			    conf->tls_cert == NULL) {
				xasprintf(cause, "refusing to listen on %s "
				    "(from \"%s\"): plain TCP is allowed on "
				    "loopback addresses only (127.0.0.0/8, "
				    "::1), because commands and their output "
				    "would cross the network unauthenticated "
				    "and in clear; configure TLSCertificate, "
				    "TLSKey and TLSClientCA to listen beyond "
				    "loopback", host, addr);
				freeaddrinfo(res);
				return (-1);
			}
			if (bind && listen_one(ai, host, cause) != 0) {
				freeaddrinfo(res);
				return (-1);
			}
		}
		freeaddrinfo(res);
	}
	return (0);
}

/* Check the listen addresses without binding them. */
int
listen_check(struct config *conf, char **cause)
{
	struct sockaddr_un	sun;
	gid_t			gid;

	if (listen_resolve(conf, 0, cause) != 0)
		return (-1);
	if (conf->socket_path != NULL &&
	    listen_unix_check(conf, &sun, &gid, cause) != 0)
		return (-1);
	return (0);
}

/* Open every listener. Return -1 with a cause if one fails. */
int
listen_start(struct config *conf, char **cause)
{
	if (listen_resolve(conf, 1, cause) != 0)
		return (-1);
	if (conf->socket_path != NULL && listen_unix(conf, cause) != 0)
		return (-1);
	listen_pause_ev = evtimer_new(server_base, listen_resume_cb, NULL);
	if (listen_pause_ev == NULL)
		fatalx("evtimer_new");
	return (0);
}

/*
 * Bind and listen on one resolved address. A v4-mapped IPv6 address
 * (::ffff:127.0.0.1) cannot be bound by an IPv6-only socket: it is bound
 * as the IPv4 address it stands for, as rcmdd -t takes it.
 */
static int
listen_one(const struct addrinfo *ai, const char *host, char **cause)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	 sin;
	struct addrinfo		 mapped;
	const struct sockaddr_in6 *sin6;
	socklen_t		 sslen = sizeof ss;
	int			 fd, on = 1, port;

	sin6 = (const struct sockaddr_in6 *)ai->ai_addr;
	if (ai->ai_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_port = sin6->sin6_port;
		memcpy(&sin.sin_addr, &sin6->sin6_addr.s6_addr[12],
		    sizeof sin.sin_addr);
		mapped = *ai;
		mapped.ai_family = AF_INET;
		mapped.ai_addr = (struct sockaddr *)&sin;
		mapped.ai_addrlen = sizeof sin;
		ai = &mapped;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1) {
		xasprintf(cause, "socket for %s: %s", host, strerror(errno));
		return (-1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		xasprintf(cause, "cannot bind %s port %s: %s", host,
		    server_conf->port, strerror(errno));
		close(fd);
		return (-1);
	}
	if (listen(fd, LISTEN_BACKLOG) == -1) {
		xasprintf(cause, "cannot listen on %s: %s", host,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	port = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0)
		port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	if (listen_add(fd, tls_enabled() ? SESSION_TLS : SESSION_TCP, port,
	    host, cause) != 0)
		return (-1);
	log_info("listening on %s port %d%s", host, port,
	    tls_enabled() ? " (TLS 1.3, client certificates required)" : "");
	return (0);
}

/* Hand a listening socket to libevent. */
static int
listen_add(int fd, int kind, int port, const char *what, char **cause)
{
	struct listener	*l;

	if (listen_number == sizeof listen_list / sizeof listen_list[0]) {
		xasprintf(cause, "too many listening sockets");
		close(fd);
		return (-1);
	}
	/* Backlog 0: the socket listens already, with LISTEN_BACKLOG. */
	l = &listen_list[listen_number];
	l->port = port;
	l->kind = kind;
	l->lev = evconnlistener_new(server_base, listen_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (l->lev == NULL) {
		xasprintf(cause, "cannot create a listener for %s", what);
		close(fd);
		return (-1);
	}
	evconnlistener_set_error_cb(l->lev, listen_error_cb);
	listen_number++;
	return (0);
}

/*
 * Check ListenSocket and ListenSocketGroup: fill the socket's address and
 * the group's id ((gid_t)-1 for none), or return -1 with a cause.
 */
static int
listen_unix_check(const struct config *conf, struct sockaddr_un *sun,
    gid_t *gid, char **cause)
{
	struct group	*gr;
	const char	*path = conf->socket_path;

	if (path[0] != '/' || addr_unix(sun, path) != 0) {
		xasprintf(cause, "ListenSocket %s: give an absolute path of "
		    "at most %zu bytes", path, addr_unix_max());
		return (-1);
	}
	*gid = (gid_t)-1;
	if (conf->socket_group != NULL) {
		if ((gr = getgrnam(conf->socket_group)) == NULL) {
			xasprintf(cause, "ListenSocketGroup %s: no such group",
			    conf->socket_group);
			return (-1);
		}
		*gid = gr->gr_gid;
	}
	return (0);
}

/*
 * Listen on the Unix socket ListenSocket names, with ListenSocketMode and
 * ListenSocketGroup. A socket left by an earlier run is replaced; any
 * other file in the way is an error.
 */
static int
listen_unix(const struct config *conf, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	const char		*path = conf->socket_path;
	gid_t			 gid;
	mode_t			 old;
	int			 fd;

	if (listen_unix_check(conf, &sun, &gid, cause) != 0)
		return (-1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			xasprintf(cause, "ListenSocket %s exists and is not a "
			    "socket: remove it or pick another path", path);
			return (-1);
		}
		if (unlink(path) == -1) {
			xasprintf(cause, "cannot remove the old socket %s: %s",
			    path, strerror(errno));
			return (-1);
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		xasprintf(cause, "socket for %s: %s", path, strerror(errno));
		return (-1);
	}
	/* Nobody may connect before the mode and group are right. */
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(old);
		xasprintf(cause, "cannot bind ListenSocket %s: %s (does its "
		    "folder exist?)", path, strerror(errno));
		close(fd);
		return (-1);
	}
	umask(old);
	if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) == -1) ||
	    chmod(path, conf->socket_mode) == -1) {
		xasprintf(cause, "cannot set the owner or mode of %s: %s",
		    path, strerror(errno));
		close(fd);
		unlink(path);
		return (-1);
	}
	if (listen(fd, LISTEN_BACKLOG) == -1) {
		xasprintf(cause, "cannot listen on %s: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return (-1);
	}
	if (listen_add(fd, SESSION_UNIX, -1, path, cause) != 0) {
		unlink(path);
		return (-1);
	}
	listen_unix_path = xstrdup(path);
	log_info("listening on %s (mode %04o%s%s)", path, conf->socket_mode,
	    conf->socket_group != NULL ? ", group " : "",
	    conf->socket_group != NULL ? conf->socket_group : "");
	return (0);
}

/* A connection arrived. Loop thread. */
static void
listen_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener	*l = arg;
	int		 on = 1, idle = LISTEN_KEEPIDLE;
	int		 intvl = LISTEN_KEEPINTVL, cnt = LISTEN_KEEPCNT;

	(void)lev;
	if (l->kind != SESSION_UNIX && (setsockopt(fd, IPPROTO_TCP,
	    TCP_NODELAY, &on, sizeof on) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
	    sizeof idle) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl,
	    sizeof intvl) == -1 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) == -1))
		log_warn("setsockopt on an accepted connection");
	evutil_make_socket_nonblocking(fd);
	session_new(fd, sa, (socklen_t)salen, l->kind);
}

/*
 * accept failed. libevent retries EINTR, EAGAIN and ECONNABORTED itself;
 * out of descriptors, pause every listener for a second; anything else is
 * a bug.
 */
static void
listen_error_cb(struct evconnlistener *lev, void *arg)
{
	struct timeval	tv = { LISTEN_PAUSE_SEC, 0 };
	u_int		i;
	int		error;

	error = EVUTIL_SOCKET_ERROR();
	(void)lev;
	(void)arg;
	if (error == EMFILE || error == ENFILE) {
		log_warnx("accept: %s; pausing new connections for %d s",
		    strerror(error), LISTEN_PAUSE_SEC);
		for (i = 0; i < listen_number; i++)
			evconnlistener_disable(listen_list[i].lev);
		evtimer_add(listen_pause_ev, &tv);
		return;
	}
	errno = error;
	fatal("accept");
}

/* Resume accepting after a pause. */
static void
listen_resume_cb(int fd, short events, void *arg)
{
	u_int	i;

	(void)fd;
	(void)events;
	(void)arg;
	for (i = 0; i < listen_number; i++)
		evconnlistener_enable(listen_list[i].lev);
}

/* Close every listener, when shutting down. */
void
listen_stop(void)
{
	u_int	i;

	for (i = 0; i < listen_number; i++)
		evconnlistener_free(listen_list[i].lev);
	listen_number = 0;
	if (listen_unix_path != NULL) {
		unlink(listen_unix_path);
		free(listen_unix_path);
		listen_unix_path = NULL;
	}
	if (listen_pause_ev != NULL) {
		event_free(listen_pause_ev);
		listen_pause_ev = NULL;
	}
}

/* Return the port of the first TCP listener, for PortFile. */
int
listen_port(void)
{
	u_int	i;

	for (i = 0; i < listen_number; i++) {
		if (listen_list[i].kind != SESSION_UNIX)
			return (listen_list[i].port);
	}
	return (-1);
}
