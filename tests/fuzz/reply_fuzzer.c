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

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rcmd.h"

/*
 * libFuzzer target for the client's handling of what a server sends while
 * a command runs: the input is the server's byte stream, decoded and
 * handed to conn_handle_frame until the command ends or fails. Output
 * frames are written to /dev/null.
 */

#define FUZZ_MAX_INPUT	(4 * (FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD))

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Send the command's output, which rcmd writes to fds 1 and 2, nowhere. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int	fd;

	(void)argc;
	(void)argv;
	if ((fd = open("/dev/null", O_WRONLY)) == -1)
		abort();
	dup2(fd, STDOUT_FILENO);
	close(fd);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn		 c;
	struct conn_result	 r;
	struct frame		 f;
	uint16_t		 code;
	char			*cause = NULL, host[] = "fuzz";
	size_t			 used, off = 0;
	int			 rc;

	if (size > FUZZ_MAX_INPUT)
		return (0);
	memset(&c, 0, sizeof c);
	c.fd = -1;
	c.sigfd = -1;
	c.host = host;
	memset(&r, 0, sizeof r);
	while (off < size) {
		if (frame_decode(data + off, size - off, &f, &used, &code,
		    &cause) != 1)
			break;
		if (frame_check_server(&f, &code, &cause) != 0)
			break;
		rc = conn_handle_frame(&c, &f, &r, &cause);
		off += used;
		if (rc != 0)
			break;
	}
	free(cause);
	cause = NULL;
	if (r.exit.kind <= EXIT_FAILED && r.started) {
		conn_exit_status(&r, host, &cause);
		free(cause);
		cause = NULL;
	}
	free(cause);
	return (0);
}
