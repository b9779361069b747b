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
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

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
static int	 cgroup_setup(char **);
static int	 cgroup_find(char *, size_t, char **);
static void	 cgroup_stale(const char *);
static int	 cgroup_write(int, const char *, const char *);
static int	 cgroup_has(int, const char *, const char *);
static int	 cgroup_fd_has(int, const char *);
static void	 cgroup_stop(void);
static void	 cgroup_atexit(void);

/* A command's cgroup, cmd-ID under rcmdd-PID. */
struct cgroup {
	char		 name[32];
	int		 made;
	int		 killed;	/* cgroup.kill written */
	int		 procs;
};

static int	 cgroup_root = -1;		/* rcmdd-PID, or -1: none */
static int	 cgroup_pids;			/* pids.max per command */
static pid_t	 cgroup_owner;
static char	 cgroup_parent[PATH_MAX];	/* where rcmdd started */
static char	 cgroup_path[PATH_MAX];		/* rcmdd-PID */

/*
 * Set up the per-command cgroups, or say why there are none, at info
 * level: it changes what a command may leave behind. Called once from
 * exec_start, before any thread.
 */
void
cgroup_start(void)
{
	char	*cause = NULL;

	if (cgroup_setup(&cause) == 0) {
		log_info("commands: each in a cgroup of its own under %s, "
		    "ended with cgroup.kill with whatever it leaves behind; "
		    "CommandMaxProcesses %s", cgroup_path, cgroup_pids ?
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
cgroup_setup(char **cause)
{
	char	 path[PATH_MAX];
	int	 parent;

	if (cgroup_find(cgroup_parent, sizeof cgroup_parent,
	    cause) != 0)
		return (-1);
	if ((parent = open(cgroup_parent, O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		xasprintf(cause, "cannot open %s: %s", cgroup_parent,
		    strerror(errno));
		return (-1);
	}
	cgroup_stale(cgroup_parent);
	cgroup_owner = getpid();
	if ((size_t)snprintf(path, sizeof path, "%s/rcmdd-%ld",
	    cgroup_parent, (long)cgroup_owner) >= sizeof path) {
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
	strlcpy(cgroup_path, path, sizeof cgroup_path);
	cgroup_root = open(cgroup_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cgroup_root == -1) {
		xasprintf(cause, "cannot open %s: %s", cgroup_path,
		    strerror(errno));
		goto fail;
	}
	if (faccessat(cgroup_root, "cgroup.kill", W_OK, 0) == -1) {
		xasprintf(cause, "%s/cgroup.kill: %s (it came with Linux "
		    "5.14)", cgroup_path, strerror(errno));
		goto fail;
	}
	if (mkdirat(cgroup_root, "daemon", 0755) == -1) {
		xasprintf(cause, "cannot create %s/daemon: %s", cgroup_path,
		    strerror(errno));
		goto fail;
	}
	if (cgroup_write(cgroup_root, "daemon/cgroup.procs", "0") != 0) {
		xasprintf(cause, "cannot move rcmdd into %s/daemon: %s",
		    cgroup_path, strerror(errno));
		goto fail;
	}
	atexit(cgroup_atexit);

	/*
	 * The pids controller, for pids.max per command: enabled in our
	 * parent's children if it can be (a delegated cgroup holds no other
	 * process once we moved out), then in ours. Best effort.
	 */
	if (!cgroup_has(cgroup_root, "cgroup.controllers", "pids") &&
	    cgroup_has(parent, "cgroup.controllers", "pids"))
		cgroup_write(parent, "cgroup.subtree_control", "+pids");
	if (cgroup_has(cgroup_root, "cgroup.controllers", "pids") &&
	    cgroup_write(cgroup_root, "cgroup.subtree_control",
	    "+pids") == 0)
		cgroup_pids = 1;
	close(parent);
	return (0);

fail:
	cgroup_stop();
	close(parent);
	return (-1);
}

/*
 * Find the folder of our cgroup v2: the "0::" line of /proc/self/cgroup,
 * under the cgroup2 mount whose root it is in (/sys/fs/cgroup, or
 * /sys/fs/cgroup/unified on a hybrid host).
 */
static int
cgroup_find(char *out, size_t outlen, char **cause)
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
cgroup_stale(const char *parent)
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
		if (cgroup_has(fd, "cgroup.events", "populated 0") &&
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
cgroup_write(int dirfd, const char *file, const char *value)
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
cgroup_has(int dirfd, const char *file, const char *what)
{
	int	fd, found;

	if ((fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	found = cgroup_fd_has(fd, what);
	close(fd);
	return (found);
}

/* The same on an open file, read again from its start. */
static int
cgroup_fd_has(int fd, const char *what)
{
	char	 buf[512], *p;
	ssize_t	 n;
	size_t	 len;

	len = strlen(what);
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
 * Undo cgroup_setup: move back to the cgroup rcmdd started in (a
 * delegated one with controllers enabled refuses: its service manager
 * removes the tree) and remove the tree, which is empty unless commands
 * are still running.
 */
static void
cgroup_stop(void)
{
	char	path[PATH_MAX];

	if (cgroup_path[0] == '\0')
		return;
	if ((size_t)snprintf(path, sizeof path, "%s/cgroup.procs",
	    cgroup_parent) < sizeof path)
		cgroup_write(AT_FDCWD, path, "0");
	if ((size_t)snprintf(path, sizeof path, "%s/daemon", cgroup_path) <
	    sizeof path)
		rmdir(path);
	rmdir(cgroup_path);
	if (cgroup_root != -1)
		close(cgroup_root);
	cgroup_root = -1;
	cgroup_path[0] = '\0';
}

/* At exit, in the daemon only (not in a child that forked from it). */
static void
cgroup_atexit(void)
{
	if (getpid() == cgroup_owner)
		cgroup_stop();
}

/*
 * Make the cgroup of the command with audit id id, with pids.max from its
 * CommandMaxProcesses where the pids controller is on, and open its
 * cgroup.procs for the child to join. Return 0 with *cgp NULL when
 * commands get no cgroup, or -1 with the reason in cause. Worker threads.
 */
int
cgroup_new(uint64_t id, const struct exec_identity *ident,
    struct cgroup **cgp, char **cause)
{
	struct cgroup	*cg;
	char			 file[64], value[32];

	*cgp = NULL;
	if (cgroup_root == -1)
		return (0);
	cg = xcalloc(1, sizeof *cg);
	cg->procs = -1;
	snprintf(cg->name, sizeof cg->name, "cmd-%llu",
	    (unsigned long long)id);
	if (mkdirat(cgroup_root, cg->name, 0755) == -1) {
		xasprintf(cause, "cannot create cgroup %s/%s: %s",
		    cgroup_path, cg->name, strerror(errno));
		free(cg);
		return (-1);
	}
	cg->made = 1;
	if (cgroup_pids && ident->max_procs != 0) {
		snprintf(file, sizeof file, "%s/pids.max", cg->name);
		snprintf(value, sizeof value, "%lu", ident->max_procs);
		if (cgroup_write(cgroup_root, file, value) != 0) {
			xasprintf(cause, "cannot set %s/%s: %s", cgroup_path,
			    file, strerror(errno));
			goto fail;
		}
	}
	snprintf(file, sizeof file, "%s/cgroup.procs", cg->name);
	if ((cg->procs = openat(cgroup_root, file, O_WRONLY |
	    O_CLOEXEC)) == -1) {
		xasprintf(cause, "cannot open %s/%s: %s", cgroup_path, file,
		    strerror(errno));
		goto fail;
	}
	*cgp = cg;
	return (0);

fail:
	cgroup_free(cg);
	return (-1);
}

/*
 * Kill every process in a command's cgroup, wherever in it, without
 * waiting. Worker thread.
 */
void
cgroup_kill(struct cgroup *cg)
{
	char	file[64];

	if (cg == NULL || !cg->made)
		return;
	snprintf(file, sizeof file, "%s/cgroup.kill", cg->name);
	if (cgroup_write(cgroup_root, file, "1") != 0)
		log_warn("cannot write 1 to %s/%s", cgroup_path, file);
	else
		cg->killed = 1;
}

/*
 * End what is left of a command once its shell has exited: kill its
 * cgroup, wait up to two seconds for it to empty, and remove it. Worker
 * thread.
 */
void
cgroup_free(struct cgroup *cg)
{
	struct pollfd	pfd;
	char		file[64];
	int		i, empty = 0;

	if (cg == NULL)
		return;
	if (cg->procs != -1)
		close(cg->procs);
	if (cg->made) {
		/*
		 * Once written, cgroup.kill has killed everything in it,
		 * forks under way included, and nothing joins it again: a
		 * second write (the end of every command wrote two) costs
		 * three system calls and a walk of the cgroup for nothing.
		 */
		if (!cg->killed)
			cgroup_kill(cg);
		snprintf(file, sizeof file, "%s/cgroup.events", cg->name);
		pfd.fd = openat(cgroup_root, file, O_RDONLY | O_CLOEXEC);
		pfd.events = POLLPRI;
		/* A change of cgroup.events wakes poll with POLLPRI. */
		for (i = 0; i < 200 && pfd.fd != -1; i++) {
			if ((empty = cgroup_fd_has(pfd.fd,
			    "populated 0")) != 0)
				break;
			poll(&pfd, 1, 10);
		}
		if (pfd.fd != -1)
			close(pfd.fd);
		if (unlinkat(cgroup_root, cg->name, AT_REMOVEDIR) == -1)
			log_warn("cannot remove cgroup %s/%s%s", cgroup_path,
			    cg->name, empty ? "" : ", which still holds "
			    "processes 2 s after cgroup.kill");
	}
	free(cg);
}

/* Return the descriptor a command's child joins its cgroup with, or -1. */
int
cgroup_procs(struct cgroup *cg)
{
	return (cg == NULL ? -1 : cg->procs);
}

/* Close that descriptor once the child has used it. */
void
cgroup_procs_close(struct cgroup *cg)
{
	if (cg != NULL && cg->procs != -1) {
		close(cg->procs);
		cg->procs = -1;
	}
}
