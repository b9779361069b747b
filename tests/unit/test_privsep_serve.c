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
#include <sys/socket.h>
#include <sys/wait.h>

#include <CUnit/Basic.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "rcmdd.h"
#include "tmpdir.h"
#include "unit.h"
#include "xmalloc.h"

/*
 * Unit tests of the privileged part's command service (daemon/privsep.c)
 * through the network part's API (daemon/privsep_cmd.c), for real: each
 * test forks a privileged part with its own audit database and runs
 * commands through it. The output arrives on the descriptors passed
 * back; EXITED carries the status; the command itself finds its own row
 * committed as running (nothing starts before its record); signals,
 * TERMINATE and KILL reach it; refusals are recorded; a malformed request
 * ends the channel and every command; and a network part killed with
 * SIGKILL leaves every command it started killed and its row ended as
 * interrupted.
 */

struct fixture {
	char	 dir[64];
	char	 db[128];
	pid_t	 priv;
	int	 chan;
	char	 runas[64];
};

static int	 fx_start(struct fixture *, u_int);

/* Lines of rcmdd.conf the next fx_start's privileged part reads, or NULL. */
static const char	*fx_rules;
static int	 fx_stop(struct fixture *);
static int	 start_true(struct fixture *, struct cmd_record **,
		     struct privsep_cmd **);
static struct cmd_record *new_record(const char *);
static char	*read_all(int);
static int	 wait_exited(struct privsep_cmd *, int);
static char	*db_text(const struct fixture *, const char *);
static void	 expect_row(const struct fixture *, uint64_t, const char *,
		    const char *);
static void	 test_serve_run(void);
static void	 test_serve_output(void);
static void	 test_serve_fail_closed(void);
static void	 test_serve_signals(void);
static void	 test_serve_refusals(void);
static void	 test_serve_back_to_back(void);
static void	 test_serve_malformed(void);
static void	 test_serve_network_killed(void);
static void	 test_serve_forged_command(void);
static void	 test_serve_forged_status(void);
static void	 test_serve_deny_flood(void);
static void	 test_serve_peer_scope(void);

static CU_TestInfo serve_tests[] = {
	{ "a command runs after its row is committed, and is recorded",
	    test_serve_run },
	{ "captured output crosses in chunks, capped by AuditOutputMax",
	    test_serve_output },
	{ "a command whose row cannot be committed never runs",
	    test_serve_fail_closed },
	{ "SIGNAL, TERMINATE and KILL reach the command",
	    test_serve_signals },
	{ "a run-as the configuration does not grant, a command past "
	    "MaxCommands, and DENY, are recorded", test_serve_refusals },
	{ "a command that has ended does not count against MaxCommands",
	    test_serve_back_to_back },
	{ "a malformed request ends the channel and every command",
	    test_serve_malformed },
	{ "a vector's command text is the privileged part's, not the "
	    "network part's", test_serve_forged_command },
	{ "an end status only the privileged part gives is refused",
	    test_serve_forged_status },
	{ "DENY without end leaves a bounded number of rows",
	    test_serve_deny_flood },
	{ "a link-local peer is its address, not the local socket",
	    test_serve_peer_scope },
	{ "a network part killed by SIGKILL leaves no command running or "
	    "unrecorded", test_serve_network_killed },
	CU_TEST_INFO_NULL
};

/*
 * Fork a privileged part serving a fresh database, with MaxCommands
 * max_commands; the channel's other end stays in fx->chan. Return 0, or
 * -1 (the test has failed).
 */
static int
fx_start(struct fixture *fx, u_int max_commands)
{
	struct config	 conf;
	struct passwd	*pw;
	FILE		*fp;
	char		*cause = NULL;
	int		 sv[2];

	memset(fx, 0, sizeof *fx);
	if (tmpdir_new(fx->dir, sizeof fx->dir, "test_privsep") != 0)
		return (-1);
	snprintf(fx->db, sizeof fx->db, "%s/audit.db", fx->dir);
	strlcpy(fx->runas, geteuid() == 0 ? "root" : "", sizeof fx->runas);
	if (geteuid() != 0 && (pw = getpwuid(geteuid())) != NULL)
		strlcpy(fx->runas, pw->pw_name, sizeof fx->runas);
	if (privsep_socketpair(sv, &cause) != 0) {
		CU_FAIL("socketpair");
		return (-1);
	}
	switch (fx->priv = fork()) {
	case -1:
		CU_FAIL("fork");
		return (-1);
	case 0:
		close(sv[0]);
		log_init("test_privsep_serve", 1, 0);
		config_init(&conf);
		if (fx_rules != NULL && (fp = fmemopen((void *)fx_rules,
		    strlen(fx_rules), "r")) != NULL) {
			if (config_parse(&conf, "rules", fp, &cause) != 0) {
				fprintf(stderr, "rules: %s\n", cause);
				exit(2);
			}
			fclose(fp);
		}
		if (geteuid() == 0)
			conf.run_as = xstrdup("root");
		conf.max_commands = max_commands;
		if (exec_configure(&conf, &cause) != 0 ||
		    exec_start(&cause) != 0 ||
		    audit_open(fx->db, 0, &cause) != 0) {
			fprintf(stderr, "privileged part: %s\n", cause);
			exit(2);
		}
		audit_start();
		if (privsep_serve(sv[1], &conf) != 0)
			exit(3);
		audit_stop();
		config_clear(&conf);
		exit(0);
	}
	close(sv[1]);
	fx->chan = sv[0];
	return (0);
}

/*
 * Close the channel and wait (10 s at most) for the privileged part to
 * end. Return its exit status, or -1 if it would not end.
 */
static int
fx_stop(struct fixture *fx)
{
	int	status, i;

	if (fx->chan != -1)
		close(fx->chan);
	fx->chan = -1;
	for (i = 0; i < 1000; i++) {
		if (waitpid(fx->priv, &status, WNOHANG) == fx->priv)
			return (WIFEXITED(status) ? WEXITSTATUS(status) : 128);
		usleep(10000);
	}
	kill(fx->priv, SIGKILL);
	waitpid(fx->priv, &status, 0);
	return (-1);
}

/* A record of command from a TCP peer on loopback. */
static struct cmd_record *
new_record(const char *command)
{
	struct record_peer	peer;

	memset(&peer, 0, sizeof peer);
	strlcpy(peer.client_addr, "127.0.0.1", sizeof peer.client_addr);
	peer.client_port = 4242;
	peer.client_name = (char *)"unit";
	return (record_new(&peer, command, strlen(command)));
}

/* Read a descriptor to its end (or 5 s), as an allocated string. */
static char *
read_all(int fd)
{
	struct pollfd	 pfd;
	char		*s = NULL;
	size_t		 len = 0;
	ssize_t		 n;
	char		 buf[4096];
	int		 i;

	for (i = 0; i < 500; i++) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10) != 1)
			continue;
		if ((n = read(fd, buf, sizeof buf)) <= 0)
			break;
		s = xreallocarray(s, 1, len + n + 1);
		memcpy(s + len, buf, n);
		len += n;
	}
	if (s == NULL)
		s = xcalloc(1, 1);
	s[len] = '\0';
	return (s);
}

/* Poll the command's socket until EXITED (within ms); return 0 then. */
static int
wait_exited(struct privsep_cmd *cmd, int ms)
{
	struct pollfd	 pfd;
	char		*cause = NULL;
	int		 i, rc;

	for (i = 0; i < ms / 10; i++) {
		pfd.fd = cmd->ctl;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10) != 1)
			continue;
		rc = privsep_cmd_read(cmd, &cause);
		if (rc == PRIVSEP_CMD_EXITED)
			return (0);
		if (rc != PRIVSEP_CMD_NONE) {
			fprintf(stderr, "privsep_cmd_read: %d %s\n", rc,
			    cause == NULL ? "" : cause);
			free(cause);
			return (-1);
		}
	}
	return (-1);
}

/* Start "true" and wait for it to exit. Return 0, or -1 (a CUnit failure). */
static int
start_true(struct fixture *fx, struct cmd_record **rec,
    struct privsep_cmd **cmd)
{
	char	*cause = NULL;
	int	 kind;

	*rec = new_record("true");
	if (privsep_cmd_start(fx->chan, *rec, fx->runas, cmd, &kind,
	    &cause) != 0) {
		CU_FAIL("privsep_cmd_start");
		free(cause);
		return (-1);
	}
	if (wait_exited(*cmd, 5000) != 0) {
		CU_FAIL("wait_exited");
		return (-1);
	}
	return (0);
}

/* The first column of the first row sql gives, as a string ("" none). */
static char *
db_text(const struct fixture *fx, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	char		*s = NULL;

	if (sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(db);
		return (xstrdup("(no database)"));
	}
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW &&
	    sqlite3_column_text(stmt, 0) != NULL)
		s = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return (s == NULL ? xstrdup("") : s);
}

/* The row of id gives expected for the SQL expression what. */
static void
expect_row(const struct fixture *fx, uint64_t id, const char *what,
    const char *expected)
{
	char	*sql, *s;

	xasprintf(&sql, "select %s from commands where id = %llu", what,
	    (unsigned long long)id);
	s = db_text(fx, sql);
	if (strcmp(s, expected) != 0)
		fprintf(stderr, "row %llu: \"%s\" is \"%s\", not \"%s\"\n",
		    (unsigned long long)id, what, s, expected);
	CU_ASSERT_STRING_EQUAL(s, expected);
	free(s);
	free(sql);
}

/*
 * A command runs: it reads its own row with sqlite3 and finds it
 * committed as running; its output comes on the pipes passed back,
 * EXITED carries its exit status, and FINISH commits the end row.
 */
static void
test_serve_run(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	struct privsep_cmd	*cmd;
	const char		*sqlite3_shell;
	char			*command, *out, *err, *cause = NULL;
	int			 kind;

	if ((sqlite3_shell = getenv("SQLITE3")) == NULL ||
	    *sqlite3_shell == '\0')
		sqlite3_shell = "sqlite3";
	if (fx_start(&fx, 0) != 0)
		return;
	xasprintf(&command, "echo hello; echo oops >&2; %s %s \"select "
	    "'row:' || status from commands where command like "
	    "'%%marker-run%%'\"; exit 3", sqlite3_shell, fx.db);
	rec = new_record(command);
	free(command);
	CU_ASSERT_EQUAL_FATAL(privsep_cmd_start(fx.chan, rec, fx.runas, &cmd,
	    &kind, &cause), 0);
	CU_ASSERT(rec->id != 0 && rec->seq != 0);
	close(cmd->fd_in);
	cmd->fd_in = -1;
	out = read_all(cmd->fd_out);
	err = read_all(cmd->fd_err);
	/* The row was there, committed, before the command ran. */
	if (strcmp(out, "hello\nrow:running\n") != 0)
		fprintf(stderr, "the command printed \"%s\"\n", out);
	CU_ASSERT_STRING_EQUAL(out, "hello\nrow:running\n");
	CU_ASSERT_STRING_EQUAL(err, "oops\n");
	CU_ASSERT_EQUAL_FATAL(wait_exited(cmd, 5000), 0);
	CU_ASSERT(WIFEXITED(cmd->wstatus) && WEXITSTATUS(cmd->wstatus) == 3);

	rec->status = "exited";
	rec->output = out;
	rec->output_len = strlen(out);
	rec->output_bytes = rec->output_len + strlen(err);
	rec->duration_ms = 12;
	CU_ASSERT_EQUAL(privsep_cmd_finish(cmd, rec, &cause), 0);
	CU_ASSERT(rec->end_seq > rec->seq);
	expect_row(&fx, rec->id, "status || ' ' || exit_code || ' ' || "
	    "output_bytes || ' ' || output",
	    "exited 3 23 hello\nrow:running\n");
	privsep_cmd_free(cmd);
	free(err);
	record_free(rec);
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	tmpdir_free(fx.dir);
}

/*
 * The output the network part captured crosses in OUTPUT messages of
 * at most PRIVSEP_OUTPUT_CHUNK bytes, in order, and the privileged part
 * keeps at most its own AuditOutputMax (1M) of it.
 */
static void
test_serve_output(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	struct privsep_cmd	*cmd;
	char			*cause = NULL;
	size_t			 sizes[2] = { 3 * PRIVSEP_OUTPUT_CHUNK + 5,
	    1024 * 1024 + 7 };
	const char		*expected[2] = { "196613 0 196613 120",
	    "1048576 1 1048583 97" };
	int			 kind, i;

	if (fx_start(&fx, 0) != 0)
		return;
	for (i = 0; i < 2; i++) {
		rec = new_record("true");
		CU_ASSERT_EQUAL_FATAL(privsep_cmd_start(fx.chan, rec, fx.runas,
		    &cmd, &kind, &cause), 0);
		CU_ASSERT_EQUAL_FATAL(wait_exited(cmd, 5000), 0);
		rec->status = "exited";
		rec->output_len = sizes[i];
		rec->output_bytes = sizes[i];
		rec->output = xmalloc(sizes[i]);
		memset(rec->output, 'a', sizes[i]);
		rec->output[sizes[i] - 1] = 'x';
		CU_ASSERT_EQUAL(privsep_cmd_finish(cmd, rec, &cause), 0);
		/* The last byte kept: x (120) if all was, else a (97). */
		expect_row(&fx, rec->id, "length(cast(output as blob)) || ' ' "
		    "|| truncated || ' ' || output_bytes || ' ' || "
		    "unicode(substr(cast(output as blob), -1))", expected[i]);
		privsep_cmd_free(cmd);
		record_free(rec);
	}
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	tmpdir_free(fx.dir);
}

/*
 * While another connection holds the database's write lock past the
 * writer's busy timeout, the start row cannot be committed: the command
 * is refused and never runs.
 */
static void
test_serve_fail_closed(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	struct privsep_cmd	*cmd;
	sqlite3			*db;
	char			*cause = NULL, *command, ran[192];
	int			 kind;

	if (fx_start(&fx, 0) != 0)
		return;
	/* The first command creates the database's tables. */
	if (start_true(&fx, &rec, &cmd) != 0)
		return;
	rec->status = "exited";
	CU_ASSERT_EQUAL(privsep_cmd_finish(cmd, rec, &cause), 0);
	privsep_cmd_free(cmd);
	record_free(rec);

	CU_ASSERT_EQUAL_FATAL(sqlite3_open(fx.db, &db), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	snprintf(ran, sizeof ran, "%s/ran", fx.dir);
	xasprintf(&command, "touch %s", ran);
	rec = new_record(command);
	free(command);
	CU_ASSERT_EQUAL(privsep_cmd_start(fx.chan, rec, fx.runas, &cmd,
	    &kind, &cause), -1);
	CU_ASSERT_EQUAL(kind, PRIVSEP_FAIL_AUDIT);
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	usleep(300000);
	if (access(ran, F_OK) == 0)
		fprintf(stderr, "the command ran without its row\n");
	CU_ASSERT_EQUAL(access(ran, F_OK), -1);
	unlink(ran);
	record_free(rec);
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	tmpdir_free(fx.dir);
}

/* A client's signal, then TERMINATE and KILL, end commands. */
static void
test_serve_signals(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	struct privsep_cmd	*cmd;
	char			*cause = NULL, buf[6];
	int			 kind;

	if (fx_start(&fx, 0) != 0)
		return;
	/* Once it runs: a signal sent before its setsid finds no group. */
	rec = new_record("echo ready; exec sleep 30");
	CU_ASSERT_EQUAL_FATAL(privsep_cmd_start(fx.chan, rec, fx.runas, &cmd,
	    &kind, &cause), 0);
	CU_ASSERT_EQUAL(read(cmd->fd_out, buf, 6), 6);
	CU_ASSERT_EQUAL(privsep_cmd_signal(cmd, SIGINT, &cause), 0);
	CU_ASSERT_EQUAL_FATAL(wait_exited(cmd, 5000), 0);
	CU_ASSERT(WIFSIGNALED(cmd->wstatus) &&
	    WTERMSIG(cmd->wstatus) == SIGINT);
	/* The peer says exited: the status seen by the waiter wins. */
	rec->status = "exited";
	CU_ASSERT_EQUAL(privsep_cmd_finish(cmd, rec, &cause), 0);
	expect_row(&fx, rec->id, "status || ' ' || signal", "signaled 2");
	privsep_cmd_free(cmd);
	record_free(rec);

	rec = new_record("trap '' TERM; echo ready; while :; do sleep 1; "
	    "done");
	CU_ASSERT_EQUAL_FATAL(privsep_cmd_start(fx.chan, rec, fx.runas, &cmd,
	    &kind, &cause), 0);
	CU_ASSERT_EQUAL(read(cmd->fd_out, buf, 6), 6);
	CU_ASSERT_EQUAL(privsep_cmd_terminate(cmd, &cause), 0);
	CU_ASSERT_EQUAL(wait_exited(cmd, 300), -1);
	CU_ASSERT_EQUAL(privsep_cmd_kill(cmd, &cause), 0);
	CU_ASSERT_EQUAL_FATAL(wait_exited(cmd, 5000), 0);
	CU_ASSERT(WIFSIGNALED(cmd->wstatus) &&
	    WTERMSIG(cmd->wstatus) == SIGKILL);
	rec->status = "timeout";
	rec->reason = xstrdup("timed out after 1 ms");
	CU_ASSERT_EQUAL(privsep_cmd_finish(cmd, rec, &cause), 0);
	expect_row(&fx, rec->id, "status || ' ' || signal || ' ' || reason",
	    "timeout 9 timed out after 1 ms");
	privsep_cmd_free(cmd);
	record_free(rec);
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	tmpdir_free(fx.dir);
}

/*
 * A run-as user not granted, and a command past MaxCommands, are refused
 * and recorded as denied; so is a refused connection (DENY).
 */
static void
test_serve_refusals(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	struct record_peer	 peer;
	struct privsep_cmd	*cmd, *busy;
	struct cmd_record	*running;
	char			*cause = NULL, *s;
	int			 kind, i;

	if (fx_start(&fx, 1) != 0)
		return;
	rec = new_record("id");
	CU_ASSERT_EQUAL(privsep_cmd_start(fx.chan, rec, "not-the-runas-user",
	    &cmd, &kind, &cause), -1);
	CU_ASSERT_EQUAL(kind, PRIVSEP_FAIL_REFUSED);
	/* The privileged part decides, and says what would be allowed. */
	CU_ASSERT(cause != NULL && strstr(cause, "not allowed: ") != NULL &&
	    strstr(cause, "not-the-runas-user") != NULL);
	if (cause != NULL && strstr(cause, "not-the-runas-user") == NULL)
		fprintf(stderr, "refusal: %s\n", cause);
	free(cause);
	cause = NULL;

	/* MaxCommands 1: a second command waits its turn. */
	running = new_record("exec sleep 30");
	CU_ASSERT_EQUAL_FATAL(privsep_cmd_start(fx.chan, running, fx.runas,
	    &busy, &kind, &cause), 0);
	CU_ASSERT_EQUAL(privsep_cmd_start(fx.chan, rec, fx.runas, &cmd,
	    &kind, &cause), -1);
	CU_ASSERT_EQUAL(kind, PRIVSEP_FAIL_REFUSED);
	CU_ASSERT(cause != NULL && strstr(cause, "MaxCommands") != NULL);
	free(cause);
	cause = NULL;
	record_free(rec);
	CU_ASSERT_EQUAL(privsep_cmd_kill(busy, &cause), 0);
	CU_ASSERT_EQUAL(wait_exited(busy, 5000), 0);
	running->status = "cancelled";
	CU_ASSERT_EQUAL(privsep_cmd_finish(busy, running, &cause), 0);
	privsep_cmd_free(busy);
	record_free(running);

	memset(&peer, 0, sizeof peer);
	strlcpy(peer.client_addr, "192.0.2.7", sizeof peer.client_addr);
	peer.client_port = 999;
	peer.identity = (char *)"mallory";
	CU_ASSERT_EQUAL(privsep_deny(fx.chan, &peer, "no Allow rule admits "
	    "mallory", &cause), 0);
	/* Refusals are committed with the writer's next batch. */
	for (i = 0, s = NULL; i < 200; i++) {
		free(s);
		s = db_text(&fx, "select count(*) from commands where "
		    "status = 'denied'");
		if (strcmp(s, "3") == 0)
			break;
		usleep(10000);
	}
	CU_ASSERT_STRING_EQUAL(s, "3");
	free(s);
	s = db_text(&fx, "select identity || ' ' || client_port || ' ' || "
	    "reason from commands where client_addr = '192.0.2.7'");
	CU_ASSERT_STRING_EQUAL(s, "mallory 999 no Allow rule admits mallory");
	free(s);
	/* The refused command's row says what it was, and as whom. */
	s = db_text(&fx, "select command || ' ' || run_as || ' ' || mode from "
	    "commands where status = 'denied' and command = 'id'");
	CU_ASSERT_STRING_EQUAL(s, "id not-the-runas-user shell");
	free(s);
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	tmpdir_free(fx.dir);
}

/*
 * MaxCommands 1: commands run back to back, each EXEC sent as soon as
 * the ENDED of the one before came, are all admitted. The privileged
 * part frees a command after its ENDED has gone: one ended but not yet
 * freed must not count against the limit.
 */
static void
test_serve_back_to_back(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	struct privsep_cmd	*cmd;
	char			*cause = NULL;
	int			 kind, i, refused = 0;

	if (fx_start(&fx, 1) != 0)
		return;
	for (i = 0; i < 200 && refused == 0; i++) {
		rec = new_record("true");
		if (privsep_cmd_start(fx.chan, rec, fx.runas, &cmd, &kind,
		    &cause) != 0) {
			fprintf(stderr, "command %d of 200 back to back: %s\n",
			    i + 1, cause);
			free(cause);
			cause = NULL;
			refused = 1;
			record_free(rec);
			break;
		}
		CU_ASSERT_EQUAL(wait_exited(cmd, 5000), 0);
		rec->status = "exited";
		CU_ASSERT_EQUAL(privsep_cmd_finish(cmd, rec, &cause), 0);
		privsep_cmd_free(cmd);
		record_free(rec);
	}
	CU_ASSERT_EQUAL(refused, 0);
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	tmpdir_free(fx.dir);
}

/*
 * A request the privileged part cannot read ends the channel, and with
 * it the command running: killed, its row interrupted.
 */
static void
test_serve_malformed(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	struct privsep_cmd	*cmd;
	char			*cause = NULL;
	int			 kind, i, rc = PRIVSEP_CMD_NONE;

	if (fx_start(&fx, 0) != 0)
		return;
	rec = new_record("sleep 30");
	CU_ASSERT_EQUAL_FATAL(privsep_cmd_start(fx.chan, rec, fx.runas, &cmd,
	    &kind, &cause), 0);
	/* An EXEC without its command socket. */
	CU_ASSERT_EQUAL(privsep_send(fx.chan, PRIVSEP_EXEC, "\0\0", 2, NULL,
	    0, 0, &cause), 0);
	for (i = 0; i < 500 && (rc == PRIVSEP_CMD_NONE ||
	    rc == PRIVSEP_CMD_EXITED); i++) {
		usleep(10000);
		rc = privsep_cmd_read(cmd, &cause);
	}
	CU_ASSERT_EQUAL(rc, PRIVSEP_CMD_GONE);
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	expect_row(&fx, rec->id, "status || ' ' || signal || ' ' || reason",
	    "interrupted 9 the network part of rcmdd sent a malformed "
	    "request");
	privsep_cmd_free(cmd);
	record_free(rec);
	tmpdir_free(fx.dir);
}

/*
 * A network part starts two commands and is killed with SIGKILL: both
 * are killed by the privileged part and their rows ended as interrupted,
 * and the chain still verifies.
 */
static void
test_serve_network_killed(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	struct privsep_cmd	*cmd[2];
	struct chain_head	 head;
	pid_t			 net, pids[2];
	uint64_t		 n;
	char			*cause = NULL, *s, buf[32];
	int			 p[2], kind, i, status;
	FILE			*fp;

	if (fx_start(&fx, 0) != 0)
		return;
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	switch (net = fork()) {
	case -1:
		CU_FAIL("fork");
		return;
	case 0:
		close(p[0]);
		for (i = 0; i < 2; i++) {
			rec = new_record("echo $$; exec sleep 60");
			if (privsep_cmd_start(fx.chan, rec, fx.runas, &cmd[i],
			    &kind, &cause) != 0)
				_exit(1);
			memset(buf, 0, sizeof buf);
			if (read(cmd[i]->fd_out, buf, sizeof buf - 1) <= 0)
				_exit(1);
			if (write(p[1], buf, strlen(buf)) == -1)
				_exit(1);
		}
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	close(fx.chan);
	fx.chan = -1;
	fp = fdopen(p[0], "r");
	for (i = 0; i < 2; i++) {
		pids[i] = 0;
		if (fgets(buf, sizeof buf, fp) != NULL)
			pids[i] = (pid_t)atol(buf);
		CU_ASSERT(pids[i] > 1);
		CU_ASSERT(pids[i] > 1 && kill(pids[i], 0) == 0);
	}
	fclose(fp);
	kill(net, SIGKILL);
	waitpid(net, &status, 0);

	/* The privileged part ends once both are killed and recorded. */
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	for (i = 0; i < 2; i++) {
		CU_ASSERT(pids[i] > 1 && kill(pids[i], 0) == -1 &&
		    errno == ESRCH);
	}
	s = db_text(&fx, "select group_concat(status || ' ' || signal || "
	    "' ' || (finished_at is not null), ',') from commands");
	CU_ASSERT_STRING_EQUAL(s, "interrupted 9 1,interrupted 9 1");
	free(s);
	s = db_text(&fx, "select reason from commands where id = 1");
	CU_ASSERT_STRING_EQUAL(s, "the network part of rcmdd ended before "
	    "the command finished");
	free(s);
	CU_ASSERT_EQUAL(chain_verify(fx.db, NULL, &n, &head, &cause), 0);
	CU_ASSERT_EQUAL(n, 2);
	free(cause);
	tmpdir_free(fx.dir);
}

int
main(int argc, char **argv)
{
	(void)argc;
	signal(SIGPIPE, SIG_IGN);
	return (unit_run(argv[0], "privsep_serve", serve_tests));
}

/*
 * A vector's rendering (the command column, rcmdd --list, the log line)
 * is the privileged part's to make: an EXEC whose record also carries a
 * command text is malformed, and ends the channel. The text the network
 * part sent was kept in the row, over what ran.
 */
static void
test_serve_forged_command(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	uint8_t			*packed, *buf, *p;
	size_t			 plen, len, rlen;
	const char		 words[] = "echo\0forged";
	char			*cause = NULL, *n;
	int			 sv[2];

	if (fx_start(&fx, 0) != 0)
		return;
	rec = new_record("ls");
	packed = record_pack(rec, privsep_mask(PRIVSEP_EXEC), &plen);
	rlen = strlen(fx.runas);
	len = 2 + rlen + 4 + sizeof words + plen;
	p = buf = xmalloc(len);
	*p++ = (uint8_t)(rlen >> 8);
	*p++ = (uint8_t)rlen;
	memcpy(p, fx.runas, rlen);
	p += rlen;
	privsep_put_i32(p, (int32_t)sizeof words);
	p += 4;
	memcpy(p, words, sizeof words);
	p += sizeof words;
	memcpy(p, packed, plen);
	CU_ASSERT_EQUAL_FATAL(privsep_socketpair(sv, &cause), 0);
	CU_ASSERT_EQUAL(privsep_send(fx.chan, PRIVSEP_EXEC, buf, len, &sv[1],
	    1, 0, &cause), 0);
	close(sv[1]);
	free(read_all(sv[0]));
	close(sv[0]);
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	n = db_text(&fx, "SELECT count(*) FROM commands WHERE command = 'ls'");
	CU_ASSERT_STRING_EQUAL(n, "0");
	free(n);
	free(buf);
	free(packed);
	record_free(rec);
	tmpdir_free(fx.dir);
}

/*
 * FINISH says how a command that ran ended: exited, signaled, timeout,
 * cancelled or disconnected. "failed" (it never started) and
 * "interrupted" (rcmdd's own end) are the privileged part's to give; a
 * FINISH with one is malformed, and the command's row is ended as
 * interrupted by it. The row said "failed", for a command that ran.
 */
static void
test_serve_forged_status(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	struct privsep_cmd	*cmd;
	char			*cause = NULL;

	if (fx_start(&fx, 0) != 0)
		return;
	if (start_true(&fx, &rec, &cmd) != 0)
		return;
	rec->status = "failed";
	CU_ASSERT_NOT_EQUAL(privsep_cmd_finish(cmd, rec, &cause), 0);
	free(cause);
	privsep_cmd_free(cmd);
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	expect_row(&fx, rec->id, "status", "interrupted");
	record_free(rec);
	tmpdir_free(fx.dir);
}

/*
 * A network part that sends DENY without end cannot fill the disk: the
 * privileged part records at most a burst of refusals one by one, then
 * sums the rest up. 200 sent at once made 200 rows.
 */
static void
test_serve_deny_flood(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	uint8_t			*packed;
	size_t			 plen;
	char			*cause = NULL, *n;
	int			 i;

	if (fx_start(&fx, 0) != 0)
		return;
	rec = new_record("");
	rec->reason = xstrdup("not allowed: a test");
	packed = record_pack(rec, privsep_mask(PRIVSEP_DENY), &plen);
	for (i = 0; i < 200; i++)
		CU_ASSERT_EQUAL(privsep_send(fx.chan, PRIVSEP_DENY, packed,
		    plen, NULL, 0, 0, &cause), 0);
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	n = db_text(&fx, "SELECT count(*) <= 40 FROM commands WHERE "
	    "status = 'denied'");
	CU_ASSERT_STRING_EQUAL(n, "1");
	free(n);
	free(packed);
	record_free(rec);
	tmpdir_free(fx.dir);
}

/*
 * The rules see a peer as the network part wrote its address: an IPv6
 * link-local one has its scope (fe80::5%eth0), which inet_pton does not
 * read, and such a peer was taken for the local socket, which "Allow *
 * from unix" admits. It is its address now, and an address that is none
 * is refused.
 */
static void
test_serve_peer_scope(void)
{
	struct fixture		 fx;
	struct cmd_record	*rec;
	struct privsep_cmd	*cmd;
	char			*cause = NULL;
	int			 kind;
	size_t			 i;
	const char		*peers[] = { "fe80::5%eth0", "unknown" };

	fx_rules = "Allow * from unix\nAllow * from fe80::/10 as nobody\n";
	if (fx_start(&fx, 0) != 0)
		return;
	for (i = 0; i < sizeof peers / sizeof peers[0]; i++) {
		rec = new_record("id");
		strlcpy(rec->peer.client_addr, peers[i],
		    sizeof rec->peer.client_addr);
		CU_ASSERT_EQUAL(privsep_cmd_start(fx.chan, rec, fx.runas, &cmd,
		    &kind, &cause), -1);
		CU_ASSERT_EQUAL(kind, PRIVSEP_FAIL_REFUSED);
		if (i == 0)
			CU_ASSERT(cause != NULL &&
			    strstr(cause, "may run as: nobody") != NULL);
		if (cause != NULL && i == 0 &&
		    strstr(cause, "may run as: nobody") == NULL)
			fprintf(stderr, "refusal: %s\n", cause);
		free(cause);
		cause = NULL;
		record_free(rec);
	}
	CU_ASSERT_EQUAL(fx_stop(&fx), 0);
	fx_rules = NULL;
	tmpdir_free(fx.dir);
}
