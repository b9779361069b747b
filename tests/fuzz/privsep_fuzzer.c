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
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>
#include <sqlite3.h>

#include "log.h"
#include "rcmdd.h"

/*
 * libFuzzer target for the other side of the privilege split: the
 * privileged part (privsep.c, privsep_child.c, record_unpack) as a
 * compromised network part would drive it. Each input is a run of
 * datagrams, sent on one fresh main channel that a real privileged part
 * serves (privsep_serve, on a thread here, with its audit writer on a
 * temporary database) or on the command sockets handed to it in earlier
 * datagrams, each with or without descriptors. Built for fuzzing, exec.c
 * runs "cat" whatever the EXEC says.
 *
 * An input is a list of chunks: an op byte, a length (u24, big-endian)
 * and that many bytes. The op's low three bits pick the socket (0 the
 * main channel, n the command socket of the nth descriptor-carrying
 * datagram, modulo how many there are); bit 3 asks for a well-formed
 * header (type the first byte, length the rest) rather than the bytes as
 * they are; bits 4-5 the kind of descriptor passed (none, the end of a
 * new SOCK_SEQPACKET pair, a pipe's read end, a stream socket); bits 6-7
 * how many (0, 1, 2, or 4: one past what a message may carry). Before a
 * datagram goes on a command socket, the target waits for the privileged
 * part's answer to its EXEC there, as the network part does.
 *
 * Whatever the input, once the main channel is closed the privileged
 * part must end every command and return, within FUZZ_WAIT_MS, with no
 * command left, no row left running, and no descriptor left open; any
 * of those is a bug, and aborts.
 */

#define FUZZ_MAX_INPUT	(2 * (PRIVSEP_MSG_MAX + 64))
#define FUZZ_MAX_CTL	8
#define FUZZ_WAIT_MS	10000
#define FUZZ_REPLY_MS	2000
#define FUZZ_HDR_LEN	8
#define FUZZ_MAX_FDS	1024

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_fds;

static void	*fuzz_serve_main(void *);
static int	 fuzz_fd_entry(const struct dirent *);
static void	 fuzz_fds(struct fuzz_fds *);
static int	 fuzz_fds_new(const struct fuzz_fds *,
		    const struct fuzz_fds *, int);
static void	 fuzz_cleanup(void);
static int	 fuzz_running(void);
static void	 fuzz_send(int, const uint8_t *, size_t, int, const int *,
		    u_int);
static void	 fuzz_drain(int, int);
static int	 fuzz_make_fds(u_int, u_int, int *, int *);

struct fuzz_serve {
	int	chan;
	int	rc;
	int	done;
};

/* The descriptors open, by number, each with the file it refers to. */
struct fuzz_fds {
	u_int	n;
	struct {
		int	fd;
		dev_t	dev;
		ino_t	ino;
	} e[FUZZ_MAX_FDS];
};

static struct config	 fuzz_conf;
static char		 fuzz_dir[] = "/tmp/rcmdd-fuzz.XXXXXX";
static sqlite3		*fuzz_db;
static struct fuzz_fds	 fuzz_fds_before, fuzz_fds_after;

/* Serve one main channel, as the privileged part's loop does. */
static void *
fuzz_serve_main(void *arg)
{
	struct fuzz_serve	*fs = arg;

	fs->rc = privsep_serve(fs->chan, &fuzz_conf);
	__atomic_store_n(&fs->done, 1, __ATOMIC_RELEASE);
	return (NULL);
}

/* Skip "." and "..": a descriptor's entry is its number. */
static int
fuzz_fd_entry(const struct dirent *de)
{
	return (de->d_name[0] != '.');
}

/* Take the descriptors this process has open, in ascending order. */
static void
fuzz_fds(struct fuzz_fds *set)
{
	struct dirent	**list;
	struct stat	  sb;
	int		  n, i, fd;

	if ((n = scandir("/proc/self/fd", &list, fuzz_fd_entry,
	    versionsort)) == -1)
		abort();
	set->n = 0;
	for (i = 0; i < n; i++) {
		fd = atoi(list[i]->d_name);
		/* scandir's own descriptor is closed by now: skipped. */
		if (fstat(fd, &sb) == 0 && set->n < FUZZ_MAX_FDS) {
			set->e[set->n].fd = fd;
			set->e[set->n].dev = sb.st_dev;
			set->e[set->n].ino = sb.st_ino;
			set->n++;
		}
		free(list[i]);
	}
	free(list);
}

/*
 * Return whether after holds a descriptor that before did not: one
 * opened, or a number now open on another file. With report, say which
 * on stderr. One closed is not counted: libFuzzer and the sanitizers
 * open and close their own across inputs.
 */
static int
fuzz_fds_new(const struct fuzz_fds *before, const struct fuzz_fds *after,
    int report)
{
	char	path[64], what[256];
	u_int	i = 0, j;
	int	found = 0, fd;
	ssize_t	len;

	for (j = 0; j < after->n; j++) {
		fd = after->e[j].fd;
		while (i < before->n && before->e[i].fd < fd)
			i++;
		if (i < before->n && before->e[i].fd == fd &&
		    before->e[i].dev == after->e[j].dev &&
		    before->e[i].ino == after->e[j].ino)
			continue;
		found = 1;
		if (!report)
			return (1);
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		if ((len = readlink(path, what, sizeof what - 1)) == -1)
			len = 0;
		what[len] = '\0';
		fprintf(stderr, "privsep_fuzzer: descriptor %d (%s) left "
		    "open\n", fd, what);
	}
	return (found);
}

/* Return how many rows of the audit log are still running. */
static int
fuzz_running(void)
{
	sqlite3_stmt	*st;
	int		 n;

	if (sqlite3_prepare_v2(fuzz_db, "SELECT count(*) FROM commands "
	    "WHERE status = 'running'", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		abort();
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return (n);
}

/*
 * Make the descriptors a datagram carries: n of kind (1 a SOCK_SEQPACKET
 * pair's end, whose other end goes to *keep if keep is not NULL and it
 * is the first; 2 a pipe's read end; 3 a stream socket). Return how many
 * are in fds.
 */
static int
fuzz_make_fds(u_int kind, u_int n, int *fds, int *keep)
{
	int	sv[2], p[2];
	u_int	i;

	for (i = 0; i < n; i++) {
		switch (kind) {
		case 1:
			if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
			    0, sv) == -1)
				abort();
			fds[i] = sv[1];
			if (i == 0 && keep != NULL)
				*keep = sv[0];
			else
				close(sv[0]);
			break;
		case 2:
			if (pipe2(p, O_CLOEXEC) == -1)
				abort();
			fds[i] = p[0];
			close(p[1]);
			break;
		default:
			if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
			    sv) == -1)
				abort();
			fds[i] = sv[1];
			close(sv[0]);
			break;
		}
	}
	return ((int)n);
}

/*
 * Send one datagram on fd: data as it is, or (framed) a header with
 * type data[0] and the rest as its payload; with nfds descriptors.
 */
static void
fuzz_send(int fd, const uint8_t *data, size_t len, int framed,
    const int *fds, u_int nfds)
{
	struct msghdr	 msg;
	struct iovec	 iov[2];
	struct cmsghdr	*cmsg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(4 * sizeof(int))];
	} cbuf;
	uint32_t	 hdr[2];

	memset(&msg, 0, sizeof msg);
	if (framed && len != 0) {
		hdr[0] = data[0];
		hdr[1] = (uint32_t)(len - 1);
		iov[0].iov_base = hdr;
		iov[0].iov_len = sizeof hdr;
		iov[1].iov_base = (void *)(data + 1);
		iov[1].iov_len = len - 1;
		msg.msg_iovlen = 2;
	} else {
		iov[0].iov_base = (void *)data;
		iov[0].iov_len = len;
		msg.msg_iovlen = 1;
	}
	msg.msg_iov = iov;
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
	/* A channel the privileged part ended refuses: that is an answer. */
	if (sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == -1 &&
	    errno != EPIPE && errno != ECONNRESET && errno != EAGAIN &&
	    errno != EMSGSIZE && errno != ENOBUFS)
		fprintf(stderr, "privsep_fuzzer: sendmsg: %s\n",
		    strerror(errno));
}

/*
 * Read what the privileged part sent on a command socket, waiting up to
 * ms for the first message, and close the descriptors it brought (the
 * command's pipes: closing its stdin ends cat).
 */
static void
fuzz_drain(int fd, int ms)
{
	struct privsep_msg	 m;
	struct pollfd		 pfd;
	char			*cause = NULL;
	int			 rc;

	pfd.fd = fd;
	pfd.events = POLLIN;
	if (ms != 0 && poll(&pfd, 1, ms) != 1)
		return;
	for (;;) {
		rc = privsep_recv(fd, PRIVSEP_MSG_MAX, &m, MSG_DONTWAIT,
		    &cause);
		free(cause);
		cause = NULL;
		if (rc != 1)
			break;
		privsep_msg_clear(&m);
	}
}

/* At exit: remove the temporary database and its folder. */
static void
fuzz_cleanup(void)
{
	static const char *const files[] = { "audit.db", "audit.db-wal",
	    "audit.db-shm" };
	char			 path[sizeof fuzz_dir + 16];
	u_int			 i;

	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", fuzz_dir, files[i]);
		unlink(path);
	}
	rmdir(fuzz_dir);
}

/* Start the privileged part's machinery once, on a temporary database. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	*db, *cause = NULL;

	(void)argc;
	(void)argv;
	log_init("privsep_fuzzer", 1, 0);
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(fuzz_dir) == NULL ||
	    asprintf(&db, "%s/audit.db", fuzz_dir) == -1)
		abort();
	atexit(fuzz_cleanup);
	config_init(&fuzz_conf);
	fuzz_conf.output_max = 4096;
	fuzz_conf.max_commands = 4;
	fuzz_conf.head_interval_ms = 0;
	if (geteuid() == 0)
		fuzz_conf.run_as = strdup("root");
	server_conf = &fuzz_conf;
	if (evthread_use_pthreads() != 0 ||
	    exec_configure(&fuzz_conf, &cause) != 0 ||
	    exec_start(&cause) != 0 || audit_open(db, 0, &cause) != 0) {
		fprintf(stderr, "privsep_fuzzer: %s\n", cause);
		abort();
	}
	audit_start();
	audit_set_retention(0, 1000);
	/* A reader of its own, to see that no row is left running. */
	if (sqlite3_open_v2(db, &fuzz_db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		abort();
	free(db);
	/* Its descriptors open at the first query: before any input. */
	fuzz_running();
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_serve	 fs;
	pthread_t		 t;
	int			 sv[2], ctl[FUZZ_MAX_CTL], answered[FUZZ_MAX_CTL];
	int			 fds[4], keep, nfd, fd, running, waited;
	u_int			 nctl = 0, i, kind, count, sock;
	size_t			 off = 0, len;
	uint8_t			 op;

	if (size > FUZZ_MAX_INPUT)
		return (0);
	/*
	 * The descriptors open as the input starts, taken anew for each:
	 * libFuzzer and the sanitizers open their own between inputs (a
	 * symbolizer's two pipes, once a new function is covered).
	 */
	fuzz_fds(&fuzz_fds_before);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	memset(&fs, 0, sizeof fs);
	fs.chan = sv[1];
	if (pthread_create(&t, NULL, fuzz_serve_main, &fs) != 0)
		abort();

	while (size - off >= 4) {
		op = data[off];
		len = (size_t)data[off + 1] << 16 | (size_t)data[off + 2] << 8 |
		    data[off + 3];
		off += 4;
		if (len > size - off)
			len = size - off;
		sock = op & 7;
		kind = (op >> 4) & 3;
		count = (op >> 6) & 3;
		if (count == 3)
			count = 4;
		if (kind == 0)
			count = 0;
		fd = sv[0];
		if (sock != 0 && nctl != 0) {
			i = (sock - 1) % nctl;
			fd = ctl[i];
			/* As the network part: the EXEC's answer first. */
			if (!answered[i]) {
				fuzz_drain(fd, FUZZ_REPLY_MS);
				answered[i] = 1;
			}
		}
		keep = -1;
		nfd = fuzz_make_fds(kind, count, fds, nctl < FUZZ_MAX_CTL ?
		    &keep : NULL);
		fuzz_send(fd, data + off, len, (op & 8) != 0, fds,
		    (u_int)nfd);
		for (i = 0; i < (u_int)nfd; i++)
			close(fds[i]);
		if (keep != -1) {
			answered[nctl] = 0;
			ctl[nctl++] = keep;
		}
		off += len;
	}

	/* The network part goes: everything must end. */
	close(sv[0]);
	for (waited = 0; !__atomic_load_n(&fs.done, __ATOMIC_ACQUIRE);
	    waited++) {
		if (waited == FUZZ_WAIT_MS) {
			fprintf(stderr, "privsep_fuzzer: the privileged part "
			    "still serves %d ms after the channel closed, with "
			    "%u commands\n", FUZZ_WAIT_MS,
			    privsep_child_count());
			abort();
		}
		/* The commands' pipes come back on their sockets: close them. */
		for (i = 0; i < nctl; i++)
			fuzz_drain(ctl[i], 0);
		usleep(1000);
	}
	pthread_join(t, NULL);
	for (i = 0; i < nctl; i++) {
		fuzz_drain(ctl[i], 0);
		close(ctl[i]);
	}

	if (fs.rc != 0 || privsep_child_count() != 0) {
		fprintf(stderr, "privsep_fuzzer: served with %d, %u commands "
		    "left\n", fs.rc, privsep_child_count());
		abort();
	}
	if ((running = fuzz_running()) != 0) {
		fprintf(stderr, "privsep_fuzzer: %d rows left running\n",
		    running);
		abort();
	}
	/*
	 * A pool thread may still be closing what a command held after the
	 * command was freed: wait, bounded, for no descriptor but those
	 * open before; one left open past that is a leak.
	 */
	for (waited = 0;; waited++) {
		fuzz_fds(&fuzz_fds_after);
		if (!fuzz_fds_new(&fuzz_fds_before, &fuzz_fds_after, 0))
			break;
		if (waited == FUZZ_WAIT_MS) {
			fuzz_fds_new(&fuzz_fds_before, &fuzz_fds_after, 1);
			abort();
		}
		usleep(1000);
	}
	return (0);
}
