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
#include <sys/queue.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "job_worker.h"
#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The thread pool that drives the workers (worker.c): each pool thread
 * takes a queued job, runs its worker machine to the end with poll, and
 * then waits up to WORKER_POOL_IDLE_SECONDS for the next job;
 * WORKER_POOL_IDLE_KEEP at most wait so. Taking a waiting thread costs a
 * wake-up; a new thread costs its creation and, at its end, its exit and
 * a join on the loop thread. The audit writer's group commits end many
 * commands at once, so keeping fewer waiting threads than connections
 * that run commands would mean creating the rest again each round; an
 * idle thread costs little memory. The privileged part, a process of
 * its own, runs its commands' starts and ends on the same kind of pool
 * (worker_pool_call, from privsep_thread.c).
 *
 * Lock: pool_lock guards everything here below it; it is never held with
 * another lock, nor across a system call other than the condition waits.
 */

#define WORKER_POOL_STACK_SIZE		(256 * 1024)
#define WORKER_POOL_IDLE_KEEP		128
#define WORKER_POOL_IDLE_SECONDS	30

/* A call waiting for a pool thread: a job's worker, or any fn (arg). */
struct worker_pool_item {
	void				 (*fn)(void *);
	void				*arg;
	STAILQ_ENTRY(worker_pool_item)	 entry;
};
STAILQ_HEAD(worker_pool_items, worker_pool_item);

/* A pool thread, kept until the loop thread joins it. */
struct worker_pool_thread {
	pthread_t			 thread;
	STAILQ_ENTRY(worker_pool_thread) entry;
};
STAILQ_HEAD(worker_pool_threads, worker_pool_thread);

static void	 worker_pool_init(void);
static void	*worker_pool_main(void *);
static void	 worker_pool_run(void *);

static pthread_once_t		 pool_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t		 pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 pool_idle_cond;
static pthread_cond_t		 pool_gone_cond = PTHREAD_COND_INITIALIZER;
static struct worker_pool_items	 pool_queue =
				    STAILQ_HEAD_INITIALIZER(pool_queue);
static u_int			 pool_queued;
static u_int			 pool_idle;
static u_int			 pool_threads;
static int			 pool_stopping;
static struct worker_pool_threads pool_ended =
				    STAILQ_HEAD_INITIALIZER(pool_ended);

/* Set up the idle threads' condition, on the monotonic clock. Once. */
static void
worker_pool_init(void)
{
	pthread_condattr_t	attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool_idle_cond, &attr);
	pthread_condattr_destroy(&attr);
}

/*
 * Queue a job for a pool thread: a waiting thread takes it, or a new one
 * starts, with every signal blocked. Return 0, or -1 with a cause for the
 * client if no thread can be had; the job is then not queued. Loop
 * thread.
 */
int
worker_pool_add(struct job *job, char **cause)
{
	return (worker_pool_call(worker_pool_run, job, cause));
}

/*
 * Queue fn (arg) for a pool thread, as worker_pool_add does a job; the
 * privileged part runs commands' starts and ends so (privsep_thread.c).
 * Return 0, or -1 with the cause if no thread can be had; fn is then
 * not called. Loop thread.
 */
int
worker_pool_call(void (*fn)(void *), void *arg, char **cause)
{
	struct worker_pool_item		*item, *it;
	struct worker_pool_thread	*t;
	pthread_attr_t			 attr;
	sigset_t			 all, old;
	int				 error;

	pthread_once(&pool_once, worker_pool_init);
	item = xcalloc(1, sizeof *item);
	item->fn = fn;
	item->arg = arg;
	pthread_mutex_lock(&pool_lock);
	STAILQ_INSERT_TAIL(&pool_queue, item, entry);
	pool_queued++;
	if (pool_idle >= pool_queued) {
		/*
		 * A waiting thread takes it. Signalled once the lock is
		 * free: woken under it, the thread went back to sleep on
		 * the lock at once.
		 */
		pthread_mutex_unlock(&pool_lock);
		pthread_cond_signal(&pool_idle_cond);
		return (0);
	}
	pool_threads++;
	pthread_mutex_unlock(&pool_lock);
	worker_pool_join();

	t = xcalloc(1, sizeof *t);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_POOL_STACK_SIZE);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	error = pthread_create(&t->thread, &attr, worker_pool_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (error == 0)
		return (0);

	/*
	 * No thread: take the job back, unless a thread that finished its
	 * own job took it meanwhile, in which case it runs.
	 */
	free(t);
	pthread_mutex_lock(&pool_lock);
	pool_threads--;
	STAILQ_FOREACH(it, &pool_queue, entry) {
		if (it == item)
			break;
	}
	if (it == NULL) {
		pthread_mutex_unlock(&pool_lock);
		return (0);
	}
	STAILQ_REMOVE(&pool_queue, item, worker_pool_item, entry);
	pool_queued--;
	pthread_mutex_unlock(&pool_lock);
	free(item);
	xasprintf(cause, "cannot run the command: rcmdd cannot start a "
	    "thread for it (%s: the limit on processes and threads, "
	    "RLIMIT_NPROC or the service's TasksMax, is reached); try again "
	    "later", strerror(error));
	return (-1);
}

/*
 * A pool thread: run queued jobs, then wait for more; end after waiting
 * WORKER_POOL_IDLE_SECONDS, when WORKER_POOL_IDLE_KEEP others already
 * wait, or when the daemon stops. Every signal is blocked.
 * worker_pool_add starts a thread when fewer wait than jobs are queued,
 * so a queued job always has a thread waiting or on its way.
 */
static void *
worker_pool_main(void *arg)
{
	struct worker_pool_thread	*t = arg;
	struct worker_pool_item		*item;
	void				(*fn)(void *);
	void				*fn_arg;
	struct timespec			 deadline;
	int				 rc;

	pthread_mutex_lock(&pool_lock);
	for (;;) {
		while ((item = STAILQ_FIRST(&pool_queue)) != NULL) {
			STAILQ_REMOVE_HEAD(&pool_queue, entry);
			pool_queued--;
			pthread_mutex_unlock(&pool_lock);
			fn = item->fn;
			fn_arg = item->arg;
			free(item);
			fn(fn_arg);
			pthread_mutex_lock(&pool_lock);
		}
		if (pool_stopping || pool_idle >= WORKER_POOL_IDLE_KEEP)
			break;
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += WORKER_POOL_IDLE_SECONDS;
		pool_idle++;
		rc = 0;
		while (STAILQ_EMPTY(&pool_queue) && !pool_stopping && rc == 0)
			rc = pthread_cond_timedwait(&pool_idle_cond,
			    &pool_lock, &deadline);
		pool_idle--;
		if (STAILQ_EMPTY(&pool_queue))
			break;
	}
	/* The loop thread joins it (worker_pool_join). */
	STAILQ_INSERT_TAIL(&pool_ended, t, entry);
	pool_threads--;
	pthread_cond_broadcast(&pool_gone_cond);
	pthread_mutex_unlock(&pool_lock);
	return (NULL);
}

/*
 * Drive one job's worker machine to its end: poll what it waits on and
 * step it, until it is done. Pool thread.
 */
static void
worker_pool_run(void *job)
{
	struct worker	*w;
	struct pollfd	 pfd[WORKER_POLL_FDS];
	int		 i, n, timeout;

	w = worker_new(job);
	while (!worker_done(w)) {
		n = worker_fill(w, pfd, &timeout);
		if (poll(pfd, n, timeout) == -1) {
			if (errno != EINTR)
				fatal("poll");
			for (i = 0; i < n; i++)
				pfd[i].revents = 0;
		}
		worker_step(w, pfd);
	}
	worker_free(w);
}

/*
 * Join the pool threads that have ended, so that none is left half gone.
 * Loop thread: when a thread starts, when the daemon goes idle, and at
 * exit.
 */
void
worker_pool_join(void)
{
	struct worker_pool_threads	 ended;
	struct worker_pool_thread	*t;

	STAILQ_INIT(&ended);
	pthread_mutex_lock(&pool_lock);
	STAILQ_CONCAT(&ended, &pool_ended);
	pthread_mutex_unlock(&pool_lock);
	while ((t = STAILQ_FIRST(&ended)) != NULL) {
		STAILQ_REMOVE_HEAD(&ended, entry);
		pthread_join(t->thread, NULL);
		free(t);
	}
}

/*
 * Stop the waiting threads and wait until every pool thread has left its
 * loop; at exit, once no job runs. Loop thread.
 */
void
worker_pool_stop(void)
{
	pthread_mutex_lock(&pool_lock);
	pool_stopping = 1;
	if (pool_threads > 0)
		pthread_cond_broadcast(&pool_idle_cond);
	while (pool_threads > 0)
		pthread_cond_wait(&pool_gone_cond, &pool_lock);
	pthread_mutex_unlock(&pool_lock);
	worker_pool_join();
}
