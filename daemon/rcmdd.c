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

#include <sqlite3.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * rcmdd's main(): options, the one-shot modes (--verify-audit,
 * --export-audit, --test-confinement and the control requests),
 * configuration and its checks, the pidfile and detaching, up to the
 * split into the two processes (parts.c), which run the server and its
 * teardown.
 */

static void	usage(int) __attribute__((__noreturn__));
static int	check_user(const struct config *, char **);
static char	*absolute_path(const char *);
static int	daemon_start(void);
static int	verify_audit(const char *, const char *);
static int	run_cast(int, const char *, int, char **, const char *,
		    const char *);
static int	run_export(const char *, const char *);
static void	check_rules(const struct config *, int);

/* Kept for the server's lifetime: each reload applies it again. */
static struct config_cmdline	 rcmdd_cmdline;

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
#define OPT_CHECK_POLICY	266
#define OPT_FROM		267
#define OPT_AS			268
#define OPT_FINGERPRINT		269
#define OPT_TICKET		270
#define OPT_ARGV		271
#define OPT_HOST		272
#define OPT_COMPARE		273
#define OPT_REPLAY		274
#define OPT_EXPORT_CAST		275
#define OPT_SPEED		276
#define OPT_IDLE_MAX		277

static const struct option longopts[] = {
	{ "check-config",	no_argument,		NULL,	't' },
	{ "check-policy",	required_argument,	NULL,	OPT_CHECK_POLICY },
	{ "from",		required_argument,	NULL,	OPT_FROM },
	{ "as",			required_argument,	NULL,	OPT_AS },
	{ "fingerprint",	required_argument,	NULL,	OPT_FINGERPRINT },
	{ "ticket",		no_argument,		NULL,	OPT_TICKET },
	{ "argv",		no_argument,		NULL,	OPT_ARGV },
	{ "end",		required_argument,	NULL,	OPT_END },
	{ "list",		no_argument,		NULL,	OPT_LIST },
	{ "reload",		no_argument,		NULL,	OPT_RELOAD },
	{ "status",		no_argument,		NULL,	OPT_STATUS },
	{ "test-confinement",	no_argument,		NULL,
	    OPT_TEST_CONFINEMENT },
	{ "export-audit",	required_argument,	NULL,	OPT_EXPORT },
	{ "export-cast",	required_argument,	NULL,	OPT_EXPORT_CAST },
	{ "replay",		required_argument,	NULL,	OPT_REPLAY },
	{ "speed",		required_argument,	NULL,	OPT_SPEED },
	{ "idle-max",		required_argument,	NULL,	OPT_IDLE_MAX },
	{ "compare",		required_argument,	NULL,	OPT_COMPARE },
	{ "host",		required_argument,	NULL,	OPT_HOST },
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
	    "       rcmdd --verify-audit postgresql://... [--host NAME]\n"
	    "             [--compare DATABASE]\n"
	    "  verify the central audit store host by host, or compare a\n"
	    "  host's local database with its central copy\n"
	    "       rcmdd --export-audit DATABASE [--since TIME]\n"
	    "  write the audit log as JSON Lines, the rows started at or\n"
	    "  after TIME (YYYY-MM-DD[THH:MM[:SS[.mmm]][Z]], UTC) if given\n"
	    "       rcmdd --export-cast ID DATABASE\n"
	    "       rcmdd --replay ID DATABASE [--speed N] [--idle-max SECONDS]\n"
	    "  write a terminal session's recording as an asciicast v2 file,\n"
	    "  or play it back on the terminal, N times faster, pauses capped\n"
	    "  at SECONDS\n"
	    "       rcmdd [-c file] --reload | --list | --status | --end ID\n"
	    "  ask the running rcmdd, through its control socket, to reload\n"
	    "  (and say whether it did), to list the commands running, to\n"
	    "  report its state, or to end the command with that audit id\n"
	    "       rcmdd [-c file] --test-confinement\n"
	    "  confine a child as the network part is, and show that what it\n"
	    "  must not do is refused (root only)\n"
	    "       rcmdd [-c file] --check-policy IDENTITY [--argv] "
	    "[--as USER]\n"
	    "             [--fingerprint FP] [--from ADDRESS] [--ticket] "
	    "[command ...]\n"
	    "  say whether the rules allow a command (a shell string, or "
	    "with\n"
	    "  --argv a vector), by which rule and as whom; with none, list "
	    "the\n"
	    "  rules that apply; exit 0 allowed, 1 refused, 2 an error\n",
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
	const char		*cast_id = NULL, *speed = NULL, *idle = NULL;
	int			 replay = 0;
	struct policy_dry	 dry;
	int			 dry_opts = 0;
	const char		*central_host = NULL, *compare = NULL;
	char			*request = NULL;
	char			*cause = NULL, *fds_note = NULL;
	pid_t			 otherpid;
	gid_t			 audit_gid = (gid_t)-1;
	int			 ch, check = 0, ready_fd = -1, rc;
	int			 test_confinement = 0;

	/* The privileged part names itself in ps(1) with setproctitle. */
	setproctitle_init(argc, argv, environ);
	/*
	 * SQLite counts its memory for sqlite3_status, which rcmdd does not
	 * read, under a process-wide mutex on every allocation: off, before
	 * SQLite starts.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	memset(&dry, 0, sizeof dry);
	/* A usage error of the dry run is status 2: 1 is a refusal. */
	for (ch = 1; ch < argc; ch++) {
		if (strncmp(argv[ch], "--check-policy", 14) == 0)
			dry_opts = 2;
	}
	/* "+": a command for --check-policy may have words that begin "-". */
	while ((ch = getopt_long(argc, argv, "+c:d:fhl:p:stvV", longopts,
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
		case OPT_HOST:
			central_host = optarg;
			break;
		case OPT_COMPARE:
			compare = optarg;
			break;
		case OPT_EXPORT:
			export = optarg;
			break;
		case OPT_SINCE:
			since = optarg;
			break;
		case OPT_EXPORT_CAST:
		case OPT_REPLAY:
			if (cast_id != NULL) {
				fprintf(stderr, "rcmdd: --export-cast and "
				    "--replay go one at a time\n");
				usage(1);
			}
			cast_id = optarg;
			replay = ch == OPT_REPLAY;
			break;
		case OPT_SPEED:
			speed = optarg;
			break;
		case OPT_IDLE_MAX:
			idle = optarg;
			break;
		case OPT_SINGLE_USER:
			cmd->single_user = 1;
			break;
		case OPT_TEST_CONFINEMENT:
			test_confinement = 1;
			break;
		case OPT_CHECK_POLICY:
			dry.identity = optarg;
			break;
		case OPT_FROM:
			dry.from = optarg;
			dry_opts |= 1;
			break;
		case OPT_AS:
			dry.user = optarg;
			dry_opts |= 1;
			break;
		case OPT_FINGERPRINT:
			dry.fingerprint = optarg;
			dry_opts |= 1;
			break;
		case OPT_TICKET:
			dry.ticket = 1;
			dry_opts |= 1;
			break;
		case OPT_ARGV:
			dry.argv = 1;
			dry_opts |= 1;
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
			usage((dry_opts & 2) ? 2 : 1);
		}
	}
	if (head != NULL && verify == NULL) {
		fprintf(stderr, "rcmdd: --head goes with --verify-audit\n");
		usage(1);
	}
	if ((central_host != NULL || compare != NULL) && (verify == NULL ||
	    !central_uri(verify))) {
		fprintf(stderr, "rcmdd: --host and --compare go with "
		    "--verify-audit postgresql://...\n");
		usage(1);
	}
	if (head != NULL && verify != NULL && central_uri(verify)) {
		fprintf(stderr, "rcmdd: --head goes with --verify-audit "
		    "DATABASE: the central store keeps each host's heads\n");
		usage(1);
	}
	if ((speed != NULL || idle != NULL) && !replay) {
		fprintf(stderr, "rcmdd: --speed and --idle-max go with "
		    "--replay\n");
		usage(1);
	}
	if (cast_id != NULL && (export != NULL || verify != NULL)) {
		fprintf(stderr, "rcmdd: --%s goes alone\n", replay ?
		    "replay" : "export-cast");
		usage(1);
	}
	if (cast_id != NULL)
		exit(run_cast(replay, cast_id, argc - optind, argv + optind,
		    speed, idle));
	if (since != NULL && export == NULL) {
		fprintf(stderr, "rcmdd: --since goes with --export-audit\n");
		usage(1);
	}
	if (export != NULL && verify != NULL) {
		fprintf(stderr, "rcmdd: --export-audit and --verify-audit do "
		    "not go together\n");
		usage(1);
	}
	if ((dry_opts & 1) && dry.identity == NULL) {
		fprintf(stderr, "rcmdd: --argv, --as, --fingerprint, --from "
		    "and --ticket go with --check-policy\n");
		usage(2);
	}
	if (dry.identity != NULL) {
		dry.words = argv + optind;
		dry.nwords = argc - optind;
		if (dry.argv && dry.nwords == 0) {
			fprintf(stderr, "rcmdd: --argv needs a program and "
			    "its arguments\n");
			usage(2);
		}
	} else if (optind != argc) {
		fprintf(stderr, "rcmdd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(1);
	}

	log_init("rcmdd", 1, cmd->verbose);
	if (verify != NULL && central_uri(verify))
		exit(central_verify(verify, central_host, compare));
	if (verify != NULL)
		exit(verify_audit(verify, head));
	if (export != NULL)
		exit(run_export(export, since));
	conf = xcalloc(1, sizeof *conf);
	if (config_read(conf, cmd, 1) != 0) {
		free(conf);
		exit(dry.identity != NULL ? 2 : 1);
	}
	if (dry.identity != NULL) {
		rc = policy_dry_run(conf, &dry, stdout);
		config_clear(conf);
		free(conf);
		exit(rc);
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
	check_rules(conf, check);
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
		if (conf->tls_crl != NULL)
			conf->tls_crl = absolute_path(conf->tls_crl);
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

	/* The two processes: parts.c. */
	return (parts_start(cmd, pfh, ready_fd, fds_note, audit_gid));
}

/*
 * Say what is doubtful in the order of the rules: on stderr for rcmdd -t
 * (check set), in the log at start-up. Neither stops rcmdd.
 */
static void
check_rules(const struct config *conf, int check)
{
	char	*warnings = NULL, *line, *next;

	if (policy_check(conf, &warnings) == 0)
		return;
	for (line = warnings; *line != '\0'; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		if (check)
			fprintf(stderr, "rcmdd: %s\n", line);
		else
			log_warnx("%s", line);
	}
	free(warnings);
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
 * Detach from the terminal. The parent waits until the child says it is
 * ready (daemon_ready in parts.c), so that start-up errors (printed by the
 * child on the shared stderr) still reach whoever started rcmdd, and its
 * exit status tells. Return the descriptor to report readiness on.
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
 * rcmdd --export-cast ID DATABASE and --replay ID DATABASE [--speed N]
 * [--idle-max SECONDS]: a terminal session's recording. Return the exit
 * status: 0, or 1 with the reason on stderr.
 */
static int
run_cast(int replay, const char *id, int argc, char **argv,
    const char *speed, const char *idle)
{
	const char	*what = replay ? "--replay" : "--export-cast";
	char		*end, *cause = NULL;
	uint64_t	 n;
	double		 s = 1, i = 0;
	int		 rc, a;

	if (argc == 0) {
		fprintf(stderr, "rcmdd: %s ID DATABASE: the database is "
		    "missing\n", what);
		return (1);
	}
	/* Options parsing stopped at the database: the rest come after. */
	for (a = 1; a < argc; a += 2) {
		if (!replay || a + 1 == argc || (strcmp(argv[a], "--speed") !=
		    0 && strcmp(argv[a], "--idle-max") != 0)) {
			fprintf(stderr, "rcmdd: %s ID DATABASE%s: unexpected "
			    "\"%s\"\n", what, replay ? " [--speed N] "
			    "[--idle-max SECONDS]" : "", argv[a]);
			return (1);
		}
		if (strcmp(argv[a], "--speed") == 0)
			speed = argv[a + 1];
		else
			idle = argv[a + 1];
	}
	errno = 0;
	n = strtoull(id, &end, 10);
	if (*id < '1' || *id > '9' || *end != '\0' || errno != 0) {
		fprintf(stderr, "rcmdd: %s: \"%s\" is not an audit id (the "
		    "column id, a number from 1)\n", what, id);
		return (1);
	}
	if (speed != NULL) {
		errno = 0;
		s = strtod(speed, &end);
		if (*end != '\0' || errno != 0 || !(s > 0 && s <= 1000)) {
			fprintf(stderr, "rcmdd: --speed \"%s\": a number "
			    "above 0, up to 1000\n", speed);
			return (1);
		}
	}
	if (idle != NULL) {
		errno = 0;
		i = strtod(idle, &end);
		if (*end != '\0' || errno != 0 || !(i > 0 && i <= 86400)) {
			fprintf(stderr, "rcmdd: --idle-max \"%s\": seconds, "
			    "above 0, up to 86400\n", idle);
			return (1);
		}
	}
	if (replay)
		rc = recording_replay(argv[0], n, s, i, &cause);
	else
		rc = recording_export(argv[0], n, stdout, &cause);
	if (rc != 0) {
		fprintf(stderr, "rcmdd: %s: %s\n", argv[0], cause);
		free(cause);
		return (1);
	}
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
