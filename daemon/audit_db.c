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

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The audit database's file and schema, for as long as it is opened: its
 * folder, mode and group (AuditGroup), the schema and its migrations,
 * sealing the rows of a database from before the chain's version 2, and
 * recovering the rows a daemon that died left running. Everything here
 * runs at start-up, before the writer thread (audit.c) takes the handle.
 */

#define AUDIT_SCHEMA_VERSION	10
#define AUDIT_BUSY_TIMEOUT_MS	5000

static int	 audit_fix_file(const char *, int, char **);
static int	 audit_migrate_schema_text(const char *, char **);
static int	 audit_recover(char **);
static int	 audit_select_ids(const char *, uint64_t **, size_t *,
		     char **);
static int	 audit_seal_legacy(char **);
static char	*audit_errmsg(const char *);

extern const char audit_schema[], audit_migrate_2[], audit_migrate_3[],
    audit_migrate_4[], audit_migrate_5[], audit_migrate_6[], audit_migrate_7[],
    audit_migrate_8[], audit_migrate_9[], audit_migrate_10[],
    audit_views[];

/* The database being opened, and its chain's head, until handed over. */
static sqlite3		*audit_db;
static struct chain_head audit_chain;

/* AuditGroup, or -1: who may read the database besides its owner. */
static gid_t		 audit_group = (gid_t)-1;

/*
 * Look up AuditGroup's name. Return 0 with its gid, or -1 with a cause that
 * names it. Called at start-up, before the database opens, and by -t.
 */
int
audit_lookup_group(const char *name, gid_t *gid, char **cause)
{
	struct group	*gr;

	errno = 0;
	if ((gr = getgrnam(name)) == NULL) {
		if (errno != 0 && errno != ENOENT)
			xasprintf(cause, "AuditGroup %s: cannot look the group "
			    "up: %s", name, strerror(errno));
		else
			xasprintf(cause, "AuditGroup %s: no such group: create "
			    "it (groupadd %s) or name an existing one", name,
			    name);
		return (-1);
	}
	*gid = gr->gr_gid;
	return (0);
}

/*
 * Make the database, -wal and -shm files mode 0640 and owned by this group
 * from the next audit_open on; (gid_t)-1, the default, keeps them 0600.
 */
void
audit_set_group(gid_t gid)
{
	audit_group = gid;
}

/*
 * Open the database, creating it mode 0600 (0640 and AuditGroup's with
 * one) if needed, apply the schema, and mark rows left running by a daemon
 * that died as interrupted. Return 0 with the handle in dbp and the
 * chain's head in head, or -1 with a cause. Called before any thread
 * starts. The handle is for one thread at a time (the audit writer's,
 * once it starts: audit.c), so SQLite takes no mutex on each call.
 */
int
audit_db_open(const char *path, int sync_full, struct sqlite3 **dbp,
    struct chain_head *head, char **cause)
{
	sqlite3_stmt	*stmt = NULL;
	struct stat	 st;
	char		*errmsg = NULL, *why = NULL, *dir, *slash;
	int		 fd, version, rc;

	/*
	 * Whoever can write the folder can replace the database, or plant
	 * its -wal and -shm files before rcmdd creates them: refuse a folder
	 * anyone may write, sticky or not.
	 */
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL)
		strlcpy(dir, ".", 2);
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	rc = stat(dir, &st);
	if (rc == 0 && (st.st_mode & S_IWOTH)) {
		xasprintf(cause, "audit database folder %s is world-writable, "
		    "so anyone could replace the audit log: keep the database "
		    "in a folder only rcmdd's user can write", dir);
		free(dir);
		return (-1);
	}
	/* Auditors need to pass through the folder to read the files. */
	if (rc == 0 && audit_group != (gid_t)-1 && !(st.st_mode & S_IXOTH) &&
	    (st.st_gid != audit_group || !(st.st_mode & S_IXGRP)))
		log_warnx("audit: AuditGroup (gid %ld) cannot reach the "
		    "database through its folder %s: make the folder group "
		    "%ld, mode 0750", (long)audit_group, dir,
		    (long)audit_group);
	free(dir);

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		xasprintf(cause, "cannot open audit database %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	close(fd);
	/*
	 * Set the database's mode and group before SQLite opens it: SQLite
	 * creates the -wal and -shm files with the database's mode and, as
	 * root, gives them its owner and group.
	 */
	if (audit_fix_file(path, 0, cause) != 0)
		return (-1);

	if (sqlite3_open_v2(path, &audit_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "cannot open audit database %s: %s", path,
		    audit_db == NULL ? "out of memory" :
		    sqlite3_errmsg(audit_db));
		goto fail;
	}
	sqlite3_busy_timeout(audit_db, AUDIT_BUSY_TIMEOUT_MS);
	if (sqlite3_exec(audit_db, "PRAGMA journal_mode = WAL", NULL, NULL,
	    &errmsg) != SQLITE_OK || sqlite3_exec(audit_db, sync_full ?
	    "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", NULL,
	    NULL, &errmsg) != SQLITE_OK)
		goto sqlfail;

	if (sqlite3_prepare_v2(audit_db, "PRAGMA user_version", -1, &stmt,
	    NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW)
		goto stmtfail;
	version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (version > AUDIT_SCHEMA_VERSION) {
		xasprintf(cause, "audit database %s has schema version %d, "
		    "newer than this rcmdd knows (%d): a newer rcmdd wrote "
		    "it, and there is no downgrade; install that rcmdd again, "
		    "or start this one on another database (-d) and keep "
		    "this one for the newer", path, version,
		    AUDIT_SCHEMA_VERSION);
		goto fail;
	}
	if (sqlite3_exec(audit_db, "BEGIN IMMEDIATE", NULL, NULL,
	    &errmsg) != SQLITE_OK)
		goto sqlfail;
	if (version == 0 && (sqlite3_exec(audit_db, audit_schema, NULL, NULL,
	    &errmsg) != SQLITE_OK || sqlite3_exec(audit_db, audit_views, NULL,
	    NULL, &errmsg) != SQLITE_OK))
		goto sqlrollback;
	if (version == 1) {
		log_info("audit: upgrading %s from schema version 1 to 2 and "
		    "sealing its rows into the hash chain", path);
		if (sqlite3_exec(audit_db, audit_migrate_2, NULL, NULL,
		    &errmsg) != SQLITE_OK)
			goto sqlrollback;
	}
	if (version >= 1 && version < 3) {
		log_info("audit: upgrading %s to schema version 3 (client "
		    "certificate fingerprints)", path);
		if (sqlite3_exec(audit_db, audit_migrate_3, NULL, NULL,
		    &errmsg) != SQLITE_OK)
			goto sqlrollback;
	}
	if (version >= 1 && version < 4) {
		log_info("audit: upgrading %s to schema version 4 (each "
		    "command's start and end chained, ids never reused)", path);
		if (sqlite3_exec(audit_db, audit_migrate_4, NULL, NULL,
		    &errmsg) != SQLITE_OK || sqlite3_exec(audit_db,
		    audit_views, NULL, NULL, &errmsg) != SQLITE_OK)
			goto sqlrollback;
	}
	if (version >= 1 && version < 5) {
		log_info("audit: upgrading %s to schema version 5 (the cursor "
		    "of forwarding to a central store)", path);
		if (sqlite3_exec(audit_db, audit_migrate_5, NULL, NULL,
		    &errmsg) != SQLITE_OK || sqlite3_exec(audit_db,
		    audit_views, NULL, NULL, &errmsg) != SQLITE_OK)
			goto sqlrollback;
	}
	if (version >= 1 && version < 6) {
		log_info("audit: upgrading %s to schema version 6 (run-as "
		    "user, argument vector, ticket, directory and rule)", path);
		if (sqlite3_exec(audit_db, audit_migrate_6, NULL, NULL,
		    &errmsg) != SQLITE_OK || sqlite3_exec(audit_db,
		    audit_views, NULL, NULL, &errmsg) != SQLITE_OK)
			goto sqlrollback;
	}
	if (version >= 1 && version < 7) {
		log_info("audit: upgrading %s to schema version 7 (the "
		    "terminal a command ran on)", path);
		if (sqlite3_exec(audit_db, audit_migrate_7, NULL, NULL,
		    &errmsg) != SQLITE_OK || sqlite3_exec(audit_db,
		    audit_views, NULL, NULL, &errmsg) != SQLITE_OK)
			goto sqlrollback;
	}
	if (version >= 1 && version < 8) {
		log_info("audit: upgrading %s to schema version 8 (terminal "
		    "sessions' recordings)", path);
		if (sqlite3_exec(audit_db, audit_migrate_8, NULL, NULL,
		    &errmsg) != SQLITE_OK || sqlite3_exec(audit_db,
		    audit_views, NULL, NULL, &errmsg) != SQLITE_OK)
			goto sqlrollback;
	}
	if (version >= 1 && version < 9) {
		log_info("audit: upgrading %s to schema version 9 (a status "
		    "check that builds no table at each write)", path);
		if (audit_migrate_schema_text(audit_migrate_9, &errmsg) != 0)
			goto sqlrollback;
	}
	if (version >= 1 && version < 10) {
		log_info("audit: upgrading %s to schema version 10 (running "
		    "rows kept out of the index of ends)", path);
		if (sqlite3_exec(audit_db, audit_migrate_10, NULL, NULL,
		    &errmsg) != SQLITE_OK)
			goto sqlrollback;
	}
	if (chain_load(audit_db, &audit_chain, &why) != 0 ||
	    (version >= 1 && version < 4 && audit_seal_legacy(&why) != 0) ||
	    audit_recover(&why) != 0) {
		xasprintf(cause, "audit database %s: %s", path, why);
		free(why);
		sqlite3_exec(audit_db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	if (sqlite3_exec(audit_db, "COMMIT", NULL, NULL, &errmsg) !=
	    SQLITE_OK)
		goto sqlrollback;

	/* Those left by a daemon that died keep their old mode: fix them. */
	if (audit_fix_file(path, 1, cause) != 0 ||
	    audit_fix_file(path, 2, cause) != 0)
		goto fail;
	*dbp = audit_db;
	*head = audit_chain;
	audit_db = NULL;
	return (0);

stmtfail:
	xasprintf(cause, "audit database %s: %s", path,
	    sqlite3_errmsg(audit_db));
	goto fail;
sqlrollback:
	sqlite3_exec(audit_db, "ROLLBACK", NULL, NULL, NULL);
sqlfail:
	xasprintf(cause, "audit database %s: %s", path,
	    errmsg != NULL ? errmsg : sqlite3_errmsg(audit_db));
	sqlite3_free(errmsg);
fail:
	sqlite3_finalize(stmt);
	sqlite3_close(audit_db);
	audit_db = NULL;
	return (-1);
}

/*
 * Run a migration that edits a table's text in sqlite_schema, where the
 * rows need no change (a CHECK written another way), as SQLite's "Making
 * Other Kinds Of Table Schema Changes" says, inside the caller's
 * transaction: writable_schema on, the edit, schema_version one on (so
 * that the schema is read again, here too), writable_schema off.
 */
static int
audit_migrate_schema_text(const char *sql, char **errmsg)
{
	sqlite3_stmt	*stmt = NULL;
	char		 bump[64];
	int		 cookie, rc;

	if (sqlite3_prepare_v2(audit_db, "PRAGMA schema_version", -1, &stmt,
	    NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return (-1);
	}
	cookie = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	(void)snprintf(bump, sizeof bump, "PRAGMA schema_version = %d",
	    cookie + 1);
	if (sqlite3_exec(audit_db, "PRAGMA writable_schema = ON", NULL, NULL,
	    errmsg) != SQLITE_OK)
		return (-1);
	rc = sqlite3_exec(audit_db, sql, NULL, NULL, errmsg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(audit_db, bump, NULL, NULL, errmsg);
	if (sqlite3_exec(audit_db, "PRAGMA writable_schema = OFF", NULL, NULL,
	    rc == SQLITE_OK ? errmsg : NULL) != SQLITE_OK)
		rc = SQLITE_ERROR;
	return (rc == SQLITE_OK ? 0 : -1);
}

/*
 * Give the database (which 0), its -wal (1) or its -shm file (2) the mode
 * and group AuditGroup asks for: 0640 and that group, or 0600. Files from
 * an earlier run with another AuditGroup, or none, are brought in line. A
 * -wal or -shm file that is not there is fine.
 *
 * By path, never through a descriptor of our own: closing any descriptor
 * of a file drops every POSIX lock the process holds on it, SQLite's
 * included, and a reader that then finds the -shm file unlocked rebuilds
 * it under the writer's mapping (SIGBUS). The folder is not
 * world-writable, so the file cannot change between lstat and chmod.
 */
static int
audit_fix_file(const char *path, int which, char **cause)
{
	static const char	*suffix[] = { "", "-wal", "-shm" };
	struct stat		 st;
	mode_t			 mode;
	char			*name;

	mode = audit_group == (gid_t)-1 ? 0600 : 0640;
	xasprintf(&name, "%s%s", path, suffix[which]);
	if (lstat(name, &st) == -1) {
		if (errno == ENOENT && which != 0) {
			free(name);
			return (0);
		}
		xasprintf(cause, "cannot stat %s: %s", name, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s is not a regular file: move it away",
		    name);
		goto fail;
	}
	if (audit_group != (gid_t)-1 && st.st_gid != audit_group &&
	    lchown(name, (uid_t)-1, audit_group) == -1) {
		xasprintf(cause, "cannot give %s to AuditGroup (gid %ld): %s: "
		    "rcmdd needs CAP_CHOWN at start-up (root's, and in the "
		    "unit's CapabilityBoundingSet), or to run as a member of "
		    "that group", name, (long)audit_group, strerror(errno));
		goto fail;
	}
	if ((st.st_mode & 07777) != mode && chmod(name, mode) == -1) {
		xasprintf(cause, "cannot make %s mode %04o: %s", name,
		    (u_int)mode, strerror(errno));
		goto fail;
	}
	free(name);
	return (0);

fail:
	free(name);
	return (-1);
}

/*
 * Mark the rows left running by a daemon that died as interrupted, and
 * chain their ends, in id order. Only the rows whose start rcmdd chained:
 * a running row without a valid start was not written by rcmdd (someone
 * with write access inserted it), and finishing it would make it look
 * like one; it stays as it is, logged here and reported by rcmdd
 * --verify-audit. Inside audit_open's transaction.
 */
static int
audit_recover(char **cause)
{
	sqlite3_stmt	*stmt;
	struct timespec	 ts;
	uint64_t	*ids = NULL;
	size_t		 n = 0, i, done = 0;
	char		 now[32], *why;
	int		 rc;

	if (audit_select_ids("SELECT id FROM commands WHERE status = "
	    "'running' ORDER BY id", &ids, &n, cause) != 0)
		return (-1);
	if (n == 0)
		return (0);

	clock_gettime(CLOCK_REALTIME, &ts);
	text_time(&ts, now, sizeof now);
	if (sqlite3_prepare_v2(audit_db, "UPDATE commands SET "
	    "status = 'interrupted', finished_at = ?, reason = "
	    "'rcmdd stopped before the command finished' "
	    "WHERE id = ?", -1, &stmt, NULL) != SQLITE_OK) {
		free(ids);
		*cause = audit_errmsg("recovery");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		why = NULL;
		rc = chain_check_start(audit_db, ids[i], &audit_chain, &why);
		if (rc == -1) {
			*cause = why;
			goto fail;
		}
		if (rc == 0) {
			log_warnx("audit: row id %llu is running but %s: rcmdd "
			    "did not write it; it stays as it is, for rcmdd "
			    "--verify-audit to report",
			    (unsigned long long)ids[i], why);
			free(why);
			continue;
		}
		sqlite3_bind_text(stmt, 1, now, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(stmt, 2, (sqlite3_int64)ids[i]);
		if (sqlite3_step(stmt) != SQLITE_DONE) {
			*cause = audit_errmsg("recovery");
			goto fail;
		}
		sqlite3_reset(stmt);
		if (chain_seal_end(audit_db, ids[i], &audit_chain, NULL,
		    cause) != 0)
			goto fail;
		done++;
	}
	sqlite3_finalize(stmt);
	free(ids);
	if (done != 0)
		log_warnx("audit: marked %zu command%s left running by a "
		    "previous rcmdd as interrupted", done, done == 1 ? "" :
		    "s");
	return (0);

fail:
	sqlite3_finalize(stmt);
	free(ids);
	return (-1);
}

/* Return the ids a query selects, in an allocated array. */
static int
audit_select_ids(const char *sql, uint64_t **ids, size_t *n, char **cause)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	*ids = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(audit_db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		*cause = audit_errmsg("sealing");
		return (-1);
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = (uint64_t)sqlite3_column_int64(stmt, 0);
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		*cause = audit_errmsg("sealing");
		return (-1);
	}
	return (0);
}

/*
 * Chain the rows of a database upgraded from before schema 4 that are not
 * in the chain yet, in id order: the start of each, and the end of each
 * that is final. A running row among them was left by the rcmdd before
 * the upgrade, which chained nothing at start; recovery then finishes it.
 */
static int
audit_seal_legacy(char **cause)
{
	uint64_t	*ids, *final;
	size_t		 n, nfinal, i, j = 0;
	int		 rc = 0;

	if (audit_select_ids("SELECT id FROM commands WHERE seq IS NULL "
	    "ORDER BY id", &ids, &n, cause) != 0)
		return (-1);
	if (audit_select_ids("SELECT id FROM commands WHERE seq IS NULL AND "
	    "status != 'running' ORDER BY id", &final, &nfinal, cause) != 0) {
		free(ids);
		return (-1);
	}
	for (i = 0; i < n && rc == 0; i++) {
		rc = chain_seal_start(audit_db, ids[i], &audit_chain, NULL,
		    cause);
		if (rc == 0 && j < nfinal && final[j] == ids[i]) {
			j++;
			rc = chain_seal_end(audit_db, ids[i], &audit_chain,
			    NULL, cause);
		}
	}
	free(final);
	free(ids);
	return (rc);
}

/* Return an allocated description of the last SQLite error. */
static char *
audit_errmsg(const char *what)
{
	char	*s;

	xasprintf(&s, "audit %s failed: %s", what, sqlite3_errmsg(audit_db));
	return (s);
}
