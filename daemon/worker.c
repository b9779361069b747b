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
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include <event2/event.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Jobs: one command from EXEC to EXIT. A job's worker thread commits the
 * running row, spawns the child, moves bytes between the child's pipes and
 * two queues, enforces the timeout, reaps the child, commits the final row
 * and reports. It never touches a session: output and results go to the
 * loop thread through the inbox and its eventfd; stdin, signals and
 * cancellation come back through the job's control queue and wake fd.
 *
 * A job is freed by the loop thread when it handles the job's final
 * message (EXIT or ERROR), which is the last thing the worker does with the
 * job, so a pointer in the inbox is always valid.
 *
 * Locks: inbox_lock guards the inbox; job->lock guards the job's control
 * queue and counters. No thread holds both at once, and neither is held
 * across a system call or a callback.
 *
 * In --single-thread mode the loop thread runs the same worker code inline
 * and calls the session's pump between polls, so that the session's own
 * socket is served while everyone else waits.
 */

#define JOB_PENDING_MAX		(256 * 1024)
#define JOB_PENDING_LOW		(64 * 1024)
#define JOB_STDIN_MAX		(256 * 1024)
#define JOB_STDIN_LOW		(64 * 1024)
#define JOB_READ_SIZE		65536
#define JOB_STACK_SIZE		(256 * 1024)
#define JOB_REAP_TICK_MS	20

#define JOB_CTL_STDIN		1
#define JOB_CTL_STDIN_EOF	2
#define JOB_CTL_SIGNAL		3
#define JOB_CTL_CANCEL		4

/* A message from a worker to the loop. */
struct job_msg {
	int			 type;
	struct job		*job;
	uint64_t		 audit_id;
	struct frame_exit	 exit;
	uint16_t		 error_code;
	size_t			 len;
	STAILQ_ENTRY(job_msg)	 entry;
	uint8_t			 data[];
};
STAILQ_HEAD(job_msgs, job_msg);

/* A control item from the loop to a worker. */
struct job_ctl {
	int			 type;
	int			 arg;
	size_t			 len;
	size_t			 off;
	STAILQ_ENTRY(job_ctl)	 entry;
	uint8_t			 data[];
};
STAILQ_HEAD(job_ctls, job_ctl);

struct job {
	/* Set before the worker starts, then read-only. */
	struct job_params	*params;
	int			 flags;
	int			 wake_fd;

	/* Loop thread only. */
	job_event_cb		 cb;
	void			*cb_arg;
	pthread_t		 thread;
	int			 has_thread;
	TAILQ_ENTRY(job)	 entry;

	/* Guarded by lock. */
	pthread_mutex_t		 lock;
	struct job_ctls		 ctl;
	size_t			 pending;
	int			 throttled;
	size_t			 stdin_pending;
	int			 stdin_paused;

	/* The inline runner only. */
	struct job_pump		*pump;
};
TAILQ_HEAD(jobs, job);

/* What the worker knows about its running command. */
struct job_run {
	struct job		*job;
	uint64_t		 audit_id;
	pid_t			 pid;
	int			 pidfd;
	int			 fd_in;
	int			 fd_out;
	int			 fd_err;
	struct job_ctls		 stdin_queue;
	int			 stdin_eof;
	int			 reaped;
	int			 wstatus;
	int			 timed_out;
	int			 term_sent;
	int			 cancel;
	uint64_t		 started;
	uint64_t		 timeout_at;
	uint64_t		 kill_at;
	uint64_t		 drain_at;
	char			*output;
	size_t			 output_len;
	uint64_t		 output_bytes;
	int			 truncated;
	char			 reason[256];
};

static void	*job_main(void *);
static void	 job_execute(struct job_run *);
static void	 job_loop(struct job_run *);
static void	 job_read_ctl(struct job_run *);
static void	 job_write_stdin(struct job_run *);
static int	 job_read_pipe(struct job_run *, int *, int);
static void	 job_reap(struct job_run *);
static void	 job_terminate(struct job_run *, uint64_t);
static void	 job_finish(struct job_run *);
static void	 job_push(struct job *, int, const void *, size_t);
static void	 job_push_msg(struct job_msg *);
static void	 job_wake(int);
static void	 job_free(struct job *);
static void	 job_ctl_add(struct job *, int, int, const uint8_t *, size_t);
static void	 job_inbox_cb(int, short, void *);
static void	 job_close(int *);
static uint64_t	 job_now(void);

static struct jobs	 job_list = TAILQ_HEAD_INITIALIZER(job_list);
static u_int		 job_number;
static pthread_mutex_t	 inbox_lock = PTHREAD_MUTEX_INITIALIZER;
static struct job_msgs	 inbox = STAILQ_HEAD_INITIALIZER(inbox);
static int		 inbox_fd = -1;
static struct event	*inbox_ev;

/* Create the inbox and its event; called once on the loop thread. */
void
job_init(struct event_base *base)
{
	inbox_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (inbox_fd == -1)
		fatal("eventfd");
	inbox_ev = event_new(base, inbox_fd, EV_READ | EV_PERSIST,
	    job_inbox_cb, NULL);
	if (inbox_ev == NULL || event_add(inbox_ev, NULL) != 0)
		fatalx("cannot add the job inbox event");
}

/*
 * Start a job for a session. The job takes ownership of params. Unless
 * JOB_INLINE is given, the worker thread starts now, with every signal
 * blocked; with it, the caller runs the job with job_run_inline.
 */
struct job *
job_start(struct job_params *params, int flags, job_event_cb cb, void *arg)
{
	struct job	*job;
	pthread_attr_t	 attr;
	sigset_t	 all, old;
	int		 error;

	job = xcalloc(1, sizeof *job);
	job->params = params;
	job->flags = flags;
	job->cb = cb;
	job->cb_arg = arg;
	STAILQ_INIT(&job->ctl);
	pthread_mutex_init(&job->lock, NULL);
	job->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (job->wake_fd == -1)
		fatal("eventfd");
	TAILQ_INSERT_TAIL(&job_list, job, entry);
	job_number++;

	if (flags & JOB_INLINE)
		return (job);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, JOB_STACK_SIZE);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	error = pthread_create(&job->thread, &attr, job_main, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (error != 0) {
		errno = error;
		fatal("pthread_create");
	}
	job->has_thread = 1;
	return (job);
}

/*
 * Run an inline job to its end on the loop thread, calling the pump before
 * each poll so that the session's socket and the signal pipe are served.
 */
void
job_run_inline(struct job *job, struct job_pump *pump)
{
	job->pump = pump;
	job_main(job);
	job->pump = NULL;
}

/* The worker thread. */
static void *
job_main(void *arg)
{
	struct job_run	run;

	memset(&run, 0, sizeof run);
	run.job = arg;
	run.pid = -1;
	run.pidfd = run.fd_in = run.fd_out = run.fd_err = -1;
	STAILQ_INIT(&run.stdin_queue);
	job_execute(&run);
	return (NULL);
}

/* Record, spawn, run and finish one command. */
static void
job_execute(struct job_run *run)
{
	struct job		*job = run->job;
	struct job_params	*p = job->params;
	struct audit_start	 as;
	struct audit_end	 ae;
	struct job_msg		*msg;
	char			*cause = NULL, *text;
	int			 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int			 err[2] = { -1, -1 }, error;

	memset(&as, 0, sizeof as);
	as.client_addr = p->client_addr;
	as.client_port = p->client_port;
	as.client_name = p->client_name;
	as.command = p->command;
	as.command_len = p->command_len;
	if (audit_begin(&as, &run->audit_id, &cause) != 0) {
		log_warnx("command from %s refused: %s", p->client_addr,
		    cause);
		xasprintf(&text, "the audit log cannot record the command, "
		    "so it was not run (%s); the operator should check the "
		    "daemon's log and the audit database", cause);
		free(cause);
		msg = xcalloc(1, sizeof *msg + strlen(text));
		msg->type = JOB_EV_ERROR;
		msg->job = job;
		msg->error_code = ERR_AUDIT;
		msg->len = strlen(text);
		memcpy(msg->data, text, msg->len);
		free(text);
		job_push_msg(msg);
		return;
	}
	msg = xcalloc(1, sizeof *msg);
	msg->type = JOB_EV_STARTED;
	msg->job = job;
	msg->audit_id = run->audit_id;
	job_push_msg(msg);

	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1) {
		error = errno;
		goto failed;
	}
	run->started = job_now();
	run->pid = exec_spawn(p->command, p->envp, p->cwd, in[0], out[1],
	    err[1], &error);
	job_close(&in[0]);
	job_close(&out[1]);
	job_close(&err[1]);
	if (run->pid == -1)
		goto failed;
	run->fd_in = in[1];
	run->fd_out = out[0];
	run->fd_err = err[0];
	fcntl(run->fd_in, F_SETFL, O_NONBLOCK);
	fcntl(run->fd_out, F_SETFL, O_NONBLOCK);
	fcntl(run->fd_err, F_SETFL, O_NONBLOCK);
	run->pidfd = exec_pidfd(run->pid);
	if (p->timeout_ms != 0)
		run->timeout_at = run->started + p->timeout_ms;
	log_debug("command %llu: pid %ld", (unsigned long long)run->audit_id,
	    (long)run->pid);

	job_loop(run);
	job_finish(run);
	return;

failed:
	job_close(&in[0]);
	job_close(&in[1]);
	job_close(&out[0]);
	job_close(&out[1]);
	job_close(&err[0]);
	job_close(&err[1]);
	snprintf(run->reason, sizeof run->reason, "cannot start /bin/sh: %s",
	    strerror(error));
	log_warnx("command %llu: %s", (unsigned long long)run->audit_id,
	    run->reason);
	memset(&ae, 0, sizeof ae);
	ae.status = "failed";
	ae.reason = run->reason;
	if (audit_finish(run->audit_id, &ae, &cause) != 0) {
		log_warnx("command %llu: %s", (unsigned long long)run->audit_id,
		    cause);
		free(cause);
	}
	msg = xcalloc(1, sizeof *msg);
	msg->type = JOB_EV_EXIT;
	msg->job = job;
	msg->exit.kind = EXIT_FAILED;
	msg->exit.code = error;
	msg->exit.audit_id = run->audit_id;
	job_push_msg(msg);
}

/*
 * Move bytes until the shell has exited and its output is drained, or the
 * drain grace after its exit has passed.
 */
static void
job_loop(struct job_run *run)
{
	struct job		*job = run->job;
	struct job_params	*p = job->params;
	struct job_pump		*pump = job->pump;
	struct pollfd		 pfd[5 + JOB_PUMP_FDS];
	uint64_t		 now, next;
	int			 n, i, i_wake, i_out, i_err, i_in, i_pid, i_pump;
	int			 can_read, timeout, rc;

	for (;;) {
		if (pump != NULL) {
			rc = pump->cb(pump);
			memset(pump->revents, 0, sizeof pump->revents);
			if (rc != JOB_PUMP_OK && run->cancel == 0) {
				run->cancel = rc == JOB_PUMP_GONE ?
				    JOB_CANCEL_DISCONNECT : JOB_CANCEL_SHUTDOWN;
				if (run->reaped)
					run->drain_at = job_now();
				else if (!run->term_sent)
					job_terminate(run, job_now());
			}
			job_read_ctl(run);
		}
		/* Close stdin once the client said EOF and all is written. */
		if (run->fd_in != -1 && run->stdin_eof &&
		    STAILQ_EMPTY(&run->stdin_queue))
			job_close(&run->fd_in);

		now = job_now();
		if (!run->reaped && run->timeout_at != 0 &&
		    now >= run->timeout_at && !run->timed_out) {
			run->timed_out = 1;
			snprintf(run->reason, sizeof run->reason,
			    "timed out after %u ms", p->timeout_ms);
			job_terminate(run, now);
		}
		if (!run->reaped && run->kill_at != 0 && now >= run->kill_at) {
			exec_kill(run->pid, SIGKILL);
			run->kill_at = 0;
		}
		if (run->reaped && (run->fd_out != -1 || run->fd_err != -1) &&
		    now >= run->drain_at) {
			log_debug("command %llu: output still open %u ms after "
			    "the shell exited; closing it",
			    (unsigned long long)run->audit_id, p->drain_ms);
			job_close(&run->fd_out);
			job_close(&run->fd_err);
			exec_kill(run->pid, SIGKILL);
		}
		if (run->reaped && run->fd_out == -1 && run->fd_err == -1)
			break;

		pthread_mutex_lock(&job->lock);
		can_read = job->pending < JOB_PENDING_MAX;
		if (!can_read)
			job->throttled = 1;
		pthread_mutex_unlock(&job->lock);

		n = 0;
		i_out = i_err = i_in = i_pid = i_pump = -1;
		pfd[n].fd = job->wake_fd;
		pfd[n].events = POLLIN;
		i_wake = n++;
		if (can_read && run->fd_out != -1) {
			pfd[n].fd = run->fd_out;
			pfd[n].events = POLLIN;
			i_out = n++;
		}
		if (can_read && run->fd_err != -1) {
			pfd[n].fd = run->fd_err;
			pfd[n].events = POLLIN;
			i_err = n++;
		}
		if (run->fd_in != -1 && !STAILQ_EMPTY(&run->stdin_queue)) {
			pfd[n].fd = run->fd_in;
			pfd[n].events = POLLOUT;
			i_in = n++;
		}
		if (!run->reaped && run->pidfd != -1) {
			pfd[n].fd = run->pidfd;
			pfd[n].events = POLLIN;
			i_pid = n++;
		}
		if (pump != NULL) {
			i_pump = n;
			for (i = 0; i < JOB_PUMP_FDS; i++) {
				pfd[n].fd = pump->fd[i];
				pfd[n].events = pump->events[i];
				n++;
			}
		}

		next = UINT64_MAX;
		if (!run->reaped && run->timeout_at != 0 && !run->timed_out)
			next = run->timeout_at;
		if (!run->reaped && run->kill_at != 0 && run->kill_at < next)
			next = run->kill_at;
		if (run->reaped && run->drain_at < next)
			next = run->drain_at;
		if (!run->reaped && run->pidfd == -1 &&
		    now + JOB_REAP_TICK_MS < next)
			next = now + JOB_REAP_TICK_MS;
		if (pump != NULL && pump->timeout_ms >= 0 &&
		    now + (uint64_t)pump->timeout_ms < next)
			next = now + pump->timeout_ms;
		if (next == UINT64_MAX)
			timeout = -1;
		else if (next <= now)
			timeout = 0;
		else if (next - now > INT32_MAX)
			timeout = INT32_MAX;
		else
			timeout = (int)(next - now);

		if (poll(pfd, n, timeout) == -1) {
			if (errno != EINTR)
				fatal("poll");
			/* A signal (inline only): the pump reads the pipe. */
			for (i = 0; i < n; i++)
				pfd[i].revents = 0;
		}

		if (pfd[i_wake].revents != 0)
			job_read_ctl(run);
		if (i_in != -1 && pfd[i_in].revents != 0)
			job_write_stdin(run);
		if (i_out != -1 && pfd[i_out].revents != 0)
			job_read_pipe(run, &run->fd_out, JOB_EV_STDOUT);
		if (i_err != -1 && pfd[i_err].revents != 0)
			job_read_pipe(run, &run->fd_err, JOB_EV_STDERR);
		if ((i_pid != -1 && pfd[i_pid].revents != 0) ||
		    (!run->reaped && run->pidfd == -1))
			job_reap(run);
		if (i_pump != -1) {
			for (i = 0; i < JOB_PUMP_FDS; i++)
				pump->revents[i] = pfd[i_pump + i].revents;
		}
	}
}

/* Take the loop's control items: stdin, signals and cancellation. */
static void
job_read_ctl(struct job_run *run)
{
	struct job	*job = run->job;
	struct job_ctls	 items;
	struct job_ctl	*c;
	uint64_t	 value;

	if (read(job->wake_fd, &value, sizeof value) == -1 &&
	    errno != EAGAIN)
		log_warn("command %llu: read wake fd",
		    (unsigned long long)run->audit_id);
	STAILQ_INIT(&items);
	pthread_mutex_lock(&job->lock);
	STAILQ_CONCAT(&items, &job->ctl);
	pthread_mutex_unlock(&job->lock);

	while ((c = STAILQ_FIRST(&items)) != NULL) {
		STAILQ_REMOVE_HEAD(&items, entry);
		switch (c->type) {
		case JOB_CTL_STDIN:
			if (run->fd_in != -1 && !run->stdin_eof) {
				STAILQ_INSERT_TAIL(&run->stdin_queue, c, entry);
				continue;
			}
			pthread_mutex_lock(&job->lock);
			job->stdin_pending -= c->len;
			pthread_mutex_unlock(&job->lock);
			break;
		case JOB_CTL_STDIN_EOF:
			run->stdin_eof = 1;
			break;
		case JOB_CTL_SIGNAL:
			if (!run->reaped) {
				log_debug("command %llu: signal %d from the "
				    "client", (unsigned long long)run->audit_id,
				    c->arg);
				exec_kill(run->pid, c->arg);
			}
			break;
		case JOB_CTL_CANCEL:
			if (run->cancel == 0)
				run->cancel = c->arg;
			if (run->reaped)
				run->drain_at = job_now();
			else if (!run->term_sent)
				job_terminate(run, job_now());
			break;
		}
		free(c);
	}
}

/* Write queued stdin to the child; drop it all if the child closed it. */
static void
job_write_stdin(struct job_run *run)
{
	struct job	*job = run->job;
	struct job_ctl	*c;
	ssize_t		 n;
	size_t		 done = 0;
	int		 resume = 0;

	while ((c = STAILQ_FIRST(&run->stdin_queue)) != NULL) {
		n = write(run->fd_in, c->data + c->off, c->len - c->off);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n == -1) {
			/* EPIPE: the command closed its stdin; drop the rest. */
			while ((c = STAILQ_FIRST(&run->stdin_queue)) != NULL) {
				STAILQ_REMOVE_HEAD(&run->stdin_queue, entry);
				done += c->len - c->off;
				free(c);
			}
			job_close(&run->fd_in);
			break;
		}
		c->off += n;
		done += n;
		if (c->off == c->len) {
			STAILQ_REMOVE_HEAD(&run->stdin_queue, entry);
			free(c);
		}
	}
	pthread_mutex_lock(&job->lock);
	job->stdin_pending -= done;
	if (job->stdin_paused && job->stdin_pending < JOB_STDIN_LOW) {
		job->stdin_paused = 0;
		resume = 1;
	}
	pthread_mutex_unlock(&job->lock);
	if (resume)
		job_push(job, JOB_EV_STDIN_RESUME, NULL, 0);
}

/*
 * Read what a pipe holds, send it to the loop and keep a copy for the
 * audit row up to the cap. Return 0, or -1 once the pipe is closed.
 */
static int
job_read_pipe(struct job_run *run, int *fd, int type)
{
	struct job_params	*p = run->job->params;
	uint8_t			 buf[JOB_READ_SIZE];
	ssize_t			 n;
	size_t			 keep;

	n = read(*fd, buf, sizeof buf);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	if (n <= 0) {
		job_close(fd);
		return (-1);
	}
	job_push(run->job, type, buf, n);
	run->output_bytes += n;
	keep = (size_t)n;
	if (run->output_len + keep > p->output_max) {
		keep = p->output_max - run->output_len;
		run->truncated = 1;
	}
	if (keep != 0) {
		run->output = xreallocarray(run->output, 1,
		    run->output_len + keep);
		memcpy(run->output + run->output_len, buf, keep);
		run->output_len += keep;
	}
	return (0);
}

/* Reap the shell if it has exited, and start the bounded drain. */
static void
job_reap(struct job_run *run)
{
	pid_t	pid;

	pid = waitpid(run->pid, &run->wstatus, WNOHANG);
	if (pid == 0 || (pid == -1 && errno == EINTR))
		return;
	if (pid == -1)
		fatal("waitpid %ld", (long)run->pid);
	run->reaped = 1;
	run->drain_at = job_now() + run->job->params->drain_ms;
	if (run->cancel != 0)
		run->drain_at = job_now();
	job_close(&run->pidfd);
}

/* Ask the command's process group to stop; SIGKILL follows the grace. */
static void
job_terminate(struct job_run *run, uint64_t now)
{
	run->term_sent = 1;
	exec_kill(run->pid, SIGTERM);
	run->kill_at = now + run->job->params->kill_grace_ms;
	if (run->kill_at == now)
		run->kill_at = now + 1;
}

/* Decide how the command ended, commit the final row and report EXIT. */
static void
job_finish(struct job_run *run)
{
	struct job		*job = run->job;
	struct audit_end	 ae;
	struct job_msg		*msg;
	struct job_ctl		*c;
	char			*cause = NULL, vis[128];
	size_t			 visin;

	while ((c = STAILQ_FIRST(&run->stdin_queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&run->stdin_queue, entry);
		free(c);
	}
	job_close(&run->fd_in);

	msg = xcalloc(1, sizeof *msg);
	msg->type = JOB_EV_EXIT;
	msg->job = job;
	msg->exit.audit_id = run->audit_id;
	msg->exit.duration_us = (job_now() - run->started) * 1000;

	memset(&ae, 0, sizeof ae);
	ae.duration_ms = job_now() - run->started;
	ae.output = run->output;
	ae.output_len = run->output_len;
	ae.output_bytes = run->output_bytes;
	ae.truncated = run->truncated;
	if (WIFSIGNALED(run->wstatus)) {
		ae.has_signal = 1;
		ae.signal = WTERMSIG(run->wstatus);
		msg->exit.kind = EXIT_SIGNALED;
		msg->exit.code = ae.signal;
	} else {
		ae.has_exit_code = 1;
		ae.exit_code = WEXITSTATUS(run->wstatus);
		msg->exit.kind = EXIT_EXITED;
		msg->exit.code = ae.exit_code;
	}
	if (run->cancel == JOB_CANCEL_DISCONNECT) {
		ae.status = "disconnected";
		strlcpy(run->reason, "the client disconnected",
		    sizeof run->reason);
		msg->exit.kind = EXIT_CANCELLED;
	} else if (run->cancel == JOB_CANCEL_SHUTDOWN) {
		ae.status = "cancelled";
		strlcpy(run->reason, "rcmdd was shutting down",
		    sizeof run->reason);
		msg->exit.kind = EXIT_CANCELLED;
	} else if (run->timed_out) {
		ae.status = "timeout";
		msg->exit.kind = EXIT_TIMEDOUT;
	} else if (ae.has_signal)
		ae.status = "signaled";
	else
		ae.status = "exited";
	if (run->reason[0] != '\0')
		ae.reason = run->reason;

	if (audit_finish(run->audit_id, &ae, &cause) != 0) {
		log_warnx("command %llu: cannot record how it ended: %s",
		    (unsigned long long)run->audit_id, cause);
		free(cause);
	}
	visin = job->params->command_len;
	if (visin > (sizeof vis - 1) / 4)
		visin = (sizeof vis - 1) / 4;
	strnvisx(vis, sizeof vis, job->params->command, visin,
	    VIS_SAFE | VIS_OCTAL);
	log_info("command %llu from %s:%d: \"%s%s\" %s %s%d in %llu ms",
	    (unsigned long long)run->audit_id, job->params->client_addr,
	    job->params->client_port, vis,
	    visin < job->params->command_len ? "..." : "", ae.status,
	    ae.has_signal ? "signal " : "code ",
	    ae.has_signal ? ae.signal : ae.exit_code,
	    (unsigned long long)ae.duration_ms);
	free(run->output);
	run->output = NULL;

	/* The last touch of the job: the loop frees it on this message. */
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
	if (type == JOB_EV_STDOUT || type == JOB_EV_STDERR) {
		pthread_mutex_lock(&job->lock);
		job->pending += len;
		pthread_mutex_unlock(&job->lock);
	}
	job_push_msg(msg);
}

/*
 * Append a message to the inbox, and wake the loop only if the inbox was
 * empty: the loop takes everything at once when it wakes.
 */
static void
job_push_msg(struct job_msg *msg)
{
	int	was_empty;

	pthread_mutex_lock(&inbox_lock);
	was_empty = STAILQ_EMPTY(&inbox);
	STAILQ_INSERT_TAIL(&inbox, msg, entry);
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
		final = msg->type == JOB_EV_EXIT || msg->type == JOB_EV_ERROR;
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
		free(msg);
		if (final)
			job_free(job);
	}
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

/* Stop the command: SIGTERM to its group, then SIGKILL after the grace. */
void
job_cancel(struct job *job, int reason)
{
	job_ctl_add(job, JOB_CTL_CANCEL, reason, NULL, 0);
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

	if (job->has_thread)
		pthread_join(job->thread, NULL);
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
	server_check_exit();
}

/* Free what a session built for a job. */
void
job_params_free(struct job_params *p)
{
	if (p == NULL)
		return;
	free(p->command);
	free(p->client_addr);
	free(p->client_name);
	free(p->cwd);
	exec_env_free(p->envp);
	free(p);
}

/* Return how many jobs are running. */
u_int
job_count(void)
{
	return (job_number);
}

/* Close a descriptor and mark it closed. */
static void
job_close(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* Return a monotonic time in milliseconds. */
static uint64_t
job_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}
