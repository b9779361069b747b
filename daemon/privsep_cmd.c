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
 * The network part's side of one command run by the privileged part
 * (privsep.c): ask for it, signal it, learn that its shell exited, and
 * finish its record. Each command has a socket of its own, made here, so
 * that a worker thread waits on its own command only: every call touches
 * that socket alone, except the EXEC request, which goes on the main
 * channel that every worker shares. That is safe without a lock: the
 * channel is SOCK_SEQPACKET, and one sendmsg sends one whole datagram,
 * which the kernel never interleaves with another thread's. The calls
 * block (the worker's thread), except privsep_cmd_read, which a worker
 * calls when poll finds the command's socket readable.
 */

#define PRIVSEP_CMD_REPLY_MAX	(4 + 4 + 8 + 8 + RECORD_HASH_LEN + \
				PRIVSEP_TEXT_MAX)

static int	privsep_cmd_wait(struct privsep_cmd *, u_int,
		    struct privsep_msg *, char **);

/*
 * Ask the privileged part on the main channel chan to run rec's command
 * (a shell string, or its vector) as runas (NULL: as the rule that
 * admits it says); the privileged part decides. On success return 0 with the command in *cmdp (its pipes and
 * its socket) and rec's id, seq and hash filled. Otherwise return -1
 * with the reason in cause and in *kind whether a row exists
 * (PRIVSEP_FAIL_START: ended as failed, rec's id and end hash filled,
 * errno the error that kept it from starting) or not (PRIVSEP_FAIL_AUDIT,
 * PRIVSEP_FAIL_REFUSED).
 */
int
privsep_cmd_start(int chan, struct cmd_record *rec, const char *runas,
    struct privsep_cmd **cmdp, int *kind, char **cause)
{
	struct privsep_cmd	*cmd;
	struct privsep_msg	 m;
	uint8_t			*packed, *buf, *p;
	uint64_t		 mask;
	size_t			 plen, rlen, vlen = 0, len;
	u_int			 i;
	int			 sv[2], error;

	*cmdp = NULL;
	*kind = PRIVSEP_FAIL_AUDIT;
	if (runas == NULL)
		runas = "";
	rlen = strlen(runas);
	if (rlen > RUN_MAX_USER) {
		xasprintf(cause, "run-as user name too long");
		return (-1);
	}
	for (i = 0; i < rec->nwords; i++)
		vlen += strlen(rec->words[i]) + 1;
	/* A vector's rendering is the privileged part's to make. */
	mask = privsep_mask(PRIVSEP_EXEC);
	if (rec->nwords != 0)
		mask &= ~((uint64_t)1 << RECORD_F_COMMAND);
	packed = record_pack(rec, mask, &plen);
	len = 2 + rlen + 4 + vlen + plen;
	if (len > PRIVSEP_MSG_MAX) {
		free(packed);
		xasprintf(cause, "the command is too large to hand on");
		return (-1);
	}
	if (privsep_socketpair(sv, cause) != 0) {
		free(packed);
		return (-1);
	}
	p = buf = xmalloc(len);
	*p++ = (uint8_t)(rlen >> 8);
	*p++ = (uint8_t)rlen;
	memcpy(p, runas, rlen);
	p += rlen;
	privsep_put_i32(p, (int32_t)vlen);
	p += 4;
	for (i = 0; i < rec->nwords; i++) {
		memcpy(p, rec->words[i], strlen(rec->words[i]) + 1);
		p += strlen(rec->words[i]) + 1;
	}
	memcpy(p, packed, plen);
	free(packed);
	if (privsep_send(chan, PRIVSEP_EXEC, buf, len, &sv[1], 1, 0,
	    cause) != 0) {
		free(buf);
		close(sv[0]);
		close(sv[1]);
		return (-1);
	}
	free(buf);
	close(sv[1]);

	cmd = xcalloc(1, sizeof *cmd);
	cmd->ctl = sv[0];
	cmd->fd_in = cmd->fd_out = cmd->fd_err = -1;
	if (privsep_cmd_wait(cmd, 0, &m, cause) != 0)
		goto fail;
	if (m.type == PRIVSEP_STARTED) {
		if (privsep_msg_check(&m, 3, 16 + RECORD_HASH_LEN,
		    16 + RECORD_HASH_LEN, cause) != 0)
			goto bad;
		rec->id = privsep_get_u64(m.data);
		rec->seq = privsep_get_u64(m.data + 8);
		memcpy(rec->hash, m.data + 16, RECORD_HASH_LEN);
		cmd->fd_in = privsep_msg_take_fd(&m, 0);
		cmd->fd_out = privsep_msg_take_fd(&m, 1);
		cmd->fd_err = privsep_msg_take_fd(&m, 2);
		privsep_msg_clear(&m);
		*kind = 0;
		*cmdp = cmd;
		return (0);
	}
	if (m.type != PRIVSEP_FAILED) {
		xasprintf(cause, "unexpected message %u", m.type);
		goto bad;
	}
	if (privsep_msg_check(&m, 0, 24 + RECORD_HASH_LEN,
	    24 + RECORD_HASH_LEN + PRIVSEP_TEXT_MAX, cause) != 0)
		goto bad;
	*kind = privsep_get_i32(m.data);
	error = privsep_get_i32(m.data + 4);
	rec->id = privsep_get_u64(m.data + 8);
	rec->end_seq = privsep_get_u64(m.data + 16);
	memcpy(rec->end_hash, m.data + 24, RECORD_HASH_LEN);
	if ((*cause = privsep_text(m.data + 24 + RECORD_HASH_LEN, m.len -
	    24 - RECORD_HASH_LEN)) == NULL)
		*cause = xstrdup("the command did not start");
	privsep_msg_clear(&m);
	privsep_cmd_free(cmd);
	errno = error > 0 ? error : EIO;
	return (-1);

bad:
	privsep_msg_clear(&m);
fail:
	*kind = PRIVSEP_FAIL_AUDIT;
	privsep_cmd_free(cmd);
	return (-1);
}

/*
 * Wait for the next message on a command's socket (flags 0 or
 * MSG_DONTWAIT). Return 0 with it in m, or -1 with errno and the reason
 * in cause (none for EAGAIN).
 */
static int
privsep_cmd_wait(struct privsep_cmd *cmd, u_int flags, struct privsep_msg *m,
    char **cause)
{
	int	rc;

	rc = privsep_recv(cmd->ctl, PRIVSEP_CMD_REPLY_MAX, m, (int)flags,
	    cause);
	if (rc == 0) {
		xasprintf(cause, "the privileged part of rcmdd closed the "
		    "command's channel");
		errno = EPIPE;
		return (-1);
	}
	return (rc == 1 ? 0 : -1);
}

/* Send a client's signal to the command's process group. */
int
privsep_cmd_signal(struct privsep_cmd *cmd, int sig, char **cause)
{
	uint8_t	buf[4];

	privsep_put_i32(buf, sig);
	return (privsep_send(cmd->ctl, PRIVSEP_SIGNAL, buf, sizeof buf, NULL,
	    0, 0, cause));
}

/* Pass the client's new window size to the command's terminal. */
int
privsep_cmd_resize(struct privsep_cmd *cmd, u_int rows, u_int cols,
    char **cause)
{
	uint8_t	buf[4];

	buf[0] = (uint8_t)(rows >> 8);
	buf[1] = (uint8_t)rows;
	buf[2] = (uint8_t)(cols >> 8);
	buf[3] = (uint8_t)cols;
	if (privsep_cmd_flush(cmd, cause) != 0)
		return (-1);
	return (privsep_send(cmd->ctl, PRIVSEP_RESIZE, buf, sizeof buf, NULL,
	    0, 0, cause));
}

/*
 * Send what was typed on a terminal (len bytes, at most
 * PRIVSEP_OUTPUT_CHUNK) to the privileged part, for its recording
 * (SessionRecordInput); the worker sends only what the terminal echoed.
 */
int
privsep_cmd_input(struct privsep_cmd *cmd, const uint8_t *buf, size_t len,
    char **cause)
{
	if (privsep_cmd_flush(cmd, cause) != 0)
		return (-1);
	return (privsep_send(cmd->ctl, PRIVSEP_INPUT, buf, len, NULL, 0, 0,
	    cause));
}

/*
 * Send a terminal's output to the privileged part as it comes (len bytes,
 * at most PRIVSEP_OUTPUT_CHUNK), rather than all at the end, until max
 * bytes have gone (the larger of the row's cap and the recording's): it
 * keeps the row's output, to its cap, and the session's recording from
 * it, with their timing. It waits while the privileged part is behind,
 * which holds the terminal's reading back as a slow client does.
 */
int
privsep_cmd_output(struct privsep_cmd *cmd, const uint8_t *buf, size_t len,
    uint64_t max, char **cause)
{
	if (cmd->sent >= max)
		return (0);
	if (len > max - cmd->sent)
		len = (size_t)(max - cmd->sent);
	if (len == 0)
		return (0);
	/*
	 * Gathered into one message a poll round (privsep_cmd_flush), up to
	 * PRIVSEP_OUTPUT_CHUNK: a terminal is read some 4 KiB at a time,
	 * and a message for each read cost the privileged part a wake-up.
	 */
	if (cmd->olen + len > PRIVSEP_OUTPUT_CHUNK &&
	    privsep_cmd_flush(cmd, cause) != 0)
		return (-1);
	if (len > PRIVSEP_OUTPUT_CHUNK) {
		xasprintf(cause, "output of %zu bytes at once", len);
		return (-1);
	}
	if (cmd->obuf == NULL)
		cmd->obuf = xmalloc(PRIVSEP_OUTPUT_CHUNK);
	memcpy(cmd->obuf + cmd->olen, buf, len);
	cmd->olen += len;
	cmd->sent += len;
	return (0);
}

/* Send the terminal's output gathered so far, if any. */
int
privsep_cmd_flush(struct privsep_cmd *cmd, char **cause)
{
	size_t	len = cmd->olen;

	if (len == 0)
		return (0);
	cmd->olen = 0;
	return (privsep_send(cmd->ctl, PRIVSEP_OUTPUT, cmd->obuf, len, NULL,
	    0, 0, cause));
}

/* Ask for SIGTERM to the command's process group (timeout, cancel). */
int
privsep_cmd_terminate(struct privsep_cmd *cmd, char **cause)
{
	return (privsep_send(cmd->ctl, PRIVSEP_TERMINATE, NULL, 0, NULL, 0, 0,
	    cause));
}

/* Ask for SIGKILL to the group and cgroup.kill (the grace is over). */
int
privsep_cmd_kill(struct privsep_cmd *cmd, char **cause)
{
	return (privsep_send(cmd->ctl, PRIVSEP_KILL, NULL, 0, NULL, 0, 0,
	    cause));
}

/*
 * Read what the command's socket holds, without waiting: return
 * PRIVSEP_CMD_EXITED once the shell has exited (wstatus is then its
 * status), PRIVSEP_CMD_END when the operator ends it (rcmdd --end),
 * PRIVSEP_CMD_NONE if nothing waits, PRIVSEP_CMD_GONE if the
 * privileged part closed the socket, or -1 with the reason in cause.
 */
int
privsep_cmd_read(struct privsep_cmd *cmd, char **cause)
{
	struct privsep_msg	m;

	if (privsep_cmd_wait(cmd, MSG_DONTWAIT, &m, cause) != 0) {
		if (errno == EAGAIN)
			return (PRIVSEP_CMD_NONE);
		if (errno == EPIPE) {
			free(*cause);
			*cause = NULL;
			return (PRIVSEP_CMD_GONE);
		}
		return (-1);
	}
	if (m.type == PRIVSEP_END && m.len == 0 && m.nfd == 0) {
		privsep_msg_clear(&m);
		return (PRIVSEP_CMD_END);
	}
	if (m.type != PRIVSEP_EXITED || cmd->exited ||
	    privsep_msg_check(&m, 0, 4, 4, cause) != 0) {
		if (*cause == NULL)
			xasprintf(cause, "unexpected message %u", m.type);
		privsep_msg_clear(&m);
		return (-1);
	}
	cmd->exited = 1;
	cmd->wstatus = privsep_get_i32(m.data);
	privsep_msg_clear(&m);
	return (PRIVSEP_CMD_EXITED);
}

/*
 * The command is over for the network part: send the output it captured
 * and how it ended (rec's end fields), and wait until the privileged part
 * has committed the end row; its seq and hash go to rec. Return 0, or -1
 * with the reason in cause: -2 if the client must not get EXIT (the end
 * did not reach the central store in synchronous forwarding).
 */
int
privsep_cmd_finish(struct privsep_cmd *cmd, struct cmd_record *rec,
    char **cause)
{
	struct privsep_msg	 m;
	uint8_t			*buf;
	size_t			 len, off, n;
	int			 rc, recorded;

	if (privsep_cmd_flush(cmd, cause) != 0)
		return (-1);
	for (off = 0; off < rec->output_len; off += n) {
		n = rec->output_len - off;
		if (n > PRIVSEP_OUTPUT_CHUNK)
			n = PRIVSEP_OUTPUT_CHUNK;
		if (privsep_send(cmd->ctl, PRIVSEP_OUTPUT, rec->output + off,
		    n, NULL, 0, 0, cause) != 0)
			return (-1);
	}
	buf = record_pack(rec, privsep_mask(PRIVSEP_FINISH), &len);
	rc = privsep_send(cmd->ctl, PRIVSEP_FINISH, buf, len, NULL, 0, 0,
	    cause);
	free(buf);
	if (rc != 0)
		return (-1);

	for (;;) {
		if (privsep_cmd_wait(cmd, 0, &m, cause) != 0)
			return (-1);
		if (m.type == PRIVSEP_END && m.len == 0 && m.nfd == 0) {
			/* The operator ended it as it was ending. */
			privsep_msg_clear(&m);
			continue;
		}
		if (m.type == PRIVSEP_EXITED && !cmd->exited &&
		    privsep_msg_check(&m, 0, 4, 4, cause) == 0) {
			cmd->exited = 1;
			cmd->wstatus = privsep_get_i32(m.data);
			privsep_msg_clear(&m);
			continue;
		}
		break;
	}
	if (m.type != PRIVSEP_ENDED || privsep_msg_check(&m, 0,
	    12 + RECORD_HASH_LEN, 12 + RECORD_HASH_LEN + PRIVSEP_TEXT_MAX,
	    cause) != 0) {
		if (*cause == NULL)
			xasprintf(cause, "unexpected message %u", m.type);
		privsep_msg_clear(&m);
		return (-1);
	}
	if ((recorded = privsep_get_i32(m.data)) != 1) {
		*cause = privsep_text(m.data + 12 + RECORD_HASH_LEN, m.len -
		    12 - RECORD_HASH_LEN);
		if (*cause == NULL)
			*cause = xstrdup("the end row was not recorded");
		privsep_msg_clear(&m);
		return (recorded == PRIVSEP_ENDED_UNSENT ? -2 : -1);
	}
	rec->end_seq = privsep_get_u64(m.data + 4);
	memcpy(rec->end_hash, m.data + 12, RECORD_HASH_LEN);
	privsep_msg_clear(&m);
	return (0);
}

/* Close what is left of a command: its socket and pipe ends. */
void
privsep_cmd_free(struct privsep_cmd *cmd)
{
	if (cmd == NULL)
		return;
	if (cmd->ctl != -1)
		close(cmd->ctl);
	if (cmd->fd_in != -1)
		close(cmd->fd_in);
	if (cmd->fd_out != -1)
		close(cmd->fd_out);
	if (cmd->fd_err != -1)
		close(cmd->fd_err);
	free(cmd->obuf);
	free(cmd);
}

/*
 * Ask the privileged part to record a refused connection from peer. It
 * waits for room on the channel: a refusal is never dropped. Return 0,
 * or -1 with the reason in cause.
 */
int
privsep_deny(int chan, const struct record_peer *peer, const char *why,
    char **cause)
{
	struct cmd_record	*rec;
	uint8_t			*buf;
	size_t			 len;
	int			 rc;

	rec = record_new_denied(peer, why);
	buf = record_pack(rec, privsep_mask(PRIVSEP_DENY), &len);
	rc = privsep_send(chan, PRIVSEP_DENY, buf, len, NULL, 0, 0, cause);
	free(buf);
	record_free(rec);
	return (rc);
}
