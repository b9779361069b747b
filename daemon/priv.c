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
#include <sys/prctl.h>

#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <string.h>
#include <unistd.h>

#include <cap-ng.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Keeping only what rcmdd needs once it has started. Started as root to run
 * commands as another user, it opens its listeners and the audit database
 * first, then keeps uid 0, so that it still owns the database and SQLite
 * can recreate the -wal and -shm files, but drops every capability from
 * every set (effective, permitted, inheritable, ambient and bounding) but
 * three: CAP_SETUID and CAP_SETGID, with which a command's child takes the
 * RunAs user's ids and groups, and CAP_KILL, with which rcmdd signals a
 * command's process group, which belongs to that user. Lowering a limit,
 * changing to the user's home and reading the configuration again on
 * SIGHUP need none.
 *
 * The securebits are locked as well. Without them uid 0 is worth every
 * capability in the bounding set on exec: a command that runs a set-user-ID
 * root program would get CAP_SETUID and CAP_KILL back. SECBIT_NOROOT stops
 * that; SECBIT_NO_SETUID_FIXUP is locked off, so that a child's setresuid
 * to the RunAs user always empties its capabilities; and capabilities may
 * be neither kept across a change of user nor raised into the ambient set.
 * capng_lock() is not used: it sets SECBIT_NO_SETUID_FIXUP, which would let
 * every command keep CAP_SETUID.
 */

#define PRIV_SECUREBITS	(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |	\
    SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |	\
    SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

static int	priv_threads(void);
static int	priv_rules_root(const struct config *);

/* Set once the capabilities are gone; a reload cannot get them back. */
static int	priv_dropped;

/*
 * Drop what the daemon does not need, as above. Called from main on the
 * loop thread, after the listeners, the database and the pid file are
 * open and before any other thread starts: capabilities and securebits
 * belong to a thread, and the threads created later copy the loop's.
 * Return 0, or -1 with the reason in cause.
 */
int
priv_drop(const struct config *conf, char **cause)
{
	struct exec_identity	id;
	int			n;

	if (geteuid() != 0) {
		log_debug("privileges: not started as root (uid %ld): "
		    "nothing to drop", (long)geteuid());
		return (0);
	}
	exec_identity(&id);
	if (id.uid == 0) {
		log_debug("privileges: RunAs root: commands run with every "
		    "capability rcmdd has, so it keeps them all");
		return (0);
	}
	if (priv_rules_root(conf)) {
		log_debug("privileges: a rule runs commands as root, with "
		    "every capability rcmdd has, so it keeps them all");
		return (0);
	}
	if ((n = priv_threads()) != 1) {
		xasprintf(cause, "cannot drop privileges with %d threads "
		    "running: capabilities belong to each thread", n);
		return (-1);
	}

	/* CAP_SETPCAP, needed to set these, goes below. */
	if (prctl(PR_SET_SECUREBITS, PRIV_SECUREBITS, 0, 0, 0) == -1) {
		if (errno == EPERM)
			xasprintf(cause, "cannot lock the securebits: rcmdd "
			    "needs CAP_SETPCAP at start-up to drop root's "
			    "capabilities: keep it in the unit's "
			    "CapabilityBoundingSet");
		else
			xasprintf(cause, "cannot lock the securebits: %s",
			    strerror(errno));
		return (-1);
	}
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
	    CAPNG_BOUNDING_SET, CAP_SETUID, CAP_SETGID, CAP_KILL, -1) != 0) {
		xasprintf(cause, "cannot build the capability sets");
		return (-1);
	}
	if (capng_apply(CAPNG_SELECT_ALL) != 0) {
		xasprintf(cause, "cannot drop capabilities: %s",
		    strerror(errno));
		return (-1);
	}

	/* Check with the kernel rather than trust the library. */
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0 ||
	    prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) != 0 ||
	    capng_get_caps_process() != 0 ||
	    capng_have_capability(CAPNG_PERMITTED, CAP_DAC_OVERRIDE) ||
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_SETUID)) {
		xasprintf(cause, "the capabilities did not drop as asked");
		return (-1);
	}
	priv_dropped = 1;
	log_info("privileges: kept uid 0 with only CAP_SETUID, CAP_SETGID "
	    "and CAP_KILL, to run commands as %s and signal them; "
	    "securebits locked", id.user);
	return (0);
}

/* Count this process's threads, or return -1 if /proc cannot tell. */
static int
priv_threads(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/task")) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return (n);
}

/* Return whether the capabilities were dropped at start-up. */
int
priv_is_dropped(void)
{
	return (priv_dropped);
}

/* Does an Allow rule let commands run as root ("as root")? */
static int
priv_rules_root(const struct config *conf)
{
	u_int	i, j;

	for (i = 0; i < conf->nallow; i++) {
		for (j = 0; j < conf->allow[i].nusers; j++) {
			if (strcmp(conf->allow[i].users[j], "root") == 0)
				return (1);
		}
	}
	return (0);
}
