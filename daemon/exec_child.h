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

#ifndef EXEC_CHILD_H
#define EXEC_CHILD_H

/*
 * Between exec.c and the first code a spawned command runs (exec_child.c),
 * which is built without sanitizers: it runs on the daemon's memory.
 */

/* A limit for the child to set, as prlimit64 takes it. */
struct exec_limit {
	int			 resource;
	struct {
		uint64_t	 cur;
		uint64_t	 max;
	}			 value;
};

/* What the parent hands its vfork child, and the child's error back. */
struct exec_args {
	const char			*path;
	char *const			*argv;
	const char			*cwd;
	char *const			*envp;
	const struct exec_identity	*id;
	int				 keep_below;
	int				 errfd;
	int				 fd[3];
	struct exec_limit		 limits[4];
	int				 nlimits;
	int				 probe;
	int				 terminal;
	int				 cgroup_fd;
	volatile int			 error;
	volatile int			 step;
};

/* The step that failed, in exec_args' step. */
#define EXEC_STEP_START		0
#define EXEC_STEP_CGROUP	1
#define EXEC_STEP_CWD		2
#define EXEC_STEP_TERMINAL	3

int	exec_child(void *);

#endif
