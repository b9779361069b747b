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

#include <CUnit/Basic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rcmd-protocol.h"
#include "xmalloc.h"
#include "unit.h"

/*
 * Unit tests of the frame codec in common/frame.c: every frame type encoded
 * and decoded both ways, every malformed frame refused with the right error
 * code and a reason, frames split across reads and packed into one buffer,
 * and the signal and error-code tables.
 */

#define TEST_BUFSIZE	(FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD + 64)

static uint64_t	load64(const uint8_t *);
static int	decode_whole(const uint8_t *, size_t, struct frame *);
static void	decode_fails(const uint8_t *, size_t, uint16_t, const char *);
static void	check_fails(int (*)(const struct frame *, uint16_t *, char **),
		    uint8_t, const void *, size_t, uint16_t);
static void	client_fails(uint8_t, const void *, size_t, uint16_t);
static void	server_fails(uint8_t, const void *, size_t, uint16_t);
static void	test_frame_wire_format(void);
static void	test_frame_hello_round_trip(void);
static void	test_frame_exec_round_trip(void);
static void	test_frame_stdin_round_trip(void);
static void	test_frame_signal_round_trip(void);
static void	test_frame_started_round_trip(void);
static void	test_frame_output_round_trip(void);
static void	test_frame_exit_round_trip(void);
static void	test_frame_error_round_trip(void);
static void	test_frame_length_zero(void);
static void	test_frame_length_over_limit(void);
static void	test_frame_size(void);
static void	test_frame_max_payload(void);
static void	test_frame_unknown_client_type(void);
static void	test_frame_unknown_server_type(void);
static void	test_frame_client_sizes(void);
static void	test_frame_server_sizes(void);
static void	test_frame_bad_signal(void);
static void	test_frame_hello_bad_magic(void);
static void	test_frame_exec_nul(void);
static void	test_frame_exec_empty(void);
static void	test_frame_exit_bad_kind(void);
static void	test_frame_split(void);
static void	test_frame_many(void);
static void	test_frame_encode_limits(void);
static void	test_frame_error_controls(void);
static void	test_frame_error_c1_controls(void);
static void	test_frame_signal_mapping(void);
static void	test_frame_error_is_fatal(void);
static void	test_frame_type_names(void);

static CU_TestInfo frame_tests[] = {
	{ "wire format is big-endian", test_frame_wire_format },
	{ "HELLO round trip, both directions", test_frame_hello_round_trip },
	{ "EXEC round trip", test_frame_exec_round_trip },
	{ "STDIN and STDIN_EOF round trip", test_frame_stdin_round_trip },
	{ "SIGNAL round trip", test_frame_signal_round_trip },
	{ "STARTED round trip", test_frame_started_round_trip },
	{ "STDOUT and STDERR round trip", test_frame_output_round_trip },
	{ "EXIT round trip", test_frame_exit_round_trip },
	{ "ERROR round trip", test_frame_error_round_trip },
	{ "length 0 is refused", test_frame_length_zero },
	{ "length over 65,537 is refused", test_frame_length_over_limit },
	{ "frame_size reads the length", test_frame_size },
	{ "payload of 65,536 accepted, 65,537 refused",
	    test_frame_max_payload },
	{ "unknown types from a client", test_frame_unknown_client_type },
	{ "unknown types from a server", test_frame_unknown_server_type },
	{ "client payload sizes", test_frame_client_sizes },
	{ "server payload sizes", test_frame_server_sizes },
	{ "SIGNAL with a bad number", test_frame_bad_signal },
	{ "HELLO with the wrong magic", test_frame_hello_bad_magic },
	{ "EXEC with a NUL in the command", test_frame_exec_nul },
	{ "EXEC with an empty command", test_frame_exec_empty },
	{ "EXIT with an unknown kind", test_frame_exit_bad_kind },
	{ "frame split across reads", test_frame_split },
	{ "many frames in one buffer", test_frame_many },
	{ "encoders refuse what does not fit", test_frame_encode_limits },
	{ "ERROR message: C0 controls replaced", test_frame_error_controls },
	{ "ERROR message: C1 controls replaced",
	    test_frame_error_c1_controls },
	{ "signal mapping both ways", test_frame_signal_mapping },
	{ "frame_error_is_fatal", test_frame_error_is_fatal },
	{ "frame_type_name", test_frame_type_names },
	CU_TEST_INFO_NULL
};

/* Zeroes, long enough to be the payload of any frame the tests check. */
static uint8_t	frame_zeroes[FRAME_MAX_PAYLOAD + 64];

/* Read a big-endian 64-bit number. */
static uint64_t
load64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return (v);
}

/* Decode a buffer that must hold exactly one whole frame. */
static int
decode_whole(const uint8_t *buf, size_t len, struct frame *f)
{
	size_t		 used = 0;
	uint16_t	 code = 0;
	char		*cause = NULL;
	int		 rc;

	rc = frame_decode(buf, len, f, &used, &code, &cause);
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_EQUAL(used, len);
	CU_ASSERT_PTR_NULL(cause);
	free(cause);
	return (rc == 1 && used == len ? 0 : -1);
}

/*
 * Check that frame_decode refuses buf with the code want and a cause that
 * holds in unless that is NULL.
 */
static void
decode_fails(const uint8_t *buf, size_t len, uint16_t want, const char *in)
{
	struct frame	 f;
	size_t		 used = 0;
	uint16_t	 code = 0;
	char		*cause = NULL;

	CU_ASSERT_EQUAL(frame_decode(buf, len, &f, &used, &code, &cause), -1);
	CU_ASSERT_EQUAL(code, want);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL && in != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(cause, in));
	free(cause);
}

/*
 * Check that check (frame_check_client or frame_check_server) refuses a
 * frame with the given code and a reason, and with the same code without
 * a cause pointer.
 */
static void
check_fails(int (*check)(const struct frame *, uint16_t *, char **),
    uint8_t type, const void *payload, size_t len, uint16_t want)
{
	struct frame	 f;
	uint16_t	 code = 0;
	char		*cause = NULL;

	f.type = type;
	f.payload = payload;
	f.len = len;
	CU_ASSERT_EQUAL(check(&f, &code, &cause), -1);
	CU_ASSERT_EQUAL(code, want);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL)
		CU_ASSERT(strlen(cause) > 10);
	free(cause);

	code = 0;
	CU_ASSERT_EQUAL(check(&f, &code, NULL), -1);
	CU_ASSERT_EQUAL(code, want);
}

/* Check that a client frame is refused with the given code and a reason. */
static void
client_fails(uint8_t type, const void *payload, size_t len, uint16_t want)
{
	check_fails(frame_check_client, type, payload, len, want);
}

/* Check that a server frame is refused with the given code and a reason. */
static void
server_fails(uint8_t type, const void *payload, size_t len, uint16_t want)
{
	check_fails(frame_check_server, type, payload, len, want);
}

/* Check the bytes of encoded frames against the protocol's table. */
static void
test_frame_wire_format(void)
{
	static const uint8_t	 w_eof[] = { 0, 0, 0, 1, MSG_STDIN_EOF };
	static const uint8_t	 w_exec[] = { 0, 0, 0, 12, MSG_EXEC,
	    0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0, 'l', 's', '!' };
	static const uint8_t	 w_started[] = { 0, 0, 0, 9, MSG_STARTED,
	    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	static const uint8_t	 w_exit[] = { 0, 0, 0, 22, MSG_EXIT,
	    EXIT_SIGNALED, 0xff, 0xff, 0xff, 0xfe,
	    0, 0, 0, 0, 0, 0, 0x30, 0x39,
	    0x01, 0, 0, 0, 0, 0, 0, 0x02 };
	static const uint8_t	 w_error[] = { 0, 0, 0, 6, MSG_ERROR,
	    0x01, 0x02, 'b', 'a', 'd' };
	static const uint8_t	 w_hello[] = { 0, 0, 0, 11, MSG_HELLO,
	    'R', 'C', 'M', 'D', 0, 1, 0, 0, 'a', 'b' };
	struct frame_exit	 x;
	uint8_t			 buf[64];

	CU_ASSERT_EQUAL(frame_encode(buf, sizeof buf, MSG_STDIN_EOF, NULL, 0),
	    sizeof w_eof);
	CU_ASSERT(memcmp(buf, w_eof, sizeof w_eof) == 0);

	CU_ASSERT_EQUAL(frame_encode_exec(buf, sizeof buf, 0x01020304, "ls!",
	    3), sizeof w_exec);
	CU_ASSERT(memcmp(buf, w_exec, sizeof w_exec) == 0);

	CU_ASSERT_EQUAL(frame_encode_u64(buf, sizeof buf, MSG_STARTED,
	    0x1122334455667788ULL), sizeof w_started);
	CU_ASSERT(memcmp(buf, w_started, sizeof w_started) == 0);

	memset(&x, 0, sizeof x);
	x.kind = EXIT_SIGNALED;
	x.code = -2;
	x.duration_us = 12345;
	x.audit_id = 0x0100000000000002ULL;
	CU_ASSERT_EQUAL(frame_encode_exit(buf, sizeof buf, &x), sizeof w_exit);
	CU_ASSERT(memcmp(buf, w_exit, sizeof w_exit) == 0);

	CU_ASSERT_EQUAL(frame_encode_error(buf, sizeof buf, 0x0102, "bad"),
	    sizeof w_error);
	CU_ASSERT(memcmp(buf, w_error, sizeof w_error) == 0);

	CU_ASSERT_EQUAL(frame_encode_hello(buf, sizeof buf, MSG_HELLO, "ab"),
	    sizeof w_hello);
	CU_ASSERT(memcmp(buf, w_hello, sizeof w_hello) == 0);

	frame_header(buf, MSG_STDOUT, 0x010203);
	CU_ASSERT(memcmp(buf, "\x00\x01\x02\x04\x83", 5) == 0);
}

/* Encode and decode a client HELLO and a server HELLO. */
static void
test_frame_hello_round_trip(void)
{
	struct frame		 f;
	struct frame_hello	 h;
	uint16_t		 code;
	uint8_t			 buf[512];
	char			 name[HELLO_MAX_NAME + 20], *cause = NULL;
	size_t			 len;

	len = frame_encode_hello(buf, sizeof buf, MSG_HELLO, "rcmd 1.0");
	CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + 8 + 8);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(f.type, MSG_HELLO);
		CU_ASSERT_EQUAL(f.len, 16);
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
		memset(&h, 0xaa, sizeof h);
		CU_ASSERT_EQUAL(frame_parse_hello(&f, &h, &cause), 0);
		CU_ASSERT_PTR_NULL(cause);
		CU_ASSERT_EQUAL(h.version, PROTOCOL_VERSION);
		CU_ASSERT_EQUAL(h.flags, 0);
		CU_ASSERT_STRING_EQUAL(h.name, "rcmd 1.0");
	}

	/* A server HELLO is checked by the client's rules. */
	len = frame_encode_hello(buf, sizeof buf, MSG_SERVER_HELLO,
	    "rcmdd 1.0");
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(f.type, MSG_SERVER_HELLO);
		CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
		CU_ASSERT_EQUAL(frame_parse_hello(&f, &h, NULL), 0);
		CU_ASSERT_EQUAL(h.version, PROTOCOL_VERSION);
		CU_ASSERT_STRING_EQUAL(h.name, "rcmdd 1.0");
	}

	/* An empty name, and a name cut to the limit of 64 bytes. */
	len = frame_encode_hello(buf, sizeof buf, MSG_HELLO, "");
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(f.len, 8);
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
		CU_ASSERT_EQUAL(frame_parse_hello(&f, &h, NULL), 0);
		CU_ASSERT_STRING_EQUAL(h.name, "");
	}
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	len = frame_encode_hello(buf, sizeof buf, MSG_HELLO, name);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(f.len, 8 + HELLO_MAX_NAME);
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
		CU_ASSERT_EQUAL(frame_parse_hello(&f, &h, NULL), 0);
		CU_ASSERT_EQUAL(strlen(h.name), HELLO_MAX_NAME);
	}

	/* A long server name is cut to fit the struct, never overflowing. */
	memcpy(buf, "RCMD\x00\x01\x00\x00", 8);
	memset(buf + 8, 'x', 400);
	f.type = MSG_SERVER_HELLO;
	f.payload = buf;
	f.len = 408;
	CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
	CU_ASSERT_EQUAL(frame_parse_hello(&f, &h, NULL), 0);
	CU_ASSERT_EQUAL(strlen(h.name), sizeof h.name - 1);

	/* The name stops at a NUL; version and flags are read as sent. */
	memcpy(buf, "RCMD\x00\x02\x80\x01" "ab\0cd", 13);
	f.type = MSG_HELLO;
	f.len = 13;
	CU_ASSERT_EQUAL(frame_parse_hello(&f, &h, NULL), 0);
	CU_ASSERT_EQUAL(h.version, 2);
	CU_ASSERT_EQUAL(h.flags, 0x8001);
	CU_ASSERT_STRING_EQUAL(h.name, "ab");
}

/* Encode and decode EXEC frames. */
static void
test_frame_exec_round_trip(void)
{
	static const char	 cmd[] = "echo 'hello world' | tr a-z A-Z";
	struct frame		 f;
	struct frame_exec	 e;
	uint16_t		 code;
	uint8_t			*buf;
	char			*cause = NULL, *big;
	size_t			 len;

	buf = xmalloc(TEST_BUFSIZE);
	len = frame_encode_exec(buf, TEST_BUFSIZE, 1500, cmd, strlen(cmd));
	CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + EXEC_HEADER_LEN + strlen(cmd));
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(f.type, MSG_EXEC);
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
		CU_ASSERT_EQUAL(frame_parse_exec(&f, &e, &cause), 0);
		CU_ASSERT_PTR_NULL(cause);
		CU_ASSERT_EQUAL(e.timeout_ms, 1500);
		CU_ASSERT_EQUAL(e.flags, 0);
		CU_ASSERT_EQUAL(e.command_len, strlen(cmd));
		CU_ASSERT(memcmp(e.command, cmd, strlen(cmd)) == 0);
	}

	/* A one-byte command, and the longest, with the largest timeout. */
	len = frame_encode_exec(buf, TEST_BUFSIZE, 0, "x", 1);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
		CU_ASSERT_EQUAL(frame_parse_exec(&f, &e, NULL), 0);
		CU_ASSERT_EQUAL(e.timeout_ms, 0);
		CU_ASSERT_EQUAL(e.command_len, 1);
		CU_ASSERT_EQUAL(e.command[0], 'x');
	}
	big = xmalloc(EXEC_MAX_COMMAND);
	memset(big, 'y', EXEC_MAX_COMMAND);
	len = frame_encode_exec(buf, TEST_BUFSIZE, UINT32_MAX, big,
	    EXEC_MAX_COMMAND);
	CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
		CU_ASSERT_EQUAL(frame_parse_exec(&f, &e, NULL), 0);
		CU_ASSERT_EQUAL(e.timeout_ms, UINT32_MAX);
		CU_ASSERT_EQUAL(e.command_len, EXEC_MAX_COMMAND);
		CU_ASSERT(memcmp(e.command, big, EXEC_MAX_COMMAND) == 0);
	}
	free(big);
	free(buf);
}

/* Encode and decode STDIN and STDIN_EOF frames. */
static void
test_frame_stdin_round_trip(void)
{
	static const uint8_t	 data[] = { 'a', 0, 0xff, '\n', 0x80 };
	struct frame		 f;
	uint16_t		 code;
	uint8_t			 buf[64];
	size_t			 len;

	len = frame_encode(buf, sizeof buf, MSG_STDIN, data, sizeof data);
	CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + sizeof data);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(f.type, MSG_STDIN);
		CU_ASSERT_EQUAL(f.len, sizeof data);
		CU_ASSERT(memcmp(f.payload, data, sizeof data) == 0);
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
	}

	len = frame_encode(buf, sizeof buf, MSG_STDIN_EOF, NULL, 0);
	CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(f.type, MSG_STDIN_EOF);
		CU_ASSERT_EQUAL(f.len, 0);
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
	}
}

/* Encode and decode a SIGNAL frame for each signal the protocol knows. */
static void
test_frame_signal_round_trip(void)
{
	static const uint8_t	 proto[] = { PROTO_SIGHUP, PROTO_SIGINT,
	    PROTO_SIGQUIT, PROTO_SIGKILL, PROTO_SIGTERM };
	static const int	 local[] = { SIGHUP, SIGINT, SIGQUIT, SIGKILL,
	    SIGTERM };
	struct frame		 f;
	uint16_t		 code;
	uint8_t			 buf[16];
	size_t			 i, len;

	for (i = 0; i < sizeof proto; i++) {
		len = frame_encode(buf, sizeof buf, MSG_SIGNAL, &proto[i], 1);
		CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + 1);
		if (decode_whole(buf, len, &f) != 0)
			continue;
		CU_ASSERT_EQUAL(f.type, MSG_SIGNAL);
		CU_ASSERT_EQUAL(f.len, 1);
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
		CU_ASSERT_EQUAL(frame_proto_to_signal(f.payload[0]), local[i]);
	}
}

/* Encode and decode STARTED frames. */
static void
test_frame_started_round_trip(void)
{
	static const uint64_t	 ids[] = { 0, 1, 0x0102030405060708ULL,
	    UINT64_MAX };
	struct frame		 f;
	uint64_t		 id;
	uint16_t		 code;
	uint8_t			 buf[32];
	size_t			 i, len;

	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		len = frame_encode_u64(buf, sizeof buf, MSG_STARTED, ids[i]);
		CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + 8);
		if (decode_whole(buf, len, &f) != 0)
			continue;
		CU_ASSERT_EQUAL(f.type, MSG_STARTED);
		CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
		CU_ASSERT_EQUAL(load64(f.payload), ids[i]);
		CU_ASSERT_EQUAL(frame_parse_u64(&f, &id), 0);
		CU_ASSERT_EQUAL(id, ids[i]);
	}
	/* frame_parse_u64 refuses a payload of the wrong size itself. */
	f.len = 7;
	CU_ASSERT_EQUAL(frame_parse_u64(&f, &id), -1);
}

/*
 * frame_size gives the bytes a frame takes from its length, and 4 for a
 * length over the limit, so that frame_decode of those bytes refuses it.
 */
static void
test_frame_size(void)
{
	static const struct {
		uint8_t	 hdr[4];
		size_t	 size;
	} cases[] = {
		{ { 0x00, 0x00, 0x00, 0x00 }, 4 },
		{ { 0x00, 0x00, 0x00, 0x01 }, 5 },
		{ { 0x00, 0x00, 0x01, 0x00 }, 260 },
		{ { 0x00, 0x01, 0x00, 0x01 },
		    FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD },
		{ { 0x00, 0x01, 0x00, 0x02 }, 4 },
		{ { 0x80, 0x00, 0x00, 0x01 }, 4 },
		{ { 0xff, 0xff, 0xff, 0xff }, 4 }
	};
	uint8_t	buf[32];
	size_t	i, len;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CU_ASSERT_EQUAL(frame_size(cases[i].hdr), cases[i].size);
	len = frame_encode_u64(buf, sizeof buf, MSG_STARTED, 7);
	CU_ASSERT_EQUAL(frame_size(buf), len);
}

/* Encode and decode STDOUT and STDERR frames, empty ones included. */
static void
test_frame_output_round_trip(void)
{
	static const uint8_t	 data[] = { 'o', 'u', 't', 0, 0xc3, 0x28,
	    '\r', '\n' };
	static const uint8_t	 types[] = { MSG_STDOUT, MSG_STDERR };
	struct frame		 f;
	uint16_t		 code;
	uint8_t			 buf[64];
	size_t			 i, len;

	for (i = 0; i < sizeof types; i++) {
		len = frame_encode(buf, sizeof buf, types[i], data,
		    sizeof data);
		CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + sizeof data);
		if (decode_whole(buf, len, &f) == 0) {
			CU_ASSERT_EQUAL(f.type, types[i]);
			CU_ASSERT_EQUAL(f.len, sizeof data);
			CU_ASSERT(memcmp(f.payload, data, sizeof data) == 0);
			CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL),
			    0);
		}
		len = frame_encode(buf, sizeof buf, types[i], NULL, 0);
		if (decode_whole(buf, len, &f) == 0) {
			CU_ASSERT_EQUAL(f.len, 0);
			CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL),
			    0);
		}
	}
}

/* Encode and decode an EXIT of every kind, with extreme values. */
static void
test_frame_exit_round_trip(void)
{
	struct frame		 f;
	struct frame_exit	 in, out;
	uint16_t		 code;
	uint8_t			 buf[64];
	size_t			 len;
	int			 kind, i;

	memset(&in, 0, sizeof in);
	for (kind = EXIT_EXITED; kind <= EXIT_FAILED; kind++) {
		in.kind = kind;
		in.code = kind == EXIT_EXITED ? 0 : -1 - kind;
		in.duration_us = kind == EXIT_FAILED ? UINT64_MAX :
		    1234567890123ULL * kind;
		in.audit_id = 0xfedcba9876543210ULL + kind;
		len = frame_encode_exit(buf, sizeof buf, &in);
		CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + EXIT_PAYLOAD_LEN);
		if (decode_whole(buf, len, &f) != 0)
			continue;
		CU_ASSERT_EQUAL(f.type, MSG_EXIT);
		CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
		memset(&out, 0, sizeof out);
		CU_ASSERT_EQUAL(frame_parse_exit(&f, &out), 0);
		CU_ASSERT_EQUAL(out.kind, in.kind);
		CU_ASSERT_EQUAL(out.code, in.code);
		CU_ASSERT_EQUAL(out.duration_us, in.duration_us);
		CU_ASSERT_EQUAL(out.audit_id, in.audit_id);
	}

	/* With the row hash: 53 bytes, and the hash comes back. */
	in.has_hash = 1;
	for (i = 0; i < EXIT_HASH_LEN; i++)
		in.hash[i] = (uint8_t)(0xa0 + i);
	len = frame_encode_exit(buf, sizeof buf, &in);
	CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + EXIT_PAYLOAD_HASH_LEN);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
		memset(&out, 0, sizeof out);
		CU_ASSERT_EQUAL(frame_parse_exit(&f, &out), 0);
		CU_ASSERT_EQUAL(out.has_hash, 1);
		CU_ASSERT(memcmp(out.hash, in.hash, EXIT_HASH_LEN) == 0);
		CU_ASSERT_EQUAL(out.audit_id, in.audit_id);
	}
	in.has_hash = 0;

	/* The extremes of the signed code. */
	in.kind = EXIT_EXITED;
	in.code = INT32_MIN;
	in.duration_us = 0;
	in.audit_id = 0;
	len = frame_encode_exit(buf, sizeof buf, &in);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(frame_parse_exit(&f, &out), 0);
		CU_ASSERT_EQUAL(out.code, INT32_MIN);
	}
	in.code = INT32_MAX;
	len = frame_encode_exit(buf, sizeof buf, &in);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(frame_parse_exit(&f, &out), 0);
		CU_ASSERT_EQUAL(out.code, INT32_MAX);
	}

	/* frame_parse_exit refuses a payload of the wrong size itself. */
	f.type = MSG_EXIT;
	f.payload = frame_zeroes;
	f.len = EXIT_PAYLOAD_LEN - 1;
	CU_ASSERT_EQUAL(frame_parse_exit(&f, &out), -1);
}

/* Encode and decode ERROR frames. */
static void
test_frame_error_round_trip(void)
{
	struct frame	f;
	uint16_t	code, ecode;
	uint8_t		buf[256];
	char		msg[128];
	size_t		len;

	len = frame_encode_error(buf, sizeof buf, ERR_BUSY,
	    "a command is already running: wait for its EXIT");
	CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + 2 + 47);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(f.type, MSG_ERROR);
		CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
		ecode = 0;
		CU_ASSERT_EQUAL(frame_parse_error(&f, &ecode, msg, sizeof msg),
		    0);
		CU_ASSERT_EQUAL(ecode, ERR_BUSY);
		CU_ASSERT_STRING_EQUAL(msg,
		    "a command is already running: wait for its EXIT");
	}

	/* An empty message, a largest code, and UTF-8 kept as it is. */
	len = frame_encode_error(buf, sizeof buf, UINT16_MAX, "");
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
		CU_ASSERT_EQUAL(frame_parse_error(&f, &ecode, msg, sizeof msg),
		    0);
		CU_ASSERT_EQUAL(ecode, UINT16_MAX);
		CU_ASSERT_STRING_EQUAL(msg, "");
	}
	len = frame_encode_error(buf, sizeof buf, ERR_AUDIT,
	    "d\xc3\xa9j\xc3\xa0 vu \xe2\x82\xac");
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(frame_parse_error(&f, &ecode, msg, sizeof msg),
		    0);
		CU_ASSERT_STRING_EQUAL(msg,
		    "d\xc3\xa9j\xc3\xa0 vu \xe2\x82\xac");
	}

	/* The message is cut to the caller's buffer; no buffer is an error. */
	len = frame_encode_error(buf, sizeof buf, ERR_LIMIT, "abcdefgh");
	if (decode_whole(buf, len, &f) == 0) {
		memset(msg, 'z', sizeof msg);
		CU_ASSERT_EQUAL(frame_parse_error(&f, &ecode, msg, 5), 0);
		CU_ASSERT_STRING_EQUAL(msg, "abcd");
		CU_ASSERT_EQUAL(msg[5], 'z');
		CU_ASSERT_EQUAL(frame_parse_error(&f, &ecode, msg, 1), 0);
		CU_ASSERT_STRING_EQUAL(msg, "");
		CU_ASSERT_EQUAL(frame_parse_error(&f, &ecode, msg, 0), -1);
	}
	f.type = MSG_ERROR;
	f.payload = frame_zeroes;
	f.len = 1;
	CU_ASSERT_EQUAL(frame_parse_error(&f, &ecode, msg, sizeof msg), -1);
}

/* A length of 0 cannot hold the type byte: it is malformed. */
static void
test_frame_length_zero(void)
{
	static const uint8_t	 zero[] = { 0, 0, 0, 0, MSG_STDIN_EOF };
	struct frame		 f;
	size_t			 used = 0;
	uint16_t		 code = 0;

	decode_fails(zero, sizeof zero, ERR_MALFORMED, NULL);
	/* The length alone is enough to refuse it. */
	decode_fails(zero, 4, ERR_MALFORMED, NULL);

	/* Fewer than 4 bytes are not yet a length. */
	CU_ASSERT_EQUAL(frame_decode(zero, 3, &f, &used, &code, NULL), 0);
	CU_ASSERT_EQUAL(frame_decode(zero, 0, &f, &used, &code, NULL), 0);
}

/* A length over 65,537 is refused as soon as the length is read. */
static void
test_frame_length_over_limit(void)
{
	static const uint8_t	 over[] = { 0x00, 0x01, 0x00, 0x02 };
	static const uint8_t	 huge[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t	 high[] = { 0x80, 0x00, 0x00, 0x01 };
	struct frame		 f;
	size_t			 used = 0;
	uint16_t		 code = 0;

	decode_fails(over, sizeof over, ERR_TOO_LARGE, "65538");
	decode_fails(huge, sizeof huge, ERR_TOO_LARGE, NULL);
	code = 0;
	CU_ASSERT_EQUAL(frame_decode(high, sizeof high, &f, &used, &code,
	    NULL), -1);
	CU_ASSERT_EQUAL(code, ERR_TOO_LARGE);
}

/* The largest payload, 65,536 bytes, is accepted; one byte more is not. */
static void
test_frame_max_payload(void)
{
	struct frame	 f;
	size_t		 len, used;
	uint16_t	 code;
	uint8_t		*buf, *data;
	char		*cause = NULL;

	buf = xmalloc(TEST_BUFSIZE);
	data = xmalloc(FRAME_MAX_PAYLOAD + 1);
	memset(data, 0x5a, FRAME_MAX_PAYLOAD + 1);

	len = frame_encode(buf, TEST_BUFSIZE, MSG_STDOUT, data,
	    FRAME_MAX_PAYLOAD);
	CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD);
	CU_ASSERT(memcmp(buf, "\x00\x01\x00\x01", 4) == 0);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(f.len, FRAME_MAX_PAYLOAD);
		CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
		CU_ASSERT(memcmp(f.payload, data, FRAME_MAX_PAYLOAD) == 0);
	}
	len = frame_encode(buf, TEST_BUFSIZE, MSG_STDIN, data,
	    FRAME_MAX_PAYLOAD);
	if (decode_whole(buf, len, &f) == 0)
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);

	/* The encoder will not build it, and the decoder refuses it. */
	CU_ASSERT_EQUAL(frame_encode(buf, TEST_BUFSIZE, MSG_STDOUT, data,
	    FRAME_MAX_PAYLOAD + 1), 0);
	frame_header(buf, MSG_STDOUT, FRAME_MAX_PAYLOAD + 1);
	memcpy(buf + FRAME_HEADER_LEN, data, FRAME_MAX_PAYLOAD + 1);
	code = 0;
	CU_ASSERT_EQUAL(frame_decode(buf, FRAME_HEADER_LEN +
	    FRAME_MAX_PAYLOAD + 1, &f, &used, &code, &cause), -1);
	CU_ASSERT_EQUAL(code, ERR_TOO_LARGE);
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);

	free(data);
	free(buf);
}

/* Types a client may not send are refused as unknown. */
static void
test_frame_unknown_client_type(void)
{
	static const uint8_t	types[] = { 0x00, 0x08, 0x7f, 0x80,
	    MSG_SERVER_HELLO, MSG_STARTED, MSG_STDOUT, MSG_STDERR, MSG_EXIT,
	    MSG_ERROR, 0x87, 0xff };
	size_t			i;

	for (i = 0; i < sizeof types; i++)
		client_fails(types[i], frame_zeroes, 8, ERR_UNKNOWN_TYPE);
}

/* Types a server may not send are refused as unknown. */
static void
test_frame_unknown_server_type(void)
{
	static const uint8_t	types[] = { 0x00, MSG_HELLO, MSG_EXEC,
	    MSG_STDIN, MSG_STDIN_EOF, MSG_SIGNAL, 0x06, 0x80, 0x87, 0xff };
	size_t			i;

	for (i = 0; i < sizeof types; i++)
		server_fails(types[i], frame_zeroes, 8, ERR_UNKNOWN_TYPE);
}

/* Each client type has a payload size, checked at both edges. */
static void
test_frame_client_sizes(void)
{
	struct frame	f;
	uint16_t	code;
	uint8_t		hello[8 + HELLO_MAX_NAME + 1], sig;

	sig = PROTO_SIGTERM;
	memset(hello, 'h', sizeof hello);
	memcpy(hello, "RCMD\x00\x01\x00\x00", 8);
	client_fails(MSG_HELLO, hello, 0, ERR_MALFORMED);
	client_fails(MSG_HELLO, hello, 7, ERR_MALFORMED);
	/* A RUN is checked by its codec: its header, then whole fields. */
	client_fails(MSG_RUN, frame_zeroes, RUN_HEADER_LEN - 1, ERR_MALFORMED);
	client_fails(MSG_RUN, frame_zeroes, RUN_HEADER_LEN + 2, ERR_MALFORMED);
	client_fails(MSG_HELLO, hello, sizeof hello, ERR_MALFORMED);
	client_fails(MSG_EXEC, frame_zeroes, 0, ERR_MALFORMED);
	client_fails(MSG_EXEC, frame_zeroes, 4, ERR_MALFORMED);
	client_fails(MSG_EXEC, frame_zeroes, 7, ERR_MALFORMED);
	client_fails(MSG_STDIN, frame_zeroes, 0, ERR_MALFORMED);
	client_fails(MSG_STDIN_EOF, frame_zeroes, 1, ERR_MALFORMED);
	client_fails(MSG_SIGNAL, &sig, 0, ERR_MALFORMED);
	client_fails(MSG_SIGNAL, "\x0f\x0f", 2, ERR_MALFORMED);

	/* The edges that are allowed. */
	f.type = MSG_HELLO;
	f.payload = hello;
	f.len = 8;
	CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
	f.len = sizeof hello - 1;
	CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
	f.type = MSG_STDIN;
	f.len = 1;
	CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
	f.type = MSG_SIGNAL;
	f.payload = &sig;
	CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
}

/* Each server type has a payload size, checked at both edges. */
static void
test_frame_server_sizes(void)
{
	struct frame	f;
	uint16_t	code;

	server_fails(MSG_SERVER_HELLO, "RCMD\x00\x01\x00", 7, ERR_MALFORMED);
	server_fails(MSG_SERVER_HELLO, frame_zeroes, 0, ERR_MALFORMED);
	server_fails(MSG_STARTED, frame_zeroes, 0, ERR_MALFORMED);
	server_fails(MSG_STARTED, frame_zeroes, 7, ERR_MALFORMED);
	server_fails(MSG_STARTED, frame_zeroes, 9, ERR_MALFORMED);
	server_fails(MSG_EXIT, frame_zeroes, 0, ERR_MALFORMED);
	server_fails(MSG_EXIT, frame_zeroes, EXIT_PAYLOAD_LEN - 1,
	    ERR_MALFORMED);
	server_fails(MSG_EXIT, frame_zeroes, EXIT_PAYLOAD_LEN + 1,
	    ERR_MALFORMED);
	server_fails(MSG_ERROR, frame_zeroes, 0, ERR_MALFORMED);
	server_fails(MSG_ERROR, frame_zeroes, 1, ERR_MALFORMED);

	f.type = MSG_ERROR;
	f.payload = frame_zeroes;
	f.len = 2;
	CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
	f.type = MSG_EXIT;
	f.len = EXIT_PAYLOAD_LEN;
	CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
}

/* SIGNAL carries only 1, 2, 3, 9 or 15. */
static void
test_frame_bad_signal(void)
{
	static const uint8_t	bad[] = { 0, 4, 5, 6, 8, 10, 14, 16, 17, 19,
	    128, 255 };
	size_t			i;

	for (i = 0; i < sizeof bad; i++)
		client_fails(MSG_SIGNAL, &bad[i], 1, ERR_MALFORMED);
}

/* A HELLO that does not start with "RCMD" is refused with a reason. */
static void
test_frame_hello_bad_magic(void)
{
	static const char	*bad[] = { "RCMX\x00\x01\x00\x00name",
	    "rcmd\x00\x01\x00\x00name", "\x00RCM\x00\x01\x00\x00name",
	    "HTTP/1.1 200" };
	struct frame		 f;
	struct frame_hello	 h;
	uint16_t		 code;
	char			*cause;
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f.type = MSG_HELLO;
		f.payload = (const uint8_t *)bad[i];
		f.len = 12;
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
		cause = NULL;
		CU_ASSERT_EQUAL(frame_parse_hello(&f, &h, &cause), -1);
		CU_ASSERT_PTR_NOT_NULL(cause);
		if (cause != NULL)
			CU_ASSERT_PTR_NOT_NULL(strstr(cause, "RCMD"));
		free(cause);
		CU_ASSERT_EQUAL(frame_parse_hello(&f, &h, NULL), -1);
	}

	/* A payload too short for magic, version and flags is refused too. */
	f.payload = (const uint8_t *)"RCMD\x00\x01";
	f.len = 6;
	cause = NULL;
	CU_ASSERT_EQUAL(frame_parse_hello(&f, &h, &cause), -1);
	free(cause);
}

/* frame_parse_exec refuses a NUL and names its offset. */
static void
test_frame_exec_nul(void)
{
	static const struct {
		const char	*cmd;
		size_t		 len;
		const char	*offset;
	} cases[] = {
		{ "ls\0-l", 5, "offset 2" },
		{ "\0ls", 3, "offset 0" },
		{ "echo hi\0", 8, "offset 7" },
		{ "a\0b\0c", 5, "offset 1" },
	};
	struct frame		 f;
	struct frame_exec	 e;
	uint16_t		 code;
	uint8_t			 buf[64];
	char			*cause;
	size_t			 i, len;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = frame_encode_exec(buf, sizeof buf, 0, cases[i].cmd,
		    cases[i].len);
		if (decode_whole(buf, len, &f) != 0)
			continue;
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
		cause = NULL;
		CU_ASSERT_EQUAL(frame_parse_exec(&f, &e, &cause), -1);
		CU_ASSERT_PTR_NOT_NULL(cause);
		if (cause != NULL) {
			CU_ASSERT_PTR_NOT_NULL(strstr(cause, "NUL"));
			CU_ASSERT_PTR_NOT_NULL(strstr(cause,
			    cases[i].offset));
		}
		free(cause);
		CU_ASSERT_EQUAL(frame_parse_exec(&f, &e, NULL), -1);
	}
}

/* An EXEC with timeout and flags but no command is refused. */
static void
test_frame_exec_empty(void)
{
	struct frame	 f;
	uint16_t	 code = 0;
	uint8_t		 buf[32];
	char		*cause = NULL;
	size_t		 len;

	len = frame_encode_exec(buf, sizeof buf, 1000, "", 0);
	CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + EXEC_HEADER_LEN);
	if (decode_whole(buf, len, &f) != 0)
		return;
	CU_ASSERT_EQUAL(f.len, EXEC_HEADER_LEN);
	CU_ASSERT_EQUAL(frame_check_client(&f, &code, &cause), -1);
	CU_ASSERT(code == ERR_MALFORMED || code == ERR_BAD_COMMAND);
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);
}

/* An EXIT whose kind is past EXIT_FAILED is refused. */
static void
test_frame_exit_bad_kind(void)
{
	struct frame_exit	x;
	uint8_t			buf[64];
	int			kind;

	memset(&x, 0, sizeof x);
	for (kind = EXIT_FAILED + 1; kind <= 255; kind += 25) {
		x.kind = kind;
		CU_ASSERT_EQUAL(frame_encode_exit(buf, sizeof buf, &x),
		    FRAME_HEADER_LEN + EXIT_PAYLOAD_LEN);
		server_fails(MSG_EXIT, buf + FRAME_HEADER_LEN,
		    EXIT_PAYLOAD_LEN, ERR_MALFORMED);
	}
}

/* Decoding a frame that arrives byte by byte waits until it is whole. */
static void
test_frame_split(void)
{
	struct frame		 f;
	struct frame_exec	 e;
	size_t			 i, len, used;
	uint16_t		 code;
	uint8_t			 buf[128], *in;
	char			*cause = NULL;

	len = frame_encode_exec(buf, sizeof buf, 42, "uname -a", 8);
	CU_ASSERT_FATAL(len != 0);

	/* Each read is copied into a buffer of its own size for valgrind. */
	for (i = 0; i < len; i++) {
		in = xmalloc(i + 1);
		memcpy(in, buf, i);
		used = 12345;
		CU_ASSERT_EQUAL(frame_decode(in, i, &f, &used, &code, &cause),
		    0);
		CU_ASSERT_EQUAL(used, 12345);
		CU_ASSERT_PTR_NULL(cause);
		free(in);
	}
	in = xmalloc(len);
	memcpy(in, buf, len);
	CU_ASSERT_EQUAL(frame_decode(in, len, &f, &used, &code, &cause), 1);
	CU_ASSERT_EQUAL(used, len);
	CU_ASSERT_EQUAL(f.type, MSG_EXEC);
	CU_ASSERT_EQUAL(frame_parse_exec(&f, &e, NULL), 0);
	CU_ASSERT_EQUAL(e.timeout_ms, 42);
	CU_ASSERT_EQUAL(e.command_len, 8);
	CU_ASSERT(memcmp(e.command, "uname -a", 8) == 0);
	free(in);
}

/* Frames packed in one buffer decode in order, each with its size. */
static void
test_frame_many(void)
{
	static const uint8_t	 types[] = { MSG_HELLO, MSG_EXEC, MSG_STDIN,
	    MSG_STDIN, MSG_STDIN_EOF, MSG_SIGNAL, MSG_EXEC };
	struct frame		 f;
	size_t			 sizes[sizeof types], off, len, used, n;
	uint16_t		 code;
	uint8_t			 buf[512], sig = PROTO_SIGINT;
	char			*cause = NULL;

	off = 0;
	sizes[0] = frame_encode_hello(buf, sizeof buf, MSG_HELLO, "many");
	off += sizes[0];
	sizes[1] = frame_encode_exec(buf + off, sizeof buf - off, 5, "cat",
	    3);
	off += sizes[1];
	sizes[2] = frame_encode(buf + off, sizeof buf - off, MSG_STDIN,
	    "line one\n", 9);
	off += sizes[2];
	sizes[3] = frame_encode(buf + off, sizeof buf - off, MSG_STDIN, "2",
	    1);
	off += sizes[3];
	sizes[4] = frame_encode(buf + off, sizeof buf - off, MSG_STDIN_EOF,
	    NULL, 0);
	off += sizes[4];
	sizes[5] = frame_encode(buf + off, sizeof buf - off, MSG_SIGNAL, &sig,
	    1);
	off += sizes[5];
	sizes[6] = frame_encode_exec(buf + off, sizeof buf - off, 0, "true",
	    4);
	off += sizes[6];
	len = off;

	/* And the first three bytes of one more frame. */
	frame_encode(buf + len, sizeof buf - len, MSG_STDIN, "tail", 4);
	len += 3;

	off = 0;
	for (n = 0; n < sizeof types; n++) {
		CU_ASSERT_EQUAL_FATAL(frame_decode(buf + off, len - off, &f,
		    &used, &code, &cause), 1);
		CU_ASSERT_EQUAL(f.type, types[n]);
		CU_ASSERT_EQUAL(used, sizes[n]);
		CU_ASSERT_EQUAL(f.len, sizes[n] - FRAME_HEADER_LEN);
		CU_ASSERT_PTR_EQUAL(f.payload, buf + off + FRAME_HEADER_LEN);
		CU_ASSERT_EQUAL(frame_check_client(&f, &code, NULL), 0);
		off += used;
	}
	CU_ASSERT_EQUAL(len - off, 3);
	CU_ASSERT_EQUAL(frame_decode(buf + off, len - off, &f, &used, &code,
	    &cause), 0);
	CU_ASSERT_PTR_NULL(cause);
}

/* Every encoder returns 0 when the buffer or the payload is wrong. */
static void
test_frame_encode_limits(void)
{
	struct frame_exit	 x;
	struct frame		 f;
	uint16_t		 code;
	uint8_t			*buf;
	char			*msg, out[16];
	size_t			 len;

	buf = xmalloc(TEST_BUFSIZE);
	memset(&x, 0, sizeof x);

	CU_ASSERT_EQUAL(frame_encode(buf, 4, MSG_STDIN_EOF, NULL, 0), 0);
	CU_ASSERT_EQUAL(frame_encode(buf, 5, MSG_STDIN_EOF, NULL, 0), 5);
	CU_ASSERT_EQUAL(frame_encode(buf, 9, MSG_STDIN, "hello", 5), 0);
	CU_ASSERT_EQUAL(frame_encode(buf, 10, MSG_STDIN, "hello", 5), 10);
	CU_ASSERT_EQUAL(frame_encode_hello(buf, 14, MSG_HELLO, "ab"), 0);
	CU_ASSERT_EQUAL(frame_encode_hello(buf, 14, MSG_HELLO, "a"), 14);
	CU_ASSERT_EQUAL(frame_encode_exec(buf, 14, 0, "ab", 2), 0);
	CU_ASSERT_EQUAL(frame_encode_exec(buf, 14, 0, "a", 1), 14);
	CU_ASSERT_EQUAL(frame_encode_exit(buf, FRAME_HEADER_LEN +
	    EXIT_PAYLOAD_LEN - 1, &x), 0);
	CU_ASSERT_EQUAL(frame_encode_u64(buf, 12, MSG_STARTED, 1), 0);
	CU_ASSERT_EQUAL(frame_encode_error(buf, 9, ERR_BUSY, "abc"), 0);
	CU_ASSERT_EQUAL(frame_encode_error(buf, 10, ERR_BUSY, "abc"), 10);

	/* A command longer than 65,528 bytes does not fit in one frame. */
	msg = xmalloc(FRAME_MAX_PAYLOAD + 10);
	memset(msg, 'c', FRAME_MAX_PAYLOAD + 9);
	msg[FRAME_MAX_PAYLOAD + 9] = '\0';
	CU_ASSERT_EQUAL(frame_encode_exec(buf, TEST_BUFSIZE, 0, msg,
	    EXEC_MAX_COMMAND + 1), 0);

	/* A long ERROR message is cut to fit one frame. */
	len = frame_encode_error(buf, TEST_BUFSIZE, ERR_MALFORMED, msg);
	CU_ASSERT_EQUAL(len, FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD);
	if (decode_whole(buf, len, &f) == 0) {
		CU_ASSERT_EQUAL(frame_check_server(&f, &code, NULL), 0);
		CU_ASSERT_EQUAL(frame_parse_error(&f, &code, out, sizeof out),
		    0);
		CU_ASSERT_EQUAL(code, ERR_MALFORMED);
		CU_ASSERT_EQUAL(strlen(out), sizeof out - 1);
	}
	free(msg);
	free(buf);
}

/*
 * frame_parse_error replaces C0 control characters and DEL, so a peer
 * cannot send escape sequences to the terminal that shows the message.
 */
static void
test_frame_error_controls(void)
{
	static const char	 in[] = "bad\x1b[2J\x1b]0;owned\x07 \r\n\t"
	    "\x7f\x01" "end";
	struct frame		 f;
	uint16_t		 code;
	uint8_t			 buf[128];
	char			 msg[128];
	size_t			 len;

	len = frame_encode_error(buf, sizeof buf, ERR_MALFORMED, in);
	if (decode_whole(buf, len, &f) != 0)
		return;
	CU_ASSERT_EQUAL(frame_parse_error(&f, &code, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(code, ERR_MALFORMED);
	CU_ASSERT_STRING_EQUAL(msg, "bad?[2J?]0;owned? ?????end");

	/* A NUL in the message does not cut it short. */
	memcpy(buf, "\x00\x09" "ab\0cd", 7);
	f.type = MSG_ERROR;
	f.payload = buf;
	f.len = 7;
	CU_ASSERT_EQUAL(frame_parse_error(&f, &code, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(code, ERR_AUDIT);
	CU_ASSERT_STRING_EQUAL(msg, "ab?cd");
}

/*
 * frame_parse_error also replaces C1 controls, whether as bare bytes
 * (0x9b is CSI to an 8-bit terminal) or encoded in UTF-8 (U+009B), and
 * keeps printable UTF-8.
 */
static void
test_frame_error_c1_controls(void)
{
	struct frame	 f;
	uint16_t	 code;
	uint8_t		 buf[64];
	char		 msg[64];

	memcpy(buf, "\x00\x01" "a\x9b" "2Jb", 7);
	f.type = MSG_ERROR;
	f.payload = buf;
	f.len = 7;
	CU_ASSERT_EQUAL(frame_parse_error(&f, &code, msg, sizeof msg), 0);
	CU_ASSERT_PTR_NULL(strchr(msg, '\x9b'));
	CU_ASSERT(strncmp(msg, "a", 1) == 0);

	memcpy(buf, "\x00\x01" "a\xc2\x9b" "2Jb", 8);
	f.len = 8;
	CU_ASSERT_EQUAL(frame_parse_error(&f, &code, msg, sizeof msg), 0);
	CU_ASSERT_PTR_NULL(strstr(msg, "\xc2\x9b"));
	CU_ASSERT_PTR_NULL(strchr(msg, '\x9b'));

	memcpy(buf, "\x00\x01" "caf\xc3\xa9", 7);
	f.len = 7;
	CU_ASSERT_EQUAL(frame_parse_error(&f, &code, msg, sizeof msg), 0);
	CU_ASSERT_STRING_EQUAL(msg, "caf\xc3\xa9");
}

/* Protocol signal numbers map to local signals and back. */
static void
test_frame_signal_mapping(void)
{
	static const uint8_t	proto[] = { PROTO_SIGHUP, PROTO_SIGINT,
	    PROTO_SIGQUIT, PROTO_SIGKILL, PROTO_SIGTERM };
	static const int	local[] = { SIGHUP, SIGINT, SIGQUIT, SIGKILL,
	    SIGTERM };
	static const uint8_t	badproto[] = { 0, 4, 5, 6, 7, 8, 10, 11, 12,
	    13, 14, 16, 31, 64, 255 };
	static const int	badlocal[] = { 0, -1, SIGUSR1, SIGUSR2,
	    SIGPIPE, SIGALRM, SIGCHLD, SIGSTOP, SIGSEGV, 1000 };
	size_t			i;

	CU_ASSERT_EQUAL(PROTO_SIGHUP, 1);
	CU_ASSERT_EQUAL(PROTO_SIGINT, 2);
	CU_ASSERT_EQUAL(PROTO_SIGQUIT, 3);
	CU_ASSERT_EQUAL(PROTO_SIGKILL, 9);
	CU_ASSERT_EQUAL(PROTO_SIGTERM, 15);
	for (i = 0; i < sizeof proto; i++) {
		CU_ASSERT_EQUAL(frame_proto_to_signal(proto[i]), local[i]);
		CU_ASSERT_EQUAL(frame_signal_to_proto(local[i]), proto[i]);
		CU_ASSERT_EQUAL(frame_signal_to_proto(frame_proto_to_signal(
		    proto[i])), proto[i]);
	}
	for (i = 0; i < sizeof badproto; i++)
		CU_ASSERT_EQUAL(frame_proto_to_signal(badproto[i]), -1);
	for (i = 0; i < sizeof badlocal / sizeof badlocal[0]; i++)
		CU_ASSERT_EQUAL(frame_signal_to_proto(badlocal[i]), 0);
}

/* Only busy, bad command and audit failure leave the connection open. */
static void
test_frame_error_is_fatal(void)
{
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_MALFORMED), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_TOO_LARGE), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_UNKNOWN_TYPE), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_OUT_OF_ORDER), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_VERSION), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_BUSY), 0);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_BAD_COMMAND), 0);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_TIMEOUT), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_AUDIT), 0);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_SHUTDOWN), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_LIMIT), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_DENIED), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(ERR_UNSUPPORTED), 0);

	/* A code this side does not know is taken as fatal. */
	CU_ASSERT_EQUAL(frame_error_is_fatal(0), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(12), 1);
	CU_ASSERT_EQUAL(frame_error_is_fatal(UINT16_MAX), 1);
}

/* Every message type has a name for the logs. */
static void
test_frame_type_names(void)
{
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_HELLO), "HELLO");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_EXEC), "EXEC");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_STDIN), "STDIN");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_STDIN_EOF), "STDIN_EOF");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_SIGNAL), "SIGNAL");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_RUN), "RUN");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_SERVER_HELLO),
	    "server HELLO");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_STARTED), "STARTED");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_STDOUT), "STDOUT");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_STDERR), "STDERR");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_EXIT), "EXIT");
	CU_ASSERT_STRING_EQUAL(frame_type_name(MSG_ERROR), "ERROR");
	CU_ASSERT_STRING_EQUAL(frame_type_name(0), "unknown");
	CU_ASSERT_STRING_EQUAL(frame_type_name(0xff), "unknown");
}

/* Run the suite; exit non-zero if any test failed. */
int
main(void)
{
	return (unit_run("test_frame", "frame", frame_tests));
}
