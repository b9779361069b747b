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

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * A terminal session's recording, in the privileged part: what the
 * command printed (and, with SessionRecordInput, what was typed but not
 * at a password prompt), each piece timed on receipt from the command's
 * start, encoded as asciicast v2 events (cast.c) and handed to the audit
 * writer in chunks: before a chunk would pass RECORDING_CHUNK_MAX bytes, a
 * second after its first event, when the cap is reached, and at the end
 * before the end row (the writer's queue keeps that order). When the
 * writer's queue is full (RECORDING_QUEUE_MAX), the chunk is held and the
 * command's output waits (recording_blocked), rather than going
 * unrecorded. The writer chains each chunk as it inserts it
 * (recording_chunk_write), so that what was recorded is in the chain
 * while the session still runs. A chunk the writer cannot commit is
 * reported back (recording_lost, from the writer thread), and the
 * session is ended at once by its owner's lost callback: a terminal does
 * not go on unrecorded. Everything but recording_chunk_write,
 * recording_lost and recording_finalize runs on the privileged part's
 * loop thread.
 */

/*
 * The chunks lost, from the writer thread to the loop: at most
 * RECORDING_LOST_MAX waiting (past that, every session is ended, since
 * which ones lost a chunk is not known), under recording_lost_lock.
 */
#define RECORDING_LOST_MAX	64
struct recording_lost_entry {
	uint64_t	 id;
	char		*why;
};
static pthread_mutex_t			recording_lost_lock =
    PTHREAD_MUTEX_INITIALIZER;
static struct recording_lost_entry	recording_lost_list[RECORDING_LOST_MAX];
static u_int				recording_nlost;
static int				recording_lost_all;
static struct event			*recording_lost_ev;

static uint64_t	recording_us(const struct recording *);
static void	recording_timer_cb(int, short, void *);
static size_t	recording_take(struct recording *, size_t);
static void	recording_arm(struct recording *);
static void	recording_room(struct recording *, size_t);
static void	recording_take_out(struct recording *, struct rec_chunk *);
static struct rec_chunk *recording_chunk_make(struct recording *);
static void	recording_flush(struct recording *, int);
static void	recording_retry_cb(int, short, void *);
static int	recording_queue(struct recording *, struct rec_chunk *, int);
static void	recording_lost_cb(int, short, void *);
static void	recording_event(struct recording *, char, const void *,
		    size_t, u_char *, size_t *);

struct recording {
	uint64_t	 id;
	uint64_t	 start_seq;
	struct timespec	 t0;		/* the command's start, monotonic */
	size_t		 max;		/* SessionRecordMax */
	size_t		 bytes;		/* recorded so far */
	int		 input;		/* SessionRecordInput */
	int		 closed;	/* the last chunk has gone */
	int		 capped;	/* SessionRecordMax reached */
	uint64_t	 chunk;		/* the next chunk's number */
	struct cast_out	 out;		/* the chunk being filled */
	u_char		 pend_o[4];	/* a character cut, output */
	size_t		 npend_o;
	u_char		 pend_i[4];	/* and input */
	size_t		 npend_i;
	struct event	*timer;
	struct rec_chunk *held;		/* the writer had no room */
	struct event	*retry;
	void		(*resume)(void *);
	void		(*lost)(void *, const char *);
	int		 lost_said;	/* lost called */
	void		*arg;
	TAILQ_ENTRY(recording) entry;
};

/* The recordings that run (loop thread). */
static TAILQ_HEAD(, recording)		recordings =
    TAILQ_HEAD_INITIALIZER(recordings);

/* The writer's INSERT of a chunk, and its database (writer thread). */
static sqlite3		*recording_db;
static sqlite3_stmt	*recording_insert;

/*
 * Start the recording of row id, whose start is seq start_seq in the
 * chain: at most max bytes, what is typed too if input. The clock starts
 * now. When the writer has no room for a chunk (recording_blocked), the
 * caller stops feeding the recording, and resume(arg) is called once the
 * chunk is queued.
 */
struct recording *
recording_new(uint64_t id, uint64_t start_seq, size_t max, int input,
    void (*resume)(void *), void *arg)
{
	struct recording	*r;

	r = xcalloc(1, sizeof *r);
	r->id = id;
	r->start_seq = start_seq;
	r->max = max;
	r->input = input;
	r->resume = resume;
	r->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->timer = evtimer_new(privsep_base, recording_timer_cb, r);
	r->retry = evtimer_new(privsep_base, recording_retry_cb, r);
	if (r->timer == NULL || r->retry == NULL)
		fatalx("recording: evtimer_new");
	if (recording_lost_ev == NULL &&
	    (recording_lost_ev = event_new(privsep_base, -1, 0,
	    recording_lost_cb, NULL)) == NULL)
		fatalx("recording: event_new");
	TAILQ_INSERT_TAIL(&recordings, r, entry);
	return (r);
}

/*
 * Call lost(arg, why) once if a chunk of the recording cannot be
 * committed: the caller ends the session.
 */
void
recording_on_lost(struct recording *r, void (*lost)(void *, const char *))
{
	r->lost = lost;
}

/*
 * A chunk of the recording of row id could not be committed, for why:
 * tell the loop, which ends the session. Writer thread.
 */
void
recording_lost(uint64_t id, const char *why)
{
	struct recording_lost_entry	*e;

	pthread_mutex_lock(&recording_lost_lock);
	if (recording_nlost == RECORDING_LOST_MAX)
		recording_lost_all = 1;
	else {
		e = &recording_lost_list[recording_nlost++];
		e->id = id;
		e->why = xstrdup(why);
	}
	pthread_mutex_unlock(&recording_lost_lock);
	if (recording_lost_ev != NULL)
		event_active(recording_lost_ev, 0, 0);
}

/* Say to each session whose recording lost a chunk that it did. */
static void
recording_lost_cb(int fd, short events, void *arg)
{
	struct recording_lost_entry	 list[RECORDING_LOST_MAX];
	struct recording		*r;
	u_int				 n, i;
	int				 all;

	(void)fd;
	(void)events;
	(void)arg;
	pthread_mutex_lock(&recording_lost_lock);
	n = recording_nlost;
	memcpy(list, recording_lost_list, n * sizeof list[0]);
	recording_nlost = 0;
	all = recording_lost_all;
	recording_lost_all = 0;
	pthread_mutex_unlock(&recording_lost_lock);
	TAILQ_FOREACH(r, &recordings, entry) {
		if (r->lost == NULL || r->lost_said)
			continue;
		for (i = 0; i < n; i++) {
			if (list[i].id == r->id)
				break;
		}
		if (i == n && !all)
			continue;
		r->lost_said = 1;
		r->lost(r->arg, i < n ? list[i].why : "chunks of several "
		    "recordings were lost");
	}
	for (i = 0; i < n; i++)
		free(list[i].why);
}

/*
 * Is the recording waiting for room in the writer's queue? Then the
 * caller reads no more of the command's output: the network part then
 * waits, and the command with it, as for a slow client, so that nothing
 * goes unrecorded and memory stays bounded.
 */
int
recording_blocked(const struct recording *r)
{
	return (r != NULL && r->held != NULL);
}

/* Try the held chunk again; once it is queued, resume the caller. */
static void
recording_retry_cb(int fd, short events, void *arg)
{
	struct recording	*r = arg;
	struct rec_chunk	*k = r->held;

	(void)fd;
	(void)events;
	if (k == NULL)
		return;
	r->held = NULL;
	if (recording_queue(r, k, 0) != 0)
		return;		/* held again, and the timer armed */
	if (r->resume != NULL)
		r->resume(r->arg);
}

/*
 * Queue chunk k for the writer, or hold it (and try again in 10 ms) if
 * the writer's queue is full, unless force. Return 0 if queued.
 */
static int
recording_queue(struct recording *r, struct rec_chunk *k, int force)
{
	struct timeval	tv;

	if (audit_chunk(k, force) == 0)
		return (0);
	if (force) {
		log_warnx("command %llu: the audit writer is not running: "
		    "a chunk of its recording is lost",
		    (unsigned long long)r->id);
		recording_chunk_free(k);
		return (0);
	}
	r->held = k;
	if (!evtimer_pending(r->retry, NULL)) {
		tv.tv_sec = 0;
		tv.tv_usec = 10000;
		evtimer_add(r->retry, &tv);
	}
	return (-1);
}

/* Microseconds since the start. */
static uint64_t
recording_us(const struct recording *r)
{
	struct timespec	now;
	int64_t		us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (int64_t)(now.tv_sec - r->t0.tv_sec) * 1000000 +
	    (now.tv_nsec - r->t0.tv_nsec) / 1000;
	return (us < 0 ? 0 : (uint64_t)us);
}

/* A chunk has waited a second: write it. */
static void
recording_timer_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	recording_flush(arg, 0);
}

/*
 * Return how many of len bytes fit under the cap; past it, end the
 * recording (after the caller's event) as truncated.
 */
static size_t
recording_take(struct recording *r, size_t len)
{
	if (r->max - r->bytes >= len) {
		r->bytes += len;
		return (len);
	}
	len = r->max - r->bytes;
	r->bytes = r->max;
	return (len);
}

/* The command printed data: record it. */
void
recording_output(struct recording *r, const void *data, size_t len)
{
	if (r == NULL || r->closed || len == 0)
		return;
	recording_event(r, 'o', data, len, r->pend_o, &r->npend_o);
}

/*
 * Add an event of type (o, i) with what fits of len bytes under the cap,
 * a character cut at the end kept in pend; end the recording past the
 * cap, or see that the chunk goes in time.
 */
static void
recording_event(struct recording *r, char type, const void *data, size_t len,
    u_char *pend, size_t *npend)
{
	size_t	keep;

	keep = recording_take(r, len);
	recording_room(r, keep);
	if (keep != 0)
		cast_event(&r->out, recording_us(r), type, data, keep, 0,
		    pend, npend);
	if (keep < len)
		recording_flush(r, 1);
	else
		recording_arm(r);
}

/*
 * Make room for an event of len bytes: the recording's buffer is made
 * once, as large as a chunk may grow, and kept (grown by doubling, or
 * made anew for each chunk, its pages were mapped and faulted in again
 * and again); a chunk that an event of about len would take past
 * RECORDING_CHUNK_MAX is written first, so that chunks stay below the
 * size malloc maps on its own (rcmdd.c), for them and for SQLite's
 * record of them.
 */
static void
recording_room(struct recording *r, size_t len)
{
	if (r->out.size == 0) {
		r->out.size = RECORDING_CHUNK_MAX + 7 * PRIVSEP_OUTPUT_CHUNK;
		r->out.buf = xmalloc(r->out.size);
	}
	if (r->out.len != 0 && r->out.len + len + len / 8 + 64 >
	    RECORDING_CHUNK_MAX)
		recording_flush(r, 0);
}

/* Move the events gathered into chunk k, at their size. */
static void
recording_take_out(struct recording *r, struct rec_chunk *k)
{
	k->len = r->out.len;
	k->data = xmalloc(k->len + 1);
	memcpy(k->data, r->out.buf, k->len);
	r->out.len = 0;
}

/* Write a full chunk now, or one just begun in a second at most. */
static void
recording_arm(struct recording *r)
{
	struct timeval	tv;

	if (r->out.len >= RECORDING_CHUNK_MAX) {
		recording_flush(r, 0);
		return;
	}
	if (evtimer_pending(r->timer, NULL))
		return;
	tv.tv_sec = RECORDING_FLUSH_MS / 1000;
	tv.tv_usec = (RECORDING_FLUSH_MS % 1000) * 1000;
	evtimer_add(r->timer, &tv);
}

/*
 * Bytes were typed: record them if input is recorded and echo says the
 * terminal was not reading a line without echo (a password: it is left
 * out, as sudo leaves it out).
 */
void
recording_input(struct recording *r, const void *data, size_t len, int echo)
{
	if (r == NULL || r->closed || !r->input || !echo || len == 0)
		return;
	recording_event(r, 'i', data, len, r->pend_i, &r->npend_i);
}

/* The window changed size: an "r" event, as "COLSxROWS". */
void
recording_resize(struct recording *r, u_int rows, u_int cols)
{
	char	size[32];
	u_char	none[4];
	size_t	nnone = 0;
	int	n;

	if (r == NULL || r->closed)
		return;
	n = snprintf(size, sizeof size, "%ux%u", cols, rows);
	/* Counted as output is: a flood of resizes cannot pass the cap. */
	if (recording_take(r, (size_t)n) != (size_t)n) {
		recording_flush(r, 1);
		return;
	}
	recording_room(r, (size_t)n);
	cast_event(&r->out, recording_us(r), 'r', size, (size_t)n, 1, none,
	    &nnone);
	recording_arm(r);
}

/*
 * The events gathered as the recording's next chunk, marked truncated if
 * the cap was reached.
 */
static struct rec_chunk *
recording_chunk_make(struct recording *r)
{
	struct rec_chunk	*k;

	k = xcalloc(1, sizeof *k);
	k->id = r->id;
	k->start_seq = r->start_seq;
	k->chunk = r->chunk++;
	k->truncated = r->capped;
	recording_take_out(r, k);
	return (k);
}

/*
 * Hand the events gathered to the audit writer as the next chunk; if last
 * (the cap was reached), it is the last, marked truncated. While a chunk
 * is held for room, the events gather on.
 */
static void
recording_flush(struct recording *r, int last)
{
	struct rec_chunk	*k;

	evtimer_del(r->timer);
	/* The cap, once reached, marks the next chunk to go: the last. */
	if (last)
		r->capped = 1;
	if (r->closed || r->held != NULL || (r->out.len == 0 && !r->capped))
		return;
	k = recording_chunk_make(r);
	if (r->capped)
		r->closed = 1;
	recording_queue(r, k, 0);
}

/*
 * The command is over: its last chunks go to the writer, ahead of its end
 * row, room or not (one held, and what gathered since). A character cut
 * at the very end becomes U+FFFD.
 */
void
recording_end(struct recording *r)
{
	struct rec_chunk	*k;
	u_char			 none[4];

	if (r == NULL)
		return;
	evtimer_del(r->retry);
	evtimer_del(r->timer);
	if ((k = r->held) != NULL) {
		r->held = NULL;
		recording_queue(r, k, 1);
	}
	if (r->closed)
		return;
	if (r->npend_o != 0)
		cast_event(&r->out, recording_us(r), 'o', none, 0, 1,
		    r->pend_o, &r->npend_o);
	if (r->npend_i != 0)
		cast_event(&r->out, recording_us(r), 'i', none, 0, 1,
		    r->pend_i, &r->npend_i);
	r->closed = 1;
	if (r->out.len == 0 && !r->capped)
		return;
	k = recording_chunk_make(r);
	recording_queue(r, k, 1);
}

/* Free a recording; what it had not handed over is lost. */
void
recording_free(struct recording *r)
{
	if (r == NULL)
		return;
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->retry != NULL)
		event_free(r->retry);
	TAILQ_REMOVE(&recordings, r, entry);
	recording_chunk_free(r->held);
	cast_out_free(&r->out);
	free(r);
}

/* Free a chunk. */
void
recording_chunk_free(struct rec_chunk *k)
{
	if (k == NULL)
		return;
	free(k->data);
	free(k);
}

/* Finalize the chunks' INSERT, before the database closes. Writer thread. */
void
recording_finalize(void)
{
	sqlite3_finalize(recording_insert);
	recording_insert = NULL;
	recording_db = NULL;
}

/*
 * Insert chunk k and chain it: the next seq after head, its hash over its
 * fields linked to head's. Audit writer thread, inside its transaction;
 * on failure the caller rolls back and restores the head.
 */
int
recording_chunk_write(sqlite3 *db, const struct rec_chunk *k,
    struct chain_head *head, char **cause)
{
	sqlite3_stmt	*stmt;
	char		 hash[CHAIN_HASH_LEN + 1];
	uint64_t	 seq = head->seq + 1;
	const char	*data = k->data == NULL ? "" : k->data;

	if (chain_chunk_hash(head->hash, seq, k->id, k->start_seq, k->chunk,
	    data, k->len, k->truncated, hash) != 0) {
		xasprintf(cause, "cannot hash a chunk of the recording of "
		    "row %llu", (unsigned long long)k->id);
		return (-1);
	}
	/* Prepared once for the writer's database. */
	if (db != recording_db) {
		recording_finalize();
		if (sqlite3_prepare_v3(db, "INSERT INTO recording (seq, "
		    "command_id, start_seq, chunk, data, truncated, hash) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?)", -1,
		    SQLITE_PREPARE_PERSISTENT, &recording_insert, NULL) !=
		    SQLITE_OK) {
			*cause = chain_error(db, "cannot insert a recording's "
			    "chunk");
			return (-1);
		}
		recording_db = db;
	}
	stmt = recording_insert;
	sqlite3_bind_int64(stmt, 1, (sqlite3_int64)seq);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)k->id);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)k->start_seq);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)k->chunk);
	sqlite3_bind_text(stmt, 5, data, (int)k->len, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 6, k->truncated);
	sqlite3_bind_text(stmt, 7, hash, CHAIN_HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		*cause = chain_error(db, "cannot insert a recording's chunk");
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		return (-1);
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	head->seq = seq;
	memcpy(head->hash, hash, CHAIN_HASH_LEN + 1);
	return (0);
}
