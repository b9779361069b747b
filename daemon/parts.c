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
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <libutil.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The two processes rcmdd runs as (rcmdd(8), Privilege separation): the
 * fork that splits them, and each part's start-up, lifetime and end. The
 * privileged part keeps the audit log, the commands' start and end and
 * the control socket; the network part, confined, has the listeners,
 * sessions and workers. main() (rcmdd.c) calls parts_start once the
 * configuration is checked and rcmdd detached (unless -f).
 */

static int	privileged_main(struct config_cmdline *, int, pid_t,
		    struct pidfh *, int, gid_t);
static void	parts_forward_signal(int);
static void	parts_ready(int);
static void	parts_hup_cb(int, short, void *);
static void	parts_term_cb(int, short, void *);
static void	parts_unlink_socket(const char *);
static void	network_main(struct config_cmdline *, int, int, char *)
		    __attribute__((__noreturn__));
static void	write_port_file(const char *, int);
static void	daemon_ready(int);
static void	daemon_stdio(void);

/* The network part, for the privileged part's signal handler. */
static volatile pid_t	 parts_netpid = -1;
/* Where the privileged part says that start-up worked, if daemonized. */
static int		 parts_ready_fd = -1;

/*
 * Split into the two parts and run them: the child is the network part,
 * which never returns; the parent, the privileged part, returns rcmdd's
 * exit status once both have ended. pfh (or NULL) is the pidfile,
 * ready_fd (or -1) where to say that start-up worked, and fds_note (or
 * NULL) a note about the descriptor limit, freed here.
 */
int
parts_start(struct config_cmdline *cmd, struct pidfh *pfh, int ready_fd,
    char *fds_note, gid_t audit_gid)
{
	char	*cause = NULL;
	int	 sv[2];
	pid_t	 netpid;

	/*
	 * The split: fork before any thread, event base or audit database
	 * exists, so that the network part never holds SQLite's
	 * descriptors or its shared memory. The parent is the privileged
	 * part, the child the network part.
	 */
	if (privsep_socketpair(sv, &cause) != 0)
		fatalx("%s", cause);
	switch (netpid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		close(sv[0]);
		if (pfh != NULL)
			pidfile_close(pfh);
		network_main(cmd, sv[1], ready_fd, fds_note);
		/* NOTREACHED */
	}
	close(sv[1]);
	free(fds_note);
	return (privileged_main(cmd, sv[0], netpid, pfh, ready_fd, audit_gid));
}

/*
 * The privileged part: the audit log and its writer, the commands' start
 * and end (privsep.c), the chain head in the log, the control socket and
 * reloads (server.c). SIGTERM and SIGINT go on to the network part, which
 * shuts down as before and closes the channel; then the commands are over
 * and this part ends too. Return the
 * exit status: the network part's, or 1 if a signal killed it.
 */
static int
privileged_main(struct config_cmdline *cmd, int chan, pid_t netpid,
    struct pidfh *pfh, int ready_fd, gid_t audit_gid)
{
	struct config		*conf = server_conf;
	struct sigaction	 sa;
	struct event		*ev_hup, *ev_term, *ev_int;
	char			*cause = NULL;
	int			 status, rc = 0;

	setproctitle("%s", "privileged");
	parts_netpid = netpid;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = parts_forward_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		fatal("sigaction");
	if (evthread_use_pthreads() != 0)
		fatalx("evthread_use_pthreads failed");

	audit_set_group(audit_gid);
	if (audit_open(conf->database, conf->audit_sync_full, &cause) != 0)
		fatalx("%s", cause);
	if (forward_open(conf, conf->database, &cause) != 0)
		fatalx("%s", cause);
	/*
	 * As the one process did: with a RunAs other than root, keep uid 0
	 * but only CAP_SETUID, CAP_SETGID and CAP_KILL (priv.c). Before any
	 * thread starts: a thread keeps the capabilities it has. The
	 * network part, forked already, gives up everything itself.
	 */
	if (priv_drop(conf, &cause) != 0)
		fatalx("%s", cause);
	audit_start();
	forward_start();
	audit_set_retention(conf->retain_days, conf->max_rows);
	log_info("rcmdd %s started: %s mode, audit database %s",
	    PACKAGE_VERSION, conf->single_thread ? "single-thread" :
	    "threaded", conf->database);
	server_head_log();

	/* The network part waits for this before it says rcmdd is ready. */
	if (privsep_send(chan, PRIVSEP_READY, NULL, 0, NULL, 0, 0,
	    &cause) != 0) {
		log_warnx("privileged part: %s", cause);
		free(cause);
	}
	parts_ready_fd = ready_fd;
	privsep_set_ready_cb(parts_ready);

	/* The operator's side: the control socket and SIGHUP, reloads. */
	if ((privsep_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (control_start(privsep_base, config_control_path(conf),
	    &cause) != 0)
		fatalx("%s", cause);
	if ((ev_hup = evsignal_new(privsep_base, SIGHUP, parts_hup_cb,
	    NULL)) == NULL || event_add(ev_hup, NULL) != 0 ||
	    (ev_term = evsignal_new(privsep_base, SIGTERM, parts_term_cb,
	    NULL)) == NULL || event_add(ev_term, NULL) != 0 ||
	    (ev_int = evsignal_new(privsep_base, SIGINT, parts_term_cb,
	    NULL)) == NULL || event_add(ev_int, NULL) != 0)
		fatalx("cannot add the signal events");
	server_set_cmdline(cmd);

	if (privsep_serve(chan, conf) != 0)
		rc = 1;
	event_free(ev_hup);
	event_free(ev_term);
	event_free(ev_int);
	metrics_stop();
	notify_close();
	control_stop();
	event_base_free(privsep_base);
	privsep_base = NULL;
	forward_stop();
	audit_stop();
	server_head_log();

	while (waitpid(netpid, &status, 0) == -1) {
		if (errno != EINTR) {
			log_warn("waitpid for the network part");
			status = W_EXITCODE(1, 0);
			break;
		}
	}
	if (WIFSIGNALED(status)) {
		log_warnx("the network part (pid %ld) was killed by signal %d "
		    "(%s): every command it ran is accounted for; exiting",
		    (long)netpid, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
		rc = 1;
	} else if (WEXITSTATUS(status) != 0)
		rc = WEXITSTATUS(status);
	/* The confined part could not remove its sockets' files. */
	parts_unlink_socket(server_conf->socket_path);
	parts_unlink_socket(config_control_path(server_conf));
	tls_free();
	if (pfh != NULL)
		pidfile_remove(pfh);
	log_info("stopped");
	config_clear(server_conf);
	free(server_conf);
	return (rc);
}

/*
 * The network part is confined and serving: write the port file, which
 * says rcmdd is ready, and release whoever started it. Privileged part.
 */
static void
parts_ready(int port)
{
	if (server_conf->portfile != NULL)
		write_port_file(server_conf->portfile, port);
	if (parts_ready_fd != -1)
		daemon_ready(parts_ready_fd);
	parts_ready_fd = -1;
	/* This part is the unit's main process. */
	notify_ready(privsep_base);
	metrics_start(privsep_base, server_conf->metrics_path,
	    server_conf->metrics_interval_ms);
}

/* Remove a Unix socket's file, if path names a socket. */
static void
parts_unlink_socket(const char *path)
{
	struct stat	sb;

	if (path != NULL && lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
	    unlink(path) == -1)
		log_warn("cannot remove %s", path);
}

/* SIGHUP: reload (server.c). Privileged part, its loop. */
static void
parts_hup_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	server_reload_request(NULL);
}

/*
 * SIGTERM or SIGINT once the loop runs: tell systemd, and pass it on to
 * the network part, which shuts down. Privileged part, its loop.
 */
static void
parts_term_cb(int sig, short events, void *arg)
{
	(void)events;
	(void)arg;
	notify_send("STOPPING=1");
	kill(parts_netpid, sig);
}

/* Pass SIGTERM and SIGINT on to the network part, before the loop runs. */
static void
parts_forward_signal(int sig)
{
	int	saved_errno = errno;

	if (parts_netpid > 0)
		kill(parts_netpid, sig);
	errno = saved_errno;
}

/*
 * The network part: listeners, TLS, sessions and workers, confined
 * before it reads anything from the network. It asks the privileged part
 * on chan for every command. Never returns.
 */
static void
network_main(struct config_cmdline *cmd, int chan, int ready_fd,
    char *fds_note)
{
	struct config		*conf = server_conf;
	struct privsep_msg	 m;
	char			*cause = NULL;
	uint8_t			 port[4];
	int			 rc, devnull = -1;

	server_privsep = chan;
	server_ppid = getppid();
	if (evthread_use_pthreads() != 0)
		fatalx("evthread_use_pthreads failed");
	if ((server_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (listen_start(conf, &cause) != 0)
		fatalx("%s", cause);
	job_inbox_open(server_base);

	/* The privileged part has the audit log open, or has said why not. */
	rc = privsep_recv(chan, 0, &m, 0, &cause);
	if (rc != 1 || m.type != PRIVSEP_READY) {
		if (rc == -1)
			log_warnx("%s", cause);
		_exit(1);
	}
	privsep_msg_clear(&m);

	if (fds_note != NULL) {
		log_info("the defaults do not fit the descriptor limit, which "
		    "refuses connections and commands first: %s", fds_note);
		free(fds_note);
	}
	/* Signals, timers and the descriptor budget. */
	server_start(cmd);
	/* Opened now: the confined part has no /dev/null to open. */
	if (ready_fd != -1 && (devnull = open("/dev/null", O_RDWR)) == -1)
		fatal("/dev/null");

	/* Unix socket peers' names: there is no /etc/passwd once confined. */
	session_users_load();
	if (geteuid() != 0 && conf->single_user)
		log_warnx("SingleUser: the network part runs unconfined: it "
		    "confines itself as root only");
	else if (confine_network(conf, &cause) != 0)
		fatalx("cannot confine the network part: %s", cause);
	/*
	 * If the privileged part dies, so does this part, at once, as the
	 * one process did before the split: its commands' rows stay
	 * running and the next start marks them interrupted. Set after the
	 * change of user, which clears it.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		log_warn("PR_SET_PDEATHSIG");
	if (getppid() == 1)
		fatalx("the privileged part is gone");

	/*
	 * Ready: the privileged part writes the port file and releases
	 * whoever started rcmdd (this part can write no file).
	 */
	if (ready_fd != -1) {
		close(ready_fd);
		log_set_tee(0);
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	privsep_put_i32(port, listen_port());
	if (privsep_send(chan, PRIVSEP_READY, port, sizeof port, NULL, 0, 0,
	    &cause) != 0)
		fatalx("cannot tell the privileged part that rcmdd is ready: "
		    "%s", cause);

	event_base_dispatch(server_base);

	server_stop();
	worker_pool_stop();
	job_inbox_close();
	notify_close();
	session_users_free();
	event_base_free(server_base);
	tls_free();
	close(chan);
	config_clear(server_conf);
	free(server_conf);
	exit(0);
}

/*
 * Write the bound port to a file, through a temporary file and rename, so
 * that a reader never sees half of it.
 */
static void
write_port_file(const char *path, int port)
{
	FILE	*fp;
	char	*tmp;

	xasprintf(&tmp, "%s.tmp", path);
	if ((fp = fopen(tmp, "w")) == NULL)
		fatal("cannot write port file %s", tmp);
	fprintf(fp, "%d\n", port);
	if (fclose(fp) != 0 || rename(tmp, path) != 0)
		fatal("cannot write port file %s", path);
	free(tmp);
}

/* Start-up worked: release the parent, and log to syslog from now on. */
static void
daemon_ready(int fd)
{
	daemon_stdio();
	if (write(fd, "", 1) != 1)
		log_warn("cannot tell the parent process that rcmdd started");
	close(fd);
}

/* Leave the terminal: log to syslog alone, stdio on /dev/null. */
static void
daemon_stdio(void)
{
	int	devnull;

	log_set_tee(0);
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((devnull = open("/dev/null", O_RDWR)) != -1) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
}
