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
#include <string.h>

#include "rcmdd.h"
#include "records.h"

/*
 * The audit writer's calls as the unit tests make them: a record on the
 * stack, its id given and taken apart from it, and the row's end hash as
 * hex, as the chain stores it; and the records the tests fill in.
 */

/* Commit the running row of r; its id goes to id. */
int
records_begin(struct cmd_record *r, uint64_t *id, char **cause)
{
	if (audit_begin(r, cause) != 0)
		return (-1);
	*id = r->id;
	return (0);
}

/*
 * Commit how command id ended, as r says; the row's hash goes to hash
 * (CHAIN_HASH_LEN + 1 bytes) as hex unless that is NULL.
 */
int
records_finish(uint64_t id, struct cmd_record *r, char *hash, char **cause)
{
	r->id = id;
	r->end_seq = 0;
	if (audit_finish(r, cause) != 0)
		return (-1);
	if (hash != NULL)
		record_hex(r->end_hash, hash);
	return (0);
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
