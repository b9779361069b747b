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

#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The privileged part's command service. rcmdd runs as two processes
 * from one binary: the network part (listeners, TLS, sessions, workers),
 * unprivileged and confined (confine.c), and this one, which keeps the
 * audit database and its writer thread and starts commands when the
 * network part asks, on its own event base.
 *
 * The network part sends EXEC on the main channel with the command's
 * record and one end of a socketpair of the command's own. This side
 * reads the record, decides it against the configuration (the rules of
 * rcmdd.conf(5): who, from where, as whom, which program; refused, it is
 * a denied row with the rule and the reason, and FAILED), commits the start row (audit_begin: nothing
 * starts without its committed row), spawns the command (exec.c) and
 * answers on the command's socket: STARTED with the command's three pipe
 * ends, or FAILED. It watches the shell through its pidfd and sends
 * EXITED when it exits; the shell stays a zombie, pinning its process
 * group id, until the command is over. On the command's socket the
 * network part sends SIGNAL, TERMINATE and KILL, then the captured output
 * (OUTPUT) and FINISH with what it alone knows of the end; this side then
 * kills what is left, reaps the shell, commits the end row with the exit
 * status it saw itself, answers ENDED with the row's seq and hash and
 * closes the socket.
 *
 * If a command's socket or the main channel ends before FINISH (the
 * network part died or was killed), the command is killed (cgroup.kill
 * and its process group) and its row ended as interrupted, as start-up
 * recovery marks rows left running. A malformed message on the main
 * channel ends the channel and every command; on a command's socket, that
 * command. Nothing the network part sends reaches fatal().
 *
 * The event loop's thread reads and checks every message; what blocks
 * (the commits, the spawn, the reaping) runs on a thread per command:
 * privsep_child.c has a command's life.
 */

static void	privsep_chan_cb(int, short, void *);
static void	privsep_chan_close(const char *);
static int	privsep_exec(struct privsep_msg *, char **);
static int	privsep_deny_msg(struct privsep_msg *);
static int	privsep_words(const uint8_t *, size_t, struct cmd_record *,
		    char **);
static char	*privsep_decide(struct cmd_record *, const char *);
static int	privsep_refusal_admit(const char *);
static void	privsep_refused(struct cmd_record *);
static void	privsep_refusals_cb(int, short, void *);
static int	privsep_ready_msg(struct privsep_msg *, char **);
static int	privsep_stats_msg(struct privsep_msg *, char **);
static int	privsep_config_done_msg(struct privsep_msg *, char **);
static void	privsep_head_schedule(void);
static void	privsep_head_cb(int, short, void *);

struct event_base		*privsep_base;
const struct config		*privsep_conf;
int				 privsep_chan = -1;
static struct event		*privsep_ev_chan;
static struct event		*privsep_ev_head;
static struct event		*privsep_refusals_ev;
static privsep_ready_cb		 privsep_on_ready;

/*
 * Serve the network part's requests on the main channel fd until it
 * closes and every command started is over and recorded. The audit
 * writer must be running (audit_open, audit_start) and exec.c set up
 * (exec_start, exec_configure). The loop runs on privsep_base if the
 * caller made it (with events of its own: the control socket, signals),
 * which the caller then frees; else on a base of its own. Return 0, or
 * -1 if the loop could not start.
 */
int
privsep_serve(int fd, const struct config *conf)
{
	char	*cause = NULL;
	int	 own_base = 0;

	if (privsep_base == NULL) {
		if ((privsep_base = event_base_new()) == NULL) {
			log_warnx("privileged part: event_base_new failed");
			return (-1);
		}
		own_base = 1;
	}
	privsep_conf = conf;
	privsep_chan = fd;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		log_warn("privileged part: O_NONBLOCK on the channel");
	if (privsep_child_open(&cause) != 0) {
		log_warnx("privileged part: %s", cause);
		free(cause);
		if (own_base) {
			event_base_free(privsep_base);
			privsep_base = NULL;
		}
		return (-1);
	}
	privsep_ev_chan = event_new(privsep_base, fd, EV_READ | EV_PERSIST,
	    privsep_chan_cb, NULL);
	if (privsep_ev_chan == NULL || event_add(privsep_ev_chan,
	    NULL) != 0) {
		log_warnx("privileged part: cannot watch the channel");
		if (privsep_ev_chan != NULL)
			event_free(privsep_ev_chan);
		if (own_base) {
			event_base_free(privsep_base);
			privsep_base = NULL;
		}
		return (-1);
	}
	if ((privsep_ev_head = evtimer_new(privsep_base, privsep_head_cb,
	    NULL)) == NULL)
		log_warnx("privileged part: cannot log the chain head "
		    "every AuditHeadInterval");
	privsep_head_schedule();
	event_base_dispatch(privsep_base);
	if (privsep_ev_head != NULL)
		event_free(privsep_ev_head);
	privsep_ev_head = NULL;
	/* Refusals still counted are summed up before the writer stops. */
	if (privsep_refusals_ev != NULL) {
		privsep_refusals_cb(-1, 0, NULL);
		event_free(privsep_refusals_ev);
	}
	privsep_refusals_ev = NULL;
	privsep_child_close();
	if (own_base) {
		event_base_free(privsep_base);
		privsep_base = NULL;
	}
	return (0);
}

/* A reload: serve with conf from now on. */
void
privsep_reconfigure(const struct config *conf)
{
	privsep_conf = conf;
	forward_set_max_lag(conf->forward_max_lag_ms);
	privsep_head_schedule();
}

/* (Re)arm the timer that logs the chain's head every AuditHeadInterval. */
static void
privsep_head_schedule(void)
{
	struct timeval	tv;

	if (privsep_ev_head == NULL)
		return;
	evtimer_del(privsep_ev_head);
	if (privsep_conf->head_interval_ms == 0)
		return;
	tv.tv_sec = privsep_conf->head_interval_ms / 1000;
	tv.tv_usec = (privsep_conf->head_interval_ms % 1000) * 1000;
	evtimer_add(privsep_ev_head, &tv);
}

/* Time to log the chain's head again. */
static void
privsep_head_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	server_head_log();
	privsep_head_schedule();
}

/* The main channel is readable: take each waiting request. */
static void
privsep_chan_cb(int fd, short events, void *arg)
{
	struct privsep_msg	 m;
	char			*cause = NULL;
	int			 rc, i;

	(void)events;
	(void)arg;
	for (i = 0; i < 64 && privsep_chan != -1; i++) {
		rc = privsep_recv(fd, PRIVSEP_MSG_MAX, &m, MSG_DONTWAIT,
		    &cause);
		if (rc == -1 && errno == EAGAIN)
			return;
		if (rc == 0) {
			privsep_chan_close(NULL);
			return;
		}
		if (rc == 1) {
			switch (m.type) {
			case PRIVSEP_EXEC:
				rc = privsep_exec(&m, &cause);
				break;
			case PRIVSEP_DENY:
				rc = privsep_deny_msg(&m);
				break;
			case PRIVSEP_READY:
				rc = privsep_ready_msg(&m, &cause);
				break;
			case PRIVSEP_STATS:
				rc = privsep_stats_msg(&m, &cause);
				break;
			case PRIVSEP_CONFIG_DONE:
				rc = privsep_config_done_msg(&m, &cause);
				break;
			default:
				rc = -1;
				xasprintf(&cause, "unknown request %u", m.type);
				break;
			}
			privsep_msg_clear(&m);
		}
		if (rc == -1) {
			log_warnx("privileged part: bad request from the "
			    "network part (%s): ending the channel and every "
			    "command", cause == NULL ? "malformed" : cause);
			free(cause);
			privsep_chan_close("the network part of rcmdd sent a "
			    "malformed request");
			return;
		}
	}
}

/*
 * End the main channel: every command not finished is killed and ended
 * as interrupted; the loop stops once none is left.
 */
static void
privsep_chan_close(const char *why)
{
	if (privsep_chan == -1)
		return;
	event_free(privsep_ev_chan);
	privsep_ev_chan = NULL;
	close(privsep_chan);
	privsep_chan = -1;
	/* A reload it had yet to answer is kept from, on this side too. */
	server_reload_done(0, "the network part of rcmdd ended");
	privsep_child_gone_all(why == NULL ? PRIVSEP_GONE_REASON : why);
	if (privsep_child_count() == 0)
		event_base_loopbreak(privsep_base);
}

/*
 * EXEC: check the request, commit its start row, spawn it and answer on
 * its own socket. Return 0 (whatever became of the command), or -1 with
 * the reason in bad if the request was malformed.
 */
static int
privsep_exec(struct privsep_msg *m, char **bad)
{
	struct cmd_record	*rec;
	char			*cause = NULL, *runas, *why;
	size_t			 rlen, vlen, off;
	uint64_t		 mask;
	int			 ctl, type = 0, domain = 0;
	socklen_t		 sl;

	if (privsep_msg_check(m, 1, 2, PRIVSEP_MSG_MAX, &cause) != 0)
		goto bad;
	ctl = privsep_msg_take_fd(m, 0);
	sl = sizeof type;
	getsockopt(ctl, SOL_SOCKET, SO_TYPE, &type, &sl);
	sl = sizeof domain;
	getsockopt(ctl, SOL_SOCKET, SO_DOMAIN, &domain, &sl);
	if (type != SOCK_SEQPACKET || domain != AF_UNIX) {
		close(ctl);
		xasprintf(&cause, "EXEC without a command socket");
		goto bad;
	}
	/* The user asked for ("": the rule's default), then the vector. */
	rlen = (size_t)m->data[0] << 8 | m->data[1];
	if (rlen > m->len - 2 || rlen > RUN_MAX_USER || (runas =
	    privsep_text(m->data + 2, rlen)) == NULL) {
		close(ctl);
		xasprintf(&cause, "EXEC with a bad run-as user");
		goto bad;
	}
	off = 2 + rlen;
	if (m->len - off < 4) {
		free(runas);
		close(ctl);
		xasprintf(&cause, "EXEC without a vector length");
		goto bad;
	}
	vlen = (size_t)privsep_get_i32(m->data + off) & 0xffffffffU;
	off += 4;
	/* A vector's rendering is ours (privsep_words): none may come. */
	mask = privsep_mask(PRIVSEP_EXEC);
	if (vlen != 0)
		mask &= ~((uint64_t)1 << RECORD_F_COMMAND);
	rec = xcalloc(1, sizeof *rec);
	rec->peer.client_port = -1;
	if (vlen > m->len - off || privsep_words(m->data + off, vlen, rec,
	    &cause) != 0 || record_unpack(rec, mask, m->data + off + vlen,
	    m->len - off - vlen, &cause) != 0 ||
	    (rec->nwords == 0 && (rec->command == NULL ||
	    (rec->command_len == 0 && rec->terminal == NULL))) ||
	    rec->peer.client_addr[0] == '\0') {
		if (cause == NULL)
			xasprintf(&cause, "EXEC without a command or a peer");
		free(runas);
		record_free(rec);
		close(ctl);
		goto bad;
	}

	/*
	 * The authoritative decision: the rules, the user, the program
	 * resolved against our own Path; and no more commands than
	 * MaxCommands, which the network part enforces too.
	 */
	why = privsep_decide(rec, runas[0] == '\0' ? NULL : runas);
	if (why == NULL && privsep_conf->max_commands != 0 &&
	    privsep_child_count() >= privsep_conf->max_commands)
		xasprintf(&why, "refused to run a command: %u are running "
		    "(MaxCommands)", privsep_child_count());
	else if (why == NULL)
		forward_lagging(&why);
	free(runas);
	if (why != NULL) {
		privsep_child_failed(ctl, PRIVSEP_FAIL_REFUSED, EPERM, NULL,
		    why);
		close(ctl);
		rec->status = "denied";
		free(rec->reason);
		rec->reason = why;
		privsep_refused(rec);
		return (0);
	}

	privsep_child_start(rec, ctl);
	return (0);

bad:
	*bad = cause;
	return (-1);
}

/*
 * Read an EXEC's vector (len bytes: each word and a NUL; none for a shell
 * command) into rec. Return 0, or -1 with the cause.
 */
static int
privsep_words(const uint8_t *p, size_t len, struct cmd_record *rec,
    char **cause)
{
	char		**words;
	size_t		  off, n;
	u_int		  i, count = 0;

	if (len == 0)
		return (0);
	if (p[len - 1] != '\0') {
		xasprintf(cause, "EXEC vector not ended by a NUL");
		return (-1);
	}
	for (off = 0; off < len; off++) {
		if (p[off] == '\0')
			count++;
	}
	if (count > RUN_MAX_ARGS) {
		xasprintf(cause, "EXEC vector of %u words", count);
		return (-1);
	}
	words = xcalloc(count + 1, sizeof *words);
	for (i = 0, off = 0; i < count; i++) {
		n = strlen((const char *)p + off);
		words[i] = xstrdup((const char *)p + off);
		off += n + 1;
	}
	record_set_words(rec, words, count);
	return (0);
}

/*
 * Decide a command (policy_decide, with the program of a vector resolved
 * against rcmdd's own Path) and, if allowed, fill in whom it runs as, the
 * rule and the program. Return NULL, or why it is refused (allocated,
 * with what would be allowed where the decision knows), the record then
 * holding what the denied row says. The privileged part's loop thread.
 */
static char *
privsep_decide(struct cmd_record *rec, const char *asked)
{
	struct policy_request	 rq;
	struct policy_decision	 d;
	struct exec_identity	 id, dflt;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	char			*why = NULL, *cause = NULL, *program = NULL;
	char			 addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];

	exec_identity(&dflt);
	memset(&rq, 0, sizeof rq);
	rq.identity = rec->peer.identity;
	rq.fingerprint = rec->peer.fingerprint;
	/*
	 * The peer's address, as the network part wrote it: "unix" for the
	 * local socket, else an address, an IPv6 one with its scope if it
	 * is link-local (fe80::1%eth0). Nothing else may be taken for the
	 * local socket, which rules may trust more.
	 */
	memset(&ss, 0, sizeof ss);
	strlcpy(addr, rec->peer.client_addr, sizeof addr);
	addr[strcspn(addr, "%")] = '\0';
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		rq.addr = (struct sockaddr *)&ss;
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		rq.addr = (struct sockaddr *)&ss;
	} else if (strcmp(rec->peer.client_addr, "unix") != 0) {
		xasprintf(&why, "not allowed: the peer's address \"%s\" is "
		    "neither an address nor the local socket",
		    rec->peer.client_addr);
		return (why);
	}
	rq.user = asked;
	rq.run_as = dflt.user;
	rq.ticket = rec->ticket != NULL;
	/* A terminal needs shell permission, whatever runs on it. */
	rq.terminal = rec->terminal != NULL;
	if (rec->nwords != 0) {
		rec->mode = "argv";
		if (policy_resolve(privsep_conf->path, rec->words[0], &program,
		    &cause) != 0) {
			xasprintf(&why, "not allowed: program %s: %s",
			    rec->words[0], cause);
			free(cause);
			return (why);
		}
		rq.mode = POLICY_ARGV;
		rq.program = program;
		rq.argv = rec->words;
		rq.argc = rec->nwords;
		if (rq.terminal) {
			rq.mode = POLICY_SHELL;
			rq.command = rec->command;
		}
	} else {
		rec->mode = "shell";
		rq.mode = POLICY_SHELL;
		rq.command = rec->command;
	}
	policy_decide(privsep_conf, &rq, &d);
	record_set_rule(rec, d.rule);
	free(rec->run_as);
	rec->run_as = xstrdup(d.allowed ? d.user : asked != NULL ? asked :
	    dflt.user);
	if (!d.allowed) {
		xasprintf(&why, "not allowed: %s%s%s", d.message,
		    d.hint != NULL ? "; " : "", d.hint != NULL ? d.hint : "");
		goto out;
	}
	if (strcmp(d.user, dflt.user) == 0)
		id = dflt;
	else if (exec_identity_user(privsep_conf, d.user,
	    strcmp(d.user, "root") == 0, &id, &cause) != 0) {
		xasprintf(&why, "cannot run as %s: %s", d.user, cause);
		free(cause);
		goto out;
	}
	rec->ident = id;
	rec->program = program;
	program = NULL;

out:
	policy_decision_clear(&d);
	free(program);
	return (why);
}

/*
 * May a refusal from addr have a row of its own? At most
 * AUTH_REFUSALS_BURST at once and AUTH_REFUSALS_PER_SEC a second, whatever
 * the network part sends; the others are summed up in one row a second
 * later. First writes the row that sums up those before, if any.
 */
static int
privsep_refusal_admit(const char *addr)
{
	struct timeval	tv = { 1, 0 };

	if (!auth_refusal_admit(addr)) {
		if (privsep_refusals_ev == NULL)
			privsep_refusals_ev = evtimer_new(privsep_base,
			    privsep_refusals_cb, NULL);
		if (privsep_refusals_ev != NULL &&
		    !evtimer_pending(privsep_refusals_ev, NULL))
			evtimer_add(privsep_refusals_ev, &tv);
		return (0);
	}
	privsep_refusals_cb(-1, 0, NULL);
	return (1);
}

/*
 * Record a refused command (rec, which it takes) as a denied row, paced
 * as the network part paces refused connections: past the burst, a
 * refusal is only counted, and a timer sums them up in one row a second.
 * The privileged part's loop thread.
 */
static void
privsep_refused(struct cmd_record *rec)
{
	if (!privsep_refusal_admit(rec->peer.client_addr)) {
		record_free(rec);
		return;
	}
	log_warnx("privileged part: command from %s%s%s: %s",
	    rec->peer.client_addr, rec->peer.identity != NULL ? " as " : "",
	    rec->peer.identity != NULL ? rec->peer.identity : "",
	    rec->reason);
	audit_deny_record(rec);
}

/* Write the row that sums up the refusals not recorded one by one. */
static void
privsep_refusals_cb(int fd, short events, void *arg)
{
	struct record_peer	 rp;
	char			*why;

	(void)fd;
	(void)events;
	(void)arg;
	if ((why = auth_suppressed_summary()) == NULL)
		return;
	log_warnx("privileged part: refused: %s", why);
	memset(&rp, 0, sizeof rp);
	strlcpy(rp.client_addr, "-", sizeof rp.client_addr);
	rp.client_port = -1;
	audit_deny(&rp, why);
	free(why);
}

/* Have cb called when the network part says it is ready, with its port. */
void
privsep_set_ready_cb(privsep_ready_cb cb)
{
	privsep_on_ready = cb;
}

/*
 * READY: the network part is confined and serving on the port it gives;
 * once only. Return 0, or -1 with the reason in cause if malformed.
 */
static int
privsep_ready_msg(struct privsep_msg *m, char **cause)
{
	privsep_ready_cb	cb = privsep_on_ready;

	if (privsep_msg_check(m, 0, 4, 4, cause) != 0)
		return (-1);
	privsep_on_ready = NULL;
	if (cb != NULL)
		cb(privsep_get_i32(m->data));
	return (0);
}

/*
 * Ask the network part for its counters (STATS_REQ); they come back as
 * STATS. Return 0, or -1 if it cannot be asked.
 */
int
privsep_stats_request(void)
{
	char	*cause = NULL;

	if (privsep_chan == -1)
		return (-1);
	if (privsep_send(privsep_chan, PRIVSEP_STATS_REQ, NULL, 0, NULL, 0,
	    MSG_DONTWAIT, &cause) != 0) {
		log_warnx("privileged part: %s", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

/*
 * STATS: the network part's counters, for --status, MetricsFile and
 * systemd's STATUS=. Return 0, or -1 with the reason in cause.
 */
static int
privsep_stats_msg(struct privsep_msg *m, char **cause)
{
	if (privsep_msg_check(m, 0, 24, 24, cause) != 0)
		return (-1);
	metrics_set_network(privsep_get_u64(m->data),
	    privsep_get_u64(m->data + 8), privsep_get_u64(m->data + 16));
	control_stats_done();
	return (0);
}

/*
 * CONFIG_DONE: whether the network part took the configuration of the
 * reload under way, and why not (server_reload_done). Return 0, or -1
 * with the reason in cause if malformed or unasked for.
 */
static int
privsep_config_done_msg(struct privsep_msg *m, char **cause)
{
	char	*why;
	int32_t	 ok;

	if (privsep_msg_check(m, 0, 4, 4 + PRIVSEP_TEXT_MAX, cause) != 0)
		return (-1);
	if (!server_reload_pending()) {
		xasprintf(cause, "CONFIG_DONE with no reload under way");
		return (-1);
	}
	ok = privsep_get_i32(m->data);
	if ((ok != 0 && ok != 1) || (why = privsep_text(m->data + 4,
	    m->len - 4)) == NULL) {
		xasprintf(cause, "CONFIG_DONE malformed");
		return (-1);
	}
	server_reload_done(ok, why[0] != '\0' ? why : "no reason given");
	free(why);
	return (0);
}

/* DENY: record a refused connection. Return -1 if malformed. */
static int
privsep_deny_msg(struct privsep_msg *m)
{
	struct cmd_record	*rec;
	char			*cause = NULL;

	rec = xcalloc(1, sizeof *rec);
	rec->peer.client_port = -1;
	if (privsep_msg_check(m, 0, 0, PRIVSEP_MSG_MAX, &cause) != 0 ||
	    record_unpack(rec, privsep_mask(PRIVSEP_DENY), m->data, m->len,
	    &cause) != 0 || rec->reason == NULL ||
	    rec->peer.client_addr[0] == '\0') {
		log_warnx("privileged part: bad DENY: %s", cause == NULL ?
		    "no reason or peer" : cause);
		free(cause);
		record_free(rec);
		return (-1);
	}
	/* Bounded here too: a network part may send DENY without end. */
	if (privsep_refusal_admit(rec->peer.client_addr))
		audit_deny(&rec->peer, rec->reason);
	record_free(rec);
	return (0);
}

