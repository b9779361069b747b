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

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rcmd-protocol.h"

/*
 * libFuzzer target for the frame codec: the input is a byte stream as a
 * peer would send it. Every whole frame is checked both as a client's and
 * as a server's, and parsed with the parser its type has; re-encoding
 * what parsed must give the same frame back.
 */

#define FUZZ_MAX_INPUT	(4 * (FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD))

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	fuzz_buf[FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD];

/* Parse one whole frame every way that applies to its type. */
static void
fuzz_frame(const struct frame *f)
{
	struct frame_hello	 h;
	struct frame_exec	 e;
	struct frame_run	 r;
	struct frame_exit	 x;
	uint16_t		 code, rows, cols;
	char			*cause = NULL, msg[1024];
	size_t			 len;

	if (frame_check_client(f, &code, &cause) == 0) {
		if (f->type == MSG_HELLO &&
		    frame_parse_hello(f, &h, &cause) == 0 &&
		    frame_encode_hello(fuzz_buf, sizeof fuzz_buf, MSG_HELLO,
		    h.name) == 0)
			abort();
		/* A RUN parses, or refuses with a code a client can act on. */
		if (f->type == MSG_RUN) {
			if (frame_parse_run(f, &r, &code, &cause) == 0)
				frame_run_clear(&r);
			else if (code != ERR_BAD_COMMAND &&
			    code != ERR_UNSUPPORTED)
				abort();
			free(cause);
			cause = NULL;
		}
		/* A WINSIZE that passes its check encodes back the same. */
		if (f->type == MSG_WINSIZE) {
			frame_parse_winsize(f, &rows, &cols);
			if (frame_encode_winsize(fuzz_buf, sizeof fuzz_buf,
			    rows, cols) != FRAME_HEADER_LEN + f->len ||
			    memcmp(fuzz_buf + FRAME_HEADER_LEN, f->payload,
			    f->len) != 0)
				abort();
		}
		if (f->type == MSG_EXEC && frame_parse_exec(f, &e,
		    &cause) == 0) {
			len = frame_encode_exec(fuzz_buf, sizeof fuzz_buf,
			    e.timeout_ms, (const char *)e.command,
			    e.command_len);
			if (len != FRAME_HEADER_LEN + f->len ||
			    memcmp(fuzz_buf + FRAME_HEADER_LEN + 8,
			    e.command, e.command_len) != 0)
				abort();
		}
		if (f->type == MSG_SIGNAL &&
		    frame_signal_to_proto(frame_proto_to_signal(
		    f->payload[0])) != f->payload[0])
			abort();
	}
	free(cause);
	cause = NULL;
	if (frame_check_server(f, &code, &cause) == 0) {
		if (f->type == MSG_EXIT) {
			if (frame_parse_exit(f, &x) != 0)
				abort();
			len = frame_encode_exit(fuzz_buf, sizeof fuzz_buf, &x);
			if (len != FRAME_HEADER_LEN + f->len ||
			    memcmp(fuzz_buf + FRAME_HEADER_LEN, f->payload,
			    f->len) != 0)
				abort();
		}
		if (f->type == MSG_ERROR &&
		    frame_parse_error(f, &code, msg, sizeof msg) == 0 &&
		    strlen(msg) >= sizeof msg)
			abort();
		if (f->type == MSG_SERVER_HELLO)
			frame_parse_hello(f, &h, NULL);
	}
	free(cause);
	frame_type_name(f->type);
	frame_error_is_fatal(code);
}

/* Decode the input as a stream of frames, as a session does. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame	 f;
	uint16_t	 code;
	char		*cause = NULL;
	size_t		 used, off = 0;
	int		 rc;

	if (size > FUZZ_MAX_INPUT)
		return (0);
	while (off < size) {
		rc = frame_decode(data + off, size - off, &f, &used, &code,
		    &cause);
		if (rc != 1)
			break;
		if (used > size - off || used != FRAME_HEADER_LEN + f.len)
			abort();
		fuzz_frame(&f);
		off += used;
	}
	free(cause);
	return (0);
}
