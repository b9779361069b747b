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


#ifndef PRIVSEP_CHILD_H
#define PRIVSEP_CHILD_H

/*
 * The private side of a command in the privileged part, between the
 * loop's side (privsep_child.c) and the threads that start and end it
 * (privsep_thread.c). Nothing else includes this header.
 */

#define PRIVSEP_REAP_TICK_MS	20

struct privsep_child {
	TAILQ_ENTRY(privsep_child) entry;
	struct cmd_record	*rec;
	int			 ctl;
	struct event		*ev_ctl;
	struct event		*ev_pid;
	pid_t			 pid;
	int			 pidfd;
	struct cgroup		*cgroup;
	uint64_t		 started;	/* monotonic ms */
	time_t			 wall_started;
	uint64_t		 list_id;	/* atomic: row committed */
	int			 exited;	/* a zombie, not reaped */
	int			 wstatus;
	int			 finish;	/* FINISH came */
	int			 gone;		/* the network end went */
	int			 capped;	/* output past the cap */
	size_t			 output_max;	/* AuditOutputMax at start */
	int			 busy;		/* a thread has it */
	int			 ended;		/* the end row is done */
	int			 fail_kind;	/* PRIVSEP_FAIL_*, or 0 */
	int			 fail_errno;	/* why it did not run */
	char			*fail_reason;
	int			 fds[3];	/* for STARTED */
	int			 master;	/* a terminal's, or -1 */
	char			*utmp;		/* its login records' files */
	char			*wtmp;
	char			 line[32];	/* its login's pts/N, or "" */
	pid_t			 login_pid;
	char			**envp;	/* made on the loop thread */
	struct recording	*recording;	/* a terminal's, or NULL */
	char			*lost;		/* why its recording lost */
						/* a chunk, or NULL */
	STAILQ_ENTRY(privsep_child) done_entry;
};

/* privsep_child.c: what a command's thread reports back with */
void		 privsep_ending(struct privsep_child *);
void		 privsep_done(struct privsep_child *);
uint64_t	 privsep_now(void);

/* privsep_thread.c */
void		 privsep_signal(struct privsep_child *, int);
void		 privsep_kill(struct privsep_child *);
void		 privsep_hangup(struct privsep_child *);
void		 privsep_cgroup_free(struct privsep_child *);
void		 privsep_thread(struct privsep_child *, void (*)(void *));
void		 privsep_start_main(void *);
void		 privsep_end_main(void *);

#endif /* PRIVSEP_CHILD_H */
