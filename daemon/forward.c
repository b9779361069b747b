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
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The forwarder (AuditForward): a thread of the privileged part, beside
 * the audit writer, that sends every event of the chain, in order, to the
 * central store. Store first, forward after: the local database is the
 * spool. The forwarder reads the events on a connection of its own
 * (query_only), sends them in batches (forward_pg.c) and, once the central
 * COMMIT has succeeded, moves its cursor and asks the writer to store it
 * (audit_forward_cursor). The writer wakes it after each commit
 * (forward_wake); with the central store down it retries with a backoff.
 * In synchronous mode a command's thread waits, bounded, for the cursor
 * to pass its start and its end (forward_sync); with AuditForwardMaxLag,
 * the privileged part refuses commands while forwarding is behind
 * (forward_lagging).
 *
 * Locking: fwd_lock guards every fwd_ variable below it; it is never held
 * across SQLite or libpq, and is taken after audit_lock is released.
 */

#define FORWARD_BATCH		5000		/* events a transaction */
#define FORWARD_BATCH_BYTES	(4 * 1024 * 1024)
#define FORWARD_RETRY_MIN_MS	250
#define FORWARD_RETRY_MAX_MS	30000
#define FORWARD_SYNC_MS		10000	/* a command waits at most */
#define FORWARD_SYNC_RETRY_MS	1000	/* down: refuse at once within */
#define FORWARD_BEHIND_MS	30000	/* without AuditForwardMaxLag */
#define FORWARD_DRAIN_MS	5000	/* at shutdown, at most */
#define FORWARD_PACE_MS		50	/* between rounds, unless sync */

static void	*forward_main(void *);
static int	 forward_round(struct forward_pg **);
static void	 forward_failed(char *);
static void	 forward_behind_check(void);
static uint64_t	 forward_ms(void);
static void	 forward_deadline(struct timespec *, uint64_t);

/* Set at start-up, read-only while the thread runs. */
static int		 fwd_enabled;
static int		 fwd_sync;
static char		*fwd_conninfo;
static char		*fwd_host;
static sqlite3		*fwd_db;
static struct chain_head fwd_base;
static pthread_t	 fwd_thread;
static int		 fwd_running;

static pthread_mutex_t	 fwd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 fwd_wake;	/* the forwarder waits on it */
static pthread_cond_t	 fwd_done;	/* commands waiting in sync mode */
static int		 fwd_stopping;
static int		 fwd_kick;
static uint64_t		 fwd_head;	/* the chain's, last committed */
static uint64_t		 fwd_cursor;	/* committed centrally */
static time_t		 fwd_oldest;	/* wall time of cursor + 1, or 0 */
static u_int		 fwd_max_lag_ms;
static int		 fwd_down;	/* an outage episode */
static uint64_t		 fwd_down_at;
static char		*fwd_error;
static uint64_t		 fwd_fail_gen;
static uint64_t		 fwd_fail_at;
static uint64_t		 fwd_retry_at;
static uint64_t		 fwd_round_at;	/* when the last round began */
static u_int		 fwd_backoff_ms;
static int		 fwd_behind;	/* a lag episode */
static time_t		 fwd_behind_at;
static struct chain_head fwd_head_note;	/* a chain head to send */
static int		 fwd_head_want;

/*
 * Open the forwarder's connection to the database at path and its cursor,
 * if conf has AuditForward. Before the privileged part drops its
 * privileges and before any thread starts. Return 0, or -1 with a cause.
 */
int
forward_open(const struct config *conf, const char *path, char **cause)
{
	pthread_condattr_t	 attr;
	char			 name[256], *why = NULL;

	if (conf->audit_forward == NULL)
		return (0);
	if (conf->audit_host_name != NULL)
		fwd_host = xstrdup(conf->audit_host_name);
	else {
		if (gethostname(name, sizeof name) == -1) {
			xasprintf(cause, "AuditForward: cannot get the host "
			    "name: %s: set AuditHostName", strerror(errno));
			return (-1);
		}
		name[sizeof name - 1] = '\0';
		if (forward_check_host_name(name, &why) != 0) {
			xasprintf(cause, "%s: the host name does not do as a "
			    "name in the central store; set AuditHostName",
			    why);
			free(why);
			return (-1);
		}
		fwd_host = xstrdup(name);
	}
	if (sqlite3_open_v2(path, &fwd_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "AuditForward: cannot open %s: %s", path,
		    fwd_db == NULL ? "out of memory" : sqlite3_errmsg(fwd_db));
		goto fail;
	}
	sqlite3_busy_timeout(fwd_db, 5000);
	if (forward_cursor_open(fwd_db, fwd_host, &fwd_cursor, &fwd_base,
	    &why) != 0) {
		xasprintf(cause, "AuditForward: %s", why);
		free(why);
		goto fail;
	}
	/* From here on it only reads: the writer moves the cursor. */
	sqlite3_exec(fwd_db, "PRAGMA query_only = 1", NULL, NULL, NULL);

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&fwd_wake, &attr);
	pthread_cond_init(&fwd_done, &attr);
	pthread_condattr_destroy(&attr);
	fwd_conninfo = xstrdup(conf->audit_forward);
	fwd_sync = conf->audit_forward_sync;
	fwd_max_lag_ms = conf->forward_max_lag_ms;
	fwd_enabled = 1;
	log_info("audit: forwarding to the central store as host %s%s, from "
	    "seq %" PRIu64, fwd_host, fwd_sync ? ", synchronously" : "",
	    fwd_cursor);
	return (0);

fail:
	sqlite3_close(fwd_db);
	fwd_db = NULL;
	free(fwd_host);
	fwd_host = NULL;
	return (-1);
}

/* Return 1 if forwarding is on. Any thread. */
int
forward_enabled(void)
{
	return (fwd_enabled);
}

/*
 * Start the forwarder thread, with every signal blocked, from the chain's
 * head. After the writer has started.
 */
void
forward_start(void)
{
	struct chain_head	head;
	sigset_t		all, old;
	time_t			when;
	int			error;

	if (!fwd_enabled)
		return;
	audit_head(&head);
	pthread_mutex_lock(&fwd_lock);
	if (head.seq > fwd_head)
		fwd_head = head.seq;
	if (fwd_head > fwd_cursor)
		fwd_oldest = forward_event_time(fwd_db, fwd_cursor + 1,
		    &when) == 0 ? when : time(NULL);
	pthread_mutex_unlock(&fwd_lock);

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	error = pthread_create(&fwd_thread, NULL, forward_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error != 0) {
		errno = error;
		fatal("forward: pthread_create");
	}
	fwd_running = 1;
}

/*
 * The writer has committed, and the chain's head is now seq: wake the
 * forwarder. Writer thread, audit_lock not held.
 */
void
forward_wake(uint64_t seq)
{
	if (!fwd_enabled)
		return;
	pthread_mutex_lock(&fwd_lock);
	if (seq > fwd_head) {
		if (fwd_head <= fwd_cursor && fwd_oldest == 0)
			fwd_oldest = time(NULL);
		fwd_head = seq;
		pthread_cond_signal(&fwd_wake);
	}
	pthread_mutex_unlock(&fwd_lock);
}

/*
 * Note the chain's head, which the privileged part logs every
 * AuditHeadInterval, to go to the central store's heads with the batch
 * that passes it. Privileged part's loop.
 */
void
forward_head(const struct chain_head *head)
{
	if (!fwd_enabled)
		return;
	pthread_mutex_lock(&fwd_lock);
	fwd_head_note = *head;
	fwd_head_want = 1;
	pthread_cond_signal(&fwd_wake);
	pthread_mutex_unlock(&fwd_lock);
}

/* AuditForwardMaxLag, on start-up and reload. */
void
forward_set_max_lag(u_int ms)
{
	pthread_mutex_lock(&fwd_lock);
	fwd_max_lag_ms = ms;
	pthread_mutex_unlock(&fwd_lock);
}

/* Milliseconds on the monotonic clock. */
static uint64_t
forward_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

/* Make an absolute monotonic deadline ms milliseconds from now. */
static void
forward_deadline(struct timespec *ts, uint64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/*
 * Start or end a lag episode: behind once the oldest event not sent is
 * older than AuditForwardMaxLag (30 s without it); caught up once all is
 * sent, or the oldest is younger than half that. Each is logged once.
 * fwd_lock held.
 */
static void
forward_behind_check(void)
{
	time_t		now = time(NULL), age;
	uint64_t	limit;

	limit = fwd_max_lag_ms != 0 ? fwd_max_lag_ms : FORWARD_BEHIND_MS;
	age = fwd_oldest == 0 || fwd_head <= fwd_cursor ? 0 :
	    now - fwd_oldest;
	/* The clock stepped back: the event is not old, and age unsigned. */
	if (age < 0)
		age = 0;
	if (!fwd_behind && (uint64_t)age * 1000 >= limit) {
		fwd_behind = 1;
		fwd_behind_at = now;
		log_warnx("audit forward: behind: %" PRIu64 " events not in "
		    "the central store, the oldest %lld s old%s",
		    fwd_head - fwd_cursor, (long long)age,
		    fwd_max_lag_ms != 0 ? "; new commands are refused until "
		    "it catches up (AuditForwardMaxLag)" : "");
	} else if (fwd_behind && (uint64_t)age * 1000 < limit / 2) {
		fwd_behind = 0;
		log_warnx("audit forward: caught up after %lld s: %" PRIu64
		    " events not yet sent%s", (long long)(now - fwd_behind_at),
		    fwd_head - fwd_cursor, fwd_max_lag_ms != 0 ? "; new "
		    "commands are served again" : "");
	}
}

/*
 * The forwarder thread: wait for events past the cursor (or a head to
 * send, or a retry), and send them a batch at a time.
 */
static void *
forward_main(void *arg)
{
	struct forward_pg	*pg = NULL;
	struct timespec		 ts;
	uint64_t		 now, wait, drain_until = 0;
	time_t			 t;
	int			 pending, pace;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&fwd_lock);
		for (;;) {
			forward_behind_check();
			now = forward_ms();
			pending = fwd_head > fwd_cursor || (fwd_head_want &&
			    fwd_head_note.seq <= fwd_cursor);
			if (fwd_stopping) {
				if (drain_until == 0)
					drain_until = now + FORWARD_DRAIN_MS;
				/* Send what is committed, for a while. */
				if (!pending || fwd_down || now >= drain_until)
					break;
			}
			/*
			 * Asynchronous, a round waits FORWARD_PACE_MS after
			 * the one before unless a batch is full: commits
			 * that come close together share a central one.
			 */
			pace = !fwd_sync && !fwd_down && pending &&
			    fwd_head - fwd_cursor < FORWARD_BATCH &&
			    now < fwd_round_at + FORWARD_PACE_MS;
			if (fwd_kick || (pending && !pace && (!fwd_down ||
			    now >= fwd_retry_at)))
				break;
			/* Until the retry, or until it would be behind. */
			wait = fwd_down && pending ? fwd_retry_at - now :
			    3600 * 1000;
			if (pace)
				wait = fwd_round_at + FORWARD_PACE_MS - now;
			if (!fwd_behind && fwd_oldest != 0 && pending) {
				t = fwd_oldest + (time_t)((fwd_max_lag_ms != 0 ?
				    fwd_max_lag_ms : FORWARD_BEHIND_MS) / 1000) -
				    time(NULL);
				if (t < 1)
					t = 1;
				if ((uint64_t)t * 1000 < wait)
					wait = (uint64_t)t * 1000;
			}
			forward_deadline(&ts, wait);
			pthread_cond_timedwait(&fwd_wake, &fwd_lock, &ts);
		}
		if (fwd_stopping && (!pending || fwd_down ||
		    forward_ms() >= drain_until)) {
			pthread_mutex_unlock(&fwd_lock);
			break;
		}
		fwd_kick = 0;
		fwd_round_at = forward_ms();
		pthread_mutex_unlock(&fwd_lock);
		forward_round(&pg);
	}
	forward_pg_close(pg);
	return (NULL);
}

/*
 * One round: connect if need be, send the next batch (and the noted
 * head), and move the cursor. An outage ends the connection and starts
 * or continues the episode. Forwarder thread.
 */
static int
forward_round(struct forward_pg **pg)
{
	struct forward_batch	 batch;
	struct chain_head	 head, *hp = NULL;
	uint64_t		 cursor, last, to, down_ms;
	time_t			 when, oldest = 0;
	char			*cause = NULL;
	int			 want, was_down;

	pthread_mutex_lock(&fwd_lock);
	cursor = fwd_cursor;
	last = fwd_head;
	head = fwd_head_note;
	want = fwd_head_want;
	pthread_mutex_unlock(&fwd_lock);

	if (*pg == NULL && (*pg = forward_pg_connect(fwd_conninfo, fwd_host,
	    &fwd_base, &cause)) == NULL) {
		forward_failed(cause);
		return (-1);
	}
	memset(&batch, 0, sizeof batch);
	if (last > cursor) {
		to = last - cursor > FORWARD_BATCH ? cursor + FORWARD_BATCH :
		    last;
		if (forward_read(fwd_db, cursor + 1, to, FORWARD_BATCH_BYTES,
		    &batch, &cause) != 0) {
			forward_failed(cause);
			return (-1);
		}
	} else
		batch.last = cursor;
	if (want && head.seq <= batch.last)
		hp = &head;
	if (forward_pg_send(*pg, &batch, hp, &cause) != 0) {
		forward_batch_clear(&batch);
		forward_pg_close(*pg);
		*pg = NULL;
		forward_failed(cause);
		return (-1);
	}
	if (batch.missing != 0)
		log_crit("audit forward: ALARM: %" PRIu64 " of the events "
		    "%" PRIu64 " to %" PRIu64 " are not in the local database: "
		    "deleted before they were sent; the central store shows "
		    "the gap", batch.missing, batch.first, batch.last);
	/* The oldest left; one the database lacks counts from now. */
	to = batch.last;
	if (to < last)
		oldest = forward_event_time(fwd_db, to + 1, &when) == 0 ?
		    when : time(NULL);
	forward_batch_clear(&batch);

	pthread_mutex_lock(&fwd_lock);
	was_down = fwd_down;
	down_ms = forward_ms() - fwd_down_at;
	fwd_down = 0;
	fwd_backoff_ms = 0;
	if (to > fwd_cursor)
		fwd_cursor = to;
	if (fwd_cursor >= fwd_head)
		fwd_oldest = 0;
	else if (oldest != 0)
		fwd_oldest = oldest;
	if (hp != NULL && fwd_head_note.seq == head.seq)
		fwd_head_want = 0;
	if (was_down)
		log_warnx("audit forward: resumed after %" PRIu64 " s: the "
		    "central store took events to seq %" PRIu64 ", %" PRIu64
		    " more to send", down_ms / 1000, fwd_cursor,
		    fwd_head - fwd_cursor);
	forward_behind_check();
	cursor = fwd_cursor;
	pthread_cond_broadcast(&fwd_done);
	pthread_mutex_unlock(&fwd_lock);
	audit_forward_cursor(cursor);
	return (0);
}

/*
 * A round failed with cause (which this takes): start the outage episode,
 * logged once, or go on with it; retry after a backoff that doubles up to
 * FORWARD_RETRY_MAX_MS. Wake the commands waiting in sync mode. Forwarder
 * thread.
 */
static void
forward_failed(char *cause)
{
	uint64_t	now = forward_ms();

	pthread_mutex_lock(&fwd_lock);
	if (!fwd_down) {
		fwd_down = 1;
		fwd_down_at = now;
		log_warnx("audit forward: stopped: %s; the events stay in the "
		    "local database and go once the central store takes "
		    "them again (retrying)", cause);
	}
	fwd_backoff_ms = fwd_backoff_ms == 0 ? FORWARD_RETRY_MIN_MS :
	    fwd_backoff_ms * 2;
	if (fwd_backoff_ms > FORWARD_RETRY_MAX_MS)
		fwd_backoff_ms = FORWARD_RETRY_MAX_MS;
	fwd_retry_at = now + fwd_backoff_ms;
	fwd_fail_gen++;
	fwd_fail_at = now;
	free(fwd_error);
	fwd_error = cause;
	pthread_cond_broadcast(&fwd_done);
	pthread_mutex_unlock(&fwd_lock);
}

/*
 * In synchronous mode, wait until the central store has committed event
 * seq (a command's start or end), at most FORWARD_SYNC_MS. Return 0 if it
 * has (or the mode is off), or -1 with a cause for the client: the
 * central store is down (said at once if a try failed within the last
 * second), did not commit in time, or the daemon stops. A command's
 * thread.
 */
int
forward_sync(uint64_t seq, char **cause)
{
	struct timespec	 ts;
	uint64_t	 gen, now;
	int		 rc = 0;

	if (!fwd_enabled || !fwd_sync)
		return (0);
	pthread_mutex_lock(&fwd_lock);
	if (fwd_cursor >= seq)
		goto out;
	now = forward_ms();
	if (fwd_down && now - fwd_fail_at < FORWARD_SYNC_RETRY_MS) {
		xasprintf(cause, "synchronous forwarding: the central audit "
		    "store cannot take record %" PRIu64 " (%s)", seq,
		    fwd_error);
		rc = -1;
		goto out;
	}
	gen = fwd_fail_gen;
	if (seq > fwd_head)
		fwd_head = seq;
	fwd_kick = 1;
	pthread_cond_signal(&fwd_wake);
	forward_deadline(&ts, FORWARD_SYNC_MS);
	while (fwd_cursor < seq && fwd_fail_gen == gen && !fwd_stopping) {
		if (pthread_cond_timedwait(&fwd_done, &fwd_lock,
		    &ts) == ETIMEDOUT)
			break;
	}
	if (fwd_cursor >= seq)
		goto out;
	rc = -1;
	if (fwd_fail_gen != gen)
		xasprintf(cause, "synchronous forwarding: the central audit "
		    "store cannot take record %" PRIu64 " (%s)", seq,
		    fwd_error);
	else if (fwd_stopping)
		xasprintf(cause, "synchronous forwarding: rcmdd is stopping "
		    "before the central audit store took record %" PRIu64,
		    seq);
	else
		xasprintf(cause, "synchronous forwarding: the central audit "
		    "store did not commit record %" PRIu64 " within %d s",
		    seq, FORWARD_SYNC_MS / 1000);
out:
	pthread_mutex_unlock(&fwd_lock);
	return (rc);
}

/* Return 1 in synchronous forwarding. Any thread. */
int
forward_sync_mode(void)
{
	return (fwd_enabled && fwd_sync);
}

/*
 * With AuditForwardMaxLag: return 1, with the reason in why, while
 * forwarding is behind (a lag episode: since the oldest event not sent
 * passed the limit, until it catches up); 0 otherwise. Privileged part's
 * loop, for each command.
 */
int
forward_lagging(char **why)
{
	time_t	age;
	int	rc = 0;

	if (!fwd_enabled)
		return (0);
	pthread_mutex_lock(&fwd_lock);
	if (fwd_max_lag_ms != 0) {
		forward_behind_check();
		if (fwd_behind) {
			age = fwd_oldest == 0 ? 0 : time(NULL) - fwd_oldest;
			xasprintf(why, "refused: the audit log is %lld s behind "
			    "in reaching the central store (AuditForwardMaxLag "
			    "%u s%s%s); commands are served again once it "
			    "catches up", (long long)age, fwd_max_lag_ms / 1000,
			    fwd_down ? ": " : "", fwd_down && fwd_error !=
			    NULL ? fwd_error : "");
			rc = 1;
		}
	}
	pthread_mutex_unlock(&fwd_lock);
	return (rc);
}

/*
 * Stop the forwarder: it sends what is committed for FORWARD_DRAIN_MS at
 * most, then ends; close its database. At exit, after the last command
 * and before the writer stops, so that the cursor is stored.
 */
void
forward_stop(void)
{
	if (fwd_running) {
		pthread_mutex_lock(&fwd_lock);
		fwd_stopping = 1;
		pthread_cond_signal(&fwd_wake);
		pthread_cond_broadcast(&fwd_done);
		pthread_mutex_unlock(&fwd_lock);
		pthread_join(fwd_thread, NULL);
		fwd_running = 0;
	}
	if (!fwd_enabled)
		return;
	fwd_enabled = 0;
	sqlite3_close(fwd_db);
	fwd_db = NULL;
	free(fwd_conninfo);
	free(fwd_host);
	free(fwd_error);
	fwd_conninfo = fwd_host = fwd_error = NULL;
	fwd_stopping = fwd_kick = fwd_down = fwd_behind = 0;
	fwd_head = fwd_cursor = 0;
	fwd_oldest = 0;
	fwd_head_want = 0;
	fwd_backoff_ms = 0;
	pthread_cond_destroy(&fwd_wake);
	pthread_cond_destroy(&fwd_done);
}
