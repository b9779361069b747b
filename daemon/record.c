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

#include <signal.h>
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
	{ "chain_version", 0 },
	{ "run_as", RECORD_AT_START | RECORD_CHAIN_START | RECORD_CHAIN_END },
	{ "mode", RECORD_AT_START | RECORD_CHAIN_START | RECORD_CHAIN_END },
	{ "argv", RECORD_AT_START | RECORD_CHAIN_START | RECORD_CHAIN_END },
	{ "ticket", RECORD_AT_START | RECORD_CHAIN_START | RECORD_CHAIN_END },
	{ "cwd", RECORD_AT_START | RECORD_CHAIN_START | RECORD_CHAIN_END },
	{ "rule", RECORD_AT_START | RECORD_CHAIN_START | RECORD_CHAIN_END },
	{ "terminal", RECORD_AT_START | RECORD_CHAIN_START |
	    RECORD_CHAIN_END }
};
const u_int record_nfields = sizeof record_fields / sizeof record_fields[0];

static char	*record_strdup(const char *);
static void	 record_words_free(struct cmd_record *);
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
	free(rec->run_as);
	record_words_free(rec);
	free(rec->ticket);
	free(rec->cwd);
	free(rec->rule);
	free(rec->terminal);
	free(rec);
}

/* Free a record's vector, its renderings and its program. */
static void
record_words_free(struct cmd_record *rec)
{
	u_int	i;

	for (i = 0; i < rec->nwords; i++)
		free(rec->words[i]);
	free(rec->words);
	free(rec->argv);
	free(rec->program);
	rec->words = NULL;
	rec->nwords = 0;
	rec->argv = rec->program = NULL;
}

/*
 * Make rec an argument vector's (argv mode): it takes words (n of them,
 * allocated) and renders them for the row: argv as a JSON array, command
 * as the words shell-quoted and joined, so that queries on command keep
 * working.
 */
void
record_set_words(struct cmd_record *rec, char **words, u_int n)
{
	record_words_free(rec);
	rec->words = words;
	rec->nwords = n;
	rec->mode = "argv";
	rec->argv = record_argv_json(words, n);
	free(rec->command);
	rec->command = record_argv_command(words, n);
	rec->command_len = strlen(rec->command);
}

/* Note the rule that decided, as "FILE:LINE: TEXT" (NULL: none). */
void
record_set_rule(struct cmd_record *rec, const struct allow_rule *rule)
{
	free(rec->rule);
	rec->rule = NULL;
	if (rule == NULL)
		return;
	if (rule->file != NULL)
		xasprintf(&rec->rule, "%s:%u: %s", rule->file, rule->line,
		    rule->text);
	else
		rec->rule = xstrdup(rule->text);
}

/*
 * Render a vector as a JSON array of strings: '"', '\\' and control
 * characters escaped, every other byte as received.
 */
char *
record_argv_json(char *const *words, u_int n)
{
	const unsigned char	*c;
	char			*out, *o;
	size_t			 size = 3;
	u_int			 i;

	for (i = 0; i < n; i++)
		size += 3 + 6 * strlen(words[i]);
	o = out = xmalloc(size);
	*o++ = '[';
	for (i = 0; i < n; i++) {
		if (i != 0)
			*o++ = ',';
		*o++ = '"';
		for (c = (const unsigned char *)words[i]; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\') {
				*o++ = '\\';
				*o++ = (char)*c;
			} else if (*c < 0x20 || *c == 0x7f)
				o += snprintf(o, 7, "\\u%04x", *c);
			else
				*o++ = (char)*c;
		}
		*o++ = '"';
	}
	*o++ = ']';
	*o = '\0';
	return (out);
}

/*
 * Render a vector as one line a shell would split back into it: a word
 * of only safe characters as it is, any other in single quotes (a quote
 * in it as '\\''), an empty one as ''.
 */
char *
record_argv_command(char *const *words, u_int n)
{
	const char	*c;
	char		*out, *o;
	size_t		 size = 1;
	u_int		 i;
	int		 plain;

	for (i = 0; i < n; i++)
		size += 3 + 4 * strlen(words[i]);
	o = out = xmalloc(size);
	for (i = 0; i < n; i++) {
		if (i != 0)
			*o++ = ' ';
		plain = words[i][0] != '\0';
		for (c = words[i]; *c != '\0' && plain; c++) {
			if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789"
			    "_@%+=:,./-", *c) == NULL)
				plain = 0;
		}
		if (plain) {
			o = stpcpy(o, words[i]);
			continue;
		}
		*o++ = '\'';
		for (c = words[i]; *c != '\0'; c++) {
			if (*c == '\'') {
				o = stpcpy(o, "'\\''");
				continue;
			}
			*o++ = *c;
		}
		*o++ = '\'';
	}
	*o = '\0';
	return (out);
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
	case RECORD_F_RUN_AS:
		if (rec->run_as != NULL)
			record_text(v, rec->run_as, strlen(rec->run_as));
		break;
	case RECORD_F_MODE:
		if (rec->mode != NULL)
			record_text(v, rec->mode, strlen(rec->mode));
		break;
	case RECORD_F_ARGV:
		if (rec->argv != NULL)
			record_text(v, rec->argv, strlen(rec->argv));
		break;
	case RECORD_F_TICKET:
		if (rec->ticket != NULL)
			record_text(v, rec->ticket, strlen(rec->ticket));
		break;
	case RECORD_F_CWD:
		if (rec->cwd != NULL)
			record_text(v, rec->cwd, strlen(rec->cwd));
		break;
	case RECORD_F_RULE:
		if (rec->rule != NULL)
			record_text(v, rec->rule, strlen(rec->rule));
		break;
	case RECORD_F_TERMINAL:
		if (rec->terminal != NULL)
			record_text(v, rec->terminal, strlen(rec->terminal));
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

/*
 * The record on the channel between rcmdd's two processes (privsep.c):
 * the same field table and the same typed values as the row and the
 * chain, each field as its index (u8), its type (u8) and its value: an
 * integer as 8 bytes big-endian, a text as a 4-byte big-endian length and
 * its bytes. Fields come in the table's order, each at most once, and
 * only those a message may carry (a mask of field indices). Fields with
 * no value (NULL) are left out. Both processes are the same binary, so
 * the indices mean the same on both sides. A 2-byte big-endian count of
 * the fields comes first, so that a cut at a field's end is seen too.
 */

#define RECORD_PACK_TEXT_MAX	4096	/* a name, an address, a reason */

static const char *const record_statuses[] = {
	"running", "exited", "signaled", "timeout", "cancelled",
	"disconnected", "failed", "interrupted", "denied"
};
#define RECORD_NSTATUSES \
    (sizeof record_statuses / sizeof record_statuses[0])

static int	record_set(struct cmd_record *, u_int,
		    const struct record_value *, char **);
static int	record_set_text(char **, const struct record_value *, size_t,
		    const char *, char **);

/* Return the mask of the fields that have any of flags. */
uint64_t
record_mask(int flags)
{
	uint64_t	mask = 0;
	u_int		i;

	for (i = 0; i < record_nfields && i < 64; i++) {
		if (record_fields[i].flags & flags)
			mask |= (uint64_t)1 << i;
	}
	return (mask);
}

/*
 * Serialise the fields of mask that rec has into an allocated buffer;
 * its length goes to len.
 */
uint8_t *
record_pack(const struct cmd_record *rec, uint64_t mask, size_t *len)
{
	struct record_value	 v;
	uint8_t			*buf, *p;
	size_t			 size = 2;
	u_int			 i, pass, n = 0;
	int			 j;

	buf = NULL;
	for (pass = 0; pass < 2; pass++) {
		p = buf;
		if (pass == 1) {
			*p++ = (uint8_t)(n >> 8);
			*p++ = (uint8_t)n;
		}
		for (i = 0; i < record_nfields && i < 64; i++) {
			if ((mask & ((uint64_t)1 << i)) == 0)
				continue;
			record_get(rec, i, &v);
			if (v.type == RECORD_NULL)
				continue;
			if (pass == 0) {
				n++;
				size += 2 + (v.type == RECORD_INT ? 8 :
				    4 + v.len);
				continue;
			}
			*p++ = (uint8_t)i;
			*p++ = (uint8_t)v.type;
			if (v.type == RECORD_INT) {
				for (j = 7; j >= 0; j--)
					*p++ = (uint8_t)((uint64_t)v.i >>
					    (8 * j));
				continue;
			}
			for (j = 3; j >= 0; j--)
				*p++ = (uint8_t)(v.len >> (8 * j));
			memcpy(p, v.s, v.len);
			p += v.len;
		}
		if (pass == 0)
			buf = xmalloc(size);
	}
	*len = size;
	return (buf);
}

/*
 * Read the fields a peer sent into rec: only those of mask, in order,
 * each once, each with its field's type and a value it may hold. Return
 * 0, or -1 with what was wrong in cause; rec then holds what was read
 * before, which record_free releases.
 */
int
record_unpack(struct cmd_record *rec, uint64_t mask, const uint8_t *buf,
    size_t len, char **cause)
{
	struct record_value	 v;
	size_t			 off = 2;
	uint64_t		 u;
	u_int			 i, n, k;
	int			 last = -1, j;

	if (len < 2) {
		xasprintf(cause, "record truncated: %zu bytes, no field count",
		    len);
		return (-1);
	}
	n = (u_int)buf[0] << 8 | buf[1];
	for (k = 0; k < n; k++) {
		if (len - off < 2) {
			xasprintf(cause, "record truncated at byte %zu: "
			    "%u fields announced, %u read", off, n, k);
			return (-1);
		}
		i = buf[off];
		memset(&v, 0, sizeof v);
		v.type = buf[off + 1];
		off += 2;
		if (i >= record_nfields || i >= 64) {
			xasprintf(cause, "record field %u unknown", i);
			return (-1);
		}
		if ((mask & ((uint64_t)1 << i)) == 0) {
			xasprintf(cause, "record field %s not expected here",
			    record_fields[i].name);
			return (-1);
		}
		if ((int)i <= last) {
			xasprintf(cause, "record field %s out of order or "
			    "repeated", record_fields[i].name);
			return (-1);
		}
		last = (int)i;
		if (v.type == RECORD_INT) {
			if (len - off < 8) {
				xasprintf(cause, "record field %s truncated",
				    record_fields[i].name);
				return (-1);
			}
			u = 0;
			for (j = 0; j < 8; j++)
				u = (u << 8) | buf[off++];
			v.i = (int64_t)u;
		} else if (v.type == RECORD_TEXT) {
			if (len - off < 4) {
				xasprintf(cause, "record field %s truncated",
				    record_fields[i].name);
				return (-1);
			}
			u = 0;
			for (j = 0; j < 4; j++)
				u = (u << 8) | buf[off++];
			if (u > len - off) {
				xasprintf(cause, "record field %s truncated: "
				    "%llu bytes announced, %zu left",
				    record_fields[i].name,
				    (unsigned long long)u, len - off);
				return (-1);
			}
			v.s = (const char *)buf + off;
			v.len = (size_t)u;
			off += v.len;
		} else {
			xasprintf(cause, "record field %s has unknown type %d",
			    record_fields[i].name, v.type);
			return (-1);
		}
		if (record_set(rec, i, &v, cause) != 0)
			return (-1);
	}
	if (off != len) {
		xasprintf(cause, "record has %zu bytes after its %u fields",
		    len - off, n);
		return (-1);
	}
	return (0);
}

/*
 * Copy a text value into *dst, which must be NULL: at most max bytes,
 * no NUL among them. Return 0, or -1 with the reason in cause.
 */
static int
record_set_text(char **dst, const struct record_value *v, size_t max,
    const char *name, char **cause)
{
	if (v->len > max) {
		xasprintf(cause, "record field %s too long: %zu bytes, at "
		    "most %zu", name, v->len, max);
		return (-1);
	}
	if (memchr(v->s, '\0', v->len) != NULL) {
		xasprintf(cause, "record field %s holds a NUL byte", name);
		return (-1);
	}
	free(*dst);
	*dst = xmalloc(v->len + 1);
	memcpy(*dst, v->s, v->len);
	(*dst)[v->len] = '\0';
	return (0);
}

/*
 * Set field i of rec from a value read off the channel: the inverse of
 * record_get, with the bounds each field has. Return 0, or -1 with the
 * reason in cause.
 */
static int
record_set(struct cmd_record *rec, u_int i, const struct record_value *v,
    char **cause)
{
	struct record_peer	*p = &rec->peer;
	const char		*name = record_fields[i].name;
	char			*s = NULL;
	u_int			 k;
	int			 want;

	switch (i) {
	case RECORD_F_CLIENT_ADDR:
	case RECORD_F_CLIENT_NAME:
	case RECORD_F_IDENTITY:
	case RECORD_F_FINGERPRINT:
	case RECORD_F_COMMAND:
	case RECORD_F_STATUS:
	case RECORD_F_OUTPUT:
	case RECORD_F_REASON:
	case RECORD_F_TICKET:
	case RECORD_F_CWD:
	case RECORD_F_TERMINAL:
		want = RECORD_TEXT;
		break;
	case RECORD_F_CLIENT_PORT:
	case RECORD_F_EXIT_CODE:
	case RECORD_F_SIGNAL:
	case RECORD_F_DURATION_MS:
	case RECORD_F_OUTPUT_BYTES:
	case RECORD_F_TRUNCATED:
		want = RECORD_INT;
		break;
	default:
		xasprintf(cause, "record field %s is not sent", name);
		return (-1);
	}
	if (v->type != want) {
		xasprintf(cause, "record field %s has the wrong type", name);
		return (-1);
	}

	switch (i) {
	case RECORD_F_CLIENT_ADDR:
		if (v->len >= sizeof p->client_addr) {
			xasprintf(cause, "record field %s too long", name);
			return (-1);
		}
		if (record_set_text(&s, v, v->len, name, cause) != 0)
			return (-1);
		strlcpy(p->client_addr, s, sizeof p->client_addr);
		free(s);
		break;
	case RECORD_F_CLIENT_NAME:
		return (record_set_text(&p->client_name, v,
		    RECORD_PACK_TEXT_MAX, name, cause));
	case RECORD_F_IDENTITY:
		return (record_set_text(&p->identity, v, RECORD_PACK_TEXT_MAX,
		    name, cause));
	case RECORD_F_FINGERPRINT:
		return (record_set_text(&p->fingerprint, v,
		    RECORD_PACK_TEXT_MAX, name, cause));
	case RECORD_F_COMMAND:
		if (record_set_text(&rec->command, v, EXEC_MAX_COMMAND, name,
		    cause) != 0)
			return (-1);
		rec->command_len = v->len;
		break;
	case RECORD_F_REASON:
		return (record_set_text(&rec->reason, v, RECORD_PACK_TEXT_MAX,
		    name, cause));
	case RECORD_F_TICKET:
		return (record_set_text(&rec->ticket, v, RUN_MAX_TICKET, name,
		    cause));
	case RECORD_F_CWD:
		return (record_set_text(&rec->cwd, v, RUN_MAX_CWD, name,
		    cause));
	case RECORD_F_TERMINAL:
		if (record_set_text(&s, v, TERMINAL_TEXT_MAX, name,
		    cause) != 0)
			return (-1);
		if (terminal_parse(s, NULL, 0, NULL, NULL) != 0) {
			xasprintf(cause, "record field %s is not \"TERM "
			    "ROWSxCOLUMNS\"", name);
			free(s);
			return (-1);
		}
		free(rec->terminal);
		rec->terminal = s;
		break;
	case RECORD_F_OUTPUT:
		/* Output is bytes: NULs and all; its bound is the buffer's. */
		free(rec->output);
		rec->output = xmalloc(v->len == 0 ? 1 : v->len);
		memcpy(rec->output, v->s, v->len);
		rec->output_len = v->len;
		break;
	case RECORD_F_STATUS:
		for (k = 0; k < RECORD_NSTATUSES; k++) {
			if (strlen(record_statuses[k]) == v->len &&
			    memcmp(record_statuses[k], v->s, v->len) == 0)
				break;
		}
		if (k == RECORD_NSTATUSES) {
			xasprintf(cause, "record field %s is not a status "
			    "rcmdd writes", name);
			return (-1);
		}
		rec->status = record_statuses[k];
		break;
	case RECORD_F_CLIENT_PORT:
		if (v->i < 0 || v->i > 65535)
			goto range;
		p->client_port = (int)v->i;
		break;
	case RECORD_F_EXIT_CODE:
		if (v->i < 0 || v->i > 255)
			goto range;
		rec->has_exit_code = 1;
		rec->exit_code = (int)v->i;
		break;
	case RECORD_F_SIGNAL:
		if (v->i < 1 || v->i >= NSIG)
			goto range;
		rec->has_signal = 1;
		rec->signal = (int)v->i;
		break;
	case RECORD_F_DURATION_MS:
		if (v->i < 0)
			goto range;
		rec->duration_ms = (uint64_t)v->i;
		break;
	case RECORD_F_OUTPUT_BYTES:
		if (v->i < 0)
			goto range;
		rec->output_bytes = (uint64_t)v->i;
		break;
	case RECORD_F_TRUNCATED:
		if (v->i != 0 && v->i != 1)
			goto range;
		rec->truncated = (int)v->i;
		break;
	}
	return (0);

range:
	xasprintf(cause, "record field %s out of range: %lld", name,
	    (long long)v->i);
	return (-1);
}
