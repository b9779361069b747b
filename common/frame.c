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

#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "rcmd-protocol.h"
#include "utf8.h"
#include "xmalloc.h"

/*
 * The frame codec shared by rcmdd and rcmd. Decoding works on plain byte
 * buffers so that the unit tests and the fuzzer can drive it directly; it
 * checks lengths first and never reads past what it was given.
 */

/*
 * Fill in an error code and an allocated reason, and return -1: how every
 * check of the codec fails (frame_run.c's too).
 */
int
check_fail(uint16_t *code, char **cause, uint16_t c, const char *fmt, ...)
{
	va_list	ap;

	*code = c;
	if (cause != NULL) {
		va_start(ap, fmt);
		xvasprintf(cause, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/*
 * Decode one frame from the start of buf. Return 1 with the frame and the
 * bytes it used, 0 when buf holds only part of a frame, or -1 with an error
 * code and cause when the length is impossible.
 */
int
frame_decode(const uint8_t *buf, size_t avail, struct frame *f, size_t *used,
    uint16_t *code, char **cause)
{
	uint32_t	length;

	if (avail < 4)
		return (0);
	length = get32(buf);
	if (length == 0)
		return (check_fail(code, cause, ERR_MALFORMED,
		    "frame length is 0: a frame holds at least its type byte"));
	if (length > FRAME_MAX_PAYLOAD + 1)
		return (check_fail(code, cause, ERR_TOO_LARGE,
		    "frame length %u is over the limit of %u bytes",
		    length, FRAME_MAX_PAYLOAD + 1));
	if (avail - 4 < length)
		return (0);
	f->type = buf[4];
	f->payload = buf + FRAME_HEADER_LEN;
	f->len = length - 1;
	*used = 4 + (size_t)length;
	return (1);
}

/*
 * Return how many bytes of a stream the frame whose 4-byte length starts
 * at buf takes, that length included: at most FRAME_HEADER_LEN +
 * FRAME_MAX_PAYLOAD. For a length over the limit return 4, so that a
 * reader holding that many bytes passes them to frame_decode, which says
 * what is wrong with it.
 */
size_t
frame_size(const uint8_t *buf)
{
	uint32_t	length;

	length = get32(buf);
	if (length > FRAME_MAX_PAYLOAD + 1)
		return (4);
	return (4 + (size_t)length);
}

/* Check that a frame sent by a client has a known type and a valid size. */
int
frame_check_client(const struct frame *f, uint16_t *code, char **cause)
{
	switch (f->type) {
	case MSG_HELLO:
		if (f->len < PROTOCOL_MAGIC_LEN + 4 ||
		    f->len > PROTOCOL_MAGIC_LEN + 4 + HELLO_MAX_NAME)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "HELLO payload of %zu bytes: it must be 8 to %d",
			    f->len, PROTOCOL_MAGIC_LEN + 4 + HELLO_MAX_NAME));
		break;
	case MSG_EXEC:
		if (f->len <= EXEC_HEADER_LEN)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "EXEC payload of %zu bytes: it must hold timeout, "
			    "flags and a command of at least one byte",
			    f->len));
		break;
	case MSG_RUN:
		return (frame_check_run(f, code, cause));
	case MSG_WINSIZE:
		return (frame_check_winsize(f, code, cause));
	case MSG_STDIN:
		if (f->len == 0)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "empty STDIN frame: send STDIN_EOF to close "
			    "stdin"));
		break;
	case MSG_STDIN_EOF:
		if (f->len != 0)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "STDIN_EOF payload of %zu bytes: it must be empty",
			    f->len));
		break;
	case MSG_SIGNAL:
		if (f->len != 1)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "SIGNAL payload of %zu bytes: it must be 1",
			    f->len));
		if (frame_proto_to_signal(f->payload[0]) == -1)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "SIGNAL %u is not one of 1, 2, 3, 9 or 15",
			    f->payload[0]));
		break;
	default:
		return (check_fail(code, cause, ERR_UNKNOWN_TYPE,
		    "unknown message type 0x%02x from a client", f->type));
	}
	return (0);
}

/* Check that a frame sent by a server has a known type and a valid size. */
int
frame_check_server(const struct frame *f, uint16_t *code, char **cause)
{
	switch (f->type) {
	case MSG_SERVER_HELLO:
		if (f->len < PROTOCOL_MAGIC_LEN + 4)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "short server HELLO (%zu bytes)", f->len));
		break;
	case MSG_STARTED:
		if (f->len != 8)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "STARTED payload of %zu bytes: it must be 8",
			    f->len));
		break;
	case MSG_STDOUT:
	case MSG_STDERR:
		break;
	case MSG_EXIT:
		if (f->len != EXIT_PAYLOAD_LEN &&
		    f->len != EXIT_PAYLOAD_HASH_LEN)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "EXIT payload of %zu bytes: it must be %d, or %d "
			    "with the row hash", f->len, EXIT_PAYLOAD_LEN,
			    EXIT_PAYLOAD_HASH_LEN));
		if (f->payload[0] > EXIT_FAILED)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "EXIT kind %u is unknown", f->payload[0]));
		break;
	case MSG_ERROR:
		if (f->len < 2)
			return (check_fail(code, cause, ERR_MALFORMED,
			    "ERROR payload of %zu bytes: it must be at least 2",
			    f->len));
		break;
	default:
		return (check_fail(code, cause, ERR_UNKNOWN_TYPE,
		    "unknown message type 0x%02x from the server", f->type));
	}
	return (0);
}

/*
 * Parse a checked HELLO of either direction. The name stops at the first
 * NUL, if any. Fails when the magic is wrong.
 */
int
frame_parse_hello(const struct frame *f, struct frame_hello *h, char **cause)
{
	size_t	namelen;

	if (f->len < PROTOCOL_MAGIC_LEN + 4 ||
	    memcmp(f->payload, PROTOCOL_MAGIC, PROTOCOL_MAGIC_LEN) != 0) {
		if (cause != NULL)
			*cause = xstrdup("HELLO does not start with \"RCMD\": "
			    "the peer does not speak the rcmd protocol");
		return (-1);
	}
	h->version = get16(f->payload + 4);
	h->flags = get16(f->payload + 6);
	namelen = f->len - 8;
	if (namelen > sizeof h->name - 1)
		namelen = sizeof h->name - 1;
	memcpy(h->name, f->payload + 8, namelen);
	h->name[namelen] = '\0';
	return (0);
}

/* Parse a checked EXEC; the command must be non-empty and hold no NUL. */
int
frame_parse_exec(const struct frame *f, struct frame_exec *e, char **cause)
{
	e->timeout_ms = get32(f->payload);
	e->flags = get32(f->payload + 4);
	e->command = f->payload + EXEC_HEADER_LEN;
	e->command_len = f->len - EXEC_HEADER_LEN;
	if (memchr(e->command, '\0', e->command_len) != NULL) {
		if (cause != NULL)
			xasprintf(cause, "command holds a NUL byte at offset "
			    "%zu: commands are text",
			    (size_t)((const uint8_t *)memchr(e->command, '\0',
			    e->command_len) - e->command));
		return (-1);
	}
	return (0);
}

/* Parse a checked EXIT. */
int
frame_parse_exit(const struct frame *f, struct frame_exit *x)
{
	if (f->len != EXIT_PAYLOAD_LEN && f->len != EXIT_PAYLOAD_HASH_LEN)
		return (-1);
	x->kind = f->payload[0];
	x->code = (int32_t)get32(f->payload + 1);
	x->duration_us = get64(f->payload + 5);
	x->audit_id = get64(f->payload + 13);
	x->has_hash = f->len == EXIT_PAYLOAD_HASH_LEN;
	if (x->has_hash)
		memcpy(x->hash, f->payload + EXIT_PAYLOAD_LEN, EXIT_HASH_LEN);
	return (0);
}

/* Parse a checked frame whose payload is one 64-bit number (STARTED). */
int
frame_parse_u64(const struct frame *f, uint64_t *v)
{
	if (f->len != 8)
		return (-1);
	*v = get64(f->payload);
	return (0);
}

/*
 * Parse a checked ERROR into its code and a printable message: control
 * characters (C0, DEL and C1) and bytes that are not UTF-8 become '?', so
 * a hostile peer cannot drive the terminal that shows it.
 */
int
frame_parse_error(const struct frame *f, uint16_t *code, char *msg,
    size_t msglen)
{
	const uint8_t	*p;
	uint32_t	 c;
	size_t		 i, n, left, o = 0;

	if (f->len < 2 || msglen == 0)
		return (-1);
	*code = get16(f->payload);
	p = f->payload + 2;
	left = f->len - 2;
	for (i = 0; i < left; i += n) {
		n = utf8_decode(p + i, left - i, &c);
		if (n == 0 || utf8_is_control(c)) {
			if (n == 0)
				n = 1;
			if (o + 1 >= msglen)
				break;
			msg[o++] = '?';
			continue;
		}
		if (o + n >= msglen)
			break;
		memcpy(msg + o, p + i, n);
		o += n;
	}
	msg[o] = '\0';
	return (0);
}

/* Return the name of a message type, for logs. */
const char *
frame_type_name(uint8_t type)
{
	switch (type) {
	case MSG_HELLO:
		return ("HELLO");
	case MSG_EXEC:
		return ("EXEC");
	case MSG_STDIN:
		return ("STDIN");
	case MSG_STDIN_EOF:
		return ("STDIN_EOF");
	case MSG_RUN:
		return ("RUN");
	case MSG_SIGNAL:
		return ("SIGNAL");
	case MSG_WINSIZE:
		return ("WINSIZE");
	case MSG_SERVER_HELLO:
		return ("server HELLO");
	case MSG_STARTED:
		return ("STARTED");
	case MSG_STDOUT:
		return ("STDOUT");
	case MSG_STDERR:
		return ("STDERR");
	case MSG_EXIT:
		return ("EXIT");
	case MSG_ERROR:
		return ("ERROR");
	}
	return ("unknown");
}

/* Write a frame header for a payload of len bytes into hdr. */
void
frame_header(uint8_t *hdr, uint8_t type, size_t len)
{
	put32(hdr, (uint32_t)(len + 1));
	hdr[4] = type;
}

/*
 * Encode a whole frame into buf. Return its size, or 0 when buf is too
 * small or the payload too long.
 */
size_t
frame_encode(uint8_t *buf, size_t size, uint8_t type, const void *payload,
    size_t len)
{
	if (len > FRAME_MAX_PAYLOAD || size < FRAME_HEADER_LEN + len)
		return (0);
	frame_header(buf, type, len);
	if (len != 0)
		memcpy(buf + FRAME_HEADER_LEN, payload, len);
	return (FRAME_HEADER_LEN + len);
}

/* Encode a HELLO of either direction carrying a name. */
size_t
frame_encode_hello(uint8_t *buf, size_t size, uint8_t type, const char *name)
{
	uint8_t	p[PROTOCOL_MAGIC_LEN + 4 + HELLO_MAX_NAME];
	size_t	namelen;

	namelen = strlen(name);
	if (namelen > HELLO_MAX_NAME)
		namelen = HELLO_MAX_NAME;
	memcpy(p, PROTOCOL_MAGIC, PROTOCOL_MAGIC_LEN);
	put16(p + 4, PROTOCOL_VERSION);
	put16(p + 6, 0);
	memcpy(p + 8, name, namelen);
	return (frame_encode(buf, size, type, p, 8 + namelen));
}

/* Encode an EXEC. */
size_t
frame_encode_exec(uint8_t *buf, size_t size, uint32_t timeout_ms,
    const char *cmd, size_t cmdlen)
{
	if (cmdlen > EXEC_MAX_COMMAND ||
	    size < FRAME_HEADER_LEN + EXEC_HEADER_LEN + cmdlen)
		return (0);
	frame_header(buf, MSG_EXEC, EXEC_HEADER_LEN + cmdlen);
	put32(buf + FRAME_HEADER_LEN, timeout_ms);
	put32(buf + FRAME_HEADER_LEN + 4, 0);
	memcpy(buf + FRAME_HEADER_LEN + EXEC_HEADER_LEN, cmd, cmdlen);
	return (FRAME_HEADER_LEN + EXEC_HEADER_LEN + cmdlen);
}

/* Encode an EXIT, with the row hash when it has one. */
size_t
frame_encode_exit(uint8_t *buf, size_t size, const struct frame_exit *x)
{
	uint8_t	p[EXIT_PAYLOAD_HASH_LEN];

	p[0] = x->kind;
	put32(p + 1, (uint32_t)x->code);
	put64(p + 5, x->duration_us);
	put64(p + 13, x->audit_id);
	if (!x->has_hash)
		return (frame_encode(buf, size, MSG_EXIT, p, EXIT_PAYLOAD_LEN));
	memcpy(p + EXIT_PAYLOAD_LEN, x->hash, EXIT_HASH_LEN);
	return (frame_encode(buf, size, MSG_EXIT, p, sizeof p));
}

/* Encode an ERROR; the message is cut to fit one frame. */
size_t
frame_encode_error(uint8_t *buf, size_t size, uint16_t code, const char *msg)
{
	size_t	msglen;

	msglen = strlen(msg);
	if (msglen > FRAME_MAX_PAYLOAD - 2)
		msglen = FRAME_MAX_PAYLOAD - 2;
	if (size < FRAME_HEADER_LEN + 2 + msglen)
		return (0);
	frame_header(buf, MSG_ERROR, 2 + msglen);
	put16(buf + FRAME_HEADER_LEN, code);
	memcpy(buf + FRAME_HEADER_LEN + 2, msg, msglen);
	return (FRAME_HEADER_LEN + 2 + msglen);
}

/* Encode a frame whose payload is one 64-bit number (STARTED). */
size_t
frame_encode_u64(uint8_t *buf, size_t size, uint8_t type, uint64_t v)
{
	uint8_t	p[8];

	put64(p, v);
	return (frame_encode(buf, size, type, p, sizeof p));
}

/* Map a protocol signal number to the local one, or -1. */
int
frame_proto_to_signal(uint8_t n)
{
	switch (n) {
	case PROTO_SIGHUP:
		return (SIGHUP);
	case PROTO_SIGINT:
		return (SIGINT);
	case PROTO_SIGQUIT:
		return (SIGQUIT);
	case PROTO_SIGKILL:
		return (SIGKILL);
	case PROTO_SIGTERM:
		return (SIGTERM);
	}
	return (-1);
}

/* Map a local signal to its protocol number, or 0 if it has none. */
uint8_t
frame_signal_to_proto(int sig)
{
	switch (sig) {
	case SIGHUP:
		return (PROTO_SIGHUP);
	case SIGINT:
		return (PROTO_SIGINT);
	case SIGQUIT:
		return (PROTO_SIGQUIT);
	case SIGKILL:
		return (PROTO_SIGKILL);
	case SIGTERM:
		return (PROTO_SIGTERM);
	}
	return (0);
}

/* Return whether an error code ends the connection. */
int
frame_error_is_fatal(uint16_t code)
{
	switch (code) {
	case ERR_BUSY:
	case ERR_BAD_COMMAND:
	case ERR_AUDIT:
	case ERR_UNSUPPORTED:
		return (0);
	}
	return (1);
}
