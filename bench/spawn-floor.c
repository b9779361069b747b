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
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * The floor the benchmark measures rcmdd against: what the operating
 * system charges to start /bin/sh -c COMMAND and wait for it, with no
 * network, no audit and no pipes. Each of T threads spawns with
 * posix_spawn and waits, back to back, N times or until the time limit;
 * or, with -a, spawns all N at once and then waits for them all, the
 * floor for N concurrent commands such as 1,000 "sleep 1". With -f FILE,
 * the durable floor: each spawn comes between two fdatasyncs of a block
 * written to FILE, as each command of rcmdd with AuditSync full waits for
 * its start record's commit before the spawn and its final record's
 * after the wait.
 */

#define FLOOR_MAX_THREADS	1024
#define FLOOR_BLOCK		4096	/* a page of the audit log's WAL */
#define FLOOR_BLOCKS		1024	/* written round, as a WAL is reused */

struct floor_thread;

static void		*floor_main(void *);
static void		*floor_all(struct floor_thread *, char **);
static int		 floor_sync_open(const char *);
static int		 floor_sync(void);
static uint64_t		 floor_now_us(void);
static void		 floor_usage(void) __attribute__((__noreturn__));

/* One spawning thread and what it counted. */
struct floor_thread {
	pthread_t	 thread;
	unsigned long	 count;
	unsigned long	 done;
	int		 error;
};

extern char		**environ;
static const char	*floor_command = "true";
static int		 floor_all_at_once;
static uint64_t		 floor_deadline_us;
static int		 floor_sync_fd = -1;
static unsigned long	 floor_sync_next;
static unsigned long	 floor_syncs;
static pthread_mutex_t	 floor_sync_lock = PTHREAD_MUTEX_INITIALIZER;

/* Spawn and wait, back to back, until the count or the deadline. */
static void *
floor_main(void *arg)
{
	struct floor_thread	*t = arg;
	char			*argv[4];
	pid_t			 pid;
	int			 status, rc;

	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)floor_command;
	argv[3] = NULL;
	if (floor_all_at_once)
		return (floor_all(t, argv));
	while (t->done < t->count && floor_now_us() < floor_deadline_us) {
		if (floor_sync_fd != -1 && floor_sync() != 0) {
			t->error = errno;
			break;
		}
		rc = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
		if (rc != 0) {
			t->error = rc;
			break;
		}
		while (waitpid(pid, &status, 0) == -1) {
			if (errno != EINTR) {
				t->error = errno;
				return (NULL);
			}
		}
		if (floor_sync_fd != -1 && floor_sync() != 0) {
			t->error = errno;
			break;
		}
		t->done++;
	}
	return (NULL);
}

/*
 * Create FILE for -f and write all its blocks once, so that the syncs
 * that follow write data only, as those of a WAL in use do. Return 0, or
 * -1 with errno set.
 */
static int
floor_sync_open(const char *path)
{
	char	block[FLOOR_BLOCK];
	int	i;

	floor_sync_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (floor_sync_fd == -1)
		return (-1);
	memset(block, 0, sizeof block);
	for (i = 0; i < FLOOR_BLOCKS; i++) {
		if (write(floor_sync_fd, block, sizeof block) !=
		    (ssize_t)sizeof block)
			return (-1);
	}
	return (fsync(floor_sync_fd));
}

/*
 * Write the next block of the -f file and fdatasync it: one commit. The
 * threads take turns, since a database commits one transaction at a time.
 */
static int
floor_sync(void)
{
	char	block[FLOOR_BLOCK];
	off_t	off;
	int	rc = 0;

	memset(block, 'x', sizeof block);
	pthread_mutex_lock(&floor_sync_lock);
	off = (off_t)(floor_sync_next++ % FLOOR_BLOCKS) * FLOOR_BLOCK;
	if (pwrite(floor_sync_fd, block, sizeof block, off) !=
	    (ssize_t)sizeof block || fdatasync(floor_sync_fd) != 0)
		rc = -1;
	else
		floor_syncs++;
	pthread_mutex_unlock(&floor_sync_lock);
	return (rc);
}

/* Spawn all of a thread's commands, then wait for every one. */
static void *
floor_all(struct floor_thread *t, char **argv)
{
	pid_t		*pids;
	unsigned long	 i, started = 0;
	int		 status, rc;

	if ((pids = calloc(t->count, sizeof *pids)) == NULL) {
		t->error = errno;
		return (NULL);
	}
	for (i = 0; i < t->count; i++) {
		rc = posix_spawn(&pids[i], "/bin/sh", NULL, NULL, argv,
		    environ);
		if (rc != 0) {
			t->error = rc;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++) {
		while (waitpid(pids[i], &status, 0) == -1) {
			if (errno != EINTR) {
				t->error = errno;
				free(pids);
				return (NULL);
			}
		}
		t->done++;
	}
	free(pids);
	return (NULL);
}

/* Return a monotonic time in microseconds. */
static uint64_t
floor_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void
floor_usage(void)
{
	fprintf(stderr, "usage: spawn-floor [-a] [-c command] [-f file] "
	    "[-n count]\n"
	    "                   [-s seconds] [-t threads]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct floor_thread	 threads[FLOOR_MAX_THREADS];
	unsigned long		 count = 2000, total = 0;
	uint64_t		 start, end;
	double			 seconds;
	char			*end_p;
	const char		*sync_path = NULL;
	long			 nthreads = 1, limit_s = 10;
	int			 ch, i, error;

	while ((ch = getopt(argc, argv, "ac:f:n:s:t:")) != -1) {
		switch (ch) {
		case 'a':
			floor_all_at_once = 1;
			break;
		case 'c':
			floor_command = optarg;
			break;
		case 'f':
			sync_path = optarg;
			break;
		case 'n':
			count = strtoul(optarg, &end_p, 10);
			if (*end_p != '\0' || count == 0)
				floor_usage();
			break;
		case 's':
			limit_s = strtol(optarg, &end_p, 10);
			if (*end_p != '\0' || limit_s <= 0 || limit_s > 3600)
				floor_usage();
			break;
		case 't':
			nthreads = strtol(optarg, &end_p, 10);
			if (*end_p != '\0' || nthreads <= 0 ||
			    nthreads > FLOOR_MAX_THREADS)
				floor_usage();
			break;
		default:
			floor_usage();
		}
	}
	if (optind != argc || (sync_path != NULL && floor_all_at_once))
		floor_usage();
	if (sync_path != NULL && floor_sync_open(sync_path) != 0) {
		fprintf(stderr, "spawn-floor: cannot write %s: %s\n", sync_path,
		    strerror(errno));
		return (1);
	}

	memset(threads, 0, sizeof threads);
	start = floor_now_us();
	floor_deadline_us = start + (uint64_t)limit_s * 1000000;
	for (i = 0; i < nthreads; i++) {
		threads[i].count = count;
		error = pthread_create(&threads[i].thread, NULL, floor_main,
		    &threads[i]);
		if (error != 0) {
			fprintf(stderr, "spawn-floor: pthread_create: %s\n",
			    strerror(error));
			return (1);
		}
	}
	error = 0;
	for (i = 0; i < nthreads; i++) {
		pthread_join(threads[i].thread, NULL);
		total += threads[i].done;
		if (threads[i].error != 0)
			error = threads[i].error;
	}
	end = floor_now_us();
	if (error != 0) {
		fprintf(stderr, "spawn-floor: cannot run /bin/sh -c %s%s: %s\n",
		    floor_command, sync_path != NULL ? " between syncs" : "",
		    strerror(error));
		return (1);
	}
	seconds = (double)(end - start) / 1e6;
	printf("threads %ld\n", nthreads);
	printf("spawns %lu\n", total);
	printf("seconds %.3f\n", seconds);
	printf("per_second %.1f\n", seconds > 0 ? total / seconds : 0.0);
	if (sync_path != NULL) {
		printf("fdatasyncs %lu\n", floor_syncs);
		close(floor_sync_fd);
		unlink(sync_path);
	}
	return (0);
}
