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

#include <errno.h>
#include <netdb.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>

#include <openssl/ssl.h>

#include "log.h"
#include "rcmdd.h"
#include "session.h"
#include "xmalloc.h"

/*
 * Sessions: one per connection, owned by the loop thread. A session reads
 * frames, checks their order (HELLO, then EXEC after EXEC, one command at a
 * time), starts a job for each EXEC and writes the job's output, EXIT and
 * errors back. Bad input ends this session only.
 *
 * This file holds a session's life: its creation at accept, its state
 * (enum session_state, changed by session_set_state alone), the socket's
 * callbacks, and its close and free. Who may connect is in
 * session_admit.c, the frames in session_frame.c, and a command run
 * inline in session_inline.c.
 */

/*
 * The most a bufferevent writes to the socket in one go. libevent's
 * default is a fraction of a full output frame, which it would cut into
 * several writev calls and as many trips round the loop.
 */
#define SESSION_WRITE_MAX	(256 * 1024)

static void	session_read_cb(struct bufferevent *, void *);
static void	session_write_cb(struct bufferevent *, void *);
static void	session_event_cb(struct bufferevent *, short, void *);
static void	session_timer_cb(int, short, void *);
static void	session_resume_cb(int, short, void *);
static void	session_sent_cb(struct evbuffer *,
		    const struct evbuffer_cb_info *, void *);
static void	session_linger(struct session *);
static void	session_unix_peer(struct session *);
static int	session_user_cmp(const void *, const void *);
static void	session_users_add(uid_t, const char *, size_t, size_t *);
static void	session_refuse_fd(int, const struct sockaddr *, socklen_t, int);

int			session_shutting_down;
u_long			session_fd_limit;
static struct sessions	session_list = TAILQ_HEAD_INITIALIZER(session_list);
static u_int		session_number;
static uint64_t		session_next_id;
static u_int		session_fd_base;

/* The names of the states, for the log. */
static const char *const session_state_names[] = {
	[SESSION_NEW] = "new",
	[SESSION_TLS_HANDSHAKE] = "tls-handshake",
	[SESSION_HELLO] = "hello",
	[SESSION_READY] = "ready",
	[SESSION_RUNNING] = "running",
	[SESSION_CLOSING] = "closing",
	[SESSION_LINGERING] = "lingering",
	[SESSION_LOST] = "lost"
};

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
int
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

	if (!session_fds_room(1, 1)) {
		session_refuse_fd(fd, sa, salen, kind);
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->id = ++session_next_id;
	s->fd = fd;
	s->kind = kind;
	if (kind == SESSION_UNIX)
		session_unix_peer(s);
	else {
		if (getnameinfo(sa, salen, s->rp.client_addr,
		    sizeof s->rp.client_addr, port, sizeof port,
		    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
			strlcpy(s->rp.client_addr, "unknown",
			    sizeof s->rp.client_addr);
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
		snprintf(s->peer, sizeof s->peer, "[%s]:%d",
		    s->rp.client_addr, s->rp.client_port);
	else
		snprintf(s->peer, sizeof s->peer, "%s:%d", s->rp.client_addr,
		    s->rp.client_port);
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
	log_debug("session %llu: connection from %s%s%s",
	    (unsigned long long)s->id, s->peer,
	    s->rp.identity != NULL ? " user " : "",
	    s->rp.identity != NULL ? s->rp.identity : "");
	session_set_state(s, kind == SESSION_TLS ? SESSION_TLS_HANDSHAKE :
	    SESSION_HELLO);
	if (session_check_limits(s) != 0)
		return;
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
	int	 i;

	snprintf(msg, sizeof msg, "too many connections for the descriptors "
	    "rcmdd may open (%lu): try again later", session_fd_limit);
	if (kind == SESSION_UNIX)
		strlcpy(host, "unix", sizeof host);
	else if (getnameinfo(sa, salen, host, sizeof host, NULL, 0,
	    NI_NUMERICHOST) != 0)
		strlcpy(host, "unknown", sizeof host);
	session_log(NULL, 0, "connection from %s refused: %s", host, msg);
	if (kind != SESSION_TLS) {
		/*
		 * At most 64 KiB: a client that never stops sending would
		 * hold the loop, and every other client, for as long.
		 */
		for (i = 0; i < 256; i++) {
			if (recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0)
				break;
		}
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
 * The users' names by uid, read before the network part confines itself:
 * in its empty root there is no /etc/passwd (nor NSS module) to ask, so
 * a Unix socket peer's name comes from here. Each reload brings a fresh
 * list from the privileged part (session_users_text, session_users_set):
 * a user made later is named "uid N" until then.
 */
struct session_user {
	uid_t	 uid;
	char	*name;
};
static struct session_user	*session_users;
static size_t			 session_nusers;

/* Order users by uid, for bsearch. */
static int
session_user_cmp(const void *a, const void *b)
{
	const struct session_user	*ua = a, *ub = b;

	if (ua->uid == ub->uid)
		return (0);
	return (ua->uid < ub->uid ? -1 : 1);
}

/* Read the users' names by uid, before confinement. */
void
session_users_load(void)
{
	struct passwd	*pw;
	size_t		 size = 0;

	session_users_free();
	setpwent();
	while ((pw = getpwent()) != NULL)
		session_users_add(pw->pw_uid, pw->pw_name,
		    strlen(pw->pw_name), &size);
	endpwent();
	if (session_nusers != 0)
		qsort(session_users, session_nusers, sizeof *session_users,
		    session_user_cmp);
}

/* Append one user to the list being built; size is its room. */
static void
session_users_add(uid_t uid, const char *name, size_t len, size_t *size)
{
	if (session_nusers == *size) {
		*size = *size == 0 ? 64 : 2 * *size;
		session_users = xreallocarray(session_users, *size,
		    sizeof *session_users);
	}
	session_users[session_nusers].uid = uid;
	session_users[session_nusers].name = xmalloc(len + 1);
	memcpy(session_users[session_nusers].name, name, len);
	session_users[session_nusers].name[len] = '\0';
	session_nusers++;
}

/*
 * Return the users' names by uid as text, a "uid:name" line each, and
 * its length in *len; or NULL if it cannot be made. The privileged part,
 * which can read the user database, for a reload's CONFIG.
 */
char *
session_users_text(size_t *len)
{
	struct passwd	*pw;
	FILE		*fp;
	char		*text = NULL;
	size_t		 size = 0;

	*len = 0;
	if ((fp = open_memstream(&text, &size)) == NULL)
		return (NULL);
	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (strchr(pw->pw_name, '\n') == NULL)
			fprintf(fp, "%lu:%s\n", (u_long)pw->pw_uid,
			    pw->pw_name);
	}
	endpwent();
	if (fclose(fp) != 0) {
		free(text);
		return (NULL);
	}
	*len = size;
	return (text);
}

/*
 * Replace the users' names with those of text (len bytes, from
 * session_users_text). The network part, on reload; a line that is not
 * "uid:name" is skipped.
 */
void
session_users_set(const char *text, size_t len)
{
	const char	*p = text, *end = text + len, *nl, *colon;
	char		 num[16];
	const char	*errstr;
	long long	 uid;
	size_t		 size = 0;

	session_users_free();
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		colon = memchr(p, ':', nl - p);
		if (colon == NULL || colon == p || colon + 1 == nl ||
		    (size_t)(colon - p) >= sizeof num)
			continue;
		memcpy(num, p, colon - p);
		num[colon - p] = '\0';
		uid = strtonum(num, 0, UINT32_MAX - 1, &errstr);
		if (errstr != NULL || memchr(colon + 1, '\0',
		    nl - colon - 1) != NULL)
			continue;
		session_users_add((uid_t)uid, colon + 1, nl - colon - 1,
		    &size);
	}
	if (session_nusers != 0)
		qsort(session_users, session_nusers, sizeof *session_users,
		    session_user_cmp);
}

/* Free the users' names. */
void
session_users_free(void)
{
	size_t	i;

	for (i = 0; i < session_nusers; i++)
		free(session_users[i].name);
	free(session_users);
	session_users = NULL;
	session_nusers = 0;
}

/*
 * A Unix socket peer: its identity is its user name, from the uid the
 * kernel gives (SO_PEERCRED); its source for MaxConnectionsPerSource is
 * that uid.
 */
static void
session_unix_peer(struct session *s)
{
	struct ucred		 cred;
	struct passwd		 pw, *res = NULL;
	struct session_user	 key, *u;
	socklen_t		 len = sizeof cred;
	char			 buf[1024];

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
	key.uid = cred.uid;
	if (session_nusers != 0 && (u = bsearch(&key, session_users,
	    session_nusers, sizeof *session_users,
	    session_user_cmp)) != NULL)
		s->rp.identity = xstrdup(u->name);
	else if (getpwuid_r(cred.uid, &pw, buf, sizeof buf, &res) == 0 &&
	    res != NULL)
		s->rp.identity = xstrdup(pw.pw_name);
	else
		xasprintf(&s->rp.identity, "uid %u", (u_int)cred.uid);
}

/*
 * Change a session's state: the one place that does, so that the debug
 * log tells each session's way. Loop thread.
 */
void
session_set_state(struct session *s, enum session_state state)
{
	log_debug("session %llu: %s -> %s", (unsigned long long)s->id,
	    session_state_names[s->state], session_state_names[state]);
	s->state = state;
}

/* Is the session on its way out: nothing more is sent or read? */
int
session_closing(const struct session *s)
{
	return (s->state == SESSION_CLOSING ||
	    s->state == SESSION_LINGERING || s->state == SESSION_LOST);
}

/* Arm the idle timer of a session waiting for its next EXEC. */
void
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
	struct evbuffer	*in;

	in = bufferevent_get_input(bev);
	/* A closing session reads no more frames: drop what comes. */
	if (session_closing(s)) {
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
	if (session_closing(s)) {
		if (s->state == SESSION_CLOSING)
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
 * (output drained) or the inline driver calls this again. A paused session's
 * frames stay in the socket, so its memory stays bounded. Loop thread.
 */
void
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
		if (!session_closing(s) &&
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
	session_set_state(s, SESSION_LINGERING);
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
	if (session_closing(s))
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
	if (s->state == SESSION_LOST) {
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
 * Stop reading and free the session once its output is written, or after
 * a short wait if the client does not read it.
 */
void
session_close(struct session *s)
{
	struct timeval	tv;

	if (session_closing(s))
		return;
	session_set_state(s, SESSION_CLOSING);
	/*
	 * It still counts against its source until freed: else a source's
	 * refused connections, each waiting to be read, would take places
	 * of MaxConnections that MaxConnectionsPerSource should keep.
	 */
	session_handshake_done(s);
	bufferevent_disable(s->bev, EV_READ);
	tv.tv_sec = SESSION_CLOSE_WAIT_MS / 1000;
	tv.tv_usec = 0;
	evtimer_add(s->timer, &tv);
	event_active(s->resume, EV_READ, 1);
}

/* Free a session; a running command is cancelled and runs down alone. */
void
session_free(struct session *s)
{
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
			session_error(s, ERR_SHUTDOWN, "%s",
			    SESSION_SHUTDOWN_MSG);
	}
}

/*
 * Call cb for each open session; cb may close the one it is given (which
 * frees it later), not free it. Loop thread.
 */
void
session_foreach(void (*cb)(struct session *, void *), void *arg)
{
	struct session	*s, *s1;

	TAILQ_FOREACH_SAFE(s, &session_list, entry, s1)
		cb(s, arg);
}

/* Return how many sessions are open. */
u_int
session_count(void)
{
	return (session_number);
}
