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
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "addr.h"
#include "rcmd.h"
#include "xmalloc.h"

/*
 * The client's side of the protocol: connect over TCP, TLS or a local Unix
 * socket, say HELLO, run one command at a time, moving stdin to the server
 * and output to the local streams as it arrives. The socket is always
 * non-blocking and waited on with poll(2); tls.c adds TLS on top of it.
 */

#define CONN_READ_SIZE		65536
#define CONN_RECV_SIZE		(256 * 1024)
#define CONN_OUT_MAX		(256 * 1024)
#define CONN_HELLO_TIMEOUT_MS	10000
#define CONN_GIVE_UP		3
#define CONN_KEEPIDLE		20	/* seconds of silence before probing */
#define CONN_KEEPINTVL		5
#define CONN_KEEPCNT		3

static void	rbuf_add(struct rbuf *, const void *, size_t);
static uint8_t	*rbuf_space(struct rbuf *, size_t);
static void	rbuf_drain(struct rbuf *, size_t);
static int	conn_connect_one(const struct addrinfo *, int, int *);
static void	conn_keepalive(int);
static int	conn_resolve(struct conn *, const char *, const char *,
		    struct addrinfo **, char **);
static int	conn_check_plain(struct conn *, const char *,
		    struct addrinfo **, char **);
static int	conn_open_unix(struct conn *, const char *, char **);
static void	conn_connect_cause(struct conn *, int, char **);
static int	conn_connect_next(struct conn *, char **);
static void	conn_hello_send(struct conn *);
static int	conn_hello_reply(struct conn *, const struct frame *,
		    char **);
static void	conn_closed_cause(struct conn *, char **);
static int	conn_flush(struct conn *, char **);
static int	conn_fill(struct conn *, char **);
static void	conn_not_rcmdd(struct conn *, char **);
static int	conn_next_frame(struct conn *, struct frame *, size_t *,
		    char **);
static void	conn_send(struct conn *, uint8_t, const void *, size_t);
static int	write_all(int, const uint8_t *, size_t);
static uint64_t	now_ms(void);

/* Append bytes to a buffer. */
static void
rbuf_add(struct rbuf *b, const void *data, size_t len)
{
	if (len == 0)
		return;
	memcpy(rbuf_space(b, len), data, len);
	b->len += len;
}

/*
 * Make room for len more bytes at the end of a buffer and return where
 * they go; the caller adds what it wrote there to b->len.
 */
static uint8_t *
rbuf_space(struct rbuf *b, size_t len)
{
	if (b->off != 0 && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + len > b->size) {
		if (b->off != 0) {
			memmove(b->data, b->data + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		if (b->len + len > b->size) {
			b->size = b->len + len + 4096;
			b->data = xreallocarray(b->data, 1, b->size);
		}
	}
	return (b->data + b->len);
}

/* Drop bytes from the front of a buffer. */
static void
rbuf_drain(struct rbuf *b, size_t len)
{
	b->off += len;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

/* Connect one address with a deadline. Return the socket, or -1. */
static int
conn_connect_one(const struct addrinfo *ai, int timeout_ms, int *error)
{
	struct pollfd	pfd;
	socklen_t	len = sizeof *error;
	int		fd, on = 1, rc;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1) {
		*error = errno;
		return (-1);
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS) {
			*error = errno;
			close(fd);
			return (-1);
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		do
			rc = poll(&pfd, 1, timeout_ms);
		while (rc == -1 && errno == EINTR);
		if (rc == 0) {
			*error = ETIMEDOUT;
			close(fd);
			return (-1);
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, error, &len) == -1)
			*error = errno;
		if (*error != 0) {
			close(fd);
			return (-1);
		}
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	conn_keepalive(fd);
	return (fd);
}

/*
 * Give up on a host that stops answering, even while its command is
 * silent: TCP probes it after CONN_KEEPIDLE seconds without traffic, and
 * the connection fails after CONN_KEEPCNT probes go unanswered, about 35
 * seconds in all. A host that is alive answers them from its kernel.
 */
static void
conn_keepalive(int fd)
{
	int	on = 1, idle = CONN_KEEPIDLE, intvl = CONN_KEEPINTVL;
	int	cnt = CONN_KEEPCNT;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

/*
 * Connect to the Unix socket of a host written unix:PATH. Return 0, or -1
 * with a cause that names the path.
 */
static int
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
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof sun.sun_path) >=
	    sizeof sun.sun_path) {
		xasprintf(cause, "cannot connect to %s: the path is too long "
		    "for a socket (at most %zu bytes)", host,
		    sizeof sun.sun_path - 1);
		return (-1);
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	/* A local connect does not wait: it succeeds or fails at once. */
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
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
 * Note the host (a bracketed IPv6 address loses its brackets) and port,
 * and look them up. Return 0 and the addresses, or -1 with a cause that
 * tells an unknown host from a failed lookup.
 */
static int
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
static int
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
 * Connect to host and port, trying each address in turn, and start TLS
 * over it if tc is not NULL. A host written unix:PATH is a local socket,
 * without TLS, and port does not apply. Return 0, or -1 with a cause that
 * says what failed.
 */
int
conn_open(struct conn *c, const char *host, const char *port,
    struct tls_config *tc, int timeout_ms, char **cause)
{
	struct addrinfo	*res, *ai;
	int		 error = 0;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->sigfd = -1;
	if (strncmp(host, RCMD_UNIX_PREFIX, strlen(RCMD_UNIX_PREFIX)) == 0)
		return (conn_open_unix(c, host, cause));
	if (conn_resolve(c, host, port, &res, cause) != 0)
		return (-1);
	if (tc == NULL && conn_check_plain(c, host, &res, cause) != 0)
		return (-1);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		c->fd = conn_connect_one(ai, timeout_ms, &error);
		if (c->fd != -1)
			break;
	}
	freeaddrinfo(res);
	if (c->fd == -1) {
		c->error = error;
		conn_connect_cause(c, timeout_ms, cause);
		return (-1);
	}
	if (tc != NULL) {
		c->tls = tls_connect(tc, c->fd, c->host, c->port, timeout_ms,
		    cause);
		if (c->tls == NULL)
			return (-1);
	}
	return (0);
}

/* Say why connecting failed, from the errno in c->error. */
static void
conn_connect_cause(struct conn *c, int timeout_ms, char **cause)
{
	if (c->error == ETIMEDOUT)
		xasprintf(cause, "connecting to %s port %s timed out after "
		    "%d s", c->host, c->port, timeout_ms / 1000);
	else if (c->error == ECONNREFUSED)
		xasprintf(cause, "cannot connect to %s port %s: connection "
		    "refused (is rcmdd running there, on that port?)", c->host,
		    c->port);
	else
		xasprintf(cause, "cannot connect to %s port %s: %s", c->host,
		    c->port, strerror(c->error));
}

/*
 * Start a non-blocking connect to the next address of the host. Return 1
 * if it is connected already, 0 if it is under way, or -1 with a cause
 * when no address is left.
 */
static int
conn_connect_next(struct conn *c, char **cause)
{
	struct addrinfo	*ai;

	while ((ai = c->ai_next) != NULL) {
		c->ai_next = ai->ai_next;
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (c->fd == -1) {
			c->error = errno;
			continue;
		}
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return (1);
		if (errno == EINPROGRESS)
			return (0);
		c->error = errno;
		close(c->fd);
		c->fd = -1;
	}
	conn_connect_cause(c, 0, cause);
	return (-1);
}

/*
 * Start connecting to host and port without waiting: conn_step takes it
 * on, through TLS if tc is not NULL, and HELLO, to CONN_READY. Return 0,
 * or -1 with a cause if the host cannot be looked up or connected to.
 */
int
conn_start(struct conn *c, const char *host, const char *port,
    struct tls_config *tc, char **cause)
{
	int		 rc;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->sigfd = -1;
	c->tc = tc;
	if (strncmp(host, RCMD_UNIX_PREFIX, strlen(RCMD_UNIX_PREFIX)) == 0) {
		if (conn_open_unix(c, host, cause) != 0)
			return (-1);
		c->phase = CONN_HELLO;
		conn_hello_send(c);
		return (0);
	}
	/* Resolving blocks; the hosts of a fleet are names in a file. */
	if (conn_resolve(c, host, port, &c->ai_list, cause) != 0)
		return (-1);
	if (tc == NULL && conn_check_plain(c, host, &c->ai_list, cause) != 0)
		return (-1);
	c->ai_next = c->ai_list;
	c->phase = CONN_CONNECTING;
	if ((rc = conn_connect_next(c, cause)) == -1)
		return (-1);
	if (rc == 1)
		return (conn_step(c, POLLOUT, NULL, cause));
	return (0);
}

/* Return the poll(2) events a connection made by conn_start waits for. */
int
conn_events(struct conn *c)
{
	int	events;

	switch (c->phase) {
	case CONN_CONNECTING:
		return (POLLOUT);
	case CONN_TLS:
		return (tls_events(c->tls));
	default:
		events = POLLIN;
		if (c->out.len > c->out.off)
			events |= POLLOUT;
		if (c->tls != NULL)
			events |= tls_events(c->tls);
		return (events);
	}
}

/* Say why the server closed the connection before its HELLO. */
static void
conn_closed_cause(struct conn *c, char **cause)
{
	/*
	 * A server that speaks TLS hangs up on a plain HELLO; one that speaks
	 * plain TCP answers TLS with an ERROR frame, which tls.c reports as
	 * not TLS.
	 */
	if (c->tls == NULL && *c->port != '\0')
		xasprintf(cause, "connection closed by %s during the "
		    "handshake: does it require TLS? (give --cert, --key and "
		    "--ca)", c->where);
	else
		xasprintf(cause, "connection closed by %s during the "
		    "handshake", c->where);
}

/*
 * Take a connection made by conn_start one step further after poll(2)
 * returned revents for it (the caller also calls when conn_pending says
 * so). Return 0 to go on (check c->phase), 1 when the command has ended
 * with its result in r, or -1 with a cause; c->phase then says where it
 * failed and c->refused whether the server said no.
 */
int
conn_step(struct conn *c, int revents, struct conn_result *r, char **cause)
{
	struct frame	 f;
	socklen_t	 len = sizeof c->error;
	size_t		 used;
	char		*why;
	int		 rc, on = 1, fill = 0;

	switch (c->phase) {
	case CONN_CONNECTING:
		if (revents == 0)
			return (0);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &c->error,
		    &len) == -1)
			c->error = errno;
		if (c->error != 0) {
			close(c->fd);
			c->fd = -1;
			if ((rc = conn_connect_next(c, cause)) == -1)
				return (-1);
			if (rc == 0)
				return (0);
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
		conn_keepalive(c->fd);
		freeaddrinfo(c->ai_list);
		c->ai_list = c->ai_next = NULL;
		if (c->tc == NULL) {
			c->phase = CONN_HELLO;
			conn_hello_send(c);
			break;
		}
		c->tls = tls_start(c->tc, c->fd, c->host, c->port, cause);
		if (c->tls == NULL)
			return (-1);
		c->phase = CONN_TLS;
		/* FALLTHROUGH */
	case CONN_TLS:
		if ((rc = tls_handshake(c->tls, cause)) != 1)
			return (rc);
		c->phase = CONN_HELLO;
		conn_hello_send(c);
		break;
	case CONN_READY:
	case CONN_DONE:
		return (0);
	default:
		/* TLS may hold a record already read, or want to write. */
		if (conn_pending(c) || (c->tls != NULL && revents != 0))
			revents |= POLLIN;
		if (revents & (POLLIN | POLLHUP | POLLERR))
			fill = conn_fill(c, cause);
		break;
	}

	while ((rc = conn_next_frame(c, &f, &used, fill != 0 ? NULL :
	    cause)) == 1) {
		why = NULL;
		if (c->phase == CONN_HELLO) {
			rc = conn_hello_reply(c, &f, &why);
			rbuf_drain(&c->in, used);
			if (rc == 0) {
				c->phase = CONN_READY;
				/* The server's HELLO comes alone. */
				break;
			}
		} else {
			rc = conn_handle_frame(c, &f, r, &why);
			rbuf_drain(&c->in, used);
			if (rc == 1) {
				c->phase = CONN_DONE;
				free(*cause);
				*cause = NULL;
				return (1);
			}
		}
		if (rc == -1) {
			free(*cause);
			*cause = why;
			return (-1);
		}
	}
	if (rc == -1 && fill == 0)
		return (-1);
	if (fill != 0 && c->phase == CONN_READY) {
		/* The server said HELLO and hung up. */
		return (-1);
	}
	if (fill != 0) {
		if (c->phase == CONN_HELLO && (fill == -2 || c->reset)) {
			free(*cause);
			conn_closed_cause(c, cause);
		} else if (c->phase == CONN_RUNNING && r->started) {
			free(*cause);
			xasprintf(cause, "connection to %s closed before the "
			    "command finished", c->host);
		}
		return (-1);
	}
	if (conn_flush(c, cause) != 0)
		return (-1);
	return (0);
}

/* Queue a frame for the server. */
static void
conn_send(struct conn *c, uint8_t type, const void *payload, size_t len)
{
	uint8_t	hdr[FRAME_HEADER_LEN];

	frame_header(hdr, type, len);
	rbuf_add(&c->out, hdr, sizeof hdr);
	rbuf_add(&c->out, payload, len);
}

/* Write what the socket takes of the output buffer. */
static int
conn_flush(struct conn *c, char **cause)
{
	ssize_t	n;

	while (c->out.len > c->out.off) {
		if (c->tls != NULL) {
			n = tls_write(c->tls, c->out.data + c->out.off,
			    c->out.len - c->out.off, cause);
			if (n == 0)
				return (0);
			if (n == -1) {
				c->broken = 1;
				return (-1);
			}
			rbuf_drain(&c->out, n);
			continue;
		}
		n = send(c->fd, c->out.data + c->out.off,
		    c->out.len - c->out.off, MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return (0);
		if (n == -1) {
			c->broken = 1;
			xasprintf(cause, "connection to %s lost: %s", c->host,
			    strerror(errno));
			return (-1);
		}
		rbuf_drain(&c->out, n);
	}
	return (0);
}

/*
 * Read what the socket holds. Return -2 at end of file, -1 on error, both
 * with a cause.
 */
static int
conn_fill(struct conn *c, char **cause)
{
	uint8_t	 buf[CONN_READ_SIZE];
	uint8_t	*p;
	ssize_t	 n;

	if (c->tls != NULL) {
		n = tls_read(c->tls, buf, sizeof buf, cause);
		if (n == 0)
			return (0);
		if (n > 0) {
			rbuf_add(&c->in, buf, n);
			return (0);
		}
		c->broken = 1;
		if (n == -2)
			xasprintf(cause, "connection closed by %s", c->host);
		return (n == -2 ? -2 : -1);
	}
	/*
	 * Straight into the input buffer, and several frames at a time: a
	 * stream of output then costs one recv per 256 KiB and no copy.
	 */
	p = rbuf_space(&c->in, CONN_RECV_SIZE);
	n = recv(c->fd, p, CONN_RECV_SIZE, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	c->broken = 1;
	if (n == 0) {
		xasprintf(cause, "connection closed by %s", c->host);
		return (-2);
	}
	if (n == -1) {
		c->reset = errno == ECONNRESET;
		xasprintf(cause, "connection to %s lost: %s", c->host,
		    strerror(errno));
		return (-1);
	}
	c->in.len += n;
	return (0);
}

/*
 * Return 1 if TLS holds data that poll(2) cannot see, already read from
 * the socket; the caller must not wait then.
 */
int
conn_pending(struct conn *c)
{
	return (c->tls != NULL && tls_pending(c->tls) > 0);
}

/*
 * The first bytes a server sent are no frame of ours: say that it is not
 * an rcmdd, and show them (an HTTP or SSH server says who it is).
 */
static void
conn_not_rcmdd(struct conn *c, char **cause)
{
	char	shown[24 * 4 + 1];
	size_t	len;

	len = c->in.len - c->in.off;
	if (len > 24)
		len = 24;
	strnvisx(shown, sizeof shown, (const char *)c->in.data + c->in.off,
	    len, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL | VIS_DQ);
	xasprintf(cause, "%s is not an rcmdd: it answered \"%s\"; check the "
	    "host and the port", c->where, shown);
}

/* Take the next whole frame from the input. Return 1, 0 or -1. */
static int
conn_next_frame(struct conn *c, struct frame *f, size_t *used, char **cause)
{
	uint16_t	 code;
	char		*why = NULL;
	int		 rc;

	rc = frame_decode(c->in.data + c->in.off, c->in.len - c->in.off, f,
	    used, &code, &why);
	if (rc == 1 && frame_check_server(f, &code, &why) != 0)
		rc = -1;
	if (rc == -1) {
		c->broken = 1;
		if (cause != NULL && c->server[0] == '\0')
			conn_not_rcmdd(c, cause);
		else if (cause != NULL)
			xasprintf(cause, "protocol error from %s: %s", c->host,
			    why);
		free(why);
	}
	return (rc);
}

/* Write a whole buffer to a descriptor, waiting if it is full. */
static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			struct pollfd	pfd = { fd, POLLOUT, 0 };

			poll(&pfd, 1, -1);
			continue;
		}
		if (n == -1)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

/* Queue our HELLO. */
static void
conn_hello_send(struct conn *c)
{
	struct passwd	*pw;
	uint8_t		 buf[FRAME_HEADER_LEN + 8 + HELLO_MAX_NAME];
	size_t		 len;

	pw = getpwuid(getuid());
	len = frame_encode_hello(buf, sizeof buf, MSG_HELLO,
	    pw != NULL ? pw->pw_name : "unknown");
	rbuf_add(&c->out, buf, len);
}

/*
 * Check the server's first frame, its HELLO. Return -1 with a cause if the
 * server refuses, speaks another version, or is not an rcmd server.
 */
static int
conn_hello_reply(struct conn *c, const struct frame *f, char **cause)
{
	struct frame_hello	 h;
	char			 msg[1024], *why = NULL;
	uint16_t		 code;

	if (f->type == MSG_ERROR) {
		c->refused = 1;
		frame_parse_error(f, &code, msg, sizeof msg);
		if (code == ERR_VERSION)
			xasprintf(cause, "protocol version mismatch with %s: "
			    "%s", c->host, msg);
		else
			xasprintf(cause, "%s refused the connection: %s",
			    c->host, msg);
		return (-1);
	}
	if (f->type != MSG_SERVER_HELLO) {
		xasprintf(cause, "protocol error from %s: %s before HELLO",
		    c->host, frame_type_name(f->type));
		return (-1);
	}
	if (frame_parse_hello(f, &h, &why) != 0) {
		xasprintf(cause, "%s does not speak the rcmd protocol: %s",
		    c->where, why);
		free(why);
		return (-1);
	}
	if (h.version != PROTOCOL_VERSION) {
		xasprintf(cause, "protocol version mismatch: %s speaks "
		    "version %u, this rcmd speaks version %d", c->host,
		    h.version, PROTOCOL_VERSION);
		return (-1);
	}
	strlcpy(c->server, h.name, sizeof c->server);
	return (0);
}

/*
 * Say HELLO and wait for the server's. Return -1 with a cause if the
 * server refuses, speaks another version, or is not an rcmd server.
 */
int
conn_hello(struct conn *c, char **cause)
{
	struct frame		 f;
	struct pollfd		 pfd;
	uint64_t		 deadline;
	size_t			 used;
	int			 rc, wait, pending;

	conn_hello_send(c);
	deadline = now_ms() + CONN_HELLO_TIMEOUT_MS;
	for (;;) {
		if (conn_flush(c, cause) != 0)
			return (-1);
		rc = conn_next_frame(c, &f, &used, cause);
		if (rc == -1)
			return (-1);
		if (rc == 1)
			break;
		if (now_ms() >= deadline) {
			xasprintf(cause, "no answer from %s within %d s: is it "
			    "an rcmdd?", c->where, CONN_HELLO_TIMEOUT_MS / 1000);
			return (-1);
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN | (c->out.len > c->out.off ? POLLOUT : 0);
		if (c->tls != NULL)
			pfd.events |= tls_events(c->tls);
		pending = conn_pending(c);
		wait = pending ? 0 : (int)(deadline - now_ms());
		if (poll(&pfd, 1, wait < 0 ? 0 : wait) == -1 && errno != EINTR) {
			xasprintf(cause, "poll: %s", strerror(errno));
			return (-1);
		}
		if (pending || (c->tls != NULL && pfd.revents != 0))
			pfd.revents |= POLLIN;
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (rc = conn_fill(c, cause)) != 0) {
			if (rc == -1 && !(c->reset && c->tls == NULL))
				return (-1);
			free(*cause);
			conn_closed_cause(c, cause);
			return (-1);
		}
	}
	rc = conn_hello_reply(c, &f, cause);
	rbuf_drain(&c->in, used);
	return (rc);
}

/*
 * Handle one frame while a command runs. Return 1 when the command has
 * ended (result filled in), 0 to go on, or -1 with a cause.
 */
int
conn_handle_frame(struct conn *c, const struct frame *f,
    struct conn_result *r, char **cause)
{
	uint16_t	code;
	char		msg[1024];

	switch (f->type) {
	case MSG_STARTED:
		if (r->started) {
			c->broken = 1;
			xasprintf(cause, "protocol error from %s: second "
			    "STARTED", c->host);
			return (-1);
		}
		r->started = 1;
		r->audit_id = ((uint64_t)f->payload[0] << 56) |
		    ((uint64_t)f->payload[1] << 48) |
		    ((uint64_t)f->payload[2] << 40) |
		    ((uint64_t)f->payload[3] << 32) |
		    ((uint64_t)f->payload[4] << 24) |
		    ((uint64_t)f->payload[5] << 16) |
		    ((uint64_t)f->payload[6] << 8) | f->payload[7];
		return (0);
	case MSG_STDOUT:
	case MSG_STDERR:
		if (!r->started) {
			c->broken = 1;
			xasprintf(cause, "protocol error from %s: output "
			    "before STARTED", c->host);
			return (-1);
		}
		if (c->output_cb != NULL) {
			c->output_cb(c, f->type == MSG_STDERR, f->payload,
			    f->len, c->output_arg);
			return (0);
		}
		if (write_all(f->type == MSG_STDOUT ? STDOUT_FILENO :
		    STDERR_FILENO, f->payload, f->len) != 0 &&
		    f->type == MSG_STDOUT) {
			xasprintf(cause, "cannot write output: %s",
			    strerror(errno));
			return (-1);
		}
		return (0);
	case MSG_EXIT:
		if (!r->started || frame_parse_exit(f, &r->exit) != 0) {
			c->broken = 1;
			xasprintf(cause, "protocol error from %s: EXIT "
			    "before STARTED", c->host);
			return (-1);
		}
		return (1);
	case MSG_ERROR:
		frame_parse_error(f, &code, msg, sizeof msg);
		c->refused = 1;
		if (frame_error_is_fatal(code))
			c->broken = 1;
		xasprintf(cause, "%s: %s", c->host, msg);
		return (-1);
	}
	c->broken = 1;
	xasprintf(cause, "protocol error from %s: unexpected %s", c->host,
	    frame_type_name(f->type));
	return (-1);
}

/*
 * Queue EXEC for a command. Return 0, or -1 with a cause if the command
 * cannot be sent. A connection from conn_start also gets STDIN_EOF: the
 * command runs with no input.
 */
int
conn_exec(struct conn *c, const char *cmd, size_t cmdlen,
    uint32_t timeout_ms, char **cause)
{
	uint8_t	*buf;
	size_t	 len;

	if (cmdlen > EXEC_MAX_COMMAND) {
		xasprintf(cause, "command of %zu bytes is too long: at most %d",
		    cmdlen, EXEC_MAX_COMMAND);
		return (-1);
	}
	if (cmdlen == 0) {
		*cause = xstrdup("empty command");
		return (-1);
	}
	buf = xmalloc(FRAME_HEADER_LEN + EXEC_HEADER_LEN + cmdlen);
	len = frame_encode_exec(buf, FRAME_HEADER_LEN + EXEC_HEADER_LEN +
	    cmdlen, timeout_ms, cmd, cmdlen);
	rbuf_add(&c->out, buf, len);
	free(buf);
	if (c->phase == CONN_READY) {
		conn_send(c, MSG_STDIN_EOF, NULL, 0);
		c->phase = CONN_RUNNING;
	}
	return (0);
}

/*
 * Run one command. stdin_fd is forwarded until its end, or -1 for none.
 * Signals arriving on c->sigfd are passed to the command. Return 0 with
 * the result, or -1 with a cause.
 */
int
conn_run(struct conn *c, const char *cmd, size_t cmdlen, uint32_t timeout_ms,
    int stdin_fd, struct conn_result *r, char **cause)
{
	struct pollfd	 pfd[3];
	struct frame	 f;
	uint8_t		 sig, psig;
	char		*why;
	ssize_t		 n;
	size_t		 used;
	int		 rc, i_stdin, i_sig, nfd, pending;

	memset(r, 0, sizeof *r);
	if (conn_exec(c, cmd, cmdlen, timeout_ms, cause) != 0)
		return (-1);
	if (stdin_fd == -1)
		conn_send(c, MSG_STDIN_EOF, NULL, 0);
	c->interrupts = 0;

	for (;;) {
		while ((rc = conn_next_frame(c, &f, &used, cause)) == 1) {
			rc = conn_handle_frame(c, &f, r, cause);
			rbuf_drain(&c->in, used);
			if (rc != 0)
				return (rc == 1 ? 0 : -1);
		}
		if (rc == -1)
			return (-1);
		if (conn_flush(c, cause) != 0)
			return (-1);

		nfd = 0;
		pfd[nfd].fd = c->fd;
		pfd[nfd].events = POLLIN;
		if (c->out.len > c->out.off)
			pfd[nfd].events |= POLLOUT;
		if (c->tls != NULL)
			pfd[nfd].events |= tls_events(c->tls);
		nfd++;
		i_stdin = i_sig = -1;
		if (stdin_fd != -1 && c->out.len - c->out.off < CONN_OUT_MAX) {
			pfd[nfd].fd = stdin_fd;
			pfd[nfd].events = POLLIN;
			i_stdin = nfd++;
		}
		if (c->sigfd != -1) {
			pfd[nfd].fd = c->sigfd;
			pfd[nfd].events = POLLIN;
			i_sig = nfd++;
		}
		pending = conn_pending(c);
		if (poll(pfd, nfd, pending ? 0 : -1) == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "poll: %s", strerror(errno));
			return (-1);
		}
		/*
		 * TLS may hold a record it has read already, or wait for
		 * the socket to be writable before it can read: try it.
		 */
		if (pending || (c->tls != NULL && pfd[0].revents != 0))
			pfd[0].revents |= POLLIN;
		if (i_sig != -1 && (pfd[i_sig].revents & POLLIN)) {
			while (read(c->sigfd, &sig, 1) == 1) {
				if (++c->interrupts >= CONN_GIVE_UP) {
					/* The command may still run there. */
					c->broken = 1;
					xasprintf(cause, "interrupted %d times:"
					    " giving up on the command",
					    CONN_GIVE_UP);
					return (-1);
				}
				psig = frame_signal_to_proto(sig);
				if (psig != 0)
					conn_send(c, MSG_SIGNAL, &psig, 1);
			}
		}
		if (i_stdin != -1 && pfd[i_stdin].revents != 0) {
			uint8_t	in[CONN_READ_SIZE];

			n = read(stdin_fd, in, sizeof in);
			if (n > 0)
				conn_send(c, MSG_STDIN, in, n);
			else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				conn_send(c, MSG_STDIN_EOF, NULL, 0);
				stdin_fd = -1;
			}
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    conn_fill(c, cause) != 0) {
			/* The server may have said why before closing. */
			while (conn_next_frame(c, &f, &used, NULL) == 1) {
				why = NULL;
				rc = conn_handle_frame(c, &f, r, &why);
				rbuf_drain(&c->in, used);
				if (rc == 1) {
					free(*cause);
					*cause = NULL;
					return (0);
				}
				if (rc == -1) {
					free(*cause);
					*cause = why;
					return (-1);
				}
			}
			if (r->started) {
				free(*cause);
				xasprintf(cause, "connection to %s closed "
				    "before the command finished", c->host);
			}
			return (-1);
		}
	}
}

/*
 * Map a result to rcmd's exit status: the command's own, 128+N for a
 * signal, 124 for a timeout, 255 when it did not run to its end. Fill
 * *cause with what to tell the user, if anything.
 */
int
conn_exit_status(const struct conn_result *r, const char *host,
    char **cause)
{
	*cause = NULL;
	switch (r->exit.kind) {
	case EXIT_EXITED:
		return (r->exit.code & 0xff);
	case EXIT_SIGNALED:
		return (128 + (r->exit.code & 0x7f));
	case EXIT_TIMEDOUT:
		xasprintf(cause, "command timed out on %s after %llu ms and "
		    "was stopped", host,
		    (unsigned long long)(r->exit.duration_us / 1000));
		return (RCMD_EXIT_TIMEOUT);
	case EXIT_CANCELLED:
		xasprintf(cause, "command cancelled by %s (the server is "
		    "shutting down, or its operator ended the command)", host);
		return (RCMD_EXIT_ERROR);
	case EXIT_FAILED:
		xasprintf(cause, "%s could not start the command: %s", host,
		    strerror(r->exit.code));
		return (RCMD_EXIT_ERROR);
	}
	xasprintf(cause, "unknown EXIT kind %u from %s", r->exit.kind, host);
	return (RCMD_EXIT_ERROR);
}

/*
 * Print which audit record the command produced: its id and, when the
 * server sent it, the row's hash in the audit chain, for rcmd -v.
 */
void
conn_print_receipt(const struct conn_result *r, const char *host)
{
	char	hex[EXIT_HASH_LEN * 2 + 1];
	int	i;

	if (!r->exit.has_hash) {
		fprintf(stderr, "rcmd: audit id %llu on %s\n",
		    (unsigned long long)r->audit_id, host);
		return;
	}
	for (i = 0; i < EXIT_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", r->exit.hash[i]);
	fprintf(stderr, "rcmd: audit id %llu on %s, row hash %s\n",
	    (unsigned long long)r->audit_id, host, hex);
}

/* Close a connection and free what it holds. */
void
conn_close(struct conn *c)
{
	tls_close(c->tls);
	c->tls = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	if (c->ai_list != NULL)
		freeaddrinfo(c->ai_list);
	c->ai_list = c->ai_next = NULL;
	free(c->in.data);
	free(c->out.data);
	free(c->host);
	free(c->port);
	free(c->where);
	memset(&c->in, 0, sizeof c->in);
	memset(&c->out, 0, sizeof c->out);
	c->host = c->port = c->where = NULL;
}

/* Return a monotonic time in milliseconds. */
static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}
