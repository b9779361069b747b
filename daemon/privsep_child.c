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
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "privsep_child.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * A command's life in the privileged part (privsep.c has the protocol),
 * as the loop sees it: its start, on a pool thread (commit the
 * start row, then spawn: privsep_thread.c); STARTED or FAILED on its
 * socket; what the network part sends on that socket; EXITED when the
 * pidfd fires; and its end, on a pool thread again (reap, remove
 * the cgroup, commit the end row, ENDED: privsep_thread.c). The
 * event loop's thread reads the socket and owns every event; while a
 * thread has a command (busy), no event of it is armed and the loop does
 * not touch it, and the thread hands it back through privsep_dones and
 * the wake-up pipe (STYLE.md's four steps). privsep_lock guards
 * privsep_dones and privsep_nended, and nothing else.
 */

TAILQ_HEAD(privsep_children, privsep_child);
STAILQ_HEAD(privsep_dones, privsep_child);

static void	privsep_wake_cb(int, short, void *);
static void	privsep_started(struct privsep_child *);
static void	privsep_ctl_cb(int, short, void *);
static void	privsep_resume(void *);
static void	privsep_lost(void *, const char *);
static int	privsep_ctl_msg(struct privsep_child *, struct privsep_msg *,
		    char **);
static void	privsep_pid_cb(int, short, void *);
static void	privsep_gone(struct privsep_child *, const char *);
static void	privsep_end(struct privsep_child *);
static void	privsep_child_free(struct privsep_child *);
static int	privsep_finish_status(const char *);

static u_int			 privsep_nchildren;
static struct privsep_children	 privsep_children =
    TAILQ_HEAD_INITIALIZER(privsep_children);
static pthread_mutex_t		 privsep_lock = PTHREAD_MUTEX_INITIALIZER;
static struct privsep_dones	 privsep_dones =
    STAILQ_HEAD_INITIALIZER(privsep_dones);
static u_int			 privsep_nended;	/* ended, not freed */
static int			 privsep_wake[2] = { -1, -1 };
static struct event		*privsep_ev_wake;

/* Make the wake-up pipe the commands' threads report on. */
int
privsep_child_open(char **cause)
{
	if (pipe2(privsep_wake, O_NONBLOCK | O_CLOEXEC) == -1) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		return (-1);
	}
	privsep_ev_wake = event_new(privsep_base, privsep_wake[0],
	    EV_READ | EV_PERSIST, privsep_wake_cb, NULL);
	if (privsep_ev_wake == NULL || event_add(privsep_ev_wake,
	    NULL) != 0) {
		xasprintf(cause, "cannot watch the wake-up pipe");
		privsep_child_close();
		return (-1);
	}
	return (0);
}

/* Remove the wake-up pipe and the pool threads, once no command is left. */
void
privsep_child_close(void)
{
	worker_pool_stop();
	if (privsep_ev_wake != NULL)
		event_free(privsep_ev_wake);
	privsep_ev_wake = NULL;
	if (privsep_wake[0] != -1)
		close(privsep_wake[0]);
	if (privsep_wake[1] != -1)
		close(privsep_wake[1]);
	privsep_wake[0] = privsep_wake[1] = -1;
}

/*
 * Start the command of an EXEC that passed its checks: rec, answered on
 * its socket ctl. Both are the command's now.
 */
void
privsep_child_start(struct cmd_record *rec, int ctl)
{
	struct privsep_child	*c;
	char			 client[INET6_ADDRSTRLEN + 8];
	char			 term[RUN_MAX_TERM + 1];

	c = xcalloc(1, sizeof *c);
	c->rec = rec;
	c->ctl = ctl;
	c->pid = -1;
	c->pidfd = -1;
	c->fds[0] = c->fds[1] = c->fds[2] = -1;
	c->master = -1;
	c->started = privsep_now();
	/* A reload may lower it: the command keeps the cap it started with. */
	c->output_max = privsep_conf->output_max;
	c->wall_started = time(NULL);
	/*
	 * The environment comes from the configuration, which a reload on
	 * this thread may free while the command's thread runs: make it here.
	 */
	if (strcmp(rec->peer.client_addr, "unix") == 0)
		strlcpy(client, "unix", sizeof client);
	else
		snprintf(client, sizeof client, "%s %d",
		    rec->peer.client_addr, rec->peer.client_port);
	c->envp = exec_env_new(privsep_conf, &rec->ident, client);
	if (rec->terminal != NULL &&
	    terminal_parse(rec->terminal, term, sizeof term, NULL, NULL) == 0)
		exec_env_terminal(&c->envp, &rec->ident, term);
	if (rec->terminal != NULL) {
		c->utmp = xstrdup(config_session_utmp(privsep_conf));
		c->wtmp = xstrdup(config_session_wtmp(privsep_conf));
	}
	TAILQ_INSERT_TAIL(&privsep_children, c, entry);
	privsep_nchildren++;
	privsep_thread(c, privsep_start_main);
}

/*
 * Write the commands running, one a line, for rcmdd --list: audit id,
 * seconds running, identity, run-as user, peer and command: those whose
 * start row is committed (list_id, set by the starting thread; the fields
 * written here do not change after the EXEC) and not yet ended. Loop
 * thread.
 */
void
privsep_child_list_write(struct evbuffer *out)
{
	struct privsep_child	*c;
	const struct cmd_record	*r;
	time_t			 now;
	uint64_t		 id;
	char			*identity, *command;

	now = time(NULL);
	TAILQ_FOREACH(c, &privsep_children, entry) {
		id = __atomic_load_n(&c->list_id, __ATOMIC_ACQUIRE);
		if (id == 0 || c->fail_kind != 0 || c->ended || c->gone)
			continue;
		r = c->rec;
		identity = job_escape(r->peer.identity != NULL ?
		    r->peer.identity : "-", r->peer.identity != NULL ?
		    strlen(r->peer.identity) : 1, 64);
		command = job_escape(r->command, r->command_len, 200);
		evbuffer_add_printf(out, "%llu\t%lld\t%s\t%s\t%s:%d\t%s\n",
		    (unsigned long long)id,
		    (long long)(now - c->wall_started), identity,
		    r->ident.user[0] != '\0' ? r->ident.user : "-",
		    r->peer.client_addr, r->peer.client_port, command);
		free(identity);
		free(command);
	}
}

/*
 * rcmdd --end: ask the network part, on the command's socket, to end the
 * command as it ends one at shutdown (SIGTERM, SIGKILL after KillGrace,
 * its row cancelled). Return 0, or -1 if no such command is running.
 * Loop thread.
 */
int
privsep_child_end(uint64_t id)
{
	struct privsep_child	*c;
	char			*cause = NULL;

	TAILQ_FOREACH(c, &privsep_children, entry) {
		/* Started: its socket is the network part's worker's. */
		if (c->busy || c->ev_ctl == NULL || c->fail_kind != 0 ||
		    c->ended || c->gone || c->finish || c->rec->id != id)
			continue;
		if (privsep_send(c->ctl, PRIVSEP_END, NULL, 0, NULL, 0,
		    MSG_DONTWAIT, &cause) != 0) {
			log_warnx("command %llu: %s", (unsigned long long)id,
			    cause);
			free(cause);
			return (-1);
		}
		return (0);
	}
	return (-1);
}

/*
 * The main channel has ended: every command not finished is killed and
 * ended as interrupted, for why. A busy command is seen to when its
 * thread hands it back.
 */
void
privsep_child_gone_all(const char *why)
{
	struct privsep_child	*c, *next;

	TAILQ_FOREACH_SAFE(c, &privsep_children, entry, next) {
		if (!c->finish && !c->gone && !c->busy)
			privsep_gone(c, why);
	}
}

/*
 * Return how many commands the privileged part has: for MaxCommands,
 * those whose end row is committed left out, since their ENDED may
 * have reached the client (and its next EXEC this part) before the loop
 * frees them; once the main channel has ended, all, so that the loop
 * stops only when none is left.
 */
u_int
privsep_child_count(void)
{
	u_int	n;

	if (privsep_chan == -1)
		return (privsep_nchildren);
	pthread_mutex_lock(&privsep_lock);
	n = privsep_nchildren - privsep_nended;
	pthread_mutex_unlock(&privsep_lock);
	return (n);
}

/*
 * The command's end row is committed, or cannot be: it is over, and no
 * longer counts against MaxCommands. Its thread, before ENDED.
 */
void
privsep_ending(struct privsep_child *c)
{
	pthread_mutex_lock(&privsep_lock);
	c->ended = 1;
	privsep_nended++;
	pthread_mutex_unlock(&privsep_lock);
}

/* Hand a command back to the loop, from its thread. */
void
privsep_done(struct privsep_child *c)
{
	int	was_empty;

	pthread_mutex_lock(&privsep_lock);
	was_empty = STAILQ_EMPTY(&privsep_dones);
	STAILQ_INSERT_TAIL(&privsep_dones, c, done_entry);
	pthread_mutex_unlock(&privsep_lock);
	if (was_empty && write(privsep_wake[1], "", 1) == -1 &&
	    errno != EAGAIN)
		log_warn("privileged part: wake-up pipe");
}

/*
 * The loop takes back the commands their threads are done with: free
 * those that ended, answer FAILED for those that did not start, and
 * STARTED for the others.
 */
static void
privsep_wake_cb(int fd, short events, void *arg)
{
	struct privsep_dones	 dones;
	struct privsep_child	*c;
	char			 buf[64];

	(void)events;
	(void)arg;
	/* A short read emptied the pipe: no read to see EAGAIN. */
	while (read(fd, buf, sizeof buf) == (ssize_t)sizeof buf)
		;
	STAILQ_INIT(&dones);
	pthread_mutex_lock(&privsep_lock);
	STAILQ_CONCAT(&dones, &privsep_dones);
	pthread_mutex_unlock(&privsep_lock);
	while ((c = STAILQ_FIRST(&dones)) != NULL) {
		STAILQ_REMOVE_HEAD(&dones, done_entry);
		c->busy = 0;
		if (c->ended) {
			pthread_mutex_lock(&privsep_lock);
			privsep_nended--;
			pthread_mutex_unlock(&privsep_lock);
			privsep_child_free(c);
		}
		else if (c->fail_kind != 0) {
			privsep_child_failed(c->ctl, c->fail_kind,
			    c->fail_errno != 0 ? c->fail_errno : EIO,
			    c->fail_kind == PRIVSEP_FAIL_START ? c->rec : NULL,
			    c->fail_reason);
			privsep_child_free(c);
		} else
			privsep_started(c);
	}
	if (privsep_chan == -1 && TAILQ_EMPTY(&privsep_children))
		event_base_loopbreak(privsep_base);
}

/*
 * A command runs: watch it and its socket, and hand its pipes to the
 * network part; if the network part went meanwhile, end it.
 */
static void
privsep_started(struct privsep_child *c)
{
	struct cmd_record	*rec = c->rec;
	struct timeval		 tick;
	uint8_t			 buf[8 + 8 + RECORD_HASH_LEN];
	char			*cause = NULL;
	int			 fds[3], i;

	tick.tv_sec = 0;
	tick.tv_usec = PRIVSEP_REAP_TICK_MS * 1000;
	/* The pipes' ends are ours to close, whatever becomes of c. */
	memcpy(fds, c->fds, sizeof fds);
	c->ev_pid = event_new(privsep_base, c->pidfd, c->pidfd == -1 ?
	    EV_PERSIST : EV_READ | EV_PERSIST, privsep_pid_cb, c);
	c->ev_ctl = event_new(privsep_base, c->ctl, EV_READ | EV_PERSIST,
	    privsep_ctl_cb, c);
	fcntl(c->ctl, F_SETFL, fcntl(c->ctl, F_GETFL) | O_NONBLOCK);
	if (c->ev_pid == NULL || c->ev_ctl == NULL ||
	    event_add(c->ev_pid, c->pidfd == -1 ? &tick : NULL) != 0) {
		/* libevent's event_free takes no NULL. */
		if (c->ev_pid != NULL)
			event_free(c->ev_pid);
		c->ev_pid = NULL;
		privsep_gone(c, "rcmdd could not watch the command");
	} else if (privsep_chan == -1)
		privsep_gone(c, PRIVSEP_GONE_REASON);
	else if (event_add(c->ev_ctl, NULL) != 0)
		privsep_gone(c, "rcmdd could not watch the command");
	else {
		/* A terminal is recorded from here, its start in the chain. */
		if (rec->terminal != NULL)
			c->recording = recording_new(rec->id, rec->seq,
			    privsep_conf->session_record_max,
			    privsep_conf->session_record_input,
			    privsep_resume, c);
		if (c->recording != NULL)
			recording_on_lost(c->recording, privsep_lost);
		privsep_put_u64(buf, rec->id);
		privsep_put_u64(buf + 8, rec->seq);
		memcpy(buf + 16, rec->hash, RECORD_HASH_LEN);
		if (privsep_send(c->ctl, PRIVSEP_STARTED, buf, sizeof buf,
		    fds, 3, MSG_DONTWAIT, &cause) != 0) {
			log_warnx("command %llu: %s",
			    (unsigned long long)rec->id, cause);
			free(cause);
			privsep_gone(c, PRIVSEP_GONE_REASON);
		}
	}
	for (i = 0; i < 3; i++)
		close(fds[i]);
}

/* Say on a command's socket that it did not start, and why. */
void
privsep_child_failed(int ctl, int kind, int error, const struct cmd_record *rec,
    const char *why)
{
	uint8_t	*buf;
	size_t	 len, wlen;
	char	*cause = NULL;

	wlen = strlen(why);
	if (wlen > PRIVSEP_TEXT_MAX)
		wlen = PRIVSEP_TEXT_MAX;
	len = 4 + 4 + 8 + 8 + RECORD_HASH_LEN + wlen;
	buf = xcalloc(1, len);
	privsep_put_i32(buf, kind);
	privsep_put_i32(buf + 4, error);
	if (rec != NULL) {
		privsep_put_u64(buf + 8, rec->id);
		privsep_put_u64(buf + 16, rec->end_seq);
		memcpy(buf + 24, rec->end_hash, RECORD_HASH_LEN);
	}
	memcpy(buf + 24 + RECORD_HASH_LEN, why, wlen);
	if (privsep_send(ctl, PRIVSEP_FAILED, buf, len, NULL, 0,
	    MSG_DONTWAIT, &cause) != 0) {
		log_warnx("privileged part: %s", cause);
		free(cause);
	}
	free(buf);
}

/* A command's socket is readable: take what the network part sent. */
static void
privsep_ctl_cb(int fd, short events, void *arg)
{
	struct privsep_child	*c = arg;
	struct privsep_msg	 m;
	char			*cause = NULL;
	int			 rc, i;

	(void)events;
	/* The largest message here is OUTPUT; FINISH is a few KiB. */
	for (i = 0; i < 16 && !c->finish && !c->gone; i++) {
		rc = privsep_recv(fd, PRIVSEP_OUTPUT_CHUNK, &m, MSG_DONTWAIT,
		    &cause);
		if (rc == -1 && errno == EAGAIN)
			return;
		if (rc == 0) {
			privsep_gone(c, PRIVSEP_GONE_REASON);
			return;
		}
		if (rc == 1) {
			rc = privsep_ctl_msg(c, &m, &cause);
			privsep_msg_clear(&m);
		}
		if (rc == 0 && recording_blocked(c->recording)) {
			/* The writer is behind: read on once it has room. */
			event_del(c->ev_ctl);
			return;
		}
		if (rc == -1) {
			log_warnx("command %llu: bad message from the network "
			    "part (%s): ending the command",
			    (unsigned long long)c->rec->id, cause);
			free(cause);
			privsep_gone(c, "the network part of rcmdd sent a "
			    "malformed message");
			return;
		}
		if (rc == 2)
			return;		/* c may be gone */
	}
}

/*
 * The recording's writer has room again: read the command's socket again,
 * unless the command is over. Loop thread.
 */
static void
privsep_resume(void *arg)
{
	struct privsep_child	*c = arg;

	if (!c->finish && !c->gone && !c->busy && c->ev_ctl != NULL)
		event_add(c->ev_ctl, NULL);
}

/*
 * Handle one message on a command's socket. Return 0, 2 once FINISH has
 * been handled, or -1 with the reason in cause if it was malformed.
 */
static int
privsep_ctl_msg(struct privsep_child *c, struct privsep_msg *m,
    char **cause)
{
	struct cmd_record	*rec = c->rec;
	struct termios		 tio;
	size_t			 keep;
	u_int			 rows, cols;
	int			 sig;

	switch (m->type) {
	case PRIVSEP_SIGNAL:
		if (privsep_msg_check(m, 0, 4, 4, cause) != 0)
			return (-1);
		sig = privsep_get_i32(m->data);
		if (sig != SIGHUP && sig != SIGINT && sig != SIGQUIT &&
		    sig != SIGKILL && sig != SIGTERM) {
			xasprintf(cause, "signal %d is not one a client may "
			    "send", sig);
			return (-1);
		}
		log_debug("command %llu: signal %d from the client",
		    (unsigned long long)rec->id, sig);
		privsep_signal(c, sig);
		return (0);
	case PRIVSEP_TERMINATE:
	case PRIVSEP_KILL:
		if (privsep_msg_check(m, 0, 0, 0, cause) != 0)
			return (-1);
		if (m->type == PRIVSEP_KILL)
			privsep_kill(c);
		else if (c->master != -1)
			privsep_hangup(c);
		else
			privsep_signal(c, SIGTERM);
		return (0);
	case PRIVSEP_RESIZE:
		if (privsep_msg_check(m, 0, 4, 4, cause) != 0)
			return (-1);
		rows = (u_int)m->data[0] << 8 | m->data[1];
		cols = (u_int)m->data[2] << 8 | m->data[3];
		if (c->master == -1 || rows == 0 || cols == 0) {
			xasprintf(cause, "RESIZE to %ux%u %s", rows, cols,
			    c->master == -1 ? "for a command without a "
			    "terminal" : "is no size");
			return (-1);
		}
		if (terminal_resize(c->master, rows, cols) != 0)
			log_debug("command %llu: TIOCSWINSZ: %s",
			    (unsigned long long)rec->id, strerror(errno));
		recording_resize(c->recording, rows, cols);
		return (0);
	case PRIVSEP_INPUT:
		if (privsep_msg_check(m, 0, 1, PRIVSEP_OUTPUT_CHUNK,
		    cause) != 0)
			return (-1);
		if (c->master == -1) {
			xasprintf(cause, "INPUT for a command without a "
			    "terminal");
			return (-1);
		}
		/*
		 * The network part sends what was not typed at a password
		 * prompt (a line read without echo: worker_write_stdin); one
		 * here now too keeps it out as well.
		 */
		recording_input(c->recording, m->data, m->len,
		    tcgetattr(c->master, &tio) == 0 &&
		    (tio.c_lflag & (ICANON | ECHO)) != ICANON);
		return (0);
	case PRIVSEP_OUTPUT:
		if (privsep_msg_check(m, 0, 1, PRIVSEP_OUTPUT_CHUNK,
		    cause) != 0)
			return (-1);
		recording_output(c->recording, m->data, m->len);
		keep = m->len;
		if (rec->output_len >= c->output_max)
			keep = 0;
		else if (keep > c->output_max - rec->output_len)
			keep = c->output_max - rec->output_len;
		if (keep < m->len)
			c->capped = 1;
		if (keep != 0) {
			rec->output = xreallocarray(rec->output, 1,
			    rec->output_len + keep);
			memcpy(rec->output + rec->output_len, m->data, keep);
			rec->output_len += keep;
		}
		return (0);
	case PRIVSEP_FINISH:
		if (privsep_msg_check(m, 0, 0, PRIVSEP_MSG_MAX, cause) != 0 ||
		    record_unpack(rec, privsep_mask(PRIVSEP_FINISH), m->data,
		    m->len, cause) != 0)
			return (-1);
		/*
		 * How a command that ran ended, as only the network part
		 * knows; "failed" and "interrupted" are ours to give.
		 */
		if (!privsep_finish_status(rec->status)) {
			xasprintf(cause, "FINISH without an end status of a "
			    "command that ran");
			return (-1);
		}
		/* Capped here or by the network part: truncated either way. */
		if (c->capped)
			rec->truncated = 1;
		c->finish = 1;
		event_del(c->ev_ctl);
		if (c->exited)
			privsep_end(c);
		else {
			/* Ended before its shell: nothing of it stays. */
			privsep_kill(c);
		}
		return (2);
	}
	xasprintf(cause, "unknown message %u", m->type);
	return (-1);
}

/*
 * The shell has exited: say so, leave it a zombie (WNOWAIT: its process
 * group id stays pinned while the group may still be signalled), and
 * end the command if the network part is done with it.
 */
static void
privsep_pid_cb(int fd, short events, void *arg)
{
	struct privsep_child	*c = arg;
	siginfo_t		 si;
	uint8_t			 buf[4];
	char			*cause = NULL;

	(void)fd;
	(void)events;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG |
	    WNOWAIT) == -1 || si.si_pid == 0)
		return;
	c->exited = 1;
	if (si.si_code == CLD_EXITED)
		c->wstatus = W_EXITCODE(si.si_status, 0);
	else
		c->wstatus = si.si_status | (si.si_code == CLD_DUMPED ?
		    0x80 : 0);
	event_free(c->ev_pid);
	c->ev_pid = NULL;
	if (c->pidfd != -1)
		close(c->pidfd);
	c->pidfd = -1;
	if (c->finish || c->gone) {
		privsep_end(c);
		return;
	}
	privsep_put_i32(buf, c->wstatus);
	if (privsep_send(c->ctl, PRIVSEP_EXITED, buf, sizeof buf, NULL, 0,
	    MSG_DONTWAIT, &cause) != 0) {
		log_warnx("command %llu: %s", (unsigned long long)c->rec->id,
		    cause);
		free(cause);
		privsep_gone(c, PRIVSEP_GONE_REASON);
	}
}

/*
 * The network part is gone for this command: kill it, and end its row as
 * interrupted once its shell has exited.
 */
static void
privsep_gone(struct privsep_child *c, const char *why)
{
	c->gone = 1;
	free(c->rec->reason);
	c->rec->reason = xstrdup(why);
	if (c->ev_ctl != NULL)
		event_del(c->ev_ctl);
	if (c->exited) {
		privsep_end(c);
		return;
	}
	log_warnx("command %llu: %s: killing it",
	    (unsigned long long)c->rec->id, why);
	privsep_kill(c);
	if (c->ev_pid == NULL) {
		/* No pidfd to watch: wait here, SIGKILL is on its way. */
		while (waitpid(c->pid, &c->wstatus, 0) == -1 &&
		    errno == EINTR)
			;
		c->exited = 1;
		c->pid = -1;
		privsep_end(c);
	}
}

/* The command is over: its end goes to a pool thread. */
static void
privsep_end(struct privsep_child *c)
{
	/* The recording's last chunk is queued before the end row. */
	recording_end(c->recording);
	privsep_thread(c, privsep_end_main);
}

/* Is status one FINISH may give: how a command that ran ended? */
static int
privsep_finish_status(const char *status)
{
	static const char *const ok[] = { "exited", "signaled", "timeout",
	    "cancelled", "disconnected" };
	size_t	i;

	if (status == NULL)
		return (0);
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (strcmp(status, ok[i]) == 0)
			return (1);
	}
	return (0);
}

/* Free a command's state and close its socket. */
static void
privsep_child_free(struct privsep_child *c)
{
	TAILQ_REMOVE(&privsep_children, c, entry);
	privsep_nchildren--;
	if (c->ev_ctl != NULL)
		event_free(c->ev_ctl);
	if (c->ev_pid != NULL)
		event_free(c->ev_pid);
	if (c->pidfd != -1)
		close(c->pidfd);
	if (c->ctl != -1)
		close(c->ctl);
	if (c->master != -1)
		close(c->master);
	privsep_cgroup_free(c);
	exec_env_free(c->envp);
	recording_free(c->recording);
	record_free(c->rec);
	free(c->fail_reason);
	free(c->lost);
	free(c->utmp);
	free(c->wtmp);
	free(c);
}

/* Return a monotonic time in milliseconds. */
uint64_t
privsep_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/*
 * A chunk of a terminal's recording could not be committed: the session
 * does not go on unrecorded. Hang its terminal up, and say why in its
 * row (privsep_end_main). Loop thread.
 */
static void
privsep_lost(void *arg, const char *why)
{
	struct privsep_child	*c = arg;

	if (c->ended || c->gone || c->lost != NULL)
		return;
	log_warnx("command %llu: its recording cannot be stored (%s): its "
	    "terminal is hung up", (unsigned long long)c->rec->id, why);
	c->lost = xstrdup(why);
	privsep_hangup(c);
}
