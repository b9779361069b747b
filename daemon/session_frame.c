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

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "rcmdd.h"
#include "session.h"
#include "xmalloc.h"

/*
 * A session's frames: decode what the client sends, check the order
 * (HELLO, then EXEC or RUN, one command at a time), start a job for
 * each, and send back the job's reports (STARTED, output, EXIT) and
 * the errors. Loop thread.
 */

/*
 * Output chunks from this size up are sent from the worker's buffer, not
 * copied; such a buffer holds at most four times the bytes it carries.
 */
#define SESSION_REF_MIN		(JOB_OUTPUT_SIZE / 4)

static void	session_frame(struct session *, const struct frame *);
static void	session_exec(struct session *, const struct frame *);
static void	session_run(struct session *, const struct frame *);
static char	*session_strndup(const struct frame_str *);
static void	session_start(struct session *, struct cmd_record *,
		    uint32_t);
static void	session_job_cb(struct job *, struct job_event *, void *);
static int	session_job_over(struct session *);
static void	session_send_output(struct session *, struct job_event *);
static void	session_output_free_cb(const void *, size_t, void *);
static void	session_send(struct session *, const void *, size_t,
		    const void *, size_t);

static uint8_t		session_hello[FRAME_HEADER_LEN + 8 + HELLO_MAX_NAME];
static size_t		session_hello_len;

/*
 * Decode and handle whole frames until none is left, input pauses or the
 * session closes. Each frame is copied out and drained before it is
 * handled, because an EXEC run inline (session_inline.c) reads and
 * handles more input behind it.
 */
void
session_process(struct session *s)
{
	static uint8_t	 scratch[FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD];
	struct evbuffer	*in;
	struct frame	 f;
	uint8_t		 hdr[4];
	size_t		 avail, used, want;
	uint16_t	 code;
	char		*cause = NULL;
	int		 rc;

	in = bufferevent_get_input(s->bev);
	for (;;) {
		session_input_update(s);
		if (session_closing(s) || s->state == SESSION_TLS_HANDSHAKE ||
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
	uint16_t		 rows, cols;
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
		session_set_state(s, SESSION_READY);
		session_handshake_done(s);
		session_idle(s);
		if (session_hello_len == 0) {
			session_hello_len = frame_encode_hello(session_hello,
			    sizeof session_hello, MSG_SERVER_HELLO,
			    "rcmdd " PACKAGE_VERSION);
			/* The flags: what this server knows beyond EXEC. */
			session_hello[FRAME_HEADER_LEN + 6] =
			    (HELLO_F_RUN | HELLO_F_TERMINAL) >> 8;
			session_hello[FRAME_HEADER_LEN + 7] =
			    (HELLO_F_RUN | HELLO_F_TERMINAL) & 0xff;
		}
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
	case MSG_RUN:
		if (s->state == SESSION_RUNNING)
			session_error(s, ERR_BUSY, "a command is already "
			    "running on this connection: wait for its EXIT");
		else if (f->type == MSG_RUN)
			session_run(s, f);
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
	case MSG_WINSIZE:
		/* As STDIN: after the command, or with no terminal, none. */
		frame_parse_winsize(f, &rows, &cols);
		if (s->state == SESSION_RUNNING)
			job_resize(s->job, rows, cols);
		return;
	}
	fatalx("session_frame: unchecked type 0x%02x", f->type);
}

/* Start the command an EXEC carries: a shell string, as RunAs. */
static void
session_exec(struct session *s, const struct frame *f)
{
	struct frame_exec	 e;
	char			*cause = NULL;

	if (frame_parse_exec(f, &e, &cause) != 0) {
		session_error(s, ERR_BAD_COMMAND, "%s", cause);
		free(cause);
		return;
	}
	session_start(s, record_new(&s->rp, (const char *)e.command,
	    e.command_len), e.timeout_ms);
}

/*
 * Start the command a RUN carries: a shell string or an argument vector,
 * with the user, ticket and directory asked for. The privileged part
 * decides whether it runs, and as whom.
 */
static void
session_run(struct session *s, const struct frame *f)
{
	struct frame_run	 r;
	struct cmd_record	*rec;
	char			**words;
	uint32_t		 timeout_ms;
	uint16_t		 code;
	char			*cause = NULL;
	u_int			 i;

	if (frame_parse_run(f, &r, &code, &cause) != 0) {
		session_error(s, code, "%s", cause);
		free(cause);
		return;
	}
	if (r.argc == 0 && r.shell.p == NULL)
		rec = record_new(&s->rp, "", 0);
	else if (r.argc == 0)
		rec = record_new(&s->rp, (const char *)r.shell.p, r.shell.len);
	else {
		rec = record_new(&s->rp, "", 0);
		words = xcalloc(r.argc + 1, sizeof *words);
		for (i = 0; i < r.argc; i++)
			words[i] = session_strndup(&r.argv[i]);
		record_set_words(rec, words, r.argc);
	}
	rec->mode = r.argc == 0 ? "shell" : "argv";
	if (r.user.p != NULL)
		rec->run_as = session_strndup(&r.user);
	if (r.ticket.p != NULL)
		rec->ticket = session_strndup(&r.ticket);
	if (r.cwd.p != NULL)
		rec->cwd = session_strndup(&r.cwd);
	if (r.terminal)
		rec->terminal = terminal_text((const char *)r.term.p,
		    r.term.len, r.rows, r.cols);
	/* The clear zeroes r: its time limit is kept first. */
	timeout_ms = r.timeout_ms;
	frame_run_clear(&r);
	if (rec->terminal != NULL && (s->flags & SESSION_INLINE)) {
		record_free(rec);
		session_error(s, ERR_UNSUPPORTED, "rcmdd runs one command at "
		    "a time (--single-thread), and a terminal would hold "
		    "every other client for as long as it stays open: run "
		    "the command without --tty; nothing was run");
		return;
	}
	session_start(s, rec, timeout_ms);
}

/* A copy of a checked frame string (no NUL in it), NUL-terminated. */
static char *
session_strndup(const struct frame_str *fs)
{
	char	*p;

	p = xmalloc(fs->len + 1);
	memcpy(p, fs->p, fs->len);
	p[fs->len] = '\0';
	return (p);
}

/*
 * Start a command: rec (which it takes) with the time limit the client
 * asked for (0: the default), once the limits allow it.
 */
static void
session_start(struct session *s, struct cmd_record *rec, uint32_t timeout_ms)
{
	struct job_params	*p;
	struct job		*job;
	char			*cause = NULL, client[INET6_ADDRSTRLEN + 8];
	int			 flags = 0;

	if (session_shutting_down) {
		record_free(rec);
		session_error(s, ERR_SHUTDOWN, "%s", SESSION_SHUTDOWN_MSG);
		return;
	}
	if (session_exec_allowed(s, rec) != 0) {
		record_free(rec);
		return;
	}
	if (server_conf->max_commands != 0 &&
	    job_count() >= server_conf->max_commands) {
		record_free(rec);
		session_error(s, ERR_LIMIT, "too many commands running: rcmdd "
		    "runs at most %u at once (MaxCommands); try again later",
		    server_conf->max_commands);
		return;
	}
	if (!session_fds_room(0, 1)) {
		record_free(rec);
		xasprintf(&cause, "cannot run the command: rcmdd has too few "
		    "descriptors left (its limit is %lu, and a command needs "
		    "%d); try again later", session_fd_limit, JOB_FDS);
		session_refuse_exec(s, cause);
		free(cause);
		return;
	}

	p = xcalloc(1, sizeof *p);
	p->rec = rec;
	/* The client may ask for any timeout up to the maximum. */
	rec->timeout_ms = server_conf->timeout_ms;
	if (timeout_ms != 0)
		rec->timeout_ms = timeout_ms;
	if (server_conf->max_timeout_ms != 0 && (rec->timeout_ms == 0 ||
	    rec->timeout_ms > server_conf->max_timeout_ms))
		rec->timeout_ms = server_conf->max_timeout_ms;
	p->kill_grace_ms = server_conf->kill_grace_ms;
	p->drain_ms = server_conf->drain_ms;
	p->output_max = server_conf->output_max;
	p->capture_max = server_conf->output_max;
	if (server_conf->session_record_max > p->capture_max)
		p->capture_max = server_conf->session_record_max;
	p->record_input = server_conf->session_record_input;
	if (s->kind == SESSION_UNIX)
		strlcpy(client, "unix", sizeof client);
	else
		snprintf(client, sizeof client, "%s %d", s->rp.client_addr,
		    s->rp.client_port);
	exec_identity(&rec->ident);
	p->envp = exec_env_new(server_conf, &rec->ident, client);

	evtimer_del(s->timer);
	if (s->flags & SESSION_INLINE)
		flags |= JOB_INLINE;
	job = job_start(p, flags, session_job_cb, s, &cause);
	if (job == NULL) {
		job_params_free(p);
		session_refuse_exec(s, cause);
		free(cause);
		return;
	}
	session_set_state(s, SESSION_RUNNING);
	s->job = job;
	s->errors = 0;
	if (flags & JOB_INLINE) {
		/*
		 * The loop thread runs the command to its end now, serving
		 * only this session's socket; everyone else waits. What the
		 * client did meanwhile (closed, went away) is acted on when
		 * the loop resumes the session.
		 */
		session_inline_run(s, job);
		event_active(s->resume, EV_READ, 1);
	}
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
		if (session_closing(s)) {
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
		if (session_job_over(s) != 0)
			return;
		break;
	case JOB_EV_EXIT:
		len = frame_encode_exit(buf, sizeof buf, &ev->exit);
		session_send(s, buf, len, NULL, 0);
		if (session_job_over(s) != 0)
			return;
		break;
	}
	if (s->flags & SESSION_STDIN_PAUSED) {
		s->flags &= ~SESSION_STDIN_PAUSED;
		/* A closing session reads only once lingering, to drop. */
		if (!(s->flags & (SESSION_INLINE | SESSION_OUT_PAUSED)) &&
		    !session_closing(s))
			bufferevent_enable(s->bev, EV_READ);
	}
	event_active(s->resume, EV_READ, 1);
}

/*
 * The session's command is over, with EXIT or an ERROR: wait for the next
 * one, or, shutting down, close with ERR_SHUTDOWN (session_shutdown_all
 * left the session to finish its command). Return 1 if it was closed.
 */
static int
session_job_over(struct session *s)
{
	s->job = NULL;
	if (session_closing(s))
		return (0);
	session_set_state(s, SESSION_READY);
	session_idle(s);
	if (session_shutting_down) {
		session_error(s, ERR_SHUTDOWN, "%s", SESSION_SHUTDOWN_MSG);
		return (1);
	}
	return (0);
}

/* Queue a frame: its header (or whole) in hdr, then an optional payload. */
static void
session_send(struct session *s, const void *hdr, size_t hdrlen,
    const void *payload, size_t len)
{
	struct evbuffer	*out;

	out = bufferevent_get_output(s->bev);
	if (session_closing(s))
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
	struct evbuffer	*out;
	uint8_t		 hdr[FRAME_HEADER_LEN];
	uint8_t		*data;

	out = bufferevent_get_output(s->bev);
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
void
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
void
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
	session_send_error(s, code, msg, strlen(msg));
	free(msg);
	if (is_fatal)
		session_close(s);
}
