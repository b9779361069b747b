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

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "rcmd.h"
#include "xmalloc.h"

/*
 * Where a connection goes: a host and port as the user wrote them, looked
 * up, checked against plain TCP beyond loopback, and connected one address
 * after another without blocking; or a local Unix socket, unix:PATH. The
 * state machine in conn.c calls these; their causes are the messages rcmd
 * prints.
 */

#define CONN_KEEPIDLE		20	/* seconds of silence before probing */
#define CONN_KEEPINTVL		5
#define CONN_KEEPCNT		3

static void	conn_connect_cause(struct conn *, char **);
static int	conn_connected(struct conn *);

/*
 * Check that a port is a number from 1 to 65535. Return 0, or -1 with a
 * cause.
 */
int
conn_check_port(const char *port, char **cause)
{
	const char	*errstr;

	strtonum(port, 1, 65535, &errstr);
	if (errstr != NULL) {
		xasprintf(cause, "port \"%s\" is %s: give a number from 1 to "
		    "65535", port, errstr);
		return (-1);
	}
	return (0);
}

/*
 * Split a host into address and port: host:port and [v6]:port carry their
 * own; a bare name, a bare IPv6 address and unix:PATH take the default
 * port. Return 0 with both allocated, or -1 with a cause if the port is
 * not one.
 */
int
conn_split_host(const char *name, const char *port, char **addr,
    char **pport, char **cause)
{
	const char	*colon, *bracket;

	colon = strrchr(name, ':');
	bracket = strchr(name, ']');
	if (strncmp(name, RCMD_UNIX_PREFIX, strlen(RCMD_UNIX_PREFIX)) != 0 &&
	    colon != NULL && colon[1] != '\0' &&
	    ((name[0] == '[' && bracket != NULL && bracket + 1 == colon) ||
	    (name[0] != '[' && strchr(name, ':') == colon))) {
		if (conn_check_port(colon + 1, cause) != 0) {
			free(*cause);
			xasprintf(cause, "host %s: port \"%s\" is not a number "
			    "from 1 to 65535", name, colon + 1);
			return (-1);
		}
		*addr = xstrndup(name, colon - name);
		*pport = xstrdup(colon + 1);
		return (0);
	}
	*addr = xstrdup(name);
	*pport = xstrdup(port);
	return (0);
}

/*
 * Note the host (a bracketed IPv6 address loses its brackets) and port,
 * and look them up. Return 0 and the addresses, or -1 with a cause that
 * tells an unknown host from a failed lookup.
 */
int
conn_resolve(struct conn *c, const char *host, const char *port,
    struct addrinfo **res, char **cause)
{
	struct addrinfo	 hints;
	char		*name;
	size_t		 len;
	int		 rc;

	name = xstrdup(host);
	len = strlen(name);
	if (len > 2 && name[0] == '[' && name[len - 1] == ']') {
		memmove(name, name + 1, len - 2);
		name[len - 2] = '\0';
	}
	c->host = name;
	c->port = xstrdup(port);
	xasprintf(&c->where, "%s port %s", name, port);

	/*
	 * Take an address as it is first: that spares getaddrinfo the
	 * netlink query of AI_ADDRCONFIG (which only filters the addresses
	 * a name has) and the name service, at every start of rcmd.
	 */
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST;
	rc = getaddrinfo(name, port, &hints, res);
	if (rc == EAI_NONAME) {
		hints.ai_flags = AI_ADDRCONFIG;
		rc = getaddrinfo(name, port, &hints, res);
	}
	if (rc == 0)
		return (0);
	*res = NULL;
	c->error = rc == EAI_SYSTEM ? errno : 0;
	if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_FAIL)
		xasprintf(cause, "host %s not found: %s", host,
		    gai_strerror(rc));
	else
		xasprintf(cause, "cannot look up %s port %s: %s", host, port,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
	return (-1);
}

/*
 * Without TLS, every address of the host must be on loopback: rcmdd
 * accepts plain TCP there only, and commands and their output must not
 * cross the network in clear. Called before any connect. Return 0, or -1
 * (freeing the addresses) with a cause that says how to set up TLS.
 */
int
conn_check_plain(struct conn *c, const char *host, struct addrinfo **res,
    char **cause)
{
	struct addrinfo	*ai;
	char		 addr[NI_MAXHOST];

	for (ai = *res; ai != NULL; ai = ai->ai_next) {
		if (addr_is_loopback(ai->ai_addr))
			continue;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr,
		    sizeof addr, NULL, 0, NI_NUMERICHOST) != 0)
			strlcpy(addr, "?", sizeof addr);
		if (strcmp(addr, c->host) == 0)
			xasprintf(cause, "refusing plain TCP to %s: rcmdd "
			    "accepts plain TCP on loopback only, so commands "
			    "and their output never cross the network in "
			    "clear; set up TLS: give --cert, --key and --ca, "
			    "or put cert.pem, key.pem and ca.pem in "
			    "${XDG_CONFIG_HOME:-~/.config}/rcmd/ (--no-tls "
			    "is for a loopback rcmdd only)", addr);
		else
			xasprintf(cause, "refusing plain TCP to %s (%s): "
			    "rcmdd accepts plain TCP on loopback only, so "
			    "commands and their output never cross the "
			    "network in clear; set up TLS: give --cert, "
			    "--key and --ca, or put cert.pem, key.pem and "
			    "ca.pem in ${XDG_CONFIG_HOME:-~/.config}/rcmd/ "
			    "(--no-tls is for a loopback rcmdd only)", host,
			    addr);
		freeaddrinfo(*res);
		*res = NULL;
		c->plain = 1;
		return (-1);
	}
	return (0);
}

/*
 * Connect to the Unix socket of a host written unix:PATH. Return 0, or -1
 * with a cause that names the path.
 */
int
conn_open_unix(struct conn *c, const char *host, char **cause)
{
	struct sockaddr_un	 sun;
	const char		*path, *hint = "";

	path = host + strlen(RCMD_UNIX_PREFIX);
	c->host = xstrdup(host);
	c->port = xstrdup("");
	c->where = xstrdup(host);
	if (*path == '\0') {
		xasprintf(cause, "%s names no socket: write the path after "
		    "it, as in unix:/run/rcmdd/rcmdd.sock", host);
		return (-1);
	}
	if (addr_unix(&sun, path) != 0) {
		xasprintf(cause, "cannot connect to %s: the path is too long "
		    "for a socket (at most %zu bytes)", host, addr_unix_max());
		return (-1);
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	/* A local connect does not wait: it succeeds or fails at once. */
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		/* Fan-out's summary gives it as the reason. */
		c->error = errno;
		if (errno == ENOENT || errno == ECONNREFUSED ||
		    errno == ENOTSOCK)
			hint = " (is rcmdd's ListenSocket there?)";
		else if (errno == EACCES)
			hint = " (do rcmdd's ListenSocketMode and "
			    "ListenSocketGroup let this user in?)";
		else if (errno == EAGAIN)
			hint = " (rcmdd is not accepting connections fast "
			    "enough: try again)";
		xasprintf(cause, "cannot connect to %s: %s%s", host,
		    strerror(errno), hint);
		close(c->fd);
		c->fd = -1;
		return (-1);
	}
	return (0);
}

/*
 * Start a non-blocking connect to the next address of the host; c->attempt
 * counts them. Return 1 if it is connected already, 0 if it is under way,
 * or -1 with a cause when no address is left.
 */
int
conn_connect_next(struct conn *c, char **cause)
{
	struct addrinfo	*ai;

	while ((ai = c->ai_next) != NULL) {
		c->ai_next = ai->ai_next;
		c->attempt++;
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (c->fd == -1) {
			c->error = errno;
			continue;
		}
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return (conn_connected(c));
		if (errno == EINPROGRESS)
			return (0);
		c->error = errno;
		close(c->fd);
		c->fd = -1;
	}
	conn_connect_cause(c, cause);
	return (-1);
}

/*
 * Take a connect that poll(2) says is over: return 1 if it succeeded, or
 * go on to the next address as conn_connect_next does.
 */
int
conn_connect_done(struct conn *c, char **cause)
{
	socklen_t	len = sizeof c->error;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &c->error, &len) == -1)
		c->error = errno;
	if (c->error == 0)
		return (conn_connected(c));
	close(c->fd);
	c->fd = -1;
	return (conn_connect_next(c, cause));
}

/*
 * Give up on an address that did not answer within the connect timeout,
 * and go on to the next one as conn_connect_next does.
 */
int
conn_connect_expire(struct conn *c, char **cause)
{
	close(c->fd);
	c->fd = -1;
	c->error = ETIMEDOUT;
	return (conn_connect_next(c, cause));
}

/* Say why connecting failed, from the errno in c->error. */
static void
conn_connect_cause(struct conn *c, char **cause)
{
	if (c->error == ETIMEDOUT)
		xasprintf(cause, "connecting to %s port %s timed out after "
		    "%d s", c->host, c->port, c->connect_ms / 1000);
	else if (c->error == ECONNREFUSED)
		xasprintf(cause, "cannot connect to %s port %s: connection "
		    "refused (is rcmdd running there, on that port?)", c->host,
		    c->port);
	else
		xasprintf(cause, "cannot connect to %s port %s: %s", c->host,
		    c->port, strerror(c->error));
}

/*
 * Set up a socket that has just connected and forget the other addresses.
 * Frames are small and each waits for an answer, so Nagle's delay goes.
 * Keepalive gives up on a host that stops answering, even while its
 * command is silent: TCP probes it after CONN_KEEPIDLE seconds without
 * traffic, and the connection fails after CONN_KEEPCNT probes go
 * unanswered, about 35 seconds in all. A host that is alive answers them
 * from its kernel. Return 1.
 */
static int
conn_connected(struct conn *c)
{
	int	on = 1, idle = CONN_KEEPIDLE, intvl = CONN_KEEPINTVL;
	int	cnt = CONN_KEEPCNT;

	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
	freeaddrinfo(c->ai_list);
	c->ai_list = c->ai_next = NULL;
	return (1);
}
