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

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rcmd.h"
#include "xmalloc.h"

/*
 * rcmd's main(): run one command on a host and exit with its status, or
 * open an interactive prompt when no command is given.
 */

/* Long options without a letter. */
#define OPT_CA		256
#define OPT_CERT	257
#define OPT_KEY		258
#define OPT_NO_TLS	259

/* Fan-out's defaults: hosts at once, and seconds to connect to each. */
#define RCMD_PARALLEL		32
#define RCMD_PARALLEL_MAX	4096

static void	usage(int) __attribute__((__noreturn__));
static void	signal_handler(int);
static int	signal_setup(void);
static char	*tls_default(const char *);
static char	*tls_file(const char *, const char *, const char *);
static struct tls_config *tls_setup(const char *, const char *,
		    const char *, const char *, int);

static void	add_hosts(struct fanout *, const char *);
static int	tty_check(struct conn_run *, int, int, int);
static void	std_fds_open(void);

static int	signal_pipe[2] = { -1, -1 };

static const struct option longopts[] = {
	{ "argv",	no_argument,		NULL,	'a' },
	{ "ca",		required_argument,	NULL,	OPT_CA },
	{ "cert",	required_argument,	NULL,	OPT_CERT },
	{ "connect-timeout", required_argument,	NULL,	'T' },
	{ "directory",	required_argument,	NULL,	'C' },
	{ "gather",	no_argument,		NULL,	'g' },
	{ "hostfile",	required_argument,	NULL,	'f' },
	{ "hosts",	required_argument,	NULL,	'H' },
	{ "parallel",	required_argument,	NULL,	'P' },
	{ "help",	no_argument,		NULL,	'h' },
	{ "key",	required_argument,	NULL,	OPT_KEY },
	{ "login",	required_argument,	NULL,	'l' },
	{ "ticket",	required_argument,	NULL,	'm' },
	{ "no-stdin",	no_argument,		NULL,	'n' },
	{ "no-tls",	no_argument,		NULL,	OPT_NO_TLS },
	{ "port",	required_argument,	NULL,	'p' },
	{ "raw",	no_argument,		NULL,	'r' },
	{ "timeout",	required_argument,	NULL,	't' },
	{ "tty",	no_argument,		NULL,	'y' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "version",	no_argument,		NULL,	'V' },
	{ NULL,		0,			NULL,	0 }
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: rcmd [-ahnVvy] [--ca file] [--cert file] [--key file] "
	    "[--no-tls]\n"
	    "            [-C dir] [-l user] [-m ticket] [-p port] [-t seconds]\n"
	    "            [user@]host [command ...]\n"
	    "       rcmd [-grVv] [-f hostfile] [-H host,...] [-P count] "
	    "[-p port]\n"
	    "            [-T seconds] [-t seconds] command ...\n"
	    "  -a, --argv            each word one argument, no shell anywhere\n"
	    "  -C, --directory DIR   run in DIR, an absolute path\n"
	    "  -f, --hostfile FILE   run on the hosts in FILE, one a line\n"
	    "  -g, --gather          gather output per host, group the same\n"
	    "  -H, --hosts H1,H2     run on these hosts (host or host:port)\n"
	    "  -l, --login USER      run as USER (as USER@host does)\n"
	    "  -m, --ticket TEXT     why: a ticket kept with the command\n"
	    "  -n, --no-stdin        do not forward standard input\n"
	    "  -P, --parallel N      at most N hosts at once (default %d)\n"
	    "  -p, --port PORT       server port (default %s)\n"
	    "  -r, --raw             with -f or -H, print the hosts' control "
	    "characters\n"
	    "                        as they are instead of escaped\n"
	    "  -T, --connect-timeout SECS  give up on a host that has not "
	    "answered\n"
	    "                        HELLO within SECS seconds (default %d)\n"
	    "  -t, --timeout SECS    stop the command after SECS seconds\n"
	    "  -v, --verbose         print the audit id of each command\n"
	    "  -y, --tty             run on a terminal on the host, as ssh -t "
	    "does; with\n"
	    "                        no command, the user's login shell; "
	    "twice: even when\n"
	    "                        standard input is not a terminal\n"
	    "      --cert FILE       client certificate for TLS "
	    "(default cert.pem)\n"
	    "      --key FILE        its private key (default key.pem)\n"
	    "      --ca FILE         CA that signed the server's certificate "
	    "(default ca.pem)\n"
	    "      --no-tls          plain TCP even if cert.pem exists\n"
	    "  -V, --version         print the version and exit\n"
	    "  -h, --help            print this help and exit\n"
	    "The default files are in ${XDG_CONFIG_HOME:-~/.config}/rcmd/;"
	    " TLS is on when\none of the three is given or cert.pem is there."
	    " host may be unix:PATH,\na local socket. With no command, rcmd "
	    "reads commands at a prompt. With -f or\n-H, the command runs on"
	    " every host, without standard input.\n",
	    RCMD_PARALLEL, RCMD_DEFAULT_PORT, RCMD_CONNECT_TIMEOUT_MS / 1000);
	exit(status == 0 ? 0 : RCMD_EXIT_ERROR);
}

/* Pass a signal to the main loop through the self-pipe. */
static void
signal_handler(int sig)
{
	int	saved_errno = errno;
	char	c = (char)sig;

	if (write(signal_pipe[1], &c, 1) == -1) {
		/* The pipe is full: the loop has signals to read already. */
	}
	errno = saved_errno;
}

/*
 * Catch the signals that rcmd passes on to the running command. No
 * SA_RESTART, so that a prompt waiting for input sees Ctrl-C too.
 */
static int
signal_setup(void)
{
	struct sigaction	sa;

	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return (-1);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = signal_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	return (signal_pipe[0]);
}

/*
 * Return where a TLS file is looked for when its option is not given:
 * ${XDG_CONFIG_HOME:-$HOME/.config}/rcmd/NAME. The XDG base directory
 * specification says to ignore a relative XDG_CONFIG_HOME.
 */
static char *
tls_default(const char *name)
{
	struct passwd	*pw;
	const char	*xdg, *home;
	char		*path;

	xdg = getenv("XDG_CONFIG_HOME");
	if (xdg != NULL && *xdg == '/') {
		xasprintf(&path, "%s/rcmd/%s", xdg, name);
		return (path);
	}
	home = getenv("HOME");
	if (home == NULL || *home == '\0') {
		pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : "/";
	}
	xasprintf(&path, "%s/.config/rcmd/%s", home, name);
	return (path);
}

/*
 * Return the file to use for one of the three, given or default, or exit
 * with a message saying which is missing and where it was looked for.
 */
static char *
tls_file(const char *given, const char *name, const char *what)
{
	char	*path;

	if (given != NULL) {
		if (access(given, R_OK) != 0) {
			fprintf(stderr, "rcmd: cannot read the %s %s (--%s): "
			    "%s\n", what, given, name, strerror(errno));
			exit(RCMD_EXIT_ERROR);
		}
		return (xstrdup(given));
	}
	path = tls_default(strcmp(name, "cert") == 0 ? "cert.pem" :
	    strcmp(name, "key") == 0 ? "key.pem" : "ca.pem");
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "rcmd: TLS needs a %s, and --%s was not given "
		    "and %s is %s: give --%s FILE or put it there (or "
		    "--no-tls for plain TCP to a loopback rcmdd)\n", what, name,
		    path, errno == ENOENT ? "not there" : strerror(errno),
		    name);
		exit(RCMD_EXIT_ERROR);
	}
	return (path);
}

/*
 * Decide whether to speak TLS to host, and load its files if so: TLS is on
 * for a TCP host when one of the three files is given, or when the default
 * certificate exists, unless --no-tls says otherwise. Return NULL for
 * plain TCP or a Unix socket; exit with a message if a file is wrong.
 */
static struct tls_config *
tls_setup(const char *host, const char *cert, const char *key,
    const char *ca, int no_tls)
{
	struct tls_config	*tc;
	char			*dcert, *fcert, *fkey, *fca, *cause = NULL;
	int			 on;

	if (strncmp(host, RCMD_UNIX_PREFIX, strlen(RCMD_UNIX_PREFIX)) == 0)
		return (NULL);
	if (no_tls) {
		if (cert != NULL || key != NULL || ca != NULL) {
			fprintf(stderr, "rcmd: --no-tls and --%s contradict "
			    "each other: give one or the other\n",
			    cert != NULL ? "cert" : key != NULL ? "key" : "ca");
			exit(RCMD_EXIT_ERROR);
		}
		return (NULL);
	}
	on = cert != NULL || key != NULL || ca != NULL;
	if (!on) {
		dcert = tls_default("cert.pem");
		on = access(dcert, F_OK) == 0;
		free(dcert);
	}
	if (!on)
		return (NULL);

	fcert = tls_file(cert, "cert", "client certificate");
	fkey = tls_file(key, "key", "client key");
	fca = tls_file(ca, "ca", "CA certificate");
	tc = tls_config_new(fcert, fkey, fca, &cause);
	if (tc == NULL) {
		fprintf(stderr, "rcmd: %s\n", cause);
		exit(RCMD_EXIT_ERROR);
	}
	free(fcert);
	free(fkey);
	free(fca);
	return (tc);
}

/* Add the hosts of -H, a comma-separated list, or exit saying what is wrong. */
static void
add_hosts(struct fanout *f, const char *arg)
{
	char	*list, *p, *host, *cause;

	list = p = xstrdup(arg);
	while ((host = strsep(&p, ",")) != NULL) {
		if (fanout_add(f, host, &cause) != 0) {
			fprintf(stderr, "rcmd: %s\n", cause);
			exit(RCMD_EXIT_ERROR);
		}
	}
	free(list);
}

/*
 * Check --tty (given count times) against the other options and standard
 * input, and fill in the terminal run asks for: TERM and the window's
 * size. Return 0, or -1 with the message printed.
 */
static int
tty_check(struct conn_run *run, int fanout, int no_stdin, int count)
{
	const char	*term;
	char		*cause = NULL;

	if (fanout) {
		fprintf(stderr, "rcmd: --tty opens a terminal on one host, and "
		    "-f and -H run on many without one: leave out --tty\n");
		return (-1);
	}
	if (no_stdin) {
		fprintf(stderr, "rcmd: --tty sends the keys typed, and -n "
		    "sends none: leave out one of them\n");
		return (-1);
	}
	if (count < 2 && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "rcmd: --tty needs a terminal on standard "
		    "input, and it is not one; give --tty twice (-yy) to "
		    "have a terminal on the host all the same\n");
		return (-1);
	}
	/* No TERM here: the host gets one that asks for no features. */
	if ((term = getenv("TERM")) == NULL || *term == '\0')
		term = "dumb";
	if (tty_check_term(term, &cause) != 0) {
		fprintf(stderr, "rcmd: %s\n", cause);
		free(cause);
		return (-1);
	}
	run->terminal = 1;
	run->term = term;
	tty_size(STDIN_FILENO, &run->rows, &run->cols);
	if (run->why == NULL)
		run->why = "--tty";
	return (0);
}

/*
 * Open /dev/null on standard input, output or error if one is closed
 * (rcmd host cmd <&-): the connection would take that number, and rcmd
 * would read the server's frames as standard input, or write the
 * command's output into the connection.
 */
static void
std_fds_open(void)
{
	int	fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == STDIN_FILENO ? O_RDONLY :
		    O_WRONLY) != fd)
			exit(RCMD_EXIT_ERROR);
	}
}

int
main(int argc, char **argv)
{
	struct conn		 c;
	struct conn_result	 r;
	struct tls_config	*tc;
	const char		*host, *port = RCMD_DEFAULT_PORT, *errstr;
	const char		*cert = NULL, *key = NULL, *ca = NULL;
	char			*cmd = NULL, *cause = NULL, *tmp;
	char			*hostname = NULL, *hostport = NULL, *at;
	uint32_t		 timeout_ms = 0;
	long long		 secs;
	int			 ch, i, no_stdin = 0, verbose = 0, status;
	int			 no_tls = 0, gather = 0, fanout = 0, raw = 0;
	int			 parallel = RCMD_PARALLEL;
	int			 connect_ms = RCMD_CONNECT_TIMEOUT_MS;
	struct fanout		*f;
	struct conn_run		 run;
	int			 use_argv = 0, tty = 0;
	const char		*hostfile[16];
	char			*hostlists = NULL;
	int			 nhostfiles = 0;

	std_fds_open();
	memset(&run, 0, sizeof run);
	while ((ch = getopt_long(argc, argv, "+aC:f:gH:hl:m:nP:p:rT:t:vVy",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			use_argv = 1;
			break;
		case 'C':
			/* The server has no current directory of ours. */
			if (*optarg != '/') {
				fprintf(stderr, "rcmd: -C %s: the server needs "
				    "an absolute directory, since it has no "
				    "current one to resolve %s against: give it "
				    "from /\n", optarg, optarg);
				exit(RCMD_EXIT_ERROR);
			}
			run.cwd = optarg;
			break;
		case 'l':
			run.user = optarg;
			run.why = "-l";
			break;
		case 'm':
			run.ticket = optarg;
			break;
		case OPT_CA:
			ca = optarg;
			break;
		case OPT_CERT:
			cert = optarg;
			break;
		case OPT_KEY:
			key = optarg;
			break;
		case OPT_NO_TLS:
			no_tls = 1;
			break;
		case 'f':
			if (nhostfiles == (int)(sizeof hostfile /
			    sizeof hostfile[0])) {
				fprintf(stderr, "rcmd: too many -f: at most "
				    "%zu host files\n", sizeof hostfile /
				    sizeof hostfile[0]);
				exit(RCMD_EXIT_ERROR);
			}
			hostfile[nhostfiles++] = optarg;
			fanout = 1;
			break;
		case 'g':
			gather = 1;
			break;
		case 'H':
			if (hostlists == NULL)
				hostlists = xstrdup(optarg);
			else {
				xasprintf(&tmp, "%s,%s", hostlists, optarg);
				free(hostlists);
				hostlists = tmp;
			}
			fanout = 1;
			break;
		case 'h':
			usage(0);
		case 'n':
			no_stdin = 1;
			break;
		case 'P':
			parallel = strtonum(optarg, 1, RCMD_PARALLEL_MAX,
			    &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "rcmd: parallel count \"%s\" "
				    "is %s: give 1 to %d\n", optarg, errstr,
				    RCMD_PARALLEL_MAX);
				exit(RCMD_EXIT_ERROR);
			}
			break;
		case 'p':
			if (conn_check_port(optarg, &cause) != 0) {
				fprintf(stderr, "rcmd: %s\n", cause);
				exit(RCMD_EXIT_ERROR);
			}
			port = optarg;
			break;
		case 'r':
			raw = 1;
			break;
		case 'T':
			secs = strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "rcmd: connect timeout \"%s\" "
				    "is %s: give whole seconds, 1 to 3600\n",
				    optarg, errstr);
				exit(RCMD_EXIT_ERROR);
			}
			connect_ms = (int)secs * 1000;
			break;
		case 't':
			secs = strtonum(optarg, 1, UINT32_MAX / 1000, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "rcmd: timeout \"%s\" is %s: "
				    "give whole seconds, 1 or more\n", optarg,
				    errstr);
				exit(RCMD_EXIT_ERROR);
			}
			timeout_ms = (uint32_t)secs * 1000;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'y':
			tty++;
			break;
		case 'V':
			printf("rcmd %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(1);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 && !fanout)
		usage(1);
	if (fanout) {
		host = NULL;
		i = 0;
	} else {
		/* USER@host, as ssh takes it; then host:port and [v6]:port. */
		if ((at = strchr(argv[0], '@')) != NULL && at != argv[0] &&
		    strncmp(argv[0], RCMD_UNIX_PREFIX,
		    strlen(RCMD_UNIX_PREFIX)) != 0) {
			if (run.user != NULL) {
				fprintf(stderr, "rcmd: give the user once: -l "
				    "%s or %s, not both\n", run.user, argv[0]);
				exit(RCMD_EXIT_ERROR);
			}
			*at = '\0';
			run.user = argv[0];
			run.why = "USER@host";
			argv[0] = at + 1;
		}
		if (conn_split_host(argv[0], port, &hostname, &hostport,
		    &cause) != 0) {
			fprintf(stderr, "rcmd: %s\n", cause);
			exit(RCMD_EXIT_ERROR);
		}
		host = hostname;
		port = hostport;
		i = 1;
	}

	/* Join the command words with spaces, as ssh does. */
	for (; i < argc; i++) {
		if (cmd == NULL)
			cmd = xstrdup(argv[i]);
		else {
			xasprintf(&tmp, "%s %s", cmd, argv[i]);
			free(cmd);
			cmd = tmp;
		}
	}

	if (use_argv) {
		if (cmd == NULL) {
			fprintf(stderr, "rcmd: --argv runs a program with its "
			    "arguments: give the program\n");
			exit(RCMD_EXIT_ERROR);
		}
		run.argv = argv + (fanout ? 0 : 1);
		run.argc = argc - (fanout ? 0 : 1);
		run.why = "--argv";
	} else if (run.ticket != NULL && run.why == NULL)
		run.why = "-m";
	if (run.cwd != NULL && run.why == NULL)
		run.why = "-C";
	if (!fanout && gather) {
		fprintf(stderr, "rcmd: -g gathers the output of many hosts: "
		    "give them with -H or -f\n");
		exit(RCMD_EXIT_ERROR);
	}
	if (tty && tty_check(&run, fanout, no_stdin, tty) != 0)
		exit(RCMD_EXIT_ERROR);
	if (fanout && cmd == NULL) {
		fprintf(stderr, "rcmd: -f and -H run one command on many "
		    "hosts and have no prompt: give the command\n");
		exit(RCMD_EXIT_ERROR);
	}
	if (fanout) {
		/* Every TCP host gets the same TLS; unix:PATH hosts none. */
		tc = tls_setup("", cert, key, ca, no_tls);
		f = fanout_new(port, tc, parallel, connect_ms, timeout_ms,
		    gather, raw, verbose);
		if (hostlists != NULL)
			add_hosts(f, hostlists);
		for (i = 0; i < nhostfiles; i++) {
			if (fanout_add_file(f, hostfile[i], &cause) != 0) {
				fprintf(stderr, "rcmd: %s\n", cause);
				exit(RCMD_EXIT_ERROR);
			}
		}
		if (fanout_count(f) == 0) {
			fprintf(stderr, "rcmd: no hosts to run on: -f and -H "
			    "gave none\n");
			exit(RCMD_EXIT_ERROR);
		}
		if (run.why != NULL)
			fanout_set_run(f, &run);
		status = fanout_run(f, cmd);
		fanout_free(f);
		free(hostlists);
		free(cmd);
		tls_config_free(tc);
		return (status);
	}
	/* -C alone is where the prompt starts. */
	if (run.why != NULL && cmd == NULL && strcmp(run.why, "-C") != 0 &&
	    !tty) {
		fprintf(stderr, "rcmd: %s applies to a command, and the prompt "
		    "has none: give the command\n", run.why);
		exit(RCMD_EXIT_ERROR);
	}
	tc = tls_setup(host, cert, key, ca, no_tls);
	/*
	 * A command goes out with HELLO; the prompt waits for the answer,
	 * and so does a terminal, which only a server that offers it gets.
	 */
	if ((cmd != NULL && !tty ? conn_connect : conn_open)(&c, host, port, tc,
	    RCMD_CONNECT_TIMEOUT_MS, &cause) != 0) {
		fprintf(stderr, "rcmd: %s\n", cause);
		exit(RCMD_EXIT_ERROR);
	}
	c.sigfd = signal_setup();
	/* conn_start cleared c: what the command asks goes in now. */
	if (run.why != NULL && (cmd != NULL || tty))
		c.run = &run;

	if (tty) {
		status = tty_run(&c, cmd == NULL ? "" : cmd, timeout_ms,
		    no_stdin ? -1 : STDIN_FILENO, &r, &cause);
		if (status != 0) {
			fprintf(stderr, "rcmd: %s\n", cause);
			exit(RCMD_EXIT_ERROR);
		}
	} else if (cmd == NULL) {
		status = prompt_run(&c, timeout_ms, verbose, run.cwd);
		conn_close(&c);
		tls_config_free(tc);
		free(hostname);
		free(hostport);
		return (status);
	} else if (conn_run(&c, cmd, strlen(cmd), timeout_ms,
	    no_stdin ? -1 : STDIN_FILENO, &r, &cause) != 0) {
		fprintf(stderr, "rcmd: %s\n", cause);
		exit(RCMD_EXIT_ERROR);
	}
	status = conn_exit_status(&r, c.host, &cause);
	if (cause != NULL)
		fprintf(stderr, "rcmd: %s\n", cause);
	if (verbose)
		conn_print_receipt(&r, c.host);
	free(cause);
	free(cmd);
	free(hostname);
	free(hostport);
	conn_close(&c);
	tls_config_free(tc);
	return (status);
}
