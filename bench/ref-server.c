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
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "rcmd-protocol.h"

/*
 * ref-server: the reference rcmdd is measured against on one connection.
 * It does only what any command server must: for each EXEC it spawns
 * /bin/sh -c COMMAND (standard input /dev/null, standard output and error
 * on one pipe), sends what the command prints, waits for it, appends one
 * line to a flat log (write(2), no sync, no hash, no database) and sends
 * EXIT. It speaks enough of rcmd-protocol(7) for rcmd and rcmd-bench:
 * HELLO, EXEC, STARTED, STDOUT, EXIT and a fatal ERROR for anything it
 * does not take. A thread per connection, blocking I/O, loopback only, and
 * no limits: a benchmark's reference, never a server to deploy.
 */

#define REF_NAME	"ref-server"
#define REF_BUF_SIZE	(FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD)

static void	*ref_conn_main(void *);
static int	 ref_frame(int, const struct frame *, int *);
static int	 ref_exec(int, const struct frame_exec *);
static void	 ref_log(uint64_t, const uint8_t *, size_t, int);
static int	 ref_send(int, const uint8_t *, size_t);
static int	 ref_error(int, uint16_t, const char *);
static uint64_t	 ref_now_us(void);
static void	 ref_usage(void) __attribute__((__noreturn__));

extern char	**environ;
static int	  ref_log_fd = -1;
static uint64_t	  ref_next_id = 1;
static pthread_mutex_t ref_id_lock = PTHREAD_MUTEX_INITIALIZER;

/* Serve one connection until it closes or breaks the protocol. */
static void *
ref_conn_main(void *arg)
{
	uint8_t		*buf;
	struct frame	 f;
	size_t		 have = 0, used;
	ssize_t		 n;
	uint16_t	 code;
	char		*cause = NULL;
	int		 fd = (int)(intptr_t)arg, hello = 0, rc;

	buf = malloc(REF_BUF_SIZE);
	while (buf != NULL) {
		rc = frame_decode(buf, have, &f, &used, &code, &cause);
		if (rc == 1 && frame_check_client(&f, &code, &cause) != 0)
			rc = -1;
		if (rc == -1) {
			ref_error(fd, code, cause);
			break;
		}
		if (rc == 1) {
			if (ref_frame(fd, &f, &hello) != 0)
				break;
			memmove(buf, buf + used, have - used);
			have -= used;
			continue;
		}
		n = recv(fd, buf + have, REF_BUF_SIZE - have, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += n;
	}
	free(cause);
	free(buf);
	close(fd);
	return (NULL);
}

/* Handle one checked frame. Return 0 to go on, -1 to close. */
static int
ref_frame(int fd, const struct frame *f, int *hello)
{
	struct frame_hello	 h;
	struct frame_exec	 e;
	uint8_t			 out[FRAME_HEADER_LEN + 8 + HELLO_MAX_NAME];
	char			*cause = NULL;
	int			 rc;

	if (!*hello) {
		if (f->type != MSG_HELLO ||
		    frame_parse_hello(f, &h, &cause) != 0 ||
		    h.version != PROTOCOL_VERSION) {
			free(cause);
			return (ref_error(fd, ERR_OUT_OF_ORDER, "HELLO of "
			    "version 1 first"));
		}
		*hello = 1;
		return (ref_send(fd, out, frame_encode_hello(out, sizeof out,
		    MSG_SERVER_HELLO, REF_NAME)));
	}
	switch (f->type) {
	case MSG_EXEC:
		if (frame_parse_exec(f, &e, &cause) != 0) {
			rc = ref_error(fd, ERR_BAD_COMMAND, cause);
			free(cause);
			return (rc);
		}
		return (ref_exec(fd, &e));
	case MSG_STDIN:
	case MSG_STDIN_EOF:
	case MSG_SIGNAL:
		/* Commands read /dev/null, and run to their end. */
		return (0);
	}
	return (ref_error(fd, ERR_OUT_OF_ORDER, "unexpected frame"));
}

/*
 * Run one command: spawn it, send its output as it comes, wait for it,
 * log it and send EXIT. Return 0, or -1 if the connection broke.
 */
static int
ref_exec(int fd, const struct frame_exec *e)
{
	posix_spawn_file_actions_t	 fa;
	struct frame_exit		 x;
	uint8_t				 out[REF_BUF_SIZE];
	char				*cmd, *argv[4];
	uint64_t			 id, start;
	ssize_t				 n;
	pid_t				 pid;
	int				 p[2], status = 0, rc, broken = 0;

	pthread_mutex_lock(&ref_id_lock);
	id = ref_next_id++;
	pthread_mutex_unlock(&ref_id_lock);
	if ((cmd = strndup((const char *)e->command, e->command_len)) == NULL)
		return (-1);
	if (pipe2(p, O_CLOEXEC) == -1) {
		free(cmd);
		return (ref_error(fd, ERR_LIMIT, "pipe failed"));
	}
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = cmd;
	argv[3] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	start = ref_now_us();
	rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	free(cmd);
	close(p[1]);
	memset(&x, 0, sizeof x);
	x.audit_id = id;
	if (ref_send(fd, out, frame_encode_u64(out, sizeof out, MSG_STARTED,
	    id)) != 0)
		broken = 1;
	if (rc == 0) {
		while ((n = read(p[0], out + FRAME_HEADER_LEN,
		    FRAME_MAX_PAYLOAD)) != 0) {
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				break;
			frame_header(out, MSG_STDOUT, n);
			if (!broken && ref_send(fd, out, FRAME_HEADER_LEN +
			    n) != 0)
				broken = 1;
		}
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		x.kind = WIFSIGNALED(status) ? EXIT_SIGNALED : EXIT_EXITED;
		x.code = WIFSIGNALED(status) ? WTERMSIG(status) :
		    WEXITSTATUS(status);
	} else {
		x.kind = EXIT_FAILED;
		x.code = rc;
	}
	close(p[0]);
	x.duration_us = ref_now_us() - start;
	ref_log(id, e->command, e->command_len, x.code);
	if (broken)
		return (-1);
	return (ref_send(fd, out, frame_encode_exit(out, sizeof out, &x)));
}

/* Append a command's line to the flat log: time, id, exit, command. */
static void
ref_log(uint64_t id, const uint8_t *cmd, size_t len, int code)
{
	char	line[64 + 4 * 1024 + 2], shown[4 * 1024 + 1];
	int	n;

	if (len > 1024)
		len = 1024;
	strnvisx(shown, sizeof shown, (const char *)cmd, len,
	    VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
	n = snprintf(line, sizeof line, "%lld %llu %d %s\n",
	    (long long)time(NULL), (unsigned long long)id, code, shown);
	if (n > 0 && write(ref_log_fd, line, n) != n) {
		/* A reference has no audit to fail closed on. */
	}
}

/* Write a whole frame to the client. Return 0, or -1. */
static int
ref_send(int fd, const uint8_t *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

/* Send a fatal ERROR. Return -1: the connection closes. */
static int
ref_error(int fd, uint16_t code, const char *msg)
{
	uint8_t	out[FRAME_HEADER_LEN + 2 + 256];

	ref_send(fd, out, frame_encode_error(out, sizeof out, code,
	    msg != NULL ? msg : "protocol error"));
	return (-1);
}

/* Return a monotonic time in microseconds. */
static uint64_t
ref_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void
ref_usage(void)
{
	fprintf(stderr, "usage: ref-server -l logfile [-p port] "
	    "[-T seconds] [-w portfile]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	socklen_t		 len;
	pthread_attr_t		 attr;
	pthread_t		 t;
	FILE			*pf;
	const char		*logfile = NULL, *portfile = NULL, *errstr;
	char			 tmp[4096];
	long long		 port = 0, limit_s = 3600;
	int			 ch, lfd, fd, on = 1;

	while ((ch = getopt(argc, argv, "l:p:T:w:")) != -1) {
		switch (ch) {
		case 'l':
			logfile = optarg;
			break;
		case 'p':
			port = strtonum(optarg, 0, 65535, &errstr);
			if (errstr != NULL)
				ref_usage();
			break;
		case 'T':
			limit_s = strtonum(optarg, 1, 86400, &errstr);
			if (errstr != NULL)
				ref_usage();
			break;
		case 'w':
			portfile = optarg;
			break;
		default:
			ref_usage();
		}
	}
	if (optind != argc || logfile == NULL)
		ref_usage();
	ref_log_fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600);
	if (ref_log_fd == -1) {
		fprintf(stderr, "ref-server: %s: %s\n", logfile,
		    strerror(errno));
		return (1);
	}
	/* Bounded: the whole server ends after -T seconds whatever runs. */
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)limit_s);

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd == -1 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on,
	    sizeof on) == -1 || bind(lfd, (struct sockaddr *)&sin,
	    sizeof sin) == -1 || listen(lfd, 4096) == -1) {
		fprintf(stderr, "ref-server: cannot listen on 127.0.0.1 port "
		    "%lld: %s\n", port, strerror(errno));
		return (1);
	}
	len = sizeof sin;
	getsockname(lfd, (struct sockaddr *)&sin, &len);
	if (portfile != NULL) {
		snprintf(tmp, sizeof tmp, "%s.tmp", portfile);
		if ((pf = fopen(tmp, "w")) == NULL ||
		    fprintf(pf, "%u\n", ntohs(sin.sin_port)) < 0 ||
		    fclose(pf) != 0 || rename(tmp, portfile) != 0) {
			fprintf(stderr, "ref-server: cannot write %s: %s\n",
			    portfile, strerror(errno));
			return (1);
		}
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				usleep(10000);
				continue;
			}
			fprintf(stderr, "ref-server: accept: %s\n",
			    strerror(errno));
			return (1);
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
		if (pthread_create(&t, &attr, ref_conn_main,
		    (void *)(intptr_t)fd) != 0)
			close(fd);
	}
}
