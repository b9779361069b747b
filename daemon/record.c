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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The record of a command, and its one serialisation: record_fields names
 * each field as the column of the table commands that holds it, in the
 * table's order, with where it is written and which chain events hash
 * it; record_get gives its typed value from a record. The audit writer
 * builds its statements and binds its values from them, the chain derives
 * the fields of its events from them, and the export its columns; a new
 * column is a new entry here, a case in record_get, and the migration.
 *
 * The writer and the chain fill id, the times, seq, hash, end_seq,
 * end_hash and chain_version in the row: they have no flags to write.
 */

const struct record_field record_fields[] = {
	{ "id", RECORD_CHAIN_START | RECORD_CHAIN_END },
	{ "started_at", RECORD_CHAIN_START | RECORD_CHAIN_END },
	{ "finished_at", RECORD_CHAIN_END },
	{ "client_addr", RECORD_AT_START | RECORD_CHAIN_START |
	    RECORD_CHAIN_END },
	{ "client_port", RECORD_AT_START | RECORD_CHAIN_START |
	    RECORD_CHAIN_END },
	{ "client_name", RECORD_AT_START | RECORD_CHAIN_START |
	    RECORD_CHAIN_END },
	{ "identity", RECORD_AT_START | RECORD_CHAIN_START |
	    RECORD_CHAIN_END },
	{ "fingerprint", RECORD_AT_START | RECORD_CHAIN_START |
	    RECORD_CHAIN_END },
	{ "command", RECORD_AT_START | RECORD_CHAIN_START |
	    RECORD_CHAIN_END },
	{ "status", RECORD_AT_END | RECORD_CHAIN_END },
	{ "exit_code", RECORD_AT_END | RECORD_CHAIN_END },
	{ "signal", RECORD_AT_END | RECORD_CHAIN_END },
	{ "duration_ms", RECORD_AT_END | RECORD_CHAIN_END },
	{ "output", RECORD_AT_END | RECORD_CHAIN_END },
	{ "output_bytes", RECORD_AT_END | RECORD_CHAIN_END },
	{ "truncated", RECORD_AT_END | RECORD_CHAIN_END },
	{ "reason", RECORD_AT_END | RECORD_CHAIN_END },
	{ "seq", 0 },
	{ "hash", 0 },
	{ "end_seq", 0 },
	{ "end_hash", 0 },
	{ "chain_version", 0 }
};
const u_int record_nfields = sizeof record_fields / sizeof record_fields[0];

static char	*record_strdup(const char *);
static void	 record_text(struct record_value *, const char *, size_t);
static void	 record_int(struct record_value *, int64_t);

/* Return a copy of s, or NULL for none. */
static char *
record_strdup(const char *s)
{
	return (s == NULL ? NULL : xstrdup(s));
}

/*
 * Start the record of a command from its connection's peer and the
 * command's bytes (len of them, no NUL among them). Loop thread.
 */
struct cmd_record *
record_new(const struct record_peer *peer, const char *command, size_t len)
{
	struct cmd_record	*rec;

	rec = xcalloc(1, sizeof *rec);
	strlcpy(rec->peer.client_addr, peer->client_addr,
	    sizeof rec->peer.client_addr);
	rec->peer.client_port = peer->client_port;
	rec->peer.client_name = record_strdup(peer->client_name);
	rec->peer.identity = record_strdup(peer->identity);
	rec->peer.fingerprint = record_strdup(peer->fingerprint);
	rec->command = xmalloc(len + 1);
	memcpy(rec->command, command, len);
	rec->command[len] = '\0';
	rec->command_len = len;
	return (rec);
}

/*
 * Build the record of a refusal: a final row with status denied, the
 * peer, an empty command and why. It names no client name: a refusal is
 * recorded for the connection, not for what its HELLO said.
 */
struct cmd_record *
record_new_denied(const struct record_peer *peer, const char *why)
{
	struct cmd_record	*rec;

	rec = record_new(peer, "", 0);
	free(rec->peer.client_name);
	rec->peer.client_name = NULL;
	rec->status = "denied";
	rec->reason = xstrdup(why);
	return (rec);
}

/* Free the strings a peer holds. */
void
record_peer_clear(struct record_peer *peer)
{
	free(peer->client_name);
	free(peer->identity);
	free(peer->fingerprint);
	peer->client_name = peer->identity = peer->fingerprint = NULL;
}

/* Free a record and what it holds. */
void
record_free(struct cmd_record *rec)
{
	if (rec == NULL)
		return;
	record_peer_clear(&rec->peer);
	free(rec->command);
	free(rec->output);
	free(rec->reason);
	free(rec);
}

/* Put a text value, or NULL for none, in v. */
static void
record_text(struct record_value *v, const char *s, size_t len)
{
	if (s == NULL)
		return;
	v->type = RECORD_TEXT;
	v->s = s;
	v->len = len;
}

/* Put an integer value in v. */
static void
record_int(struct record_value *v, int64_t i)
{
	v->type = RECORD_INT;
	v->i = i;
}

/*
 * Give field i of the record as it is written to the row: NULL where the
 * record has none. The fields the writer and the chain fill are NULL
 * here. Any thread; the record must not change meanwhile.
 */
void
record_get(const struct cmd_record *rec, u_int i, struct record_value *v)
{
	const struct record_peer	*p = &rec->peer;

	memset(v, 0, sizeof *v);
	switch (i) {
	case RECORD_F_CLIENT_ADDR:
		record_text(v, p->client_addr, strlen(p->client_addr));
		break;
	case RECORD_F_CLIENT_PORT:
		if (p->client_port >= 0)
			record_int(v, p->client_port);
		break;
	case RECORD_F_CLIENT_NAME:
		if (p->client_name != NULL)
			record_text(v, p->client_name, strlen(p->client_name));
		break;
	case RECORD_F_IDENTITY:
		if (p->identity != NULL)
			record_text(v, p->identity, strlen(p->identity));
		break;
	case RECORD_F_FINGERPRINT:
		if (p->fingerprint != NULL)
			record_text(v, p->fingerprint, strlen(p->fingerprint));
		break;
	case RECORD_F_COMMAND:
		record_text(v, rec->command, rec->command_len);
		break;
	case RECORD_F_STATUS:
		if (rec->status != NULL)
			record_text(v, rec->status, strlen(rec->status));
		break;
	case RECORD_F_EXIT_CODE:
		if (rec->has_exit_code)
			record_int(v, rec->exit_code);
		break;
	case RECORD_F_SIGNAL:
		if (rec->has_signal)
			record_int(v, rec->signal);
		break;
	case RECORD_F_DURATION_MS:
		record_int(v, (int64_t)rec->duration_ms);
		break;
	case RECORD_F_OUTPUT:
		record_text(v, rec->output, rec->output_len);
		break;
	case RECORD_F_OUTPUT_BYTES:
		record_int(v, (int64_t)rec->output_bytes);
		break;
	case RECORD_F_TRUNCATED:
		record_int(v, rec->truncated ? 1 : 0);
		break;
	case RECORD_F_REASON:
		if (rec->reason != NULL)
			record_text(v, rec->reason, strlen(rec->reason));
		break;
	}
}

/*
 * Return the names of the fields that have any of flags (all fields if
 * flags is 0), each followed by suffix (as " = ?" for an UPDATE), joined
 * with ", ", as an allocated string.
 */
char *
record_columns(int flags, const char *suffix)
{
	char	*s = NULL, *t;
	u_int	 i;

	for (i = 0; i < record_nfields; i++) {
		if (flags != 0 && (record_fields[i].flags & flags) == 0)
			continue;
		xasprintf(&t, "%s%s%s%s", s == NULL ? "" : s,
		    s == NULL ? "" : ", ", record_fields[i].name, suffix);
		free(s);
		s = t;
	}
	return (s == NULL ? xstrdup("") : s);
}

/* Write a raw hash as lowercase hex, NUL-terminated (CHAIN_HASH_LEN + 1). */
void
record_hex(const uint8_t *hash, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	u_int			i;

	for (i = 0; i < RECORD_HASH_LEN; i++) {
		out[2 * i] = hex[hash[i] >> 4];
		out[2 * i + 1] = hex[hash[i] & 0xf];
	}
	out[2 * RECORD_HASH_LEN] = '\0';
}
