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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <pthread.h>
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
 * in its own process group, with a clean environment, default signal
 * dispositions, an empty signal mask, the three pipes as its standard
 * descriptors and no other descriptor of ours, in its user's home. When
 * it runs as another user or under limits, vfork and exec set those up in
 * the child; otherwise posix_spawn does the rest (vfork and exec
 * underneath too, so a large daemon is never copied).
 */

static pid_t	 exec_vfork(char *const *, char *const *,
		    const struct exec_identity *, int, int, int, int *);
static int	 exec_check_limits(const struct exec_identity *, char **);
static void	 exec_child(char *const *, char *const *,
		    const struct exec_identity *, int, int, int, int)
		    __attribute__((__noreturn__));

/* Who commands run as, and under which limits; loop thread only. */
static struct exec_identity exec_ident;
static unsigned long	 exec_files_soft;

/*
 * rcmdd raised its own descriptor limit from soft: commands get the soft
 * limit back, as if started from a shell. Called before exec_configure.
 */
void
exec_set_files_soft(unsigned long soft)
{
	exec_files_soft = soft;
}

/*
 * Work out who commands run as, from RunAs and the Command* limits: started
 * as root, the RunAs user (nobody unless set; root only when written so);
 * otherwise rcmdd's own user, and RunAs may name only that one. Called at
 * start-up and on reload, on the loop thread; on failure the identity in
 * use stays as it was.
 */
int
exec_configure(const struct config *conf, char **cause)
{
	struct exec_identity	 id;
	struct passwd		*pw;
	const char		*name = conf->run_as;
	int			 n;

	memset(&id, 0, sizeof id);
	if (name == NULL && geteuid() == 0)
		name = "nobody";
	if (name != NULL)
		pw = getpwnam(name);
	else
		pw = getpwuid(geteuid());
	if (pw == NULL) {
		if (name != NULL)
			xasprintf(cause, "RunAs %s: no such user", name);
		else
			xasprintf(cause, "uid %ld has no user name",
			    (long)geteuid());
		return (-1);
	}
	if (pw->pw_uid == 0 && (conf->run_as == NULL ||
	    strcmp(conf->run_as, "root") != 0)) {
		xasprintf(cause, "RunAs %s is uid 0: commands run as root "
		    "only with \"RunAs root\" written out", pw->pw_name);
		return (-1);
	}
	/* Capabilities dropped at start-up do not come back on SIGHUP. */
	if (pw->pw_uid == 0 && priv_is_dropped()) {
		xasprintf(cause, "RunAs %s: rcmdd gave up root's capabilities "
		    "at start-up to run commands as %s; restart it to run "
		    "them as root", pw->pw_name, exec_ident.user);
		return (-1);
	}
	if (geteuid() != 0 && pw->pw_uid != geteuid()) {
		xasprintf(cause, "RunAs %s: rcmdd runs as uid %ld and can run "
		    "commands only as itself; start it as root to run them as "
		    "%s", pw->pw_name, (long)geteuid(), pw->pw_name);
		return (-1);
	}
	id.change_user = geteuid() == 0;
	id.uid = pw->pw_uid;
	id.gid = pw->pw_gid;
	strlcpy(id.user, pw->pw_name, sizeof id.user);
	if (pw->pw_dir != NULL && access(pw->pw_dir, X_OK) == 0)
		strlcpy(id.home, pw->pw_dir, sizeof id.home);
	else
		strlcpy(id.home, "/", sizeof id.home);
	if (id.change_user) {
		n = EXEC_MAX_GROUPS;
		if (getgrouplist(pw->pw_name, pw->pw_gid, id.groups, &n) == -1) {
			xasprintf(cause, "RunAs %s is in more than %d groups",
			    pw->pw_name, EXEC_MAX_GROUPS);
			return (-1);
		}
		id.ngroups = n;
	}
	/* As another user, the daemon's own umask is no guide: set one. */
	id.umask_set = conf->umask_set || id.change_user;
	id.umask = (mode_t)conf->umask;
	id.max_procs = conf->max_procs;
	id.max_cpu = conf->max_cpu_ms == 0 ? 0 : (conf->max_cpu_ms + 999) / 1000;
	id.max_memory = conf->max_memory;
	id.max_files = conf->max_files;
	id.files_soft = exec_files_soft;
	if (id.uid != 0 && exec_check_limits(&id, cause) != 0)
		return (-1);
	exec_ident = id;
	return (0);
}

/*
 * Check that no CommandMax* limit is above rcmdd's own hard limit: for a
 * command run as another user rcmdd has no CAP_SYS_RESOURCE (priv.c), and
 * not as root it never had it, so every command would fail to start.
 */
static int
exec_check_limits(const struct exec_identity *id, char **cause)
{
	static const struct {
		const char	*keyword;
		int		 resource;
		const char	*unit;
	} limits[] = {
		{ "CommandMaxProcesses", RLIMIT_NPROC,	"LimitNPROC" },
		{ "CommandMaxCPU",	RLIMIT_CPU,	"LimitCPU" },
		{ "CommandMaxMemory",	RLIMIT_AS,	"LimitAS" },
		{ "CommandMaxFiles",	RLIMIT_NOFILE,	"LimitNOFILE" },
	};
	struct rlimit	 rl;
	unsigned long	 value[4];
	u_int		 i;

	value[0] = id->max_procs;
	value[1] = id->max_cpu;
	value[2] = id->max_memory;
	value[3] = id->max_files;
	for (i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		if (value[i] == 0 || getrlimit(limits[i].resource, &rl) == -1 ||
		    rl.rlim_max == RLIM_INFINITY || value[i] <= rl.rlim_max)
			continue;
		xasprintf(cause, "%s is above rcmdd's own hard limit of %llu, "
		    "which commands run as %s cannot exceed: lower it, or "
		    "raise rcmdd's (%s= in its unit)", limits[i].keyword,
		    (unsigned long long)rl.rlim_max, id->user, limits[i].unit);
		return (-1);
	}
	return (0);
}

/* Return a copy of who commands run as now, for a job. Loop thread. */
void
exec_identity(struct exec_identity *id)
{
	*id = exec_ident;
}

/*
 * Build the environment a command starts with: PATH and LANG from the
 * configuration, and the RunAs user's HOME, USER, LOGNAME and SHELL. Nothing of
 * the daemon's own environment passes through.
 */
char **
exec_env(const struct config *conf, const char *client)
{
	char	**envp;
	u_int	  n = 0;

	envp = xcalloc(8, sizeof *envp);
	xasprintf(&envp[n++], "PATH=%s", conf->path);
	xasprintf(&envp[n++], "LANG=%s", conf->lang);
	xasprintf(&envp[n++], "HOME=%s", exec_ident.home);
	xasprintf(&envp[n++], "USER=%s", exec_ident.user);
	xasprintf(&envp[n++], "LOGNAME=%s", exec_ident.user);
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
 * Spawn /bin/sh -c command as id says, with fd_in, fd_out and fd_err as its
 * standard descriptors, in a new process group, in the user's home.
 * Return its pid, or -1 with *error set to the errno that stopped it.
 * posix_spawn does it when nothing about the user or limits changes; else
 * vfork and exec, which can change them in the child.
 */
pid_t
exec_spawn(const char *command, char *const *envp,
    const struct exec_identity *id, int fd_in, int fd_out, int fd_err,
    int *error)
{
	const char			*cwd = id->home;
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

	if (id->change_user || id->umask_set || id->max_procs != 0 ||
	    id->max_cpu != 0 || id->max_memory != 0 || id->max_files != 0 ||
	    id->files_soft != 0)
		return (exec_vfork(argv, envp, id, fd_in, fd_out, fd_err,
		    error));

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
 * Spawn with vfork: the child changes what posix_spawn cannot, then
 * executes the shell. Every signal is blocked around vfork, so that no
 * handler runs in the child on the parent's memory. The child reports a
 * failure before exec through a close-on-exec pipe; the parent, resumed
 * only once the child has executed or exited, reads it.
 */
static pid_t
exec_vfork(char *const *argv, char *const *envp,
    const struct exec_identity *id, int fd_in, int fd_out, int fd_err,
    int *error)
{
	sigset_t	all, old;
	ssize_t		n;
	pid_t		pid;
	int		errpipe[2], err = 0;

	if (pipe2(errpipe, O_CLOEXEC) == -1) {
		*error = errno;
		return (-1);
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		exec_child(argv, envp, id, fd_in, fd_out, fd_err, errpipe[1]);
	if (pid == -1)
		err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(errpipe[1]);
	if (pid != -1) {
		do
			n = read(errpipe[0], &err, sizeof err);
		while (n == -1 && errno == EINTR);
		if (n == sizeof err) {
			while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
				;
			pid = -1;
		}
	}
	close(errpipe[0]);
	if (pid == -1)
		*error = err;
	return (pid);
}

/*
 * The vfork child: it shares the parent's memory, so it calls only system
 * calls, and changes credentials with raw syscalls (glibc's wrappers would
 * try to change every thread of the parent). It never returns.
 */
static void
exec_child(char *const *argv, char *const *envp,
    const struct exec_identity *id, int fd_in, int fd_out, int fd_err,
    int errfd)
{
	struct sigaction	sa;
	struct rlimit		rl;
	sigset_t		none;
	int			sig, fd, e;

	if (setpgid(0, 0) == -1)
		goto fail;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < 32; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	}
	if (dup2(fd_in, STDIN_FILENO) == -1 ||
	    dup2(fd_out, STDOUT_FILENO) == -1 ||
	    dup2(fd_err, STDERR_FILENO) == -1)
		goto fail;
	/* Everything else closes on exec, the error pipe included. */
	if (syscall(SYS_close_range, STDERR_FILENO + 1, ~0U,
	    CLOSE_RANGE_CLOEXEC) == -1) {
		for (fd = STDERR_FILENO + 1; fd < 65536; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	rl.rlim_cur = rl.rlim_max = id->max_procs;
	if (id->max_procs != 0 && setrlimit(RLIMIT_NPROC, &rl) == -1)
		goto fail;
	rl.rlim_cur = rl.rlim_max = id->max_cpu;
	if (id->max_cpu != 0 && setrlimit(RLIMIT_CPU, &rl) == -1)
		goto fail;
	rl.rlim_cur = rl.rlim_max = id->max_memory;
	if (id->max_memory != 0 && setrlimit(RLIMIT_AS, &rl) == -1)
		goto fail;
	rl.rlim_cur = rl.rlim_max = id->max_files;
	if (id->max_files != 0 && setrlimit(RLIMIT_NOFILE, &rl) == -1)
		goto fail;
	if (id->max_files == 0 && id->files_soft != 0 &&
	    getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = id->files_soft;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			goto fail;
	}
	if (id->change_user) {
		if (syscall(SYS_setgroups, id->ngroups, id->groups) == -1 ||
		    syscall(SYS_setresgid, id->gid, id->gid, id->gid) == -1 ||
		    syscall(SYS_setresuid, id->uid, id->uid, id->uid) == -1)
			goto fail;
	}
	if (id->umask_set)
		umask(id->umask);
	if (chdir(id->home) == -1 && chdir("/") == -1)
		goto fail;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve("/bin/sh", argv, envp);
fail:
	e = errno;
	if (write(errfd, &e, sizeof e) == -1) {
		/* Nothing more to do: the parent sees the child exit. */
	}
	_exit(127);
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
