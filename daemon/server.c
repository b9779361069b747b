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
static int	server_reload_network(const uint8_t *, size_t, char **);
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
static int		 server_signal_pipe[2] = { -1, -1 };

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
 * it lasts. The privileged part. Return 0, or -1 with the reason in cause
 * (if not NULL) when the running configuration was kept.
 */
int
server_reload_request(char **cause)
{
	int	rc;

	notify_send("RELOADING=1");
	rc = server_reload(cause);
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
 * checks the file and applies what is its own (retention, RunAs, limits,
 * the chain head's interval), then sends the file's text to the network
 * part (CONFIG), which parses it again from memory. Return 0, or -1 with
 * the reason in verdict (if not NULL).
 */
static int
server_reload(char **verdict)
{
	const struct config_cmdline	*cmd = server_cmdline;
	struct config			*conf, *old = server_conf;
	struct exec_identity		 id;
	struct rlimit			 rl;
	const char			*path = config_path(cmd);
	char				*cause = NULL, *warnings = NULL;
	char				*text = NULL;
	char				*pem[4];
	const char			*paths[3];
	uint8_t				*buf;
	ssize_t				 len = 0;
	size_t				 ulen, pemlen[4], total, off;
	u_int				 base, i;

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
	if (config_merge_reload(old, conf, &warnings, &cause) != 0)
		;
	else if (conf->max_conns_given && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && config_check_fds(conf,
	    (unsigned long)rl.rlim_cur, base, &cause) != 0)
		;
	/* A bad certificate is likelier than a bad RunAs: check it first. */
	else if (tls_configure(conf, &cause) == 0)
		exec_configure(conf, &cause);
	if (cause != NULL) {
		free(warnings);
		free(text);
		config_clear(conf);
		free(conf);
		return (server_reload_kept(cause, verdict));
	}
	server_log_warnings(warnings);
	log_setverbose(cmd->verbose > conf->verbose ? cmd->verbose :
	    conf->verbose);
	server_conf = conf;
	audit_set_retention(conf->retain_days, conf->max_rows);
	privsep_reconfigure(conf);
	metrics_start(privsep_base, conf->metrics_path,
	    conf->metrics_interval_ms);
	config_clear(old);
	free(old);

	/*
	 * The network part's copy: the run-as user, then the file's text
	 * and the TLS files' PEM text, which it cannot read itself.
	 */
	exec_identity(&id);
	ulen = strlen(id.user);
	memset(pem, 0, sizeof pem);
	memset(pemlen, 0, sizeof pemlen);
	pem[0] = text;
	pemlen[0] = (size_t)len;
	if (conf->tls_cert != NULL) {
		paths[0] = conf->tls_cert;
		paths[1] = conf->tls_key;
		paths[2] = conf->tls_ca;
		for (i = 1; i < 4 && cause == NULL; i++) {
			if ((len = server_read_text(paths[i - 1], &pem[i],
			    &cause)) != -1)
				pemlen[i] = (size_t)len;
		}
	}
	total = 2 + ulen;
	for (i = 0; i < 4; i++)
		total += 4 + pemlen[i];
	if (cause == NULL && total > PRIVSEP_MSG_MAX)
		xasprintf(&cause, "the configuration and TLS files are larger "
		    "than rcmdd reloads (restart it)");
	if (cause == NULL) {
		buf = xmalloc(total);
		buf[0] = (uint8_t)(ulen >> 8);
		buf[1] = (uint8_t)ulen;
		memcpy(buf + 2, id.user, ulen);
		off = 2 + ulen;
		for (i = 0; i < 4; i++) {
			privsep_put_i32(buf + off, (int32_t)pemlen[i]);
			if (pemlen[i] != 0)
				memcpy(buf + off + 4, pem[i], pemlen[i]);
			off += 4 + pemlen[i];
		}
		/* On failure, cause says why. */
		if (privsep_chan != -1)
			privsep_send(privsep_chan, PRIVSEP_CONFIG, buf, total,
			    NULL, 0, 0, &cause);
		freezero(buf, total);
	}
	if (cause != NULL) {
		log_warnx("SIGHUP: the network part keeps its configuration: "
		    "%s", cause);
		free(cause);
	}
	for (i = 0; i < 4; i++) {
		if (pem[i] != NULL)
			freezero(pem[i], pemlen[i]);
	}
	log_info("SIGHUP: configuration reloaded%s%s",
	    cmd->config != NULL ? " from " : "",
	    cmd->config != NULL ? cmd->config : "");
	return (0);
}

/*
 * The network part's side of a reload: the privileged part checked and
 * applied the file and sent its text and the TLS files' (CONFIG); parse
 * them again here and take what is this part's. Return 0, or -1 with the
 * reason in cause.
 */
static int
server_reload_network(const uint8_t *data, size_t len, char **cause)
{
	struct config	*conf, *old = server_conf;
	const char	*part[4];
	char		*runas, *warnings = NULL;
	size_t		 ulen, plen[4], off;
	u_int		 i;

	if (len < 2 || (ulen = (size_t)data[0] << 8 | data[1]) > len - 2 ||
	    (runas = privsep_text(data + 2, ulen)) == NULL) {
		xasprintf(cause, "CONFIG with a bad run-as user");
		return (-1);
	}
	/* The file's text, then the TLS certificate, key and CA. */
	off = 2 + ulen;
	for (i = 0; i < 4; i++) {
		if (len - off < 4 || (plen[i] = (uint32_t)privsep_get_i32(data +
		    off)) > len - off - 4) {
			xasprintf(cause, "CONFIG with a bad length");
			free(runas);
			return (-1);
		}
		part[i] = (const char *)data + off + 4;
		off += 4 + plen[i];
	}
	conf = xcalloc(1, sizeof *conf);
	if (config_read_text(conf, server_cmdline, part[0], plen[0], 0) != 0 ||
	    config_merge_reload(old, conf, &warnings, cause) != 0 ||
	    (conf->tls_cert != NULL && tls_configure_mem(part[1], plen[1],
	    part[2], plen[2], part[3], plen[3], cause) != 0)) {
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
	log_setverbose(server_cmdline->verbose > conf->verbose ?
	    server_cmdline->verbose : conf->verbose);
	server_conf = conf;
	config_clear(old);
	free(old);
	log_debug("network part: configuration reloaded");
	return (0);
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
	char			*cause = NULL;
	int			 rc;

	(void)events;
	(void)arg;
	rc = privsep_recv(fd, PRIVSEP_MSG_MAX, &m, MSG_DONTWAIT, &cause);
	if (rc == -1 && errno == EAGAIN)
		return;
	if (rc == 0) {
		/* The privileged part is gone: PR_SET_PDEATHSIG ends us. */
		event_del(server_privsep_ev);
		return;
	}
	if (rc == 1) {
		if (m.type == PRIVSEP_CONFIG && m.nfd == 0)
			rc = server_reload_network(m.data, m.len, &cause);
		else if (m.type == PRIVSEP_STATS_REQ && m.len == 0 &&
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
