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

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <utmpx.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * rcmdd.conf(5): one "Keyword value" per line, sshd_config style. Keywords
 * are case-insensitive, lines starting with # are comments, and a value may
 * be quoted. Every error is reported with file and line, and parsing goes
 * on so that rcmdd -t lists them all. Also what the command line
 * overrides. The rules of a reload are in config_reload.c.
 */

#define CONFIG_MAX_LINE	4096
#define CONFIG_OUTPUT_MAX	((size_t)256 * 1024 * 1024)	/* AuditOutputMax */

enum config_type {
	CONFIG_STRING,
	CONFIG_LISTEN,
	CONFIG_PORT,
	CONFIG_TIME,
	CONFIG_SIZE,
	CONFIG_FLAG,
	CONFIG_LOGLEVEL,
	CONFIG_COUNT,
	CONFIG_SYNC,
	CONFIG_UMASK,
	CONFIG_MODE,
	CONFIG_ALLOW,
	CONFIG_DENY,
	CONFIG_FORWARD,
	CONFIG_HOSTNAME
};

struct config_keyword {
	const char		*name;
	enum config_type	 type;
	size_t			 offset;
};

static int	config_set(struct config *, const struct config_keyword *,
		    const char *, char **);
static u_int	config_seen(const u_int *, const char *);
static int	config_forward_sync(char *, char **);
static const char	*config_session_file(const struct config *,
			    const char *, const char *);

#define OFF(f)	offsetof(struct config, f)
static const struct config_keyword config_keywords[] = {
	{ "Allow",		CONFIG_ALLOW,	0 },
	{ "AuditForward",	CONFIG_FORWARD,	OFF(audit_forward) },
	{ "AuditForwardMaxLag",	CONFIG_TIME,	OFF(forward_max_lag_ms) },
	{ "AuditGroup",		CONFIG_STRING,	OFF(audit_group) },
	{ "AuditHeadInterval",	CONFIG_TIME,	OFF(head_interval_ms) },
	{ "AuditHostName",	CONFIG_HOSTNAME, OFF(audit_host_name) },
	{ "AuditMaxRows",	CONFIG_COUNT,	OFF(max_rows) },
	{ "AuditOutputMax",	CONFIG_SIZE,	OFF(output_max) },
	{ "AuditRetainDays",	CONFIG_COUNT,	OFF(retain_days) },
	{ "AuditSync",		CONFIG_SYNC,	OFF(audit_sync_full) },
	{ "CommandMaxCPU",	CONFIG_TIME,	OFF(max_cpu_ms) },
	{ "CommandMaxFiles",	CONFIG_COUNT,	OFF(max_files) },
	{ "CommandMaxMemory",	CONFIG_SIZE,	OFF(max_memory) },
	{ "CommandMaxProcesses", CONFIG_COUNT,	OFF(max_procs) },
	{ "CommandTimeout",	CONFIG_TIME,	OFF(timeout_ms) },
	{ "CommandUmask",	CONFIG_UMASK,	OFF(umask) },
	{ "ControlSocket",	CONFIG_STRING,	OFF(control_path) },
	{ "Database",		CONFIG_STRING,	OFF(database) },
	{ "Deny",		CONFIG_DENY,	0 },
	{ "DrainTimeout",	CONFIG_TIME,	OFF(drain_ms) },
	{ "HandshakeTimeout",	CONFIG_TIME,	OFF(handshake_ms) },
	{ "IdleTimeout",	CONFIG_TIME,	OFF(idle_ms) },
	{ "KillGrace",		CONFIG_TIME,	OFF(kill_grace_ms) },
	{ "Lang",		CONFIG_STRING,	OFF(lang) },
	{ "ListenAddress",	CONFIG_LISTEN,	0 },
	{ "ListenSocket",	CONFIG_STRING,	OFF(socket_path) },
	{ "ListenSocketGroup",	CONFIG_STRING,	OFF(socket_group) },
	{ "ListenSocketMode",	CONFIG_MODE,	OFF(socket_mode) },
	{ "LogLevel",		CONFIG_LOGLEVEL, OFF(verbose) },
	{ "MaxCommandTimeout",	CONFIG_TIME,	OFF(max_timeout_ms) },
	{ "MaxCommands",	CONFIG_COUNT,	OFF(max_commands) },
	{ "MaxConnections",	CONFIG_COUNT,	OFF(max_conns) },
	{ "MaxConnectionsPerSource", CONFIG_COUNT, OFF(max_conns_source) },
	{ "MetricsFile",	CONFIG_STRING,	OFF(metrics_path) },
	{ "MetricsInterval",	CONFIG_TIME,	OFF(metrics_interval_ms) },
	{ "MaxHandshakes",	CONFIG_COUNT,	OFF(max_handshakes) },
	{ "NetworkUser",	CONFIG_STRING,	OFF(network_user) },
	{ "Path",		CONFIG_STRING,	OFF(path) },
	{ "PidFile",		CONFIG_STRING,	OFF(pidfile) },
	{ "Port",		CONFIG_PORT,	OFF(port) },
	{ "PortFile",		CONFIG_STRING,	OFF(portfile) },
	{ "RunAs",		CONFIG_STRING,	OFF(run_as) },
	{ "SessionRecordInput",	CONFIG_FLAG,	OFF(session_record_input) },
	{ "SessionRecordMax",	CONFIG_SIZE,	OFF(session_record_max) },
	{ "SessionUtmp",	CONFIG_STRING,	OFF(session_utmp) },
	{ "SessionWtmp",	CONFIG_STRING,	OFF(session_wtmp) },
	{ "ShutdownGrace",	CONFIG_TIME,	OFF(shutdown_grace_ms) },
	{ "SingleThread",	CONFIG_FLAG,	OFF(single_thread) },
	{ "SingleUser",		CONFIG_FLAG,	OFF(single_user) },
	{ "TLSCertificate",	CONFIG_STRING,	OFF(tls_cert) },
	{ "TLSClientCA",	CONFIG_STRING,	OFF(tls_ca) },
	{ "TLSCRL",		CONFIG_STRING,	OFF(tls_crl) },
	{ "TLSKey",		CONFIG_STRING,	OFF(tls_key) },
};
#undef OFF
#define CONFIG_NKEYWORDS (sizeof config_keywords / sizeof config_keywords[0])

/* Return the line a keyword was given on, or 0. */
static u_int
config_seen(const u_int *seen, const char *name)
{
	u_int	i;

	for (i = 0; i < CONFIG_NKEYWORDS; i++) {
		if (strcmp(config_keywords[i].name, name) == 0)
			return (seen[i]);
	}
	return (0);
}

/* Fill a configuration with the defaults. */
void
config_init(struct config *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->port = xstrdup(RCMDD_DEFAULT_PORT);
	conf->database = xstrdup(RCMDD_DATABASE);
	conf->control_path = xstrdup(RCMDD_CONTROL);
	conf->metrics_interval_ms = 15 * 1000;
	conf->path = xstrdup("/usr/local/bin:/usr/bin:/bin");
	conf->lang = xstrdup("C.UTF-8");
	conf->timeout_ms = 3600 * 1000;
	conf->max_timeout_ms = 24 * 3600 * 1000;
	conf->kill_grace_ms = 5 * 1000;
	conf->drain_ms = 2 * 1000;
	conf->handshake_ms = 10 * 1000;
	conf->shutdown_grace_ms = 10 * 1000;
	conf->output_max = 1024 * 1024;
	conf->session_record_max = 64 * 1024 * 1024;
	conf->audit_sync_full = 1;
	conf->head_interval_ms = 3600 * 1000;
	conf->umask = 022;
	conf->max_conns = 16384;
	conf->max_conns_source = 64;
	conf->max_handshakes = 1024;
	conf->max_commands = 4096;
	conf->idle_ms = 3600 * 1000;
	conf->socket_mode = 0660;
	conf->network_user = xstrdup("rcmdd");
}

/* Return the control socket's path, or NULL for ControlSocket none. */
const char *
config_control_path(const struct config *conf)
{
	if (conf->control_path == NULL ||
	    strcmp(conf->control_path, "none") == 0)
		return (NULL);
	return (conf->control_path);
}

/*
 * Return the file a terminal's login goes to (SessionUtmp), or "none".
 * Unset, it is the system's, except in a single-user trial, whose user
 * cannot write it: there a warning at every session would say only that.
 */
const char *
config_session_utmp(const struct config *conf)
{
	return (config_session_file(conf, conf->session_utmp, _PATH_UTMPX));
}

/* The same for SessionWtmp. */
const char *
config_session_wtmp(const struct config *conf)
{
	return (config_session_file(conf, conf->session_wtmp, _PATH_WTMPX));
}

/* The file set, or else the system's (path), or "none" for one user. */
static const char *
config_session_file(const struct config *conf, const char *set,
    const char *path)
{
	if (set != NULL)
		return (set);
	return (conf->single_user ? "none" : path);
}

/* Free what a configuration holds. */
void
config_clear(struct config *conf)
{
	u_int	i;

	for (i = 0; i < conf->nlisten; i++)
		free(conf->listen[i]);
	free(conf->port);
	free(conf->database);
	free(conf->pidfile);
	free(conf->portfile);
	free(conf->path);
	free(conf->lang);
	free(conf->run_as);
	free(conf->network_user);
	free(conf->tls_cert);
	free(conf->tls_key);
	free(conf->tls_ca);
	free(conf->tls_crl);
	free(conf->socket_path);
	free(conf->socket_group);
	free(conf->control_path);
	free(conf->metrics_path);
	free(conf->session_utmp);
	free(conf->session_wtmp);
	policy_clear(conf);
	free(conf->audit_group);
	free(conf->audit_forward);
	free(conf->audit_host_name);
	memset(conf, 0, sizeof *conf);
}

/* Append "file:line: message", or the message alone, to a list. */
void
config_error(char **errors, const char *file, u_int line, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg, *all;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (file == NULL)
		xasprintf(&all, "%s%s\n", *errors == NULL ? "" : *errors, msg);
	else if (line != 0)
		xasprintf(&all, "%s%s:%u: %s\n", *errors == NULL ? "" : *errors,
		    file, line, msg);
	else
		xasprintf(&all, "%s%s: %s\n", *errors == NULL ? "" : *errors,
		    file, msg);
	free(*errors);
	free(msg);
	*errors = all;
}

/*
 * Parse a time: a whole number with an optional unit, ms, s, m or h;
 * seconds without one. Return 0 and the milliseconds, or -1.
 */
int
config_parse_time(const char *s, u_int *ms)
{
	unsigned long long	 v, mult;
	char			*end;

	if (!isdigit((u_char)*s))
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return (-1);
	if (*end == '\0' || strcasecmp(end, "s") == 0)
		mult = 1000;
	else if (strcasecmp(end, "ms") == 0)
		mult = 1;
	else if (strcasecmp(end, "m") == 0)
		mult = 60 * 1000;
	else if (strcasecmp(end, "h") == 0)
		mult = 3600 * 1000;
	else
		return (-1);
	if (v > UINT_MAX / mult)
		return (-1);
	*ms = (u_int)(v * mult);
	return (0);
}

/*
 * Parse a size: a whole number of bytes with an optional K, M or G
 * (binary multiples). Return 0 and the size, or -1.
 */
int
config_parse_size(const char *s, size_t *size)
{
	unsigned long long	 v, mult;
	char			*end;

	if (!isdigit((u_char)*s))
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return (-1);
	if (*end == '\0')
		mult = 1;
	else if (strcasecmp(end, "k") == 0)
		mult = 1024;
	else if (strcasecmp(end, "m") == 0)
		mult = 1024 * 1024;
	else if (strcasecmp(end, "g") == 0)
		mult = 1024 * 1024 * 1024;
	else
		return (-1);
	if (v > SIZE_MAX / mult)
		return (-1);
	*size = (size_t)(v * mult);
	return (0);
}

/* Add a listen address; the first one given replaces the default. */
int
config_set_listen(struct config *conf, const char *addr, char **cause)
{
	if (conf->nlisten == RCMDD_MAX_LISTEN) {
		xasprintf(cause, "too many listen addresses: at most %d",
		    RCMDD_MAX_LISTEN);
		return (-1);
	}
	if (*addr == '\0') {
		*cause = xstrdup("empty listen address");
		return (-1);
	}
	conf->listen[conf->nlisten++] = xstrdup(addr);
	return (0);
}

/*
 * AuditForward's value may end in the word sync, after the connection
 * string, quoted or not (a keyword=value of libpq always has an =): cut
 * it off, move *end, and return 1 if it was there.
 */
static int
config_forward_sync(char *value, char **end)
{
	char	*e = *end;

	if (e - value < 6 || strcasecmp(e - 4, "sync") != 0 ||
	    !isspace((u_char)e[-5]))
		return (0);
	e -= 4;
	*e = '\0';
	while (e > value && isspace((u_char)e[-1]))
		*--e = '\0';
	*end = e;
	return (1);
}

/* Set one keyword's value, or return -1 with a cause. */
static int
config_set(struct config *conf, const struct config_keyword *kw,
    const char *value, char **cause)
{
	char		**sp;
	const char	 *errstr;
	long long	  port, n;
	char		 *end;
	u_int		  ms;
	size_t		  size;

	switch (kw->type) {
	case CONFIG_STRING:
		if (*value == '\0') {
			xasprintf(cause, "%s needs a value", kw->name);
			return (-1);
		}
		sp = (char **)((char *)conf + kw->offset);
		free(*sp);
		*sp = xstrdup(value);
		return (0);
	case CONFIG_LISTEN:
		return (config_set_listen(conf, value, cause));
	case CONFIG_PORT:
		port = strtonum(value, 0, 65535, &errstr);
		if (errstr != NULL) {
			xasprintf(cause, "Port \"%s\" is %s: use a number from "
			    "0 to 65535 (0 picks a free port)", value, errstr);
			return (-1);
		}
		sp = (char **)((char *)conf + kw->offset);
		free(*sp);
		xasprintf(sp, "%lld", port);
		return (0);
	case CONFIG_TIME:
		if (config_parse_time(value, &ms) != 0) {
			xasprintf(cause, "%s \"%s\" is not a time: use a whole "
			    "number with ms, s, m or h (seconds without)",
			    kw->name, value);
			return (-1);
		}
		*(u_int *)((char *)conf + kw->offset) = ms;
		return (0);
	case CONFIG_SIZE:
		if (config_parse_size(value, &size) != 0) {
			xasprintf(cause, "%s \"%s\" is not a size: use a whole "
			    "number of bytes with an optional K, M or G",
			    kw->name, value);
			return (-1);
		}
		*(size_t *)((char *)conf + kw->offset) = size;
		return (0);
	case CONFIG_FLAG:
		if (strcasecmp(value, "yes") == 0)
			*(int *)((char *)conf + kw->offset) = 1;
		else if (strcasecmp(value, "no") == 0)
			*(int *)((char *)conf + kw->offset) = 0;
		else {
			xasprintf(cause, "%s \"%s\": use yes or no", kw->name,
			    value);
			return (-1);
		}
		return (0);
	case CONFIG_COUNT:
		n = strtonum(value, 0, UINT_MAX, &errstr);
		if (errstr != NULL) {
			xasprintf(cause, "%s \"%s\" is %s: use a whole number "
			    "(0 for no limit)", kw->name, value, errstr);
			return (-1);
		}
		*(u_int *)((char *)conf + kw->offset) = (u_int)n;
		return (0);
	case CONFIG_SYNC:
		if (strcasecmp(value, "full") == 0)
			conf->audit_sync_full = 1;
		else if (strcasecmp(value, "normal") == 0)
			conf->audit_sync_full = 0;
		else {
			xasprintf(cause, "AuditSync \"%s\": use normal or "
			    "full", value);
			return (-1);
		}
		return (0);
	case CONFIG_UMASK:
		errno = 0;
		n = strtoll(value, &end, 8);
		if (errno != 0 || *end != '\0' || n < 0 || n > 0777) {
			xasprintf(cause, "CommandUmask \"%s\" is not a umask: "
			    "use octal digits, such as 022 or 077", value);
			return (-1);
		}
		conf->umask = (u_int)n;
		conf->umask_set = 1;
		return (0);
	case CONFIG_MODE:
		errno = 0;
		n = strtoll(value, &end, 8);
		if (errno != 0 || *end != '\0' || n < 0 || n > 0777) {
			xasprintf(cause, "%s \"%s\" is not a mode: use octal "
			    "digits, such as 0660", kw->name, value);
			return (-1);
		}
		*(u_int *)((char *)conf + kw->offset) = (u_int)n;
		return (0);
	case CONFIG_ALLOW:
	case CONFIG_DENY:
		return (policy_add_rule(conf, kw->type == CONFIG_DENY, value,
		    NULL, 0, cause));
	case CONFIG_FORWARD:
		if (forward_check_conninfo(value, cause) != 0)
			return (-1);
		free(conf->audit_forward);
		conf->audit_forward = xstrdup(value);
		return (0);
	case CONFIG_HOSTNAME:
		if (forward_check_host_name(value, cause) != 0)
			return (-1);
		free(conf->audit_host_name);
		conf->audit_host_name = xstrdup(value);
		return (0);
	case CONFIG_LOGLEVEL:
		if (strcasecmp(value, "info") == 0)
			conf->verbose = 0;
		else if (strcasecmp(value, "debug") == 0)
			conf->verbose = 1;
		else {
			xasprintf(cause, "LogLevel \"%s\": use info or debug",
			    value);
			return (-1);
		}
		return (0);
	}
	fatalx("config_set: bad type");
}

/*
 * Parse a configuration from fp into conf, whose defaults are set. Return
 * the number of errors; each is appended to *errors as "file:line: why".
 */
int
config_parse(struct config *conf, const char *file, FILE *fp, char **errors)
{
	const struct config_keyword	*kw;
	char				 line[CONFIG_MAX_LINE + 2];
	char				*p, *key, *value, *end, *cause;
	u_int				 lineno = 0, nerrors = 0, i;
	u_int				 line_a, line_b;
	u_int				 seen[CONFIG_NKEYWORDS];
	int				 listen_seen = 0, sync;

	memset(seen, 0, sizeof seen);
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			config_error(errors, file, lineno, "line is longer "
			    "than %d bytes", CONFIG_MAX_LINE);
			nerrors++;
			while (fgets(line, sizeof line, fp) != NULL &&
			    strchr(line, '\n') == NULL)
				;
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		p = line;
		while (isspace((u_char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;

		key = p;
		while (*p != '\0' && !isspace((u_char)*p) && *p != '=')
			p++;
		if (*p != '\0')
			*p++ = '\0';
		while (isspace((u_char)*p) || *p == '=')
			p++;
		value = p;
		end = value + strlen(value);
		while (end > value && isspace((u_char)end[-1]))
			*--end = '\0';
		sync = 0;
		if (strcasecmp(key, "AuditForward") == 0)
			sync = config_forward_sync(value, &end);
		if (*value == '"') {
			if (end - value < 2 || end[-1] != '"') {
				config_error(errors, file, lineno, "%s: "
				    "unterminated quoted value", key);
				nerrors++;
				continue;
			}
			end[-1] = '\0';
			value++;
		}

		kw = NULL;
		for (i = 0; i < CONFIG_NKEYWORDS; i++) {
			if (strcasecmp(key, config_keywords[i].name) == 0) {
				kw = &config_keywords[i];
				break;
			}
		}
		if (kw == NULL) {
			config_error(errors, file, lineno, "unknown keyword "
			    "\"%s\": see rcmdd.conf(5) for the keywords", key);
			nerrors++;
			continue;
		}
		if (*value == '\0') {
			config_error(errors, file, lineno, "%s needs a value",
			    kw->name);
			nerrors++;
			continue;
		}
		if (kw->type != CONFIG_LISTEN && kw->type != CONFIG_ALLOW &&
		    kw->type != CONFIG_DENY && seen[i] != 0) {
			config_error(errors, file, lineno, "%s is given again "
			    "(first on line %u): give it once", kw->name,
			    seen[i]);
			nerrors++;
			continue;
		}
		seen[i] = lineno;
		if (kw->type == CONFIG_LISTEN && !listen_seen) {
			listen_seen = 1;
			while (conf->nlisten > 0)
				free(conf->listen[--conf->nlisten]);
		}
		cause = NULL;
		if (kw->type == CONFIG_FORWARD)
			conf->audit_forward_sync = sync;
		/* A rule keeps where it was written, for the audit log. */
		if ((kw->type == CONFIG_ALLOW || kw->type == CONFIG_DENY) ?
		    policy_add_rule(conf, kw->type == CONFIG_DENY, value, file,
		    lineno, &cause) != 0 :
		    config_set(conf, kw, value, &cause) != 0) {
			config_error(errors, file, lineno, "%s", cause);
			free(cause);
			nerrors++;
		}
	}
	if (ferror(fp)) {
		config_error(errors, file, 0, "read error");
		nerrors++;
	}
	if (conf->max_timeout_ms != 0 && (conf->timeout_ms == 0 ||
	    conf->timeout_ms > conf->max_timeout_ms)) {
		line_a = config_seen(seen, "CommandTimeout");
		line_b = config_seen(seen, "MaxCommandTimeout");
		config_error(errors, file, line_a > line_b ? line_a : line_b,
		    "CommandTimeout (%u ms%s) is over MaxCommandTimeout "
		    "(%u ms): lower it or raise the maximum", conf->timeout_ms,
		    conf->timeout_ms == 0 ? ", no limit" : "",
		    conf->max_timeout_ms);
		nerrors++;
	}
	if ((conf->tls_cert != NULL) != (conf->tls_key != NULL) ||
	    (conf->tls_cert != NULL) != (conf->tls_ca != NULL)) {
		line_a = config_seen(seen, "TLSCertificate");
		if (line_a == 0)
			line_a = config_seen(seen, "TLSKey");
		if (line_a == 0)
			line_a = config_seen(seen, "TLSClientCA");
		config_error(errors, file, line_a, "TLS needs all three of "
		    "TLSCertificate, TLSKey and TLSClientCA: give the missing "
		    "ones, or none for plain TCP on loopback");
		nerrors++;
	}
	if (conf->tls_crl != NULL && conf->tls_cert == NULL) {
		config_error(errors, file, config_seen(seen, "TLSCRL"),
		    "TLSCRL revokes client certificates, and there is no "
		    "TLS: give TLSCertificate, TLSKey and TLSClientCA too, "
		    "or drop TLSCRL");
		nerrors++;
	}
	conf->max_conns_given = config_seen(seen, "MaxConnections") != 0 ||
	    config_seen(seen, "MaxCommands") != 0;
	if (conf->handshake_ms == 0) {
		config_error(errors, file,
		    config_seen(seen, "HandshakeTimeout"),
		    "HandshakeTimeout must be more than 0: a client that "
		    "says nothing would be dropped at once");
		nerrors++;
	}
	if (conf->audit_forward == NULL && (conf->forward_max_lag_ms != 0 ||
	    conf->audit_host_name != NULL)) {
		line_a = config_seen(seen, "AuditForwardMaxLag");
		if (line_a == 0)
			line_a = config_seen(seen, "AuditHostName");
		config_error(errors, file, line_a, "AuditForwardMaxLag and "
		    "AuditHostName need AuditForward: name the central "
		    "database, or remove them");
		nerrors++;
	}
	if (conf->forward_max_lag_ms % 1000 != 0) {
		config_error(errors, file, config_seen(seen,
		    "AuditForwardMaxLag"), "AuditForwardMaxLag is in whole "
		    "seconds");
		nerrors++;
	}
	if (conf->metrics_interval_ms < 1000) {
		config_error(errors, file, config_seen(seen, "MetricsInterval"),
		    "MetricsInterval must be 1s or more");
		nerrors++;
	}
	/*
	 * The output is stored made safe to read, up to three times as long
	 * (an invalid byte becomes U+FFFD), and SQLite stores no value of
	 * more than 1,000,000,000 bytes: past it the column would be NULL.
	 */
	if (conf->output_max > CONFIG_OUTPUT_MAX) {
		config_error(errors, file, config_seen(seen, "AuditOutputMax"),
		    "AuditOutputMax is at most 256M: SQLite keeps no value "
		    "over 1,000,000,000 bytes, and the output is stored up to "
		    "three times as long");
		nerrors++;
	}
	return (nerrors);
}

/*
 * Check that MaxConnections and MaxCommands fit a descriptor limit, when
 * rcmdd needs base descriptors of its own: one a connection, JOB_FDS a
 * command, and no more commands than connections (each runs one at a
 * time). Return 0 if they do (or either is 0, no limit), or -1 with a
 * cause that says what to lower, and to what.
 */
int
config_check_fds(const struct config *conf, unsigned long limit, u_int base,
    char **cause)
{
	unsigned long long	 need, cmds;
	long long		 room, conns_fit, cmds_fit;
	char			*hint;

	if (conf->max_conns == 0 || conf->max_commands == 0)
		return (0);
	cmds = conf->max_commands < conf->max_conns ? conf->max_commands :
	    conf->max_conns;
	need = base + conf->max_conns + (unsigned long long)JOB_FDS * cmds;
	if (need <= limit)
		return (0);
	room = (long long)limit - base;
	conns_fit = room - (long long)JOB_FDS * conf->max_commands;
	if (conns_fit < (long long)conf->max_commands)
		conns_fit = room / (JOB_FDS + 1);
	cmds_fit = (room - conf->max_conns) / JOB_FDS;
	if (conns_fit >= 1 && cmds_fit >= 1)
		xasprintf(&hint, "lower MaxConnections to %lld or MaxCommands "
		    "to %lld", conns_fit, cmds_fit);
	else if (conns_fit >= 1)
		xasprintf(&hint, "lower MaxConnections to %lld", conns_fit);
	else if (cmds_fit >= 1)
		xasprintf(&hint, "lower MaxCommands to %lld", cmds_fit);
	else
		xasprintf(&hint, "lower both MaxConnections and MaxCommands");
	xasprintf(cause, "MaxConnections %u and MaxCommands %u need up to %llu "
	    "descriptors (one a connection, %d a command, and %u for rcmdd "
	    "itself), but the descriptor limit is %lu: %s, or raise the limit "
	    "(LimitNOFILE in rcmdd.service, ulimit -n)", conf->max_conns,
	    conf->max_commands, need, JOB_FDS, base, limit, hint);
	free(hint);
	return (-1);
}

/* Read and parse a configuration file. Return the number of errors. */
int
config_load(struct config *conf, const char *path, char **errors)
{
	FILE	*fp;
	int	 n;

	if ((fp = fopen(path, "r")) == NULL) {
		config_error(errors, path, 0, "cannot open: %s",
		    strerror(errno));
		return (1);
	}
	n = config_parse(conf, path, fp, errors);
	fclose(fp);
	return (n);
}

/*
 * Return the path of the configuration file that config_read reads, or
 * NULL if there is none (the defaults and the command line alone).
 */
const char *
config_path(const struct config_cmdline *cmd)
{
	if (cmd->config == NULL && access(RCMDD_CONF, F_OK) == 0)
		return (RCMDD_CONF);
	return (cmd->config);
}

/*
 * Build a configuration: defaults, then the file, then the command line.
 * At start-up (report set) errors go to stderr; on reload, to the log.
 * Return 0, or -1 with conf cleared.
 */
int
config_read(struct config *conf, const struct config_cmdline *cmd,
    int report)
{
	return (config_read_text(conf, cmd, NULL, 0, report));
}

/*
 * As config_read, but with the file's text given (len bytes) rather than
 * read from the file, if text is not NULL: the network part, which has no
 * file to read, re-parses what the privileged part read.
 */
int
config_read_text(struct config *conf, const struct config_cmdline *cmd,
    const char *text, size_t len, int report)
{
	const char	*path = config_path(cmd);
	char		*errors = NULL, *line, *next;
	FILE		*fp;
	u_int		 i;
	int		 n = 0;

	config_init(conf);
	if (text != NULL) {
		if (path == NULL)
			path = RCMDD_CONF;
		if (len == 0)
			;
		else if ((fp = fmemopen((void *)text, len, "r")) == NULL) {
			config_error(&errors, path, 0, "cannot read the "
			    "configuration's text: %s", strerror(errno));
			n = 1;
		} else {
			n = config_parse(conf, path, fp, &errors);
			fclose(fp);
		}
	} else if (path != NULL)
		n = config_load(conf, path, &errors);
	/*
	 * The users the rules name must exist: where the file is read, and
	 * where it is re-read on reload, in the privileged part. The
	 * network part parses the same text after that check passed.
	 */
	if (server_privsep == -1)
		n += policy_check_users(conf, &errors);
	if (n != 0) {
		for (line = errors; line != NULL && *line != '\0';
		    line = next) {
			next = strchr(line, '\n');
			if (next != NULL)
				*next++ = '\0';
			if (report)
				fprintf(stderr, "rcmdd: %s\n", line);
			else
				log_warnx("%s", line);
		}
		if (report)
			fprintf(stderr, "rcmdd: %d error%s in the "
			    "configuration\n", n, n == 1 ? "" : "s");
		free(errors);
		config_clear(conf);
		return (-1);
	}
	if (cmd->nlisten != 0) {
		while (conf->nlisten > 0)
			free(conf->listen[--conf->nlisten]);
		for (i = 0; i < cmd->nlisten; i++)
			conf->listen[conf->nlisten++] = xstrdup(cmd->listen[i]);
	}
	if (cmd->port != NULL) {
		free(conf->port);
		conf->port = xstrdup(cmd->port);
	}
	if (cmd->database != NULL) {
		free(conf->database);
		conf->database = xstrdup(cmd->database);
	}
	if (cmd->single_thread)
		conf->single_thread = 1;
	if (cmd->single_user)
		conf->single_user = 1;
	return (0);
}
