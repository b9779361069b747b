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

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rcmd.h"
#include "xmalloc.h"

/*
 * The blocking driver, for one host and the prompt: a poll(2) loop around
 * the state machine of conn.c that waits for one connection, with the
 * deadlines of connecting, TLS and HELLO, and while a command runs moves
 * standard input and the signals rcmd catches to the server.
 */

#define CONN_STDIN_SIZE		65536
#define CONN_OUT_MAX		(256 * 1024)
#define CONN_GIVE_UP		3

static int	conn_wait(struct conn *, const char *, const char *,
		    struct tls_config *, int, enum conn_phase, char **);
static int	conn_run_signals(struct conn *, char **);
static void	conn_run_stdin(struct conn *, int *);
static uint64_t	conn_now_ms(void);

/*
 * Connect to host and port and wait until the server has answered HELLO:
 * each address and the TLS handshake get timeout_ms, the server's HELLO
 * RCMD_HELLO_TIMEOUT_MS. Return 0, or -1 with a cause that says what
 * failed.
 */
int
conn_open(struct conn *c, const char *host, const char *port,
    struct tls_config *tc, int timeout_ms, char **cause)
{
	return (conn_wait(c, host, port, tc, timeout_ms, CONN_READY, cause));
}

/*
 * Connect to host and port, through TLS if tc is not NULL, and queue our
 * HELLO without waiting for the server's: conn_run sends EXEC behind it
 * and checks the answer, which saves a round trip per command. Return 0,
 * or -1 with a cause that says what failed.
 */
int
conn_connect(struct conn *c, const char *host, const char *port,
    struct tls_config *tc, int timeout_ms, char **cause)
{
	return (conn_wait(c, host, port, tc, timeout_ms, CONN_HELLO, cause));
}

/*
 * Step a new connection until it reaches phase until: CONN_HELLO, our
 * HELLO queued, or CONN_READY, the server's checked.
 */
static int
conn_wait(struct conn *c, const char *host, const char *port,
    struct tls_config *tc, int timeout_ms, enum conn_phase until,
    char **cause)
{
	struct pollfd	 pfd;
	enum conn_phase	 phase;
	uint64_t	 deadline, now;
	int		 attempt, revents = 0, wait;

	if (conn_start(c, host, port, tc, timeout_ms, cause) != 0)
		return (-1);
	/* One write of HELLO and EXEC: the server may close after HELLO. */
	c->hold = until == CONN_HELLO;
	phase = CONN_READY;
	attempt = -1;
	deadline = 0;
	for (;;) {
		if (c->phase == until)
			return (0);
		if (conn_step(c, revents, NULL, cause) != 0)
			return (-1);
		if (c->phase == until)
			return (0);
		revents = 0;
		now = conn_now_ms();
		if (c->phase != phase || c->attempt != attempt) {
			/* A new phase, or a new address: a new deadline. */
			phase = c->phase;
			attempt = c->attempt;
			deadline = now + (phase == CONN_HELLO ?
			    RCMD_HELLO_TIMEOUT_MS : timeout_ms);
		}
		if (now >= deadline) {
			if (conn_expire(c, cause) != 0)
				return (-1);
			continue;
		}
		wait = conn_pending(c) ? 0 : (int)(deadline - now);
		pfd.fd = c->fd;
		pfd.events = conn_events(c);
		if (poll(&pfd, 1, wait) == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "poll: %s", strerror(errno));
			return (-1);
		}
		revents = pfd.revents;
	}
}

/*
 * Run one command on a connection that is ready, or that conn_connect
 * left waiting for the server's HELLO (which must come within
 * RCMD_HELLO_TIMEOUT_MS). stdin_fd is forwarded, once the server has
 * answered HELLO, until its end, or -1 for none. Signals arriving on
 * c->sigfd are passed to the command. Return 0 with the result, or -1
 * with a cause.
 */
int
conn_run(struct conn *c, const char *cmd, size_t cmdlen, uint32_t timeout_ms,
    int stdin_fd, struct conn_result *r, char **cause)
{
	struct pollfd	 pfd[3];
	uint64_t	 deadline, now;
	int		 rc, revents = 0, i_stdin, i_sig, nfd, wait;

	memset(r, 0, sizeof *r);
	if (conn_exec(c, cmd, cmdlen, timeout_ms, stdin_fd != -1, cause) != 0)
		return (-1);
	c->interrupts = 0;
	deadline = conn_now_ms() + RCMD_HELLO_TIMEOUT_MS;
	for (;;) {
		if ((rc = conn_step(c, revents, r, cause)) != 0)
			return (rc == 1 ? 0 : -1);
		revents = 0;
		wait = -1;
		if (c->phase == CONN_HELLO) {
			now = conn_now_ms();
			if (now >= deadline) {
				conn_expire(c, cause);
				return (-1);
			}
			wait = (int)(deadline - now);
		}
		nfd = 0;
		pfd[nfd].fd = c->fd;
		pfd[nfd++].events = conn_events(c);
		i_stdin = i_sig = -1;
		/* Nothing is read from stdin for a server that may refuse. */
		if (stdin_fd != -1 && c->phase == CONN_RUNNING &&
		    rbuf_length(&c->out) < CONN_OUT_MAX) {
			pfd[nfd].fd = stdin_fd;
			pfd[nfd].events = POLLIN;
			i_stdin = nfd++;
		}
		if (c->sigfd != -1) {
			pfd[nfd].fd = c->sigfd;
			pfd[nfd].events = POLLIN;
			i_sig = nfd++;
		}
		if (poll(pfd, nfd, conn_pending(c) ? 0 : wait) == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "poll: %s", strerror(errno));
			return (-1);
		}
		if (i_sig != -1 && (pfd[i_sig].revents & POLLIN) &&
		    conn_run_signals(c, cause) != 0)
			return (-1);
		if (i_stdin != -1 && pfd[i_stdin].revents != 0)
			conn_run_stdin(c, &stdin_fd);
		revents = pfd[0].revents;
	}
}

/*
 * Pass the signals rcmd caught on to the command, until the user has
 * interrupted CONN_GIVE_UP times. Return 0, or -1 with a cause then.
 */
static int
conn_run_signals(struct conn *c, char **cause)
{
	uint8_t	sig, psig;

	while (read(c->sigfd, &sig, 1) == 1) {
		if (++c->interrupts >= CONN_GIVE_UP) {
			/* The command may still run there. */
			c->broken = 1;
			xasprintf(cause, "interrupted %d times: giving up on "
			    "the command", CONN_GIVE_UP);
			return (-1);
		}
		psig = frame_signal_to_proto(sig);
		if (psig != 0)
			conn_send(c, MSG_SIGNAL, &psig, 1);
	}
	return (0);
}

/* Queue what standard input holds, or its end, which sets *fd to -1. */
static void
conn_run_stdin(struct conn *c, int *fd)
{
	uint8_t	in[CONN_STDIN_SIZE];
	ssize_t	n;

	n = read(*fd, in, sizeof in);
	if (n > 0)
		conn_send(c, MSG_STDIN, in, n);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		conn_send(c, MSG_STDIN_EOF, NULL, 0);
		*fd = -1;
	}
}

/* Return a monotonic time in milliseconds. */
static uint64_t
conn_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}
