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

#include <stdlib.h>
#include <string.h>

#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The rules of a reload: what a configuration read again may change, and
 * what keeps its running value until a restart (rcmdd.conf(5), and
 * rcmdd(8) on SIGHUP and --reload). The reading itself is config.c's.
 */

static void	config_keep_path(char **, const char *, const char *,
		    char **);

/*
 * Keep a path that only a restart may change, and warn if the file now
 * says otherwise. A relative path is not compared: the running one was
 * made absolute at start-up.
 */
static void
config_keep_path(char **path, const char *old, const char *keyword,
    char **warnings)
{
	if (*path != NULL && old != NULL && strcmp(*path, old) != 0 &&
	    (*path)[0] == '/')
		config_error(warnings, NULL, 0, "%s changes only on restart; "
		    "keeping %s", keyword, old);
	free(*path);
	*path = old == NULL ? NULL : xstrdup(old);
}

/*
 * Merge a configuration read on reload, conf, with the running one, old.
 * Turning TLS on or off is refused: return -1 with the reason in cause,
 * conf untouched. Otherwise conf takes old's listeners, port, socket,
 * SingleThread, SingleUser, AuditSync, AuditGroup, AuditForward,
 * AuditHostName, Database, PidFile,
 * PortFile, ControlSocket and NetworkUser, which change only on restart,
 * with a line in *warnings for each the file changed; everything else is
 * conf's own. Return 0.
 */
int
config_merge_reload(const struct config *old, struct config *conf,
    char **warnings, char **cause)
{
	u_int	i;
	int	changed;

	if ((conf->tls_cert == NULL) != (old->tls_cert == NULL)) {
		xasprintf(cause, "turning TLS %s takes a restart",
		    old->tls_cert == NULL ? "on" : "off");
		return (-1);
	}
	changed = strcmp(conf->port, old->port) != 0 ||
	    conf->nlisten != old->nlisten ||
	    (conf->socket_path == NULL) != (old->socket_path == NULL) ||
	    (conf->socket_path != NULL &&
	    strcmp(conf->socket_path, old->socket_path) != 0) ||
	    conf->single_thread != old->single_thread;
	for (i = 0; !changed && i < conf->nlisten; i++)
		changed = strcmp(conf->listen[i], old->listen[i]) != 0;
	if (changed)
		config_error(warnings, NULL, 0, "ListenAddress, ListenSocket, "
		    "Port and SingleThread change only on restart; keeping the "
		    "running ones");
	while (conf->nlisten > 0)
		free(conf->listen[--conf->nlisten]);
	for (i = 0; i < old->nlisten; i++)
		conf->listen[conf->nlisten++] = xstrdup(old->listen[i]);
	free(conf->port);
	conf->port = xstrdup(old->port);
	conf->single_thread = old->single_thread;
	if (conf->single_user != old->single_user)
		config_error(warnings, NULL, 0, "SingleUser changes only on "
		    "restart; keeping %s", old->single_user ? "yes" : "no");
	conf->single_user = old->single_user;
	if (conf->audit_sync_full != old->audit_sync_full)
		config_error(warnings, NULL, 0, "AuditSync changes only on "
		    "restart; keeping %s", old->audit_sync_full ? "full" :
		    "normal");
	conf->audit_sync_full = old->audit_sync_full;
	if ((conf->audit_group == NULL) != (old->audit_group == NULL) ||
	    (conf->audit_group != NULL &&
	    strcmp(conf->audit_group, old->audit_group) != 0))
		config_error(warnings, NULL, 0, "AuditGroup changes only on "
		    "restart; keeping %s", old->audit_group != NULL ?
		    old->audit_group : "none");
	free(conf->audit_group);
	conf->audit_group = old->audit_group != NULL ?
	    xstrdup(old->audit_group) : NULL;
	if (conf->audit_forward_sync != old->audit_forward_sync ||
	    (conf->audit_forward == NULL) != (old->audit_forward == NULL) ||
	    (conf->audit_forward != NULL &&
	    strcmp(conf->audit_forward, old->audit_forward) != 0) ||
	    (conf->audit_host_name == NULL) != (old->audit_host_name == NULL) ||
	    (conf->audit_host_name != NULL &&
	    strcmp(conf->audit_host_name, old->audit_host_name) != 0))
		config_error(warnings, NULL, 0, "AuditForward and "
		    "AuditHostName change only on restart; keeping the running "
		    "ones");
	free(conf->audit_forward);
	conf->audit_forward = old->audit_forward != NULL ?
	    xstrdup(old->audit_forward) : NULL;
	conf->audit_forward_sync = old->audit_forward_sync;
	free(conf->audit_host_name);
	conf->audit_host_name = old->audit_host_name != NULL ?
	    xstrdup(old->audit_host_name) : NULL;
	config_keep_path(&conf->database, old->database, "Database", warnings);
	config_keep_path(&conf->socket_path, old->socket_path, "ListenSocket",
	    warnings);
	config_keep_path(&conf->pidfile, old->pidfile, "PidFile", warnings);
	config_keep_path(&conf->portfile, old->portfile, "PortFile", warnings);
	config_keep_path(&conf->control_path, old->control_path,
	    "ControlSocket", warnings);
	config_keep_path(&conf->network_user, old->network_user,
	    "NetworkUser", warnings);
	return (0);
}
