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

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The messages between rcmdd's two processes (privsep.c has the rules).
 * A channel is a SOCK_SEQPACKET socketpair: one message is one datagram,
 * a header (type and payload length, u32 each, in host order: both ends
 * are the same binary on the same host) and its payload, with up to
 * PRIVSEP_MAX_FDS descriptors passed by SCM_RIGHTS. A datagram is
 * delivered whole or not at all, so a single sendmsg per message is
 * atomic even when several threads send on one socket. Whatever comes in
 * is checked before use: its length against the buffer, its header
 * against its length, its descriptors against what its type carries;
 * on every error each descriptor it brought is closed.
 */

#define PRIVSEP_HDR_LEN		8
#define PRIVSEP_RECV_PEEK	(16 * 1024)	/* larger: peek at the length */
#define PRIVSEP_SOCKBUF		(1024 * 1024)

static void	privsep_put_u32(uint8_t *, uint32_t);
static uint32_t	privsep_get_u32(const uint8_t *);

/* Write and read a u32 in host order at p. */
static void
privsep_put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof v);
}

static uint32_t
privsep_get_u32(const uint8_t *p)
{
	uint32_t	v;

	memcpy(&v, p, sizeof v);
	return (v);
}

/*
 * Make a channel: a SOCK_SEQPACKET socketpair, close-on-exec, with
 * buffers that hold a few of the largest messages (best effort: the
 * system's maximum wins). Return 0, or -1 with the reason in cause.
 */
int
privsep_socketpair(int sv[2], char **cause)
{
	int	size = PRIVSEP_SOCKBUF, i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		xasprintf(cause, "socketpair: %s", strerror(errno));
		return (-1);
	}
	for (i = 0; i < 2; i++) {
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	}
	return (0);
}

/*
 * Send one message: type, len bytes of payload and nfds descriptors, in
 * one sendmsg. flags is 0 to wait for room or MSG_DONTWAIT. The
 * descriptors stay the caller's. Return 0, or -1 with errno set and the
 * reason in cause.
 */
int
privsep_send(int fd, u_int type, const void *data, size_t len,
    const int *fds, u_int nfds, int flags, char **cause)
{
	struct msghdr	 msg;
	struct iovec	 iov[2];
	struct cmsghdr	*cmsg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(PRIVSEP_MAX_FDS * sizeof(int))];
	} cbuf;
	uint8_t		 hdr[PRIVSEP_HDR_LEN];
	ssize_t		 n;

	if (len > PRIVSEP_MSG_MAX || nfds > PRIVSEP_MAX_FDS) {
		xasprintf(cause, "message %u too large: %zu bytes, %u "
		    "descriptors", type, len, nfds);
		errno = EMSGSIZE;
		return (-1);
	}
	privsep_put_u32(hdr, type);
	privsep_put_u32(hdr + 4, (uint32_t)len);
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof hdr;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = iov;
	msg.msg_iovlen = len == 0 ? 1 : 2;
	if (nfds != 0) {
		memset(&cbuf, 0, sizeof cbuf);
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	do
		n = sendmsg(fd, &msg, flags | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		xasprintf(cause, "cannot send message %u: %s", type,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/*
 * Receive one message of at most max payload bytes into m. flags is 0 to
 * wait, or MSG_DONTWAIT. Return 1 with the message (privsep_msg_clear
 * frees it), 0 at end of file, or -1 with errno set: EAGAIN with no
 * cause when nothing waits, otherwise with the reason in cause. No
 * descriptor of a refused message stays open.
 */
int
privsep_recv(int fd, size_t max, struct privsep_msg *m, int flags,
    char **cause)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE((PRIVSEP_MAX_FDS + 1) *
		    sizeof(int))];
	} cbuf;
	uint8_t		*buf;
	ssize_t		 n;
	size_t		 nfd, k, size;
	int		 fds[PRIVSEP_MAX_FDS + 1], error = EPROTO;
	u_int		 nfds = 0, extra = 0;

	memset(m, 0, sizeof *m);
	if (max > PRIVSEP_MSG_MAX)
		max = PRIVSEP_MSG_MAX;
	/* One byte more than allowed: a longer datagram shows as MSG_TRUNC. */
	size = PRIVSEP_HDR_LEN + max + 1;
	if (size > PRIVSEP_RECV_PEEK) {
		/*
		 * Learn the datagram's length first (MSG_TRUNC gives it
		 * whole): a buffer of max bytes for every message, most of
		 * a few hundred, was an mmap and a munmap each (rcmdd.c
		 * sets M_MMAP_THRESHOLD), and one for each EAGAIN too. No
		 * descriptor is taken by the peek.
		 */
		do
			n = recv(fd, NULL, 0, flags | MSG_PEEK | MSG_TRUNC);
		while (n == -1 && errno == EINTR);
		if (n == -1) {
			error = errno;
			if (error != EAGAIN)
				xasprintf(cause, "cannot receive: %s",
				    strerror(error));
			errno = error;
			return (-1);
		}
		if ((size_t)n < size)
			size = (size_t)n + 1;
	}
	buf = xmalloc(size);
	iov.iov_base = buf;
	iov.iov_len = size;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof cbuf.buf;
	do
		n = recvmsg(fd, &msg, flags | MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		error = errno;
		free(buf);
		if (error != EAGAIN)
			xasprintf(cause, "cannot receive: %s",
			    strerror(error));
		errno = error;
		return (-1);
	}

	/* Take every descriptor first, so that each error closes them. */
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nfd; k++) {
			int	one;

			memcpy(&one, CMSG_DATA(cmsg) + k * sizeof(int),
			    sizeof one);
			if (nfds < PRIVSEP_MAX_FDS)
				fds[nfds++] = one;
			else {
				close(one);
				extra++;
			}
		}
	}
	if (n == 0 && nfds == 0) {
		free(buf);
		return (0);
	}
	if (msg.msg_flags & MSG_CTRUNC || extra != 0) {
		xasprintf(cause, "message with more than %d descriptors",
		    PRIVSEP_MAX_FDS);
		goto fail;
	}
	if (msg.msg_flags & MSG_TRUNC || (size_t)n > PRIVSEP_HDR_LEN + max) {
		xasprintf(cause, "message longer than %zu bytes", max +
		    PRIVSEP_HDR_LEN);
		goto fail;
	}
	if ((size_t)n < PRIVSEP_HDR_LEN) {
		xasprintf(cause, "message of %zd bytes: shorter than its "
		    "header", n);
		goto fail;
	}
	m->type = privsep_get_u32(buf);
	m->len = privsep_get_u32(buf + 4);
	if (m->len != (size_t)n - PRIVSEP_HDR_LEN) {
		xasprintf(cause, "message %u says %zu bytes and has %zd",
		    m->type, m->len, n - PRIVSEP_HDR_LEN);
		goto fail;
	}
	memmove(buf, buf + PRIVSEP_HDR_LEN, m->len);
	m->data = buf;
	memcpy(m->fd, fds, nfds * sizeof(int));
	m->nfd = nfds;
	return (1);

fail:
	for (k = 0; k < nfds; k++)
		close(fds[k]);
	free(buf);
	memset(m, 0, sizeof *m);
	errno = error;
	return (-1);
}

/*
 * Check that a message has nfd descriptors and a payload of min to max
 * bytes. Return 0, or -1 with the reason in cause.
 */
int
privsep_msg_check(const struct privsep_msg *m, u_int nfd, size_t min,
    size_t max, char **cause)
{
	if (m->nfd != nfd) {
		xasprintf(cause, "message %u with %u descriptors, not %u",
		    m->type, m->nfd, nfd);
		return (-1);
	}
	if (m->len < min || m->len > max) {
		xasprintf(cause, "message %u of %zu bytes, not %zu to %zu",
		    m->type, m->len, min, max);
		return (-1);
	}
	return (0);
}

/* Take descriptor i from a message: the caller owns it now. */
int
privsep_msg_take_fd(struct privsep_msg *m, u_int i)
{
	int	fd;

	if (i >= m->nfd)
		return (-1);
	fd = m->fd[i];
	m->fd[i] = -1;
	return (fd);
}

/* Free a message's payload and close the descriptors still in it. */
void
privsep_msg_clear(struct privsep_msg *m)
{
	u_int	i;

	for (i = 0; i < m->nfd; i++) {
		if (m->fd[i] != -1)
			close(m->fd[i]);
	}
	/*
	 * A CONFIG carries the TLS private key: leave none of it behind.
	 * The datagram filled the header's length more (privsep_recv moved
	 * the payload down over the header).
	 */
	if (m->data != NULL)
		freezero(m->data, m->len + PRIVSEP_HDR_LEN);
	memset(m, 0, sizeof *m);
}

/* The fixed parts of the replies: ids, sequence numbers and hashes. */
void
privsep_put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof v);
}

uint64_t
privsep_get_u64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, sizeof v);
	return (v);
}

void
privsep_put_i32(uint8_t *p, int32_t v)
{
	memcpy(p, &v, sizeof v);
}

int32_t
privsep_get_i32(const uint8_t *p)
{
	int32_t	v;

	memcpy(&v, p, sizeof v);
	return (v);
}

/*
 * Copy the text at the end of a message (len bytes, no NUL, at most
 * PRIVSEP_TEXT_MAX) into an allocated string. Return it, or NULL if the
 * text is not one.
 */
char *
privsep_text(const uint8_t *p, size_t len)
{
	char	*s;

	if (len > PRIVSEP_TEXT_MAX || memchr(p, '\0', len) != NULL)
		return (NULL);
	s = xmalloc(len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	return (s);
}

/*
 * Return the fields of the record a message carries: EXEC the start
 * fields; DENY the peer (no client name) and the reason; FINISH the end
 * fields but the output, which comes before it in OUTPUT messages (it
 * may be larger than one message).
 */
uint64_t
privsep_mask(u_int type)
{
	switch (type) {
	case PRIVSEP_EXEC:
		/* What the privileged part decides or renders is not sent. */
		return (record_mask(RECORD_AT_START) &
		    ~((uint64_t)1 << RECORD_F_RUN_AS) &
		    ~((uint64_t)1 << RECORD_F_MODE) &
		    ~((uint64_t)1 << RECORD_F_ARGV) &
		    ~((uint64_t)1 << RECORD_F_RULE));
	case PRIVSEP_DENY:
		return (((uint64_t)1 << RECORD_F_CLIENT_ADDR) |
		    ((uint64_t)1 << RECORD_F_CLIENT_PORT) |
		    ((uint64_t)1 << RECORD_F_IDENTITY) |
		    ((uint64_t)1 << RECORD_F_FINGERPRINT) |
		    ((uint64_t)1 << RECORD_F_REASON));
	case PRIVSEP_FINISH:
		return (record_mask(RECORD_AT_END) &
		    ~((uint64_t)1 << RECORD_F_OUTPUT));
	}
	return (0);
}
