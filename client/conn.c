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

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include "rcmd.h"
#include "xmalloc.h"

/*
 * The client's one protocol state machine for a connection to rcmdd:
 * connect (conn_addr.c), TLS (tls.c), HELLO, then commands one at a time,
 * EXEC, output and EXIT, with the errors of each phase. It never waits:
 * conn_events says what it waits for on its socket, and each conn_step
 * takes it as far as it can go. Fan-out (fanout.c) steps many from one
 * poll(2) loop; conn_blocking.c steps one until it is done, for one host
 * and the prompt.
 */

#define CONN_RECV_SIZE		(256 * 1024)
#define CONN_TLS_READ_SIZE	65536

static int	conn_connecting(struct conn *, int, char **);
static int	conn_handshake(struct conn *, char **);
static void	conn_hello_send(struct conn *);
static int	conn_encode_run(struct conn *, const char *, size_t, uint32_t,
		    char **);
static int	conn_hello_reply(struct conn *, const struct frame *,
		    char **);
static int	conn_fill(struct conn *, char **);
static int	conn_flush(struct conn *, char **);
static int	conn_next_frame(struct conn *, struct frame *, size_t *,
		    char **);
static void	conn_not_rcmdd(struct conn *, char **);
static int	conn_closed(struct conn *, int, const struct conn_result *,
		    char **);
static int	write_all(int, const uint8_t *, size_t);

/*
 * Start a connection to host and port without waiting: look it up, and
 * start connecting to its first address; conn_step takes it on, through
 * TLS if tc is not NULL, and HELLO, to CONN_READY. A host written
 * unix:PATH is a local socket, without TLS, and port does not apply.
 * connect_ms is the connect timeout that messages name. Return 0, or -1
 * with a cause if the host cannot be looked up or connected to.
 */
int
conn_start(struct conn *c, const char *host, const char *port,
    struct tls_config *tc, int connect_ms, char **cause)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->sigfd = -1;
	c->tc = tc;
	c->connect_ms = connect_ms;
	if (strncmp(host, RCMD_UNIX_PREFIX, strlen(RCMD_UNIX_PREFIX)) == 0) {
		if (conn_open_unix(c, host, cause) != 0)
			return (-1);
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
	return (conn_connecting(c, conn_connect_next(c, cause), cause));
}

/*
 * Go on from a connect that conn_connect_next, conn_connect_done or
 * conn_connect_expire left at rc: once the socket is connected, start TLS
 * or say HELLO. Return 0, or -1 with the cause.
 */
static int
conn_connecting(struct conn *c, int rc, char **cause)
{
	if (rc != 1)
		return (rc);
	if (c->tc == NULL) {
		conn_hello_send(c);
		return (0);
	}
	c->tls = tls_start(c->tc, c->fd, c->host, c->port, cause);
	if (c->tls == NULL)
		return (-1);
	c->phase = CONN_TLS;
	return (conn_handshake(c, cause));
}

/*
 * Take the TLS handshake one step further, and say HELLO once it is done.
 * Return 0, or -1 with the cause.
 */
static int
conn_handshake(struct conn *c, char **cause)
{
	int	rc;

	if ((rc = tls_handshake(c->tls, cause)) != 1)
		return (rc);
	conn_hello_send(c);
	return (0);
}

/* Return the poll(2) events a connection waits for on c->fd. */
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
		if (rbuf_length(&c->out) > 0)
			events |= POLLOUT;
		if (c->tls != NULL)
			events |= tls_events(c->tls);
		return (events);
	}
}

/*
 * Return 1 if TLS holds data that poll(2) cannot see, already read from
 * the socket; the caller must not wait then, but call conn_step.
 */
int
conn_pending(struct conn *c)
{
	if (c->phase == CONN_CONNECTING || c->phase == CONN_TLS)
		return (0);
	return (c->tls != NULL && tls_pending(c->tls) > 0);
}

/*
 * Take a connection one step further after poll(2) returned revents for it
 * (0 to only handle what is buffered; call it too when conn_pending says
 * so). Return 0 to go on (check c->phase), 1 when the command has ended
 * with its result in r, or -1 with a cause; c->phase then says where it
 * failed and c->refused whether the server said no. r is only used while
 * a command runs.
 */
int
conn_step(struct conn *c, int revents, struct conn_result *r, char **cause)
{
	struct frame	 f;
	size_t		 used;
	char		*why;
	int		 rc, fill = 0;

	switch (c->phase) {
	case CONN_CONNECTING:
		if (revents == 0)
			return (0);
		if (conn_connecting(c, conn_connect_done(c, cause), cause) != 0)
			return (-1);
		break;
	case CONN_TLS:
		if (conn_handshake(c, cause) != 0)
			return (-1);
		break;
	case CONN_READY:
	case CONN_DONE:
		return (0);
	case CONN_HELLO:
	case CONN_RUNNING:
		/* TLS may hold a record already read, or want to write. */
		if (conn_pending(c) || (c->tls != NULL && revents != 0))
			revents |= POLLIN;
		if (revents & (POLLIN | POLLHUP | POLLERR))
			fill = conn_fill(c, cause);
		break;
	}

	/* After an end or an error, what came before it may say why. */
	while ((rc = conn_next_frame(c, &f, &used, fill != 0 ? NULL :
	    cause)) == 1) {
		why = NULL;
		if (c->phase == CONN_HELLO) {
			rc = conn_hello_reply(c, &f, &why);
			rbuf_drain(&c->in, used);
			/* With EXEC sent early, its answers may follow. */
			if (rc == 0 && c->early) {
				c->phase = CONN_RUNNING;
				continue;
			}
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
	if (fill != 0)
		return (conn_closed(c, fill, r, cause));
	if (rc == -1)
		return (-1);
	if (c->hold)
		return (0);
	return (conn_flush(c, cause));
}

/*
 * Say why a connection ended, once conn_fill has met its end (fill -2) or
 * an error (-1), with the cause conn_fill gave, and what was read before
 * it has been handled. Return -1.
 */
static int
conn_closed(struct conn *c, int fill, const struct conn_result *r,
    char **cause)
{
	if (c->phase == CONN_HELLO && (fill == -2 || c->reset)) {
		free(*cause);
		/*
		 * A server that speaks TLS hangs up on a plain HELLO; one that
		 * speaks plain TCP answers TLS with an ERROR frame, which
		 * tls.c reports as not TLS.
		 */
		if (c->tls == NULL && *c->port != '\0')
			xasprintf(cause, "connection closed by %s during the "
			    "handshake: does it require TLS? (give --cert, "
			    "--key and --ca)", c->where);
		else
			xasprintf(cause, "connection closed by %s during the "
			    "handshake", c->where);
	} else if (c->phase == CONN_RUNNING && r->started) {
		free(*cause);
		xasprintf(cause, "connection to %s closed before the command "
		    "finished", c->host);
	}
	/* Otherwise conn_fill's cause says it; after HELLO, it hung up. */
	return (-1);
}

/*
 * A phase ran out of time (conn_blocking.c keeps the deadlines): try the
 * next address of a connect that did not answer, or say which phase got
 * no answer. Return 0 to go on, or -1 with a cause.
 */
int
conn_expire(struct conn *c, char **cause)
{
	switch (c->phase) {
	case CONN_CONNECTING:
		return (conn_connecting(c, conn_connect_expire(c, cause),
		    cause));
	case CONN_TLS:
		xasprintf(cause, "TLS handshake with %s port %s timed out "
		    "after %d s: is it an rcmdd with TLS?", c->host, c->port,
		    c->connect_ms / 1000);
		return (-1);
	default:
		xasprintf(cause, "no answer from %s within %d s: is it an "
		    "rcmdd?", c->where, RCMD_HELLO_TIMEOUT_MS / 1000);
		return (-1);
	}
}

/* Queue a frame for the server. */
void
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

	while (rbuf_length(&c->out) > 0) {
		if (c->tls != NULL) {
			n = tls_write(c->tls, rbuf_data(&c->out),
			    rbuf_length(&c->out), cause);
			if (n == 0)
				return (0);
			if (n == -1) {
				c->broken = 1;
				return (-1);
			}
			rbuf_drain(&c->out, n);
			continue;
		}
		n = send(c->fd, rbuf_data(&c->out), rbuf_length(&c->out),
		    MSG_NOSIGNAL);
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
	uint8_t	 buf[CONN_TLS_READ_SIZE];
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
	if (n == 0) {
		c->broken = 1;
		xasprintf(cause, "connection closed by %s", c->host);
		return (-2);
	}
	if (n == -1) {
		c->broken = 1;
		c->reset = errno == ECONNRESET;
		xasprintf(cause, "connection to %s lost: %s", c->host,
		    strerror(errno));
		return (-1);
	}
	c->in.len += n;
	return (0);
}

/* Take the next whole frame from the input. Return 1, 0 or -1. */
static int
conn_next_frame(struct conn *c, struct frame *f, size_t *used, char **cause)
{
	uint16_t	 code;
	char		*why = NULL;
	int		 rc;

	rc = frame_decode(rbuf_data(&c->in), rbuf_length(&c->in), f, used,
	    &code, &why);
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

/*
 * The first bytes a server sent are no frame of ours: say that it is not
 * an rcmdd, and show them (an HTTP or SSH server says who it is).
 */
static void
conn_not_rcmdd(struct conn *c, char **cause)
{
	char	shown[24 * 4 + 1];
	size_t	len;

	len = rbuf_length(&c->in);
	if (len > 24)
		len = 24;
	strnvisx(shown, sizeof shown, (const char *)rbuf_data(&c->in), len,
	    VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL | VIS_DQ);
	xasprintf(cause, "%s is not an rcmdd: it answered \"%s\"; check the "
	    "host and the port", c->where, shown);
}

/* Queue our HELLO: the server answers it first. */
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
	c->phase = CONN_HELLO;
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
	c->server_flags = h.flags;
	return (0);
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
		frame_parse_u64(f, &r->audit_id);
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
			/* The command goes on there: the connection is lost. */
			c->broken = 1;
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
		/*
		 * ERR_DENIED in answer to a command refuses that command
		 * alone: the server keeps the connection, and the prompt its
		 * session. A reload that denies the peer closes it, at any
		 * time, with a reason that says so (rcmd-protocol(7)).
		 */
		if (frame_error_is_fatal(code) && (code != ERR_DENIED ||
		    r->started || strncmp(msg, DENIED_REVOKED,
		    sizeof DENIED_REVOKED - 1) == 0 || strncmp(msg,
		    DENIED_AFTER_RELOAD, sizeof DENIED_AFTER_RELOAD - 1) == 0))
			c->broken = 1;
		/* An rcmdd from before RUN: nothing ran. */
		if (code == ERR_UNKNOWN_TYPE && c->run != NULL) {
			xasprintf(cause, "%s is too old for %s: its rcmdd does "
			    "not know the RUN frame that %s needs, and ran "
			    "nothing (%s); upgrade rcmdd there, or leave out "
			    "%s", c->host, c->run->why, c->run->why, msg,
			    c->run->why);
			return (-1);
		}
		xasprintf(cause, "%s: %s", c->host, msg);
		return (-1);
	}
	c->broken = 1;
	xasprintf(cause, "protocol error from %s: unexpected %s", c->host,
	    frame_type_name(f->type));
	return (-1);
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

/*
 * Queue a RUN for c->run: the vector, or cmd as a shell string, with the
 * user, ticket and working directory asked for. Return 0, or -1 with the cause.
 */
static int
conn_encode_run(struct conn *c, const char *cmd, size_t cmdlen,
    uint32_t timeout_ms, char **cause)
{
	const struct conn_run	*o = c->run;
	struct frame_run	 r;
	uint8_t			*buf;
	size_t			 len, size = FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD;
	int			 i;

	memset(&r, 0, sizeof r);
	r.timeout_ms = timeout_ms;
	if (o->argv != NULL) {
		if (o->argc > RUN_MAX_ARGS) {
			xasprintf(cause, "%d arguments are too many: at most "
			    "%d", o->argc, RUN_MAX_ARGS);
			return (-1);
		}
		r.argc = (unsigned int)o->argc;
		r.argv = xcalloc(o->argc, sizeof *r.argv);
		for (i = 0; i < o->argc; i++) {
			r.argv[i].p = (const uint8_t *)o->argv[i];
			r.argv[i].len = strlen(o->argv[i]);
		}
	} else if (cmdlen != 0) {
		/* A terminal without a command: the login shell. */
		r.shell.p = (const uint8_t *)cmd;
		r.shell.len = cmdlen;
	}
	if (o->terminal) {
		r.terminal = 1;
		r.rows = o->rows;
		r.cols = o->cols;
		r.term.p = (const uint8_t *)o->term;
		r.term.len = strlen(o->term);
	}
	if (o->user != NULL) {
		r.user.p = (const uint8_t *)o->user;
		r.user.len = strlen(o->user);
	}
	if (o->ticket != NULL) {
		r.ticket.p = (const uint8_t *)o->ticket;
		r.ticket.len = strlen(o->ticket);
	}
	if (o->cwd != NULL) {
		r.cwd.p = (const uint8_t *)o->cwd;
		r.cwd.len = strlen(o->cwd);
	}
	buf = xmalloc(size);
	len = frame_encode_run(buf, size, &r);
	free(r.argv);
	if (len == 0) {
		free(buf);
		xasprintf(cause, "the command and its options are too long: "
		    "they must fit one frame of %d bytes", FRAME_MAX_PAYLOAD);
		return (-1);
	}
	rbuf_add(&c->out, buf, len);
	free(buf);
	return (0);
}

/*
 * Queue EXEC for a command on a connection that is ready (or done with
 * the command before), and STDIN_EOF too unless with_stdin: the caller
 * then queues the input (conn_send). On a connection still waiting for
 * the server's HELLO, EXEC goes out right behind ours: the server handles
 * frames in order, so it answers HELLO first, and one that refuses our
 * HELLO never runs the command. The answer to HELLO is checked as before
 * (conn_step), with the same messages. Return 0, or -1 with a cause if
 * the command cannot be sent.
 */
int
conn_exec(struct conn *c, const char *cmd, size_t cmdlen,
    uint32_t timeout_ms, int with_stdin, char **cause)
{
	uint8_t	*buf;
	size_t	 len;

	if (cmdlen > EXEC_MAX_COMMAND) {
		xasprintf(cause, "command of %zu bytes is too long: at most %d",
		    cmdlen, EXEC_MAX_COMMAND);
		return (-1);
	}
	if (cmdlen == 0 && (c->run == NULL || !c->run->terminal)) {
		*cause = xstrdup("empty command");
		return (-1);
	}
	if (c->run != NULL) {
		if (conn_encode_run(c, cmd, cmdlen, timeout_ms, cause) != 0)
			return (-1);
	} else {
		buf = xmalloc(FRAME_HEADER_LEN + EXEC_HEADER_LEN + cmdlen);
		len = frame_encode_exec(buf, FRAME_HEADER_LEN +
		    EXEC_HEADER_LEN + cmdlen, timeout_ms, cmd, cmdlen);
		rbuf_add(&c->out, buf, len);
		free(buf);
	}
	if (!with_stdin)
		conn_send(c, MSG_STDIN_EOF, NULL, 0);
	c->hold = 0;
	if (c->phase == CONN_HELLO)
		c->early = 1;
	else
		c->phase = CONN_RUNNING;
	return (0);
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
	tls_stop(c->tls);
	c->tls = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	if (c->ai_list != NULL)
		freeaddrinfo(c->ai_list);
	c->ai_list = c->ai_next = NULL;
	rbuf_free(&c->in);
	rbuf_free(&c->out);
	free(c->host);
	free(c->port);
	free(c->where);
	c->host = c->port = c->where = NULL;
}
