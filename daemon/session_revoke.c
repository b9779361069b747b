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
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/ssl.h>

#include "log.h"
#include "rcmdd.h"
#include "session.h"
#include "xmalloc.h"

/*
 * What a reload revokes. A running command keeps the decision it was
 * admitted by, with one exception: once the network part has taken a new
 * configuration, a connection whose client would now be refused (its
 * certificate, or one of its chain, in a CRL of TLSCRL; a Deny rule, by
 * identity or by fingerprint, matching before any Allow; or no Allow rule
 * admitting it any more) is ended. Its running command is cancelled as a
 * cancelled command is (SIGTERM to its group through the privileged
 * part, SIGKILL after KillGrace), its row is "cancelled" with the reason
 * ("revoked: ..." or "denied after reload: ..."), the client gets
 * ERR_DENIED with the same words, the connection is closed, and the log
 * says so once. A connection with no command running (a prompt between
 * commands) gets a denied row with that reason instead. These rows are
 * not paced as refusals from clients are: the operator's reload causes
 * them, at most one a connection. Loop thread, network part.
 */

static void	session_revoke(struct session *, void *);
static int	session_revoke_why(struct session *, char **);

/* A reload was taken: end every connection it now refuses. */
void
session_revoke_all(void)
{
	u_int	n = 0;

	session_foreach(session_revoke, &n);
	if (n != 0)
		log_info("reload: %u connection%s ended as revoked or denied",
		    n, n == 1 ? "" : "s");
}

/* End one session if the running configuration now refuses its client. */
static void
session_revoke(struct session *s, void *arg)
{
	u_int	*n = arg;
	char	*why, *cause = NULL;
	int	 running;

	/* A session in the handshake is checked when it ends. */
	if (session_closing(s) || s->state == SESSION_NEW ||
	    s->state == SESSION_TLS_HANDSHAKE)
		return;
	if (session_revoke_why(s, &why) == 0)
		return;
	running = s->job != NULL;
	if (running)
		job_revoke(s->job, why);
	else if (privsep_deny(server_privsep, &s->rp, why, &cause) != 0) {
		log_warnx("session %llu: cannot record its end: %s",
		    (unsigned long long)s->id, cause);
		free(cause);
	}
	log_warnx("session %llu: %s%s%s: %s: the connection is closed%s",
	    (unsigned long long)s->id, s->peer,
	    s->rp.identity != NULL ? " as " : "",
	    s->rp.identity != NULL ? s->rp.identity : "", why,
	    running ? " and its command ended" : "");
	session_send_error(s, ERR_DENIED, why, strlen(why));
	session_close(s);
	free(why);
	(*n)++;
}

/*
 * Would the running configuration refuse this session's client now?
 * Return 1 with the reason in *why, or 0.
 */
static int
session_revoke_why(struct session *s, char **why)
{
	const struct allow_rule	*r;
	SSL			*ssl;
	char			 which[768];
	const char		*from;

	if (s->kind == SESSION_TLS &&
	    (ssl = bufferevent_openssl_get_ssl(s->bev)) != NULL &&
	    tls_revoked(ssl, which, sizeof which)) {
		xasprintf(why, DENIED_REVOKED "%s is in TLSCRL %s", which,
		    server_conf->tls_crl != NULL ? server_conf->tls_crl : "-");
		return (1);
	}
	if (policy_admit(server_conf, s->rp.identity, s->rp.fingerprint,
	    s->kind == SESSION_UNIX ? NULL : (struct sockaddr *)&s->sa, &r))
		return (0);
	from = s->kind == SESSION_UNIX ? "the local socket" :
	    s->rp.client_addr;
	if (r != NULL)
		xasprintf(why, DENIED_AFTER_RELOAD "%s%s from %s is denied by "
		    "%s:%u: %s", r->flags & ALLOW_FINGERPRINT ?
		    "the certificate of " : "", s->rp.identity != NULL ?
		    s->rp.identity : "a client without an identity", from,
		    r->file == NULL ? "-" : r->file, r->line, r->text);
	else
		xasprintf(why, DENIED_AFTER_RELOAD "no Allow rule admits %s "
		    "from %s", s->rp.identity != NULL ? s->rp.identity :
		    "a client without an identity", from);
	return (1);
}
