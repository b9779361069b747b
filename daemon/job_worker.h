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


#ifndef JOB_WORKER_H
#define JOB_WORKER_H

/*
 * The private side of a job, between job.c (the loop's view and the
 * queues) and the worker machine and its pool (worker.c,
 * worker_pool.c): the control items the loop sends a worker, what a
 * worker reports back, and the pool of buffers it reads output into
 * (job_output.c). Nothing else includes this header.
 */

#include "rcmd-protocol.h"

struct job;
struct job_params;

/* A control item from the loop to a job's worker. */
#define JOB_CTL_STDIN		1
#define JOB_CTL_STDIN_EOF	2
#define JOB_CTL_SIGNAL		3
#define JOB_CTL_CANCEL		4
#define JOB_CTL_RESIZE		5	/* arg: rows << 16 | columns */
struct job_ctl {
	int			 type;
	int			 arg;
	size_t			 len;
	size_t			 off;
	STAILQ_ENTRY(job_ctl)	 entry;
	uint8_t			 data[];
};
STAILQ_HEAD(job_ctls, job_ctl);

/* A report from a worker to the loop. */
struct job_msg {
	int			 type;
	struct job		*job;
	uint64_t		 audit_id;
	struct frame_exit	 exit;
	uint16_t		 error_code;
	int			 pooled;
	size_t			 len;
	STAILQ_ENTRY(job_msg)	 entry;
	uint8_t			 data[];
};
STAILQ_HEAD(job_msgs, job_msg);

/* job.c: what a worker reads, and how it reports */
const struct job_params *job_get_params(struct job *);
int		 job_get_wake_fd(struct job *);
int		 job_may_read(struct job *);
void		 job_take_ctl(struct job *, struct job_ctls *);
void		 job_stdin_consumed(struct job *, size_t);
void		 job_report_started(struct job *, uint64_t);
void		 job_report_output(struct job *, int, const void *, size_t);
void		 job_report_output_buf(struct job *, int, uint8_t *, size_t);
void		 job_report_flush(struct job *);
void		 job_report_error(struct job *, uint16_t, const char *);
void		 job_report_exit(struct job *, const struct frame_exit *);

/* job_output.c */
uint8_t		*job_output_get(void);
void		 job_msg_free(struct job_msg *);
void		 job_output_trim(void);

/* worker_pool.c: how job.c hands a job to a pool thread */
int		 worker_pool_add(struct job *, char **);
void		 worker_pool_join(void);

#endif /* JOB_WORKER_H */
