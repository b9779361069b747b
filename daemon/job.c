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
#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "job_worker.h"
#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Jobs: one command from EXEC to EXIT, seen from the loop thread, and the
 * queues between the loop and the job's worker machine (worker.c), which
 * a pool thread (worker_pool.c) or, inline, the session drives. Output and
 * results go to the loop through the inbox and its eventfd; stdin, signals
 * and cancellation go to the worker through the job's control queue and
 * wake fd. Each side wakes the other only when the queue it appends to was
 * empty, and the receiver takes the whole queue at once.
 *
 * A job is freed by the loop thread when it handles the job's final
 * report (EXIT or ERROR), which is the last thing the worker does with the
 * job, so a job pointer in the inbox is always valid.
 *
 * Locks: inbox_lock guards the inbox; job->lock guards the job's control
 * queue and counters; job_output.c's lock guards the pool of output
 * buffers. No thread holds two at once (nor one of them with
 * worker_pool.c's), and none is held across a system call or a callback.
 *
 * An inline job (--single-thread) goes through the same queues: its
 * session drives the worker machine on the loop thread and calls
 * job_dispatch between steps.
 */

#define JOB_PENDING_MAX		(256 * 1024)
#define JOB_PENDING_LOW		(64 * 1024)
#define JOB_STDIN_MAX		(256 * 1024)
#define JOB_STDIN_LOW		(64 * 1024)
#define JOB_TRIM_DELAY_MS	200

struct job {
	/* Set before the worker starts, then read-only. */
	struct job_params	*params;
	int			 wake_fd;

	/* Loop thread only. */
	job_event_cb		 cb;
	void			*cb_arg;
	TAILQ_ENTRY(job)	 entry;
	uint64_t		 audit_id;	/* 0 until STARTED */
	time_t			 started;

	/* The worker's thread only: output not yet pushed to the inbox. */
	struct job_msgs		 batch;

	/* Guarded by lock. */
	pthread_mutex_t		 lock;
	struct job_ctls		 ctl;
	size_t			 pending;
	int			 throttled;
	size_t			 stdin_pending;
	int			 stdin_paused;
	struct job_ctl		*resize;	/* queued, not taken */
	uint64_t		 signals;	/* queued, not taken */
	int			 stdin_eof;	/* STDIN_EOF queued */
};
TAILQ_HEAD(jobs, job);

static void	 job_push(struct job *, int, const void *, size_t);
static void	 job_push_msg(struct job_msg *);
static void	 job_push_list(struct job_msgs *);
static void	 job_wake(int);
static void	 job_free(struct job *);
static void	 job_ctl_add(struct job *, int, int, const uint8_t *, size_t);
static int	 job_ctl_merged(struct job *, int, int);
static void	 job_inbox_cb(int, short, void *);
static void	 job_trim_cb(int, short, void *);

static struct jobs	 job_list = TAILQ_HEAD_INITIALIZER(job_list);
static u_int		 job_number;
static uint64_t		 job_started_total;
static pthread_mutex_t	 inbox_lock = PTHREAD_MUTEX_INITIALIZER;
static struct job_msgs	 inbox = STAILQ_HEAD_INITIALIZER(inbox);
static int		 inbox_fd = -1;
static struct event	*inbox_ev;
static struct event	*job_trim_ev;

/* Create the inbox and its event; called once on the loop thread. */
void
job_inbox_open(struct event_base *base)
{
	inbox_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (inbox_fd == -1)
		fatal("eventfd");
	inbox_ev = event_new(base, inbox_fd, EV_READ | EV_PERSIST,
	    job_inbox_cb, NULL);
	if (inbox_ev == NULL || event_add(inbox_ev, NULL) != 0)
		fatalx("cannot add the job inbox event");
	job_trim_ev = evtimer_new(base, job_trim_cb, NULL);
	if (job_trim_ev == NULL)
		fatalx("cannot create the job trim timer");
}

/*
 * No job has run for a while: give back what the workers' malloc arenas
 * hold, so that the daemon's RSS returns to its baseline after a burst.
 * Not at once when the last job ends, which one connection running
 * commands back to back does every time: malloc_trim walks every arena
 * and costs more than a short command. Loop thread.
 */
static void
job_trim_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (job_number != 0)
		return;
	worker_pool_join();
	job_output_trim();
	malloc_trim(0);
}

/*
 * Start a job for a session. Unless JOB_INLINE is given, a pool thread
 * runs its worker (worker_pool.c); with it, the caller drives the worker
 * itself. On success the job takes ownership of params. If the job's
 * wake-up descriptor or a thread cannot be had, return NULL with a cause
 * for the client, and the caller keeps params: the command is refused,
 * and the daemon goes on.
 */
struct job *
job_start(struct job_params *params, int flags, job_event_cb cb, void *arg,
    char **cause)
{
	struct job	*job;
	int		 fd;

	if ((fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		xasprintf(cause, "cannot run the command: rcmdd cannot open a "
		    "descriptor for it (%s); try again later",
		    strerror(errno));
		return (NULL);
	}
	job = xcalloc(1, sizeof *job);
	job->params = params;
	job->cb = cb;
	job->cb_arg = arg;
	STAILQ_INIT(&job->ctl);
	STAILQ_INIT(&job->batch);
	pthread_mutex_init(&job->lock, NULL);
	job->wake_fd = fd;
	TAILQ_INSERT_TAIL(&job_list, job, entry);
	job_number++;

	if ((flags & JOB_INLINE) || worker_pool_add(job, cause) == 0)
		return (job);
	job->params = NULL;
	job_free(job);
	return (NULL);
}

/* Report output read from the command's pipes. Worker thread. */
void
job_report_output(struct job *job, int type, const void *data, size_t len)
{
	pthread_mutex_lock(&job->lock);
	job->pending += len;
	pthread_mutex_unlock(&job->lock);
	job_push(job, type, data, len);
}

/*
 * Report output read into a buffer from job_output_get; the buffer goes
 * with the report, and the caller must not touch it again. Worker thread.
 */
void
job_report_output_buf(struct job *job, int type, uint8_t *buf, size_t len)
{
	struct job_msg	*msg;

	msg = (struct job_msg *)(buf - offsetof(struct job_msg, data));
	pthread_mutex_lock(&job->lock);
	job->pending += len;
	pthread_mutex_unlock(&job->lock);
	msg->type = type;
	msg->job = job;
	msg->len = len;
	job_push_msg(msg);
}

/* Report that the command's row is committed and it starts. */
void
job_report_started(struct job *job, uint64_t audit_id)
{
	struct job_msg	*msg;

	msg = xcalloc(1, sizeof *msg);
	msg->type = JOB_EV_STARTED;
	msg->job = job;
	msg->audit_id = audit_id;
	job_push_msg(msg);
}

/*
 * Report that the command was not run, with an error for the client. This
 * is the job's final report.
 */
void
job_report_error(struct job *job, uint16_t code, const char *text)
{
	struct job_msg	*msg;
	size_t		 len;

	len = strlen(text);
	msg = xcalloc(1, sizeof *msg + len);
	msg->type = JOB_EV_ERROR;
	msg->job = job;
	msg->error_code = code;
	msg->len = len;
	memcpy(msg->data, text, len);
	job_push_msg(msg);
}

/*
 * Report how the command ended. This is the job's final report: the loop
 * frees the job once it has handled it, so the worker must not touch the
 * job afterwards.
 */
void
job_report_exit(struct job *job, const struct frame_exit *x)
{
	struct job_msg	*msg;

	msg = xcalloc(1, sizeof *msg);
	msg->type = JOB_EV_EXIT;
	msg->job = job;
	msg->exit = *x;
	job_push_msg(msg);
}

/* Queue a message carrying data for the loop. */
static void
job_push(struct job *job, int type, const void *data, size_t len)
{
	struct job_msg	*msg;

	msg = xmalloc(sizeof *msg + len);
	memset(msg, 0, sizeof *msg);
	msg->type = type;
	msg->job = job;
	msg->len = len;
	if (len != 0)
		memcpy(msg->data, data, len);
	job_push_msg(msg);
}

/*
 * Send a message to the loop. Output waits in the job's batch until
 * job_report_flush; anything else goes at once, behind the batch, so that
 * the loop sees every message in the order the worker sent it. Worker
 * thread.
 */
static void
job_push_msg(struct job_msg *msg)
{
	struct job	*job = msg->job;

	STAILQ_INSERT_TAIL(&job->batch, msg, entry);
	if (msg->type != JOB_EV_STDOUT && msg->type != JOB_EV_STDERR)
		job_push_list(&job->batch);
}

/*
 * Send the output read since the last call to the loop, in one push: a
 * stream read several buffers at a time then costs one lock and at most
 * one wake-up per poll round, not one per buffer. Worker thread, before
 * it waits.
 */
void
job_report_flush(struct job *job)
{
	if (!STAILQ_EMPTY(&job->batch))
		job_push_list(&job->batch);
}

/*
 * Append messages to the inbox, and wake the loop only if the inbox was
 * empty: the loop takes everything at once when it wakes.
 */
static void
job_push_list(struct job_msgs *msgs)
{
	int	was_empty;

	pthread_mutex_lock(&inbox_lock);
	was_empty = STAILQ_EMPTY(&inbox);
	STAILQ_CONCAT(&inbox, msgs);
	pthread_mutex_unlock(&inbox_lock);
	if (was_empty)
		job_wake(inbox_fd);
}

/* Add one to an eventfd. */
static void
job_wake(int fd)
{
	uint64_t	one = 1;

	if (write(fd, &one, sizeof one) == -1 && errno != EAGAIN)
		fatal("write eventfd");
}

/* The inbox has messages: handle them. Runs on the loop thread. */
static void
job_inbox_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	job_dispatch();
}

/*
 * Hand every waiting message to its session, and free each job whose
 * final message this is. Runs on the loop thread.
 */
void
job_dispatch(void)
{
	struct job_msgs		 msgs;
	struct job_msg		*msg;
	struct job_event	 ev;
	struct job		*job;
	uint64_t		 value;
	int			 final;

	if (read(inbox_fd, &value, sizeof value) == -1 && errno != EAGAIN)
		fatal("read eventfd");
	STAILQ_INIT(&msgs);
	pthread_mutex_lock(&inbox_lock);
	STAILQ_CONCAT(&msgs, &inbox);
	pthread_mutex_unlock(&inbox_lock);

	while ((msg = STAILQ_FIRST(&msgs)) != NULL) {
		STAILQ_REMOVE_HEAD(&msgs, entry);
		job = msg->job;
		ev.kept = 0;
		final = msg->type == JOB_EV_EXIT || msg->type == JOB_EV_ERROR;
		if (msg->type == JOB_EV_STARTED) {
			job->audit_id = msg->audit_id;
			job->started = time(NULL);
			job_started_total++;
		}
		if (job->cb != NULL) {
			memset(&ev, 0, sizeof ev);
			ev.type = msg->type;
			ev.audit_id = msg->audit_id;
			ev.data = msg->data;
			ev.len = msg->len;
			ev.exit = msg->exit;
			ev.error_code = msg->error_code;
			job->cb(job, &ev, job->cb_arg);
		} else if (msg->type == JOB_EV_STDOUT ||
		    msg->type == JOB_EV_STDERR)
			job_output_sent(job, msg->len);
		if (!ev.kept)
			job_msg_free(msg);
		if (final)
			job_free(job);
	}
}

/*
 * Keep the data of an output event after the callback returns, without a
 * copy; it stays valid until it is given to job_output_put, from any
 * thread. Loop thread, in the job's callback.
 */
uint8_t *
job_output_keep(struct job_event *ev)
{
	ev->kept = 1;
	return ((uint8_t *)ev->data);
}

/*
 * Does an item add nothing to what is queued? A new size replaces one
 * the worker has not taken yet, a signal already queued is not queued
 * again (as the kernel merges them), and stdin closes once: a client that
 * sends WINSIZE, SIGNAL or STDIN_EOF without end queues one item, not
 * one each. Notes what is queued. job->lock held.
 */
static int
job_ctl_merged(struct job *job, int type, int arg)
{
	switch (type) {
	case JOB_CTL_RESIZE:
		if (job->resize == NULL)
			return (0);
		job->resize->arg = arg;
		return (1);
	case JOB_CTL_STDIN_EOF:
		if (job->stdin_eof)
			return (1);
		job->stdin_eof = 1;
		return (0);
	case JOB_CTL_SIGNAL:
		if (arg <= 0 || arg >= 64)
			return (0);
		if (job->signals & ((uint64_t)1 << arg))
			return (1);
		job->signals |= (uint64_t)1 << arg;
		return (0);
	}
	return (0);
}

/* Queue a control item for a job's worker. Loop thread. */
static void
job_ctl_add(struct job *job, int type, int arg, const uint8_t *data,
    size_t len)
{
	struct job_ctl	*c;
	int		 was_empty;

	c = xmalloc(sizeof *c + len);
	memset(c, 0, sizeof *c);
	c->type = type;
	c->arg = arg;
	c->len = len;
	if (len != 0)
		memcpy(c->data, data, len);
	pthread_mutex_lock(&job->lock);
	if (job_ctl_merged(job, type, arg)) {
		pthread_mutex_unlock(&job->lock);
		free(c);
		return;
	}
	if (type == JOB_CTL_RESIZE)
		job->resize = c;
	was_empty = STAILQ_EMPTY(&job->ctl);
	STAILQ_INSERT_TAIL(&job->ctl, c, entry);
	if (type == JOB_CTL_STDIN)
		job->stdin_pending += len;
	pthread_mutex_unlock(&job->lock);
	if (was_empty)
		job_wake(job->wake_fd);
}

/* Pass stdin data from the client to the command. */
void
job_stdin(struct job *job, const uint8_t *data, size_t len)
{
	job_ctl_add(job, JOB_CTL_STDIN, 0, data, len);
}

/* Close the command's stdin once what was queued is written. */
void
job_stdin_eof(struct job *job)
{
	job_ctl_add(job, JOB_CTL_STDIN_EOF, 0, NULL, 0);
}

/*
 * Return whether the command's stdin queue is full; if so, the worker
 * reports JOB_EV_STDIN_RESUME once it has drained.
 */
int
job_stdin_full(struct job *job)
{
	int	full;

	pthread_mutex_lock(&job->lock);
	full = job->stdin_pending >= JOB_STDIN_MAX;
	if (full)
		job->stdin_paused = 1;
	pthread_mutex_unlock(&job->lock);
	return (full);
}

/* Send a signal to the command's process group. */
void
job_signal(struct job *job, int sig)
{
	job_ctl_add(job, JOB_CTL_SIGNAL, sig, NULL, 0);
}

/* The client's terminal has a new size: pass it to the command's. */
void
job_resize(struct job *job, u_int rows, u_int cols)
{
	job_ctl_add(job, JOB_CTL_RESIZE, (int)(rows << 16 | cols), NULL, 0);
}

/* Stop the command: SIGTERM to its group, then SIGKILL after the grace. */
void
job_cancel(struct job *job, int reason)
{
	job_ctl_add(job, JOB_CTL_CANCEL, reason, NULL, 0);
}

/*
 * Stop the command because a reload revoked or denied its client: as
 * job_cancel, and its row says why (at most a row's reason). Loop thread.
 */
void
job_revoke(struct job *job, const char *why)
{
	job_ctl_add(job, JOB_CTL_CANCEL, JOB_CANCEL_REVOKED,
	    (const uint8_t *)why, strlen(why));
}

/* Cancel every job, at the end of the shutdown grace. */
void
job_cancel_all(int reason)
{
	struct job	*job;

	TAILQ_FOREACH(job, &job_list, entry)
		job_cancel(job, reason);
}

/*
 * The session has gone: cancel the command and drop what it still sends.
 * The job lives on until the worker's final message.
 */
void
job_detach(struct job *job)
{
	size_t	pending;

	job->cb = NULL;
	job->cb_arg = NULL;
	job_cancel(job, JOB_CANCEL_DISCONNECT);
	pthread_mutex_lock(&job->lock);
	pending = job->pending;
	pthread_mutex_unlock(&job->lock);
	job_output_sent(job, pending);
}

/*
 * The session's socket took len bytes of output: let the worker read more
 * once the backlog is low. Loop thread.
 */
void
job_output_sent(struct job *job, size_t len)
{
	int	wake = 0;

	pthread_mutex_lock(&job->lock);
	job->pending -= len < job->pending ? len : job->pending;
	if (job->throttled && job->pending < JOB_PENDING_LOW) {
		job->throttled = 0;
		wake = 1;
	}
	pthread_mutex_unlock(&job->lock);
	if (wake)
		job_wake(job->wake_fd);
}

/* Free a finished job, after its worker has returned. Loop thread. */
static void
job_free(struct job *job)
{
	struct job_ctl	*c;
	struct timeval	 tv;

	TAILQ_REMOVE(&job_list, job, entry);
	job_number--;
	while ((c = STAILQ_FIRST(&job->ctl)) != NULL) {
		STAILQ_REMOVE_HEAD(&job->ctl, entry);
		free(c);
	}
	close(job->wake_fd);
	pthread_mutex_destroy(&job->lock);
	job_params_free(job->params);
	free(job);
	if (job_number == 0) {
		if (job_trim_ev != NULL) {
			tv.tv_sec = 0;
			tv.tv_usec = JOB_TRIM_DELAY_MS * 1000;
			evtimer_add(job_trim_ev, &tv);
		} else
			malloc_trim(0);
	}
	server_check_exit();
}

/* Free what a session built for a job. */
void
job_params_free(struct job_params *p)
{
	if (p == NULL)
		return;
	record_free(p->rec);
	exec_env_free(p->envp);
	free(p);
}

/* Close the inbox at exit, once every job has been freed. */
void
job_inbox_close(void)
{
	if (inbox_ev != NULL) {
		event_free(inbox_ev);
		inbox_ev = NULL;
	}
	if (job_trim_ev != NULL) {
		event_free(job_trim_ev);
		job_trim_ev = NULL;
	}
	if (inbox_fd != -1) {
		close(inbox_fd);
		inbox_fd = -1;
	}
}

/* Return how many jobs are running. */
u_int
job_count(void)
{
	return (job_number);
}

/* Return what the job runs; read-only while the job lives. */
const struct job_params *
job_get_params(struct job *job)
{
	return (job->params);
}

/* Return the descriptor that wakes the worker when control items wait. */
int
job_get_wake_fd(struct job *job)
{
	return (job->wake_fd);
}

/*
 * Return whether the worker may read more output: not while too much is
 * queued or unsent. If not, the loop wakes the worker once it drains.
 * Worker thread.
 */
int
job_may_read(struct job *job)
{
	int	can_read;

	pthread_mutex_lock(&job->lock);
	can_read = job->pending < JOB_PENDING_MAX;
	if (!can_read)
		job->throttled = 1;
	pthread_mutex_unlock(&job->lock);
	return (can_read);
}

/* Move the waiting control items to the worker's list. Worker thread. */
void
job_take_ctl(struct job *job, struct job_ctls *items)
{
	STAILQ_INIT(items);
	pthread_mutex_lock(&job->lock);
	STAILQ_CONCAT(items, &job->ctl);
	job->resize = NULL;
	job->signals = 0;
	pthread_mutex_unlock(&job->lock);
}

/*
 * The worker wrote (or dropped) len bytes of stdin: if the loop stopped
 * reading the client for it, tell it to resume. Worker thread.
 */
void
job_stdin_consumed(struct job *job, size_t len)
{
	int	resume = 0;

	pthread_mutex_lock(&job->lock);
	job->stdin_pending -= len < job->stdin_pending ? len :
	    job->stdin_pending;
	if (job->stdin_paused && job->stdin_pending < JOB_STDIN_LOW) {
		job->stdin_paused = 0;
		resume = 1;
	}
	pthread_mutex_unlock(&job->lock);
	if (resume)
		job_push(job, JOB_EV_STDIN_RESUME, NULL, 0);
}

/*
 * Write one line per running command, for rcmdd --list: audit id, age in
 * seconds, identity, run-as user, client and command, tab-separated, each
 * text escaped so that a line stays one line. Loop thread.
 */
void
job_list_write(struct evbuffer *out)
{
	struct job		*job;
	const struct cmd_record	*r;
	time_t			 now;
	char			*identity, *command;

	now = time(NULL);
	TAILQ_FOREACH(job, &job_list, entry) {
		if (job->audit_id == 0)
			continue;
		r = job->params->rec;
		identity = job_escape(r->peer.identity != NULL ?
		    r->peer.identity : "-", r->peer.identity != NULL ?
		    strlen(r->peer.identity) : 1, 64);
		command = job_escape(r->command, r->command_len, 200);
		evbuffer_add_printf(out, "%llu\t%lld\t%s\t%s\t%s:%d\t%s\n",
		    (unsigned long long)job->audit_id,
		    (long long)(now - job->started), identity,
		    r->ident.user[0] != '\0' ? r->ident.user : "-",
		    r->peer.client_addr, r->peer.client_port, command);
		free(identity);
		free(command);
	}
}

/*
 * Return an allocated copy of at most max bytes of buf with every control
 * character, tab and newline included, written as a C escape.
 */
char *
job_escape(const char *buf, size_t len, size_t max)
{
	char	*out;

	if (len > max)
		len = max;
	out = xreallocarray(NULL, len + 1, 4);
	strnvisx(out, len * 4 + 1, buf, len,
	    VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
	return (out);
}

/*
 * End the running command with this audit id, as rcmdd --end asks: its
 * group gets SIGTERM, then SIGKILL after KillGrace, and its row says who
 * ended it. Return 0, or -1 if no command runs with that id. Loop thread.
 */
int
job_end(uint64_t audit_id)
{
	struct job	*job;

	TAILQ_FOREACH(job, &job_list, entry) {
		if (job->audit_id == audit_id) {
			job_cancel(job, JOB_CANCEL_OPERATOR);
			return (0);
		}
	}
	return (-1);
}

/* Return how many commands have started since rcmdd did. Loop thread. */
uint64_t
job_started_count(void)
{
	return (job_started_total);
}
