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
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "job_worker.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The pool of output buffers. A worker reads its pipes straight into a
 * message from the pool (job_output_get), hands the message over whole,
 * and the loop puts it back once the session has taken the bytes; a
 * session that keeps a large chunk for its socket (job_output_keep) puts
 * it back once the socket has sent it. Streaming then costs no copy in
 * the worker and no malloc per read: a fresh buffer per read would have
 * the kernel fault in and zero new pages for every chunk.
 *
 * Lock: output_lock guards the pool; it is never held with another lock.
 */

#define JOB_OUTPUT_KEEP		32

static pthread_mutex_t	 output_lock = PTHREAD_MUTEX_INITIALIZER;
static struct job_msgs	 output_pool = STAILQ_HEAD_INITIALIZER(output_pool);
static u_int		 output_count;

/*
 * Return a buffer of JOB_OUTPUT_SIZE bytes for a worker to read output
 * into, from the pool when it has one. Any thread.
 */
uint8_t *
job_output_get(void)
{
	struct job_msg	*msg;

	pthread_mutex_lock(&output_lock);
	if ((msg = STAILQ_FIRST(&output_pool)) != NULL) {
		STAILQ_REMOVE_HEAD(&output_pool, entry);
		output_count--;
	}
	pthread_mutex_unlock(&output_lock);
	if (msg == NULL)
		msg = xmalloc(sizeof *msg + JOB_OUTPUT_SIZE);
	memset(msg, 0, sizeof *msg);
	msg->pooled = 1;
	return (msg->data);
}

/*
 * Give back a buffer from job_output_get that was not reported, or the
 * output of a report that was kept with job_output_keep. Any thread.
 */
void
job_output_put(uint8_t *buf)
{
	if (buf != NULL)
		job_msg_free((struct job_msg *)(buf -
		    offsetof(struct job_msg, data)));
}

/* Free a message, or put a pooled buffer back while the pool is small. */
void
job_msg_free(struct job_msg *msg)
{
	if (msg->pooled) {
		pthread_mutex_lock(&output_lock);
		if (output_count < JOB_OUTPUT_KEEP) {
			STAILQ_INSERT_HEAD(&output_pool, msg, entry);
			output_count++;
			msg = NULL;
		}
		pthread_mutex_unlock(&output_lock);
	}
	free(msg);
}

/* Free the buffers the pool keeps, once no job runs. Loop thread. */
void
job_output_trim(void)
{
	struct job_msg	*msg;

	pthread_mutex_lock(&output_lock);
	while ((msg = STAILQ_FIRST(&output_pool)) != NULL) {
		STAILQ_REMOVE_HEAD(&output_pool, entry);
		free(msg);
	}
	output_count = 0;
	pthread_mutex_unlock(&output_lock);
}
