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
#include <sys/socket.h>
#include <sys/wait.h>

#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rcmdd.h"
#include "unit.h"
#include "xmalloc.h"

/*
 * Unit tests of daemon/privsep_msg.c and the decoding in
 * daemon/privsep_cmd.c, over real socketpairs: messages and descriptors
 * arrive whole; truncated, oversized, short, inconsistent and
 * over-furnished datagrams are refused with a cause and leave no
 * descriptor open; the network side refuses malformed replies.
 */

static int	count_fds(void);
static void	raw_header(uint8_t *, uint32_t, uint32_t);
static void	raw_send(int, const void *, size_t, const int *, u_int);
static void	expect_bad(int, size_t, const char *);
static void	test_msg_round_trip(void);
static void	test_msg_eof_again(void);
static void	test_msg_oversize(void);
static void	test_msg_short(void);
static void	test_msg_extra_fds(void);
static void	test_msg_check(void);
static void	test_msg_masks(void);
static void	test_cmd_bad_replies(void);

static CU_TestInfo privsep_tests[] = {
	{ "a message and 3 descriptors arrive whole, close-on-exec",
	    test_msg_round_trip },
	{ "end of file and nothing waiting", test_msg_eof_again },
	{ "oversized messages are refused, the next one is read",
	    test_msg_oversize },
	{ "short and inconsistent headers are refused", test_msg_short },
	{ "too many descriptors: refused, all closed", test_msg_extra_fds },
	{ "privsep_msg_check and privsep_text", test_msg_check },
	{ "what record fields each message carries", test_msg_masks },
	{ "the network side refuses malformed replies",
	    test_cmd_bad_replies },
	CU_TEST_INFO_NULL
};

/* Count this process's open descriptors. */
static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return (n - 1);
}

/* Write a message header as privsep_msg.c does: type and length. */
static void
raw_header(uint8_t *buf, uint32_t type, uint32_t len)
{
	memcpy(buf, &type, 4);
	memcpy(buf + 4, &len, 4);
}

/* Send one datagram of raw bytes and descriptors, header and all. */
static void
raw_send(int fd, const void *data, size_t len, const int *fds, u_int nfds)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	char		 cbuf[CMSG_SPACE(8 * sizeof(int))];

	memset(&msg, 0, sizeof msg);
	memset(cbuf, 0, sizeof cbuf);
	iov.iov_base = (void *)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nfds != 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	CU_ASSERT((size_t)sendmsg(fd, &msg, 0) == len);
}

/* The next message on fd is refused with a cause holding what. */
static void
expect_bad(int fd, size_t max, const char *what)
{
	struct privsep_msg	 m;
	char			*cause = NULL;

	CU_ASSERT_EQUAL(privsep_recv(fd, max, &m, MSG_DONTWAIT, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	if (cause != NULL && strstr(cause, what) == NULL) {
		fprintf(stderr, "cause \"%s\" lacks \"%s\"\n", cause, what);
		CU_FAIL("the cause does not say what was wrong");
	}
	CU_ASSERT_EQUAL(m.nfd, 0);
	CU_ASSERT_PTR_NULL(m.data);
	free(cause);
}

/* Payload and descriptors arrive as sent, close-on-exec. */
static void
test_msg_round_trip(void)
{
	struct privsep_msg	 m;
	int			 sv[2], p[3][2], fds[3], i, before;
	char			*cause = NULL, c;

	before = count_fds();
	CU_ASSERT_EQUAL(privsep_socketpair(sv, &cause), 0);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(pipe(p[i]), 0);
		fds[i] = p[i][1];
	}
	CU_ASSERT_EQUAL(privsep_send(sv[0], 77, "hello", 5, fds, 3, 0,
	    &cause), 0);
	for (i = 0; i < 3; i++)
		close(p[i][1]);
	CU_ASSERT_EQUAL(privsep_recv(sv[1], 64, &m, 0, &cause), 1);
	CU_ASSERT_EQUAL(m.type, 77);
	CU_ASSERT_EQUAL(m.len, 5);
	CU_ASSERT(memcmp(m.data, "hello", 5) == 0);
	CU_ASSERT_EQUAL(m.nfd, 3);
	for (i = 0; i < 3 && m.nfd == 3; i++) {
		CU_ASSERT(fcntl(m.fd[i], F_GETFD) & FD_CLOEXEC);
		c = (char)('a' + i);
		CU_ASSERT_EQUAL(write(m.fd[i], &c, 1), 1);
		CU_ASSERT_EQUAL(read(p[i][0], &c, 1), 1);
		CU_ASSERT_EQUAL(c, 'a' + i);
	}
	/* An empty message is a message, not the end. */
	CU_ASSERT_EQUAL(privsep_send(sv[0], 78, NULL, 0, NULL, 0, 0,
	    &cause), 0);
	privsep_msg_clear(&m);
	CU_ASSERT_EQUAL(privsep_recv(sv[1], 64, &m, 0, &cause), 1);
	CU_ASSERT_EQUAL(m.type, 78);
	CU_ASSERT_EQUAL(m.len, 0);
	privsep_msg_clear(&m);
	for (i = 0; i < 3; i++)
		close(p[i][0]);
	close(sv[0]);
	close(sv[1]);
	CU_ASSERT_EQUAL(count_fds(), before);
	CU_ASSERT_PTR_NULL(cause);
}

/* End of file reads 0; nothing waiting is EAGAIN with no cause. */
static void
test_msg_eof_again(void)
{
	struct privsep_msg	 m;
	int			 sv[2];
	char			*cause = NULL;

	CU_ASSERT_EQUAL(privsep_socketpair(sv, &cause), 0);
	CU_ASSERT_EQUAL(privsep_recv(sv[1], 64, &m, MSG_DONTWAIT, &cause),
	    -1);
	CU_ASSERT_EQUAL(errno, EAGAIN);
	CU_ASSERT_PTR_NULL(cause);
	close(sv[0]);
	CU_ASSERT_EQUAL(privsep_recv(sv[1], 64, &m, 0, &cause), 0);
	close(sv[1]);
}

/* Longer than allowed: refused, and the channel goes on. */
static void
test_msg_oversize(void)
{
	struct privsep_msg	 m;
	uint8_t			*big;
	int			 sv[2];
	char			*cause = NULL;

	CU_ASSERT_EQUAL(privsep_socketpair(sv, &cause), 0);
	big = xcalloc(1, PRIVSEP_MSG_MAX + 1);
	CU_ASSERT_EQUAL(privsep_send(sv[0], 1, big, PRIVSEP_MSG_MAX + 1,
	    NULL, 0, 0, &cause), -1);
	CU_ASSERT_EQUAL(errno, EMSGSIZE);
	free(cause);
	cause = NULL;
	CU_ASSERT_EQUAL(privsep_send(sv[0], 1, big, 100, NULL, 0, 0,
	    &cause), 0);
	expect_bad(sv[1], 99, "longer than");
	CU_ASSERT_EQUAL(privsep_send(sv[0], 2, big, 99, NULL, 0, 0,
	    &cause), 0);
	CU_ASSERT_EQUAL(privsep_recv(sv[1], 99, &m, 0, &cause), 1);
	CU_ASSERT_EQUAL(m.type, 2);
	CU_ASSERT_EQUAL(m.len, 99);
	privsep_msg_clear(&m);
	free(big);
	close(sv[0]);
	close(sv[1]);
}

/* A datagram shorter than a header, or whose header lies, is refused. */
static void
test_msg_short(void)
{
	uint8_t		 buf[16];
	int		 sv[2], p[2], before;
	char		*cause = NULL;

	before = count_fds();
	CU_ASSERT_EQUAL(privsep_socketpair(sv, &cause), 0);
	memset(buf, 0, sizeof buf);
	raw_send(sv[0], buf, 5, NULL, 0);
	expect_bad(sv[1], 64, "shorter than its header");
	raw_header(buf, 1, 10);
	CU_ASSERT_EQUAL(pipe(p), 0);
	/* It brings descriptors: they are closed with it. */
	raw_send(sv[0], buf, 11, p, 2);
	close(p[0]);
	close(p[1]);
	expect_bad(sv[1], 64, "says 10 bytes and has 3");
	close(sv[0]);
	close(sv[1]);
	CU_ASSERT_EQUAL(count_fds(), before);
}

/* More descriptors than a message may carry: refused, none left open. */
static void
test_msg_extra_fds(void)
{
	uint8_t		 buf[8];
	int		 sv[2], p[2][2], fds[4], before;
	char		*cause = NULL;

	before = count_fds();
	CU_ASSERT_EQUAL(privsep_socketpair(sv, &cause), 0);
	CU_ASSERT_EQUAL(pipe(p[0]), 0);
	CU_ASSERT_EQUAL(pipe(p[1]), 0);
	fds[0] = p[0][0];
	fds[1] = p[0][1];
	fds[2] = p[1][0];
	fds[3] = p[1][1];
	raw_header(buf, 1, 0);
	raw_send(sv[0], buf, sizeof buf, fds, 4);
	close(p[0][0]);
	close(p[0][1]);
	close(p[1][0]);
	close(p[1][1]);
	expect_bad(sv[1], 64, "more than 3 descriptors");
	close(sv[0]);
	close(sv[1]);
	CU_ASSERT_EQUAL(count_fds(), before);
}

/* The checks a decoder makes on a message, and on its text. */
static void
test_msg_check(void)
{
	struct privsep_msg	 m;
	char			*cause = NULL, *s;

	memset(&m, 0, sizeof m);
	m.type = PRIVSEP_EXITED;
	m.len = 4;
	CU_ASSERT_EQUAL(privsep_msg_check(&m, 0, 4, 4, &cause), 0);
	CU_ASSERT_EQUAL(privsep_msg_check(&m, 1, 4, 4, &cause), -1);
	CU_ASSERT_PTR_NOT_NULL(cause);
	free(cause);
	cause = NULL;
	CU_ASSERT_EQUAL(privsep_msg_check(&m, 0, 5, 8, &cause), -1);
	free(cause);
	CU_ASSERT_EQUAL(privsep_msg_take_fd(&m, 0), -1);

	s = privsep_text((const uint8_t *)"abc", 3);
	CU_ASSERT_STRING_EQUAL(s, "abc");
	free(s);
	CU_ASSERT_PTR_NULL(privsep_text((const uint8_t *)"a\0c", 3));
	s = xcalloc(1, PRIVSEP_TEXT_MAX + 1);
	memset(s, 'x', PRIVSEP_TEXT_MAX + 1);
	CU_ASSERT_PTR_NULL(privsep_text((const uint8_t *)s,
	    PRIVSEP_TEXT_MAX + 1));
	free(s);
}

/* EXEC carries the start fields, FINISH the end fields but output. */
static void
test_msg_masks(void)
{
	uint64_t	out = (uint64_t)1 << RECORD_F_OUTPUT;

	/* Not what the privileged part decides or renders itself. */
	CU_ASSERT_EQUAL(privsep_mask(PRIVSEP_EXEC),
	    record_mask(RECORD_AT_START) &
	    ~((uint64_t)1 << RECORD_F_RUN_AS) &
	    ~((uint64_t)1 << RECORD_F_MODE) &
	    ~((uint64_t)1 << RECORD_F_ARGV) &
	    ~((uint64_t)1 << RECORD_F_RULE));
	CU_ASSERT_EQUAL(privsep_mask(PRIVSEP_FINISH) & out, 0);
	CU_ASSERT_EQUAL(privsep_mask(PRIVSEP_FINISH) | out,
	    record_mask(RECORD_AT_END));
	CU_ASSERT_EQUAL(privsep_mask(PRIVSEP_DENY) &
	    ((uint64_t)1 << RECORD_F_CLIENT_NAME), 0);
	CU_ASSERT_EQUAL(privsep_mask(PRIVSEP_DENY) &
	    ((uint64_t)1 << RECORD_F_COMMAND), 0);
	CU_ASSERT_EQUAL(privsep_mask(999), 0);
}

/*
 * A fake privileged side answers EXEC with a STARTED that lacks its
 * descriptors, then EXITED of the wrong size: the network side refuses
 * both and leaves no descriptor open.
 */
static void
test_cmd_bad_replies(void)
{
	struct privsep_cmd	*cmd, *c2;
	struct privsep_msg	 m;
	struct record_peer	 peer;
	struct cmd_record	*rec;
	uint8_t			 started[16 + RECORD_HASH_LEN];
	int			 sv[2], before, kind, ctl;
	pid_t			 pid;
	char			*cause = NULL;

	before = count_fds();
	memset(&peer, 0, sizeof peer);
	strlcpy(peer.client_addr, "127.0.0.1", sizeof peer.client_addr);
	peer.client_port = 1234;
	rec = record_new(&peer, "true", 4);
	CU_ASSERT_EQUAL(privsep_socketpair(sv, &cause), 0);
	memset(started, 0, sizeof started);
	switch (pid = fork()) {
	case -1:
		CU_FAIL("fork");
		return;
	case 0:
		/* The fake: one good-looking but fd-less STARTED. */
		close(sv[0]);
		if (privsep_recv(sv[1], PRIVSEP_MSG_MAX, &m, 0, &cause) != 1)
			_exit(1);
		ctl = privsep_msg_take_fd(&m, 0);
		privsep_send(ctl, PRIVSEP_STARTED, started, sizeof started,
		    NULL, 0, 0, &cause);
		privsep_msg_clear(&m);
		close(ctl);
		if (privsep_recv(sv[1], PRIVSEP_MSG_MAX, &m, 0, &cause) != 1)
			_exit(1);
		ctl = privsep_msg_take_fd(&m, 0);
		privsep_send(ctl, PRIVSEP_STARTED, started, sizeof started,
		    &ctl, 1, 0, &cause);
		privsep_send(ctl, PRIVSEP_STARTED, started, sizeof started,
		    NULL, 0, 0, &cause);
		privsep_send(ctl, PRIVSEP_EXITED, "12345", 5, NULL, 0, 0,
		    &cause);
		_exit(0);
	}
	close(sv[1]);
	CU_ASSERT_EQUAL(privsep_cmd_start(sv[0], rec, "nobody", &cmd, &kind,
	    &cause), -1);
	CU_ASSERT_PTR_NULL(cmd);
	CU_ASSERT_EQUAL(kind, PRIVSEP_FAIL_AUDIT);
	CU_ASSERT(cause != NULL && strstr(cause, "descriptors") != NULL);
	free(cause);
	cause = NULL;

	/* A STARTED with one fd is refused too, its fd closed. */
	CU_ASSERT_EQUAL(privsep_cmd_start(sv[0], rec, "nobody", &c2, &kind,
	    &cause), -1);
	CU_ASSERT(cause != NULL && strstr(cause, "descriptors") != NULL);
	free(cause);
	cause = NULL;
	waitpid(pid, NULL, 0);
	close(sv[0]);
	record_free(rec);
	CU_ASSERT_EQUAL(count_fds(), before);
}

int
main(int argc, char **argv)
{
	(void)argc;
	return (unit_run(argv[0], "privsep", privsep_tests));
}
