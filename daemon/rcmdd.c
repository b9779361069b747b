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
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libutil.h>
#include <limits.h>
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
 * rcmdd's main(): options, configuration, start-up in the right order
 * (database and listeners first, so that their errors reach the terminal),
 * signals, and the orderly shutdown that finalizes every audit row.
 */

/* What the command line sets; it wins over the file, even on reload. */
struct cmdline {
	char		*config;
	char		*listen[RCMDD_MAX_LISTEN];
	u_int		 nlisten;
	char		*port;
	char		*database;
	int		 single_thread;
	int		 foreground;
	int		 verbose;
};

static void	usage(int) __attribute__((__noreturn__));
static int	load_config(struct config *, const struct cmdline *, int);
static char	*absolute_path(const char *);
static void	write_port_file(const char *, int);
static int	daemon_start(void);
static void	daemon_ready(int);
static void	signal_cb(int, short, void *);
static void	shutdown_grace_cb(int, short, void *);
static void	server_shutdown(void);
static void	server_reload(const struct cmdline *);

struct config		*server_conf;
struct event_base	*server_base;

static int		 server_stopping;
static struct event	*server_grace_ev;
static struct cmdline	 server_cmdline;

static const struct option longopts[] = {
	{ "check-config",	no_argument,		NULL,	't' },
	{ "config",		required_argument,	NULL,	'c' },
	{ "database",		required_argument,	NULL,	'd' },
	{ "foreground",		no_argument,		NULL,	'f' },
	{ "help",		no_argument,		NULL,	'h' },
	{ "listen",		required_argument,	NULL,	'l' },
	{ "port",		required_argument,	NULL,	'p' },
	{ "single-thread",	no_argument,		NULL,	's' },
	{ "verbose",		no_argument,		NULL,	'v' },
	{ "version",		no_argument,		NULL,	'V' },
	{ NULL,			0,			NULL,	0 }
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: rcmdd [-fstVv] [-c file] [-d database] [-l address] "
	    "[-p port]\n"
	    "  -f, --foreground      stay attached and log to stderr\n"
	    "  -s, --single-thread   run commands inline in the event loop\n"
	    "  -c, --config FILE     configuration file (default %s)\n"
	    "  -l, --listen ADDR     listen address (default 127.0.0.1); "
	    "may repeat\n"
	    "  -p, --port PORT       TCP port (default %s)\n"
	    "  -d, --database FILE   audit database (default %s)\n"
	    "  -t, --check-config    check the configuration and exit\n"
	    "  -v, --verbose         log debugging messages\n"
	    "  -V, --version         print the version and exit\n"
	    "  -h, --help            print this help and exit\n",
	    RCMDD_CONF, RCMDD_DEFAULT_PORT, RCMDD_DATABASE);
	exit(status);
}

int
main(int argc, char **argv)
{
	struct cmdline	*cmd = &server_cmdline;
	struct config	*conf;
	struct pidfh	*pfh = NULL;
	struct event	*ev_term, *ev_int, *ev_hup;
	const char	*pidfile;
	char		*cause = NULL;
	pid_t		 otherpid;
	int		 ch, check = 0, ready_fd = -1;

	while ((ch = getopt_long(argc, argv, "c:d:fhl:p:stvV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			free(cmd->config);
			cmd->config = xstrdup(optarg);
			break;
		case 'd':
			free(cmd->database);
			cmd->database = xstrdup(optarg);
			break;
		case 'f':
			cmd->foreground = 1;
			break;
		case 'h':
			usage(0);
		case 'l':
			if (cmd->nlisten == RCMDD_MAX_LISTEN) {
				fprintf(stderr, "rcmdd: too many -l options: "
				    "at most %d\n", RCMDD_MAX_LISTEN);
				exit(1);
			}
			cmd->listen[cmd->nlisten++] = xstrdup(optarg);
			break;
		case 'p':
			free(cmd->port);
			cmd->port = xstrdup(optarg);
			break;
		case 's':
			cmd->single_thread = 1;
			break;
		case 't':
			check = 1;
			break;
		case 'v':
			cmd->verbose++;
			break;
		case 'V':
			printf("rcmdd %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(1);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "rcmdd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(1);
	}

	log_init("rcmdd", 1, cmd->verbose);
	conf = xcalloc(1, sizeof *conf);
	if (load_config(conf, cmd, 1) != 0)
		exit(1);
	server_conf = conf;
	if (listen_check(conf, &cause) != 0) {
		fprintf(stderr, "rcmdd: %s\n", cause);
		exit(1);
	}
	if (check) {
		printf("rcmdd: configuration OK\n");
		exit(0);
	}
	log_setverbose(cmd->verbose > conf->verbose ? cmd->verbose :
	    conf->verbose);

	/* Paths stay valid after the daemon changes folder. */
	conf->database = absolute_path(conf->database);
	if (conf->portfile != NULL)
		conf->portfile = absolute_path(conf->portfile);

	pidfile = conf->pidfile;
	if (pidfile == NULL && !cmd->foreground)
		pidfile = RCMDD_PIDFILE;
	if (pidfile != NULL) {
		pfh = pidfile_open(pidfile, 0644, &otherpid);
		if (pfh == NULL && errno == EEXIST)
			fatalx("already running as pid %ld (pidfile %s): stop "
			    "it first", (long)otherpid, pidfile);
		if (pfh == NULL)
			fatal("cannot create pidfile %s", pidfile);
	}
	if (!cmd->foreground)
		ready_fd = daemon_start();
	if (pfh != NULL)
		pidfile_write(pfh);

	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() != 0)
		fatalx("evthread_use_pthreads failed");
	if ((server_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");

	if (audit_open(conf->database, &cause) != 0)
		fatalx("%s", cause);
	if (listen_start(conf, &cause) != 0)
		fatalx("%s", cause);
	if (conf->portfile != NULL)
		write_port_file(conf->portfile, listen_port());
	audit_start();
	job_init(server_base);

	ev_term = evsignal_new(server_base, SIGTERM, signal_cb, NULL);
	ev_int = evsignal_new(server_base, SIGINT, signal_cb, NULL);
	ev_hup = evsignal_new(server_base, SIGHUP, signal_cb, NULL);
	server_grace_ev = evtimer_new(server_base, shutdown_grace_cb, NULL);
	if (ev_term == NULL || ev_int == NULL || ev_hup == NULL ||
	    server_grace_ev == NULL || event_add(ev_term, NULL) != 0 ||
	    event_add(ev_int, NULL) != 0 || event_add(ev_hup, NULL) != 0)
		fatalx("cannot add signal events");

	log_info("rcmdd %s started: %s mode, audit database %s",
	    PACKAGE_VERSION, conf->single_thread ? "single-thread" :
	    "threaded", conf->database);
	if (ready_fd != -1)
		daemon_ready(ready_fd);

	event_base_dispatch(server_base);

	audit_stop();
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	event_free(server_grace_ev);
	event_base_free(server_base);
	if (pfh != NULL)
		pidfile_remove(pfh);
	log_info("stopped");
	config_clear(server_conf);
	free(server_conf);
	return (0);
}

/*
 * Build a configuration: defaults, then the file, then the command line.
 * At start-up (report set) errors go to stderr; on reload, to the log.
 */
static int
load_config(struct config *conf, const struct cmdline *cmd, int report)
{
	const char	*path = cmd->config;
	char		*errors = NULL, *line, *next;
	u_int		 i;
	int		 n = 0;

	config_init(conf);
	if (path == NULL && access(RCMDD_CONF, F_OK) == 0)
		path = RCMDD_CONF;
	if (path != NULL)
		n = config_load(conf, path, &errors);
	if (n != 0) {
		for (line = errors; line != NULL && *line != '\0';
		    line = next) {
			next = strchr(line, '\n');
			if (next != NULL)
				*next++ = '\0';
			if (report)
				fprintf(stderr, "rcmdd: %s\n", line);
			else
				log_warnx("%s", line);
		}
		if (report)
			fprintf(stderr, "rcmdd: %d error%s in the "
			    "configuration\n", n, n == 1 ? "" : "s");
		free(errors);
		config_clear(conf);
		return (-1);
	}
	if (cmd->nlisten != 0) {
		while (conf->nlisten > 0)
			free(conf->listen[--conf->nlisten]);
		for (i = 0; i < cmd->nlisten; i++)
			conf->listen[conf->nlisten++] = xstrdup(cmd->listen[i]);
	}
	if (cmd->port != NULL) {
		free(conf->port);
		conf->port = xstrdup(cmd->port);
	}
	if (cmd->database != NULL) {
		free(conf->database);
		conf->database = xstrdup(cmd->database);
	}
	if (cmd->single_thread)
		conf->single_thread = 1;
	return (0);
}

/* Return an absolute copy of a path, freeing the original. */
static char *
absolute_path(const char *path)
{
	char	cwd[PATH_MAX], *abs;

	if (path[0] == '/')
		return ((char *)path);
	if (getcwd(cwd, sizeof cwd) == NULL)
		fatal("getcwd");
	xasprintf(&abs, "%s/%s", cwd, path);
	free((char *)path);
	return (abs);
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

/*
 * Detach from the terminal. The parent waits until the child says it is
 * ready, so that start-up errors (printed by the child on the shared
 * stderr) still reach whoever started rcmdd, and its exit status tells.
 * Return the descriptor to report readiness on.
 */
static int
daemon_start(void)
{
	int	p[2];
	char	c;
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	switch (pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		close(p[0]);
		if (setsid() == -1)
			fatal("setsid");
		return (p[1]);
	default:
		close(p[1]);
		if (read(p[0], &c, 1) == 1)
			_exit(0);
		_exit(1);
	}
}

/* Start-up worked: release the parent, and log to syslog from now on. */
static void
daemon_ready(int fd)
{
	int	devnull;

	log_init("rcmdd", 0, log_getverbose());
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((devnull = open("/dev/null", O_RDWR)) != -1) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	if (write(fd, "", 1) != 1)
		log_warn("cannot tell the parent process that rcmdd started");
	close(fd);
}

/* SIGTERM and SIGINT shut down; SIGHUP reloads. Loop thread. */
static void
signal_cb(int sig, short events, void *arg)
{
	(void)events;
	(void)arg;
	if (sig == SIGHUP) {
		server_reload(&server_cmdline);
		return;
	}
	log_info("%s: shutting down", strsignal(sig));
	server_shutdown();
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
 * Re-read the configuration file. Errors keep the old configuration; the
 * listeners, port and database stay as they are until a restart. Running
 * commands keep the settings they started with.
 */
static void
server_reload(const struct cmdline *cmd)
{
	struct config	*conf, *old = server_conf;

	conf = xcalloc(1, sizeof *conf);
	if (load_config(conf, cmd, 0) != 0) {
		log_warnx("SIGHUP: configuration has errors; keeping the "
		    "running one");
		free(conf);
		return;
	}
	if (strcmp(conf->port, old->port) != 0 || conf->nlisten !=
	    old->nlisten || (conf->pidfile == NULL) != (old->pidfile == NULL))
		log_warnx("SIGHUP: listen addresses, port and pidfile change "
		    "only on restart");
	/* What cannot change while running is carried over. */
	free(conf->database);
	conf->database = xstrdup(old->database);
	free(conf->portfile);
	conf->portfile = old->portfile == NULL ? NULL :
	    xstrdup(old->portfile);
	conf->single_thread = old->single_thread;
	log_setverbose(cmd->verbose > conf->verbose ? cmd->verbose :
	    conf->verbose);
	server_conf = conf;
	config_clear(old);
	free(old);
	log_info("SIGHUP: configuration reloaded%s%s",
	    cmd->config != NULL ? " from " : "",
	    cmd->config != NULL ? cmd->config : "");
}
