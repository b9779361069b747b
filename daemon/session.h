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


#ifndef SESSION_H
#define SESSION_H

/*
 * The private header of the session files, which together are one
 * connection's life on the loop thread: session.c (its life, its state
 * and the socket's callbacks), session_admit.c (who may connect, and
 * what a client may cost), session_frame.c (the frames, the commands
 * they start and the replies), session_inline.c (a command run
 * inline, --single-thread) and session_revoke.c (what a reload revokes).
 * Nothing else includes it.
 */

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
 * A session's state. Each change goes through session_set_state, which
 * logs it. The last three are the closing ones (session_closing).
 *
 *	NEW -> TLS_HANDSHAKE -> HELLO, or NEW -> HELLO, at accept
 *	HELLO -> READY		the client said HELLO
 *	READY -> RUNNING	an EXEC started a job
 *	RUNNING -> READY	the job reported EXIT or ERROR
 *	RUNNING, CLOSING -> LOST	the client went while its command
 *				ran inline
 *	any but those three -> CLOSING	a fatal error, a refusal, shutdown
 *	CLOSING -> LINGERING	the last words are written
 *
 * A session is freed from CLOSING (the close wait ended), LINGERING (the
 * client closed too), LOST (on resume), or at once when its connection
 * ends or its TLS handshake fails.
 */
enum session_state {
	SESSION_NEW,		/* accepted, not yet set up */
	SESSION_TLS_HANDSHAKE,	/* in the TLS handshake */
	SESSION_HELLO,		/* waiting for the client's HELLO */
	SESSION_READY,		/* waiting for an EXEC */
	SESSION_RUNNING,	/* a command runs */
	SESSION_CLOSING,	/* last words queued: freed once written */
	SESSION_LINGERING,	/* written and shut down for writing: */
				/* the client's input is dropped until */
				/* it closes */
	SESSION_LOST		/* the client went while its command ran */
				/* inline: freed when the loop resumes it */
};

/* What a session does besides its state; the first two pause input. */
#define SESSION_STDIN_PAUSED	0x1	/* the command's stdin queue is full */
#define SESSION_OUT_PAUSED	0x2	/* the client reads too slowly */
#define SESSION_INLINE		0x4	/* its commands run inline */
#define SESSION_COUNTED		0x8	/* counted against its source */
#define SESSION_HANDSHAKING	0x10	/* counted as in the handshake */

struct session_source;
struct session {
	uint64_t		 id;
	int			 fd;
	enum session_state	 state;
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

/* session.c */
extern int	 session_shutting_down;

/* The ERR_SHUTDOWN every session gets as rcmdd shuts down. */
#define SESSION_SHUTDOWN_MSG \
	"rcmdd is shutting down: try again when it is back"

extern u_long	 session_fd_limit;
void		 session_set_state(struct session *, enum session_state);
int		 session_closing(const struct session *);
int		 session_fds_room(u_int, u_int);
void		 session_idle(struct session *);
void		 session_input_update(struct session *);
void		 session_close(struct session *);
void		 session_free(struct session *);
void		 session_foreach(void (*)(struct session *, void *),
		    void *);

/* session_admit.c */
void		 session_authorize(struct session *);
void		 session_tls_done(struct session *);
void		 session_tls_failed(struct session *, const char *);
void		 session_refuse_exec(struct session *, const char *);
int		 session_exec_allowed(struct session *,
		     const struct cmd_record *);
void		 session_count_add(struct session *);
void		 session_count_remove(struct session *);
void		 session_handshake_done(struct session *);
int		 session_check_limits(struct session *);
void		 session_log(struct session *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));

/* session_frame.c */
void		 session_process(struct session *);
void		 session_send_error(struct session *, uint16_t, const char *,
		    size_t);
void		 session_error(struct session *, uint16_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));

/* session_inline.c */
void		 session_inline_run(struct session *, struct job *);

#endif /* SESSION_H */
