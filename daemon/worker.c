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
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "job_worker.h"
#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The worker: the machine that runs one command. It commits the running
 * row, spawns the child, moves bytes between the child's pipes and the
 * job's queues (job.c), enforces the timeout, reaps the child, commits
 * the final row and reports EXIT. It owns the child and its pipes and
 * never touches a session.
 *
 * It does not poll by itself: worker_fill gives the descriptors to poll
 * and the timeout, worker_step takes the poll's results and moves the
 * command on, and worker_done says when it has ended. A pool thread
 * (worker_pool.c) drives it with poll alone; in --single-thread mode the
 * session drives the same machine on the loop thread, polling its own
 * socket in the same call (session_inline.c). Either way the machine
 * talks to the session only through the job's queues.
 *
 * A command is done when its shell has exited and its output is drained;
 * a process it left behind holding the pipes open gets DrainTimeout, then
 * the pipes are closed. Then whatever is left of the command is killed:
 * its cgroup (cgroup.c), where commands have one, and its process group.
 *
 * The shell is reaped last. Its exit is seen with waitid(WNOWAIT), which
 * leaves it a zombie: its pid, and so its process group id, cannot be
 * given to another process while rcmdd may still signal the group. Reaped
 * first, a command that moved its pipe holder out with setsid would free
 * the number, and the drain's SIGKILL could reach an unrelated group that
 * was given it.
 */

#define WORKER_SMALL_READ	4096
#define WORKER_READ_BATCH	4
#define WORKER_PIPE_SIZE	(1024 * 1024)
#define WORKER_REAP_TICK_MS	20

/* What the worker knows about its running command. */
struct worker {
	struct job		*job;
	const struct job_params	*p;
	struct cmd_record	*rec;	/* the job's; its outcome is ours */
	int			 done;	/* EXIT or ERROR reported */
	pid_t			 pid;
	int			 pidfd;
	int			 fd_in;
	int			 fd_out;
	int			 fd_err;
	struct job_ctls		 stdin_queue;
	int			 stdin_eof;
	int			 exited;	/* a zombie, not reaped */
	int			 wstatus;
	struct cgroup		*cgroup;
	int			 timed_out;
	int			 term_sent;
	int			 cancel;
	uint64_t		 started;
	uint64_t		 timeout_at;
	uint64_t		 kill_at;
	uint64_t		 drain_at;
	uint8_t			*rbuf;
	int			 grown[2];	/* stdout, stderr */
	char			 reason[256];

	/* Where worker_fill put each descriptor; -1: not polled. */
	int			 i_wake;
	int			 i_out;
	int			 i_err;
	int			 i_in;
	int			 i_pid;
};

static void	 worker_begin(struct worker *);
static void	 worker_failed(struct worker *, int, int *, int *, int *);
static void	 worker_tick(struct worker *);
static void	 worker_read_ctl(struct worker *);
static void	 worker_write_stdin(struct worker *);
static void	 worker_read_pipe(struct worker *, int *, int);
static ssize_t	 worker_read_chunk(struct worker *, int *, int);
static void	 worker_check_exit(struct worker *);
static void	 worker_end(struct worker *);
static void	 worker_terminate(struct worker *, uint64_t);
static void	 worker_finish(struct worker *);
static void	 worker_record(struct worker *);
static void	 worker_close(int *);
static uint64_t	 worker_now(void);

/*
 * Start the machine for a job: commit the running row and spawn the
 * command. If either fails, the job's final report is already sent and
 * the worker is done at once. Called by whoever drives it, a pool thread
 * or the loop thread (inline); the same thread drives it to its end.
 */
struct worker *
worker_new(struct job *job)
{
	struct worker	*run;

	run = xcalloc(1, sizeof *run);
	run->job = job;
	run->p = job_get_params(job);
	run->rec = run->p->rec;
	run->pid = -1;
	run->pidfd = run->fd_in = run->fd_out = run->fd_err = -1;
	run->i_wake = run->i_out = run->i_err = run->i_in = run->i_pid = -1;
	STAILQ_INIT(&run->stdin_queue);
	worker_begin(run);
	return (run);
}

/* Free a worker once it is done; the job is the loop's by then. */
void
worker_free(struct worker *run)
{
	free(run);
}

/* Record and spawn the command. */
static void
worker_begin(struct worker *run)
{
	struct job		*job = run->job;
	const struct job_params	*p = run->p;
	struct cmd_record	*rec = run->rec;
	char			*cause = NULL, *text;
	const char		*what;
	int			 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int			 err[2] = { -1, -1 }, error;

	if (audit_begin(rec, &cause) != 0) {
		log_debug("command from %s refused: %s", rec->peer.client_addr,
		    cause);
		xasprintf(&text, "the audit log cannot record the command, "
		    "so it was not run (%s); the operator should check the "
		    "daemon's log and the audit database", cause);
		free(cause);
		run->done = 1;
		job_report_error(job, ERR_AUDIT, text);
		free(text);
		return;
	}
	job_report_started(job, run->rec->id);

	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1) {
		worker_failed(run, errno, in, out, err);
		return;
	}
	if (cgroup_new(rec->id, &rec->ident, &run->cgroup,
	    &cause) != 0) {
		strlcpy(run->reason, cause, sizeof run->reason);
		free(cause);
		worker_failed(run, EIO, in, out, err);
		return;
	}
	run->started = worker_now();
	run->pid = exec_spawn(rec->command, p->envp, &rec->ident, run->cgroup,
	    in[0], out[1], err[1], &error, &what);
	worker_close(&in[0]);
	worker_close(&out[1]);
	worker_close(&err[1]);
	if (run->pid == -1) {
		snprintf(run->reason, sizeof run->reason, "cannot %s: %s",
		    what, strerror(error));
		worker_failed(run, error, in, out, err);
		return;
	}
	run->fd_in = in[1];
	run->fd_out = out[0];
	run->fd_err = err[0];
	fcntl(run->fd_in, F_SETFL, O_NONBLOCK);
	fcntl(run->fd_out, F_SETFL, O_NONBLOCK);
	fcntl(run->fd_err, F_SETFL, O_NONBLOCK);
	run->pidfd = exec_pidfd(run->pid);
	if (rec->timeout_ms != 0)
		run->timeout_at = run->started + rec->timeout_ms;
	log_debug("command %llu: pid %ld", (unsigned long long)run->rec->id,
	    (long)run->pid);
}

/*
 * The command could not be started: close what was opened, commit the
 * failed row and report EXIT, which ends the job.
 */
static void
worker_failed(struct worker *run, int error, int *in, int *out, int *err)
{
	struct cmd_record	*rec = run->rec;
	struct frame_exit	 x;

	if (run->reason[0] == '\0')
		snprintf(run->reason, sizeof run->reason,
		    "cannot start /bin/sh: %s", strerror(error));
	cgroup_free(run->cgroup);
	run->cgroup = NULL;
	worker_close(&in[0]);
	worker_close(&in[1]);
	worker_close(&out[0]);
	worker_close(&out[1]);
	worker_close(&err[0]);
	worker_close(&err[1]);
	log_warnx("command %llu: %s", (unsigned long long)rec->id,
	    run->reason);
	rec->status = "failed";
	worker_record(run);
	memset(&x, 0, sizeof x);
	x.kind = EXIT_FAILED;
	x.code = error;
	x.audit_id = rec->id;
	if (rec->end_seq != 0) {
		memcpy(x.hash, rec->end_hash, EXIT_HASH_LEN);
		x.has_hash = 1;
	}
	run->done = 1;
	job_report_exit(run->job, &x);
}

/*
 * Fill pfd (WORKER_POLL_FDS entries at most) with the descriptors the
 * machine waits on, and *timeout with how long it may wait (-1: no
 * limit); return how many were filled. The driver polls them, maybe with
 * descriptors of its own after them, and passes the same array to
 * worker_step.
 */
int
worker_fill(struct worker *run, struct pollfd *pfd, int *timeout)
{
	uint64_t	now, next;
	int		n = 0, can_read;

	run->i_wake = run->i_out = run->i_err = run->i_in = run->i_pid = -1;
	if (run->done) {
		*timeout = 0;
		return (0);
	}
	can_read = job_may_read(run->job);
	pfd[n].fd = job_get_wake_fd(run->job);
	pfd[n].events = POLLIN;
	run->i_wake = n++;
	if (can_read && run->fd_out != -1) {
		pfd[n].fd = run->fd_out;
		pfd[n].events = POLLIN;
		run->i_out = n++;
	}
	if (can_read && run->fd_err != -1) {
		pfd[n].fd = run->fd_err;
		pfd[n].events = POLLIN;
		run->i_err = n++;
	}
	if (run->fd_in != -1 && !STAILQ_EMPTY(&run->stdin_queue)) {
		pfd[n].fd = run->fd_in;
		pfd[n].events = POLLOUT;
		run->i_in = n++;
	}
	if (!run->exited && run->pidfd != -1) {
		pfd[n].fd = run->pidfd;
		pfd[n].events = POLLIN;
		run->i_pid = n++;
	}

	now = worker_now();
	next = UINT64_MAX;
	if (!run->exited && run->timeout_at != 0 && !run->timed_out)
		next = run->timeout_at;
	if (!run->exited && run->kill_at != 0 && run->kill_at < next)
		next = run->kill_at;
	if (run->exited && run->drain_at < next)
		next = run->drain_at;
	if (!run->exited && run->pidfd == -1 &&
	    now + WORKER_REAP_TICK_MS < next)
		next = now + WORKER_REAP_TICK_MS;
	if (next == UINT64_MAX)
		*timeout = -1;
	else if (next <= now)
		*timeout = 0;
	else if (next - now > INT32_MAX)
		*timeout = INT32_MAX;
	else
		*timeout = (int)(next - now);
	return (n);
}

/*
 * One step: handle what the poll over worker_fill's descriptors found
 * (their revents, all 0 after a timeout or EINTR), then the deadlines;
 * once the shell has exited and its output is drained, end the command
 * and report EXIT, after which the machine is done.
 */
void
worker_step(struct worker *run, const struct pollfd *pfd)
{
	if (run->done)
		return;
	if (run->i_wake != -1 && pfd[run->i_wake].revents != 0)
		worker_read_ctl(run);
	if (run->i_in != -1 && pfd[run->i_in].revents != 0)
		worker_write_stdin(run);
	if (run->i_out != -1 && pfd[run->i_out].revents != 0)
		worker_read_pipe(run, &run->fd_out, JOB_EV_STDOUT);
	if (run->i_err != -1 && pfd[run->i_err].revents != 0)
		worker_read_pipe(run, &run->fd_err, JOB_EV_STDERR);
	job_report_flush(run->job);
	if ((run->i_pid != -1 && pfd[run->i_pid].revents != 0) ||
	    (!run->exited && run->pidfd == -1))
		worker_check_exit(run);
	worker_tick(run);
}

/* Return whether the command has ended and its final report is sent. */
int
worker_done(struct worker *run)
{
	return (run->done);
}

/*
 * Close stdin once it is all written, act on the deadlines (the timeout,
 * the SIGKILL after the grace, the drain after the shell's exit), and
 * finish once the shell has exited and its output is closed.
 */
static void
worker_tick(struct worker *run)
{
	uint64_t	now;

	/* Close stdin once the client said EOF and all is written. */
	if (run->fd_in != -1 && run->stdin_eof &&
	    STAILQ_EMPTY(&run->stdin_queue))
		worker_close(&run->fd_in);

	now = worker_now();
	if (!run->exited && run->timeout_at != 0 &&
	    now >= run->timeout_at && !run->timed_out) {
		run->timed_out = 1;
		snprintf(run->reason, sizeof run->reason,
		    "timed out after %u ms", run->rec->timeout_ms);
		worker_terminate(run, now);
	}
	if (!run->exited && run->kill_at != 0 && now >= run->kill_at) {
		exec_kill(run->pid, SIGKILL);
		cgroup_kill(run->cgroup);
		run->kill_at = 0;
	}
	if (run->exited && (run->fd_out != -1 || run->fd_err != -1) &&
	    now >= run->drain_at) {
		log_debug("command %llu: output still open %u ms after "
		    "the shell exited; closing it",
		    (unsigned long long)run->rec->id, run->p->drain_ms);
		worker_close(&run->fd_out);
		worker_close(&run->fd_err);
	}
	if (run->exited && run->fd_out == -1 && run->fd_err == -1) {
		worker_end(run);
		worker_finish(run);
	}
}

/* Take the loop's control items: stdin, signals and cancellation. */
static void
worker_read_ctl(struct worker *run)
{
	struct job	*job = run->job;
	struct job_ctls	 items;
	struct job_ctl	*c;
	uint64_t	 value;

	if (read(job_get_wake_fd(job), &value, sizeof value) == -1 &&
	    errno != EAGAIN)
		log_warn("command %llu: read wake fd",
		    (unsigned long long)run->rec->id);
	job_take_ctl(job, &items);

	while ((c = STAILQ_FIRST(&items)) != NULL) {
		STAILQ_REMOVE_HEAD(&items, entry);
		switch (c->type) {
		case JOB_CTL_STDIN:
			if (run->fd_in != -1 && !run->stdin_eof) {
				STAILQ_INSERT_TAIL(&run->stdin_queue, c, entry);
				continue;
			}
			job_stdin_consumed(job, c->len);
			break;
		case JOB_CTL_STDIN_EOF:
			run->stdin_eof = 1;
			break;
		case JOB_CTL_SIGNAL:
			if (!run->exited) {
				log_debug("command %llu: signal %d from the "
				    "client", (unsigned long long)run->rec->id,
				    c->arg);
				exec_kill(run->pid, c->arg);
			}
			break;
		case JOB_CTL_CANCEL:
			if (run->cancel == 0)
				run->cancel = c->arg;
			if (run->exited)
				run->drain_at = worker_now();
			else if (!run->term_sent)
				worker_terminate(run, worker_now());
			break;
		}
		free(c);
	}
}

/* Write queued stdin to the child; drop it all if the child closed it. */
static void
worker_write_stdin(struct worker *run)
{
	struct job	*job = run->job;
	struct job_ctl	*c;
	ssize_t		 n;
	size_t		 done = 0;

	while ((c = STAILQ_FIRST(&run->stdin_queue)) != NULL) {
		n = write(run->fd_in, c->data + c->off, c->len - c->off);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n == -1) {
			/* EPIPE: the command closed stdin; drop the rest. */
			while ((c = STAILQ_FIRST(&run->stdin_queue)) != NULL) {
				STAILQ_REMOVE_HEAD(&run->stdin_queue, entry);
				done += c->len - c->off;
				free(c);
			}
			worker_close(&run->fd_in);
			break;
		}
		c->off += n;
		done += n;
		if (c->off == c->len) {
			STAILQ_REMOVE_HEAD(&run->stdin_queue, entry);
			free(c);
		}
	}
	job_stdin_consumed(job, done);
}

/*
 * Read what a pipe holds, a few buffers at most, while each read fills
 * its buffer and the backlog allows: the batch reaches the loop in one
 * push after the poll round.
 */
static void
worker_read_pipe(struct worker *run, int *fd, int type)
{
	int	i;

	for (i = 0; i < WORKER_READ_BATCH; i++) {
		if (i != 0 && !job_may_read(run->job))
			break;
		if (worker_read_chunk(run, fd, type) < JOB_OUTPUT_SIZE)
			break;
	}
}

/*
 * Read one buffer from a pipe, queue it for the loop and keep a copy for
 * the audit row up to the cap. Return the bytes read, 0 if there were
 * none, or -1 once the pipe is closed.
 */
static ssize_t
worker_read_chunk(struct worker *run, int *fd, int type)
{
	const struct job_params	*p = run->p;
	struct cmd_record	*rec = run->rec;
	uint8_t			*buf;
	ssize_t			 n;
	size_t			 keep;

	if (run->rbuf == NULL)
		run->rbuf = job_output_get();
	buf = run->rbuf;
	n = read(*fd, buf, JOB_OUTPUT_SIZE);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return (0);
	if (n <= 0) {
		worker_close(fd);
		return (-1);
	}
	/*
	 * A read that fills the buffer found the pipe full: the command
	 * writes faster than we read. A larger pipe lets it go on while we
	 * are busy and lets the next poll round take several buffers. Only
	 * then, not for every command: each pipe's size counts against the
	 * user's pipe quota (fs.pipe-user-pages-soft). Best effort.
	 */
	if (n == JOB_OUTPUT_SIZE && !run->grown[type == JOB_EV_STDERR]) {
		run->grown[type == JOB_EV_STDERR] = 1;
		if (fcntl(*fd, F_SETPIPE_SZ, WORKER_PIPE_SIZE) == -1)
			log_debug("command %llu: F_SETPIPE_SZ: %s",
			    (unsigned long long)run->rec->id,
			    strerror(errno));
	}
	rec->output_bytes += n;
	keep = (size_t)n;
	if (rec->output_len + keep > p->output_max) {
		keep = p->output_max - rec->output_len;
		rec->truncated = 1;
	}
	if (keep != 0) {
		rec->output = xreallocarray(rec->output, 1,
		    rec->output_len + keep);
		memcpy(rec->output + rec->output_len, buf, keep);
		rec->output_len += keep;
	}
	/*
	 * A full read goes to the loop in its buffer, without a copy; a
	 * small one is copied into a message its size, so that a command
	 * writing a line at a time does not queue a whole buffer per line.
	 */
	if (n < WORKER_SMALL_READ)
		job_report_output(run->job, type, buf, n);
	else {
		job_report_output_buf(run->job, type, buf, n);
		run->rbuf = NULL;
	}
	return (n);
}

/*
 * See whether the shell has exited, and start the bounded drain if so.
 * WNOWAIT: it stays a zombie, pinning its process group id, until
 * worker_end has sent the last signal.
 */
static void
worker_check_exit(struct worker *run)
{
	siginfo_t	si;

	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)run->pid, &si, WEXITED | WNOHANG |
	    WNOWAIT) == -1) {
		if (errno == EINTR)
			return;
		fatal("waitid %ld", (long)run->pid);
	}
	if (si.si_pid == 0)
		return;
	run->exited = 1;
	run->drain_at = worker_now() + run->p->drain_ms;
	if (run->cancel != 0)
		run->drain_at = worker_now();
	worker_close(&run->pidfd);
}

/*
 * The shell has exited and the output is drained or closed: kill what is
 * left of the command, its process group (still pinned by the zombie
 * shell) and its cgroup, then reap the shell, and remove the cgroup.
 */
static void
worker_end(struct worker *run)
{
	exec_kill(run->pid, SIGKILL);
	cgroup_kill(run->cgroup);
	while (waitpid(run->pid, &run->wstatus, 0) == -1) {
		if (errno != EINTR)
			fatal("waitpid %ld", (long)run->pid);
	}
	run->pid = -1;
	cgroup_free(run->cgroup);
	run->cgroup = NULL;
}

/* Ask the command's process group to stop; SIGKILL follows the grace. */
static void
worker_terminate(struct worker *run, uint64_t now)
{
	run->term_sent = 1;
	exec_kill(run->pid, SIGTERM);
	run->kill_at = now + run->p->kill_grace_ms;
	if (run->kill_at == now)
		run->kill_at = now + 1;
}

/* Decide how the command ended, commit the final row and report EXIT. */
static void
worker_finish(struct worker *run)
{
	struct job		*job = run->job;
	struct cmd_record	*rec = run->rec;
	struct frame_exit	 x;
	struct job_ctl		*c;

	while ((c = STAILQ_FIRST(&run->stdin_queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&run->stdin_queue, entry);
		free(c);
	}
	worker_close(&run->fd_in);

	memset(&x, 0, sizeof x);
	x.audit_id = rec->id;
	x.duration_us = (worker_now() - run->started) * 1000;

	rec->duration_ms = worker_now() - run->started;
	if (WIFSIGNALED(run->wstatus)) {
		rec->has_signal = 1;
		rec->signal = WTERMSIG(run->wstatus);
		x.kind = EXIT_SIGNALED;
		x.code = rec->signal;
	} else {
		rec->has_exit_code = 1;
		rec->exit_code = WEXITSTATUS(run->wstatus);
		x.kind = EXIT_EXITED;
		x.code = rec->exit_code;
	}
	if (run->cancel == JOB_CANCEL_DISCONNECT) {
		rec->status = "disconnected";
		strlcpy(run->reason, "the client disconnected",
		    sizeof run->reason);
		x.kind = EXIT_CANCELLED;
	} else if (run->cancel == JOB_CANCEL_SHUTDOWN) {
		rec->status = "cancelled";
		strlcpy(run->reason, "rcmdd was shutting down",
		    sizeof run->reason);
		x.kind = EXIT_CANCELLED;
	} else if (run->cancel == JOB_CANCEL_OPERATOR) {
		rec->status = "cancelled";
		strlcpy(run->reason, "ended by the operator (rcmdd --end)",
		    sizeof run->reason);
		x.kind = EXIT_CANCELLED;
	} else if (run->timed_out) {
		rec->status = "timeout";
		x.kind = EXIT_TIMEDOUT;
	} else if (rec->has_signal)
		rec->status = "signaled";
	else
		rec->status = "exited";

	worker_record(run);
	if (rec->end_seq != 0) {
		memcpy(x.hash, rec->end_hash, EXIT_HASH_LEN);
		x.has_hash = 1;
	}
	job_output_put(run->rbuf);
	run->rbuf = NULL;

	/* The last touch of the job: the loop frees it on this report. */
	run->done = 1;
	job_report_exit(job, &x);
}

/*
 * Commit how the command ended, then log the one line that tells it, with
 * its record as structured data for a central log store.
 */
static void
worker_record(struct worker *run)
{
	struct cmd_record	*rec = run->rec;
	char			*cause = NULL, *line;

	if (run->reason[0] != '\0')
		rec->reason = xstrdup(run->reason);
	if (audit_finish(rec, &cause) != 0) {
		log_warnx("command %llu: cannot record how it ended: %s",
		    (unsigned long long)rec->id, cause);
		free(cause);
	}
	line = export_sd_line(rec);
	log_info("%s", line);
	free(line);
}

/* Close a descriptor and mark it closed. */
static void
worker_close(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/* Return a monotonic time in milliseconds. */
static uint64_t
worker_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}
