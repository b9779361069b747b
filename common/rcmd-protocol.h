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

#ifndef RCMD_PROTOCOL_H
#define RCMD_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The rcmd wire protocol, version 1; man/rcmd-protocol.7 is its reference.
 * Every message is a frame: a 4-byte big-endian length counting the type
 * byte and the payload, a 1-byte type, then the payload. Numbers are never
 * reused: a retired type stays here, marked unused.
 */

#define PROTOCOL_VERSION	1
#define PROTOCOL_MAGIC		"RCMD"
#define PROTOCOL_MAGIC_LEN	4

#define FRAME_HEADER_LEN	5
#define FRAME_MAX_PAYLOAD	65536
#define HELLO_MAX_NAME		64
#define EXEC_HEADER_LEN		8
#define EXEC_MAX_COMMAND	(FRAME_MAX_PAYLOAD - EXEC_HEADER_LEN)
#define EXIT_PAYLOAD_LEN	21
#define EXIT_HASH_LEN		32
#define EXIT_PAYLOAD_HASH_LEN	(EXIT_PAYLOAD_LEN + EXIT_HASH_LEN)

/* Message types, client to server. */
#define MSG_HELLO		0x01
#define MSG_EXEC		0x02
#define MSG_STDIN		0x03
#define MSG_STDIN_EOF		0x04
#define MSG_SIGNAL		0x05
#define MSG_RUN			0x06	/* EXEC with typed fields */
#define MSG_WINSIZE		0x07	/* a terminal's new size */

/* Message types, server to client. */
#define MSG_SERVER_HELLO	0x81
#define MSG_STARTED		0x82
#define MSG_STDOUT		0x83
#define MSG_STDERR		0x84
#define MSG_EXIT		0x85
#define MSG_ERROR		0x86

/* Signal numbers in a SIGNAL frame; they are the classic POSIX numbers. */
#define PROTO_SIGHUP		1
#define PROTO_SIGINT		2
#define PROTO_SIGQUIT		3
#define PROTO_SIGKILL		9
#define PROTO_SIGTERM		15

/* How a command ended, in an EXIT frame. */
#define EXIT_EXITED		0
#define EXIT_SIGNALED		1
#define EXIT_TIMEDOUT		2
#define EXIT_CANCELLED		3
#define EXIT_FAILED		4

/* Error codes in an ERROR frame. */
#define ERR_MALFORMED		1	/* fatal: a frame that cannot be parsed */
#define ERR_TOO_LARGE		2	/* fatal: length over the limit */
#define ERR_UNKNOWN_TYPE	3	/* fatal: no such message type */
#define ERR_OUT_OF_ORDER	4	/* fatal: a frame not allowed now */
#define ERR_VERSION		5	/* fatal: unsupported protocol version */
#define ERR_BUSY		6	/* a command is already running */
#define ERR_BAD_COMMAND		7	/* a command holding a NUL byte */
#define ERR_TIMEOUT		8	/* fatal: no HELLO within the deadline */
#define ERR_AUDIT		9	/* the audit record failed: not run */
#define ERR_SHUTDOWN		10	/* fatal: the server is shutting down */
#define ERR_LIMIT		11	/* fatal: a server limit was reached */
#define ERR_DENIED		12	/* fatal: not authorized to run commands */
#define ERR_UNSUPPORTED		13	/* a RUN field or flag this server lacks */

/*
 * How the message of an ERR_DENIED that ends the connection begins (a
 * reload revoked or denied the peer), unlike one that refuses a command.
 */
#define DENIED_REVOKED		"revoked: "
#define DENIED_AFTER_RELOAD	"denied after reload: "

/* A server HELLO's flags: what it supports beyond version 1's EXEC. */
#define HELLO_F_RUN		0x0001	/* the RUN frame */
#define HELLO_F_TERMINAL	0x0002	/* RUN's terminal, WINSIZE */

/* WINSIZE: rows u16, columns u16, each at least 1. */
#define WINSIZE_PAYLOAD_LEN	4

/*
 * RUN: time limit u32, flags u32 (none defined: must be 0), then fields,
 * each a type u8, a length u16 and that many bytes, in any order.
 */
#define RUN_HEADER_LEN		8
#define RUN_FIELD_HEADER_LEN	3
#define RUN_SHELL		0x01	/* a command for /bin/sh -c */
#define RUN_ARG			0x02	/* one word of the vector, in order */
#define RUN_USER		0x03	/* the user to run as */
#define RUN_TICKET		0x04	/* why: a ticket, a change number */
#define RUN_CWD			0x05	/* the working directory */
#define RUN_TERMINAL		0x06	/* rows u16, columns u16, TERM */
#define RUN_MAX_ARGS		4096
#define RUN_MAX_USER		32
#define RUN_MAX_TICKET		1024
#define RUN_MAX_CWD		4096
#define RUN_MAX_TERM		64

/* A decoded frame; payload points into the caller's buffer. */
struct frame {
	uint8_t		 type;
	const uint8_t	*payload;
	size_t		 len;
};

/* A decoded HELLO of either direction. */
struct frame_hello {
	uint16_t	 version;
	uint16_t	 flags;
	char		 name[256];
};

/* A decoded EXEC. */
struct frame_exec {
	uint32_t	 timeout_ms;
	uint32_t	 flags;
	const uint8_t	*command;
	size_t		 command_len;
};

/* A string inside a frame's payload: not NUL-terminated. */
struct frame_str {
	const uint8_t	*p;
	size_t		 len;
};

/*
 * A decoded RUN; absent fields have p NULL. argv is allocated (and freed
 * by frame_run_clear); the strings point into the frame.
 */
struct frame_run {
	uint32_t	 timeout_ms;
	uint32_t	 flags;
	struct frame_str shell;
	struct frame_str *argv;
	unsigned int	 argc;
	struct frame_str user;
	struct frame_str ticket;
	struct frame_str cwd;
	int		 terminal;
	uint16_t	 rows;
	uint16_t	 cols;
	struct frame_str term;
};

/* A decoded EXIT; a server may add the SHA-256 of the audit row. */
struct frame_exit {
	uint8_t		 kind;
	int32_t		 code;
	uint64_t	 duration_us;
	uint64_t	 audit_id;
	int		 has_hash;
	uint8_t		 hash[EXIT_HASH_LEN];
};

/* frame.c */
int		 check_fail(uint16_t *, char **, uint16_t, const char *, ...)
		     __attribute__((__format__ (printf, 4, 5)));
int		 frame_decode(const uint8_t *, size_t, struct frame *, size_t *,
		     uint16_t *, char **);
size_t		 frame_size(const uint8_t *);
int		 frame_check_client(const struct frame *, uint16_t *, char **);
int		 frame_check_server(const struct frame *, uint16_t *, char **);
int		 frame_parse_hello(const struct frame *, struct frame_hello *,
		     char **);
int		 frame_parse_exec(const struct frame *, struct frame_exec *,
		     char **);
int		 frame_parse_exit(const struct frame *, struct frame_exit *);
int		 frame_parse_u64(const struct frame *, uint64_t *);
int		 frame_parse_error(const struct frame *, uint16_t *, char *,
		     size_t);
const char	*frame_type_name(uint8_t);
void		 frame_header(uint8_t *, uint8_t, size_t);
size_t		 frame_encode(uint8_t *, size_t, uint8_t, const void *,
		     size_t);
size_t		 frame_encode_hello(uint8_t *, size_t, uint8_t, const char *);
size_t		 frame_encode_exec(uint8_t *, size_t, uint32_t, const char *,
		     size_t);
size_t		 frame_encode_exit(uint8_t *, size_t,
		     const struct frame_exit *);
size_t		 frame_encode_error(uint8_t *, size_t, uint16_t,
		     const char *);
size_t		 frame_encode_u64(uint8_t *, size_t, uint8_t, uint64_t);
int		 frame_proto_to_signal(uint8_t);

/* frame_run.c */
int		 frame_check_run(const struct frame *, uint16_t *, char **);
int		 frame_parse_run(const struct frame *, struct frame_run *,
		     uint16_t *, char **);
void		 frame_run_clear(struct frame_run *);
size_t		 frame_encode_run(uint8_t *, size_t,
		     const struct frame_run *);
int		 frame_check_winsize(const struct frame *, uint16_t *,
		     char **);
void		 frame_parse_winsize(const struct frame *, uint16_t *,
		     uint16_t *);
size_t		 frame_encode_winsize(uint8_t *, size_t, uint16_t, uint16_t);
uint8_t		 frame_signal_to_proto(int);
int		 frame_error_is_fatal(uint16_t);

#endif /* RCMD_PROTOCOL_H */
