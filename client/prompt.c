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
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rcmd.h"
#include "xmalloc.h"

/*
 * The interactive prompt: libedit reads a line with history and editing,
 * and each line runs as a command on the same connection. Ctrl-C goes to
 * the running command; at the prompt it only clears the line.
 */

#define PROMPT_HISTORY	1000

static char	*prompt_text(EditLine *);

static char	 prompt_buf[300];

/* Return the prompt, which names the host. */
static char *
prompt_text(EditLine *el)
{
	(void)el;
	return (prompt_buf);
}

/*
 * Read and run commands until "exit" or end of input, each with the given
 * timeout. Return the status of the last command, or 255 if the
 * connection was lost.
 */
int
prompt_run(struct conn *c, uint32_t timeout_ms, int verbose)
{
	EditLine		*el;
	History			*hist;
	HistEvent		 ev;
	struct conn_result	 r;
	const char		*line;
	char			*cmd, *cause = NULL;
	uint8_t			 junk[64];
	size_t			 len;
	int			 count, status = 0;

	snprintf(prompt_buf, sizeof prompt_buf, "rcmd %s> ", c->host);
	el = el_init("rcmd", stdin, stdout, stderr);
	hist = history_init();
	if (el == NULL || hist == NULL) {
		fprintf(stderr, "rcmd: cannot start the line editor\n");
		return (RCMD_EXIT_ERROR);
	}
	history(hist, &ev, H_SETSIZE, PROMPT_HISTORY);
	history(hist, &ev, H_SETUNIQUE, 1);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_PROMPT, prompt_text);
	el_set(el, EL_HIST, history, hist);
	el_source(el, NULL);

	for (;;) {
		errno = 0;
		line = el_gets(el, &count);
		if (line == NULL && errno == EINTR) {
			/* Ctrl-C at the prompt: forget it and ask again. */
			while (read(c->sigfd, junk, sizeof junk) > 0)
				;
			fputc('\n', stdout);
			el_reset(el);
			continue;
		}
		if (line == NULL || count <= 0) {
			if (isatty(STDIN_FILENO))
				fputc('\n', stdout);
			break;
		}
		len = strcspn(line, "\r\n");
		while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		while (len > 0 && (*line == ' ' || *line == '\t')) {
			line++;
			len--;
		}
		if (len == 0)
			continue;
		cmd = xstrndup(line, len);
		if (strcmp(cmd, "exit") == 0 || strcmp(cmd, "logout") == 0) {
			free(cmd);
			break;
		}
		history(hist, &ev, H_ENTER, cmd);

		while (read(c->sigfd, junk, sizeof junk) > 0)
			;
		if (conn_run(c, cmd, len, timeout_ms, -1, &r, &cause) != 0) {
			fprintf(stderr, "rcmd: %s\n", cause);
			free(cause);
			cause = NULL;
			free(cmd);
			if (c->broken) {
				status = RCMD_EXIT_ERROR;
				break;
			}
			status = RCMD_EXIT_ERROR;
			continue;
		}
		free(cmd);
		if (c->interrupts > 0 && isatty(STDOUT_FILENO))
			fputc('\n', stdout);
		status = conn_exit_status(&r, c->host, &cause);
			if (verbose)
			conn_print_receipt(&r, c->host);
		if (cause != NULL) {
			fprintf(stderr, "rcmd: %s\n", cause);
			free(cause);
			cause = NULL;
		}
	}
	history_end(hist);
	el_end(el);
	return (status);
}
