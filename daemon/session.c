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
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vis.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * Sessions: one per connection, owned by the loop thread. A session reads
 * frames, checks their order (HELLO, then EXEC after EXEC, one command at a
 * time), starts a job for each EXEC and writes the job's output, EXIT and
 * errors back. Bad input ends this session only.
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

#define SESSION_TLS_HANDSHAKE	(-1)
#define SESSION_HELLO		0
#define SESSION_READY		1
#define SESSION_RUNNING		2
#define SESSION_CLOSING		3

#define SESSION_STDIN_PAUSED	0x1
#define SESSION_INLINE		0x2
#define SESSION_IN_PUMP		0x4
#define SESSION_GONE		0x8
#define SESSION_FINAL		0x10
#define SESSION_LINGER		0x20

#define SESSION_OUT_PAUSED	0x40
#define SESSION_COUNTED		0x80
#define SESSION_HANDSHAKING	0x100

#define SESSION_CLOSE_WAIT_MS	5000

/*
 * Input stops while more than this waits to be sent, and goes on once the
 * socket has taken it all. A command's output never gets here (its worker
 * stops at JOB_PENDING_MAX), so this bounds only the replies a client
 * asks for and does not read: errors, STARTED and EXIT.
 */
#define SESSION_OUTPUT_HIGH	(1024 * 1024)

/*
 * Non-fatal errors (busy, a bad command) in a row on one connection, with
 * no command run between them, before the connection is closed.
 */
#define SESSION_ERRORS_MAX	10

/*
 * Log lines about clients' errors: at most SESSION_LOG_PER_SESSION a
 * connection, and for all connections a burst of SESSION_LOG_BURST, then
 * SESSION_LOG_PER_SEC a second; the rest are counted and summed up in one
 * line a second.
 */
#define SESSION_LOG_PER_SESSION	3
#define SESSION_LOG_BURST	20
#define SESSION_LOG_PER_SEC	10

/*
 * The most a bufferevent writes to the socket in one go. libevent's
 * default, 16 KiB, cut every 64 KiB output frame into four writev calls
 * and four trips round the loop.
 */
#define SESSION_WRITE_MAX	(256 * 1024)

/*
 * Output chunks from this size up are sent from the worker's buffer, not
 * copied; such a buffer holds at most four times the bytes it carries.
 */
#define SESSION_REF_MIN		(JOB_OUTPUT_SIZE / 4)

struct session {
	uint64_t		 id;
	int			 fd;
	int			 state;
	int			 flags;
	struct bufferevent	*bev;
	struct event		*timer;
	struct event		*resume;
	struct job		*job;
	int			 kind;
	struct record_peer	 rp;	/* for the audit record */
	char			 source[INET6_ADDRSTRLEN + 16];
	char			 peer[INET6_ADDRSTRLEN + 16];	/* for the log */
	struct sockaddr_storage	 sa;
	u_int			 errors;	/* in a row */
	u_int			 logged;
	u_int			 log_suppressed;
	struct session_source	*src;
	TAILQ_ENTRY(session)	 entry;
	TAILQ_ENTRY(session)	 hs_entry;	/* in the handshake */
};
TAILQ_HEAD(sessions, session);

/* The open connections of one source, for MaxConnectionsPerSource. */
struct session_source {
	char				 name[INET6_ADDRSTRLEN + 16];
	u_int				 n;
	RB_ENTRY(session_source)	 entry;
};
RB_HEAD(session_sources, session_source);

static void	session_read_cb(struct bufferevent *, void *);
static void	session_write_cb(struct bufferevent *, void *);
static void	session_event_cb(struct bufferevent *, short, void *);
static void	session_timer_cb(int, short, void *);
static void	session_resume_cb(int, short, void *);
static void	session_sent_cb(struct evbuffer *,
		    const struct evbuffer_cb_info *, void *);
static void	session_process(struct session *);
static void	session_frame(struct session *, const struct frame *);
static void	session_exec(struct session *, const struct frame *);
static void	session_job_cb(struct job *, struct job_event *, void *);
static void	session_send_output(struct session *, struct job_event *);
static void	session_output_free_cb(const void *, size_t, void *);
static int	session_pump(struct job_pump *);
static void	session_send(struct session *, const void *, size_t,
		    const void *, size_t);
static void	session_send_error(struct session *, uint16_t, const char *,
		    size_t);
static void	session_error(struct session *, uint16_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	session_close(struct session *);
static void	session_check_limits(struct session *);
static void	session_idle(struct session *);
static void	session_free(struct session *);
static void	session_linger(struct session *);
static void	session_unix_peer(struct session *);
static void	session_authorize(struct session *);
static void	session_tls_done(struct session *);
static void	session_tls_failed(struct session *, const char *);
static void	session_refused(struct session *, const char *);
static void	session_deny(struct session *, const char *);
static void	session_refuse_exec(struct session *, const char *);
static void	session_refuse_fd(int, const struct sockaddr *, socklen_t, int);
static void	session_refusals_cb(int, short, void *);
static int	session_source_cmp(struct session_source *,
		    struct session_source *);
static void	session_count_add(struct session *);
static void	session_count_remove(struct session *);
static void	session_handshake_done(struct session *);
static void	session_input_update(struct session *);
static int	session_fds_room(u_int, u_int);
static void	session_log(struct session *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	session_log_cb(int, short, void *);

RB_PROTOTYPE(session_sources, session_source, entry,
    session_source_cmp);

static uint8_t		session_hello[FRAME_HEADER_LEN + 8 + HELLO_MAX_NAME];
static size_t		session_hello_len;
static struct sessions	session_list = TAILQ_HEAD_INITIALIZER(session_list);
static u_int		session_number;
static uint64_t		session_next_id;
static int		session_shutting_down;
static struct event	*session_refusals_ev;
static struct sessions	session_handshakes =
			    TAILQ_HEAD_INITIALIZER(session_handshakes);
static u_int		session_handshake_number;
static struct session_sources session_sources =
			    RB_INITIALIZER(&session_sources);
static u_long		session_fd_limit;
static u_int		session_fd_base;
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
 * Set the descriptor budget: the process's limit, and how many rcmdd
 * holds without any connection or command. Called once at start-up.
 */
void
session_set_fd_budget(u_long limit, u_int base)
{
	session_fd_limit = limit;
	session_fd_base = base;
}

/*
 * Is there room for conns more connections and cmds more commands, each
 * command taking JOB_FDS descriptors, beside those open now?
 */
static int
session_fds_room(u_int conns, u_int cmds)
{
	unsigned long long	need;

	if (session_fd_limit == 0)
		return (1);
	need = (unsigned long long)session_fd_base + session_number + conns +
	    (unsigned long long)JOB_FDS * (job_count() + cmds);
	return (need <= session_fd_limit);
}

/* Start a session for an accepted connection. Loop thread. */
void
session_new(int fd, const struct sockaddr *sa, socklen_t salen, int kind)
{
	struct session	*s;
	struct timeval	 tv;
	char		 port[NI_MAXSERV];
	SSL		*ssl;

	if (session_hello_len == 0)
		session_hello_len = frame_encode_hello(session_hello,
		    sizeof session_hello, MSG_SERVER_HELLO,
		    "rcmdd " PACKAGE_VERSION);
	if (!session_fds_room(1, 1)) {
		session_refuse_fd(fd, sa, salen, kind);
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->id = ++session_next_id;
	s->fd = fd;
	s->kind = kind;
	s->state = kind == SESSION_TLS ? SESSION_TLS_HANDSHAKE : SESSION_HELLO;
	if (kind == SESSION_UNIX)
		session_unix_peer(s);
	else {
		if (getnameinfo(sa, salen, s->rp.client_addr, sizeof s->rp.client_addr, port,
		    sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
			strlcpy(s->rp.client_addr, "unknown", sizeof s->rp.client_addr);
			strlcpy(port, "0", sizeof port);
		}
		s->rp.client_port = atoi(port);
		strlcpy(s->source, s->rp.client_addr, sizeof s->source);
		if (salen <= sizeof s->sa)
			memcpy(&s->sa, sa, salen);
	}
	if (kind == SESSION_UNIX)
		snprintf(s->peer, sizeof s->peer, "unix");
	else if (strchr(s->rp.client_addr, ':') != NULL)
		snprintf(s->peer, sizeof s->peer, "[%s]:%d", s->rp.client_addr, s->rp.client_port);
	else
		snprintf(s->peer, sizeof s->peer, "%s:%d", s->rp.client_addr, s->rp.client_port);
	if (server_conf->single_thread)
		s->flags |= SESSION_INLINE;

	if (kind == SESSION_TLS) {
		if ((ssl = tls_new()) == NULL)
			s->bev = NULL;
		else
			s->bev = bufferevent_openssl_socket_new(server_base, fd,
			    ssl, BUFFEREVENT_SSL_ACCEPTING,
			    BEV_OPT_CLOSE_ON_FREE);
		/* rcmd may close without close_notify; it is still an EOF. */
		if (s->bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(s->bev, 1);
	} else
		s->bev = bufferevent_socket_new(server_base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (s->bev == NULL) {
		log_warnx("cannot create a buffer for %s", s->peer);
		close(fd);
		record_peer_clear(&s->rp);
		free(s);
		return;
	}
	bufferevent_setcb(s->bev, session_read_cb, session_write_cb,
	    session_event_cb, s);
	evbuffer_add_cb(bufferevent_get_output(s->bev), session_sent_cb, s);
	bufferevent_set_max_single_write(s->bev, SESSION_WRITE_MAX);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);

	s->timer = evtimer_new(server_base, session_timer_cb, s);
	s->resume = event_new(server_base, -1, 0, session_resume_cb, s);
	if (s->timer == NULL || s->resume == NULL)
		fatalx("cannot create session events");
	tv.tv_sec = server_conf->handshake_ms / 1000;
	tv.tv_usec = (server_conf->handshake_ms % 1000) * 1000;
	evtimer_add(s->timer, &tv);

	TAILQ_INSERT_TAIL(&session_list, s, entry);
	session_number++;
	session_count_add(s);
	TAILQ_INSERT_TAIL(&session_handshakes, s, hs_entry);
	s->flags |= SESSION_HANDSHAKING;
	session_handshake_number++;
	log_debug("session %llu: connection from %s%s%s",
	    (unsigned long long)s->id, s->peer,
	    s->rp.identity != NULL ? " user " : "",
	    s->rp.identity != NULL ? s->rp.identity : "");
	session_check_limits(s);
	if (s->state == SESSION_HELLO)
		session_authorize(s);
}

/*
 * Refuse a connection when the descriptors left would not run one more
 * command. Unlike the other refusals it does not wait for the client to
 * read its ERROR, which would keep the descriptor: what the client sent is
 * dropped, the ERROR written at once (plain TCP and the Unix socket only:
 * TLS has no channel yet) and the connection closed.
 */
static void
session_refuse_fd(int fd, const struct sockaddr *sa, socklen_t salen,
    int kind)
{
	uint8_t	 buf[256];
	char	 msg[128], host[NI_MAXHOST];
	size_t	 len;

	snprintf(msg, sizeof msg, "too many connections for the descriptors "
	    "rcmdd may open (%lu): try again later", session_fd_limit);
	if (kind == SESSION_UNIX)
		strlcpy(host, "unix", sizeof host);
	else if (getnameinfo(sa, salen, host, sizeof host, NULL, 0,
	    NI_NUMERICHOST) != 0)
		strlcpy(host, "unknown", sizeof host);
	session_log(NULL, 0, "connection from %s refused: %s", host, msg);
	if (kind != SESSION_TLS) {
		while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0)
			;
		len = strlen(msg);
		frame_header(buf, MSG_ERROR, 2 + len);
		buf[FRAME_HEADER_LEN] = ERR_LIMIT >> 8;
		buf[FRAME_HEADER_LEN + 1] = ERR_LIMIT & 0xff;
		memcpy(buf + FRAME_HEADER_LEN + 2, msg, len);
		if (send(fd, buf, FRAME_HEADER_LEN + 2 + len,
		    MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
			log_debug("connection from %s: %s", host,
			    strerror(errno));
		shutdown(fd, SHUT_WR);
	}
	close(fd);
}

/*
 * A Unix socket peer: its identity is its user name, from the uid the
 * kernel gives (SO_PEERCRED); its source for MaxConnectionsPerSource is
 * that uid.
 */
static void
session_unix_peer(struct session *s)
{
	struct ucred	 cred;
	struct passwd	 pw, *res = NULL;
	socklen_t	 len = sizeof cred;
	char		 buf[1024];

	strlcpy(s->rp.client_addr, "unix", sizeof s->rp.client_addr);
	s->rp.client_port = -1;
	if (getsockopt(s->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("session %llu: SO_PEERCRED",
		    (unsigned long long)s->id);
		strlcpy(s->source, "unix", sizeof s->source);
		return;
	}
	snprintf(s->source, sizeof s->source, "unix uid %u",
	    (u_int)cred.uid);
	if (getpwuid_r(cred.uid, &pw, buf, sizeof buf, &res) == 0 &&
	    res != NULL)
		s->rp.identity = xstrdup(pw.pw_name);
	else
		xasprintf(&s->rp.identity, "uid %u", (u_int)cred.uid);
}

/* The peer's identity is known: may it run commands? */
static void
session_authorize(struct session *s)
{
	char	*why;

	if (s->state == SESSION_CLOSING || auth_allowed(server_conf,
	    s->rp.identity, s->kind == SESSION_UNIX ? NULL :
	    (struct sockaddr *)&s->sa))
		return;
	if (s->rp.identity != NULL)
		xasprintf(&why, "not allowed: no Allow rule admits %s from %s",
		    s->rp.identity, s->kind == SESSION_UNIX ? "the local socket" :
		    s->rp.client_addr);
	else
		xasprintf(&why, "not allowed: no Allow rule admits a client "
		    "without an identity from %s (plain TCP)", s->rp.client_addr);
	session_deny(s, why);
	free(why);
}

/* Refuse a peer: record it, tell it why with ERR_DENIED, and close. */
static void
session_deny(struct session *s, const char *why)
{
	session_refused(s, why);
	s->flags |= SESSION_FINAL;
	session_send_error(s, ERR_DENIED, why, strlen(why));
	s->flags &= ~SESSION_FINAL;
	session_close(s);
}

/* The TLS handshake finished: read the certificate, then authorize. */
static void
session_tls_done(struct session *s)
{
	SSL	*ssl = bufferevent_openssl_get_ssl(s->bev);
	char	 cn[256], fp[TLS_FINGERPRINT_LEN + 1], *cause = NULL, *why;

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
	s->state = SESSION_HELLO;
	log_debug("session %llu: TLS from %s as %s (%s)",
	    (unsigned long long)s->id, s->peer, s->rp.identity,
	    s->rp.fingerprint != NULL ? s->rp.fingerprint : "");
	session_authorize(s);
}

/* The TLS handshake failed or timed out: record it, and hang up. */
static void
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
static void
session_refuse_exec(struct session *s, const char *why)
{
	session_refused(s, why);
	s->flags |= SESSION_FINAL;
	session_send_error(s, ERR_LIMIT, why, strlen(why));
	s->flags &= ~SESSION_FINAL;
	session_close(s);
}

/*
 * Record a refusal: a denied row and a log line, unless refusals come too
 * fast, in which case they are counted and summed up later.
 */
static void
session_refused(struct session *s, const char *why)
{
	struct timeval	tv = { 1, 0 };

	if (!auth_refusal_admit(s->rp.client_addr)) {
		if (session_refusals_ev == NULL)
			session_refusals_ev = evtimer_new(server_base,
			    session_refusals_cb, NULL);
		if (session_refusals_ev != NULL &&
		    !evtimer_pending(session_refusals_ev, NULL))
			evtimer_add(session_refusals_ev, &tv);
		return;
	}
	session_refusals_cb(-1, 0, NULL);
	log_warnx("session %llu: %s%s%s: refused: %s",
	    (unsigned long long)s->id, s->peer,
	    s->rp.identity != NULL ? " as " : "",
	    s->rp.identity != NULL ? s->rp.identity : "", why);
	audit_deny(&s->rp, why);
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
	char			 since[32], last[INET6_ADDRSTRLEN], *why;
	uint64_t		 n;

	(void)fd;
	(void)arg;
	n = auth_suppressed_take(since, sizeof since, last, sizeof last);
	if (n == 0)
		return;
	xasprintf(&why, "%llu refusal%s since %s not recorded one by one "
	    "(more than %d a second); the last from %s",
	    (unsigned long long)n, n == 1 ? "" : "s", since,
	    AUTH_REFUSALS_PER_SEC, last);
	log_warnx("refused: %s", why);
	memset(&rp, 0, sizeof rp);
	strlcpy(rp.client_addr, "-", sizeof rp.client_addr);
	rp.client_port = -1;
	audit_deny(&rp, why);
	free(why);
	/* From the timer: keep summing up while the flood lasts. */
	if (events != 0 && session_refusals_ev != NULL)
		evtimer_add(session_refusals_ev, &tv);
}

/* Count a new session against its source. */
static void
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
}

/*
 * A session closes: it no longer counts against its source, nor as one in
 * the handshake.
 */
static void
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
static void
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
 * written. Past MaxHandshakes, the connection that has been in the
 * handshake longest is dropped instead: a client that is slow on purpose
 * holds a place longer than any other, and a new honest client still gets
 * in.
 */
static void
session_check_limits(struct session *s)
{
	struct session	*old;
	char		*why;

	if (server_conf->max_conns != 0 &&
	    session_number > server_conf->max_conns) {
		session_error(s, ERR_LIMIT, "too many connections: rcmdd "
		    "serves at most %u at once (MaxConnections); try again "
		    "later", server_conf->max_conns);
		return;
	}
	if (server_conf->max_conns_source != 0 &&
	    s->src->n > server_conf->max_conns_source) {
		session_error(s, ERR_LIMIT, "too many connections from %s: at "
		    "most %u at once (MaxConnectionsPerSource); try again "
		    "later", s->source, server_conf->max_conns_source);
		return;
	}
	if (server_conf->max_handshakes == 0 ||
	    session_handshake_number <= server_conf->max_handshakes)
		return;
	old = TAILQ_FIRST(&session_handshakes);
	if (old->state == SESSION_TLS_HANDSHAKE) {
		xasprintf(&why, "dropped during the TLS handshake: more than "
		    "%u connections were in the handshake (MaxHandshakes), "
		    "and this one had been in it longest",
		    server_conf->max_handshakes);
		session_tls_failed(old, why);
		free(why);
		return;
	}
	session_error(old, ERR_LIMIT, "too many connections in the "
	    "handshake: more than %u have not said HELLO (MaxHandshakes), and "
	    "this one had waited longest; closing it",
	    server_conf->max_handshakes);
}

/* Arm the idle timer of a session waiting for its next EXEC. */
static void
session_idle(struct session *s)
{
	struct timeval	tv;

	evtimer_del(s->timer);
	if (server_conf->idle_ms == 0 || s->state != SESSION_READY)
		return;
	tv.tv_sec = server_conf->idle_ms / 1000;
	tv.tv_usec = (server_conf->idle_ms % 1000) * 1000;
	evtimer_add(s->timer, &tv);
}

/* Bytes arrived: handle every whole frame. Loop thread. */
static void
session_read_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	if (s->flags & SESSION_LINGER) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	session_process(s);
}

/* Output drained: a closing session can go now. Loop thread. */
static void
session_write_cb(struct bufferevent *bev, void *arg)
{
	struct session	*s = arg;

	(void)bev;
	if (s->state == SESSION_CLOSING) {
		session_linger(s);
		return;
	}
	if (s->flags & SESSION_OUT_PAUSED) {
		session_input_update(s);
		event_active(s->resume, EV_READ, 1);
	}
}

/*
 * Stop reading a client while more than SESSION_OUTPUT_HIGH of replies
 * wait for it, and go on once they are all sent; the write callback
 * (output drained) or the pump calls this again. A paused session's
 * frames stay in the socket, so its memory stays bounded. Loop thread.
 */
static void
session_input_update(struct session *s)
{
	size_t	unsent;

	unsent = evbuffer_get_length(bufferevent_get_output(s->bev));
	if (!(s->flags & SESSION_OUT_PAUSED) && unsent > SESSION_OUTPUT_HIGH) {
		s->flags |= SESSION_OUT_PAUSED;
		log_debug("session %llu: %zu bytes unread by the client; "
		    "reading no more from it until they are sent",
		    (unsigned long long)s->id, unsent);
		bufferevent_disable(s->bev, EV_READ);
	} else if ((s->flags & SESSION_OUT_PAUSED) && unsent == 0) {
		s->flags &= ~SESSION_OUT_PAUSED;
		/* A full stdin queue keeps it off, but not inline. */
		if (s->state != SESSION_CLOSING &&
		    (!(s->flags & SESSION_STDIN_PAUSED) ||
		    (s->flags & SESSION_INLINE)))
			bufferevent_enable(s->bev, EV_READ);
	}
}

/*
 * A closing session's last words are written: stop sending, and read and
 * drop what the client still sends until it closes too (or the close
 * wait ends). Closing at once would make the kernel answer a late frame,
 * such as a HELLO crossing our ERROR, with a reset that can destroy the
 * ERROR before the client reads it.
 */
static void
session_linger(struct session *s)
{
	if (s->flags & (SESSION_LINGER | SESSION_IN_PUMP | SESSION_GONE)) {
		if (!(s->flags & SESSION_LINGER))
			session_free(s);
		return;
	}
	s->flags |= SESSION_LINGER;
	if (shutdown(s->fd, SHUT_WR) == -1) {
		session_free(s);
		return;
	}
	bufferevent_enable(s->bev, EV_READ);
}

/* The connection ended or failed. Loop thread. */
static void
session_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session	*s = arg;

	(void)bev;
	if (s->state == SESSION_TLS_HANDSHAKE) {
		if (what & BEV_EVENT_CONNECTED)
			session_tls_done(s);
		else
			session_tls_failed(s, NULL);
		return;
	}
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (s->state == SESSION_RUNNING)
		log_warnx("session %llu: %s %s while its command ran; "
		    "stopping the command", (unsigned long long)s->id, s->peer,
		    (what & BEV_EVENT_EOF) ? "disconnected" :
		    "failed");
	else if (what & BEV_EVENT_ERROR)
		log_debug("session %llu: %s", (unsigned long long)s->id,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	session_free(s);
}

/* The handshake deadline, or the wait to flush a final error, passed. */
static void
session_timer_cb(int fd, short events, void *arg)
{
	struct session	*s = arg;
	char		*why;

	(void)fd;
	(void)events;
	if (s->state == SESSION_TLS_HANDSHAKE) {
		xasprintf(&why, "TLS handshake not finished within %u ms "
		    "(HandshakeTimeout)", server_conf->handshake_ms);
		session_tls_failed(s, why);
		free(why);
		return;
	}
	if (s->state == SESSION_HELLO) {
		session_error(s, ERR_TIMEOUT, "no HELLO within %u ms: "
		    "closing the connection", server_conf->handshake_ms);
		return;
	}
	if (s->state == SESSION_READY) {
		session_error(s, ERR_TIMEOUT, "idle for %u ms without a "
		    "command: closing the connection (IdleTimeout)",
		    server_conf->idle_ms);
		return;
	}
	if (s->state == SESSION_CLOSING)
		session_free(s);
}

/*
 * Go on with a session after a command: read frames held back, or free it
 * if it was closed or its client went away meanwhile. Loop thread.
 */
static void
session_resume_cb(int fd, short events, void *arg)
{
	struct session	*s = arg;

	(void)fd;
	(void)events;
	if (s->flags & SESSION_GONE) {
		session_free(s);
		return;
	}
	if (s->state == SESSION_CLOSING &&
	    evbuffer_get_length(bufferevent_get_output(s->bev)) == 0) {
		session_linger(s);
		return;
	}
	session_process(s);
}

/* The socket took output bytes: tell the job, for backpressure. */
static void
session_sent_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct session	*s = arg;

	(void)buf;
	if (info->n_deleted != 0 && s->job != NULL)
		job_output_sent(s->job, info->n_deleted);
}

/*
 * Decode and handle whole frames until none is left, input pauses or the
 * session closes. Each frame is copied out and drained before it is
 * handled, because handling an EXEC inline reads more input behind it.
 */
static void
session_process(struct session *s)
{
	static uint8_t	 scratch[FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD];
	struct evbuffer	*in = bufferevent_get_input(s->bev);
	struct frame	 f;
	uint8_t		 hdr[4];
	size_t		 avail, used, want;
	uint16_t	 code;
	char		*cause = NULL;
	int		 rc;

	for (;;) {
		session_input_update(s);
		if (s->state == SESSION_CLOSING ||
		    s->state == SESSION_TLS_HANDSHAKE ||
		    (s->flags & (SESSION_STDIN_PAUSED | SESSION_OUT_PAUSED)))
			return;
		avail = evbuffer_get_length(in);
		if (avail < sizeof hdr)
			return;
		evbuffer_copyout(in, hdr, sizeof hdr);
		want = frame_size(hdr);
		if (want > avail)
			return;
		evbuffer_copyout(in, scratch, want);
		rc = frame_decode(scratch, want, &f, &used, &code, &cause);
		if (rc == 0)
			return;
		if (rc == -1 || frame_check_client(&f, &code, &cause) != 0) {
			session_error(s, code, "%s", cause);
			free(cause);
			return;
		}
		evbuffer_drain(in, used);
		session_frame(s, &f);
	}
}

/* Handle one checked frame. */
static void
session_frame(struct session *s, const struct frame *f)
{
	struct frame_hello	 h;
	char			*cause = NULL, name[HELLO_MAX_NAME * 4 + 1];
	int			 sig;

	if (s->state == SESSION_HELLO) {
		if (f->type != MSG_HELLO) {
			session_error(s, ERR_OUT_OF_ORDER, "%s before HELLO: "
			    "a connection starts with HELLO",
			    frame_type_name(f->type));
			return;
		}
		if (frame_parse_hello(f, &h, &cause) != 0) {
			session_error(s, ERR_MALFORMED, "%s", cause);
			free(cause);
			return;
		}
		if (h.version != PROTOCOL_VERSION) {
			session_error(s, ERR_VERSION, "protocol version %u is "
			    "not supported: this rcmdd speaks version %d",
			    h.version, PROTOCOL_VERSION);
			return;
		}
		/* Every control character escaped: it reaches log lines. */
		strnvisx(name, sizeof name, h.name, strlen(h.name),
		    VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
		free(s->rp.client_name);
		s->rp.client_name = xstrdup(name);
		s->state = SESSION_READY;
		session_handshake_done(s);
		session_idle(s);
		session_send(s, session_hello, session_hello_len, NULL, 0);
		log_debug("session %llu: HELLO from %s (%s)",
		    (unsigned long long)s->id, s->peer, s->rp.client_name);
		return;
	}

	switch (f->type) {
	case MSG_HELLO:
		session_error(s, ERR_OUT_OF_ORDER, "second HELLO: HELLO is "
		    "sent once, first");
		return;
	case MSG_EXEC:
		if (s->state == SESSION_RUNNING)
			session_error(s, ERR_BUSY, "a command is already "
			    "running on this connection: wait for its EXIT");
		else
			session_exec(s, f);
		return;
	case MSG_STDIN:
		if (s->state != SESSION_RUNNING)
			return;
		job_stdin(s->job, f->payload, f->len);
		if (job_stdin_full(s->job)) {
			s->flags |= SESSION_STDIN_PAUSED;
			if (!(s->flags & SESSION_INLINE))
				bufferevent_disable(s->bev, EV_READ);
		}
		return;
	case MSG_STDIN_EOF:
		if (s->state == SESSION_RUNNING)
			job_stdin_eof(s->job);
		return;
	case MSG_SIGNAL:
		sig = frame_proto_to_signal(f->payload[0]);
		if (s->state == SESSION_RUNNING)
			job_signal(s->job, sig);
		return;
	}
	fatalx("session_frame: unchecked type 0x%02x", f->type);
}

/* Start the command an EXEC carries. */
static void
session_exec(struct session *s, const struct frame *f)
{
	struct frame_exec	 e;
	struct job_params	*p;
	struct cmd_record	*rec;
	struct job		*job;
	struct job_pump		 jp;
	char			*cause = NULL, client[INET6_ADDRSTRLEN + 8];
	int			 flags = 0;

	if (frame_parse_exec(f, &e, &cause) != 0) {
		session_error(s, ERR_BAD_COMMAND, "%s", cause);
		free(cause);
		return;
	}
	if (session_shutting_down) {
		session_error(s, ERR_SHUTDOWN, "rcmdd is shutting down: "
		    "try again when it is back");
		return;
	}
	if (server_conf->max_commands != 0 &&
	    job_count() >= server_conf->max_commands) {
		session_error(s, ERR_LIMIT, "too many commands running: rcmdd "
		    "runs at most %u at once (MaxCommands); try again later",
		    server_conf->max_commands);
		return;
	}
	if (!session_fds_room(0, 1)) {
		xasprintf(&cause, "cannot run the command: rcmdd has too few "
		    "descriptors left (its limit is %lu, and a command needs "
		    "%d); try again later", session_fd_limit, JOB_FDS);
		session_refuse_exec(s, cause);
		free(cause);
		return;
	}

	p = xcalloc(1, sizeof *p);
	p->rec = rec = record_new(&s->rp, (const char *)e.command,
	    e.command_len);
	/* The client may ask for any timeout up to the maximum. */
	rec->timeout_ms = server_conf->timeout_ms;
	if (e.timeout_ms != 0)
		rec->timeout_ms = e.timeout_ms;
	if (server_conf->max_timeout_ms != 0 && (rec->timeout_ms == 0 ||
	    rec->timeout_ms > server_conf->max_timeout_ms))
		rec->timeout_ms = server_conf->max_timeout_ms;
	p->kill_grace_ms = server_conf->kill_grace_ms;
	p->drain_ms = server_conf->drain_ms;
	p->output_max = server_conf->output_max;
	if (s->kind == SESSION_UNIX)
		strlcpy(client, "unix", sizeof client);
	else
		snprintf(client, sizeof client, "%s %d", s->rp.client_addr, s->rp.client_port);
	p->envp = exec_env_new(server_conf, client);
	exec_identity(&rec->ident);

	evtimer_del(s->timer);
	s->state = SESSION_RUNNING;
	if (s->flags & SESSION_INLINE)
		flags |= JOB_INLINE;
	job = job_start(p, flags, session_job_cb, s, &cause);
	if (job == NULL) {
		job_params_free(p);
		s->state = SESSION_READY;
		session_refuse_exec(s, cause);
		free(cause);
		return;
	}
	s->job = job;
	s->errors = 0;
	if (flags & JOB_INLINE) {
		/*
		 * The loop thread runs the command to its end now, serving
		 * only this session's socket through the pump; everyone else
		 * waits. The session is not freed while this runs: a close
		 * or a vanished client is handled once it returns.
		 */
		memset(&jp, 0, sizeof jp);
		jp.cb = session_pump;
		jp.arg = s;
		jp.fd[0] = jp.fd[1] = -1;
		s->flags |= SESSION_IN_PUMP;
		job_run_inline(job, &jp);
		job_dispatch();
		s->flags &= ~SESSION_IN_PUMP;
		event_active(s->resume, EV_READ, 1);
	}
}

/*
 * Serve the session's socket while its command runs inline: pass the
 * job's messages on, write what is queued, read new frames, and watch the
 * signal pipe and the shutdown grace. A bufferevent keeps its buffers
 * frozen outside its own callbacks, so they are thawed around our reads
 * and writes.
 */
static int
session_pump(struct job_pump *jp)
{
	struct session	*s = jp->arg;
	struct evbuffer	*in = bufferevent_get_input(s->bev);
	struct evbuffer	*out = bufferevent_get_output(s->bev);
	int		 n, saved_errno, rc = JOB_PUMP_OK;

	if (jp->revents[1] & POLLIN)
		server_signal_dispatch();
	job_dispatch();

	if (!(s->flags & SESSION_GONE) && evbuffer_get_length(out) != 0) {
		evbuffer_unfreeze(out, 1);
		errno = 0;
		n = evbuffer_write(out, s->fd);
		saved_errno = errno;
		evbuffer_freeze(out, 1);
		if (n == -1 && saved_errno != EAGAIN && saved_errno != EINTR)
			s->flags |= SESSION_GONE;
	}
	if (!(s->flags & SESSION_GONE) &&
	    (jp->revents[0] & (POLLIN | POLLHUP | POLLERR))) {
		evbuffer_unfreeze(in, 0);
		errno = 0;
		n = evbuffer_read(in, s->fd, FRAME_MAX_PAYLOAD);
		saved_errno = errno;
		evbuffer_freeze(in, 0);
		if (n == 0 || (n == -1 && saved_errno != EAGAIN &&
		    saved_errno != EINTR)) {
			log_warnx("session %llu: %s disconnected while its "
			    "command ran; stopping the command",
			    (unsigned long long)s->id, s->peer);
			s->flags |= SESSION_GONE;
		}
	}
	/* Frames that came in with the EXEC are handled here too. */
	if (!(s->flags & SESSION_GONE))
		session_process(s);

	jp->fd[0] = s->fd;
	jp->events[0] = 0;
	if (s->flags & SESSION_GONE) {
		/* Nobody reads the output now: let the worker run down. */
		evbuffer_unfreeze(out, 1);
		evbuffer_drain(out, evbuffer_get_length(out));
		evbuffer_freeze(out, 1);
		jp->fd[0] = -1;
		rc = JOB_PUMP_GONE;
	} else if (s->state == SESSION_CLOSING) {
		/* A fatal error: its ERROR is written once the job ends. */
		rc = JOB_PUMP_GONE;
	} else {
		session_input_update(s);
		if (!(s->flags & (SESSION_STDIN_PAUSED | SESSION_OUT_PAUSED)))
			jp->events[0] |= POLLIN;
		if (evbuffer_get_length(out) != 0)
			jp->events[0] |= POLLOUT;
	}
	jp->fd[1] = server_signal_fd();
	jp->events[1] = POLLIN;
	jp->timeout_ms = server_grace_left();
	if (jp->timeout_ms == 0 && rc == JOB_PUMP_OK)
		rc = JOB_PUMP_SHUTDOWN;
	return (rc);
}

/* A job reports: pass it to the client. Loop thread. */
static void
session_job_cb(struct job *job, struct job_event *ev, void *arg)
{
	struct session	*s = arg;
	uint8_t		 buf[FRAME_HEADER_LEN + EXIT_PAYLOAD_HASH_LEN];
	size_t		 len;

	switch (ev->type) {
	case JOB_EV_STARTED:
		len = frame_encode_u64(buf, sizeof buf, MSG_STARTED,
		    ev->audit_id);
		session_send(s, buf, len, NULL, 0);
		return;
	case JOB_EV_STDOUT:
	case JOB_EV_STDERR:
		if (s->state == SESSION_CLOSING) {
			/* Dropped, so count it as sent for backpressure. */
			job_output_sent(job, ev->len);
			return;
		}
		session_send_output(s, ev);
		return;
	case JOB_EV_STDIN_RESUME:
		break;
	case JOB_EV_ERROR:
		session_send_error(s, ev->error_code, (const char *)ev->data,
		    ev->len);
		s->job = NULL;
		if (s->state != SESSION_CLOSING) {
			s->state = SESSION_READY;
			session_idle(s);
		}
		break;
	case JOB_EV_EXIT:
		len = frame_encode_exit(buf, sizeof buf, &ev->exit);
		session_send(s, buf, len, NULL, 0);
		s->job = NULL;
		if (s->state == SESSION_CLOSING)
			break;
		s->state = SESSION_READY;
		session_idle(s);
		if (session_shutting_down) {
			session_error(s, ERR_SHUTDOWN, "rcmdd is shutting "
			    "down: try again when it is back");
			return;
		}
		break;
	}
	if (s->flags & SESSION_STDIN_PAUSED) {
		s->flags &= ~SESSION_STDIN_PAUSED;
		if (!(s->flags & (SESSION_INLINE | SESSION_OUT_PAUSED)))
			bufferevent_enable(s->bev, EV_READ);
	}
	event_active(s->resume, EV_READ, 1);
}

/* Queue a frame: its header (or whole) in hdr, then an optional payload. */
static void
session_send(struct session *s, const void *hdr, size_t hdrlen,
    const void *payload, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);

	if (s->state == SESSION_CLOSING && !(s->flags & SESSION_FINAL))
		return;
	if (evbuffer_add(out, hdr, hdrlen) != 0 ||
	    (len != 0 && evbuffer_add(out, payload, len) != 0))
		fatalx("evbuffer_add failed");
}

/*
 * Queue an output frame. A large chunk is not copied: the output buffer
 * goes into the socket's buffer by reference and back to the job's pool
 * once written. A small one is copied, so that a command writing a line
 * at a time does not hold a pooled buffer per line. Loop thread.
 */
static void
session_send_output(struct session *s, struct job_event *ev)
{
	struct evbuffer	*out = bufferevent_get_output(s->bev);
	uint8_t		 hdr[FRAME_HEADER_LEN];
	uint8_t		*data;

	frame_header(hdr, ev->type == JOB_EV_STDOUT ? MSG_STDOUT : MSG_STDERR,
	    ev->len);
	if (ev->len < SESSION_REF_MIN) {
		session_send(s, hdr, sizeof hdr, ev->data, ev->len);
		return;
	}
	data = job_output_keep(ev);
	if (evbuffer_add(out, hdr, sizeof hdr) != 0 ||
	    evbuffer_add_reference(out, data, ev->len, session_output_free_cb,
	    data) != 0)
		fatalx("evbuffer_add failed");
}

/* The socket has sent (or dropped) a kept output buffer. Loop thread. */
static void
session_output_free_cb(const void *data, size_t len, void *arg)
{
	(void)data;
	(void)len;
	job_output_put(arg);
}

/* Queue an ERROR frame with a message of len bytes. */
static void
session_send_error(struct session *s, uint16_t code, const char *msg,
    size_t len)
{
	uint8_t	hdr[FRAME_HEADER_LEN + 2];

	if (len > FRAME_MAX_PAYLOAD - 2)
		len = FRAME_MAX_PAYLOAD - 2;
	frame_header(hdr, MSG_ERROR, 2 + len);
	hdr[FRAME_HEADER_LEN] = code >> 8;
	hdr[FRAME_HEADER_LEN + 1] = code & 0xff;
	session_send(s, hdr, sizeof hdr, msg, len);
}

/*
 * Tell the client what went wrong, and log it. A fatal error closes the
 * session once the ERROR is written, and so does the SESSION_ERRORS_MAX-th
 * non-fatal one in a row: a client that only ever errs gets nothing more
 * from the daemon.
 */
static void
session_error(struct session *s, uint16_t code, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *last;
	int	 is_fatal;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	is_fatal = frame_error_is_fatal(code);
	if (!is_fatal && ++s->errors >= SESSION_ERRORS_MAX) {
		last = msg;
		xasprintf(&msg, "too many errors: %u in a row on this "
		    "connection without a command run (the last: %s); closing "
		    "it", s->errors, last);
		free(last);
		code = ERR_LIMIT;
		is_fatal = 1;
	}
	session_log(s, is_fatal, "session %llu: %s: %s",
	    (unsigned long long)s->id, s->peer, msg);
	if (s->state != SESSION_CLOSING) {
		s->flags |= SESSION_FINAL;
		session_send_error(s, code, msg, strlen(msg));
		s->flags &= ~SESSION_FINAL;
	}
	free(msg);
	if (is_fatal)
		session_close(s);
}

/*
 * Log a line about a client's error, at the pace the SESSION_LOG_* limits
 * allow: a client's errors are its own to see in the ERRORs, and a flood
 * of them must not fill the log. A connection's last (fatal) line always
 * passes its own limit; s is NULL for a line about no one connection.
 * What is held back is counted, and session_log_cb sums it up.
 */
static void
session_log(struct session *s, int last, const char *fmt, ...)
{
	struct timespec	 now;
	struct timeval	 tv = { 1, 0 };
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
		if (session_log_ev == NULL)
			session_log_ev = evtimer_new(server_base,
			    session_log_cb, NULL);
		if (session_log_ev != NULL &&
		    !evtimer_pending(session_log_ev, NULL))
			evtimer_add(session_log_ev, &tv);
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
 * Stop reading and free the session once its output is written, or after
 * a short wait if the client does not read it.
 */
static void
session_close(struct session *s)
{
	struct timeval	tv;

	if (s->state == SESSION_CLOSING)
		return;
	s->state = SESSION_CLOSING;
	session_count_remove(s);
	bufferevent_disable(s->bev, EV_READ);
	tv.tv_sec = SESSION_CLOSE_WAIT_MS / 1000;
	tv.tv_usec = 0;
	evtimer_add(s->timer, &tv);
	event_active(s->resume, EV_READ, 1);
}

/* Free a session; a running command is cancelled and runs down alone. */
static void
session_free(struct session *s)
{
	if (s->flags & SESSION_IN_PUMP) {
		s->flags |= SESSION_GONE;
		return;
	}
	if (s->job != NULL) {
		job_detach(s->job);
		s->job = NULL;
	}
	TAILQ_REMOVE(&session_list, s, entry);
	session_number--;
	session_count_remove(s);
	if (s->log_suppressed != 0)
		session_log(NULL, 0, "session %llu: %s: %u similar messages "
		    "suppressed", (unsigned long long)s->id, s->peer,
		    s->log_suppressed);
	evbuffer_remove_cb(bufferevent_get_output(s->bev), session_sent_cb, s);
	bufferevent_free(s->bev);
	event_free(s->timer);
	event_free(s->resume);
	log_debug("session %llu: closed", (unsigned long long)s->id);
	record_peer_clear(&s->rp);
	free(s);
	server_check_exit();
}

/*
 * Shutting down: close idle sessions now, and the others once their
 * command has ended. Loop thread.
 */
void
session_shutdown_all(void)
{
	struct session	*s, *s1;

	session_shutting_down = 1;
	TAILQ_FOREACH_SAFE(s, &session_list, entry, s1) {
		if (s->state != SESSION_RUNNING)
			session_error(s, ERR_SHUTDOWN, "rcmdd is shutting "
			    "down: try again when it is back");
	}
}

/* Return how many sessions are open. */
u_int
session_count(void)
{
	return (session_number);
}
