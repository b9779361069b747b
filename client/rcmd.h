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

#ifndef RCMD_H
#define RCMD_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "rcmd-protocol.h"

/*
 * rcmd's private header: a connection to rcmdd that runs commands one at a
 * time, driven for one host, the interactive prompt or a fan-out to many.
 */

#define RCMD_DEFAULT_PORT	"7514"
#define RCMD_CONNECT_TIMEOUT_MS	10000
#define RCMD_HELLO_TIMEOUT_MS	10000
#define RCMD_EXIT_ERROR		255
#define RCMD_EXIT_TIMEOUT	124
#define RCMD_UNIX_PREFIX	"unix:"

/* A growable byte buffer (rbuf.c); its data runs from off to len. */
struct rbuf {
	uint8_t		*data;
	size_t		 off;
	size_t		 len;
	size_t		 size;
};

struct addrinfo;
struct tls_config;
struct tls_conn;
struct conn;

/* Called with each piece of a command's output: 0 stdout, 1 stderr. */
typedef void conn_output_cb(struct conn *, int, const uint8_t *, size_t,
    void *);

/* Where a connection is in the protocol (conn.c). */
enum conn_phase {
	CONN_CONNECTING,	/* the TCP connect is under way */
	CONN_TLS,		/* the TLS handshake is */
	CONN_HELLO,		/* HELLO is sent, the server's awaited */
	CONN_READY,		/* ready for conn_exec */
	CONN_RUNNING,		/* a command runs */
	CONN_DONE		/* its EXIT has come; ready for conn_exec */
};

/* A connection to a server. */
struct conn {
	enum conn_phase	 phase;
	int		 fd;
	struct tls_config *tc;		/* NULL: no TLS */
	struct tls_conn	*tls;		/* NULL: plain TCP or a Unix socket */
	char		*host;		/* as messages name it */
	char		*port;		/* "" for a Unix socket */
	char		*where;		/* "host port N", or "unix:PATH" */
	struct addrinfo	*ai_list;	/* the addresses while connecting */
	struct addrinfo	*ai_next;	/* the next one to try */
	int		 attempt;	/* how many addresses were tried */
	int		 connect_ms;	/* the connect timeout messages name */
	struct rbuf	 in;
	struct rbuf	 out;
	char		 server[256];
	uint16_t	 server_flags;	/* its HELLO's: HELLO_F_* */
	conn_output_cb	*output_cb;	/* NULL: write to stdout, stderr */
	void		*output_arg;
	int		 sigfd;		/* signals to pass on, or -1 */
	int		 interrupts;
	int		 broken;
	int		 reset;		/* the peer reset the connection */
	int		 refused;	/* the server sent ERROR */
	int		 error;		/* errno of a failed connect, or 0 */
	int		 plain;		/* plain TCP beyond loopback refused */
	int		 hold;		/* HELLO waits in out for EXEC */
	int		 early;		/* EXEC went out behind our HELLO */
	const struct conn_run *run;	/* NULL: plain EXEC */
};

/*
 * What a command asks beyond a shell string as the default user: sent as
 * RUN, which an old rcmdd refuses as an unknown type (why names the
 * option that made it RUN, for that message).
 */
struct conn_run {
	const char	*user;		/* NULL: the rule's default */
	const char	*ticket;	/* NULL: none */
	const char	*cwd;		/* NULL: the run-as user's home */
	char *const	*argv;		/* NULL: a shell string */
	int		 argc;
	int		 terminal;	/* --tty: on a terminal */
	uint16_t	 rows;		/* its size at start */
	uint16_t	 cols;
	const char	*term;		/* TERM, checked */
	const char	*why;		/* "-l", "--argv", "-m", "-C", "cd", ... */
};

/* How a command ended, as the server reported it. */
struct conn_result {
	uint64_t		 audit_id;
	int			 started;
	struct frame_exit	 exit;
};

/* conn.c */
int	conn_start(struct conn *, const char *, const char *,
	    struct tls_config *, int, char **);
int	conn_events(struct conn *);
int	conn_pending(struct conn *);
int	conn_step(struct conn *, int, struct conn_result *, char **);
int	conn_expire(struct conn *, char **);
void	conn_send(struct conn *, uint8_t, const void *, size_t);
int	conn_handle_frame(struct conn *, const struct frame *,
	    struct conn_result *, char **);
int	conn_exec(struct conn *, const char *, size_t, uint32_t, int,
	    char **);
int	conn_exit_status(const struct conn_result *, const char *, char **);
void	conn_print_receipt(const struct conn_result *, const char *);
void	conn_close(struct conn *);

/* conn_addr.c */
int	conn_check_port(const char *, char **);
int	conn_split_host(const char *, const char *, char **, char **,
	    char **);
int	conn_resolve(struct conn *, const char *, const char *,
	    struct addrinfo **, char **);
int	conn_check_plain(struct conn *, const char *, struct addrinfo **,
	    char **);
int	conn_open_unix(struct conn *, const char *, char **);
int	conn_connect_next(struct conn *, char **);
int	conn_connect_done(struct conn *, char **);
int	conn_connect_expire(struct conn *, char **);

/* conn_blocking.c */
int	conn_open(struct conn *, const char *, const char *,
	    struct tls_config *, int, char **);
int	conn_connect(struct conn *, const char *, const char *,
	    struct tls_config *, int, char **);
int	conn_run(struct conn *, const char *, size_t, uint32_t, int,
	    struct conn_result *, char **);

/* rbuf.c */
void	 rbuf_add(struct rbuf *, const void *, size_t);
uint8_t	*rbuf_space(struct rbuf *, size_t);
void	 rbuf_drain(struct rbuf *, size_t);
void	 rbuf_free(struct rbuf *);
uint8_t	*rbuf_data(const struct rbuf *);
size_t	 rbuf_length(const struct rbuf *);

/* fanout.c */
struct fanout;
struct fanout	*fanout_new(const char *, struct tls_config *, int, int,
		    uint32_t, int, int, int);
int	fanout_add(struct fanout *, const char *, char **);
int	fanout_add_file(struct fanout *, const char *, char **);
int	fanout_run(struct fanout *, const char *);
void	fanout_set_run(struct fanout *, const struct conn_run *);
size_t	fanout_count(struct fanout *);
void	fanout_free(struct fanout *);

/* tls.c */
struct tls_config *tls_config_new(const char *, const char *, const char *,
	    char **);
void	tls_config_free(struct tls_config *);
struct tls_conn	*tls_start(struct tls_config *, int, const char *,
	    const char *, char **);
int	tls_handshake(struct tls_conn *, char **);
ssize_t	tls_read(struct tls_conn *, void *, size_t, char **);
ssize_t	tls_write(struct tls_conn *, const void *, size_t, char **);
int	tls_pending(struct tls_conn *);
int	tls_events(struct tls_conn *);
void	tls_stop(struct tls_conn *);

/* dload.c */
struct dload_symbol {
	const char	*name;
	void		*ptr;		/* where the function goes: &sym_NAME */
};
/* Declare sym_NAME, a pointer of NAME's own type, for dload_open. */
#define DLOAD_POINTER(f)	static typeof(f) *sym_##f;
/* The entry of NAME in a table for dload_open. */
#define DLOAD_ENTRY(f)		{ #f, &sym_##f },
void	*dload_open(const char *, const struct dload_symbol *, size_t,
	    char **);

/* tty.c */
int	tty_check_term(const char *, char **);
void	tty_size(int, uint16_t *, uint16_t *);
int	tty_run(struct conn *, const char *, uint32_t, int,
	    struct conn_result *, char **);

/* prompt.c */
int	prompt_run(struct conn *, uint32_t, int, const char *);

#endif /* RCMD_H */
