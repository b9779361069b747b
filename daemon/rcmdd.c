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
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libutil.h>
#include <limits.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	int		 single_user;
	int		 foreground;
	int		 verbose;
};

static void	usage(int) __attribute__((__noreturn__));
static int	load_config(struct config *, const struct cmdline *, int);
static int	check_user(const struct config *, char **);
static char	*absolute_path(const char *);
static void	write_port_file(const char *, int);
static int	daemon_start(void);
static void	daemon_ready(int);
static void	signal_handler(int);
static void	signal_cb(int, short, void *);
static void	shutdown_grace_cb(int, short, void *);
static void	server_shutdown(void);
static int	server_reload(const struct cmdline *, char **);
static void	head_cb(int, short, void *);
static void	head_log(void);
static void	head_schedule(void);
static int	verify_audit(const char *, const char *);
static int	run_export(const char *, const char *);
static void	config_keep_path(char **, const char *, const char *);
static u_int	fds_base_estimate(const struct config *);
static u_int	fds_open(void);

/*
 * Descriptors kept free beside those counted at start-up, for what rcmdd
 * opens for a moment: SQLite's temporary files, a user lookup, a reload
 * reading its files.
 */
#define SERVER_FDS_SPARE	16

struct config		*server_conf;
struct event_base	*server_base;

static int		 server_stopping;
static struct timespec	 server_grace_end;
static struct event	*server_grace_ev;
static struct event	*server_head_ev;
static int		 server_signal_pipe[2] = { -1, -1 };
static struct cmdline	 server_cmdline;

#define OPT_VERIFY_AUDIT	256
#define OPT_HEAD		257
#define OPT_EXPORT		258
#define OPT_SINCE		259
#define OPT_SINGLE_USER		260
#define OPT_RELOAD		261
#define OPT_LIST		262
#define OPT_END			263
#define OPT_STATUS		264

static const struct option longopts[] = {
	{ "check-config",	no_argument,		NULL,	't' },
	{ "end",		required_argument,	NULL,	OPT_END },
	{ "list",		no_argument,		NULL,	OPT_LIST },
	{ "reload",		no_argument,		NULL,	OPT_RELOAD },
	{ "status",		no_argument,		NULL,	OPT_STATUS },
	{ "export-audit",	required_argument,	NULL,	OPT_EXPORT },
	{ "head",		required_argument,	NULL,	OPT_HEAD },
	{ "since",		required_argument,	NULL,	OPT_SINCE },
	{ "verify-audit",	required_argument,	NULL,	OPT_VERIFY_AUDIT },
	{ "config",		required_argument,	NULL,	'c' },
	{ "database",		required_argument,	NULL,	'd' },
	{ "foreground",		no_argument,		NULL,	'f' },
	{ "help",		no_argument,		NULL,	'h' },
	{ "listen",		required_argument,	NULL,	'l' },
	{ "port",		required_argument,	NULL,	'p' },
	{ "single-thread",	no_argument,		NULL,	's' },
	{ "single-user",	no_argument,		NULL,	OPT_SINGLE_USER },
	{ "verbose",		no_argument,		NULL,	'v' },
	{ "version",		no_argument,		NULL,	'V' },
	{ NULL,			0,			NULL,	0 }
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: rcmdd [-fhstVv] [-c file] [-d database] [-l address] "
	    "[-p port]\n"
	    "             [--single-user]\n"
	    "  -f, --foreground      stay attached and log to stderr\n"
	    "  -s, --single-thread   run commands inline in the event loop\n"
	    "      --single-user     not root: run commands as rcmdd's own "
	    "user,\n"
	    "                        who can rewrite the audit log (a trial)\n"
	    "  -c, --config FILE     configuration file (default %s)\n"
	    "  -l, --listen ADDR     listen address (default 127.0.0.1); "
	    "may repeat\n"
	    "  -p, --port PORT       TCP port (default %s)\n"
	    "  -d, --database FILE   audit database (default %s)\n"
	    "  -t, --check-config    check the configuration and exit\n"
	    "  -v, --verbose         log debugging messages\n"
	    "  -V, --version         print the version and exit\n"
	    "  -h, --help            print this help and exit\n"
	    "       rcmdd --verify-audit DATABASE [--head SEQ:HASH]\n"
	    "  check the audit log's hash chain, and that the head rcmdd\n"
	    "  logged is in it\n"
	    "       rcmdd --export-audit DATABASE [--since TIME]\n"
	    "  write the audit log as JSON Lines, the rows started at or\n"
	    "  after TIME (YYYY-MM-DD[THH:MM[:SS[.mmm]][Z]], UTC) if given\n"
	    "       rcmdd [-c file] --reload | --list | --status | --end ID\n"
	    "  ask the running rcmdd, through its control socket, to reload\n"
	    "  (and say whether it did), to list the commands running, to\n"
	    "  report its state, or to end the command with that audit id\n",
	    RCMDD_CONF, RCMDD_DEFAULT_PORT, RCMDD_DATABASE);
	exit(status);
}

int
main(int argc, char **argv)
{
	struct cmdline	*cmd = &server_cmdline;
	struct config	*conf;
	struct pidfh	*pfh = NULL;
	struct event	*ev_signal;
	struct sigaction sa;
	struct rlimit	 rl;
	const char	*pidfile, *errstr, *verify = NULL, *head = NULL;
	const char	*export = NULL, *since = NULL;
	char		*request = NULL;
	char		*cause = NULL, *fds_note = NULL;
	pid_t		 otherpid;
	gid_t		 audit_gid = (gid_t)-1;
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
			strtonum(optarg, 0, 65535, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "rcmdd: port \"%s\" is %s: use "
				    "a number from 0 to 65535 (0 picks a free "
				    "port)\n", optarg, errstr);
				exit(1);
			}
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
		case OPT_VERIFY_AUDIT:
			verify = optarg;
			break;
		case OPT_HEAD:
			head = optarg;
			break;
		case OPT_EXPORT:
			export = optarg;
			break;
		case OPT_SINCE:
			since = optarg;
			break;
		case OPT_SINGLE_USER:
			cmd->single_user = 1;
			break;
		case OPT_RELOAD:
		case OPT_LIST:
		case OPT_STATUS:
		case OPT_END:
			if (request != NULL) {
				fprintf(stderr, "rcmdd: --reload, --list, "
				    "--status and --end go one at a time\n");
				usage(1);
			}
			if (ch == OPT_END)
				xasprintf(&request, "end %s", optarg);
			else
				request = xstrdup(ch == OPT_RELOAD ? "reload" :
				    ch == OPT_LIST ? "list" : "status");
			break;
		default:
			usage(1);
		}
	}
	if (head != NULL && verify == NULL) {
		fprintf(stderr, "rcmdd: --head goes with --verify-audit\n");
		usage(1);
	}
	if (since != NULL && export == NULL) {
		fprintf(stderr, "rcmdd: --since goes with --export-audit\n");
		usage(1);
	}
	if (export != NULL && verify != NULL) {
		fprintf(stderr, "rcmdd: --export-audit and --verify-audit do "
		    "not go together\n");
		usage(1);
	}
	if (optind != argc) {
		fprintf(stderr, "rcmdd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(1);
	}

	log_init("rcmdd", 1, cmd->verbose);
	if (verify != NULL)
		exit(verify_audit(verify, head));
	if (export != NULL)
		exit(run_export(export, since));
	conf = xcalloc(1, sizeof *conf);
	if (load_config(conf, cmd, 1) != 0)
		exit(1);
	if (request != NULL)
		exit(control_request(config_control_path(conf), request));
	server_conf = conf;
	if (conf->single_thread && conf->tls_cert != NULL) {
		fprintf(stderr, "rcmdd: SingleThread (-s) serves plain TCP "
		    "and the Unix socket only: drop it, or the TLS "
		    "settings\n");
		exit(1);
	}
	if (tls_configure(conf, &cause) != 0 ||
	    listen_check(conf, &cause) != 0 ||
	    exec_configure(conf, &cause) != 0 ||
	    check_user(conf, &cause) != 0 ||
	    (conf->audit_group != NULL &&
	    audit_lookup_group(conf->audit_group, &audit_gid, &cause) != 0)) {
		fprintf(stderr, "rcmdd: %s\n", cause);
		exit(1);
	}
	/*
	 * rcmdd raises its descriptor limit to the hard one: the limits set
	 * in the file must fit it. The defaults need not: then the limit,
	 * not MaxConnections, is what refuses connections, and start-up
	 * says so.
	 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_max != RLIM_INFINITY && config_check_fds(conf,
	    (unsigned long)rl.rlim_max, fds_base_estimate(conf), &cause) != 0) {
		if (conf->max_conns_given) {
			fprintf(stderr, "rcmdd: %s\n", cause);
			exit(1);
		}
		fds_note = cause;
		cause = NULL;
	}
	if (check) {
		printf("rcmdd: configuration OK\n");
		exit(0);
	}
	log_setverbose(cmd->verbose > conf->verbose ? cmd->verbose :
	    conf->verbose);

	/* Paths stay valid after the daemon changes folder. */
	conf->database = absolute_path(conf->database);
	if (conf->tls_cert != NULL) {
		conf->tls_cert = absolute_path(conf->tls_cert);
		conf->tls_key = absolute_path(conf->tls_key);
		conf->tls_ca = absolute_path(conf->tls_ca);
	}
	if (conf->portfile != NULL)
		conf->portfile = absolute_path(conf->portfile);
	if (conf->pidfile != NULL)
		conf->pidfile = absolute_path(conf->pidfile);

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
	notify_open();
	metrics_init();
	if (!cmd->foreground) {
		ready_fd = daemon_start();
		log_init("rcmdd", 0, log_getverbose());
		log_set_tee(1);
	}
	if (pfh != NULL)
		pidfile_write(pfh);

	/*
	 * Keep the heap from growing with bursts: large buffers (a command's
	 * captured output) come from mmap and go back on free, instead of
	 * glibc raising the threshold and keeping them in the arenas; and the
	 * workers share a few arenas rather than one each.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_ARENA_MAX, 4);

	/* The spawn slots take low descriptors: before any connection. */
	if (exec_start(&cause) != 0)
		fatalx("%s", cause);

	/* Each connection is a descriptor: allow as many as the system does. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		exec_set_files_soft(rl.rlim_cur, rl.rlim_max);
		exec_configure(conf, &cause);
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("cannot raise the descriptor limit");
	}

	signal(SIGPIPE, SIG_IGN);
	if (evthread_use_pthreads() != 0)
		fatalx("evthread_use_pthreads failed");
	if ((server_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");

	audit_set_group(audit_gid);
	if (audit_open(conf->database, conf->audit_sync_full, &cause) != 0)
		fatalx("%s", cause);
	if (listen_start(conf, &cause) != 0)
		fatalx("%s", cause);
	if (control_start(server_base, config_control_path(conf), &cause) != 0)
		fatalx("%s", cause);
	/* Before any thread starts: a thread keeps the capabilities it has. */
	if (priv_drop(conf, &cause) != 0)
		fatalx("%s", cause);
	audit_start();
	audit_set_retention(conf->retain_days, conf->max_rows);
	job_inbox_open(server_base);

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
	ev_signal = event_new(server_base, server_signal_pipe[0],
	    EV_READ | EV_PERSIST, signal_cb, NULL);
	server_grace_ev = evtimer_new(server_base, shutdown_grace_cb, NULL);
	server_head_ev = evtimer_new(server_base, head_cb, NULL);
	if (ev_signal == NULL || server_grace_ev == NULL ||
	    server_head_ev == NULL ||
	    event_add(ev_signal, NULL) != 0)
		fatalx("cannot add signal events");

	/*
	 * The descriptor budget: what is open now, with some to spare, is
	 * rcmdd's own; each connection and command takes from the rest.
	 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		session_set_fd_budget((u_long)rl.rlim_cur,
		    fds_open() + SERVER_FDS_SPARE);

	log_info("rcmdd %s started: %s mode, audit database %s",
	    PACKAGE_VERSION, conf->single_thread ? "single-thread" :
	    "threaded", conf->database);
	if (fds_note != NULL) {
		log_info("the defaults do not fit the descriptor limit, which "
		    "refuses connections and commands first: %s", fds_note);
		free(fds_note);
	}
	head_log();
	head_schedule();
	/* The port file says rcmdd is ready: it comes last. */
	if (conf->portfile != NULL)
		write_port_file(conf->portfile, listen_port());
	if (ready_fd != -1)
		daemon_ready(ready_fd);
	metrics_start(server_base, conf->metrics_path,
	    conf->metrics_interval_ms);
	notify_ready(server_base);

	event_base_dispatch(server_base);

	metrics_stop();
	control_stop();
	audit_stop();
	head_log();
	job_workers_stop();
	job_inbox_close();
	event_free(ev_signal);
	close(server_signal_pipe[0]);
	close(server_signal_pipe[1]);
	event_free(server_grace_ev);
	event_free(server_head_ev);
	notify_close();
	event_base_free(server_base);
	tls_free();
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
	if (cmd->single_user)
		conf->single_user = 1;
	return (0);
}

/*
 * Not started as root, rcmdd runs commands as its own user, who owns the
 * audit database, the TLS key and the state: a command could rewrite its
 * own row. Refuse that unless SingleUser says it is a trial, and warn
 * even then. Return 0, or -1 with what to do in cause.
 */
static int
check_user(const struct config *conf, char **cause)
{
	struct passwd	*pw;
	const char	*name = "?";
	long		 uid = (long)geteuid();

	if (uid == 0)
		return (0);
	if ((pw = getpwuid(geteuid())) != NULL)
		name = pw->pw_name;
	if (!conf->single_user) {
		xasprintf(cause, "not started as root: commands would run as "
		    "uid %ld (%s), rcmdd's own user, and could read its TLS "
		    "key and rewrite its audit log; start rcmdd as root, so "
		    "that commands run as a separate user (RunAs, nobody by "
		    "default), or for a single-user trial give "
		    "\"SingleUser yes\" or --single-user", uid, name);
		return (-1);
	}
	log_warnx("SingleUser: commands run as uid %ld (%s), rcmdd's own "
	    "user, and can read its TLS key and rewrite or delete rows of "
	    "its audit log: for a single-user trial only", uid, name);
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
	if (write(fd, "", 1) != 1)
		log_warn("cannot tell the parent process that rcmdd started");
	close(fd);
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

/* Return the read end of the signal pipe, for an inline command's poll. */
int
server_signal_fd(void)
{
	return (server_signal_pipe[0]);
}

/* Handle the signals waiting: SIGTERM and SIGINT shut down, SIGHUP reloads. */
void
server_signal_dispatch(void)
{
	char	sigs[16];
	ssize_t	n, i;

	while ((n = read(server_signal_pipe[0], sigs, sizeof sigs)) > 0) {
		for (i = 0; i < n; i++) {
			if (sigs[i] == SIGHUP) {
				server_reload_request(NULL);
				continue;
			}
			log_info("%s: shutting down", strsignal(sigs[i]));
			server_shutdown();
		}
	}
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
 * Log the audit chain's head, as SEQ:HASH, so that a copy lives outside
 * the database: rcmdd --verify-audit --head checks a database against it.
 */
static void
head_log(void)
{
	struct chain_head	head;

	audit_head(&head);
	log_info("audit chain head %llu:%s", (unsigned long long)head.seq,
	    head.hash);
}

/* (Re)arm the timer that logs the chain's head every AuditHeadInterval. */
static void
head_schedule(void)
{
	struct timeval	tv;

	evtimer_del(server_head_ev);
	if (server_conf->head_interval_ms == 0)
		return;
	tv.tv_sec = server_conf->head_interval_ms / 1000;
	tv.tv_usec = (server_conf->head_interval_ms % 1000) * 1000;
	evtimer_add(server_head_ev, &tv);
}

/* Time to log the chain's head again. Loop thread. */
static void
head_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	head_log();
	head_schedule();
}

/*
 * rcmdd --verify-audit: check a database's chain and print what was
 * verified. Return the exit status: 0 if it holds, 1 if not.
 */
static int
verify_audit(const char *path, const char *head)
{
	struct chain_head	 last;
	uint64_t		 n;
	char			*cause = NULL;

	if (chain_verify(path, head, &n, &last, &cause) != 0) {
		fprintf(stderr, "rcmdd: %s: %s\n", path, cause);
		free(cause);
		return (1);
	}
	printf("%s: %llu row%s verified; chain head %llu:%s\n", path,
	    (unsigned long long)n, n == 1 ? "" : "s",
	    (unsigned long long)last.seq, last.hash);
	return (0);
}

/*
 * rcmdd --export-audit: write the audit log to stdout as JSON Lines.
 * Return the exit status: 0, or 1 with the reason on stderr.
 */
static int
run_export(const char *path, const char *since)
{
	char	*cause = NULL;

	if (export_audit(path, since, stdout, &cause) != 0) {
		fprintf(stderr, "rcmdd: %s: %s\n", path, cause);
		free(cause);
		return (1);
	}
	return (0);
}

/*
 * Return how many descriptors rcmdd may need before any connection, for
 * rcmdd -t: SERVER_FDS_BASE and two listeners (IPv4 and IPv6) per listen
 * address, and the Unix socket.
 */
static u_int
fds_base_estimate(const struct config *conf)
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
		return (fds_base_estimate(server_conf));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return (n > 0 ? n - 1 : 0);	/* not the one reading the folder */
}

/*
 * On reload, keep a path that only a restart may change, and warn if the
 * file now says otherwise.
 */
static void
config_keep_path(char **path, const char *old, const char *keyword)
{
	if (*path != NULL && old != NULL && strcmp(*path, old) != 0 &&
	    (*path)[0] == '/')
		log_warnx("SIGHUP: %s changes only on restart; keeping %s",
		    keyword, old);
	free(*path);
	*path = old == NULL ? NULL : xstrdup(old);
}

/*
 * Reload, on SIGHUP or through the control socket, telling systemd while
 * it lasts. Return 0, or -1 with the reason in cause (if not NULL) when
 * the running configuration was kept.
 */
int
server_reload_request(char **cause)
{
	int	rc;

	notify_send("RELOADING=1");
	rc = server_reload(&server_cmdline, cause);
	notify_send("READY=1");
	return (rc);
}

/*
 * Re-read the configuration file. Errors keep the old configuration; the
 * listeners, port and database stay as they are until a restart. Running
 * commands keep the settings they started with. Return 0, or -1 with the
 * reason in verdict (if not NULL).
 */
static int
server_reload(const struct cmdline *cmd, char **verdict)
{
	struct config	*conf, *old = server_conf;
	struct rlimit	 rl;
	char		*cause = NULL;
	u_int		 i;
	int		 changed;

	conf = xcalloc(1, sizeof *conf);
	if (load_config(conf, cmd, 0) != 0) {
		log_warnx("SIGHUP: configuration has errors; keeping the "
		    "running one");
		if (verdict != NULL)
			xasprintf(verdict, "the configuration has errors "
			    "(rcmdd -t%s%s lists them); the running one is "
			    "kept", cmd->config != NULL ? " -c " : "",
			    cmd->config != NULL ? cmd->config : "");
		free(conf);
		return (-1);
	}
	if ((conf->tls_cert == NULL) != (old->tls_cert == NULL))
		xasprintf(&cause, "turning TLS %s takes a restart",
		    old->tls_cert == NULL ? "on" : "off");
	else if (conf->max_conns_given && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && config_check_fds(conf,
	    (unsigned long)rl.rlim_cur, fds_base_estimate(conf), &cause) != 0)
		;
	/* A bad certificate is likelier than a bad RunAs: check it first. */
	else if (tls_configure(conf, &cause) == 0)
		exec_configure(conf, &cause);
	if (cause != NULL) {
		log_warnx("SIGHUP: %s; keeping the running configuration",
		    cause);
		if (verdict != NULL)
			xasprintf(verdict, "%s; the running configuration is "
			    "kept", cause);
		free(cause);
		config_clear(conf);
		free(conf);
		return (-1);
	}
	changed = strcmp(conf->port, old->port) != 0 ||
	    conf->nlisten != old->nlisten ||
	    (conf->socket_path == NULL) != (old->socket_path == NULL) ||
	    (conf->socket_path != NULL &&
	    strcmp(conf->socket_path, old->socket_path) != 0) ||
	    conf->single_thread != old->single_thread;
	for (i = 0; !changed && i < conf->nlisten; i++)
		changed = strcmp(conf->listen[i], old->listen[i]) != 0;
	if (changed)
		log_warnx("SIGHUP: ListenAddress, ListenSocket, Port and "
		    "SingleThread change only on restart; keeping the running "
		    "ones");
	/* What cannot change while running is carried over. */
	while (conf->nlisten > 0)
		free(conf->listen[--conf->nlisten]);
	for (i = 0; i < old->nlisten; i++)
		conf->listen[conf->nlisten++] = xstrdup(old->listen[i]);
	free(conf->port);
	conf->port = xstrdup(old->port);
	conf->single_thread = old->single_thread;
	if (conf->single_user != old->single_user)
		log_warnx("SIGHUP: SingleUser changes only on restart; keeping "
		    "%s", old->single_user ? "yes" : "no");
	conf->single_user = old->single_user;
	if (conf->audit_sync_full != old->audit_sync_full)
		log_warnx("SIGHUP: AuditSync changes only on restart; keeping "
		    "%s", old->audit_sync_full ? "full" : "normal");
	conf->audit_sync_full = old->audit_sync_full;
	if ((conf->audit_group == NULL) != (old->audit_group == NULL) ||
	    (conf->audit_group != NULL &&
	    strcmp(conf->audit_group, old->audit_group) != 0))
		log_warnx("SIGHUP: AuditGroup changes only on restart; keeping "
		    "%s", old->audit_group != NULL ? old->audit_group :
		    "none");
	free(conf->audit_group);
	conf->audit_group = old->audit_group != NULL ?
	    xstrdup(old->audit_group) : NULL;
	config_keep_path(&conf->database, old->database, "Database");
	config_keep_path(&conf->socket_path, old->socket_path,
	    "ListenSocket");
	config_keep_path(&conf->pidfile, old->pidfile, "PidFile");
	config_keep_path(&conf->portfile, old->portfile, "PortFile");
	config_keep_path(&conf->control_path, old->control_path,
	    "ControlSocket");
	log_setverbose(cmd->verbose > conf->verbose ? cmd->verbose :
	    conf->verbose);
	server_conf = conf;
	config_clear(old);
	free(old);
	audit_set_retention(conf->retain_days, conf->max_rows);
	head_schedule();
	metrics_start(server_base, conf->metrics_path,
	    conf->metrics_interval_ms);
	log_info("SIGHUP: configuration reloaded%s%s",
	    cmd->config != NULL ? " from " : "",
	    cmd->config != NULL ? cmd->config : "");
	return (0);
}
