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
#include <sys/ioctl.h>
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
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "job_worker.h"
#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The worker: the machine that runs one command in the network part. It
 * asks the privileged part to start it (privsep_cmd.c: the running row is
 * committed there, then the command spawned, and its pipes come back),
 * moves bytes between the command's pipes and the job's queues (job.c),
 * enforces the timeout through the privileged part, and once the command
 * is over sends its output and how it ended, which the privileged part
 * commits before the worker reports EXIT. It owns the command's pipes and
 * socket and never touches a session.
 *
 * It does not poll by itself: worker_fill gives the descriptors to poll
 * and the timeout, worker_step takes the poll's results and moves the
 * command on, and worker_done says when it has ended. A pool thread
 * (worker_pool.c) drives it with poll alone; in --single-thread mode the
 * session drives the same machine on the loop thread, polling its own
 * socket in the same call (session_inline.c). Either way the machine
 * talks to the session only through the job's queues.
 *
 * A command is done when its shell has exited (EXITED on its socket) and
 * its output is drained; a process it left behind holding the pipes open
 * gets DrainTimeout, then the pipes are closed. What the pipes held when
 * the shell exited is read first, however long a slow client takes: the
 * command wrote it before it ended, and its client must not lose it.
 * Then the privileged part, on FINISH, kills whatever is left of the
 * command (its cgroup and its process group, still pinned by the
 * unreaped shell), reaps the shell and commits the end row. If the
 * privileged part goes away (GONE), the command's I/O stops and the
 * client gets an ERROR: the privileged part has killed the command and
 * marked its row interrupted.
 */

#define WORKER_SMALL_READ	4096
#define WORKER_READ_BATCH	4
#define WORKER_PIPE_SIZE	(1024 * 1024)
#define WORKER_GONE_WAIT	200	/* times 10 ms */

/* What the worker knows about its running command. */
struct worker {
	struct job		*job;
	const struct job_params	*p;
	struct cmd_record	*rec;	/* the job's; its outcome is ours */
	int			 done;	/* EXIT or ERROR reported */
	struct privsep_cmd	*cmd;	/* its socket; pipes moved out */
	int			 fd_in;
	int			 fd_out;
	int			 fd_err;
	struct job_ctls		 stdin_queue;
	int			 stdin_eof;
	int			 exited;	/* EXITED came */
	int			 wstatus;
	int			 timed_out;
	int			 term_sent;
	int			 cancel;
	uint64_t		 started;
	uint64_t		 timeout_at;
	uint64_t		 kill_at;
	uint64_t		 drain_at;
	size_t			 owed[2];	/* unread at the shell's exit */
	uint8_t			*rbuf;
	int			 grown[2];	/* stdout, stderr */
	char			 reason[512];

	/* Where worker_fill put each descriptor; -1: not polled. */
	int			 i_wake;
	int			 i_out;
	int			 i_err;
	int			 i_in;
	int			 i_ctl;
};

static void	 worker_begin(struct worker *);
static void	 worker_failed(struct worker *, int);
static void	 worker_tick(struct worker *);
static void	 worker_read_ctl(struct worker *);
static void	 worker_write_stdin(struct worker *);
static void	 worker_read_pipe(struct worker *, int *, int);
static ssize_t	 worker_read_chunk(struct worker *, int *, int);
static void	 worker_read_cmd(struct worker *);
static void	 worker_gone(struct worker *, const char *);
static void	 worker_terminate(struct worker *, uint64_t);
static void	 worker_finish(struct worker *);
static char	*worker_record(struct worker *);
static void	 worker_close(int *);
static int	 worker_drained(struct worker *, int);
static size_t	 worker_unread(int);
static uint64_t	 worker_now(void);

/*
 * Start the machine for a job: have the privileged part commit the
 * running row and spawn the command. If either fails, the job's final
 * report is already sent and the worker is done at once. Called by
 * whoever drives it, a pool thread or the loop thread (inline); the same
 * thread drives it to its end.
 */
struct worker *
worker_new(struct job *job)
{
	struct worker	*run;

	run = xcalloc(1, sizeof *run);
	run->job = job;
	run->p = job_get_params(job);
	run->rec = run->p->rec;
	run->fd_in = run->fd_out = run->fd_err = -1;
	run->i_wake = run->i_out = run->i_err = run->i_in = run->i_ctl = -1;
	STAILQ_INIT(&run->stdin_queue);
	worker_begin(run);
	return (run);
}

/* Free a worker once it is done; the job is the loop's by then. */
void
worker_free(struct worker *run)
{
	privsep_cmd_free(run->cmd);
	free(run);
}

/*
 * Ask the privileged part to record and spawn the command, and take its
 * pipes.
 */
static void
worker_begin(struct worker *run)
{
	struct job		*job = run->job;
	struct cmd_record	*rec = run->rec;
	char			*cause = NULL, *text;
	int			 kind, error;

	run->started = worker_now();
	if (privsep_cmd_start(server_privsep, rec, rec->run_as, &run->cmd,
	    &kind, &cause) != 0) {
		switch (kind) {
		case PRIVSEP_FAIL_START:
			/* Its row exists, ended failed: as a failed spawn. */
			error = errno;
			job_report_started(job, rec->id);
			strlcpy(run->reason, cause, sizeof run->reason);
			free(cause);
			worker_failed(run, error);
			return;
		case PRIVSEP_FAIL_REFUSED:
			log_warnx("command from %s refused by the privileged "
			    "part: %s", rec->peer.client_addr, cause);
			run->done = 1;
			job_report_error(job, ERR_DENIED, cause);
			free(cause);
			return;
		}
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
	job_report_started(job, rec->id);

	run->fd_in = run->cmd->fd_in;
	run->fd_out = run->cmd->fd_out;
	run->fd_err = run->cmd->fd_err;
	run->cmd->fd_in = run->cmd->fd_out = run->cmd->fd_err = -1;
	fcntl(run->fd_in, F_SETFL, O_NONBLOCK);
	fcntl(run->fd_out, F_SETFL, O_NONBLOCK);
	fcntl(run->fd_err, F_SETFL, O_NONBLOCK);
	if (rec->timeout_ms != 0)
		run->timeout_at = run->started + rec->timeout_ms;
	log_debug("command %llu: started", (unsigned long long)rec->id);
}

/*
 * The command could not be started and the privileged part has ended its
 * row as failed (and logged why): report EXIT, which ends the job.
 */
static void
worker_failed(struct worker *run, int error)
{
	struct cmd_record	*rec = run->rec;
	struct frame_exit	 x;

	rec->status = "failed";
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

	run->i_wake = run->i_out = run->i_err = run->i_in = run->i_ctl = -1;
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
	if (run->cmd != NULL) {
		pfd[n].fd = run->cmd->ctl;
		pfd[n].events = POLLIN;
		run->i_ctl = n++;
	}

	now = worker_now();
	next = UINT64_MAX;
	if (!run->exited && run->timeout_at != 0 && !run->timed_out)
		next = run->timeout_at;
	if (!run->exited && run->kill_at != 0 && run->kill_at < next)
		next = run->kill_at;
	if (run->exited && run->drain_at < next &&
	    (worker_drained(run, 0) || worker_drained(run, 1)))
		next = run->drain_at;
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
	char	*cause = NULL;

	if (run->done)
		return;
	if (run->i_wake != -1 && pfd[run->i_wake].revents != 0) {
		worker_read_ctl(run);
		if (run->done)
			return;
	}
	if (run->i_in != -1 && pfd[run->i_in].revents != 0)
		worker_write_stdin(run);
	if (run->i_out != -1 && pfd[run->i_out].revents != 0)
		worker_read_pipe(run, &run->fd_out, JOB_EV_STDOUT);
	if (run->i_err != -1 && pfd[run->i_err].revents != 0)
		worker_read_pipe(run, &run->fd_err, JOB_EV_STDERR);
	job_report_flush(run->job);
	if (run->cmd != NULL && privsep_cmd_flush(run->cmd, &cause) != 0) {
		log_warnx("command %llu: %s", (unsigned long long)run->rec->id,
		    cause);
		free(cause);
	}
	if (!run->done && run->i_ctl != -1 && pfd[run->i_ctl].revents != 0)
		worker_read_cmd(run);
	if (!run->done)
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
	char		*cause = NULL;
	uint64_t	 now;

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
		if (run->done)
			return;
	}
	if (!run->exited && run->kill_at != 0 && now >= run->kill_at) {
		if (privsep_cmd_kill(run->cmd, &cause) != 0) {
			worker_gone(run, cause);
			free(cause);
			return;
		}
		run->kill_at = 0;
	}
	if (run->exited && now >= run->drain_at &&
	    (worker_drained(run, 0) || worker_drained(run, 1))) {
		log_debug("command %llu: output still open %u ms after "
		    "the shell exited; closing it",
		    (unsigned long long)run->rec->id, run->p->drain_ms);
		if (worker_drained(run, 0))
			worker_close(&run->fd_out);
		if (worker_drained(run, 1))
			worker_close(&run->fd_err);
	}
	if (run->exited && run->fd_out == -1 && run->fd_err == -1)
		worker_finish(run);
}

/* Take the loop's control items: stdin, signals and cancellation. */
static void
worker_read_ctl(struct worker *run)
{
	struct job	*job = run->job;
	struct job_ctls	 items;
	struct job_ctl	*c;
	uint64_t	 value;
	size_t		 n;
	char		*cause = NULL;

	if (read(job_get_wake_fd(job), &value, sizeof value) == -1 &&
	    errno != EAGAIN)
		log_warn("command %llu: read wake fd",
		    (unsigned long long)run->rec->id);
	job_take_ctl(job, &items);

	while ((c = STAILQ_FIRST(&items)) != NULL) {
		STAILQ_REMOVE_HEAD(&items, entry);
		/*
		 * Done (worker_gone, on a failed SIGNAL or WINSIZE): the
		 * final report is sent and the job may be freed; the rest
		 * is dropped untouched.
		 */
		if (run->done) {
			free(c);
			continue;
		}
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
			if (!run->exited && !run->done) {
				log_debug("command %llu: signal %d from the "
				    "client", (unsigned long long)run->rec->id,
				    c->arg);
				if (privsep_cmd_signal(run->cmd, c->arg,
				    &cause) != 0) {
					worker_gone(run, cause);
					free(cause);
					cause = NULL;
				}
			}
			break;
		case JOB_CTL_RESIZE:
			if (run->rec->terminal != NULL && !run->exited &&
			    privsep_cmd_resize(run->cmd, (u_int)c->arg >> 16,
			    (u_int)c->arg & 0xffff, &cause) != 0) {
				worker_gone(run, cause);
				free(cause);
				cause = NULL;
			}
			break;
		case JOB_CTL_CANCEL:
			if (run->cancel == 0 && c->len != 0) {
				/* The row's reason: job_revoke's. */
				n = c->len < sizeof run->reason ? c->len :
				    sizeof run->reason - 1;
				memcpy(run->reason, c->data, n);
				run->reason[n] = '\0';
			}
			if (run->cancel == 0)
				run->cancel = c->arg;
			if (run->exited)
				run->drain_at = worker_now();
			else if (!run->term_sent && !run->done)
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
	struct termios	 tio;
	char		*cause = NULL;
	ssize_t		 n;
	size_t		 done = 0;
	int		 echo;

	while ((c = STAILQ_FIRST(&run->stdin_queue)) != NULL) {
		/*
		 * What is typed on a terminal is recorded if asked, unless
		 * the terminal reads a line without echo (a password, as
		 * getpass, sudo and read -s read it; a shell's line editor
		 * and full-screen programs turn ICANON off and echo
		 * themselves). Read before the bytes reach the program,
		 * which may turn echo on again once it has them.
		 */
		echo = 0;
		if (run->rec->terminal != NULL && run->p->record_input &&
		    tcgetattr(run->fd_in, &tio) == 0)
			echo = (tio.c_lflag & (ICANON | ECHO)) != ICANON;
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
		if (echo && privsep_cmd_input(run->cmd, (uint8_t *)c->data +
		    c->off, (size_t)n, &cause) != 0) {
			log_warnx("command %llu: %s", (unsigned long long)
			    run->rec->id, cause);
			free(cause);
			cause = NULL;
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
	ssize_t	n;
	int	i, max;

	/* A terminal gives some 4 KiB a read: more may be there. */
	max = run->rec->terminal != NULL ? WORKER_READ_BATCH * 4 :
	    WORKER_READ_BATCH;
	for (i = 0; i < max; i++) {
		if (i != 0 && !job_may_read(run->job))
			break;
		n = worker_read_chunk(run, fd, type);
		if (n <= 0 || (n < JOB_OUTPUT_SIZE && run->rec->terminal ==
		    NULL))
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
	char			*cause = NULL;
	int			 i;

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
	if (run->exited) {
		i = type == JOB_EV_STDERR;
		run->owed[i] -= (size_t)n < run->owed[i] ? (size_t)n :
		    run->owed[i];
	}
	keep = (size_t)n;
	if (rec->terminal != NULL) {
		/* A terminal's goes to the privileged part, which caps it. */
		if (rec->output_bytes > p->output_max)
			rec->truncated = 1;
		if (privsep_cmd_output(run->cmd, buf, keep, p->capture_max,
		    &cause) != 0) {
			log_warnx("command %llu: %s", (unsigned long long)
			    rec->id, cause);
			free(cause);
		}
		keep = 0;
	} else if (rec->output_len + keep > p->output_max) {
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
 * The command's socket is readable: the shell exited (start the bounded
 * drain), or the privileged part went away.
 */
static void
worker_read_cmd(struct worker *run)
{
	char	*cause = NULL;
	int	 i;

	switch (privsep_cmd_read(run->cmd, &cause)) {
	case PRIVSEP_CMD_NONE:
		return;
	case PRIVSEP_CMD_EXITED:
		run->exited = 1;
		run->wstatus = run->cmd->wstatus;
		run->owed[0] = worker_unread(run->fd_out);
		run->owed[1] = worker_unread(run->fd_err);
		run->drain_at = worker_now() + run->p->drain_ms;
		if (run->cancel != 0)
			run->drain_at = worker_now();
		return;
	case PRIVSEP_CMD_END:
		/* As job_end's cancellation does, from the control socket. */
		if (run->cancel == 0)
			run->cancel = JOB_CANCEL_OPERATOR;
		if (run->exited)
			run->drain_at = worker_now();
		else if (!run->term_sent)
			worker_terminate(run, worker_now());
		return;
	case PRIVSEP_CMD_GONE:
		/*
		 * The privileged part closes a command's socket early when
		 * it dies, and then this part is killed too (PDEATHSIG):
		 * its fds close before the signal comes. Wait a moment for
		 * that rather than tell the client something else.
		 */
		for (i = 0; i < WORKER_GONE_WAIT && getppid() == server_ppid;
		    i++)
			usleep(10 * 1000);
		worker_gone(run, "the privileged part closed the command's "
		    "channel");
		return;
	}
	worker_gone(run, cause);
	free(cause);
}

/*
 * The privileged part closed the command's socket, or said something
 * unexpected: it ended the command (killed, its row interrupted), since
 * it closes a command's socket early only on a malformed message. (If it
 * died, this part is killed too: PR_SET_PDEATHSIG.) Stop the command's
 * I/O and tell the client.
 */
static void
worker_gone(struct worker *run, const char *why)
{
	struct job	*job = run->job;
	struct job_ctl	*c;
	char		*text;

	log_warnx("command %llu: %s: the command is ended",
	    (unsigned long long)run->rec->id, why);
	while ((c = STAILQ_FIRST(&run->stdin_queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&run->stdin_queue, entry);
		free(c);
	}
	worker_close(&run->fd_in);
	worker_close(&run->fd_out);
	worker_close(&run->fd_err);
	privsep_cmd_free(run->cmd);
	run->cmd = NULL;
	job_output_put(run->rbuf);
	run->rbuf = NULL;
	xasprintf(&text, "rcmdd's privileged part ended the command (%s); "
	    "its audit row says how; the operator should check the daemon's "
	    "log", why);
	run->done = 1;
	job_report_error(job, ERR_AUDIT, text);
	free(text);
}

/* Ask the command's process group to stop; SIGKILL follows the grace. */
static void
worker_terminate(struct worker *run, uint64_t now)
{
	char	*cause = NULL;

	run->term_sent = 1;
	if (privsep_cmd_terminate(run->cmd, &cause) != 0) {
		worker_gone(run, cause);
		free(cause);
		return;
	}
	run->kill_at = now + run->p->kill_grace_ms;
	if (run->kill_at == now)
		run->kill_at = now + 1;
}

/*
 * Decide how the command ended, commit the final row and report EXIT, or
 * ERROR if the row could not be committed.
 */
static void
worker_finish(struct worker *run)
{
	struct job		*job = run->job;
	struct cmd_record	*rec = run->rec;
	struct frame_exit	 x;
	struct job_ctl		*c;
	char			*cause, *text;

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
	} else if (run->cancel == JOB_CANCEL_REVOKED) {
		/* run->reason says why: revoked, or denied after reload. */
		rec->status = "cancelled";
		x.kind = EXIT_CANCELLED;
	} else if (run->timed_out) {
		rec->status = "timeout";
		x.kind = EXIT_TIMEDOUT;
	} else if (rec->has_signal)
		rec->status = "signaled";
	else
		rec->status = "exited";

	/*
	 * In synchronous forwarding, EXIT says the end is in the central
	 * store: when it is not, ERROR says so.
	 */
	if ((cause = worker_record(run)) != NULL) {
		job_output_put(run->rbuf);
		run->rbuf = NULL;
		xasprintf(&text, "the audit log could not record how the "
		    "command ended (%s); it ran, and the operator should check "
		    "the daemon's log and the audit database", cause);
		free(cause);
		run->done = 1;
		job_report_error(job, ERR_AUDIT, text);
		free(text);
		return;
	}
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
 * Send the output and how the command ended to the privileged part, which
 * ends what is left of the command, commits the end row (its seq and hash
 * come back in rec) and logs the one line that tells how it ended, with
 * its record as structured data for a central log store. Return NULL, or,
 * allocated, why the client must get ERROR instead of EXIT: in
 * synchronous forwarding, the end did not reach the central store. An
 * end row not recorded otherwise is logged, and EXIT goes without a hash.
 */
static char *
worker_record(struct worker *run)
{
	struct cmd_record	*rec = run->rec;
	char			*cause = NULL;
	int			 rc;

	if (run->reason[0] != '\0')
		rec->reason = xstrdup(run->reason);
	if ((rc = privsep_cmd_finish(run->cmd, rec, &cause)) != 0) {
		log_warnx("command %llu: cannot record how it ended: %s",
		    (unsigned long long)rec->id, cause);
		if (rc != -2) {
			free(cause);
			cause = NULL;
		} else if (cause == NULL)
			cause = xstrdup("the end row was not recorded");
	}
	privsep_cmd_free(run->cmd);
	run->cmd = NULL;
	return (cause);
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

/*
 * Return whether the drain may close stdout (which 0) or stderr (1) at its
 * deadline: it is open and holds nothing of what was there when the shell
 * exited, or the command is cancelled and its output goes nowhere.
 */
static int
worker_drained(struct worker *run, int which)
{
	int	fd = which == 0 ? run->fd_out : run->fd_err;

	return (fd != -1 && (run->owed[which] == 0 || run->cancel != 0));
}

/* Return how many bytes a pipe (or a terminal) holds unread; 0 if unknown. */
static size_t
worker_unread(int fd)
{
	int	n;

	if (fd == -1 || ioctl(fd, FIONREAD, &n) == -1 || n < 0)
		return (0);
	return ((size_t)n);
}

/* Return a monotonic time in milliseconds. */
static uint64_t
worker_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}
