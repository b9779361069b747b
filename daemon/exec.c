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
#include <sys/mman.h>
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
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_child.h"
#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Spawning and signalling commands, and who they run as. A command runs
 * as /bin/sh -c COMMAND in a session and process group of its own, with
 * no controlling terminal, with a clean environment, default signal
 * dispositions, an empty signal mask, the three pipes as its standard
 * descriptors and no other descriptor of ours, in its user's home, as
 * its user and under its limits. A vfork-style child (exec_child.c) sets
 * all that up and executes the shell, so a large daemon is never copied,
 * and neither is its table of descriptors (see exec_spawn). The cgroup a
 * command runs in is cgroup.c's.
 */

#if defined(__SANITIZE_THREAD__)
#define EXEC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EXEC_TSAN 1
#endif
#endif
#ifdef EXEC_TSAN
#include <dlfcn.h>
#endif
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

/*
 * Three reserved descriptors and a stack for one spawn under way. A slot
 * is held from the clone until the child has executed the shell: enough
 * slots that busy workers seldom wait for one, and few enough that they
 * stay low in the descriptor table, since the child keeps every
 * descriptor below them.
 */
#define EXEC_SLOTS		16
#define EXEC_STACK_SIZE		(64 * 1024)
struct exec_slot {
	int		 fd[3];
	void		*stack;
	int		 busy;
};

static int	 exec_check_limits(const struct exec_identity *, char **);
static int	 exec_valgrind(void);
static int	 exec_probe(void);
static void	 exec_limits(const struct exec_identity *, struct exec_args *);
static void	 exec_limit_add(struct exec_args *, int, uint64_t, uint64_t);
static pid_t	 exec_clone(struct exec_args *, struct exec_slot *, int *);
static pid_t	 exec_clone_raw(int (*)(void *), void *, int, void *);
static void	 exec_wait(pid_t);
static pid_t	 exec_vfork(struct exec_args *, int *);
static struct exec_slot *exec_slot_get(void);
static void	 exec_slot_put(struct exec_slot *);

static struct exec_slot	 exec_slots[EXEC_SLOTS];
static pthread_mutex_t	 exec_slot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 exec_slot_cond = PTHREAD_COND_INITIALIZER;
static int		 exec_slots_top;
static int		 exec_shared;
static int		 exec_null = -1;

/* Who commands run as, and under which limits; loop thread only. */
static struct exec_identity exec_ident;
static unsigned long	 exec_files_soft;
static unsigned long	 exec_files_hard;

/*
 * rcmdd raised its own descriptor limit from soft: commands get the soft
 * limit back, as if started from a shell. Called before exec_configure.
 */
void
exec_set_files_soft(unsigned long soft, unsigned long hard)
{
	exec_files_soft = soft;
	exec_files_hard = hard;
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
	const char		*name = conf->run_as;

	if (name == NULL && geteuid() == 0)
		name = "nobody";
	if (exec_identity_user(conf, name, conf->run_as != NULL &&
	    strcmp(conf->run_as, "root") == 0, &id, cause) != 0)
		return (-1);
	exec_ident = id;
	return (0);
}

/*
 * Build who a command runs as when it runs as name (NULL: rcmdd's own
 * user): ids, groups, home, umask and the limits of the configuration.
 * root_ok says that root was written out (RunAs root, or a rule's "as
 * root"). Return 0, or -1 with the reason in cause. The privileged part's
 * loop thread, and start-up.
 */
int
exec_identity_user(const struct config *conf, const char *name,
    int root_ok, struct exec_identity *id, char **cause)
{
	struct passwd		*pw;
	struct stat		 st;
	int			 n;

	memset(id, 0, sizeof *id);
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
	if (pw->pw_uid == 0 && !root_ok) {
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
	id->change_user = geteuid() == 0;
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	strlcpy(id->user, pw->pw_name, sizeof id->user);
	/*
	 * A command that changes user enters its home as that user (and
	 * falls back to /), so only whether the folder exists counts here:
	 * after the privilege drop root cannot search a home of mode 0700.
	 */
	if (pw->pw_dir != NULL && (id->change_user ?
	    stat(pw->pw_dir, &st) == 0 && S_ISDIR(st.st_mode) :
	    access(pw->pw_dir, X_OK) == 0))
		strlcpy(id->home, pw->pw_dir, sizeof id->home);
	else
		strlcpy(id->home, "/", sizeof id->home);
	if (pw->pw_shell != NULL && pw->pw_shell[0] == '/')
		strlcpy(id->shell, pw->pw_shell, sizeof id->shell);
	else
		strlcpy(id->shell, "/bin/sh", sizeof id->shell);
	if (id->change_user) {
		n = EXEC_MAX_GROUPS;
		if (getgrouplist(pw->pw_name, pw->pw_gid, id->groups,
		    &n) == -1) {
			xasprintf(cause, "RunAs %s is in more than %d groups",
			    pw->pw_name, EXEC_MAX_GROUPS);
			return (-1);
		}
		id->ngroups = n;
	}
	/* As another user, the daemon's own umask is no guide: set one. */
	id->umask_set = conf->umask_set || id->change_user;
	id->umask = (mode_t)conf->umask;
	id->max_procs = conf->max_procs;
	id->max_cpu = conf->max_cpu_ms == 0 ? 0 :
	    (conf->max_cpu_ms + 999) / 1000;
	id->max_memory = conf->max_memory;
	id->max_files = conf->max_files;
	id->files_soft = exec_files_soft;
	id->files_hard = exec_files_hard;
	if (id->uid != 0 && exec_check_limits(id, cause) != 0)
		return (-1);
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

/*
 * The network part, on reload: take the run-as user's name the
 * privileged part resolved (it asks for commands as that user; the
 * privileged part alone resolves and checks the rest).
 */
void
exec_set_user(const char *name)
{
	strlcpy(exec_ident.user, name, sizeof exec_ident.user);
}

/* Return a copy of who commands run as now, for a job. Loop thread. */
void
exec_identity(struct exec_identity *id)
{
	*id = exec_ident;
}

/*
 * Make id (from exec_identity) who commands run as: a reload keeps the
 * running one until both parts have taken the new configuration.
 */
void
exec_identity_set(const struct exec_identity *id)
{
	exec_ident = *id;
}

/*
 * Build the environment a command starts with: PATH and LANG from the
 * configuration, and the run-as user's (id) HOME, USER, LOGNAME and SHELL. Nothing of
 * the daemon's own environment passes through.
 */
char **
exec_env_new(const struct config *conf, const struct exec_identity *id,
    const char *client)
{
	char	**envp;
	u_int	  n = 0;

	envp = xcalloc(8, sizeof *envp);
	xasprintf(&envp[n++], "PATH=%s", conf->path);
	xasprintf(&envp[n++], "LANG=%s", conf->lang);
	xasprintf(&envp[n++], "HOME=%s", id->home);
	xasprintf(&envp[n++], "USER=%s", id->user);
	xasprintf(&envp[n++], "LOGNAME=%s", id->user);
	xasprintf(&envp[n++], "SHELL=/bin/sh");
	xasprintf(&envp[n++], "RCMD_CLIENT=%s", client);
	envp[n] = NULL;
	return (envp);
}

/*
 * Add a terminal's TERM to an environment from exec_env_new, and make
 * SHELL the user's login shell, as a login over ssh has them.
 */
void
exec_env_terminal(char ***envp, const struct exec_identity *id,
    const char *term)
{
	char	**e = *envp;
	u_int	  n;

	for (n = 0; e[n] != NULL; n++) {
		if (strncmp(e[n], "SHELL=", 6) == 0) {
			free(e[n]);
			xasprintf(&e[n], "SHELL=%s", id->shell);
		}
	}
	e = xreallocarray(e, n + 2, sizeof *e);
	xasprintf(&e[n++], "TERM=%s", term);
	e[n] = NULL;
	*envp = e;
}

/* Free an environment from exec_env_new. */
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
 * Reserve the spawn slots; called once at start-up, before any thread.
 * Fails when the kernel cannot unshare a descriptor table on close_range
 * (CLOSE_RANGE_UNSHARE, Linux 5.9), which the spawn depends on.
 */
int
exec_start(char **cause)
{
	struct exec_slot	*slot;
	int			 null, i, j;

	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		xasprintf(cause, "cannot open /dev/null: %s", strerror(errno));
		return (-1);
	}
	exec_null = null;
	for (i = 0; i < EXEC_SLOTS; i++) {
		slot = &exec_slots[i];
		for (j = 0; j < 3; j++) {
			slot->fd[j] = fcntl(null, F_DUPFD_CLOEXEC, 0);
			if (slot->fd[j] == -1) {
				xasprintf(cause, "cannot reserve spawn "
				    "descriptors: %s", strerror(errno));
				return (-1);
			}
			if (slot->fd[j] + 1 > exec_slots_top)
				exec_slots_top = slot->fd[j] + 1;
		}
		slot->stack = mmap(NULL, EXEC_STACK_SIZE, PROT_READ |
		    PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (slot->stack == MAP_FAILED) {
			xasprintf(cause, "cannot map a spawn stack: %s",
			    strerror(errno));
			return (-1);
		}
		/* A guard page below, as a thread's stack has. */
		mprotect(slot->stack, (size_t)getpagesize(), PROT_NONE);
	}
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* A fuzzer's sessions run only cat, and touch no cgroup. */
	cgroup_start();
#endif
	if (exec_valgrind()) {
		log_warnx("under valgrind, commands start with a plain vfork");
		return (0);
	}
	if (exec_probe() != 0) {
		xasprintf(cause, "rcmdd needs Linux 5.9 or later: a child "
		    "cannot take a private descriptor table with close_range "
		    "(%s)", strerror(errno));
		return (-1);
	}
	exec_shared = 1;
	return (0);
}

/*
 * Return whether rcmdd runs under valgrind, which stops a program that
 * calls clone with a shared descriptor table.
 */
static int
exec_valgrind(void)
{
#ifdef HAVE_VALGRIND_VALGRIND_H
	return (RUNNING_ON_VALGRIND != 0);
#else
	return (0);
#endif
}

/*
 * Check that a child sharing our descriptor table can take a private one
 * with close_range: the child does only that and exits.
 */
static int
exec_probe(void)
{
	struct exec_args	 a;
	pid_t			 pid;
	int			 error;

	memset(&a, 0, sizeof a);
	a.keep_below = exec_slots_top;
	a.errfd = -1;
	a.cgroup_fd = -1;
	a.probe = 1;
	if ((pid = exec_clone(&a, &exec_slots[0], &error)) == -1) {
		errno = error;
		return (-1);
	}
	exec_wait(pid);
	return (0);
}

/*
 * Spawn /bin/sh -c command as id says, with fd_in, fd_out and fd_err as its
 * standard descriptors, in a new session (whose process group id is the
 * pid), in the user's home, in cgroup cg unless it is NULL. Return its
 * pid, or -1 with *error set to the errno that stopped it and *what to
 * the step that failed ("join its cgroup", "start /bin/sh").
 *
 * The child is a vfork (it shares our memory, and we wait until it has
 * executed the shell or failed) that also shares our descriptor table at
 * first (CLONE_FILES): its first act is close_range(CLOSE_RANGE_UNSHARE)
 * from just above the spawn slots, which gives it a private table holding
 * only the slots' descriptors and those below them. A plain vfork or
 * posix_spawn copies the whole table, then closes it on exec, a cost that
 * grows with every connection open. The command's three pipe ends wait in
 * a slot, a set of three low descriptors reserved at start-up, while the
 * child starts; EXEC_SLOTS spawns can be under way at once.
 */
pid_t
exec_spawn(const struct exec_command *cmd, char *const *envp,
    const struct exec_identity *id, struct cgroup *cg, int fd_in,
    int fd_out, int fd_err, int *error, const char **what)
{
	struct exec_slot	*slot;
	struct exec_args	 a;
	char			*argv[4], *largv[2];
	char			 login[sizeof id->shell + 1];
	const char		*base;
	pid_t			 pid;
	int			 fd[3], j;

	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)cmd->command;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* A fuzzer drives sessions with arbitrary EXECs: run only cat. */
	argv[2] = (char *)"exec cat";
#endif
	argv[3] = NULL;

	memset(&a, 0, sizeof a);
	a.path = "/bin/sh";
	a.argv = argv;
	a.cwd = cmd->cwd;
	/* An argument vector runs its program itself: no shell. */
	if (cmd->program != NULL) {
		a.path = cmd->program;
		a.argv = cmd->argv;
	}
	/* A login shell: its name with a dash in front, as login(1) does. */
	if (cmd->login) {
		base = strrchr(id->shell, '/');
		snprintf(login, sizeof login, "-%s", base == NULL ?
		    id->shell : base + 1);
		largv[0] = login;
		largv[1] = NULL;
		a.path = id->shell;
		a.argv = largv;
	}
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	a.path = "/bin/sh";
	a.argv = argv;
#endif
	a.terminal = cmd->terminal;
	a.envp = envp;
	a.id = id;
	a.keep_below = exec_slots_top;
	a.errfd = -1;
	a.cgroup_fd = cgroup_procs(cg);
	exec_limits(id, &a);
	*what = "start /bin/sh";
	fd[0] = fd_in;
	fd[1] = fd_out;
	fd[2] = fd_err;
	slot = exec_slot_get();
	for (j = 0; j < 3; j++) {
		a.fd[j] = slot->fd[j];
		if (dup3(fd[j], slot->fd[j], O_CLOEXEC) == -1) {
			*error = errno;
			pid = -1;
			goto out;
		}
	}
	if (exec_shared)
		pid = exec_clone(&a, slot, error);
	else
		pid = exec_vfork(&a, error);
	if (pid == -1 && a.step == EXEC_STEP_CGROUP)
		*what = "join its cgroup";
	else if (pid == -1 && a.step == EXEC_STEP_CWD)
		*what = "enter its working directory as its user";
	else if (pid == -1 && a.step == EXEC_STEP_TERMINAL)
		*what = "take its terminal";
	else if (pid == -1 && cmd->login)
		*what = "start the login shell";
	else if (pid == -1 && cmd->program != NULL)
		*what = "run the program";

out:
	/* Let go of the pipe ends, so that the reader sees end of file. */
	for (j = 0; j < 3; j++) {
		if (dup3(exec_null, slot->fd[j], O_CLOEXEC) == -1)
			fatal("cannot reset spawn descriptor %d", slot->fd[j]);
	}
	exec_slot_put(slot);
	/* The child has joined its cgroup, or failed to: done with it. */
	cgroup_procs_close(cg);
	return (pid);
}

/*
 * Spawn with a plain vfork, under valgrind, which stops a program whose
 * child would share our descriptor table: the child gets a copy of it.
 * It reports a failure before exec (errno and step) through a
 * close-on-exec pipe, which the parent reads once it runs again: at once,
 * since under valgrind a vfork is really a fork.
 */
static pid_t
exec_vfork(struct exec_args *a, int *error)
{
	sigset_t	all, old;
	ssize_t		n;
	pid_t		pid;
	int		errpipe[2], rep[2];

	if (pipe2(errpipe, O_CLOEXEC) == -1) {
		*error = errno;
		return (-1);
	}
	a->errfd = errpipe[1];
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = vfork();
	if (pid == 0)
		exec_child(a);
	if (pid == -1)
		*error = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(errpipe[1]);
	if (pid != -1) {
		do
			n = read(errpipe[0], rep, sizeof rep);
		while (n == -1 && errno == EINTR);
		if (n == sizeof rep) {
			exec_wait(pid);
			*error = rep[0];
			a->step = rep[1];
			pid = -1;
		}
	}
	close(errpipe[0]);
	return (pid);
}

/*
 * Work out the limits the child sets: the Command* ones, and else the
 * descriptor limit rcmdd had before raising its own.
 */
static void
exec_limits(const struct exec_identity *id, struct exec_args *a)
{
	exec_limit_add(a, RLIMIT_NPROC, id->max_procs, id->max_procs);
	exec_limit_add(a, RLIMIT_CPU, id->max_cpu, id->max_cpu);
	exec_limit_add(a, RLIMIT_AS, id->max_memory, id->max_memory);
	if (id->max_files != 0)
		exec_limit_add(a, RLIMIT_NOFILE, id->max_files, id->max_files);
	else
		exec_limit_add(a, RLIMIT_NOFILE, id->files_soft,
		    id->files_hard);
}

/* Add a limit for the child to set, unless cur is 0 (not set). */
static void
exec_limit_add(struct exec_args *a, int resource, uint64_t cur, uint64_t max)
{
	struct exec_limit	*l;

	if (cur == 0)
		return;
	l = &a->limits[a->nlimits++];
	l->resource = resource;
	l->value.cur = cur;
	l->value.max = max;
}

/*
 * Start a child that shares our memory and descriptor table, on the
 * slot's stack, with every signal blocked so that no handler of ours runs
 * in it. Return its pid once it has executed the shell (or, probing,
 * exited), or -1 with *error set if it failed before, reaped.
 */
static pid_t
exec_clone(struct exec_args *a, struct exec_slot *slot, int *error)
{
	sigset_t	 all, old;
	pid_t		 pid;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = exec_clone_raw(exec_child, (char *)slot->stack + EXEC_STACK_SIZE,
	    CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, a);
	if (pid == -1)
		*error = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid != -1 && a->error != 0) {
		exec_wait(pid);
		*error = a->error;
		pid = -1;
	}
	return (pid);
}

/*
 * Call clone. ThreadSanitizer intercepts clone and runs its after-fork
 * reset in the child, which on shared memory resets the parent thread's
 * state and fills the suite with false races: under it, call libc's own
 * clone.
 */
static pid_t
exec_clone_raw(int (*fn)(void *), void *stack, int flags, void *arg)
{
#ifdef EXEC_TSAN
	static int	(*real_clone)(int (*)(void *), void *, int, void *,
		    ...);
	void		*libc;

	if (real_clone == NULL) {
		if ((libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD)) ==
		    NULL || (real_clone = dlsym(libc, "clone")) == NULL)
			fatalx("cannot find libc's clone: %s", dlerror());
	}
	return (real_clone(fn, stack, flags, arg));
#else
	return (clone(fn, stack, flags, arg));
#endif
}

/* Reap a child that has exited or is about to. */
static void
exec_wait(pid_t pid)
{
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}

/* Take a free spawn slot, waiting for one if all are in use. */
static struct exec_slot *
exec_slot_get(void)
{
	struct exec_slot	*slot = NULL;
	int			 i;

	pthread_mutex_lock(&exec_slot_lock);
	for (;;) {
		for (i = 0; i < EXEC_SLOTS; i++) {
			if (!exec_slots[i].busy) {
				slot = &exec_slots[i];
				break;
			}
		}
		if (slot != NULL)
			break;
		pthread_cond_wait(&exec_slot_cond, &exec_slot_lock);
	}
	slot->busy = 1;
	pthread_mutex_unlock(&exec_slot_lock);
	return (slot);
}

/* Give a spawn slot back. */
static void
exec_slot_put(struct exec_slot *slot)
{
	pthread_mutex_lock(&exec_slot_lock);
	slot->busy = 0;
	pthread_cond_signal(&exec_slot_cond);
	pthread_mutex_unlock(&exec_slot_lock);
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
