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
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "privsep_child.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The blocking halves of a command's life in the privileged part, each
 * on a pool thread, while the loop (privsep_child.c) leaves the
 * command alone: its start (commit the start row, then spawn it with its
 * pipes, cgroup and pidfd) and its end (reap the shell, remove the
 * cgroup, commit the end row, answer ENDED). privsep_thread gives a
 * command to such a thread, and each hands it back with privsep_done.
 *
 * The threads are the pool's (worker_pool.c), kept as the network part's
 * workers are: a half never waits for a thread, so every command's
 * commit reaches the audit writer at once and concurrent commands share
 * its group commits; a thread created for each half (and ended) put its
 * creation and its scheduling on a new CPU on every command's path,
 * twice.
 */

static int	privsep_cgroup_new(struct privsep_child *, char **);
static int	privsep_spawn(struct privsep_child *, char **);
static int	privsep_terminal(struct privsep_child *, int [2], int [2],
		    int [2], char **);

/*
 * What a command's life (this file and privsep_child.c) uses of exec.c,
 * in one place, so that a rename there is followed here: signal a
 * command's process group (pinned by its zombie shell until
 * privsep_end_main reaps it), kill all of it with its cgroup, and make
 * and remove its cgroup. privsep_spawn is the rest.
 */
void
privsep_signal(struct privsep_child *c, int sig)
{
	pid_t	fg;

	if (c->pid == -1)
		return;
	/*
	 * On a terminal, a client's signal goes where the terminal's own
	 * keys send theirs: to its foreground job, if that is not the
	 * shell. Only a group of the command's session: the shell's pid.
	 */
	if (c->master != -1 && (fg = tcgetpgrp(c->master)) > 1 &&
	    fg != c->pid && getsid(fg) == c->pid) {
		if (kill(-fg, sig) == -1 && errno != ESRCH)
			log_warn("kill process group %ld with signal %d",
			    (long)fg, sig);
		if (sig != SIGKILL)
			return;
	}
	exec_kill(c->pid, sig);
}

/*
 * A terminal's hang-up, as when its line drops: SIGHUP to its foreground
 * job and its shell (an interactive shell ignores SIGTERM), and SIGCONT
 * so that a stopped job sees it.
 */
void
privsep_hangup(struct privsep_child *c)
{
	pid_t	fg;

	if (c->pid == -1)
		return;
	if ((fg = tcgetpgrp(c->master)) > 1 && fg != c->pid &&
	    getsid(fg) == c->pid) {
		kill(-fg, SIGHUP);
		kill(-fg, SIGCONT);
	}
	exec_kill(c->pid, SIGHUP);
	exec_kill(c->pid, SIGCONT);
}

void
privsep_kill(struct privsep_child *c)
{
	privsep_signal(c, SIGKILL);
	cgroup_kill(c->cgroup);
}

static int
privsep_cgroup_new(struct privsep_child *c, char **cause)
{
	return (cgroup_new(c->rec->id, &c->rec->ident, &c->cgroup,
	    cause));
}

void
privsep_cgroup_free(struct privsep_child *c)
{
	cgroup_free(c->cgroup);
	c->cgroup = NULL;
}

/*
 * Give a command to a pool thread running fn. Without a thread, fn runs
 * here: slower, as correct. Loop thread.
 */
void
privsep_thread(struct privsep_child *c, void (*fn)(void *))
{
	char	*cause = NULL;

	c->busy = 1;
	if (worker_pool_call(fn, c, &cause) != 0) {
		log_warnx("privileged part: %s", cause);
		free(cause);
		fn(c);
	}
}

/*
 * A command's start, on a pool thread: commit the start row (nothing
 * starts without it), then spawn the command; or note why not, with
 * the end row of a command that could not start.
 */
void
privsep_start_main(void *arg)
{
	struct privsep_child	*c = arg;
	struct cmd_record	*rec = c->rec;
	char			*cause = NULL, *line;
	int			 unsent;

	if (audit_begin(rec, &cause) != 0) {
		log_warnx("privileged part: command from %s not run: the "
		    "audit log cannot record it: %s", rec->peer.client_addr,
		    cause);
		c->fail_kind = PRIVSEP_FAIL_AUDIT;
		c->fail_reason = cause;
		privsep_done(c);
		return;
	}
	/* rcmdd --list shows it from now on. */
	__atomic_store_n(&c->list_id, rec->id, __ATOMIC_RELEASE);
	/* Synchronous forwarding: the start leaves the box first. */
	if ((unsent = forward_sync(rec->seq, &cause)) != 0 ||
	    privsep_spawn(c, &cause) != 0) {
		log_warnx("command %llu: %s", (unsigned long long)rec->id,
		    cause);
		rec->status = "failed";
		rec->reason = cause;
		cause = NULL;
		if (audit_finish(rec, &cause) != 0) {
			log_warnx("command %llu: cannot record how it ended: "
			    "%s", (unsigned long long)rec->id, cause);
			free(cause);
		}
		line = export_sd_line(rec);
		log_info("%s", line);
		free(line);
		c->fail_kind = unsent ? PRIVSEP_FAIL_AUDIT : PRIVSEP_FAIL_START;
		c->fail_reason = xstrdup(rec->reason);
	}
	privsep_done(c);
}

/*
 * Spawn a command with its pipes, cgroup and pidfd; the network part's
 * ends of the pipes wait in c->fds. Return 0, or -1 with the reason in
 * cause (nothing runs then). A command's thread.
 */
static int
privsep_spawn(struct privsep_child *c, char **cause)
{
	struct cmd_record	*rec = c->rec;
	struct exec_command	 what_run;
	const char		*what;
	int			 in[2] = { -1, -1 }, out[2] = { -1, -1 };
	int			 err[2] = { -1, -1 }, error, i;

	memset(&what_run, 0, sizeof what_run);
	if (rec->terminal != NULL) {
		if (privsep_terminal(c, in, out, err, cause) != 0)
			goto fail;
		what_run.terminal = 1;
		what_run.login = rec->nwords == 0 && rec->command_len == 0;
	} else if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1) {
		c->fail_errno = errno;
		xasprintf(cause, "cannot make pipes: %s", strerror(errno));
		goto fail;
	}
	if (privsep_cgroup_new(c, cause) != 0)
		goto fail;
	what_run.command = rec->command;
	what_run.program = rec->program;
	what_run.argv = rec->words;
	what_run.cwd = rec->cwd;
	c->pid = exec_spawn(&what_run, c->envp, &rec->ident, c->cgroup,
	    in[0], out[1], err[1], &error, &what);
	if (c->pid == -1) {
		c->fail_errno = error;
		xasprintf(cause, "cannot %s: %s", what, strerror(error));
		goto fail;
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	/* Without pidfd_open (old kernels, valgrind) its exit is polled. */
	if ((c->pidfd = exec_pidfd(c->pid)) == -1 && errno == ENOSYS)
		log_debug("command %llu: no pidfd_open: its exit is polled "
		    "every %d ms", (unsigned long long)rec->id,
		    PRIVSEP_REAP_TICK_MS);
	else if (c->pidfd == -1) {
		/* It runs and cannot be watched: it ends at once. */
		c->fail_errno = errno;
		xasprintf(cause, "cannot watch the command (pidfd_open: %s): "
		    "ended", strerror(errno));
		privsep_kill(c);
		while (waitpid(c->pid, &c->wstatus, 0) == -1 && errno == EINTR)
			;
		c->pid = -1;
		in[0] = out[1] = err[1] = -1;
		goto fail;
	}
	log_debug("command %llu: pid %ld", (unsigned long long)rec->id,
	    (long)c->pid);
	if (c->master != -1) {
		c->login_pid = c->pid;
		terminal_login(c->utmp, c->wtmp, c->master, c->pid,
		    rec->ident.user, strcmp(rec->peer.client_addr, "unix") ==
		    0 ? "" : rec->peer.client_addr, c->line, sizeof c->line);
	}
	c->fds[0] = in[1];
	c->fds[1] = out[0];
	c->fds[2] = err[0];
	return (0);

fail:
	for (i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (out[i] != -1)
			close(out[i]);
		if (err[i] != -1)
			close(err[i]);
	}
	privsep_cgroup_free(c);
	if (c->master != -1)
		close(c->master);
	c->master = -1;
	return (-1);
}

/*
 * A terminal's descriptors for privsep_spawn: the slave, for the
 * command's 0, 1 and 2, in in[0], out[1] and err[1] (three copies, so
 * that each is closed once); for the network part, two copies of the
 * master, to write input to and read output from, and the read end of
 * a pipe that is at its end already: a terminal has one stream. The
 * master itself stays here, for RESIZE and the foreground group. Return
 * 0, or -1 with the reason in cause.
 */
static int
privsep_terminal(struct privsep_child *c, int in[2], int out[2], int err[2],
    char **cause)
{
	u_int	rows, cols;
	int	slave;

	if (terminal_parse(c->rec->terminal, NULL, 0, &rows, &cols) != 0) {
		c->fail_errno = EINVAL;
		xasprintf(cause, "bad terminal \"%s\"", c->rec->terminal);
		return (-1);
	}
	if (terminal_open(c->rec->ident.change_user ? c->rec->ident.uid :
	    (uid_t)-1, rows, cols, &c->master, &slave, cause) != 0) {
		c->fail_errno = errno;
		return (-1);
	}
	in[0] = slave;
	if ((out[1] = fcntl(slave, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (in[1] = fcntl(c->master, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    (out[0] = fcntl(c->master, F_DUPFD_CLOEXEC, 0)) == -1 ||
	    pipe2(err, O_CLOEXEC) == -1)
		goto fail;
	/* The pipe's write end becomes a slave copy; the read end is EOF. */
	close(err[1]);
	if ((err[1] = fcntl(slave, F_DUPFD_CLOEXEC, 0)) == -1)
		goto fail;
	return (0);

fail:
	c->fail_errno = errno;
	xasprintf(cause, "cannot pass the terminal on: %s", strerror(errno));
	return (-1);
}

/*
 * The shell has exited and the command is over: kill what is left of it,
 * reap the shell, remove its cgroup, commit the end row with the status
 * seen here and answer ENDED. A command's thread.
 */
void
privsep_end_main(void *arg)
{
	struct privsep_child	*c = arg;
	struct cmd_record	*rec = c->rec;
	uint8_t			*buf;
	size_t			 len, clen = 0;
	char			*cause = NULL, *line;
	int			 recorded;

	if (c->pid != -1) {
		privsep_kill(c);
		while (waitpid(c->pid, &c->wstatus, 0) == -1) {
			if (errno != EINTR)
				break;
		}
		c->pid = -1;
	}
	privsep_cgroup_free(c);
	if (c->master != -1)
		terminal_logout(c->utmp, c->wtmp, c->line, c->login_pid);

	/* The exit status is the one seen here, not one the peer says. */
	rec->has_exit_code = rec->has_signal = 0;
	rec->exit_code = rec->signal = 0;
	if (WIFSIGNALED(c->wstatus)) {
		rec->has_signal = 1;
		rec->signal = WTERMSIG(c->wstatus);
	} else {
		rec->has_exit_code = 1;
		rec->exit_code = WEXITSTATUS(c->wstatus);
	}
	if (c->gone) {
		rec->status = "interrupted";
		rec->duration_ms = privsep_now() - c->started;
	} else if (strcmp(rec->status, "exited") == 0 ||
	    strcmp(rec->status, "signaled") == 0)
		rec->status = rec->has_signal ? "signaled" : "exited";
	if (c->lost != NULL) {
		/* Hung up: its recording could not be stored (privsep_lost). */
		free(rec->reason);
		xasprintf(&rec->reason, "its recording could not be stored "
		    "(%s): its terminal was hung up", c->lost);
	}

	recorded = audit_finish(rec, &cause) == 0 &&
	    forward_sync(rec->end_seq, &cause) == 0;
	if (!recorded)
		log_warnx("command %llu: cannot record how it ended: %s",
		    (unsigned long long)rec->id, cause);
	line = export_sd_line(rec);
	log_info("%s", line);
	free(line);

	privsep_ending(c);
	if (!c->gone) {
		if (cause != NULL)
			clen = strlen(cause) > PRIVSEP_TEXT_MAX ?
			    PRIVSEP_TEXT_MAX : strlen(cause);
		len = 4 + 8 + RECORD_HASH_LEN + clen;
		buf = xcalloc(1, len);
		privsep_put_i32(buf, recorded ? 1 : forward_sync_mode() ?
		    PRIVSEP_ENDED_UNSENT : 0);
		privsep_put_u64(buf + 4, rec->end_seq);
		memcpy(buf + 12, rec->end_hash, RECORD_HASH_LEN);
		if (clen != 0)
			memcpy(buf + 12 + RECORD_HASH_LEN, cause, clen);
		free(cause);
		cause = NULL;
		if (privsep_send(c->ctl, PRIVSEP_ENDED, buf, len, NULL, 0,
		    MSG_DONTWAIT, &cause) != 0)
			log_warnx("command %llu: %s",
			    (unsigned long long)rec->id, cause);
		free(buf);
	}
	free(cause);
	privsep_done(c);
}
