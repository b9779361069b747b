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
#include <sys/tree.h>

#include <netinet/in.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "rcmdd.h"
#include "session.h"
#include "xmalloc.h"

/*
 * Who may connect, and what one client may cost.
 *
 * A peer is authorized once its identity is known: at accept on plain TCP
 * and the Unix socket, after the handshake on TLS. A refused peer gets
 * ERR_DENIED (or, for a failed handshake, only TLS's alert) and a denied
 * row in the audit log, at the pace auth.c allows.
 *
 * What one client can cost is bounded: its connections (per source, and
 * those still in the handshake), the replies it has not read (input stops
 * while they are over SESSION_OUTPUT_HIGH), its errors (a run of
 * SESSION_ERRORS_MAX closes the connection) and the log lines it causes
 * (paced per connection and for all). A command is admitted only while
 * rcmdd has the descriptors it needs (session_fds_room).
 */

/*
 * Log lines about clients' errors: at most SESSION_LOG_PER_SESSION a
 * connection, and for all connections a burst of SESSION_LOG_BURST, then
 * SESSION_LOG_PER_SEC a second; the rest are counted and summed up in one
 * line a second.
 */
#define SESSION_LOG_PER_SESSION	3
#define SESSION_LOG_BURST	20
#define SESSION_LOG_PER_SEC	10

/* The open connections of one source, for MaxConnectionsPerSource. */
struct session_source {
	char				 name[INET6_ADDRSTRLEN + 16];
	u_int				 n;
	RB_ENTRY(session_source)	 entry;
};
RB_HEAD(session_sources, session_source);

static void	session_deny(struct session *, const char *);
static void	session_record_deny(const struct record_peer *,
		    const char *);
static void	session_refused(struct session *, const char *);
static void	session_refusals_cb(int, short, void *);
static int	session_source_cmp(struct session_source *,
		    struct session_source *);
static void	session_log_cb(int, short, void *);
static void	session_summary_arm(struct event **, event_callback_fn);

RB_PROTOTYPE(session_sources, session_source, entry,
    session_source_cmp);

static struct event	*session_refusals_ev;
static struct sessions	session_handshakes =
			    TAILQ_HEAD_INITIALIZER(session_handshakes);
static u_int		session_handshake_number;
static struct session_sources session_sources =
			    RB_INITIALIZER(&session_sources);
static struct event	*session_log_ev;
static u_int		session_log_tokens = SESSION_LOG_BURST;
static struct timespec	session_log_refill;
static uint64_t		session_log_suppressed;
static char		session_log_last[256];

RB_GENERATE(session_sources, session_source, entry,
    session_source_cmp);

/* Order sources by name. */
static int
session_source_cmp(struct session_source *a, struct session_source *b)
{
	return (strcmp(a->name, b->name));
}

/*
 * The peer's identity is known: may it run commands? A Deny rule (by
 * identity or certificate fingerprint) that matches before any Allow
 * refuses it here.
 */
void
session_authorize(struct session *s)
{
	const struct allow_rule	*r;
	char			*why;

	if (session_closing(s) || policy_admit(server_conf,
	    s->rp.identity, s->rp.fingerprint, s->kind == SESSION_UNIX ? NULL :
	    (struct sockaddr *)&s->sa, &r))
		return;
	if (r != NULL)
		xasprintf(&why, "not allowed: %s%s from %s is denied by %s:%u: "
		    "%s", r->flags & ALLOW_FINGERPRINT ? "the certificate of " :
		    "", s->rp.identity != NULL ? s->rp.identity : "a client "
		    "without an identity", s->kind == SESSION_UNIX ?
		    "the local socket" : s->rp.client_addr, r->file == NULL ?
		    "-" : r->file, r->line, r->text);
	else if (s->rp.identity != NULL)
		xasprintf(&why, "not allowed: no Allow rule admits %s from %s",
		    s->rp.identity, s->kind == SESSION_UNIX ?
		    "the local socket" : s->rp.client_addr);
	else
		xasprintf(&why, "not allowed: no Allow rule admits a client "
		    "without an identity from %s (plain TCP)",
		    s->rp.client_addr);
	session_deny(s, why);
	free(why);
}

/*
 * The door's check of a command, an early refusal: may this peer run
 * anything at all (policy_admit)? The rest (the user, the program, the
 * ticket) the privileged part decides, which alone can resolve a program
 * and records the command and the rule with its refusal. A refusal here
 * is recorded, answered with ERR_DENIED with the reason, and the
 * connection closed. Return 0 if the command may go on. Loop thread.
 */
int
session_exec_allowed(struct session *s, const struct cmd_record *rec)
{
	struct policy_request	 rq;
	struct policy_decision	 d;
	struct exec_identity	 id;
	char			*why;

	memset(&rq, 0, sizeof rq);
	rq.identity = s->rp.identity;
	rq.fingerprint = s->rp.fingerprint;
	rq.addr = s->kind == SESSION_UNIX ? NULL : (struct sockaddr *)&s->sa;
	if (policy_admit(server_conf, rq.identity, rq.fingerprint, rq.addr,
	    NULL))
		return (0);

	/* The decision, for its message: the peer is refused whatever. */
	exec_identity(&id);
	rq.run_as = id.user;
	rq.user = rec->run_as;
	rq.ticket = rec->ticket != NULL;
	rq.mode = POLICY_SHELL;
	rq.command = rec->command;
	policy_decide(server_conf, &rq, &d);
	xasprintf(&why, "not allowed: %s%s%s", d.message,
	    d.hint != NULL ? "; " : "", d.hint != NULL ? d.hint : "");
	policy_decision_clear(&d);
	session_deny(s, why);
	free(why);
	return (-1);
}

/* Refuse a peer: record it, tell it why with ERR_DENIED, and close. */
static void
session_deny(struct session *s, const char *why)
{
	session_refused(s, why);
	session_send_error(s, ERR_DENIED, why, strlen(why));
	session_close(s);
}

/* The TLS handshake finished: read the certificate, then authorize. */
void
session_tls_done(struct session *s)
{
	SSL	*ssl;
	char	 cn[256], fp[TLS_FINGERPRINT_LEN + 1], *cause = NULL, *why;

	ssl = bufferevent_openssl_get_ssl(s->bev);
	if (tls_peer(ssl, cn, sizeof cn, fp, sizeof fp, &cause) != 0) {
		if (fp[0] != '\0')
			s->rp.fingerprint = xstrdup(fp);
		xasprintf(&why, "client certificate refused: %s", cause);
		free(cause);
		session_deny(s, why);
		free(why);
		return;
	}
	s->rp.identity = xstrdup(cn);
	if (fp[0] != '\0')
		s->rp.fingerprint = xstrdup(fp);
	session_set_state(s, SESSION_HELLO);
	log_debug("session %llu: TLS from %s as %s (%s)",
	    (unsigned long long)s->id, s->peer, s->rp.identity,
	    s->rp.fingerprint != NULL ? s->rp.fingerprint : "");
	session_authorize(s);
}

/* The TLS handshake failed or timed out: record it, and hang up. */
void
session_tls_failed(struct session *s, const char *why)
{
	char		 buf[512];
	unsigned long	 error, e;

	if (why == NULL) {
		error = 0;
		while ((e = bufferevent_get_openssl_error(s->bev)) != 0)
			if (error == 0)
				error = e;
		tls_failure(bufferevent_openssl_get_ssl(s->bev), error, buf,
		    sizeof buf);
		why = buf;
	}
	session_refused(s, why);
	session_free(s);
}

/*
 * Refuse an EXEC that rcmdd cannot run for want of a resource (a
 * descriptor, a thread): record it as a refusal, tell the client why with
 * ERR_LIMIT, and close, which gives back the connection's descriptor too.
 */
void
session_refuse_exec(struct session *s, const char *why)
{
	session_refused(s, why);
	session_send_error(s, ERR_LIMIT, why, strlen(why));
	session_close(s);
}

/*
 * Have the privileged part, which holds the audit log, record a denied
 * row. Loop thread.
 */
static void
session_record_deny(const struct record_peer *rp, const char *why)
{
	char	*cause = NULL;

	if (privsep_deny(server_privsep, rp, why, &cause) != 0) {
		log_warnx("cannot record a refusal: %s", cause);
		free(cause);
	}
}

/*
 * Record a refusal: a denied row and a log line, unless refusals come too
 * fast, in which case they are counted and summed up later.
 */
static void
session_refused(struct session *s, const char *why)
{
	if (!auth_refusal_admit(s->rp.client_addr)) {
		session_summary_arm(&session_refusals_ev, session_refusals_cb);
		return;
	}
	session_refusals_cb(-1, 0, NULL);
	log_warnx("session %llu: %s%s%s: refused: %s",
	    (unsigned long long)s->id, s->peer,
	    s->rp.identity != NULL ? " as " : "",
	    s->rp.identity != NULL ? s->rp.identity : "", why);
	session_record_deny(&s->rp, why);
}

/*
 * Write the summary of refusals that came too fast to record one by one:
 * one log line and one denied row with the count. Loop thread.
 */
static void
session_refusals_cb(int fd, short events, void *arg)
{
	struct record_peer	 rp;
	struct timeval		 tv = { 1, 0 };
	char			*why;

	(void)fd;
	(void)arg;
	if ((why = auth_suppressed_summary()) == NULL)
		return;
	log_warnx("refused: %s", why);
	memset(&rp, 0, sizeof rp);
	strlcpy(rp.client_addr, "-", sizeof rp.client_addr);
	rp.client_port = -1;
	session_record_deny(&rp, why);
	free(why);
	/* From the timer: keep summing up while the flood lasts. */
	if (events != 0 && session_refusals_ev != NULL)
		evtimer_add(session_refusals_ev, &tv);
}

/* Count a new session against its source, and as one in the handshake. */
void
session_count_add(struct session *s)
{
	struct session_source	 find, *src;

	strlcpy(find.name, s->source, sizeof find.name);
	if ((src = RB_FIND(session_sources, &session_sources, &find)) ==
	    NULL) {
		src = xcalloc(1, sizeof *src);
		strlcpy(src->name, s->source, sizeof src->name);
		RB_INSERT(session_sources, &session_sources, src);
	}
	src->n++;
	s->src = src;
	s->flags |= SESSION_COUNTED;
	TAILQ_INSERT_TAIL(&session_handshakes, s, hs_entry);
	s->flags |= SESSION_HANDSHAKING;
	session_handshake_number++;
}

/*
 * A session is freed: it no longer counts against its source, nor as one
 * in the handshake (which it left when it closed).
 */
void
session_count_remove(struct session *s)
{
	session_handshake_done(s);
	if (!(s->flags & SESSION_COUNTED))
		return;
	s->flags &= ~SESSION_COUNTED;
	if (--s->src->n == 0) {
		RB_REMOVE(session_sources, &session_sources, s->src);
		free(s->src);
	}
	s->src = NULL;
}

/* The session is past its handshake (or closing). */
void
session_handshake_done(struct session *s)
{
	if (!(s->flags & SESSION_HANDSHAKING))
		return;
	s->flags &= ~SESSION_HANDSHAKING;
	TAILQ_REMOVE(&session_handshakes, s, hs_entry);
	session_handshake_number--;
}

/*
 * Refuse a new connection past MaxConnections or MaxConnectionsPerSource
 * with an ERROR that names the limit; the session closes once it is
 * written. A source's refused connections count against it until they
 * are gone, and past twice its limit it gets no ERROR: the connection is
 * closed at once, so that one host's refusals cannot hold the places of
 * MaxConnections. Past MaxHandshakes, the connection that has been in the
 * handshake longest is dropped instead: a client that is slow on purpose
 * holds a place longer than any other, and a new honest client still gets
 * in. Return 1 if s was freed.
 */
int
session_check_limits(struct session *s)
{
	struct session	*old;
	char		*why;
	u_int		 max = server_conf->max_conns_source;

	if (max != 0 && s->src->n > 2 * (uint64_t)max) {
		session_log(s, 1, "session %llu: %s: closed at once: twice "
		    "MaxConnectionsPerSource (%u) from %s, most of them "
		    "refused", (unsigned long long)s->id, s->peer, max,
		    s->source);
		session_free(s);
		return (1);
	}
	if (server_conf->max_conns != 0 &&
	    session_count() > server_conf->max_conns) {
		session_error(s, ERR_LIMIT, "too many connections: rcmdd "
		    "serves at most %u at once (MaxConnections); try again "
		    "later", server_conf->max_conns);
		return (0);
	}
	if (max != 0 && s->src->n > max) {
		session_error(s, ERR_LIMIT, "too many connections from %s: at "
		    "most %u at once (MaxConnectionsPerSource); try again "
		    "later", s->source, max);
		return (0);
	}
	if (server_conf->max_handshakes == 0 ||
	    session_handshake_number <= server_conf->max_handshakes)
		return (0);
	old = TAILQ_FIRST(&session_handshakes);
	if (old->state == SESSION_TLS_HANDSHAKE) {
		xasprintf(&why, "dropped during the TLS handshake: more than "
		    "%u connections were in the handshake (MaxHandshakes), "
		    "and this one had been in it longest",
		    server_conf->max_handshakes);
		session_tls_failed(old, why);
		free(why);
		return (0);
	}
	session_error(old, ERR_LIMIT, "too many connections in the "
	    "handshake: more than %u have not said HELLO (MaxHandshakes), and "
	    "this one had waited longest; closing it",
	    server_conf->max_handshakes);
	return (0);
}

/*
 * Log a line about a client's error, at the pace the SESSION_LOG_* limits
 * allow: a client's errors are its own to see in the ERRORs, and a flood
 * of them must not fill the log. A connection's last (fatal) line always
 * passes its own limit; s is NULL for a line about no one connection.
 * What is held back is counted, and session_log_cb sums it up.
 */
void
session_log(struct session *s, int last, const char *fmt, ...)
{
	struct timespec	 now;
	va_list		 ap;
	char		 line[1024];
	long long	 ms;
	u_int		 add;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (s != NULL && !last && s->logged >= SESSION_LOG_PER_SESSION) {
		s->log_suppressed++;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - session_log_refill.tv_sec) * 1000LL +
	    (now.tv_nsec - session_log_refill.tv_nsec) / 1000000;
	if (ms >= 1000 / SESSION_LOG_PER_SEC) {
		add = ms / (1000 / SESSION_LOG_PER_SEC) > SESSION_LOG_BURST ?
		    SESSION_LOG_BURST : ms / (1000 / SESSION_LOG_PER_SEC);
		session_log_tokens += add;
		if (session_log_tokens > SESSION_LOG_BURST)
			session_log_tokens = SESSION_LOG_BURST;
		session_log_refill = now;
	}
	if (session_log_tokens == 0) {
		session_log_suppressed++;
		strlcpy(session_log_last, line, sizeof session_log_last);
		session_summary_arm(&session_log_ev, session_log_cb);
		return;
	}
	session_log_tokens--;
	if (s != NULL) {
		s->logged++;
		if (last && s->log_suppressed != 0) {
			log_warnx("%s (%u similar messages on this connection "
			    "suppressed)", line, s->log_suppressed);
			s->log_suppressed = 0;
			return;
		}
	}
	log_warnx("%s", line);
}

/*
 * Sum up the log lines held back in the last second, and look again in a
 * second while they go on. Loop thread.
 */
static void
session_log_cb(int fd, short events, void *arg)
{
	struct timeval	tv = { 1, 0 };

	(void)fd;
	(void)events;
	(void)arg;
	if (session_log_suppressed == 0)
		return;
	log_warnx("%llu similar messages suppressed (more than %d a second); "
	    "the last: %s", (unsigned long long)session_log_suppressed,
	    SESSION_LOG_PER_SEC, session_log_last);
	session_log_suppressed = 0;
	evtimer_add(session_log_ev, &tv);
}

/*
 * Arm a one-second timer that sums up what was held back, creating it on
 * first use; one already pending is left as it is.
 */
static void
session_summary_arm(struct event **ev, event_callback_fn cb)
{
	struct timeval	tv = { 1, 0 };

	if (*ev == NULL)
		*ev = evtimer_new(server_base, cb, NULL);
	if (*ev != NULL && !evtimer_pending(*ev, NULL))
		evtimer_add(*ev, &tv);
}
