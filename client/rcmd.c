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

static void	usage(int) __attribute__((__noreturn__));
static void	signal_handler(int);
static int	signal_setup(void);

static int	signal_pipe[2] = { -1, -1 };

static const struct option longopts[] = {
	{ "help",	no_argument,		NULL,	'h' },
	{ "no-stdin",	no_argument,		NULL,	'n' },
	{ "port",	required_argument,	NULL,	'p' },
	{ "timeout",	required_argument,	NULL,	't' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "version",	no_argument,		NULL,	'V' },
	{ NULL,		0,			NULL,	0 }
};

static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: rcmd [-hnVv] [-p port] [-t seconds] host [command ...]\n"
	    "  -n, --no-stdin        do not forward standard input\n"
	    "  -p, --port PORT       server port (default %s)\n"
	    "  -t, --timeout SECS    stop the command after SECS seconds\n"
	    "  -v, --verbose         print the audit id of each command\n"
	    "  -V, --version         print the version and exit\n"
	    "  -h, --help            print this help and exit\n"
	    "With no command, rcmd reads commands at a prompt.\n",
	    RCMD_DEFAULT_PORT);
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

int
main(int argc, char **argv)
{
	struct conn		 c;
	struct conn_result	 r;
	const char		*host, *port = RCMD_DEFAULT_PORT, *errstr;
	char			*cmd = NULL, *cause = NULL, *tmp;
	uint32_t		 timeout_ms = 0;
	long long		 secs;
	int			 ch, i, no_stdin = 0, verbose = 0, status;

	while ((ch = getopt_long(argc, argv, "+hnp:t:vV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 'n':
			no_stdin = 1;
			break;
		case 'p':
			port = optarg;
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
		case 'V':
			printf("rcmd %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(1);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(1);
	host = argv[0];

	/* Join the command words with spaces, as ssh does. */
	for (i = 1; i < argc; i++) {
		if (cmd == NULL)
			cmd = xstrdup(argv[i]);
		else {
			xasprintf(&tmp, "%s %s", cmd, argv[i]);
			free(cmd);
			cmd = tmp;
		}
	}

	if (conn_open(&c, host, port, RCMD_CONNECT_TIMEOUT_MS, &cause) != 0 ||
	    conn_hello(&c, &cause) != 0) {
		fprintf(stderr, "rcmd: %s\n", cause);
		exit(RCMD_EXIT_ERROR);
	}
	c.sigfd = signal_setup();

	if (cmd == NULL) {
		status = prompt_run(&c, timeout_ms, verbose);
		conn_close(&c);
		return (status);
	}

	if (conn_run(&c, cmd, strlen(cmd), timeout_ms,
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
	conn_close(&c);
	return (status);
}
