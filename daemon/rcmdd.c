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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

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
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * rcmdd's main(): options, the one-shot modes (--verify-audit,
 * --export-audit and the control requests), configuration, start-up in the
 * right order (database and listeners first, so that their errors reach
 * the terminal) and the teardown once the server (server.c) has stopped.
 */

static void	usage(int) __attribute__((__noreturn__));
static int	check_user(const struct config *, char **);
static char	*absolute_path(const char *);
static void	write_port_file(const char *, int);
static int	daemon_start(void);
static void	daemon_ready(int);
static void	daemon_stdio(void);
static int	privileged_main(struct config_cmdline *, int, pid_t,
		    struct pidfh *, int, gid_t);
static void	rcmdd_forward_signal(int);
static void	rcmdd_ready(int);
static void	rcmdd_hup_cb(int, short, void *);
static void	rcmdd_term_cb(int, short, void *);
static void	rcmdd_unlink_socket(const char *);
static void	network_main(struct config_cmdline *, int, int, char *)
		    __attribute__((__noreturn__));
static int	verify_audit(const char *, const char *);
static int	run_export(const char *, const char *);

/* Kept for the server's lifetime: each reload applies it again. */
static struct config_cmdline	 rcmdd_cmdline;
/* The network part, for the privileged part's signal handler. */
static volatile pid_t		 rcmdd_netpid = -1;
/* Where the privileged part says that start-up worked, if daemonized. */
static int			 rcmdd_ready_fd = -1;

#define OPT_VERIFY_AUDIT	256
#define OPT_HEAD		257
#define OPT_EXPORT		258
#define OPT_SINCE		259
#define OPT_SINGLE_USER		260
#define OPT_RELOAD		261
#define OPT_LIST		262
#define OPT_END			263
#define OPT_STATUS		264
#define OPT_TEST_CONFINEMENT	265

static const struct option longopts[] = {
	{ "check-config",	no_argument,		NULL,	't' },
	{ "end",		required_argument,	NULL,	OPT_END },
	{ "list",		no_argument,		NULL,	OPT_LIST },
	{ "reload",		no_argument,		NULL,	OPT_RELOAD },
	{ "status",		no_argument,		NULL,	OPT_STATUS },
	{ "test-confinement",	no_argument,		NULL,
	    OPT_TEST_CONFINEMENT },
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
	    "  report its state, or to end the command with that audit id\n"
	    "       rcmdd [-c file] --test-confinement\n"
	    "  confine a child as the network part is, and show that what it\n"
	    "  must not do is refused (root only)\n",
	    RCMDD_CONF, RCMDD_DEFAULT_PORT, RCMDD_DATABASE);
	exit(status);
}

int
main(int argc, char **argv)
{
	struct config_cmdline	*cmd = &rcmdd_cmdline;
	struct config		*conf;
	struct pidfh		*pfh = NULL;
	struct rlimit		 rl;
	const char		*pidfile, *errstr, *verify = NULL, *head = NULL;
	const char		*export = NULL, *since = NULL;
	char			*request = NULL;
	char			*cause = NULL, *fds_note = NULL;
	pid_t			 otherpid;
	gid_t			 audit_gid = (gid_t)-1;
	int			 ch, check = 0, ready_fd = -1, rc;
	int			 test_confinement = 0, sv[2];
	pid_t			 netpid;

	/* The privileged part names itself in ps(1) with setproctitle. */
	setproctitle_init(argc, argv, environ);
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
		case OPT_TEST_CONFINEMENT:
			test_confinement = 1;
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
	if (config_read(conf, cmd, 1) != 0) {
		free(conf);
		exit(1);
	}
	/* Freed before exit, so that a leak check finds nothing left. */
	if (request != NULL) {
		rc = control_request(config_control_path(conf), request);
		config_clear(conf);
		free(conf);
		free(request);
		exit(rc);
	}
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
	    (unsigned long)rl.rlim_max, server_fds_base(conf), &cause) != 0) {
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
	if (test_confinement) {
		rc = confine_test(conf);
		config_clear(conf);
		free(conf);
		exit(rc);
	}

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
	rcmdd_netpid = netpid;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = rcmdd_forward_signal;
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
	/*
	 * As the one process did: with a RunAs other than root, keep uid 0
	 * but only CAP_SETUID, CAP_SETGID and CAP_KILL (priv.c). Before any
	 * thread starts: a thread keeps the capabilities it has. The
	 * network part, forked already, gives up everything itself.
	 */
	if (priv_drop(conf, &cause) != 0)
		fatalx("%s", cause);
	audit_start();
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
	rcmdd_ready_fd = ready_fd;
	privsep_set_ready_cb(rcmdd_ready);

	/* The operator's side: the control socket and SIGHUP, reloads. */
	if ((privsep_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (control_start(privsep_base, config_control_path(conf),
	    &cause) != 0)
		fatalx("%s", cause);
	if ((ev_hup = evsignal_new(privsep_base, SIGHUP, rcmdd_hup_cb,
	    NULL)) == NULL || event_add(ev_hup, NULL) != 0 ||
	    (ev_term = evsignal_new(privsep_base, SIGTERM, rcmdd_term_cb,
	    NULL)) == NULL || event_add(ev_term, NULL) != 0 ||
	    (ev_int = evsignal_new(privsep_base, SIGINT, rcmdd_term_cb,
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
	rcmdd_unlink_socket(conf->socket_path);
	rcmdd_unlink_socket(config_control_path(conf));
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
rcmdd_ready(int port)
{
	if (server_conf->portfile != NULL)
		write_port_file(server_conf->portfile, port);
	if (rcmdd_ready_fd != -1)
		daemon_ready(rcmdd_ready_fd);
	rcmdd_ready_fd = -1;
	/* This part is the unit's main process. */
	notify_ready(privsep_base);
	metrics_start(privsep_base, server_conf->metrics_path,
	    server_conf->metrics_interval_ms);
}

/* Remove a Unix socket's file, if path names a socket. */
static void
rcmdd_unlink_socket(const char *path)
{
	struct stat	sb;

	if (path != NULL && lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
	    unlink(path) == -1)
		log_warn("cannot remove %s", path);
}

/* SIGHUP: reload (server.c). Privileged part, its loop. */
static void
rcmdd_hup_cb(int fd, short events, void *arg)
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
rcmdd_term_cb(int sig, short events, void *arg)
{
	(void)events;
	(void)arg;
	notify_send("STOPPING=1");
	kill(rcmdd_netpid, sig);
}

/* Pass SIGTERM and SIGINT on to the network part, before the loop runs. */
static void
rcmdd_forward_signal(int sig)
{
	int	saved_errno = errno;

	if (rcmdd_netpid > 0)
		kill(rcmdd_netpid, sig);
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
	long		 uid;

	uid = (long)geteuid();
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
