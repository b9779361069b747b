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
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The network part's confinement: what the process that parses TLS and
 * frames applies to itself once its listeners are bound and its TLS
 * material loaded, and before it reads anything from the network. It
 * needs root to start and keeps nothing of it:
 *
 *  - a private mount namespace whose root is an empty, read-only tmpfs
 *    (mounted on /tmp in that namespace alone, then chroot): no file of
 *    the host, the audit database least of all, is there to open; it
 *    needs no folder shipped or created, and works the same in a
 *    systemd unit and in a test run as root;
 *  - no supplementary groups, and the NetworkUser's uid and gid in all
 *    three slots (real, effective, saved);
 *  - no capability in any set, the bounding set emptied before the
 *    change of user (while CAP_SETPCAP is still there), no_new_privs and
 *    not dumpable (no core file, no ptrace by the same uid);
 *  - a seccomp filter (confine_filter) that lets through what libevent,
 *    OpenSSL, glibc, threads and the sanitizers use, and refuses with
 *    EPERM what only an attacker would want: executing a program,
 *    tracing, namespaces and mounts, changing ids or capabilities,
 *    loading code into the kernel, keys, personality, opening files
 *    for writing, creating, renaming or removing them, and sockets other
 *    than AF_UNIX.
 *
 * Every step that fails says which, and why, and confine_network fails:
 * rcmdd never runs its network part half confined.
 */

#define CONFINE_ROOT	"/tmp"

/*
 * LeakSanitizer checks for leaks at exit from a tracer that ptraces the
 * process's threads and reads /proc/self: in a sanitizer build (configure
 * --enable-sanitizers) the network part may call ptrace, stays dumpable
 * and has /proc in its empty root, or every exit would end in
 * LeakSanitizer's fatal error. The uid check still keeps it from tracing
 * the privileged part. Never so in a build without ASan;
 * --test-confinement says which it is.
 */
#if defined(__SANITIZE_ADDRESS__)
#define CONFINE_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONFINE_SANITIZER	1
#endif
#endif
#ifndef CONFINE_SANITIZER
#define CONFINE_SANITIZER	0
#endif

static int	confine_filter(char **);
static int	confine_deny(scmp_filter_ctx, const char *, int, char **);
static int	confine_probe(const char *, int, int *);
static void	*confine_thread(void *);

/* System calls the network part never makes: refused with EPERM. */
static const char *const confine_denied[] = {
	"execve", "execveat", "ptrace", "process_vm_readv",
	"process_vm_writev", "pidfd_getfd", "kcmp",
	"mount", "umount", "umount2", "pivot_root", "chroot", "setns",
	"unshare", "mount_setattr", "move_mount", "open_tree", "fsopen",
	"fsconfig", "fsmount", "fspick",
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
	"setfsuid", "setfsgid", "setgroups", "capset",
	"bpf", "perf_event_open", "userfaultfd", "kexec_load",
	"kexec_file_load", "init_module", "finit_module", "delete_module",
	"keyctl", "add_key", "request_key", "personality",
	"io_uring_setup", "io_uring_enter", "io_uring_register",
	"open_by_handle_at", "name_to_handle_at", "fanotify_init",
	"openat2", "creat", "truncate", "unlink", "unlinkat", "rename",
	"renameat", "renameat2", "mkdir", "mkdirat", "rmdir", "link",
	"linkat", "symlink", "symlinkat", "mknod", "mknodat", "chmod",
	"fchmodat", "chown", "lchown", "fchownat", "utime", "utimes",
	"utimensat", "futimesat",
	"swapon", "swapoff", "reboot", "acct", "quotactl", "sethostname",
	"setdomainname", "settimeofday", "clock_settime", "clock_adjtime",
	"adjtimex", "syslog", "iopl", "ioperm", "vhangup", "lookup_dcookie"
};
#define CONFINE_NDENIED (sizeof confine_denied / sizeof confine_denied[0])

/*
 * Confine the calling process as the network part: see above. Called in
 * the network part after fork, before any thread starts and before
 * anything is read from the network. Return 0, or -1 with what could not
 * be done in cause.
 */
int
confine_network(const struct config *conf, char **cause)
{
	struct passwd	*pw;
	const char	*name = conf->network_user;
	const char	*runas = conf->run_as == NULL ? "nobody" : conf->run_as;
	uid_t		 uid, ruid, euid, suid;
	gid_t		 gid, rgid, egid, sgid;
	int		 cap;

	if (geteuid() != 0) {
		xasprintf(cause, "the network part confines itself as root "
		    "(a mount namespace, chroot, a change of user) and rcmdd "
		    "runs as uid %ld: start rcmdd as root", (long)geteuid());
		return (-1);
	}
	if ((pw = getpwnam(name)) == NULL) {
		xasprintf(cause, "NetworkUser %s: no such user: create it "
		    "(adduser --system --no-create-home %s) or name another",
		    name, name);
		return (-1);
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		xasprintf(cause, "NetworkUser %s is uid 0: name an "
		    "unprivileged user of its own", name);
		return (-1);
	}
	if ((pw = getpwnam(runas)) != NULL && pw->pw_uid == uid) {
		xasprintf(cause, "NetworkUser %s is also the RunAs user: a "
		    "command would run with the network part's uid and could "
		    "signal or trace it; give the network part a user of its "
		    "own", name);
		return (-1);
	}
	/* Read what the chroot hides: the time zone, for log lines. */
	tzset();

	if (unshare(CLONE_NEWNS) == -1) {
		xasprintf(cause, "cannot make a private mount namespace "
		    "(unshare CLONE_NEWNS): %s", strerror(errno));
		return (-1);
	}
	/* "none": the type is ignored here, and valgrind wants a string. */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == -1) {
		xasprintf(cause, "cannot make the mounts private: %s",
		    strerror(errno));
		return (-1);
	}
	if (mount("rcmdd-empty", CONFINE_ROOT, "tmpfs", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC | (CONFINE_SANITIZER ? 0 : MS_RDONLY),
	    "size=4k,mode=0555") == -1) {
		xasprintf(cause, "cannot mount an empty tmpfs on %s in the "
		    "private mount namespace: %s", CONFINE_ROOT,
		    strerror(errno));
		return (-1);
	}
	/* LeakSanitizer reads /proc/self/task and maps: a sanitizer build. */
	if (CONFINE_SANITIZER && (mkdir(CONFINE_ROOT "/proc", 0555) == -1 ||
	    mount("proc", CONFINE_ROOT "/proc", "proc", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, NULL) == -1 || mount(NULL, CONFINE_ROOT, NULL,
	    MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
	    NULL) == -1)) {
		xasprintf(cause, "sanitizer build: cannot give the empty root "
		    "a /proc: %s", strerror(errno));
		return (-1);
	}
	if (chdir(CONFINE_ROOT) == -1 || chroot(".") == -1 ||
	    chdir("/") == -1) {
		xasprintf(cause, "cannot chroot into the empty %s: %s",
		    CONFINE_ROOT, strerror(errno));
		return (-1);
	}

	/* The bounding set goes while CAP_SETPCAP is still there. */
	capng_clear(CAPNG_SELECT_BOTH | CAPNG_SELECT_BOUNDS);
	if (capng_apply(CAPNG_SELECT_BOUNDS) != 0) {
		xasprintf(cause, "cannot empty the capability bounding set");
		return (-1);
	}
	if (setgroups(0, NULL) == -1) {
		xasprintf(cause, "cannot drop the supplementary groups: %s",
		    strerror(errno));
		return (-1);
	}
	if (setresgid(gid, gid, gid) == -1 || setresuid(uid, uid, uid) == -1) {
		xasprintf(cause, "cannot become NetworkUser %s (uid %ld, gid "
		    "%ld): %s", name, (long)uid, (long)gid, strerror(errno));
		return (-1);
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_BOTH) != 0) {
		xasprintf(cause, "cannot clear the capabilities");
		return (-1);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_DUMPABLE, CONFINE_SANITIZER, 0, 0, 0) == -1) {
		xasprintf(cause, "cannot set no_new_privs and not dumpable: %s",
		    strerror(errno));
		return (-1);
	}

	/* Check with the kernel rather than trust the calls. */
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1 || ruid != uid ||
	    euid != uid || suid != uid || rgid != gid || egid != gid ||
	    sgid != gid || setuid(0) != -1) {
		xasprintf(cause, "the ids did not change as asked");
		return (-1);
	}
	if (capng_get_caps_process() != 0 ||
	    capng_have_capabilities(CAPNG_SELECT_BOTH) != CAPNG_NONE) {
		xasprintf(cause, "capabilities are left after the change of "
		    "user");
		return (-1);
	}
	for (cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0) {
			xasprintf(cause, "capability %d is left in the "
			    "bounding set", cap);
			return (-1);
		}
	}
	return (confine_filter(cause));
}

/* Add one rule: refuse syscall name with EPERM, if this arch has it. */
static int
confine_deny(scmp_filter_ctx ctx, const char *name, int error, char **cause)
{
	int	nr, rc;

	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return (0);
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(error), nr, 0)) != 0) {
		xasprintf(cause, "seccomp: cannot refuse %s: %s", name,
		    strerror(-rc));
		return (-1);
	}
	return (0);
}

/*
 * Load the seccomp filter: allow by default, refuse the list above, open
 * and openat with any of O_WRONLY, O_RDWR, O_CREAT or O_TRUNC, sockets
 * but AF_UNIX, and clone with a namespace flag; clone3, whose flags it
 * cannot read, gets ENOSYS, on which glibc falls back to clone. Return
 * 0, or -1 with the reason in cause.
 */
static int
confine_filter(char **cause)
{
	static const int	 bits[] = { O_WRONLY, O_RDWR, O_CREAT,
	    O_TRUNC };
	static const int	 ns[] = { CLONE_NEWNS, CLONE_NEWUSER,
	    CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWIPC,
	    CLONE_NEWCGROUP };
	scmp_filter_ctx		 ctx;
	u_int			 i;
	int			 rc = 0;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		xasprintf(cause, "seccomp_init failed");
		return (-1);
	}
	for (i = 0; i < CONFINE_NDENIED; i++) {
		if (CONFINE_SANITIZER && strcmp(confine_denied[i],
		    "ptrace") == 0)
			continue;
		if (confine_deny(ctx, confine_denied[i], EPERM, cause) != 0)
			goto fail;
	}
	if (confine_deny(ctx, "clone3", ENOSYS, cause) != 0)
		goto fail;
	for (i = 0; i < sizeof bits / sizeof bits[0] && rc == 0; i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(open), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, bits[i],
		    bits[i]));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
			    SCMP_SYS(openat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ,
			    bits[i], bits[i]));
	}
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX, 0));
	for (i = 0; i < sizeof ns / sizeof ns[0] && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
		    SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i],
		    ns[i]));
	if (rc != 0) {
		xasprintf(cause, "seccomp: cannot add a rule: %s",
		    strerror(-rc));
		goto fail;
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		xasprintf(cause, "cannot load the seccomp filter: %s",
		    strerror(-rc));
		goto fail;
	}
	seccomp_release(ctx);
	return (0);

fail:
	seccomp_release(ctx);
	return (-1);
}

/*
 * Run one probe: say "refused: what: error" if it failed (ok is -1),
 * "ALLOWED: what" if it worked, and count what was allowed.
 */
static int
confine_probe(const char *what, int ok, int *allowed)
{
	if (ok == -1) {
		printf("refused: %s: %s\n", what, strerror(errno));
		return (0);
	}
	printf("ALLOWED: %s\n", what);
	(*allowed)++;
	return (1);
}

/* A thread that does nothing: the network part needs threads. */
static void *
confine_thread(void *arg)
{
	return (arg);
}

/*
 * rcmdd --test-confinement: confine a forked child exactly as the network
 * part is confined, check that a thread and a socketpair still work, then
 * try from inside what it must not do, one line each. Return the exit
 * status: 0 if every probe was refused, 1 if any worked (or what must
 * work did not), 2 if the confinement could not be applied.
 */
int
confine_test(const struct config *conf)
{
	char	*cause = NULL, what[1200], path[1024];
	char	*argv[] = { (char *)"sh", (char *)"-c", (char *)"exit 97",
		    NULL };
	char	*envp[] = { NULL };
	pid_t	 pid;
	pthread_t thread;
	int	 status, allowed = 0, fd = -1, rc, sv[2];

	fflush(stdout);
	switch (pid = fork()) {
	case -1:
		fprintf(stderr, "rcmdd: fork: %s\n", strerror(errno));
		return (1);
	case 0:
		break;
	default:
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 97) {
			printf("ALLOWED: execute /bin/sh\n");
			return (1);
		}
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "rcmdd: the confined probe died of "
			    "signal %d\n", WTERMSIG(status));
			return (1);
		}
		return (WIFEXITED(status) ? WEXITSTATUS(status) : 1);
	}

	if (confine_network(conf, &cause) != 0) {
		fprintf(stderr, "rcmdd: cannot confine the network part: %s\n",
		    cause);
		fflush(stderr);
		_exit(2);
	}
	if (CONFINE_SANITIZER)
		printf("sanitizer build: ptrace is allowed, the process "
		    "stays dumpable and /proc is there, for LeakSanitizer\n");
	/* What the network part needs must still work. */
	if ((rc = pthread_create(&thread, NULL, confine_thread, NULL)) != 0 ||
	    pthread_join(thread, NULL) != 0) {
		printf("FAILED: start a thread: %s\n", strerror(rc));
		allowed++;
	} else
		printf("works: start a thread\n");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1) {
		printf("FAILED: make a command's socketpair: %s\n",
		    strerror(errno));
		allowed++;
	} else {
		printf("works: make a command's socketpair\n");
		close(sv[0]);
		close(sv[1]);
	}

	snprintf(what, sizeof what, "open the audit database %s for reading",
	    conf->database);
	fd = open(conf->database, O_RDONLY);
	if (confine_probe(what, fd, &allowed))
		close(fd);
	snprintf(what, sizeof what, "open the audit database %s for writing",
	    conf->database);
	fd = open(conf->database, O_RDWR);
	if (confine_probe(what, fd, &allowed))
		close(fd);
	/* Beside the database: where the network part must not write. */
	snprintf(path, sizeof path, "%s.probe", conf->database);
	snprintf(what, sizeof what, "create and write the file %s", path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (confine_probe(what, fd, &allowed)) {
		close(fd);
		unlink(path);
	}
	confine_probe("become root again (setuid 0)", setuid(0), &allowed);
	capng_get_caps_process();
	capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
	    CAP_SYS_ADMIN);
	errno = EPERM;
	confine_probe("raise CAP_SYS_ADMIN (capset)",
	    capng_apply(CAPNG_SELECT_CAPS) == 0 ? 0 : -1, &allowed);
	if (confine_probe("trace the privileged part (ptrace attach)",
	    (int)ptrace(PTRACE_ATTACH, getppid(), NULL, NULL), &allowed)) {
		waitpid(getppid(), NULL, __WALL);
		ptrace(PTRACE_DETACH, getppid(), NULL, NULL);
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (confine_probe("open a TCP socket", fd, &allowed))
		close(fd);
	/*
	 * A mount on a path that is nowhere: refused by the filter with
	 * EPERM; anything else means the kernel went on to look it up.
	 */
	if (mount("none", "/rcmdd-no-such-folder", "tmpfs", 0, NULL) == -1 &&
	    errno != EPERM)
		rc = 0;
	else
		rc = -1;
	confine_probe("mount a file system", rc, &allowed);
	confine_probe("make a user namespace (unshare)",
	    unshare(CLONE_NEWUSER), &allowed);
	fflush(stdout);
	/* Last: if it worked, the parent sees sh's status 97. */
	execve("/bin/sh", argv, envp);
	confine_probe("execute /bin/sh", -1, &allowed);
	fflush(stdout);
	/* No exit handlers: a leak check would need ptrace. */
	_exit(allowed == 0 ? 0 : 1);
}
