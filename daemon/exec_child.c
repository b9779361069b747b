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
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "rcmdd.h"
#include "exec_child.h"

/*
 * The first code a spawned command runs, before /bin/sh or its program: it joins the
 * command's cgroup, takes a descriptor table of its own and sets the
 * session, signals, descriptors, limits, user and folder that exec.c
 * worked out. It runs on the daemon's memory, so it is built apart
 * (libexecchild.a) without sanitizers.
 */

/* The kernel's struct sigaction, as rt_sigaction takes it. */
struct exec_ksigaction {
	void			*handler;
	unsigned long		 flags;
	void			*restorer;
	uint64_t		 mask;
};

/*
 * The child of exec_spawn, on a spawn slot's stack. It shares the daemon's
 * memory and, until close_range returns, its descriptor table, so it
 * makes raw system calls only: no libc state, and glibc's credential
 * wrappers would try to change every thread of the parent. This file is
 * built without sanitizers, whose instrumentation and interceptors would
 * run on the parent thread's state. A failure is left in a->error for the
 * parent, which runs again once the child has executed the shell or
 * exited. Started by a plain vfork instead, under valgrind (a->errfd
 * is then an error pipe), it has a table of its own from the start, and
 * reports through the pipe too, since that vfork is really a fork. It
 * never returns.
 */
int
exec_child(void *arg)
{
	static const struct exec_ksigaction	 dfl;	/* SIG_DFL, no flags */
	static const uint64_t			 none;	/* empty mask */
	struct exec_args			*a = arg;
	const struct exec_identity		*id = a->id;
	int					 errfd = a->errfd;
	int					 sig, i, first, rep[2];

	/*
	 * Join the command's cgroup first, while the descriptor is still
	 * ours (close_range below closes it): writing 0 to cgroup.procs
	 * moves the writer. A command that cannot join does not run.
	 */
	if (a->cgroup_fd != -1 &&
	    syscall(SYS_write, a->cgroup_fd, "0", 1) != 1) {
		a->step = EXEC_STEP_CGROUP;
		goto fail;
	}
	if (errfd == -1 && syscall(SYS_close_range,
	    (unsigned int)a->keep_below, ~0U, CLOSE_RANGE_UNSHARE) == -1)
		goto fail;
	if (a->probe)
		syscall(SYS_exit, 0);
	/*
	 * A session of its own, so no controlling terminal: under rcmdd -f
	 * started from a terminal, a command could otherwise write to it and
	 * push input into it (TIOCSTI). Its process group id is its pid.
	 */
	if (syscall(SYS_setsid) == -1)
		goto fail;
	for (sig = 1; sig < 32; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof none);
	}
	for (i = 0; i < 3; i++) {
		if (syscall(SYS_dup3, a->fd[i], i, 0) == -1)
			goto fail;
	}
	/*
	 * A terminal (rcmd --tty): the slave on 0, 1 and 2 becomes the
	 * controlling terminal of the new session, as sshd makes it.
	 */
	if (a->terminal && syscall(SYS_ioctl, 0, TIOCSCTTY, 0) == -1) {
		a->step = EXEC_STEP_TERMINAL;
		goto fail;
	}
	/*
	 * The table is our own now: close the rest of it, but for the error
	 * pipe, if any, which moves to 3 and closes on exec.
	 */
	first = STDERR_FILENO + 1;
	if (errfd != -1) {
		if (errfd != first &&
		    syscall(SYS_dup3, errfd, first, O_CLOEXEC) == -1)
			goto fail;
		errfd = first++;
	}
	if (syscall(SYS_close_range, first, ~0U, 0) == -1)
		goto fail;
	for (i = 0; i < a->nlimits; i++) {
		if (syscall(SYS_prlimit64, 0, a->limits[i].resource,
		    &a->limits[i].value, NULL) == -1)
			goto fail;
	}
	if (id->change_user) {
		if (syscall(SYS_setgroups, id->ngroups, id->groups) == -1 ||
		    syscall(SYS_setresgid, id->gid, id->gid, id->gid) == -1 ||
		    syscall(SYS_setresuid, id->uid, id->uid, id->uid) == -1)
			goto fail;
	}
	if (id->umask_set)
		syscall(SYS_umask, id->umask);
	/* A directory asked for is entered as the user, or nothing runs. */
	if (a->cwd != NULL) {
		if (syscall(SYS_chdir, a->cwd) == -1) {
			a->step = EXEC_STEP_CWD;
			goto fail;
		}
	} else if (syscall(SYS_chdir, id->home) == -1 &&
	    syscall(SYS_chdir, "/") == -1)
		goto fail;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
	syscall(SYS_execve, a->path, a->argv, a->envp);
fail:
	a->error = errno;
	rep[0] = a->error;
	rep[1] = a->step;
	if (errfd != -1)
		syscall(SYS_write, errfd, rep, sizeof rep);
	syscall(SYS_exit, 127);
	return (127);
}
