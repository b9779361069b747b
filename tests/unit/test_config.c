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

#include <CUnit/Basic.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse_text.h"
#include "rcmdd.h"
#include "xmalloc.h"
#include "unit.h"

/*
 * Unit tests of the configuration parser in daemon/config.c: the defaults,
 * every keyword, the syntax rcmdd.conf(5) allows, and every error, each
 * reported as "file:line: reason" and counted.
 */

static u_int	count_lines(const char *);
static void	expect_error(const char *, u_int, const char *);
static void	test_config_defaults(void);
static void	test_config_runas_limits(void);
static void	test_config_handshake_zero(void);
static void	test_config_keywords(void);
static void	test_config_case(void);
static void	test_config_syntax(void);
static void	test_config_listen(void);
static void	test_config_listen_limit(void);
static void	test_config_errors(void);
static void	test_config_duplicate(void);
static void	test_config_timeout_over_max(void);
static void	test_config_timeout_over_max_line(void);
static void	test_config_many_errors(void);
static void	test_config_long_line(void);
static void	test_config_parse_time(void);
static void	test_config_parse_size(void);
static void	test_config_load(void);
static void	test_config_audit(void);
static void	test_config_read(void);
static int	str_same(const char *, const char *);
static void	test_config_reload_rules(void);
static void	test_config_reload_takes(void);

static CU_TestInfo config_tests[] = {
	{ "RunAs, CommandUmask and limits", test_config_runas_limits },
	{ "HandshakeTimeout 0 is refused", test_config_handshake_zero },
	{ "defaults from config_init", test_config_defaults },
	{ "every keyword", test_config_keywords },
	{ "keywords are case-insensitive", test_config_case },
	{ "Keyword=value, quotes, comments, blank lines",
	    test_config_syntax },
	{ "ListenAddress repeats and replaces the default",
	    test_config_listen },
	{ "ListenAddress limit", test_config_listen_limit },
	{ "each error with file, line and reason", test_config_errors },
	{ "duplicate keyword names the first line", test_config_duplicate },
	{ "CommandTimeout over MaxCommandTimeout",
	    test_config_timeout_over_max },
	{ "CommandTimeout over MaxCommandTimeout names a line",
	    test_config_timeout_over_max_line },
	{ "several errors in one file", test_config_many_errors },
	{ "line over the length limit", test_config_long_line },
	{ "config_parse_time", test_config_parse_time },
	{ "config_parse_size", test_config_parse_size },
	{ "config_load", test_config_load },
	{ "AuditSync, AuditMaxRows, AuditRetainDays, AuditHeadInterval",
	    test_config_audit },
	{ "config_read: the command line wins over the file",
	    test_config_read },
	{ "reload keeps what needs a restart, and says so",
	    test_config_reload_rules },
	{ "reload takes everything else", test_config_reload_takes },
	CU_TEST_INFO_NULL
};

/* Count the lines of an error list. */
static u_int
count_lines(const char *s)
{
	u_int	n = 0;

	if (s == NULL)
		return (0);
	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return (n);
}

/*
 * Parse text that holds one error and check that it is counted once and
 * reported as "test.conf:line: ..." with the reason in it.
 */
static void
expect_error(const char *text, u_int line, const char *reason)
{
	struct config	 conf;
	char		*errors = NULL, prefix[64];
	int		 n;

	config_init(&conf);
	n = parse_text(&conf, text, &errors);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_PTR_NOT_NULL(errors);
	if (errors != NULL) {
		snprintf(prefix, sizeof prefix, "%s:%u: ", TEST_FILE, line);
		CU_ASSERT(strncmp(errors, prefix, strlen(prefix)) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(errors, reason));
		CU_ASSERT_EQUAL(count_lines(errors), 1);
		CU_ASSERT(strlen(errors) > strlen(prefix) + 1);
		if (n != 1 || strncmp(errors, prefix, strlen(prefix)) != 0 ||
		    strstr(errors, reason) == NULL)
			fprintf(stderr, "\n    for \"%s\" got \"%s\"", text,
			    errors);
	}
	free(errors);
	config_clear(&conf);
}

/* HandshakeTimeout 0 would drop every client at once: it is refused. */
static void
test_config_handshake_zero(void)
{
	expect_error("Port 7\nHandshakeTimeout 0\n", 2,
	    "HandshakeTimeout must be more than 0");
}

/* RunAs, CommandUmask and the CommandMax* limits parse, and check. */
static void
test_config_runas_limits(void)
{
	struct config	 conf;
	char		*errors = NULL;

	config_init(&conf);
	CU_ASSERT_PTR_NULL(conf.run_as);
	CU_ASSERT_EQUAL(conf.umask, 022);
	CU_ASSERT_EQUAL(conf.umask_set, 0);
	CU_ASSERT_EQUAL(parse_text(&conf, "RunAs nobody\nCommandUmask 077\n"
	    "CommandMaxProcesses 40\nCommandMaxCPU 2m\n"
	    "CommandMaxMemory 512M\nCommandMaxFiles 64\n", &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT(conf.run_as != NULL && strcmp(conf.run_as, "nobody") == 0);
	CU_ASSERT_EQUAL(conf.umask, 077);
	CU_ASSERT_EQUAL(conf.umask_set, 1);
	CU_ASSERT_EQUAL(conf.max_procs, 40);
	CU_ASSERT_EQUAL(conf.max_cpu_ms, 120000);
	CU_ASSERT_EQUAL(conf.max_memory, 512UL * 1024 * 1024);
	CU_ASSERT_EQUAL(conf.max_files, 64);
	free(errors);
	config_clear(&conf);

	config_init(&conf);
	CU_ASSERT_EQUAL(conf.max_conns, 16384);
	CU_ASSERT_EQUAL(conf.max_conns_source, 64);
	CU_ASSERT_EQUAL(conf.max_handshakes, 1024);
	CU_ASSERT_EQUAL(conf.max_commands, 4096);
	CU_ASSERT_EQUAL(conf.idle_ms, 3600000);
	CU_ASSERT_EQUAL(conf.max_conns_given, 0);
	/* The defaults fit the unit's LimitNOFILE (65536). */
	CU_ASSERT_EQUAL(config_check_fds(&conf, 65536, SERVER_FDS_BASE + 2,
	    &errors), 0);
	CU_ASSERT_EQUAL(parse_text(&conf, "MaxConnections 10\n"
	    "MaxConnectionsPerSource 2\nMaxHandshakes 3\nMaxCommands 0\n"
	    "IdleTimeout 90s\n", &errors), 0);
	CU_ASSERT_EQUAL(conf.max_conns, 10);
	CU_ASSERT_EQUAL(conf.max_conns_source, 2);
	CU_ASSERT_EQUAL(conf.max_handshakes, 3);
	CU_ASSERT_EQUAL(conf.max_commands, 0);
	CU_ASSERT_EQUAL(conf.idle_ms, 90000);
	CU_ASSERT_EQUAL(conf.max_conns_given, 1);
	free(errors);
	errors = NULL;
	config_clear(&conf);

	/* MaxConnections and MaxCommands that do not fit: what to lower. */
	config_init(&conf);
	conf.max_conns = 1000;
	conf.max_commands = 100;
	CU_ASSERT_EQUAL(config_check_fds(&conf, 1882, 82, &errors), 0);
	CU_ASSERT_EQUAL(config_check_fds(&conf, 1024, 82, &errors), -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(errors);
	CU_ASSERT_STRING_EQUAL(errors, "MaxConnections 1000 and MaxCommands "
	    "100 need up to 1882 descriptors (one a connection, 8 a command, "
	    "and 82 for rcmdd itself), but the descriptor limit is 1024: "
	    "lower MaxConnections to 142, or raise the limit (LimitNOFILE in "
	    "rcmdd.service, ulimit -n)");
	free(errors);
	errors = NULL;
	config_clear(&conf);

	expect_error("CommandUmask 089\n", 1, "CommandUmask \"089\" is not a "
	    "umask");
	expect_error("CommandUmask 1777\n", 1, "is not a umask");
	expect_error("CommandMaxProcesses many\n", 1,
	    "CommandMaxProcesses \"many\" is invalid");
	expect_error("CommandMaxMemory 1T\n", 1, "is not a size");
}

/* config_init sets the documented defaults and config_clear frees them. */
static void
test_config_defaults(void)
{
	struct config	conf;

	memset(&conf, 0xa5, sizeof conf);
	config_init(&conf);
	CU_ASSERT_EQUAL(conf.nlisten, 0);
	CU_ASSERT_STRING_EQUAL(conf.port, RCMDD_DEFAULT_PORT);
	CU_ASSERT_STRING_EQUAL(conf.port, "7514");
	CU_ASSERT_STRING_EQUAL(conf.database, RCMDD_DATABASE);
	CU_ASSERT_PTR_NULL(conf.pidfile);
	CU_ASSERT_PTR_NULL(conf.portfile);
	CU_ASSERT_STRING_EQUAL(conf.path, "/usr/local/bin:/usr/bin:/bin");
	CU_ASSERT_STRING_EQUAL(conf.lang, "C.UTF-8");
	CU_ASSERT_EQUAL(conf.timeout_ms, 3600 * 1000);
	CU_ASSERT_EQUAL(conf.max_timeout_ms, 24 * 3600 * 1000);
	CU_ASSERT_EQUAL(conf.kill_grace_ms, 5000);
	CU_ASSERT_EQUAL(conf.drain_ms, 2000);
	CU_ASSERT_EQUAL(conf.handshake_ms, 10000);
	CU_ASSERT_EQUAL(conf.shutdown_grace_ms, 10000);
	CU_ASSERT_EQUAL(conf.output_max, 1024 * 1024);
	CU_ASSERT_EQUAL(conf.single_thread, 0);
	CU_ASSERT_EQUAL(conf.verbose, 0);
	CU_ASSERT_STRING_EQUAL(config_session_utmp(&conf), "/var/run/utmp");
	CU_ASSERT_STRING_EQUAL(config_session_wtmp(&conf), "/var/log/wtmp");
	conf.single_user = 1;
	CU_ASSERT_STRING_EQUAL(config_session_utmp(&conf), "none");
	CU_ASSERT_STRING_EQUAL(config_session_wtmp(&conf), "none");
	conf.single_user = 0;

	config_clear(&conf);
	CU_ASSERT_EQUAL(conf.nlisten, 0);
	CU_ASSERT_PTR_NULL(conf.port);
	CU_ASSERT_PTR_NULL(conf.database);
	CU_ASSERT_PTR_NULL(conf.path);
	CU_ASSERT_PTR_NULL(conf.lang);

	/* Clearing twice is harmless. */
	config_clear(&conf);
}

/* Every keyword of rcmdd.conf(5) sets its field. */
static void
test_config_keywords(void)
{
	static const char	 text[] =
	    "ListenAddress 127.0.0.1\n"
	    "ListenAddress ::1\n"
	    "Port 8022\n"
	    "Database /var/db/rcmdd/audit.db\n"
	    "PidFile /run/rcmdd.pid\n"
	    "PortFile /tmp/rcmdd.port\n"
	    "Path /bin:/usr/bin\n"
	    "Lang en_US.UTF-8\n"
	    "CommandTimeout 90s\n"
	    "MaxCommandTimeout 2h\n"
	    "KillGrace 250ms\n"
	    "DrainTimeout 3\n"
	    "HandshakeTimeout 1m\n"
	    "ShutdownGrace 30s\n"
	    "AuditOutputMax 64K\n"
	    "SingleThread yes\n"
	    "LogLevel debug\n"
	    "SessionUtmp none\n"
	    "SessionWtmp /var/log/rcmd.wtmp\n";
	struct config		 conf;
	char			*errors = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, text, &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_STRING_EQUAL(conf.session_utmp, "none");
	CU_ASSERT_STRING_EQUAL(conf.session_wtmp, "/var/log/rcmd.wtmp");
	/* Given, a file is used in a single-user trial too. */
	conf.single_user = 1;
	CU_ASSERT_STRING_EQUAL(config_session_wtmp(&conf),
	    "/var/log/rcmd.wtmp");
	conf.single_user = 0;
	CU_ASSERT_EQUAL(conf.nlisten, 2);
	if (conf.nlisten == 2) {
		CU_ASSERT_STRING_EQUAL(conf.listen[0], "127.0.0.1");
		CU_ASSERT_STRING_EQUAL(conf.listen[1], "::1");
	}
	CU_ASSERT_STRING_EQUAL(conf.port, "8022");
	CU_ASSERT_STRING_EQUAL(conf.database, "/var/db/rcmdd/audit.db");
	CU_ASSERT_STRING_EQUAL(conf.pidfile, "/run/rcmdd.pid");
	CU_ASSERT_STRING_EQUAL(conf.portfile, "/tmp/rcmdd.port");
	CU_ASSERT_STRING_EQUAL(conf.path, "/bin:/usr/bin");
	CU_ASSERT_STRING_EQUAL(conf.lang, "en_US.UTF-8");
	CU_ASSERT_EQUAL(conf.timeout_ms, 90000);
	CU_ASSERT_EQUAL(conf.max_timeout_ms, 7200000);
	CU_ASSERT_EQUAL(conf.kill_grace_ms, 250);
	CU_ASSERT_EQUAL(conf.drain_ms, 3000);
	CU_ASSERT_EQUAL(conf.handshake_ms, 60000);
	CU_ASSERT_EQUAL(conf.shutdown_grace_ms, 30000);
	CU_ASSERT_EQUAL(conf.output_max, 65536);
	CU_ASSERT_EQUAL(conf.single_thread, 1);
	CU_ASSERT_EQUAL(conf.verbose, 1);
	free(errors);
	config_clear(&conf);

	/* The other values of the flags, and port 0. */
	errors = NULL;
	config_init(&conf);
	conf.single_thread = 1;
	conf.verbose = 1;
	CU_ASSERT_EQUAL(parse_text(&conf, "SingleThread no\nLogLevel info\n"
	    "Port 0\nAuditOutputMax 0\n", &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_EQUAL(conf.single_thread, 0);
	CU_ASSERT_EQUAL(conf.verbose, 0);
	CU_ASSERT_STRING_EQUAL(conf.port, "0");
	CU_ASSERT_EQUAL(conf.output_max, 0);
	free(errors);
	config_clear(&conf);
}

/* Keywords and the words of their values match in any case. */
static void
test_config_case(void)
{
	static const char	 text[] =
	    "port 1234\n"
	    "DATABASE /tmp/a.db\n"
	    "listenaddress ::1\n"
	    "sInGlEtHrEaD YES\n"
	    "LOGLEVEL Debug\n"
	    "commandtimeout 10MS\n"
	    "auditoutputmax 2k\n"
	    "killgrace 1H\n";
	struct config		 conf;
	char			*errors = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, text, &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_STRING_EQUAL(conf.port, "1234");
	CU_ASSERT_STRING_EQUAL(conf.database, "/tmp/a.db");
	CU_ASSERT_EQUAL(conf.nlisten, 1);
	if (conf.nlisten == 1)
		CU_ASSERT_STRING_EQUAL(conf.listen[0], "::1");
	CU_ASSERT_EQUAL(conf.single_thread, 1);
	CU_ASSERT_EQUAL(conf.verbose, 1);
	CU_ASSERT_EQUAL(conf.timeout_ms, 10);
	CU_ASSERT_EQUAL(conf.output_max, 2048);
	CU_ASSERT_EQUAL(conf.kill_grace_ms, 3600 * 1000);
	free(errors);
	config_clear(&conf);
}

/*
 * The syntax around a keyword: "=", tabs and spaces, quoted values,
 * comments, blank lines, CRLF endings and a last line without newline.
 */
static void
test_config_syntax(void)
{
	static const char	 text[] =
	    "# rcmdd.conf for the tests\n"
	    "\n"
	    "   \t\n"
	    "Port=2222\n"
	    "  # an indented comment\n"
	    "Database = /srv/audit.db\n"
	    "\tPidFile\t\t/run/x.pid   \n"
	    "Path \"/opt/my tools/bin:/bin\"\n"
	    "Lang=\"C\"\n"
	    "#Port 9999\n"
	    "PortFile /tmp/port file\r\n"
	    "KillGrace 2s\r\n"
	    "\r\n"
	    "LogLevel debug";
	struct config		 conf;
	char			*errors = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, text, &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_STRING_EQUAL(conf.port, "2222");
	CU_ASSERT_STRING_EQUAL(conf.database, "/srv/audit.db");
	CU_ASSERT_STRING_EQUAL(conf.pidfile, "/run/x.pid");
	CU_ASSERT_STRING_EQUAL(conf.path, "/opt/my tools/bin:/bin");
	CU_ASSERT_STRING_EQUAL(conf.lang, "C");
	CU_ASSERT_STRING_EQUAL(conf.portfile, "/tmp/port file");
	CU_ASSERT_EQUAL(conf.kill_grace_ms, 2000);
	CU_ASSERT_EQUAL(conf.verbose, 1);
	free(errors);
	config_clear(&conf);

	/* A file of nothing but comments changes nothing. */
	errors = NULL;
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "# nothing\n\n#Port 1\n", &errors),
	    0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_STRING_EQUAL(conf.port, "7514");
	free(errors);
	config_clear(&conf);
}

/* ListenAddress may repeat; the file's list replaces the one before it. */
static void
test_config_listen(void)
{
	/* The addresses set before the file, the file, the list after. */
	static const struct {
		const char	*before[3];
		const char	*text;
		const char	*want[4];
	} cases[] = {
		{ { NULL }, "ListenAddress 10.0.0.1\nPort 1\n"
		    "ListenAddress 10.0.0.2\nListenAddress ::1\n",
		    { "10.0.0.1", "10.0.0.2", "::1", NULL } },
		/* A list already set (the default) is replaced. */
		{ { "127.0.0.1", "192.0.2.7", NULL },
		    "ListenAddress ::1\nListenAddress 0.0.0.0\n",
		    { "::1", "0.0.0.0", NULL } },
		/* Without ListenAddress in the file, the list is kept. */
		{ { "127.0.0.1", NULL }, "Port 1\n", { "127.0.0.1", NULL } },
	};
	struct config	 conf;
	char		*errors, *cause = NULL;
	u_int		 i, j, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		config_init(&conf);
		for (j = 0; cases[i].before[j] != NULL; j++)
			CU_ASSERT_EQUAL(config_set_listen(&conf,
			    cases[i].before[j], &cause), 0);
		CU_ASSERT_PTR_NULL(cause);
		errors = NULL;
		CU_ASSERT_EQUAL(parse_text(&conf, cases[i].text, &errors), 0);
		CU_ASSERT_PTR_NULL(errors);
		free(errors);
		for (n = 0; cases[i].want[n] != NULL; n++)
			continue;
		CU_ASSERT_EQUAL(conf.nlisten, n);
		for (j = 0; j < n && j < conf.nlisten; j++)
			CU_ASSERT_STRING_EQUAL(conf.listen[j],
			    cases[i].want[j]);
		config_clear(&conf);
	}

	/* An empty address is refused and the list kept. */
	config_init(&conf);
	CU_ASSERT_EQUAL(config_set_listen(&conf, "127.0.0.1", &cause), 0);
	CU_ASSERT_EQUAL(config_set_listen(&conf, "", &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	CU_ASSERT_EQUAL(conf.nlisten, 1);
	free(cause);
	config_clear(&conf);
}

/* At most RCMDD_MAX_LISTEN addresses; one more is an error on its line. */
static void
test_config_listen_limit(void)
{
	struct config	 conf;
	char		*errors = NULL, *text, *line, *old, prefix[64];
	u_int		 i;

	text = xstrdup("");
	for (i = 0; i <= RCMDD_MAX_LISTEN; i++) {
		old = text;
		xasprintf(&line, "ListenAddress 10.0.0.%u\n", i + 1);
		xasprintf(&text, "%s%s", old, line);
		free(line);
		free(old);
	}
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, text, &errors), 1);
	CU_ASSERT_EQUAL(conf.nlisten, RCMDD_MAX_LISTEN);
	CU_ASSERT_PTR_NOT_NULL(errors);
	if (errors != NULL) {
		snprintf(prefix, sizeof prefix, "%s:%u: ", TEST_FILE,
		    (u_int)RCMDD_MAX_LISTEN + 1);
		CU_ASSERT(strncmp(errors, prefix, strlen(prefix)) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(errors, "too many"));
	}
	free(errors);
	free(text);
	config_clear(&conf);
}

/* Each kind of error is reported on its line with a reason, and counted. */
static void
test_config_errors(void)
{
	static const struct {
		const char	*text;
		u_int		 line;
		const char	*reason;
	} cases[] = {
		{ "Bogus 1\n", 1, "unknown keyword \"Bogus\"" },
		{ "# x\n\nListen 127.0.0.1\n", 3, "unknown keyword" },
		{ "Port 1\nPort\n", 2, "Port needs a value" },
		{ "Port 1\nDatabase   \n", 2, "Database needs a value" },
		{ "Path \"\"\n", 1, "Path needs a value" },
		{ "ListenAddress =\n", 1, "ListenAddress needs a value" },
		{ "KillGrace 5x\n", 1, "KillGrace \"5x\" is not a time" },
		{ "DrainTimeout -1\n", 1, "is not a time" },
		{ "CommandTimeout 1.5s\n", 1, "is not a time" },
		{ "HandshakeTimeout 10 s\n", 1, "is not a time" },
		{ "ShutdownGrace 5000000h\n", 1, "is not a time" },
		{ "AuditOutputMax 1T\n", 1,
		    "AuditOutputMax \"1T\" is not a size" },
		{ "AuditOutputMax 1.5M\n", 1, "is not a size" },
		{ "AuditOutputMax 257M\n", 1, "AuditOutputMax is at most 256M: "
		    "SQLite keeps no value over 1,000,000,000 bytes" },
		{ "AuditOutputMax 99999999999999999999999\n", 1,
		    "is not a size" },
		{ "Port 70000\n", 1, "Port \"70000\" is too large" },
		{ "Port -1\n", 1, "Port \"-1\" is too small" },
		{ "Port ssh\n", 1, "Port \"ssh\" is invalid" },
		{ "SingleThread maybe\n", 1, "SingleThread \"maybe\": use yes "
		    "or no" },
		{ "SingleThread 1\n", 1, "use yes or no" },
		{ "LogLevel verbose\n", 1, "use info or debug" },
		{ "Path \"/bin\n", 1, "unterminated quoted value" },
		{ "Path \"\n", 1, "unterminated quoted value" },
		{ "Lang \"C\" \"D\n", 1, "unterminated quoted value" },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_error(cases[i].text, cases[i].line, cases[i].reason);
}

/* A keyword given twice is an error that names the first line. */
static void
test_config_duplicate(void)
{
	struct config	 conf;
	char		*errors = NULL;

	expect_error("Port 1\n\nPort 2\n", 3,
	    "Port is given again (first on line 1)");
	expect_error("# dup\nport 1\nPORT 2\n", 3,
	    "Port is given again (first on line 2)");
	expect_error("SingleThread yes\nKillGrace 1\nSingleThread no\n", 3,
	    "SingleThread is given again (first on line 1)");

	/* The first value stands. */
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "Path /a\nPath /b\n", &errors), 1);
	CU_ASSERT_STRING_EQUAL(conf.path, "/a");
	free(errors);
	config_clear(&conf);
}

/* CommandTimeout over MaxCommandTimeout is an error, counted once. */
static void
test_config_timeout_over_max(void)
{
	struct config	 conf;
	char		*errors = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "MaxCommandTimeout 1m\n"
	    "CommandTimeout 2m\n", &errors), 1);
	CU_ASSERT_PTR_NOT_NULL(errors);
	if (errors != NULL) {
		CU_ASSERT(strncmp(errors, TEST_FILE ":",
		    strlen(TEST_FILE ":")) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(errors, "CommandTimeout"));
		CU_ASSERT_PTR_NOT_NULL(strstr(errors, "MaxCommandTimeout"));
		CU_ASSERT_EQUAL(count_lines(errors), 1);
	}
	free(errors);
	config_clear(&conf);

	/* Against the default maximum of 24 hours. */
	errors = NULL;
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "CommandTimeout 25h\n", &errors), 1);
	CU_ASSERT_PTR_NOT_NULL(errors);
	free(errors);
	config_clear(&conf);

	/* Equal is allowed. */
	errors = NULL;
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "CommandTimeout 2m\n"
	    "MaxCommandTimeout 120s\n", &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	free(errors);
	config_clear(&conf);
}

/*
 * Like every other error, CommandTimeout over MaxCommandTimeout is
 * reported as "file:line:", on the line of either keyword.
 */
static void
test_config_timeout_over_max_line(void)
{
	struct config	 conf;
	char		*errors = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "# limits\nMaxCommandTimeout 1m\n"
	    "CommandTimeout 2m\n", &errors), 1);
	CU_ASSERT_PTR_NOT_NULL(errors);
	if (errors != NULL) {
		CU_ASSERT(strncmp(errors, TEST_FILE ":2: ",
		    strlen(TEST_FILE ":2: ")) == 0 ||
		    strncmp(errors, TEST_FILE ":3: ",
		    strlen(TEST_FILE ":3: ")) == 0);
		if (strncmp(errors, TEST_FILE ":2: ",
		    strlen(TEST_FILE ":2: ")) != 0 &&
		    strncmp(errors, TEST_FILE ":3: ",
		    strlen(TEST_FILE ":3: ")) != 0)
			fprintf(stderr, "\n    got \"%s\"", errors);
	}
	free(errors);
	config_clear(&conf);

	errors = NULL;
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "Port 1\nCommandTimeout 25h\n",
	    &errors), 1);
	CU_ASSERT_PTR_NOT_NULL(errors);
	if (errors != NULL)
		CU_ASSERT(strncmp(errors, TEST_FILE ":2: ",
		    strlen(TEST_FILE ":2: ")) == 0);
	free(errors);
	config_clear(&conf);
}

/* Parsing goes on after an error, so every error in a file is reported. */
static void
test_config_many_errors(void)
{
	static const char	 text[] =
	    "# several errors\n"
	    "Port 70000\n"
	    "Path /bin\n"
	    "Bogus yes\n"
	    "KillGrace soon\n"
	    "\n"
	    "AuditOutputMax 2Q\n"
	    "Path /usr/bin\n"
	    "SingleThread perhaps\n"
	    "Lang \"C\n"
	    "Lang POSIX\n"
	    "Database\n";
	static const char	*expect[] = {
	    TEST_FILE ":2: Port \"70000\"",
	    TEST_FILE ":4: unknown keyword \"Bogus\"",
	    TEST_FILE ":5: KillGrace \"soon\"",
	    TEST_FILE ":7: AuditOutputMax \"2Q\"",
	    TEST_FILE ":8: Path is given again (first on line 3)",
	    TEST_FILE ":9: SingleThread \"perhaps\"",
	    TEST_FILE ":10: Lang: unterminated quoted value",
	    TEST_FILE ":12: Database needs a value",
	};
	struct config		 conf;
	char			*errors = NULL, *line, *next;
	size_t			 i;

	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, text, &errors),
	    (int)(sizeof expect / sizeof expect[0]));
	CU_ASSERT_EQUAL(count_lines(errors), sizeof expect / sizeof expect[0]);
	line = errors;
	for (i = 0; i < sizeof expect / sizeof expect[0]; i++) {
		if (line == NULL || *line == '\0') {
			CU_FAIL("too few error lines");
			break;
		}
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		CU_ASSERT(strncmp(line, expect[i], strlen(expect[i])) == 0);
		line = next;
	}

	/* The good lines were applied, the bad ones were not. */
	CU_ASSERT_STRING_EQUAL(conf.port, "7514");
	CU_ASSERT_STRING_EQUAL(conf.path, "/bin");
	CU_ASSERT_STRING_EQUAL(conf.lang, "POSIX");
	CU_ASSERT_EQUAL(conf.kill_grace_ms, 5000);
	CU_ASSERT_EQUAL(conf.output_max, 1024 * 1024);
	CU_ASSERT_EQUAL(conf.single_thread, 0);
	free(errors);
	config_clear(&conf);
}

/* A line over 4096 bytes is an error, and the lines after it still count. */
static void
test_config_long_line(void)
{
	struct config	 conf;
	char		*errors = NULL, *text;
	size_t		 len = 10000;

	text = xmalloc(len + 64);
	memcpy(text, "Path /", 6);
	memset(text + 6, 'p', len - 6);
	strlcpy(text + len, "\nPort 4444\nBogus\n", 64);

	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, text, &errors), 2);
	CU_ASSERT_EQUAL(count_lines(errors), 2);
	if (errors != NULL) {
		CU_ASSERT(strncmp(errors, TEST_FILE ":1: ",
		    strlen(TEST_FILE ":1: ")) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(errors, "longer than"));
		CU_ASSERT_PTR_NOT_NULL(strstr(errors, "\n" TEST_FILE ":3: "));
	}
	CU_ASSERT_STRING_EQUAL(conf.port, "4444");
	CU_ASSERT_STRING_EQUAL(conf.path, "/usr/local/bin:/usr/bin:/bin");
	free(errors);
	config_clear(&conf);

	/* A line of exactly 4096 bytes is allowed. */
	memset(text + 6, 'p', 4096 - 6);
	strlcpy(text + 4096, "\nPort 4444\n", 64);
	errors = NULL;
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, text, &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_EQUAL(strlen(conf.path), 4096 - 5);
	CU_ASSERT_STRING_EQUAL(conf.port, "4444");
	free(errors);
	config_clear(&conf);
	free(text);
}

/* Times: a whole number with ms, s, m or h; seconds without a unit. */
static void
test_config_parse_time(void)
{
	static const struct {
		const char	*s;
		u_int		 ms;
	} good[] = {
		{ "0", 0 },
		{ "0ms", 0 },
		{ "1", 1000 },
		{ "250ms", 250 },
		{ "250MS", 250 },
		{ "5s", 5000 },
		{ "5S", 5000 },
		{ "2m", 120000 },
		{ "3h", 10800000 },
		{ "007", 7000 },
		{ "4294967295ms", 4294967295U },
		{ "4294967s", 4294967000U },
		{ "71582m", 4294920000U },
		{ "1193h", 4294800000U },
	};
	static const char	*bad[] = { "", "s", "ms", "-1", "+1", " 1",
	    "1 s", "1s ", "1.5", "1x", "1sec", "1d", "1hm", "0x10",
	    "4294967296ms", "4294968s", "71583m", "1194h",
	    "18446744073709551616", "99999999999999999999999h" };
	size_t			 i;
	u_int			 ms;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		ms = 777;
		CU_ASSERT_EQUAL(config_parse_time(good[i].s, &ms), 0);
		CU_ASSERT_EQUAL(ms, good[i].ms);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms = 777;
		CU_ASSERT_EQUAL(config_parse_time(bad[i], &ms), -1);
		CU_ASSERT_EQUAL(ms, 777);
	}
}

/* Sizes: a whole number of bytes with an optional K, M or G. */
static void
test_config_parse_size(void)
{
	static const struct {
		const char	*s;
		size_t		 size;
	} good[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "1024", 1024 },
		{ "1K", 1024 },
		{ "1k", 1024 },
		{ "64K", 65536 },
		{ "1M", 1048576 },
		{ "3m", 3145728 },
		{ "1G", 1073741824 },
		{ "2g", (size_t)2 << 30 },
	};
	static const char	*bad[] = { "", "K", "-1", "+1", "1KB", "1.5M",
	    "1T", "1 K", "0x10", "1K ", "99999999999999999999999",
	    "18446744073709551616" };
	static const char	 units[] = "KMG";
	size_t			 i, size, max;
	char			 s[64];

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		size = 777;
		CU_ASSERT_EQUAL(config_parse_size(good[i].s, &size), 0);
		CU_ASSERT_EQUAL(size, good[i].size);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size = 777;
		CU_ASSERT_EQUAL(config_parse_size(bad[i], &size), -1);
		CU_ASSERT_EQUAL(size, 777);
	}

	/* The largest size with each unit, and one more. */
	snprintf(s, sizeof s, "%zu", (size_t)SIZE_MAX);
	CU_ASSERT_EQUAL(config_parse_size(s, &size), 0);
	CU_ASSERT_EQUAL(size, SIZE_MAX);
	snprintf(s, sizeof s, "%zu0", (size_t)SIZE_MAX);
	CU_ASSERT_EQUAL(config_parse_size(s, &size), -1);
	for (i = 0; i < 3; i++) {
		max = SIZE_MAX >> (10 * (i + 1));
		snprintf(s, sizeof s, "%zu%c", max, units[i]);
		CU_ASSERT_EQUAL(config_parse_size(s, &size), 0);
		CU_ASSERT_EQUAL(size, max << (10 * (i + 1)));
		snprintf(s, sizeof s, "%zu%c", max + 1, units[i]);
		CU_ASSERT_EQUAL(config_parse_size(s, &size), -1);
	}
}

/* config_load reads a file, and names the path when it cannot. */
static void
test_config_load(void)
{
	struct config	 conf;
	FILE		*fp;
	char		 dir[] = "/tmp/test_config.XXXXXX", path[128];
	char		 prefix[160], *errors = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));

	snprintf(path, sizeof path, "%s/missing.conf", dir);
	config_init(&conf);
	CU_ASSERT_EQUAL(config_load(&conf, path, &errors), 1);
	CU_ASSERT_PTR_NOT_NULL(errors);
	if (errors != NULL) {
		snprintf(prefix, sizeof prefix, "%s: ", path);
		CU_ASSERT(strncmp(errors, prefix, strlen(prefix)) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(errors, "cannot open"));
		CU_ASSERT_PTR_NOT_NULL(strstr(errors,
		    "No such file or directory"));
		CU_ASSERT_EQUAL(count_lines(errors), 1);
	}
	CU_ASSERT_STRING_EQUAL(conf.port, "7514");
	free(errors);
	config_clear(&conf);

	/* A real file, with one error reported under its path. */
	snprintf(path, sizeof path, "%s/rcmdd.conf", dir);
	if ((fp = fopen(path, "w")) == NULL) {
		CU_FAIL("cannot create the test file");
	} else {
		fputs("Port 9999\nBogus\n", fp);
		fclose(fp);
		errors = NULL;
		config_init(&conf);
		CU_ASSERT_EQUAL(config_load(&conf, path, &errors), 1);
		CU_ASSERT_STRING_EQUAL(conf.port, "9999");
		CU_ASSERT_PTR_NOT_NULL(errors);
		if (errors != NULL) {
			snprintf(prefix, sizeof prefix, "%s:2: unknown keyword",
			    path);
			CU_ASSERT(strncmp(errors, prefix, strlen(prefix)) == 0);
		}
		free(errors);
		config_clear(&conf);
		unlink(path);
	}
	rmdir(dir);
}

/*
 * The audit keywords: their defaults, values, case, and the errors of
 * values that do not fit.
 */
static void
test_config_audit(void)
{
	struct config	 conf;
	char		*errors = NULL;

	config_init(&conf);
	CU_ASSERT_EQUAL(conf.audit_sync_full, 1);
	CU_ASSERT_EQUAL(conf.retain_days, 0);
	CU_ASSERT_EQUAL(conf.max_rows, 0);
	CU_ASSERT_EQUAL(conf.head_interval_ms, 3600 * 1000);
	CU_ASSERT_EQUAL(parse_text(&conf, "AuditSync normal\n"
	    "AuditRetainDays 30\nAuditMaxRows 100000\n"
	    "AuditHeadInterval 15m\n", &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_EQUAL(conf.audit_sync_full, 0);
	CU_ASSERT_EQUAL(conf.retain_days, 30);
	CU_ASSERT_EQUAL(conf.max_rows, 100000);
	CU_ASSERT_EQUAL(conf.head_interval_ms, 15 * 60 * 1000);
	config_clear(&conf);
	free(errors);

	errors = NULL;
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&conf, "auditsync FULL\n"
	    "AUDITHEADINTERVAL 0\nauditmaxrows 4294967295\n", &errors), 0);
	CU_ASSERT_EQUAL(conf.audit_sync_full, 1);
	CU_ASSERT_EQUAL(conf.head_interval_ms, 0);
	CU_ASSERT_EQUAL(conf.max_rows, 4294967295U);
	config_clear(&conf);
	free(errors);

	expect_error("AuditSync fast\n", 1,
	    "AuditSync \"fast\": use normal or full");
	expect_error("AuditSync\n", 1, "AuditSync needs a value");
	expect_error("AuditMaxRows -1\n", 1, "AuditMaxRows \"-1\" is too "
	    "small");
	expect_error("AuditMaxRows 4294967296\n", 1, "is too large");
	expect_error("AuditRetainDays 1.5\n", 1, "AuditRetainDays \"1.5\" is "
	    "invalid: use a whole number (0 for no limit)");
	expect_error("AuditRetainDays 30d\n", 1, "is invalid");
	expect_error("AuditHeadInterval 1d\n", 1,
	    "AuditHeadInterval \"1d\" is not a time");
	expect_error("AuditSync full\nAuditSync normal\n", 2,
	    "AuditSync is given again (first on line 1)");
}

/*
 * config_read: the defaults, then the file, then what the command line
 * sets; a file with errors leaves a cleared configuration.
 */
static void
test_config_read(void)
{
	struct config_cmdline	 cmd;
	struct config		 conf;
	FILE			*fp;
	char			 dir[] = "/tmp/test_config.XXXXXX", path[128];
	int			 saved, null, rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/rcmdd.conf", dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp = fopen(path, "w"));
	fputs("Port 7\nListenAddress 127.0.0.2\nDatabase /x.db\n"
	    "CommandTimeout 5s\n", fp);
	fclose(fp);

	memset(&cmd, 0, sizeof cmd);
	cmd.config = path;
	CU_ASSERT_EQUAL(config_read(&conf, &cmd, 1), 0);
	CU_ASSERT_STRING_EQUAL(conf.port, "7");
	CU_ASSERT_EQUAL(conf.nlisten, 1);
	CU_ASSERT_STRING_EQUAL(conf.database, "/x.db");
	CU_ASSERT_EQUAL(conf.timeout_ms, 5000);
	CU_ASSERT_EQUAL(conf.single_thread, 0);
	CU_ASSERT_EQUAL(conf.single_user, 0);
	config_clear(&conf);

	cmd.port = (char *)"9";
	cmd.listen[0] = (char *)"::1";
	cmd.listen[1] = (char *)"127.0.0.3";
	cmd.nlisten = 2;
	cmd.database = (char *)"/y.db";
	cmd.single_thread = 1;
	cmd.single_user = 1;
	CU_ASSERT_EQUAL(config_read(&conf, &cmd, 1), 0);
	CU_ASSERT_STRING_EQUAL(conf.port, "9");
	CU_ASSERT_EQUAL_FATAL(conf.nlisten, 2);
	CU_ASSERT_STRING_EQUAL(conf.listen[0], "::1");
	CU_ASSERT_STRING_EQUAL(conf.listen[1], "127.0.0.3");
	CU_ASSERT_STRING_EQUAL(conf.database, "/y.db");
	CU_ASSERT_EQUAL(conf.timeout_ms, 5000);
	CU_ASSERT_EQUAL(conf.single_thread, 1);
	CU_ASSERT_EQUAL(conf.single_user, 1);
	config_clear(&conf);

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp = fopen(path, "w"));
	fputs("Port 7\nNoSuchKeyword 1\n", fp);
	fclose(fp);
	/* The error goes to stderr: keep it out of the test's output. */
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY);
	CU_ASSERT_FATAL(saved != -1 && null != -1);
	dup2(null, STDERR_FILENO);
	rc = config_read(&conf, &cmd, 1);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NULL(conf.port);
	CU_ASSERT_EQUAL(conf.nlisten, 0);

	unlink(path);
	rmdir(dir);
}

/* Return whether two strings, either of which may be NULL, are the same. */
static int
str_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

#define RELOAD_LISTEN	"ListenAddress, ListenSocket, Port and SingleThread " \
	"change only on restart; keeping the running ones\n"
#define RELOAD_TLS	"TLSCertificate /c.pem\nTLSKey /k.pem\n" \
	"TLSClientCA /ca.pem\n"

/*
 * Each rule of config_merge_reload, from the file the daemon runs with
 * and the file it reloads: what only a restart may change is kept, with
 * exactly these warnings, and turning TLS on or off is refused.
 */
static void
test_config_reload_rules(void)
{
	static const struct {
		const char	*old;
		const char	*new;
		int		 rc;
		const char	*said;	/* the warnings, or the refusal */
	} cases[] = {
		{ "Port 7\n", "Port 7\n", 0, NULL },
		{ "Port 7\n", "Port 8\n", 0, RELOAD_LISTEN },
		{ "ListenAddress 127.0.0.1\n", "ListenAddress 127.0.0.2\n", 0,
		    RELOAD_LISTEN },
		{ "ListenAddress 127.0.0.1\n",
		    "ListenAddress 127.0.0.1\nListenAddress ::1\n", 0,
		    RELOAD_LISTEN },
		{ "", "ListenSocket /run/b.sock\n", 0, RELOAD_LISTEN },
		{ "ListenSocket /run/a.sock\n", "ListenSocket /run/b.sock\n", 0,
		    RELOAD_LISTEN "ListenSocket changes only on restart; "
		    "keeping /run/a.sock\n" },
		{ "", "SingleThread yes\n", 0, RELOAD_LISTEN },
		{ "SingleUser yes\n", "", 0, "SingleUser changes only on "
		    "restart; keeping yes\n" },
		{ "", "AuditSync normal\n", 0, "AuditSync changes only on "
		    "restart; keeping full\n" },
		{ "", "AuditGroup adm\n", 0, "AuditGroup changes only on "
		    "restart; keeping none\n" },
		{ "AuditGroup adm\n", "AuditGroup wheel\n", 0, "AuditGroup "
		    "changes only on restart; keeping adm\n" },
		{ "Database /a.db\n", "Database /b.db\n", 0, "Database changes "
		    "only on restart; keeping /a.db\n" },
		/* The running path was made absolute at start-up. */
		{ "Database /a.db\n", "Database b.db\n", 0, NULL },
		{ "PidFile /a.pid\n", "PidFile /b.pid\n", 0, "PidFile changes "
		    "only on restart; keeping /a.pid\n" },
		{ "", "PidFile /b.pid\n", 0, NULL },
		{ "PortFile /a.port\n", "PortFile /b.port\n", 0, "PortFile "
		    "changes only on restart; keeping /a.port\n" },
		{ "ControlSocket /a.sock\n", "ControlSocket /b.sock\n", 0,
		    "ControlSocket changes only on restart; keeping "
		    "/a.sock\n" },
		{ "Port 7\nAuditSync normal\nPidFile /a\n",
		    "Port 8\nAuditSync full\nPidFile /b\n", 0, RELOAD_LISTEN
		    "AuditSync changes only on restart; keeping normal\n"
		    "PidFile changes only on restart; keeping /a\n" },
		{ "Port 7\n", "Port 8\n" RELOAD_TLS, -1,
		    "turning TLS on takes a restart" },
		{ RELOAD_TLS, "AuditSync normal\n", -1,
		    "turning TLS off takes a restart" },
	};
	struct config	 old, conf;
	char		*errors, *warnings, *cause;
	u_int		 i, j;
	int		 rc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		errors = warnings = cause = NULL;
		config_init(&old);
		config_init(&conf);
		CU_ASSERT_EQUAL(parse_text(&old, cases[i].old, &errors), 0);
		CU_ASSERT_EQUAL(parse_text(&conf, cases[i].new, &errors), 0);
		CU_ASSERT_PTR_NULL(errors);
		rc = config_merge_reload(&old, &conf, &warnings, &cause);
		CU_ASSERT_EQUAL(rc, cases[i].rc);
		if (rc != 0) {
			CU_ASSERT_PTR_NULL(warnings);
			CU_ASSERT(str_same(cause, cases[i].said));
			/* Refused: the new configuration is as read. */
			CU_ASSERT((conf.tls_cert == NULL) !=
			    (old.tls_cert == NULL));
		} else {
			CU_ASSERT_PTR_NULL(cause);
			CU_ASSERT(str_same(warnings, cases[i].said));
			CU_ASSERT(str_same(conf.port, old.port));
			CU_ASSERT_EQUAL(conf.nlisten, old.nlisten);
			for (j = 0; j < conf.nlisten && j < old.nlisten; j++)
				CU_ASSERT(str_same(conf.listen[j],
				    old.listen[j]));
			CU_ASSERT(str_same(conf.socket_path, old.socket_path));
			CU_ASSERT_EQUAL(conf.single_thread, old.single_thread);
			CU_ASSERT_EQUAL(conf.single_user, old.single_user);
			CU_ASSERT_EQUAL(conf.audit_sync_full,
			    old.audit_sync_full);
			CU_ASSERT(str_same(conf.audit_group, old.audit_group));
			CU_ASSERT(str_same(conf.database, old.database));
			CU_ASSERT(str_same(conf.pidfile, old.pidfile));
			CU_ASSERT(str_same(conf.portfile, old.portfile));
			CU_ASSERT(str_same(conf.control_path,
			    old.control_path));
		}
		if (rc != cases[i].rc || !str_same(rc != 0 ? cause : warnings,
		    cases[i].said))
			fprintf(stderr, "\n    from \"%s\" to \"%s\": got %d, "
			    "\"%s\"", cases[i].old, cases[i].new, rc,
			    rc != 0 ? cause : warnings);
		free(errors);
		free(warnings);
		free(cause);
		config_clear(&old);
		config_clear(&conf);
	}
}

/*
 * A reload takes every other setting from the file, the new TLS files
 * among them, without a warning.
 */
static void
test_config_reload_takes(void)
{
#define OFF(f)	offsetof(struct config, f)
	static const struct {
		size_t		 off;
		const char	*want;
	} strs[] = {
		{ OFF(tls_cert), "/c2.pem" }, { OFF(tls_key), "/k2.pem" },
		{ OFF(tls_ca), "/ca2.pem" }, { OFF(run_as), "daemon" },
		{ OFF(metrics_path), "/m.prom" }, { OFF(path), "/bin" },
		{ OFF(socket_group), "adm" },
	};
	static const struct {
		size_t		 off;
		u_int		 want;
	} nums[] = {
		{ OFF(timeout_ms), 5000 }, { OFF(max_timeout_ms), 60000 },
		{ OFF(kill_grace_ms), 1000 }, { OFF(drain_ms), 1000 },
		{ OFF(retain_days), 3 }, { OFF(max_rows), 10 },
		{ OFF(head_interval_ms), 60000 }, { OFF(umask), 077 },
		{ OFF(nallow), 1 }, { OFF(max_conns), 10 },
		{ OFF(max_commands), 5 }, { OFF(shutdown_grace_ms), 2000 },
		{ OFF(socket_mode), 0600 },
	};
#undef OFF
	struct config	 old, conf;
	char		*errors = NULL, *warnings = NULL, *cause = NULL;
	u_int		 i;

	config_init(&old);
	config_init(&conf);
	CU_ASSERT_EQUAL(parse_text(&old, RELOAD_TLS, &errors), 0);
	CU_ASSERT_EQUAL(parse_text(&conf, "TLSCertificate /c2.pem\n"
	    "TLSKey /k2.pem\nTLSClientCA /ca2.pem\nCommandTimeout 5s\n"
	    "MaxCommandTimeout 1m\nKillGrace 1s\nDrainTimeout 1s\n"
	    "AuditOutputMax 4K\nAuditRetainDays 3\nAuditMaxRows 10\n"
	    "AuditHeadInterval 1m\nRunAs daemon\nCommandUmask 077\n"
	    "Allow \"uptime\"\nLogLevel debug\nMaxConnections 10\n"
	    "MaxCommands 5\nMetricsFile /m.prom\nShutdownGrace 2s\n"
	    "Path /bin\nListenSocketMode 0600\nListenSocketGroup adm\n",
	    &errors), 0);
	CU_ASSERT_PTR_NULL(errors);
	CU_ASSERT_EQUAL(config_merge_reload(&old, &conf, &warnings, &cause),
	    0);
	CU_ASSERT_PTR_NULL(warnings);
	CU_ASSERT_PTR_NULL(cause);
	for (i = 0; i < sizeof strs / sizeof strs[0]; i++)
		CU_ASSERT(str_same(*(char **)((char *)&conf + strs[i].off),
		    strs[i].want));
	for (i = 0; i < sizeof nums / sizeof nums[0]; i++)
		CU_ASSERT_EQUAL(*(u_int *)((char *)&conf + nums[i].off),
		    nums[i].want);
	CU_ASSERT_EQUAL(conf.output_max, 4096);
	CU_ASSERT_EQUAL(conf.verbose, 1);
	CU_ASSERT_EQUAL(conf.max_conns_given, 1);
	free(errors);
	config_clear(&old);
	config_clear(&conf);
}

/* Run the suite; exit non-zero if any test failed. */
int
main(void)
{
	return (unit_run("test_config", "config", config_tests));
}
