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

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
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
 * Spawning and signalling commands. A command runs as /bin/sh -c COMMAND
 * in a session and process group of its own, with no controlling terminal,
 * with a clean environment, default signal
 * dispositions, an empty signal mask, the three pipes as its standard
 * descriptors and no other descriptor of ours, in its user's home, as
 * its user and under its limits. A vfork-style child sets all that up and
 * executes the shell, so a large daemon is never copied, and neither is
 * its table of descriptors (see exec_spawn).
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
 * is held from the clone until the child has executed the shell; with 4,
 * 64 connections running true spent 60 to 100 us more of daemon CPU per
 * command waiting for slots than with 16, which stay below descriptor 60.
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

/*
 * Per-command cgroups. At start-up rcmdd looks for its own cgroup v2
 * (from /proc/self/cgroup's "0::" line and the cgroup2 mount in
 * /proc/self/mountinfo) and, if it may create cgroups there (systemd's
 * Delegate=yes, or root on a host without systemd), makes a tree of its
 * own, rcmdd-PID, moves itself into its leaf "daemon" (cgroup v2 keeps
 * processes out of a cgroup whose children have controllers) and gives
 * each command a cgroup "cmd-ID" (the audit id) that the command's child
 * joins before anything else. When the command is over, cgroup.kill ends
 * whatever it left, wherever it went (setsid, double fork), and the
 * cgroup is removed. Where the pids controller can be enabled in the
 * tree, CommandMaxProcesses becomes pids.max per command as well.
 * Elsewhere rcmdd runs without, and says so once at start-up.
 */
struct exec_cgroup {
	char		 name[32];
	int		 made;
	int		 procs;
};

static int	 exec_cgroup_setup(char **);
static int	 exec_cgroup_find(char *, size_t, char **);
static int	 exec_cgroup_write(int, const char *, const char *);
static int	 exec_cgroup_has(int, const char *, const char *);
static int	 exec_cgroup_fd_has(int, const char *);
static void	 exec_cgroup_clean(void);
static void	 exec_cgroup_atexit(void);
static void	 exec_cgroup_stale(const char *);
static void	 exec_cgroup_start(void);

static int	 exec_cg_root = -1;		/* rcmdd-PID, or -1: none */
static int	 exec_cg_pids;			/* pids.max per command */
static pid_t	 exec_cg_owner;
static char	 exec_cg_parent[PATH_MAX];	/* where rcmdd started */
static char	 exec_cg_path[PATH_MAX];	/* rcmdd-PID */

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
	struct passwd		*pw;
	struct stat		 st;
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
	/*
	 * A command that changes user enters its home as that user (and
	 * falls back to /), so only whether the folder exists counts here:
	 * after the privilege drop root cannot search a home of mode 0700.
	 */
	if (pw->pw_dir != NULL && (id.change_user ?
	    stat(pw->pw_dir, &st) == 0 && S_ISDIR(st.st_mode) :
	    access(pw->pw_dir, X_OK) == 0))
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
	id.files_hard = exec_files_hard;
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
	exec_cgroup_start();
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
 * posix_spawn copies the whole table, then closes it on exec: with
 * thousands of connections open that cost milliseconds per command. The
 * command's three pipe ends wait in a slot, a set of three low descriptors
 * reserved at start-up, while the child starts; EXEC_SLOTS spawns can be
 * under way at once.
 */
pid_t
exec_spawn(const char *command, char *const *envp,
    const struct exec_identity *id, struct exec_cgroup *cg, int fd_in,
    int fd_out, int fd_err, int *error, const char **what)
{
	struct exec_slot	*slot;
	struct exec_args	 a;
	char			*argv[4];
	pid_t			 pid;
	int			 fd[3], j;

	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)command;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* A fuzzer drives sessions with arbitrary EXECs: run only cat. */
	argv[2] = (char *)"exec cat";
#endif
	argv[3] = NULL;

	memset(&a, 0, sizeof a);
	a.argv = argv;
	a.envp = envp;
	a.id = id;
	a.keep_below = exec_slots_top;
	a.errfd = -1;
	a.cgroup_fd = exec_cgroup_procs(cg);
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

out:
	/* Let go of the pipe ends, so that the reader sees end of file. */
	for (j = 0; j < 3; j++) {
		if (dup3(exec_null, slot->fd[j], O_CLOEXEC) == -1)
			fatal("cannot reset spawn descriptor %d", slot->fd[j]);
	}
	exec_slot_put(slot);
	/* The child has joined its cgroup, or failed to: done with it. */
	exec_cgroup_procs_close(cg);
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
		exec_limit_add(a, RLIMIT_NOFILE, id->files_soft, id->files_hard);
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
	static int	(*real_clone)(int (*)(void *), void *, int, void *, ...);
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
 * Set up the per-command cgroups, or say why there are none, at info
 * level: it changes what a command may leave behind. Called once from
 * exec_start, before any thread.
 */
static void
exec_cgroup_start(void)
{
	char	*cause = NULL;

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* A fuzzer's sessions run only cat, and touch no cgroup. */
	return;
#endif
	if (exec_cgroup_setup(&cause) == 0) {
		log_info("commands: each in a cgroup of its own under %s, "
		    "ended with cgroup.kill with whatever it leaves behind; "
		    "CommandMaxProcesses %s", exec_cg_path, exec_cg_pids ?
		    "also applies per command (pids.max)" : "counts per user "
		    "only (no pids controller in the cgroup tree)");
		return;
	}
	log_info("commands: no cgroup of their own (%s); processes a command "
	    "moves out of its process group (setsid) outlive it: give rcmdd "
	    "a cgroup v2 it may manage (Delegate=yes in its unit)", cause);
	free(cause);
}

/* Find our cgroup, make rcmdd-PID and daemon, and move there. */
static int
exec_cgroup_setup(char **cause)
{
	char	 path[PATH_MAX];
	int	 parent;

	if (exec_cgroup_find(exec_cg_parent, sizeof exec_cg_parent,
	    cause) != 0)
		return (-1);
	if ((parent = open(exec_cg_parent, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		xasprintf(cause, "cannot open %s: %s", exec_cg_parent,
		    strerror(errno));
		return (-1);
	}
	exec_cgroup_stale(exec_cg_parent);
	exec_cg_owner = getpid();
	if ((size_t)snprintf(path, sizeof path, "%s/rcmdd-%ld",
	    exec_cg_parent, (long)exec_cg_owner) >= sizeof path) {
		xasprintf(cause, "cgroup path too long");
		close(parent);
		return (-1);
	}
	if (mkdir(path, 0755) == -1) {
		xasprintf(cause, "cannot create %s: %s", path,
		    strerror(errno));
		close(parent);
		return (-1);
	}
	strlcpy(exec_cg_path, path, sizeof exec_cg_path);
	exec_cg_root = open(exec_cg_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (exec_cg_root == -1) {
		xasprintf(cause, "cannot open %s: %s", exec_cg_path,
		    strerror(errno));
		goto fail;
	}
	if (faccessat(exec_cg_root, "cgroup.kill", W_OK, 0) == -1) {
		xasprintf(cause, "%s/cgroup.kill: %s (it came with Linux "
		    "5.14)", exec_cg_path, strerror(errno));
		goto fail;
	}
	if (mkdirat(exec_cg_root, "daemon", 0755) == -1) {
		xasprintf(cause, "cannot create %s/daemon: %s", exec_cg_path,
		    strerror(errno));
		goto fail;
	}
	if (exec_cgroup_write(exec_cg_root, "daemon/cgroup.procs", "0") != 0) {
		xasprintf(cause, "cannot move rcmdd into %s/daemon: %s",
		    exec_cg_path, strerror(errno));
		goto fail;
	}
	atexit(exec_cgroup_atexit);

	/*
	 * The pids controller, for pids.max per command: enabled in our
	 * parent's children if it can be (a delegated cgroup holds no other
	 * process once we moved out), then in ours. Best effort.
	 */
	if (!exec_cgroup_has(exec_cg_root, "cgroup.controllers", "pids") &&
	    exec_cgroup_has(parent, "cgroup.controllers", "pids"))
		exec_cgroup_write(parent, "cgroup.subtree_control", "+pids");
	if (exec_cgroup_has(exec_cg_root, "cgroup.controllers", "pids") &&
	    exec_cgroup_write(exec_cg_root, "cgroup.subtree_control",
	    "+pids") == 0)
		exec_cg_pids = 1;
	close(parent);
	return (0);

fail:
	exec_cgroup_clean();
	close(parent);
	return (-1);
}

/*
 * Find the folder of our cgroup v2: the "0::" line of /proc/self/cgroup,
 * under the cgroup2 mount whose root it is in (/sys/fs/cgroup, or
 * /sys/fs/cgroup/unified on a hybrid host).
 */
static int
exec_cgroup_find(char *out, size_t outlen, char **cause)
{
	FILE	*f;
	char	*line = NULL, *p, *fields[5], *rel;
	char	 cg[PATH_MAX];
	size_t	 size = 0, rootlen;
	int	 found = 0, i;

	if ((f = fopen("/proc/self/cgroup", "re")) == NULL) {
		xasprintf(cause, "cannot read /proc/self/cgroup: %s",
		    strerror(errno));
		return (-1);
	}
	while (getline(&line, &size, f) != -1) {
		if (strncmp(line, "0::/", 4) == 0) {
			line[strcspn(line, "\n")] = '\0';
			found = strlcpy(cg, line + 3, sizeof cg) < sizeof cg;
			break;
		}
	}
	fclose(f);
	if (!found) {
		free(line);
		xasprintf(cause, "no cgroup v2 in /proc/self/cgroup");
		return (-1);
	}

	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL) {
		free(line);
		xasprintf(cause, "cannot read /proc/self/mountinfo: %s",
		    strerror(errno));
		return (-1);
	}
	found = 0;
	while (!found && getline(&line, &size, f) != -1) {
		if ((p = strstr(line, " - cgroup2 ")) == NULL)
			continue;
		*p = '\0';
		p = line;
		for (i = 0; i < 5; i++)
			fields[i] = strsep(&p, " ");
		if (fields[4] == NULL || strchr(fields[4], '\\') != NULL)
			continue;
		/* The mount's root (field 4) must hold our cgroup. */
		rootlen = strlen(fields[3]);
		if (strcmp(fields[3], "/") == 0)
			rel = cg;
		else if (strncmp(cg, fields[3], rootlen) == 0 &&
		    (cg[rootlen] == '/' || cg[rootlen] == '\0'))
			rel = cg + rootlen;
		else
			continue;
		if (strcmp(rel, "/") == 0)
			rel = "";
		found = (size_t)snprintf(out, outlen, "%s%s", fields[4], rel) <
		    outlen;
	}
	fclose(f);
	free(line);
	if (!found) {
		xasprintf(cause, "no cgroup2 mount holds cgroup %s", cg);
		return (-1);
	}
	return (0);
}

/*
 * Remove what a dead rcmdd left in our parent cgroup: trees rcmdd-PID
 * whose PID is no process and that hold no process. A tree still holding
 * processes (commands of a daemon that was SIGKILLed) is left alone.
 */
static void
exec_cgroup_stale(const char *parent)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX];
	const char	*num;
	char		*end;
	long		 pid;
	int		 fd;
	DIR		*sub;
	struct dirent	*se;

	if ((d = opendir(parent)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "rcmdd-", 6) != 0)
			continue;
		num = de->d_name + 6;
		errno = 0;
		pid = strtol(num, &end, 10);
		if (*num == '\0' || *end != '\0' || pid <= 0 || errno != 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", parent,
		    de->d_name) >= sizeof path ||
		    (fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1)
			continue;
		if (exec_cgroup_has(fd, "cgroup.events", "populated 0") &&
		    (sub = opendir(path)) != NULL) {
			while ((se = readdir(sub)) != NULL) {
				if (se->d_type == DT_DIR &&
				    se->d_name[0] != '.')
					unlinkat(fd, se->d_name, AT_REMOVEDIR);
			}
			closedir(sub);
			if (rmdir(path) == 0)
				log_debug("removed %s, left by an rcmdd "
				    "that is gone", path);
		}
		close(fd);
	}
	closedir(d);
}

/* Write a string to a file in a cgroup folder; -1 with errno on error. */
static int
exec_cgroup_write(int dirfd, const char *file, const char *value)
{
	ssize_t	n;
	int	fd, saved;

	if ((fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = write(fd, value, strlen(value));
	saved = errno;
	close(fd);
	errno = saved;
	return (n == (ssize_t)strlen(value) ? 0 : -1);
}

/*
 * Return whether a cgroup file holds a word or line (cgroup.controllers'
 * "pids", cgroup.events' "populated 0").
 */
static int
exec_cgroup_has(int dirfd, const char *file, const char *what)
{
	int	fd, found;

	if ((fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	found = exec_cgroup_fd_has(fd, what);
	close(fd);
	return (found);
}

/* The same on an open file, read again from its start. */
static int
exec_cgroup_fd_has(int fd, const char *what)
{
	char	 buf[512], *p;
	ssize_t	 n;
	size_t	 len = strlen(what);

	n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, what)) != NULL; p += len) {
		if ((p == buf || p[-1] == ' ' || p[-1] == '\n') &&
		    (p[len] == ' ' || p[len] == '\n' || p[len] == '\0'))
			return (1);
	}
	return (0);
}

/*
 * Undo exec_cgroup_setup: move back to the cgroup rcmdd started in (a
 * delegated one with controllers enabled refuses: its service manager
 * removes the tree) and remove the tree, which is empty unless commands
 * are still running.
 */
static void
exec_cgroup_clean(void)
{
	char	path[PATH_MAX];

	if (exec_cg_path[0] == '\0')
		return;
	if ((size_t)snprintf(path, sizeof path, "%s/cgroup.procs",
	    exec_cg_parent) < sizeof path)
		exec_cgroup_write(AT_FDCWD, path, "0");
	if ((size_t)snprintf(path, sizeof path, "%s/daemon", exec_cg_path) <
	    sizeof path)
		rmdir(path);
	rmdir(exec_cg_path);
	if (exec_cg_root != -1)
		close(exec_cg_root);
	exec_cg_root = -1;
	exec_cg_path[0] = '\0';
}

/* At exit, in the daemon only (not in a child that forked from it). */
static void
exec_cgroup_atexit(void)
{
	if (getpid() == exec_cg_owner)
		exec_cgroup_clean();
}

/*
 * Make the cgroup of the command with audit id id, with pids.max from its
 * CommandMaxProcesses where the pids controller is on, and open its
 * cgroup.procs for the child to join. Return 0 with *cgp NULL when
 * commands get no cgroup, or -1 with the reason in cause. Worker threads.
 */
int
exec_cgroup_new(uint64_t id, const struct exec_identity *ident,
    struct exec_cgroup **cgp, char **cause)
{
	struct exec_cgroup	*cg;
	char			 file[64], value[32];

	*cgp = NULL;
	if (exec_cg_root == -1)
		return (0);
	cg = xcalloc(1, sizeof *cg);
	cg->procs = -1;
	snprintf(cg->name, sizeof cg->name, "cmd-%llu",
	    (unsigned long long)id);
	if (mkdirat(exec_cg_root, cg->name, 0755) == -1) {
		xasprintf(cause, "cannot create cgroup %s/%s: %s",
		    exec_cg_path, cg->name, strerror(errno));
		free(cg);
		return (-1);
	}
	cg->made = 1;
	if (exec_cg_pids && ident->max_procs != 0) {
		snprintf(file, sizeof file, "%s/pids.max", cg->name);
		snprintf(value, sizeof value, "%lu", ident->max_procs);
		if (exec_cgroup_write(exec_cg_root, file, value) != 0) {
			xasprintf(cause, "cannot set %s/%s: %s", exec_cg_path,
			    file, strerror(errno));
			goto fail;
		}
	}
	snprintf(file, sizeof file, "%s/cgroup.procs", cg->name);
	if ((cg->procs = openat(exec_cg_root, file, O_WRONLY |
	    O_CLOEXEC)) == -1) {
		xasprintf(cause, "cannot open %s/%s: %s", exec_cg_path, file,
		    strerror(errno));
		goto fail;
	}
	*cgp = cg;
	return (0);

fail:
	exec_cgroup_free(cg);
	return (-1);
}

/*
 * Kill every process in a command's cgroup, wherever in it, without
 * waiting. Worker thread.
 */
void
exec_cgroup_kill(struct exec_cgroup *cg)
{
	char	file[64];

	if (cg == NULL || !cg->made)
		return;
	snprintf(file, sizeof file, "%s/cgroup.kill", cg->name);
	if (exec_cgroup_write(exec_cg_root, file, "1") != 0)
		log_warn("cannot write 1 to %s/%s", exec_cg_path, file);
}

/*
 * End what is left of a command once its shell has exited: kill its
 * cgroup, wait up to two seconds for it to empty, and remove it. Worker
 * thread.
 */
void
exec_cgroup_free(struct exec_cgroup *cg)
{
	struct pollfd	pfd;
	char		file[64];
	int		i, empty = 0;

	if (cg == NULL)
		return;
	if (cg->procs != -1)
		close(cg->procs);
	if (cg->made) {
		exec_cgroup_kill(cg);
		snprintf(file, sizeof file, "%s/cgroup.events", cg->name);
		pfd.fd = openat(exec_cg_root, file, O_RDONLY | O_CLOEXEC);
		pfd.events = POLLPRI;
		/* A change of cgroup.events wakes poll with POLLPRI. */
		for (i = 0; i < 200 && pfd.fd != -1; i++) {
			if ((empty = exec_cgroup_fd_has(pfd.fd,
			    "populated 0")) != 0)
				break;
			poll(&pfd, 1, 10);
		}
		if (pfd.fd != -1)
			close(pfd.fd);
		if (unlinkat(exec_cg_root, cg->name, AT_REMOVEDIR) == -1)
			log_warn("cannot remove cgroup %s/%s%s", exec_cg_path,
			    cg->name, empty ? "" : ", which still holds "
			    "processes 2 s after cgroup.kill");
	}
	free(cg);
}

/* Return the descriptor a command's child joins its cgroup with, or -1. */
int
exec_cgroup_procs(struct exec_cgroup *cg)
{
	return (cg == NULL ? -1 : cg->procs);
}

/* Close that descriptor once the child has used it. */
void
exec_cgroup_procs_close(struct exec_cgroup *cg)
{
	if (cg != NULL && cg->procs != -1) {
		close(cg->procs);
		cg->procs = -1;
	}
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
