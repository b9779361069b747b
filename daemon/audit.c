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
#include <pthread.h>
#include <semaphore.h>
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
 * The audit writer. One thread owns the SQLite connection. Workers (and the
 * loop thread in --single-thread mode) hand it requests through a queue and
 * sleep until their request is committed; the writer takes every request
 * waiting, runs them in one transaction and wakes them all, so concurrent
 * commands share a commit.
 *
 * Locking: audit_lock guards the queue and the stop flag. It is never
 * held across an SQLite call. Each request has its own semaphore, so that
 * committing a batch wakes the owners of that batch alone: with one
 * shared condition, a thousand commands waiting for their rows were all
 * woken for every batch, and spent seconds going back to sleep. The
 * writer posts it once the request is off every list and audit_lock is
 * released, and a submitter signals the writer after releasing it too:
 * a thread woken while the other still held the lock went straight back
 * to sleep on it (two more futex calls and a switch, at each of a
 * command's two commits).
 */

#define AUDIT_PRUNE_BATCH	500	/* records between two prunes */
#define AUDIT_PRUNE_EVERY_SEC	60
#define AUDIT_CURSOR_EVERY_SEC	1	/* the cursor alone, at most */

#define AUDIT_BEGIN	1
#define AUDIT_FINISH	2
#define AUDIT_DENY	3	/* a refusal; the writer frees it */
#define AUDIT_CHUNK	4	/* a recording's chunk; the writer frees it */

struct audit_req {
	int				 type;
	const struct cmd_record		*rec;	/* a refusal's: its own */
	struct rec_chunk		*chunk;	/* its own */
	const char			*output;	/* made safe */
	size_t				 output_len;
	uint64_t			 id;
	char				 started_at[32];
	uint64_t			 seq;
	uint8_t				 hash[RECORD_HASH_LEN];
	sem_t				 done;	/* posted when committed */
	int				 rc;
	char				*cause;
	TAILQ_ENTRY(audit_req)		 entry;
};
TAILQ_HEAD(audit_reqs, audit_req);

static void	*audit_main(void *);
static int	 audit_exec(struct audit_req *);
static int	 audit_prepare(void);
static void	 audit_finalize(void);
static char	*audit_errmsg(const char *);
static int	 audit_step(sqlite3_stmt *);
static int	 audit_write(sqlite3_stmt *, struct audit_req *, const char *);
static void	 audit_values(struct record_value *, const struct cmd_record *,
		     uint64_t, const char *, const char *);
static int	 audit_hash(struct audit_req *, const struct record_value *,
		     int, char *);
static int	 audit_exec_begin(struct audit_req *, const char *);
static int	 audit_exec_finish(struct audit_req *, const char *);
static int	 audit_submit(struct audit_req *, char **);
static void	 audit_commit(struct audit_reqs *, uint64_t);
static void	 audit_episode(struct audit_reqs *);
static void	 audit_count(struct audit_reqs *, const struct timespec *,
		     const struct timespec *);
static void	 audit_deny_free(struct audit_req *);
static void	 audit_chunks_lost(struct audit_reqs *);
static void	 audit_cursor_commit(uint64_t);
static int	 audit_sql(const char *, int, const char *, const char *,
		     int, sqlite3_stmt **);
static int	 audit_bind(sqlite3_stmt *, int, const struct cmd_record *,
		     int);

static sqlite3		*audit_db;
static sqlite3_stmt	*audit_next_stmt;
static sqlite3_stmt	*audit_insert_stmt;
static sqlite3_stmt	*audit_update_stmt;
static sqlite3_stmt	*audit_deny_stmt;
static sqlite3_stmt	*audit_begin_stmt;
static sqlite3_stmt	*audit_commit_stmt;
static pthread_t	 audit_thread;
static int		 audit_running;
static int		 audit_stopping;
static pthread_mutex_t	 audit_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 audit_wake = PTHREAD_COND_INITIALIZER;
static struct audit_reqs audit_queue = TAILQ_HEAD_INITIALIZER(audit_queue);

/* The chain's head, the writer's own, and a copy for the loop's log. */
static struct chain_head audit_chain;
static struct chain_head audit_chain_shared;	/* audit_lock */
static u_int		 audit_retain_days;	/* audit_lock */
static int		 audit_prune_now;	/* audit_lock */
static struct audit_stats audit_counts;		/* audit_lock */
static size_t		 audit_chunk_bytes;	/* audit_lock: queued */

/* Writer thread only: the current failure episode, and pruning pace. */
static int		 audit_failing;
static uint64_t		 audit_refused;
static u_int		 audit_since_prune;
static uint64_t		 audit_max_rows;	/* audit_lock */

/* The forwarding cursor to store, and the one stored (writer's own). */
static uint64_t		 audit_cursor_want;	/* audit_lock */
static uint64_t		 audit_cursor_written;

/*
 * Open the database (audit_db.c) and prepare the writer's statements.
 * Called before any thread starts.
 */
int
audit_open(const char *path, int sync_full, char **cause)
{
	if (audit_db_open(path, sync_full, &audit_db, &audit_chain,
	    cause) != 0)
		return (-1);
	audit_chain_shared = audit_chain;
	if (audit_prepare() == 0)
		return (0);
	xasprintf(cause, "audit database %s: %s", path,
	    sqlite3_errmsg(audit_db));
	audit_finalize();
	sqlite3_close(audit_db);
	audit_db = NULL;
	return (-1);
}

/*
 * Prepare the statements the writer runs for every batch and every row,
 * so that none is parsed again per command; the chain's too.
 */
static int
audit_prepare(void)
{
	if (sqlite3_prepare_v3(audit_db, "BEGIN IMMEDIATE", -1,
	    SQLITE_PREPARE_PERSISTENT, &audit_begin_stmt, NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_prepare_v3(audit_db, "COMMIT", -1,
	    SQLITE_PREPARE_PERSISTENT, &audit_commit_stmt, NULL) != SQLITE_OK)
		return (-1);
	if (chain_prepare(audit_db) != 0)
		return (-1);
	/*
	 * The statements come from the record's field table. A running row
	 * is inserted with its start chained, so its id is the one SQLite
	 * would give (AUTOINCREMENT: never one given before).
	 */
	if (sqlite3_prepare_v3(audit_db, "SELECT max(ifnull((SELECT seq "
	    "FROM sqlite_sequence WHERE name = 'commands'), 0), "
	    "ifnull((SELECT max(id) FROM commands), 0)) + 1", -1,
	    SQLITE_PREPARE_PERSISTENT, &audit_next_stmt, NULL) != SQLITE_OK)
		return (-1);
	if (audit_sql("INSERT INTO commands (id, started_at, ",
	    RECORD_AT_START, ", status, seq, hash, chain_version) "
	    "VALUES (?, ?", ", 'running', ?, ?, 2)", 0,
	    &audit_insert_stmt) != 0)
		return (-1);
	if (audit_sql("INSERT INTO commands (started_at, finished_at, ",
	    RECORD_AT_START | RECORD_AT_END, ") VALUES (?1, ?1", ")", 0,
	    &audit_deny_stmt) != 0)
		return (-1);
	/* A row's end and its end's place in the chain, in one statement. */
	if (audit_sql("UPDATE commands SET finished_at = ?, ", RECORD_AT_END,
	    ", end_seq = ?, end_hash = ? WHERE id = ?", "", 1,
	    &audit_update_stmt) != 0)
		return (-1);
	return (0);
}

/* Finalize the writer's statements and the chain's, before closing. */
static void
audit_finalize(void)
{
	sqlite3_finalize(audit_next_stmt);
	sqlite3_finalize(audit_insert_stmt);
	sqlite3_finalize(audit_update_stmt);
	sqlite3_finalize(audit_deny_stmt);
	sqlite3_finalize(audit_begin_stmt);
	sqlite3_finalize(audit_commit_stmt);
	audit_next_stmt = audit_insert_stmt = NULL;
	audit_update_stmt = audit_deny_stmt = NULL;
	audit_begin_stmt = audit_commit_stmt = NULL;
	chain_finalize();
	recording_finalize();
}

/* Start the writer thread with every signal blocked. */
void
audit_start(void)
{
	sigset_t	all, old;
	int		error;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	error = pthread_create(&audit_thread, NULL, audit_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error != 0) {
		errno = error;
		fatal("audit: pthread_create");
	}
	audit_running = 1;
}

/*
 * The writer thread: take every waiting request, commit them in one
 * transaction, and wake their owners.
 */
static void *
audit_main(void *arg)
{
	struct audit_reqs	 batch, owners = TAILQ_HEAD_INITIALIZER(owners);
	struct audit_req	*req;
	struct timespec		 deadline, wait, now, t0, t1;
	time_t			 prune_at = 0, cursor_due = 0;
	uint64_t		 max_rows, cursor, head;
	u_int			 days;
	int			 more = 0, prune;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &deadline);
	for (;;) {
		pthread_mutex_lock(&audit_lock);
		while (TAILQ_EMPTY(&audit_queue) && !audit_stopping && !more &&
		    !audit_prune_now) {
			/*
			 * The forwarding cursor goes with the next batch; with
			 * none, alone, a second after it moved.
			 */
			wait = deadline;
			if (audit_cursor_want > audit_cursor_written) {
				clock_gettime(CLOCK_REALTIME, &now);
				if (cursor_due == 0)
					cursor_due = now.tv_sec +
					    AUDIT_CURSOR_EVERY_SEC;
				if (now.tv_sec >= cursor_due)
					break;
				if (cursor_due < wait.tv_sec) {
					wait.tv_sec = cursor_due;
					wait.tv_nsec = 0;
				}
			}
			if (pthread_cond_timedwait(&audit_wake, &audit_lock,
			    &wait) == ETIMEDOUT)
				break;
		}
		cursor = audit_cursor_want;
		if (TAILQ_EMPTY(&audit_queue) && audit_stopping) {
			pthread_mutex_unlock(&audit_lock);
			audit_cursor_commit(cursor);
			break;
		}
		TAILQ_INIT(&batch);
		TAILQ_CONCAT(&batch, &audit_queue, entry);
		audit_counts.queued = 0;
		pthread_mutex_unlock(&audit_lock);

		if (!TAILQ_EMPTY(&batch)) {
			clock_gettime(CLOCK_MONOTONIC, &t0);
			audit_commit(&batch, cursor);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			audit_episode(&batch);
			audit_chunks_lost(&batch);
		} else if (cursor > audit_cursor_written) {
			clock_gettime(CLOCK_REALTIME, &now);
			if (now.tv_sec >= cursor_due)
				audit_cursor_commit(cursor);
		}
		if (audit_cursor_written >= cursor)
			cursor_due = 0;

		pthread_mutex_lock(&audit_lock);
		if (!TAILQ_EMPTY(&batch))
			audit_count(&batch, &t0, &t1);
		audit_chain_shared = audit_chain;
		while ((req = TAILQ_FIRST(&batch)) != NULL) {
			TAILQ_REMOVE(&batch, req, entry);
			if (req->type == AUDIT_DENY) {
				audit_deny_free(req);
				continue;
			}
			if (req->type == AUDIT_CHUNK) {
				audit_chunk_bytes -= req->chunk->len;
				recording_chunk_free(req->chunk);
				free(req->cause);
				free(req);
				continue;
			}
			/* Then the owner's: touch it no more. */
			TAILQ_INSERT_TAIL(&owners, req, entry);
		}
		prune = audit_prune_now;
		audit_prune_now = 0;
		head = audit_chain.seq;
		pthread_mutex_unlock(&audit_lock);
		while ((req = TAILQ_FIRST(&owners)) != NULL) {
			TAILQ_REMOVE(&owners, req, entry);
			sem_post(&req->done);
		}
		/* The forwarder sends what was just committed. */
		forward_wake(head);

		/*
		 * Prune in small batches between requests, so that writers
		 * never wait long; go on at once while there is more.
		 */
		clock_gettime(CLOCK_REALTIME, &deadline);
		if (more || prune || deadline.tv_sec >= prune_at ||
		    audit_since_prune >= AUDIT_PRUNE_BATCH) {
			pthread_mutex_lock(&audit_lock);
			days = audit_retain_days;
			max_rows = audit_max_rows;
			pthread_mutex_unlock(&audit_lock);
			more = prune_run(audit_db, days, max_rows);
			prune_at = deadline.tv_sec + AUDIT_PRUNE_EVERY_SEC;
			audit_since_prune = 0;
		}
		deadline.tv_sec += AUDIT_PRUNE_EVERY_SEC;
	}
	return (NULL);
}

/*
 * Store the forwarding cursor the forwarder asked for, in a transaction of
 * its own, if it moved. Writer thread.
 */
static void
audit_cursor_commit(uint64_t cursor)
{
	char	*cause = NULL;

	if (cursor <= audit_cursor_written)
		return;
	if (audit_step(audit_begin_stmt) != 0) {
		log_warnx("audit: cannot store the forwarding cursor: %s",
		    sqlite3_errmsg(audit_db));
		return;
	}
	if (forward_cursor_write(audit_db, cursor, &cause) != 0 ||
	    audit_step(audit_commit_stmt) != 0) {
		log_warnx("audit: cannot store the forwarding cursor: %s",
		    cause != NULL ? cause : sqlite3_errmsg(audit_db));
		free(cause);
		sqlite3_exec(audit_db, "ROLLBACK", NULL, NULL, NULL);
		return;
	}
	audit_cursor_written = cursor;
}

/*
 * The forwarder's cursor has moved to seq: the writer stores it with its
 * next transaction. Forwarder thread.
 */
void
audit_forward_cursor(uint64_t seq)
{
	pthread_mutex_lock(&audit_lock);
	if (seq > audit_cursor_want) {
		audit_cursor_want = seq;
		pthread_cond_signal(&audit_wake);
	}
	pthread_mutex_unlock(&audit_lock);
}

/*
 * Count a committed batch for the metrics: its records, failures and how
 * long its transaction took. Writer thread, audit_lock held.
 */
static void
audit_count(struct audit_reqs *batch, const struct timespec *t0,
    const struct timespec *t1)
{
	struct audit_req	*req;
	double			 s;

	s = (double)(t1->tv_sec - t0->tv_sec) +
	    (double)(t1->tv_nsec - t0->tv_nsec) / 1e9;
	audit_counts.commits++;
	audit_counts.commit_seconds += s;
	audit_counts.last_commit_seconds = s;
	TAILQ_FOREACH(req, batch, entry) {
		if (req->rc == 0)
			audit_counts.records++;
		else
			audit_counts.failed++;
	}
	audit_counts.failing = audit_failing;
}

/* Copy the writer's counts, for the metrics. Any thread. */
void
audit_get_stats(struct audit_stats *st)
{
	pthread_mutex_lock(&audit_lock);
	*st = audit_counts;
	pthread_mutex_unlock(&audit_lock);
}

/*
 * Log a failure episode once: when records first fail to commit, say why
 * and that commands are refused; when they commit again, say how many were
 * refused meanwhile. Writer thread.
 */
static void
audit_episode(struct audit_reqs *batch)
{
	struct audit_req	*req;
	const char		*why = NULL;
	uint64_t		 failed = 0, ok = 0;

	TAILQ_FOREACH(req, batch, entry) {
		if (req->rc != 0) {
			failed++;
			if (why == NULL)
				why = req->cause;
		} else {
			ok++;
			if (req->type != AUDIT_BEGIN &&
			    req->type != AUDIT_CHUNK)
				audit_since_prune++;
		}
	}
	if (failed != 0 && !audit_failing) {
		audit_failing = 1;
		audit_refused = 0;
		log_warnx("audit: cannot commit records (%s); refusing new "
		    "commands until the database takes writes again",
		    why == NULL ? "unknown error" : why);
	}
	audit_refused += failed;
	if (failed == 0 && ok != 0 && audit_failing) {
		audit_failing = 0;
		log_warnx("audit: records commit again; %llu record%s failed "
		    "meanwhile", (unsigned long long)audit_refused,
		    audit_refused == 1 ? "" : "s");
	}
}

/*
 * Log each recording's chunk of the batch that could not be committed: it
 * is lost, and its recording has a gap there, which --verify-audit
 * reports as chunks cut; its session is ended (recording_lost). Writer
 * thread, without the lock.
 */
static void
audit_chunks_lost(struct audit_reqs *batch)
{
	struct audit_req	*req;

	TAILQ_FOREACH(req, batch, entry) {
		if (req->type != AUDIT_CHUNK || req->rc == 0)
			continue;
		log_warnx("audit: chunk %llu of the recording of command %llu "
		    "is lost (%s): the recording has a gap there",
		    (unsigned long long)req->chunk->chunk,
		    (unsigned long long)req->chunk->id, req->cause == NULL ?
		    "unknown error" : req->cause);
		recording_lost(req->chunk->id, req->cause == NULL ?
		    "unknown error" : req->cause);
	}
}

/*
 * Commit a batch of requests in one transaction, with the forwarding
 * cursor if it moved. If a statement fails, retry each request alone, so
 * that one bad record does not sink the others; if no transaction can
 * begin at all (the database is locked past the busy timeout, read-only,
 * or broken), every request fails with that reason at once.
 */
static void
audit_commit(struct audit_reqs *batch, uint64_t cursor)
{
	struct audit_req	*req;
	struct chain_head	 saved = audit_chain;
	char			*cause = NULL;
	uint64_t		 stored = 0;
	int			 failed = 0;

	if (audit_step(audit_begin_stmt) != 0) {
		cause = audit_errmsg("begin");
		TAILQ_FOREACH(req, batch, entry) {
			req->rc = -1;
			req->cause = xstrdup(cause);
		}
		free(cause);
		return;
	}
	TAILQ_FOREACH(req, batch, entry) {
		if (audit_exec(req) != 0) {
			failed = 1;
			break;
		}
	}
	if (!failed && cursor > audit_cursor_written) {
		if (forward_cursor_write(audit_db, cursor, &cause) == 0)
			stored = cursor;
		free(cause);
		cause = NULL;
	}
	if (!failed && audit_step(audit_commit_stmt) == 0) {
		if (stored != 0)
			audit_cursor_written = stored;
		return;
	}

	sqlite3_exec(audit_db, "ROLLBACK", NULL, NULL, NULL);
	audit_chain = saved;
	TAILQ_FOREACH(req, batch, entry) {
		free(req->cause);
		req->cause = NULL;
		req->rc = -1;
		saved = audit_chain;
		if (audit_step(audit_begin_stmt) != 0) {
			req->cause = audit_errmsg("begin");
			continue;
		}
		if (audit_exec(req) == 0 &&
		    audit_step(audit_commit_stmt) == 0) {
			req->rc = 0;
			continue;
		}
		if (req->cause == NULL)
			req->cause = audit_errmsg("commit");
		sqlite3_exec(audit_db, "ROLLBACK", NULL, NULL, NULL);
		audit_chain = saved;
	}
}

/* Run BEGIN IMMEDIATE or COMMIT; return 0 or -1. Writer thread. */
static int
audit_step(sqlite3_stmt *stmt)
{
	int	rc;

	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/*
 * Run one of a request's writes and make the statement ready for the
 * next: return 0, or -1 with why (what failed) in req.
 */
static int
audit_write(sqlite3_stmt *stmt, struct audit_req *req, const char *what)
{
	int	rc;

	if ((rc = sqlite3_step(stmt)) != SQLITE_DONE)
		req->cause = audit_errmsg(what);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* Return an allocated description of the last SQLite error. */
static char *
audit_errmsg(const char *what)
{
	char	*s;

	xasprintf(&s, "audit %s failed: %s", what, sqlite3_errmsg(audit_db));
	return (s);
}

/*
 * Prepare a statement over the fields that have any of flags: head, their
 * names (each with " = ?" if update), mid, a "?" for each unless update,
 * and tail. Return 0, or -1.
 */
static int
audit_sql(const char *head, int flags, const char *mid, const char *tail,
    int update, sqlite3_stmt **stmt)
{
	char	*cols, *marks = NULL, *t, *sql;
	u_int	 i;
	int	 rc;

	cols = record_columns(flags, update ? " = ?" : "");
	for (i = 0; !update && i < record_nfields; i++) {
		if ((record_fields[i].flags & flags) == 0)
			continue;
		xasprintf(&t, "%s, ?", marks == NULL ? "" : marks);
		free(marks);
		marks = t;
	}
	xasprintf(&sql, "%s%s%s%s%s", head, cols, mid,
	    marks == NULL ? "" : marks, tail);
	free(marks);
	free(cols);
	rc = sqlite3_prepare_v3(audit_db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    stmt, NULL);
	free(sql);
	return (rc == SQLITE_OK ? 0 : -1);
}

/*
 * Bind the record's fields that have any of flags, in table order, from
 * parameter n on; return the next parameter's number.
 */
static int
audit_bind(sqlite3_stmt *stmt, int n, const struct cmd_record *rec,
    int flags)
{
	struct record_value	v;
	u_int			i;

	for (i = 0; i < record_nfields; i++) {
		if ((record_fields[i].flags & flags) == 0)
			continue;
		record_get(rec, i, &v);
		if (v.type == RECORD_INT)
			sqlite3_bind_int64(stmt, n, v.i);
		else if (v.type == RECORD_TEXT)
			sqlite3_bind_text(stmt, n, v.s, (int)v.len,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(stmt, n);
		n++;
	}
	return (n);
}

/* Run one request's statements, inside the writer's transaction. */
static int
audit_exec(struct audit_req *req)
{
	sqlite3_stmt	*stmt = audit_deny_stmt;
	struct timespec	 ts;
	char		 now[32];

	if (req->type == AUDIT_CHUNK)
		return (recording_chunk_write(audit_db, req->chunk,
		    &audit_chain, &req->cause));
	clock_gettime(CLOCK_REALTIME, &ts);
	text_time(&ts, now, sizeof now);
	if (req->type == AUDIT_BEGIN)
		return (audit_exec_begin(req, now));
	if (req->type == AUDIT_FINISH)
		return (audit_exec_finish(req, now));

	/* A refusal's row is final at once; both its events read it back. */
	sqlite3_bind_text(stmt, 1, now, -1, SQLITE_TRANSIENT);
	audit_bind(stmt, 2, req->rec, RECORD_AT_START | RECORD_AT_END);
	if (audit_write(stmt, req, "insert") != 0)
		return (-1);
	req->id = (uint64_t)sqlite3_last_insert_rowid(audit_db);
	if (chain_seal_start(audit_db, req->id, &audit_chain, req->hash,
	    &req->cause) != 0)
		return (-1);
	req->seq = audit_chain.seq;
	return (chain_seal_end(audit_db, req->id, &audit_chain, NULL,
	    &req->cause));
}

/*
 * Give each field of the row of record rec as the writer writes it: the
 * record's own, its id and its times (finished NULL at the start); the
 * caller adds the chain's links. The chain hashes these
 * rather than the row read back: they are the values just bound, and
 * SQLite keeps integers and text bound to these columns as they are.
 */
static void
audit_values(struct record_value *v, const struct cmd_record *rec,
    uint64_t id, const char *started, const char *finished)
{
	u_int	i;

	for (i = 0; i < RECORD_NFIELDS; i++)
		record_get(rec, i, &v[i]);
	v[RECORD_F_ID].type = RECORD_INT;
	v[RECORD_F_ID].i = (int64_t)id;
	v[RECORD_F_STARTED_AT].type = RECORD_TEXT;
	v[RECORD_F_STARTED_AT].s = started;
	v[RECORD_F_STARTED_AT].len = strlen(started);
	if (finished != NULL) {
		v[RECORD_F_FINISHED_AT].type = RECORD_TEXT;
		v[RECORD_F_FINISHED_AT].s = finished;
		v[RECORD_F_FINISHED_AT].len = strlen(finished);
	}
}

/*
 * Hash the event what (CHAIN_START or CHAIN_END) of req's row from its
 * values v, linked to the head, into hash (hex) and req->hash (raw).
 * Return 0, or -1 with why in req.
 */
static int
audit_hash(struct audit_req *req, const struct record_value *v, int what,
    char *hash)
{
	if (chain_hash_values(v, what, audit_chain.hash, hash, req->hash) == 0)
		return (0);
	xasprintf(&req->cause, "cannot hash audit row %llu",
	    (unsigned long long)req->id);
	return (-1);
}

/*
 * Insert a command's running row with its start chained: the event's
 * hash is taken from the values the row is inserted with, its id the
 * next one.
 */
static int
audit_exec_begin(struct audit_req *req, const char *now)
{
	sqlite3_stmt		*stmt = audit_next_stmt;
	struct record_value	 v[RECORD_NFIELDS];
	char			 hash[CHAIN_HASH_LEN + 1];
	uint64_t		 seq = audit_chain.seq + 1;
	int			 n, rc;

	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		req->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	else
		req->cause = audit_errmsg("insert");
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW)
		return (-1);

	audit_values(v, req->rec, req->id, now, NULL);
	v[RECORD_F_SEQ].type = RECORD_INT;
	v[RECORD_F_SEQ].i = (int64_t)seq;
	if (audit_hash(req, v, CHAIN_START, hash) != 0)
		return (-1);
	stmt = audit_insert_stmt;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)req->id);
	sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
	n = audit_bind(stmt, 3, req->rec, RECORD_AT_START);
	sqlite3_bind_int64(stmt, n++, (sqlite3_int64)seq);
	sqlite3_bind_text(stmt, n, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	if (audit_write(stmt, req, "insert") != 0)
		return (-1);
	strlcpy(req->started_at, now, sizeof req->started_at);
	audit_chain.seq = req->seq = seq;
	memcpy(audit_chain.hash, hash, sizeof audit_chain.hash);
	return (0);
}

/*
 * Make a command's row final and chain its end over the whole row, in one
 * statement: the end's hash is taken from the values the row will hold
 * (its start's as audit_exec_begin wrote them, kept in the record), then
 * written with them.
 */
static int
audit_exec_finish(struct audit_req *req, const char *now)
{
	sqlite3_stmt		*stmt = audit_update_stmt;
	struct cmd_record	 safe;
	struct record_value	 v[RECORD_NFIELDS];
	char			 hash[CHAIN_HASH_LEN + 1];
	char			 start_hash[CHAIN_HASH_LEN + 1];
	uint64_t		 seq = audit_chain.seq + 1;
	int			 n;

	if (req->rec->started_at[0] == '\0' || req->rec->seq == 0) {
		xasprintf(&req->cause, "audit row %llu is missing: its "
		    "start was not recorded here", (unsigned long long)req->id);
		return (-1);
	}
	/* The record as it ends, with its output made safe. */
	safe = *req->rec;
	safe.output = (char *)req->output;
	safe.output_len = req->output_len;
	audit_values(v, &safe, req->id, safe.started_at, now);
	record_hex(safe.hash, start_hash);
	v[RECORD_F_SEQ].type = RECORD_INT;
	v[RECORD_F_SEQ].i = (int64_t)safe.seq;
	v[RECORD_F_HASH].type = RECORD_TEXT;
	v[RECORD_F_HASH].s = start_hash;
	v[RECORD_F_HASH].len = CHAIN_HASH_LEN;
	v[RECORD_F_END_SEQ].type = RECORD_INT;
	v[RECORD_F_END_SEQ].i = (int64_t)seq;
	if (audit_hash(req, v, CHAIN_END, hash) != 0)
		return (-1);
	sqlite3_bind_text(stmt, 1, now, -1, SQLITE_STATIC);
	n = audit_bind(stmt, 2, &safe, RECORD_AT_END);
	sqlite3_bind_int64(stmt, n++, (sqlite3_int64)seq);
	sqlite3_bind_text(stmt, n++, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, n, (sqlite3_int64)req->id);
	if (audit_write(stmt, req, "update") != 0)
		return (-1);
	if (sqlite3_changes(audit_db) != 1) {
		xasprintf(&req->cause, "audit row %llu is missing",
		    (unsigned long long)req->id);
		return (-1);
	}
	audit_chain.seq = req->seq = seq;
	memcpy(audit_chain.hash, hash, sizeof audit_chain.hash);
	return (0);
}

/* Queue a request and sleep until the writer has committed it. */
static int
audit_submit(struct audit_req *req, char **cause)
{
	int	was_empty;

	if (!audit_running) {
		if (cause != NULL)
			*cause = xstrdup("the audit writer is not running");
		return (-1);
	}
	sem_init(&req->done, 0, 0);
	pthread_mutex_lock(&audit_lock);
	was_empty = TAILQ_EMPTY(&audit_queue);
	TAILQ_INSERT_TAIL(&audit_queue, req, entry);
	audit_counts.queued++;
	pthread_mutex_unlock(&audit_lock);
	/* A writer that is busy finds it queued when it looks again. */
	if (was_empty)
		pthread_cond_signal(&audit_wake);
	while (sem_wait(&req->done) == -1 && errno == EINTR)
		;
	sem_destroy(&req->done);
	if (req->rc != 0) {
		if (cause != NULL)
			*cause = req->cause;
		else
			free(req->cause);
		return (-1);
	}
	free(req->cause);
	return (0);
}

/* Free a refusal's request and its record. */
static void
audit_deny_free(struct audit_req *req)
{
	record_free((struct cmd_record *)req->rec);
	free(req->cause);
	free(req);
}

/*
 * Record a refused connection from peer as a final row with status denied
 * and the reason, sealed into the chain like any other. It does not wait:
 * the loop thread calls it, and the writer commits it with the next
 * batch. A failure to commit it is logged with the writer's failure
 * episode.
 */
void
audit_deny(const struct record_peer *peer, const char *reason)
{
	audit_deny_record(record_new_denied(peer, reason));
}

/*
 * Record a refused command: rec (status denied, with the reason and
 * whatever it says of the command and the rule) becomes a final row, as
 * audit_deny's. The writer frees it.
 */
void
audit_deny_record(struct cmd_record *rec)
{
	struct audit_req	*req;

	if (!audit_running) {
		record_free(rec);
		return;
	}
	req = xcalloc(1, sizeof *req);
	req->type = AUDIT_DENY;
	req->rec = rec;
	pthread_mutex_lock(&audit_lock);
	TAILQ_INSERT_TAIL(&audit_queue, req, entry);
	audit_counts.queued++;
	audit_counts.denied++;
	pthread_cond_signal(&audit_wake);
	pthread_mutex_unlock(&audit_lock);
}

/*
 * Queue a recording's chunk k, which the writer chains and frees, and do
 * not wait: the privileged part's loop thread calls it, and the queue
 * keeps its place before the end row. Return -1 (k still the caller's)
 * if the writer is not running or, unless force, the chunks queued would
 * pass RECORDING_QUEUE_MAX.
 */
int
audit_chunk(struct rec_chunk *k, int force)
{
	struct audit_req	*req;

	if (!audit_running)
		return (-1);
	pthread_mutex_lock(&audit_lock);
	if (!force && audit_chunk_bytes != 0 &&
	    audit_chunk_bytes + k->len > RECORDING_QUEUE_MAX) {
		pthread_mutex_unlock(&audit_lock);
		return (-1);
	}
	audit_chunk_bytes += k->len;
	req = xcalloc(1, sizeof *req);
	req->type = AUDIT_CHUNK;
	req->chunk = k;
	TAILQ_INSERT_TAIL(&audit_queue, req, entry);
	audit_counts.queued++;
	pthread_cond_signal(&audit_wake);
	pthread_mutex_unlock(&audit_lock);
	return (0);
}

/*
 * Commit a command's running row; its id, seq and hash go to the record.
 * Blocks; called from a worker thread, or the loop thread in
 * --single-thread mode.
 */
int
audit_begin(struct cmd_record *rec, char **cause)
{
	struct audit_req	req;

	memset(&req, 0, sizeof req);
	req.type = AUDIT_BEGIN;
	req.rec = rec;
	if (audit_submit(&req, cause) != 0)
		return (-1);
	rec->id = req.id;
	rec->seq = req.seq;
	memcpy(rec->hash, req.hash, sizeof rec->hash);
	memcpy(rec->started_at, req.started_at, sizeof rec->started_at);
	return (0);
}

/*
 * Commit how the command of record rec->id ended and seal the row into
 * the chain; its end_seq and end_hash go to the record. Blocks like
 * audit_begin. The output is made safe to read first, here on the
 * caller's thread rather than the writer's.
 */
int
audit_finish(struct cmd_record *rec, char **cause)
{
	struct audit_req	req;
	char			*text;
	int			 rc;

	memset(&req, 0, sizeof req);
	req.type = AUDIT_FINISH;
	req.rec = rec;
	req.id = rec->id;
	text = text_safe(rec->output, rec->output_len, &req.output_len);
	req.output = text;
	rc = audit_submit(&req, cause);
	free(text);
	if (rc != 0)
		return (-1);
	rec->end_seq = req.seq;
	memcpy(rec->end_hash, req.hash, sizeof rec->end_hash);
	return (0);
}

/*
 * Stop the writer once the queue is empty, and close the database. Called
 * at exit, after every job has finished. The retention and the failure
 * episode are forgotten, so that a database opened next starts afresh.
 */
void
audit_stop(void)
{
	if (audit_running) {
		pthread_mutex_lock(&audit_lock);
		audit_stopping = 1;
		pthread_cond_signal(&audit_wake);
		pthread_mutex_unlock(&audit_lock);
		pthread_join(audit_thread, NULL);
		audit_running = 0;
		audit_stopping = 0;
	}
	/* No writer thread is left to race with. */
	audit_retain_days = 0;
	audit_max_rows = 0;
	audit_prune_now = 0;
	audit_failing = 0;
	audit_refused = 0;
	audit_since_prune = 0;
	audit_cursor_want = audit_cursor_written = 0;
	audit_finalize();
	if (audit_db != NULL) {
		sqlite3_close(audit_db);
		audit_db = NULL;
	}
}

/* Return the chain's head as last committed. Any thread. */
void
audit_head(struct chain_head *head)
{
	pthread_mutex_lock(&audit_lock);
	*head = audit_chain_shared;
	pthread_mutex_unlock(&audit_lock);
}

/*
 * Set the retention: rows older than days (0: no limit) and rows beyond
 * the newest max_rows (0: no limit) are pruned by the writer. Loop thread.
 */
void
audit_set_retention(u_int days, uint64_t max_rows)
{
	pthread_mutex_lock(&audit_lock);
	audit_retain_days = days;
	audit_max_rows = max_rows;
	audit_prune_now = 1;
	pthread_cond_signal(&audit_wake);
	pthread_mutex_unlock(&audit_lock);
}
