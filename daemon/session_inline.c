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
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"
#include "rcmdd.h"
#include "session.h"

/*
 * A command run inline (--single-thread): the loop thread drives the
 * command's worker machine (worker.c) itself, the same machine a pool
 * thread drives, and polls this session's socket, the server's signal
 * pipe and the privileged part's channel in the same call. Every other client waits until the command
 * ends; this one's output still streams, with the same backpressure, and
 * its stdin, signals and busy EXECs are still served. A signal to rcmdd
 * is handled at once, and so is a reload, the shutdown grace still ends
 * the command, and a
 * client that closes or goes away stops it.
 *
 * Nothing here calls back into the session's own close or free: the
 * session only changes state, and the loop acts on it once the command
 * has ended and it resumes the session.
 */

/*
 * The poll set: the worker's descriptors, the socket, the signal pipe and
 * the privileged part's channel (a reload, --status).
 */
#define SESSION_INLINE_FDS	(WORKER_POLL_FDS + 3)

static void	session_inline_io(struct session *, short);
static short	session_inline_events(struct session *);

/*
 * Run a session's command inline to its end: pass the job's reports on,
 * serve the socket, poll, and step the worker, until it is done and its
 * last report (EXIT, or an ERROR) has reached the session. Loop thread.
 */
void
session_inline_run(struct session *s, struct job *job)
{
	struct pollfd	 pfd[SESSION_INLINE_FDS];
	struct worker	*w;
	short		 revents = 0;
	int		 i, n, timeout, grace, cancelled = 0;

	w = worker_new(job);
	for (;;) {
		/* The job is freed with its final report, here. */
		job_dispatch();
		if (worker_done(w))
			break;
		session_inline_io(s, revents);

		/* A closed or vanished client stops the command. */
		if (!cancelled && s->state != SESSION_RUNNING) {
			job_cancel(job, JOB_CANCEL_DISCONNECT);
			cancelled = 1;
		}
		grace = server_grace_left();
		if (!cancelled && grace == 0) {
			job_cancel(job, JOB_CANCEL_SHUTDOWN);
			cancelled = 1;
		}

		n = worker_fill(w, pfd, &timeout);
		pfd[n].fd = s->state == SESSION_LOST ? -1 : s->fd;
		pfd[n].events = session_inline_events(s);
		pfd[n + 1].fd = server_signal_fd();
		pfd[n + 1].events = POLLIN;
		pfd[n + 2].fd = server_privsep_fd();
		pfd[n + 2].events = POLLIN;
		/* Until the grace ends; then the command's own deadlines. */
		if (!cancelled && grace >= 0 &&
		    (timeout == -1 || grace < timeout))
			timeout = grace;
		if (poll(pfd, n + 3, timeout) == -1) {
			if (errno != EINTR)
				fatal("poll");
			/* A signal: its byte wakes the next poll. */
			for (i = 0; i < n + 3; i++)
				pfd[i].revents = 0;
		}
		worker_step(w, pfd);
		revents = pfd[n].revents;
		if (pfd[n + 1].revents & POLLIN)
			server_signal_dispatch();
		if (pfd[n + 2].revents & (POLLIN | POLLHUP))
			server_privsep_dispatch();
	}
	worker_free(w);
}

/*
 * Serve the session's socket between steps: write what is queued, read
 * what came (revents is the last poll's), and handle whole frames. A
 * bufferevent keeps its buffers frozen outside its own callbacks, so they
 * are thawed around our reads and writes. A failed write or read leaves
 * the session SESSION_LOST, and what it would send is dropped, which
 * lets the worker, held back by unsent output, run down.
 */
static void
session_inline_io(struct session *s, short revents)
{
	struct evbuffer	*in, *out;
	int		 n, saved_errno;

	in = bufferevent_get_input(s->bev);
	out = bufferevent_get_output(s->bev);
	if (s->state != SESSION_LOST && evbuffer_get_length(out) != 0) {
		evbuffer_unfreeze(out, 1);
		errno = 0;
		n = evbuffer_write(out, s->fd);
		saved_errno = errno;
		evbuffer_freeze(out, 1);
		if (n == -1 && saved_errno != EAGAIN && saved_errno != EINTR)
			session_set_state(s, SESSION_LOST);
	}
	if (s->state != SESSION_LOST &&
	    (revents & (POLLIN | POLLHUP | POLLERR))) {
		evbuffer_unfreeze(in, 0);
		errno = 0;
		n = evbuffer_read(in, s->fd, FRAME_MAX_PAYLOAD);
		saved_errno = errno;
		evbuffer_freeze(in, 0);
		if (n == 0 || (n == -1 && saved_errno != EAGAIN &&
		    saved_errno != EINTR)) {
			log_warnx("session %llu: %s disconnected while its "
			    "command ran; stopping the command",
			    (unsigned long long)s->id, s->peer);
			session_set_state(s, SESSION_LOST);
		}
	}
	/* Frames that came in with the EXEC are handled here too. */
	if (s->state != SESSION_LOST)
		session_process(s);
	if (s->state == SESSION_LOST && evbuffer_get_length(out) != 0) {
		evbuffer_unfreeze(out, 1);
		evbuffer_drain(out, evbuffer_get_length(out));
		evbuffer_freeze(out, 1);
	}
}

/* What to poll the session's socket for while its command runs. */
static short
session_inline_events(struct session *s)
{
	short	events = 0;

	if (s->state != SESSION_RUNNING)
		return (0);
	session_input_update(s);
	if (!(s->flags & (SESSION_STDIN_PAUSED | SESSION_OUT_PAUSED)))
		events |= POLLIN;
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) != 0)
		events |= POLLOUT;
	return (events);
}
