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
#include <sys/resource.h>
#include <sys/socket.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The running server's lifetime, once main() has started its parts: the
 * signals (through a self-pipe), the reload they or the control socket
 * ask for, the orderly shutdown with its grace for running commands, the
 * check that ends the loop once the last session and command are gone.
 * All on the network part's loop thread. The audit chain's head is
 * logged by the privileged part, which holds the audit log
 * (server_head_log).
 */

static void	signal_handler(int);
static void	signal_cb(int, short, void *);
static void	server_shutdown(void);
static void	shutdown_grace_cb(int, short, void *);
static int	server_reload(char **);
static int	server_reload_kept(char *, char **);
static ssize_t	server_read_text(const char *, char **, char **);
static uint8_t	*server_reload_message(const struct config *,
		    const struct exec_identity *, const char *, size_t,
		    size_t *, char **);
static int	server_reload_network(const uint8_t *, size_t, char **);
static int	server_reload_answer(int, const char *, char **);
static void	server_privsep_cb(int, short, void *);
static int	server_send_stats(char **);
static void	server_log_warnings(char *);
static u_int	fds_open(void);

/*
 * Descriptors kept free beside those counted at start-up, for what rcmdd
 * opens for a moment: SQLite's temporary files, a user lookup, a reload
 * reading its files.
 */
#define SERVER_FDS_SPARE	16

/*
 * CONFIG's parts: the file, the TLS cert, key and CA, the users' names,
 * the CRLs (TLSCRL).
 */
#define SERVER_CONFIG_PARTS	6

struct config		*server_conf;
struct event_base	*server_base;
/* The network part's end of the main channel to the privileged part. */
int			 server_privsep = -1;
/* The privileged part's pid, as the network part's parent. */
pid_t			 server_ppid = -1;

static const struct config_cmdline *server_cmdline;
static int		 server_stopping;
static struct timespec	 server_grace_end;
static struct event	*server_signal_ev;
static struct event	*server_grace_ev;
static struct event	*server_privsep_ev;
static int		 server_privsep_gone;
static int		 server_signal_pipe[2] = { -1, -1 };
/* A reload the network part has yet to answer, and who it runs as. */
static struct config	*server_staged;
static struct exec_identity server_staged_id;
static int		 server_reload_again;

/* Keep the command line, which each reload applies again. */
void
server_set_cmdline(const struct config_cmdline *cmd)
{
	server_cmdline = cmd;
}

/*
 * Start the server's own events on server_base, once the listeners, the
 * audit writer and the job inbox are up: the signals, the shutdown
 * timer, and the descriptor budget of what is open by then.
 * cmd is what the command line set; it must outlive the server, as each
 * reload applies it again.
 */
void
server_start(const struct config_cmdline *cmd)
{
	struct sigaction sa;
	struct rlimit	 rl;

	server_cmdline = cmd;

	/*
	 * Signals reach the loop through a pipe rather than libevent's own
	 * signal events, so that a command running inline in the loop
	 * (--single-thread) can watch the pipe too.
	 */
	if (pipe2(server_signal_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = signal_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1)
		fatal("sigaction");
	server_signal_ev = event_new(server_base, server_signal_pipe[0],
	    EV_READ | EV_PERSIST, signal_cb, NULL);
	server_grace_ev = evtimer_new(server_base, shutdown_grace_cb, NULL);
	if (server_signal_ev == NULL || server_grace_ev == NULL ||
	    event_add(server_signal_ev, NULL) != 0)
		fatalx("cannot add signal events");
	if (server_privsep != -1) {
		server_privsep_ev = event_new(server_base, server_privsep,
		    EV_READ | EV_PERSIST, server_privsep_cb, NULL);
		if (server_privsep_ev == NULL ||
		    event_add(server_privsep_ev, NULL) != 0)
			fatalx("cannot watch the privileged part's channel");
	}

	/*
	 * The descriptor budget: what is open now, with some to spare, is
	 * rcmdd's own; each connection and command takes from the rest.
	 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		session_set_fd_budget((u_long)rl.rlim_cur,
		    fds_open() + SERVER_FDS_SPARE);
}

/* Pass a signal to the loop through the pipe. Only the loop gets them. */
static void
signal_handler(int sig)
{
	int	saved_errno = errno;
	char	c = (char)sig;

	if (write(server_signal_pipe[1], &c, 1) == -1) {
		/* Full: the loop has signals to read already. */
	}
	errno = saved_errno;
}

/* The signal pipe is readable. Loop thread. */
static void
signal_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	server_signal_dispatch();
}

/*
 * Handle the signals waiting: SIGTERM and SIGINT shut down; SIGHUP is the
 * privileged part's (the parent's).
 */
void
server_signal_dispatch(void)
{
	char	sigs[16];
	ssize_t	n, i;

	while ((n = read(server_signal_pipe[0], sigs, sizeof sigs)) > 0) {
		for (i = 0; i < n; i++) {
			if (sigs[i] == SIGHUP) {
				log_info("SIGHUP: the privileged part (pid "
				    "%ld) reloads: send it there",
				    (long)getppid());
				continue;
			}
			log_info("%s: shutting down", strsignal(sigs[i]));
			server_shutdown();
		}
	}
}

/*
 * Stop accepting, close idle sessions, and let running commands finish
 * for the grace period.
 */
static void
server_shutdown(void)
{
	struct timeval	tv;

	if (server_stopping)
		return;
	server_stopping = 1;
	notify_send("STOPPING=1");
	clock_gettime(CLOCK_MONOTONIC, &server_grace_end);
	server_grace_end.tv_sec += server_conf->shutdown_grace_ms / 1000;
	server_grace_end.tv_nsec += (server_conf->shutdown_grace_ms % 1000) *
	    1000000L;
	if (server_grace_end.tv_nsec >= 1000000000L) {
		server_grace_end.tv_sec++;
		server_grace_end.tv_nsec -= 1000000000L;
	}
	listen_stop();
	session_shutdown_all();
	if (job_count() != 0) {
		log_info("waiting up to %u ms for %u running command%s",
		    server_conf->shutdown_grace_ms, job_count(),
		    job_count() == 1 ? "" : "s");
		tv.tv_sec = server_conf->shutdown_grace_ms / 1000;
		tv.tv_usec = (server_conf->shutdown_grace_ms % 1000) * 1000;
		evtimer_add(server_grace_ev, &tv);
	}
	server_check_exit();
}

/* The shutdown grace is over: stop the commands still running. */
static void
shutdown_grace_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	log_warnx("shutdown grace over: stopping %u running command%s",
	    job_count(), job_count() == 1 ? "" : "s");
	job_cancel_all(JOB_CANCEL_SHUTDOWN);
}

/*
 * Called when a job or a session ends: once shutting down and both are
 * gone, leave the loop.
 */
void
server_check_exit(void)
{
	if (server_stopping && job_count() == 0 && session_count() == 0)
		event_base_loopexit(server_base, NULL);
}

/*
 * Reload, on SIGHUP or through the control socket, telling systemd while
 * it lasts. The privileged part. Return 0 once reloaded, 1 if the
 * network part's answer is awaited (server_reload_done gives the
 * verdict, and control_reload_done passes it on), or -1 with the reason
 * in cause (if not NULL) when the running configuration was kept. While
 * one reload waits for the network part, a SIGHUP (cause NULL) makes
 * another follow it, and a control request is refused.
 */
int
server_reload_request(char **cause)
{
	int	rc;

	if (server_staged != NULL) {
		if (cause != NULL) {
			xasprintf(cause, "a reload is under way: try again "
			    "once it is over");
			return (-1);
		}
		log_info("SIGHUP: a reload is under way: rcmdd reloads "
		    "again once it is over");
		server_reload_again = 1;
		return (1);
	}
	notify_send("RELOADING=1");
	rc = server_reload(cause);
	if (rc != 1)
		notify_send("READY=1");
	return (rc);
}

/*
 * Read the configuration file's text, at most PRIVSEP_MSG_MAX less room
 * for the run-as user, into *text. Return its length, or -1 with the
 * reason in cause.
 */
static ssize_t
server_read_text(const char *path, char **text, char **cause)
{
	FILE	*fp;
	size_t	 max = PRIVSEP_MSG_MAX - 2 - PRIVSEP_TEXT_MAX, n;

	*text = NULL;
	if ((fp = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: cannot open: %s", path, strerror(errno));
		return (-1);
	}
	*text = xmalloc(max + 1);
	n = fread(*text, 1, max + 1, fp);
	if (ferror(fp) || n > max) {
		xasprintf(cause, "%s: %s", path, ferror(fp) ?
		    strerror(errno) : "larger than rcmdd reloads (restart it)");
		fclose(fp);
		free(*text);
		*text = NULL;
		return (-1);
	}
	fclose(fp);
	return ((ssize_t)n);
}

/*
 * Re-read the configuration file. Errors keep the old configuration; what
 * only a restart may change stays as it is (config_merge_reload). Running
 * commands keep the settings they started with. The privileged part
 * checks the file and what is its own (RunAs, the limits, the TLS
 * files), then sends the file's text, the TLS files' and the users' names
 * to the network part (CONFIG), which parses it again from memory and
 * says whether it took it (CONFIG_DONE). Only then does the privileged
 * part take it too (server_reload_done): until then, and if either part
 * refuses, both keep the running configuration. Return 1 once CONFIG is
 * sent, 0 once reloaded if there is no network part, or -1 with the
 * reason in verdict (if not NULL).
 */
static int
server_reload(char **verdict)
{
	const struct config_cmdline	*cmd = server_cmdline;
	struct config			*conf, *old = server_conf;
	struct exec_identity		 id, running;
	struct rlimit			 rl;
	const char			*path = config_path(cmd);
	char				*cause = NULL, *warnings = NULL;
	char				*text = NULL;
	uint8_t				*buf;
	ssize_t				 len = 0;
	size_t				 total;
	u_int				 base;

	if (path != NULL && (len = server_read_text(path, &text,
	    &cause)) == -1)
		return (server_reload_kept(cause, verdict));
	conf = xcalloc(1, sizeof *conf);
	if (config_read_text(conf, cmd, text == NULL ? "" : text, (size_t)len,
	    0) != 0) {
		log_warnx("SIGHUP: configuration has errors; keeping the "
		    "running one");
		if (verdict != NULL)
			xasprintf(verdict, "the configuration has errors "
			    "(rcmdd -t%s%s lists them); the running one is "
			    "kept", cmd->config != NULL ? " -c " : "",
			    cmd->config != NULL ? cmd->config : "");
		free(conf);
		free(text);
		return (-1);
	}
	/* The limits are checked against the listeners the file names. */
	base = server_fds_base(conf);
	exec_identity(&running);
	if (config_merge_reload(old, conf, &warnings, &cause) != 0)
		;
	else if (conf->max_conns_given && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && config_check_fds(conf,
	    (unsigned long)rl.rlim_cur, base, &cause) != 0)
		;
	/* A bad certificate is likelier than a bad RunAs: check it first. */
	else if (tls_configure(conf, &cause) == 0 &&
	    exec_configure(conf, &cause) == 0) {
		/* Commands run as before until both parts have it. */
		exec_identity(&id);
		exec_identity_set(&running);
		buf = server_reload_message(conf, &id, text, (size_t)len,
		    &total, &cause);
		if (buf != NULL && privsep_chan != -1 &&
		    privsep_send(privsep_chan, PRIVSEP_CONFIG, buf, total,
		    NULL, 0, 0, &cause) != 0)
			;
		else if (buf != NULL) {
			server_staged = conf;
			server_staged_id = id;
		}
		if (buf != NULL)
			freezero(buf, total);
	}
	if (text != NULL)
		freezero(text, (size_t)len);
	if (cause != NULL) {
		free(warnings);
		config_clear(conf);
		free(conf);
		return (server_reload_kept(cause, verdict));
	}
	/* The rules' order, as rcmdd -t warns of it. */
	policy_check(conf, &warnings);
	server_log_warnings(warnings);
	if (privsep_chan != -1) {
		log_debug("SIGHUP: the network part checks the configuration");
		return (1);
	}
	server_reload_done(1, NULL);
	return (0);
}

/*
 * Make the network part's copy of a reload (CONFIG): the run-as user,
 * then the file's text, the TLS files' PEM text, which it cannot read
 * itself, and the users' names by uid (session_users_text). Return it
 * (its length in *total), or NULL with the reason in cause.
 */
static uint8_t *
server_reload_message(const struct config *conf,
    const struct exec_identity *id, const char *text, size_t len,
    size_t *total, char **cause)
{
	char		*pem[SERVER_CONFIG_PARTS];
	const char	*paths[4];
	uint8_t		*buf = NULL;
	size_t		 ulen, plen[SERVER_CONFIG_PARTS], off;
	ssize_t		 n;
	u_int		 i, j;

	memset(pem, 0, sizeof pem);
	memset(plen, 0, sizeof plen);
	if (conf->tls_cert != NULL) {
		paths[0] = conf->tls_cert;
		paths[1] = conf->tls_key;
		paths[2] = conf->tls_ca;
		paths[3] = conf->tls_crl;
		for (i = 0; i < 4; i++) {
			/* Parts 1 to 3, then the CRLs after the users. */
			j = i < 3 ? i + 1 : 5;
			if (paths[i] == NULL)
				continue;
			if ((n = server_read_text(paths[i], &pem[j],
			    cause)) == -1)
				goto out;
			plen[j] = (size_t)n;
		}
	}
	pem[4] = session_users_text(&plen[4]);
	ulen = strlen(id->user);
	*total = 2 + ulen + 4 + len;
	for (i = 1; i < SERVER_CONFIG_PARTS; i++)
		*total += 4 + plen[i];
	if (*total > PRIVSEP_MSG_MAX && *total - plen[4] <= PRIVSEP_MSG_MAX) {
		/* Without the names: Unix socket peers keep the old ones. */
		log_warnx("SIGHUP: the users' names are too many to send: a "
		    "Unix socket peer made since start-up may be named "
		    "\"uid N\"");
		*total -= plen[4];
		free(pem[4]);
		pem[4] = NULL;
		plen[4] = 0;
	}
	if (*total > PRIVSEP_MSG_MAX) {
		xasprintf(cause, "the configuration and TLS files are %zu "
		    "bytes, more than the %d that rcmdd reloads (restart it)",
		    *total, PRIVSEP_MSG_MAX);
		goto out;
	}
	buf = xmalloc(*total);
	buf[0] = (uint8_t)(ulen >> 8);
	buf[1] = (uint8_t)ulen;
	memcpy(buf + 2, id->user, ulen);
	off = 2 + ulen;
	for (i = 0; i < SERVER_CONFIG_PARTS; i++) {
		n = i == 0 ? (ssize_t)len : (ssize_t)plen[i];
		privsep_put_i32(buf + off, (int32_t)n);
		if (n != 0)
			memcpy(buf + off + 4, i == 0 ? text : pem[i],
			    (size_t)n);
		off += 4 + (size_t)n;
	}
out:
	for (i = 1; i < SERVER_CONFIG_PARTS; i++) {
		if (pem[i] != NULL)
			freezero(pem[i], plen[i]);
	}
	return (buf);
}

/*
 * The network part's verdict on a reload (CONFIG_DONE), or the channel's
 * end (ok 0): both parts take the configuration, or both keep the one
 * running, and the verdict goes to the log and to whoever asked
 * (control_reload_done). The privileged part.
 */
void
server_reload_done(int ok, const char *why)
{
	const struct config_cmdline	*cmd = server_cmdline;
	struct config			*conf = server_staged, *old = server_conf;
	char				*cause = NULL, *verdict = NULL;

	if (conf == NULL)
		return;
	server_staged = NULL;
	if (!ok) {
		xasprintf(&cause, "the network part cannot apply the "
		    "configuration: %s", why);
		server_reload_kept(cause, &verdict);
		config_clear(conf);
		free(conf);
		control_reload_done(verdict);
		free(verdict);
	} else {
		log_setverbose(cmd->verbose > conf->verbose ? cmd->verbose :
		    conf->verbose);
		exec_identity_set(&server_staged_id);
		server_conf = conf;
		audit_set_retention(conf->retain_days, conf->max_rows);
		privsep_reconfigure(conf);
		metrics_start(privsep_base, conf->metrics_path,
		    conf->metrics_interval_ms);
		config_clear(old);
		free(old);
		log_info("SIGHUP: configuration reloaded%s%s",
		    cmd->config != NULL ? " from " : "",
		    cmd->config != NULL ? cmd->config : "");
		control_reload_done(NULL);
	}
	notify_send("READY=1");
	if (server_reload_again && privsep_chan != -1) {
		server_reload_again = 0;
		server_reload_request(NULL);
	}
}

/* Is a reload waiting for the network part's answer? */
int
server_reload_pending(void)
{
	return (server_staged != NULL);
}

/*
 * The network part's side of a reload: the privileged part checked the
 * file and sent its text, the TLS files' and the users' names (CONFIG);
 * parse them again here and take what is this part's, or keep the
 * running configuration. The privileged part takes it only if this part
 * did (server_privsep_cb answers CONFIG_DONE). Return 0, or -1 with the
 * reason in cause.
 */
static int
server_reload_network(const uint8_t *data, size_t len, char **cause)
{
	struct config	*conf, *old = server_conf;
	const char	*part[SERVER_CONFIG_PARTS], *pem[TLS_PEM_PARTS];
	char		*runas, *warnings = NULL;
	size_t		 ulen, plen[SERVER_CONFIG_PARTS], off;
	size_t		 pemlen[TLS_PEM_PARTS];
	u_int		 i;

	if (len < 2 || (ulen = (size_t)data[0] << 8 | data[1]) > len - 2 ||
	    (runas = privsep_text(data + 2, ulen)) == NULL) {
		xasprintf(cause, "CONFIG with a bad run-as user");
		return (-1);
	}
	/*
	 * The file's text, the TLS certificate, key and CA, the users, the
	 * CRLs.
	 */
	off = 2 + ulen;
	for (i = 0; i < SERVER_CONFIG_PARTS; i++) {
		if (len - off < 4 || (plen[i] = (uint32_t)privsep_get_i32(data +
		    off)) > len - off - 4) {
			xasprintf(cause, "CONFIG with a bad length");
			free(runas);
			return (-1);
		}
		part[i] = (const char *)data + off + 4;
		off += 4 + plen[i];
	}
	for (i = 0; i < TLS_PEM_PARTS; i++) {
		/* The certificate, key and CA, then the CRLs (part 5). */
		pem[i] = part[i < TLS_PEM_CRL ? i + 1 : 5];
		pemlen[i] = plen[i < TLS_PEM_CRL ? i + 1 : 5];
	}
	conf = xcalloc(1, sizeof *conf);
	if (config_read_text(conf, server_cmdline, part[0], plen[0], 0) != 0 ||
	    config_merge_reload(old, conf, &warnings, cause) != 0 ||
	    (conf->tls_cert != NULL && tls_configure_mem(conf, pem,
	    pemlen, cause) != 0)) {
		if (*cause == NULL)
			xasprintf(cause, "the configuration has errors");
		free(warnings);
		free(runas);
		config_clear(conf);
		free(conf);
		return (-1);
	}
	free(warnings);		/* the privileged part logged them */
	exec_set_user(runas);
	free(runas);
	/* None sent (too many): keep the names read at start-up. */
	if (plen[4] != 0)
		session_users_set(part[4], plen[4]);
	log_setverbose(server_cmdline->verbose > conf->verbose ?
	    server_cmdline->verbose : conf->verbose);
	server_conf = conf;
	config_clear(old);
	free(old);
	log_debug("network part: configuration reloaded");
	/* Revoked or now denied peers go, with their commands. */
	session_revoke_all();
	return (0);
}

/*
 * Tell the privileged part whether this part took a reload (rc 0) or why
 * not (CONFIG_DONE). Return 0, or -1 with the reason in cause.
 */
static int
server_reload_answer(int rc, const char *why, char **cause)
{
	uint8_t	*buf;
	size_t	 wlen = 0, len;
	int	 sent;

	if (rc != 0 && why != NULL)
		wlen = strnlen(why, PRIVSEP_TEXT_MAX);
	len = 4 + wlen;
	buf = xmalloc(len);
	privsep_put_i32(buf, rc == 0);
	if (wlen != 0)
		memcpy(buf + 4, why, wlen);
	sent = privsep_send(server_privsep, PRIVSEP_CONFIG_DONE, buf, len,
	    NULL, 0, 0, cause);
	free(buf);
	return (sent);
}

/*
 * Send the privileged part this part's counters (STATS). Return 0, or -1
 * with the reason in cause.
 */
static int
server_send_stats(char **cause)
{
	uint8_t	buf[24];

	privsep_put_u64(buf, session_count());
	privsep_put_u64(buf + 8, job_count());
	privsep_put_u64(buf + 16, job_started_count());
	return (privsep_send(server_privsep, PRIVSEP_STATS, buf, sizeof buf,
	    NULL, 0, 0, cause));
}

/*
 * The main channel is readable in the network part: a CONFIG or a
 * STATS_REQ from the privileged part. Loop thread.
 */
static void
server_privsep_cb(int fd, short events, void *arg)
{
	struct privsep_msg	 m;
	char			*cause = NULL, *why;
	int			 rc;

	(void)events;
	(void)arg;
	rc = privsep_recv(fd, PRIVSEP_MSG_MAX, &m, MSG_DONTWAIT, &cause);
	if (rc == -1 && errno == EAGAIN)
		return;
	if (rc == 0) {
		/* The privileged part is gone: PR_SET_PDEATHSIG ends us. */
		event_del(server_privsep_ev);
		server_privsep_gone = 1;
		return;
	}
	if (rc == 1) {
		if (m.type == PRIVSEP_CONFIG && m.nfd == 0) {
			if ((rc = server_reload_network(m.data, m.len,
			    &cause)) != 0)
				log_warnx("network part: cannot apply the "
				    "configuration: %s; keeping the running "
				    "one", cause);
			why = cause;
			cause = NULL;
			rc = server_reload_answer(rc, why, &cause);
			free(why);
		} else if (m.type == PRIVSEP_STATS_REQ && m.len == 0 &&
		    m.nfd == 0)
			rc = server_send_stats(&cause);
		else {
			xasprintf(&cause, "unexpected message %u", m.type);
			rc = -1;
		}
		privsep_msg_clear(&m);
	}
	if (rc == -1) {
		log_warnx("network part: from the privileged part: %s", cause);
		free(cause);
	}
}

/*
 * The main channel, for the poll of a command run inline: -1 once the
 * privileged part has closed it. Network part, loop thread.
 */
int
server_privsep_fd(void)
{
	return (server_privsep_ev == NULL || server_privsep_gone ? -1 :
	    server_privsep);
}

/* An inline command's poll found the main channel readable. */
void
server_privsep_dispatch(void)
{
	server_privsep_cb(server_privsep, EV_READ, NULL);
}

/*
 * A reload that keeps the running configuration: log why, give the
 * reason to the caller in verdict (if not NULL), free cause. Return -1.
 */
static int
server_reload_kept(char *cause, char **verdict)
{
	log_warnx("SIGHUP: %s; keeping the running configuration", cause);
	if (verdict != NULL)
		xasprintf(verdict, "%s; the running configuration is kept",
		    cause);
	free(cause);
	return (-1);
}

/* Log each line of a reload's warnings, and free them. */
static void
server_log_warnings(char *warnings)
{
	char	*line, *next;

	for (line = warnings; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		log_warnx("SIGHUP: %s", line);
	}
	free(warnings);
}

/*
 * Log the audit chain's head, as SEQ:HASH, so that a copy lives outside
 * the database: rcmdd --verify-audit --head checks a database against it.
 * The privileged part, which holds the audit log.
 */
void
server_head_log(void)
{
	struct chain_head	head;

	audit_head(&head);
	log_info("audit chain head %llu:%s", (unsigned long long)head.seq,
	    head.hash);
	forward_head(&head);
}

/* Undo server_start once the loop has ended. */
void
server_stop(void)
{
	event_free(server_signal_ev);
	server_signal_ev = NULL;
	event_free(server_grace_ev);
	server_grace_ev = NULL;
	if (server_privsep_ev != NULL)
		event_free(server_privsep_ev);
	server_privsep_ev = NULL;
	/* A signal from now on finds no pipe, not another descriptor. */
	close(server_signal_pipe[0]);
	close(server_signal_pipe[1]);
	server_signal_pipe[0] = server_signal_pipe[1] = -1;
}

/* Return the read end of the signal pipe, for an inline command's poll. */
int
server_signal_fd(void)
{
	return (server_signal_pipe[0]);
}

/*
 * Return the milliseconds left of the shutdown grace, 0 once it is over,
 * or -1 when not shutting down.
 */
int
server_grace_left(void)
{
	struct timespec	now;
	long long	ms;

	if (!server_stopping)
		return (-1);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (server_grace_end.tv_sec - now.tv_sec) * 1000LL +
	    (server_grace_end.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return (0);
	return (ms > INT_MAX ? INT_MAX : (int)ms);
}

/*
 * Return how many descriptors rcmdd may need before any connection, for
 * rcmdd -t and a reload: SERVER_FDS_BASE and two listeners (IPv4 and
 * IPv6) per listen address, and the Unix socket.
 */
u_int
server_fds_base(const struct config *conf)
{
	return (SERVER_FDS_BASE + 2 * (conf->nlisten == 0 ? 1 : conf->nlisten) +
	    (conf->socket_path != NULL));
}

/* Return how many descriptors are open, or an estimate without /proc. */
static u_int
fds_open(void)
{
	DIR		*d;
	struct dirent	*de;
	u_int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return (server_fds_base(server_conf));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return (n > 0 ? n - 1 : 0);	/* not the one reading the folder */
}
