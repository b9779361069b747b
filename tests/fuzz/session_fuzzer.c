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
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "log.h"
#include "rcmdd.h"

/*
 * libFuzzer target for the session state machine: each input is what a
 * client sends on one connection, written into a real session on a
 * socketpair and served by the real event loop, job queues and workers:
 * the network part as rcmdd runs it. Its commands go, as rcmdd's do, over
 * the privilege split's channel to a real privileged part, forked at
 * start-up on a temporary database (privsep.c): each EXEC is committed
 * and spawned there, and the command's descriptors come back by
 * SCM_RIGHTS. Built for fuzzing, exec.c runs "cat" whatever the EXEC
 * says. The first byte picks the mode (threaded or --single-thread). The
 * server's lifetime (server.c) is linked but never started: no signals,
 * and no shutdown, so server_check_exit never ends the loop.
 * Whatever the input, the session and its jobs must end once the client
 * has gone; a session or job left behind is a bug, and aborts, and so
 * does a privileged part that ended.
 */

#define FUZZ_MAX_INPUT	(2 * (FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD))
#define FUZZ_WAIT_MS	10000

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_remove(void);
static void	fuzz_privileged(int, const char *)
		    __attribute__((__noreturn__));

static struct config	 fuzz_conf;
/* The privileged part, forked at start-up, and its database. */
static pid_t		 fuzz_priv = -1;
static char		*fuzz_db;

/* Return a monotonic time in milliseconds. */
static uint64_t
fuzz_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/*
 * At exit: remove the database and its folder. The privileged part,
 * killed as the fuzzer exits (PR_SET_PDEATHSIG), cannot.
 */
static void
fuzz_remove(void)
{
	const char	*db = fuzz_db;
	char		 path[PATH_MAX], *slash;

	unlink(db);
	snprintf(path, sizeof path, "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", db);
	unlink(path);
	strlcpy(path, db, sizeof path);
	if ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		rmdir(path);
	}
}

/*
 * The privileged part, in the child of a fork: serve the channel on a
 * database of its own until the fuzzer (the network part) exits.
 */
static void
fuzz_privileged(int chan, const char *db)
{
	char	*cause = NULL;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		_exit(2);
	if (evthread_use_pthreads() != 0)
		_exit(2);
	if (exec_start(&cause) != 0 ||
	    audit_open(db, 0, &cause) != 0) {
		fprintf(stderr, "session_fuzzer: privileged part: %s\n", cause);
		_exit(2);
	}
	audit_start();
	audit_set_retention(0, 1000);
	privsep_serve(chan, &fuzz_conf);
	audit_stop();
	_exit(0);
}

/*
 * Start the daemon's machinery once: fork the privileged part on a
 * temporary database, then the network part's loop and job inbox here.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 dir[] = "/tmp/rcmdd-fuzz.XXXXXX", *db, *cause = NULL;
	int	 sv[2];

	(void)argc;
	(void)argv;
	log_init("session_fuzzer", 1, 0);
	/* As rcmdd does: a write to a vanished client is an error, not death. */
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL || asprintf(&db, "%s/audit.db", dir) == -1)
		abort();
	config_init(&fuzz_conf);
	fuzz_conf.timeout_ms = 2000;
	fuzz_conf.kill_grace_ms = 100;
	fuzz_conf.drain_ms = 100;
	fuzz_conf.handshake_ms = 200;
	fuzz_conf.output_max = 4096;
	fuzz_conf.head_interval_ms = 0;
	if (geteuid() == 0)
		fuzz_conf.run_as = strdup("root");
	server_conf = &fuzz_conf;
	if (exec_configure(&fuzz_conf, &cause) != 0) {
		fprintf(stderr, "session_fuzzer: %s\n", cause);
		abort();
	}
	/* Before any thread or event base, as rcmdd forks its parts. */
	if (privsep_socketpair(sv, &cause) != 0) {
		fprintf(stderr, "session_fuzzer: %s\n", cause);
		abort();
	}
	switch (fuzz_priv = fork()) {
	case -1:
		abort();
	case 0:
		close(sv[0]);
		fuzz_privileged(sv[1], db);
		/* NOTREACHED */
	}
	close(sv[1]);
	fuzz_db = db;
	atexit(fuzz_remove);
	server_privsep = sv[0];
	if (evthread_use_pthreads() != 0 ||
	    (server_base = event_base_new()) == NULL)
		abort();
	job_inbox_open(server_base);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in	sin;
	uint8_t			buf[65536];
	uint64_t		deadline;
	size_t			off = 1;
	ssize_t			n;
	int			sv[2], closed = 0;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return (0);
	fuzz_conf.single_thread = data[0] & 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1)
		abort();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(4242);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	session_new(sv[0], (struct sockaddr *)&sin, sizeof sin, SESSION_TCP);

	/*
	 * Write the whole input and close the sending side before the loop
	 * runs: an inline command runs inside the loop, and a client that
	 * could only write between turns would look like one that waits.
	 * The socket buffer holds any input this target takes.
	 */
	while (off < size) {
		n = write(sv[1], data + off, size - off);
		if (n <= 0)
			break;
		off += n;
	}
	/* Threaded, give the commands a moment to end before the client goes. */
	if (!fuzz_conf.single_thread) {
		deadline = fuzz_now() + 200;
		while (job_count() + session_count() != 0 &&
		    fuzz_now() < deadline) {
			event_base_loop(server_base, EVLOOP_NONBLOCK);
			while (read(sv[1], buf, sizeof buf) > 0)
				;
			usleep(200);
		}
	}
	if (off == size) {
		shutdown(sv[1], SHUT_WR);
		closed = 1;
	}
	deadline = fuzz_now() + FUZZ_WAIT_MS;
	while (session_count() != 0 || job_count() != 0) {
		if (off < size) {
			n = write(sv[1], data + off, size - off);
			if (n > 0)
				off += n;
		} else if (!closed) {
			shutdown(sv[1], SHUT_WR);
			closed = 1;
		}
		while (read(sv[1], buf, sizeof buf) > 0)
			;
		event_base_loop(server_base, EVLOOP_NONBLOCK);
		if (fuzz_now() > deadline) {
			if (closed == 2) {
				fprintf(stderr, "session_fuzzer: %u sessions and "
				    "%u jobs left %d ms after the client "
				    "went\n", session_count(), job_count(),
				    FUZZ_WAIT_MS);
				abort();
			}
			/* The client goes away: everything must end. */
			close(sv[1]);
			sv[1] = -1;
			closed = 2;
			off = size;
			deadline = fuzz_now() + FUZZ_WAIT_MS;
		}
		if (session_count() != 0 || job_count() != 0)
			usleep(200);
	}
	if (sv[1] != -1)
		close(sv[1]);
	if (waitpid(fuzz_priv, NULL, WNOHANG) != 0) {
		fprintf(stderr, "session_fuzzer: the privileged part ended\n");
		abort();
	}
	return (0);
}
