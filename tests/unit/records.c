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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rcmdd.h"
#include "records.h"
#include "xmalloc.h"

/*
 * The audit writer's calls as the unit tests make them: a record on the
 * stack, its id given and taken apart from it, and the row's end hash as
 * hex, as the chain stores it; and the records the tests fill in.
 */

/*
 * The daemon ends a command with the record it began, which the writer
 * hashes whole; the tests end one with a record of its end alone. So each
 * row begun keeps a copy of its record as begun (its strings its own),
 * which records_finish completes with the end, until records_forget.
 */
struct records_start {
	struct cmd_record		 rec;
	TAILQ_ENTRY(records_start)	 entry;
};
static TAILQ_HEAD(records_starts, records_start) records_starts =
    TAILQ_HEAD_INITIALIZER(records_starts);
static pthread_mutex_t	records_lock = PTHREAD_MUTEX_INITIALIZER;

static char	*records_dup(const char *);
static void	 records_start_free(struct records_start *);

/* Return a copy of s, or NULL for none. */
static char *
records_dup(const char *s)
{
	return (s == NULL ? NULL : xstrdup(s));
}

/* Free a kept start and the strings it owns. */
static void
records_start_free(struct records_start *k)
{
	free(k->rec.peer.client_name);
	free(k->rec.peer.identity);
	free(k->rec.peer.fingerprint);
	free(k->rec.command);
	free(k->rec.run_as);
	free(k->rec.argv);
	free(k->rec.ticket);
	free(k->rec.cwd);
	free(k->rec.rule);
	free(k->rec.terminal);
	free(k);
}

/* Commit the running row of r; its id goes to id. */
int
records_begin(struct cmd_record *r, uint64_t *id, char **cause)
{
	struct records_start	*k;
	struct cmd_record	*c;

	if (audit_begin(r, cause) != 0)
		return (-1);
	*id = r->id;

	k = xcalloc(1, sizeof *k);
	c = &k->rec;
	c->peer = r->peer;
	c->peer.client_name = records_dup(r->peer.client_name);
	c->peer.identity = records_dup(r->peer.identity);
	c->peer.fingerprint = records_dup(r->peer.fingerprint);
	c->command = xmalloc(r->command_len + 1);
	memcpy(c->command, r->command, r->command_len);
	c->command[r->command_len] = '\0';
	c->command_len = r->command_len;
	c->run_as = records_dup(r->run_as);
	c->mode = r->mode;	/* a literal */
	c->argv = records_dup(r->argv);
	c->ticket = records_dup(r->ticket);
	c->cwd = records_dup(r->cwd);
	c->rule = records_dup(r->rule);
	c->terminal = records_dup(r->terminal);
	c->id = r->id;
	c->seq = r->seq;
	memcpy(c->hash, r->hash, sizeof c->hash);
	memcpy(c->started_at, r->started_at, sizeof c->started_at);
	pthread_mutex_lock(&records_lock);
	TAILQ_INSERT_TAIL(&records_starts, k, entry);
	pthread_mutex_unlock(&records_lock);
	return (0);
}

/*
 * Commit how command id ended, as r says, with the start it was begun
 * with (none if records_begin did not begin it); the row's hash goes to
 * hash (CHAIN_HASH_LEN + 1 bytes) as hex unless that is NULL.
 */
int
records_finish(uint64_t id, struct cmd_record *r, char *hash, char **cause)
{
	struct records_start	*k;
	struct cmd_record	 full;

	memset(&full, 0, sizeof full);
	pthread_mutex_lock(&records_lock);
	TAILQ_FOREACH_REVERSE(k, &records_starts, records_starts, entry) {
		if (k->rec.id == id) {
			full = k->rec;
			break;
		}
	}
	pthread_mutex_unlock(&records_lock);
	full.id = id;
	full.status = r->status;
	full.has_exit_code = r->has_exit_code;
	full.exit_code = r->exit_code;
	full.has_signal = r->has_signal;
	full.signal = r->signal;
	full.duration_ms = r->duration_ms;
	full.output = r->output;
	full.output_len = r->output_len;
	full.output_bytes = r->output_bytes;
	full.truncated = r->truncated;
	full.reason = r->reason;
	full.end_seq = 0;
	r->id = id;
	r->end_seq = 0;
	if (audit_finish(&full, cause) != 0)
		return (-1);
	r->end_seq = full.end_seq;
	memcpy(r->end_hash, full.end_hash, sizeof r->end_hash);
	if (hash != NULL)
		record_hex(r->end_hash, hash);
	return (0);
}

/* Forget the starts kept: the fixture's database is gone. */
void
records_forget(void)
{
	struct records_start	*k;

	pthread_mutex_lock(&records_lock);
	while ((k = TAILQ_FIRST(&records_starts)) != NULL) {
		TAILQ_REMOVE(&records_starts, k, entry);
		records_start_free(k);
	}
	pthread_mutex_unlock(&records_lock);
}

/*
 * Fill in r as the record of command from a client on 127.0.0.1 with no
 * other field; the test sets what else it needs.
 */
void
records_fill(struct cmd_record *r, const char *command)
{
	memset(r, 0, sizeof *r);
	strlcpy(r->peer.client_addr, "127.0.0.1", sizeof r->peer.client_addr);
	r->command = (char *)command;
	r->command_len = strlen(command);
}

/* Fill in r as the end of a command that exited with code and output. */
void
records_exited(struct cmd_record *r, int code, const char *output)
{
	memset(r, 0, sizeof *r);
	r->status = "exited";
	r->has_exit_code = 1;
	r->exit_code = code;
	if (output != NULL) {
		r->output = (char *)output;
		r->output_len = strlen(output);
		r->output_bytes = r->output_len;
	}
}
