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
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Spawning and signalling commands. A command runs as /bin/sh -c COMMAND
 * through posix_spawn (vfork and exec underneath, so a large daemon is not
 * copied), in its own process group, with a clean environment, default
 * signal dispositions, an empty signal mask, the three pipes as its
 * standard descriptors and no other descriptor of ours.
 */

static void	 exec_lookup_user(void);

static char	 exec_home_dir[1024] = "/";
static char	 exec_user[256] = "nobody";
static int	 exec_user_known;

/*
 * Note the home folder and user name of the user commands run as, once;
 * called on the loop thread.
 */
static void
exec_lookup_user(void)
{
	struct passwd	*pw;

	if (exec_user_known)
		return;
	exec_user_known = 1;
	if ((pw = getpwuid(geteuid())) == NULL)
		return;
	strlcpy(exec_user, pw->pw_name, sizeof exec_user);
	if (pw->pw_dir != NULL && access(pw->pw_dir, X_OK) == 0)
		strlcpy(exec_home_dir, pw->pw_dir, sizeof exec_home_dir);
}

/* Return the working folder for commands: the home of the user. */
const char *
exec_home(void)
{
	return (exec_home_dir);
}

/*
 * Build the environment a command starts with: PATH and LANG from the
 * configuration, and the user's HOME, USER, LOGNAME and SHELL. Nothing of
 * the daemon's own environment passes through.
 */
char **
exec_env(const struct config *conf, const char *client)
{
	char	**envp;
	u_int	  n = 0;

	exec_lookup_user();
	envp = xcalloc(8, sizeof *envp);
	xasprintf(&envp[n++], "PATH=%s", conf->path);
	xasprintf(&envp[n++], "LANG=%s", conf->lang);
	xasprintf(&envp[n++], "HOME=%s", exec_home_dir);
	xasprintf(&envp[n++], "USER=%s", exec_user);
	xasprintf(&envp[n++], "LOGNAME=%s", exec_user);
	xasprintf(&envp[n++], "SHELL=/bin/sh");
	xasprintf(&envp[n++], "RCMD_CLIENT=%s", client);
	envp[n] = NULL;
	return (envp);
}

/* Free an environment from exec_env. */
void
exec_env_free(char **envp)
{
	char	**p;

	if (envp == NULL)
		return;
	for (p = envp; *p != NULL; p++)
		free(*p);
	free(envp);
}

/*
 * Spawn /bin/sh -c command with fd_in, fd_out and fd_err as its standard
 * descriptors, in a new process group. Return its pid, or -1 with *error
 * set to the errno that stopped it.
 */
pid_t
exec_spawn(const char *command, char *const *envp, const char *cwd,
    int fd_in, int fd_out, int fd_err, int *error)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, dfl;
	char				*argv[4];
	pid_t				 pid;
	int				 sig, rc;

	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)command;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* A fuzzer drives sessions with arbitrary EXECs: run only cat. */
	argv[2] = (char *)"exec cat";
#endif
	argv[3] = NULL;

	sigemptyset(&none);
	sigemptyset(&dfl);
	for (sig = 1; sig < 32; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaddset(&dfl, sig);
	}

	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd_in, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fd_out, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fd_err, STDERR_FILENO);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCHDIR_NP
	if (cwd != NULL)
		posix_spawn_file_actions_addchdir_np(&fa, cwd);
#else
	(void)cwd;
#endif

	rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		*error = rc;
		return (-1);
	}
	return (pid);
}

/*
 * Return a descriptor that polls readable when the child exits, or -1 when
 * the kernel has no pidfd_open; the caller then polls with a short tick.
 */
int
exec_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return ((int)syscall(SYS_pidfd_open, pid, 0));
#else
	(void)pid;
	errno = ENOSYS;
	return (-1);
#endif
}

/* Send a signal to a command's whole process group. */
void
exec_kill(pid_t pgid, int sig)
{
	if (pgid <= 1)
		fatalx("exec_kill: bad process group %ld", (long)pgid);
	if (kill(-pgid, sig) == -1 && errno != ESRCH)
		log_warn("kill process group %ld with signal %d", (long)pgid,
		    sig);
}
