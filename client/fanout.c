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

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rcmd.h"
#include "utf8.h"
#include "xmalloc.h"

/*
 * Fan-out: run one command on many hosts from one poll(2) loop, at most a
 * given number at once, each connection with its own connect deadline and
 * run deadline. Output is printed a whole line at a time with the host in
 * front, or gathered per host and grouped as dshbak -c does; a summary of
 * the outcomes goes to stderr at the end. Unless told to pass it raw,
 * output is made safe to read first (fanout_sanitize): the output of many
 * hosts is read as a report, where one host must not drive the terminal or
 * make its lines look like another's.
 */

/* How long past -t to wait for a host's EXIT before giving up on it. */
#define FANOUT_GRACE_MS		5000
/* A partial line longer than this is printed as a line of its own. */
#define FANOUT_LINE_MAX		65536
/* How many hosts the summary names in each outcome. */
#define FANOUT_SUMMARY_NAMES	8
#define FANOUT_RULE		"----------------"

enum fanout_outcome {
	FANOUT_OK,
	FANOUT_FAILED,		/* exited non-zero or was killed */
	FANOUT_TIMEDOUT,	/* the server stopped it, or no EXIT in time */
	FANOUT_UNREACHABLE,	/* no connection, or it was lost */
	FANOUT_REFUSED		/* the server or the TLS handshake said no */
};
#define FANOUT_NOUTCOMES	5

/* One host of the fleet. */
struct fanout_host {
	char			*name;	/* as given: the output's prefix */
	char			*addr;	/* host part */
	char			*port;
	struct conn		 c;
	struct conn_result	 r;
	int			 state;
#define FANOUT_WAITING		0
#define FANOUT_ACTIVE		1
#define FANOUT_FINISHED		2
	enum fanout_outcome	 outcome;
	int			 status;
	char			*reason;	/* short, for the summary */
	uint64_t		 deadline;	/* 0: none */
	struct rbuf		 line[2];	/* partial stdout and stderr */
	int			 gather;	/* -g */
	int			 raw;		/* --raw: no escaping */
	struct rbuf		 gathered;	/* -g: all output */
	struct fanout_host	*group;		/* -g: first with the same */
	char			*user;		/* USER@host: NULL if none */
	struct conn_run		 run;		/* what its RUN asks */
};

struct fanout {
	struct fanout_host	*hosts;
	size_t			 nhosts;
	struct tls_config	*tc;
	const char		*port;
	int			 parallel;
	int			 connect_ms;
	uint32_t		 timeout_ms;
	int			 gather;
	int			 raw;
	int			 verbose;
	const char		*cmd;
	const struct conn_run	*run;		/* NULL: plain EXEC */
};

static int	fanout_unsafe(uint32_t);
static void	fanout_sanitize(struct rbuf *, const uint8_t *, size_t, int);
static void	fanout_start(struct fanout *, struct fanout_host *);
static void	fanout_output_cb(struct conn *, int, const uint8_t *, size_t,
		    void *);
static void	fanout_print_lines(struct fanout_host *, int, int);
static void	fanout_step(struct fanout *, struct fanout_host *, int);
static void	fanout_finish(struct fanout_host *, enum fanout_outcome, int,
		    const char *);
static void	fanout_fail(struct fanout_host *, const char *);
static void	fanout_print_groups(struct fanout *);
static void	fanout_print_summary(struct fanout *);
static uint64_t	fanout_now_ms(void);

static const char *fanout_outcome_names[FANOUT_NOUTCOMES] = {
	"ok", "failed", "timed out", "unreachable", "refused"
};

/*
 * Return whether a character must not reach the terminal as it is: a C0
 * control, DEL, a C1 control, a bidirectional control (which can reorder
 * what is shown, the host's name in front included), or a line or
 * paragraph separator.
 */
static int
fanout_unsafe(uint32_t c)
{
	return (utf8_is_control(c) || c == 0x061c || c == 0x200e ||
	    c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029);
}

/*
 * Append len bytes of a host's output to b, safe to read: valid UTF-8 and
 * TAB stay as they are, and newline too with nl; a carriage return,
 * bell, backspace, vertical tab or form feed becomes \r, \a, \b, \v or
 * \f, another C0 control, DEL or a byte that is not UTF-8 a backslash and
 * three octal digits (ESC is \033, so an escape sequence shows as text),
 * and another unsafe character \u and its four hex digits.
 */
static void
fanout_sanitize(struct rbuf *b, const uint8_t *p, size_t len, int nl)
{
	static const char	 shorts[] = "\r\a\b\v\f";
	const char		*short_form;
	uint32_t		 c;
	size_t			 i, n;
	char			 esc[16];

	for (i = 0; i < len; i += n) {
		n = utf8_decode(p + i, len - i, &c);
		if (n != 0 && (c == '\t' || (c == '\n' && nl) ||
		    !fanout_unsafe(c))) {
			rbuf_add(b, p + i, n);
			continue;
		}
		if (n == 0) {
			n = 1;
			c = p[i];
		} else if (c >= 0x80) {
			snprintf(esc, sizeof esc, "\\u%04X", (u_int)c);
			rbuf_add(b, esc, strlen(esc));
			continue;
		}
		/* CR, BEL, BS, VT and FF in their C forms, the rest octal. */
		if (c != 0 && (short_form = strchr(shorts, (int)c)) != NULL)
			snprintf(esc, sizeof esc, "\\%c",
			    "rabvf"[short_form - shorts]);
		else
			snprintf(esc, sizeof esc, "\\%03o", (u_int)c);
		rbuf_add(b, esc, strlen(esc));
	}
}

/*
 * Create a fan-out of one command to hosts added later: tc is the TLS
 * configuration for every TCP host (or NULL), port the default port; with
 * raw, output is printed as the hosts sent it.
 */
struct fanout *
fanout_new(const char *port, struct tls_config *tc, int parallel,
    int connect_ms, uint32_t timeout_ms, int gather, int raw, int verbose)
{
	struct fanout	*f;

	f = xcalloc(1, sizeof *f);
	f->port = port;
	f->tc = tc;
	f->parallel = parallel;
	f->connect_ms = connect_ms;
	f->timeout_ms = timeout_ms;
	f->gather = gather;
	f->raw = raw;
	f->verbose = verbose;
	return (f);
}

/*
 * Add a host. Return -1 with a cause if it is empty, already there, or
 * has a port that is not one.
 */
int
fanout_add(struct fanout *f, const char *name, char **cause)
{
	struct fanout_host	*h;
	const char		*host, *at;
	char			*addr, *port, *user = NULL;
	size_t			 i;

	if (*name == '\0') {
		*cause = xstrdup("empty host name in the host list");
		return (-1);
	}
	for (i = 0; i < f->nhosts; i++) {
		if (strcmp(f->hosts[i].name, name) == 0) {
			xasprintf(cause, "host %s is in the list twice: its "
			    "output could not be told apart", name);
			return (-1);
		}
	}
	/* USER@host, as on the command line. */
	host = name;
	if ((at = strchr(name, '@')) != NULL && at != name &&
	    strncmp(name, RCMD_UNIX_PREFIX, strlen(RCMD_UNIX_PREFIX)) != 0) {
		user = xstrndup(name, (size_t)(at - name));
		host = at + 1;
	}
	if (conn_split_host(host, f->port, &addr, &port, cause) != 0) {
		free(user);
		return (-1);
	}
	f->hosts = xreallocarray(f->hosts, f->nhosts + 1, sizeof *f->hosts);
	h = &f->hosts[f->nhosts++];
	memset(h, 0, sizeof *h);
	h->c.fd = -1;
	h->user = user;
	h->name = xstrdup(name);
	h->addr = addr;
	h->port = port;
	return (0);
}

/* Send every host's command as RUN, with what run asks. */
void
fanout_set_run(struct fanout *f, const struct conn_run *run)
{
	f->run = run;
}

/*
 * Add the hosts of a file, one a line; blank lines and text from # to the
 * end of a line are ignored. Return -1 with a cause naming the line.
 */
int
fanout_add_file(struct fanout *f, const char *path, char **cause)
{
	FILE	*fp;
	char	*line = NULL, *p, *end, *why;
	size_t	 size = 0;
	ssize_t	 n;
	int	 lineno = 0;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL) {
		xasprintf(cause, "cannot open the host file %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	while ((n = getline(&line, &size, fp)) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		p = line + strspn(line, " \t\r\n");
		end = p + strcspn(p, " \t\r\n");
		if (p == end)
			continue;
		if (*(end + strspn(end, " \t\r\n")) != '\0') {
			xasprintf(cause, "%s:%d: one host a line, please",
			    path, lineno);
			goto fail;
		}
		*end = '\0';
		if (fanout_add(f, p, &why) != 0) {
			xasprintf(cause, "%s:%d: %s", path, lineno, why);
			free(why);
			goto fail;
		}
	}
	if (ferror(fp)) {
		xasprintf(cause, "cannot read the host file %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	return (0);

fail:
	free(line);
	if (fp != stdin)
		fclose(fp);
	return (-1);
}

/* Start connecting to a host; a host that fails at once is finished. */
static void
fanout_start(struct fanout *f, struct fanout_host *h)
{
	char	*cause = NULL;

	h->state = FANOUT_ACTIVE;
	h->deadline = fanout_now_ms() + f->connect_ms;
	if (conn_start(&h->c, h->addr, h->port, strncmp(h->addr,
	    RCMD_UNIX_PREFIX, strlen(RCMD_UNIX_PREFIX)) == 0 ? NULL : f->tc,
	    f->connect_ms, &cause) != 0) {
		fanout_fail(h, cause);
		free(cause);
		return;
	}
	h->c.output_cb = fanout_output_cb;
	h->c.output_arg = h;
	fanout_step(f, h, 0);
}

/*
 * Take a piece of a host's output: gather it, or print the whole lines it
 * completes with the host in front. Runs in the poll loop, which is the
 * only writer of stdout and stderr, so two hosts never share a line.
 */
static void
fanout_output_cb(struct conn *c, int err, const uint8_t *data, size_t len,
    void *arg)
{
	struct fanout_host	*h = arg;

	(void)c;
	if (h->gather) {
		rbuf_add(&h->gathered, data, len);
		return;
	}
	rbuf_add(&h->line[err], data, len);
	fanout_print_lines(h, err, 0);
}

/*
 * Print the whole lines held for one stream of a host, each with the host
 * in front; with last, the partial line too, ended with a newline.
 */
static void
fanout_print_lines(struct fanout_host *h, int err, int last)
{
	struct rbuf	*b = &h->line[err], safe;
	FILE		*fp = err ? stderr : stdout;
	uint8_t		*p, *nl;
	size_t		 n;

	memset(&safe, 0, sizeof safe);
	while (rbuf_length(b) > 0) {
		p = rbuf_data(b);
		nl = memchr(p, '\n', rbuf_length(b));
		if (nl != NULL)
			n = nl - p;
		else if (last || rbuf_length(b) > FANOUT_LINE_MAX)
			n = rbuf_length(b);
		else
			break;
		if (h->raw) {
			/* fwrite: %.*s would stop at a NUL byte. */
			fprintf(fp, "%s: ", h->name);
			fwrite(p, 1, n, fp);
			fputc('\n', fp);
		} else {
			rbuf_drain(&safe, rbuf_length(&safe));
			fanout_sanitize(&safe, p, n, 0);
			fprintf(fp, "%s: %.*s\n", h->name,
			    (int)rbuf_length(&safe), rbuf_length(&safe) == 0 ?
			    "" : (char *)rbuf_data(&safe));
		}
		rbuf_drain(b, n + (nl != NULL));
	}
	rbuf_free(&safe);
	fflush(fp);
}

/* Drive a host after poll(2), or at its deadline, and finish it if done. */
static void
fanout_step(struct fanout *f, struct fanout_host *h, int revents)
{
	char	*cause = NULL;
	int	 rc;

	rc = conn_step(&h->c, revents, &h->r, &cause);
	if (rc == 0 && h->c.phase == CONN_READY) {
		/* -l, -m, --argv or USER@host: the command goes as RUN. */
		if (f->run != NULL)
			h->run = *f->run;
		if (h->user != NULL) {
			h->run.user = h->user;
			h->run.why = "USER@host";
		}
		if (h->run.why != NULL)
			h->c.run = &h->run;
		rc = conn_exec(&h->c, f->cmd, strlen(f->cmd), f->timeout_ms,
		    0, &cause);
		h->deadline = 0;
		if (rc == 0 && f->timeout_ms != 0)
			h->deadline = fanout_now_ms() + f->timeout_ms +
			    FANOUT_GRACE_MS;
		if (rc == 0)
			rc = conn_step(&h->c, 0, &h->r, &cause);
	}
	if (rc == 1) {
		rc = conn_exit_status(&h->r, h->name, &cause);
		free(cause);
		if (f->verbose)
			conn_print_receipt(&h->r, h->name);
		if (h->r.exit.kind == EXIT_TIMEDOUT)
			fanout_finish(h, FANOUT_TIMEDOUT, rc, NULL);
		else if (rc == 0)
			fanout_finish(h, FANOUT_OK, 0, NULL);
		else if (rc == RCMD_EXIT_ERROR && h->r.exit.kind != EXIT_EXITED)
			fanout_finish(h, FANOUT_REFUSED, rc,
			    h->r.exit.kind == EXIT_CANCELLED ? "cancelled" :
			    "could not start");
		else
			fanout_finish(h, FANOUT_FAILED, rc, NULL);
		return;
	}
	if (rc == -1) {
		fanout_fail(h, cause);
		free(cause);
	}
}

/*
 * Finish a host that failed with the cause: print it, and sort it as
 * refused when the server or TLS said no, unreachable otherwise.
 */
static void
fanout_fail(struct fanout_host *h, const char *cause)
{
	const char	*why;

	fprintf(stderr, "rcmd: %s: %s\n", h->name, cause);
	if (h->c.plain) {
		fanout_finish(h, FANOUT_REFUSED, RCMD_EXIT_ERROR,
		    "plain TCP beyond loopback: set up TLS");
		return;
	}
	if (h->c.refused || h->c.phase == CONN_TLS) {
		fanout_finish(h, FANOUT_REFUSED, RCMD_EXIT_ERROR,
		    h->c.phase == CONN_TLS ? "TLS handshake failed" :
		    "refused by the server");
		return;
	}
	if (h->c.error != 0)
		why = strerror(h->c.error);
	else if (h->c.phase == CONN_RUNNING)
		why = "connection lost";
	else if (h->c.phase == CONN_HELLO)
		why = "closed during the handshake";
	else
		why = "not found";
	fanout_finish(h, FANOUT_UNREACHABLE, RCMD_EXIT_ERROR, why);
}

/* Note how a host ended, flush its partial lines and close it. */
static void
fanout_finish(struct fanout_host *h, enum fanout_outcome outcome, int status,
    const char *reason)
{
	h->state = FANOUT_FINISHED;
	h->outcome = outcome;
	h->status = status;
	h->reason = reason != NULL ? xstrdup(reason) : NULL;
	if (!h->gather) {
		fanout_print_lines(h, 0, 1);
		fanout_print_lines(h, 1, 1);
	}
	rbuf_free(&h->line[0]);
	rbuf_free(&h->line[1]);
	conn_close(&h->c);
}

/*
 * Run the command on every host, print the output and the summary, and
 * return the exit status: the largest of the hosts', 255 if any host
 * could not be reached or refused.
 */
int
fanout_run(struct fanout *f, const char *cmd)
{
	struct fanout_host	 *h, **active;
	struct pollfd		 *pfd;
	uint64_t		  now, next;
	size_t			  i, n, started = 0, finished = 0, nactive;
	int			  status = 0, wait, pending;

	f->cmd = cmd;
	for (i = 0; i < f->nhosts; i++) {
		f->hosts[i].gather = f->gather;
		f->hosts[i].raw = f->raw;
	}
	pfd = xreallocarray(NULL, f->parallel, sizeof *pfd);
	active = xreallocarray(NULL, f->parallel, sizeof *active);
	while (finished < f->nhosts) {
		/* Start hosts up to the bound; some may finish at once. */
		nactive = 0;
		for (i = 0; i < started; i++) {
			if (f->hosts[i].state == FANOUT_ACTIVE)
				nactive++;
		}
		while (started < f->nhosts && nactive < (size_t)f->parallel) {
			fanout_start(f, &f->hosts[started]);
			if (f->hosts[started++].state == FANOUT_ACTIVE)
				nactive++;
		}

		n = 0;
		pending = 0;
		next = 0;
		for (i = 0; i < started; i++) {
			h = &f->hosts[i];
			if (h->state != FANOUT_ACTIVE)
				continue;
			active[n] = h;
			pfd[n].fd = h->c.fd;
			pfd[n].events = conn_events(&h->c);
			pfd[n].revents = 0;
			if (conn_pending(&h->c))
				pending = 1;
			if (h->deadline != 0 &&
			    (next == 0 || h->deadline < next))
				next = h->deadline;
			n++;
		}
		now = fanout_now_ms();
		if (pending)
			wait = 0;
		else if (next == 0)
			wait = -1;
		else
			wait = next > now ? (int)(next - now) : 0;
		if (n != 0 && poll(pfd, n, wait) == -1 && errno != EINTR)
			fatal("poll");

		now = fanout_now_ms();
		for (i = 0; i < n; i++) {
			h = active[i];
			if (pfd[i].revents != 0 || conn_pending(&h->c))
				fanout_step(f, h, pfd[i].revents);
			if (h->state != FANOUT_ACTIVE || h->deadline == 0 ||
			    now < h->deadline)
				continue;
			if (h->c.phase == CONN_RUNNING) {
				fprintf(stderr, "rcmd: %s: no EXIT within %u s "
				    "of the command's timeout: giving up on "
				    "it\n", h->name, (unsigned)
				    (FANOUT_GRACE_MS / 1000));
				fanout_finish(h, FANOUT_TIMEDOUT,
				    RCMD_EXIT_TIMEOUT, "no answer");
			} else {
				fprintf(stderr, "rcmd: %s: no answer within "
				    "%d s of connecting\n", h->name,
				    f->connect_ms / 1000);
				fanout_finish(h, FANOUT_UNREACHABLE,
				    RCMD_EXIT_ERROR, "connect timed out");
			}
		}
		finished = 0;
		for (i = 0; i < f->nhosts; i++) {
			if (f->hosts[i].state == FANOUT_FINISHED)
				finished++;
		}
	}
	free(pfd);
	free(active);

	if (f->gather)
		fanout_print_groups(f);
	fanout_print_summary(f);
	for (i = 0; i < f->nhosts; i++) {
		h = &f->hosts[i];
		if (h->outcome == FANOUT_UNREACHABLE ||
		    h->outcome == FANOUT_REFUSED)
			status = RCMD_EXIT_ERROR;
		else if (h->status > status)
			status = h->status;
	}
	return (status);
}

/*
 * Print gathered output, hosts with the same output together under one
 * header, in the order of their first host, as dshbak -c does.
 */
static void
fanout_print_groups(struct fanout *f)
{
	struct fanout_host	*h, *g;
	struct rbuf		 safe;
	size_t			 i, j;

	for (i = 0; i < f->nhosts; i++) {
		h = &f->hosts[i];
		if (rbuf_length(&h->gathered) == 0 || h->group != NULL)
			continue;
		for (j = i + 1; j < f->nhosts; j++) {
			g = &f->hosts[j];
			if (g->group == NULL && rbuf_length(&g->gathered) ==
			    rbuf_length(&h->gathered) &&
			    memcmp(rbuf_data(&g->gathered),
			    rbuf_data(&h->gathered),
			    rbuf_length(&h->gathered)) == 0)
				g->group = h;
		}
		printf("%s\n%s", FANOUT_RULE, h->name);
		for (j = i + 1; j < f->nhosts; j++) {
			if (f->hosts[j].group == h)
				printf(",%s", f->hosts[j].name);
		}
		printf("\n%s\n", FANOUT_RULE);
		if (h->raw)
			fwrite(rbuf_data(&h->gathered), 1,
			    rbuf_length(&h->gathered), stdout);
		else {
			memset(&safe, 0, sizeof safe);
			fanout_sanitize(&safe, rbuf_data(&h->gathered),
			    rbuf_length(&h->gathered), 1);
			fwrite(rbuf_data(&safe), 1, rbuf_length(&safe),
			    stdout);
			rbuf_free(&safe);
		}
		if (rbuf_data(&h->gathered)[rbuf_length(&h->gathered) - 1] !=
		    '\n')
			putchar('\n');
	}
	fflush(stdout);
}

/*
 * Print how many hosts ended how, naming the first few of each outcome
 * but the hosts that were ok, to stderr.
 */
static void
fanout_print_summary(struct fanout *f)
{
	struct fanout_host	*h;
	size_t			 count[FANOUT_NOUTCOMES] = { 0 };
	size_t			 i, named;
	int			 o, first = 1;

	for (i = 0; i < f->nhosts; i++)
		count[f->hosts[i].outcome]++;
	fprintf(stderr, "rcmd: %zu host%s:", f->nhosts,
	    f->nhosts == 1 ? "" : "s");
	for (o = 0; o < FANOUT_NOUTCOMES; o++) {
		if (count[o] == 0)
			continue;
		fprintf(stderr, "%s %zu %s", first ? "" : ",", count[o],
		    fanout_outcome_names[o]);
		first = 0;
		if (o == FANOUT_OK)
			continue;
		named = 0;
		for (i = 0; i < f->nhosts; i++) {
			h = &f->hosts[i];
			if ((int)h->outcome != o)
				continue;
			if (named == FANOUT_SUMMARY_NAMES) {
				fprintf(stderr, ", ...");
				break;
			}
			fprintf(stderr, "%s%s", named == 0 ? " (" : ", ",
			    h->name);
			if (o == FANOUT_FAILED)
				fprintf(stderr, ": %d", h->status);
			else if (h->reason != NULL)
				fprintf(stderr, ": %s", h->reason);
			named++;
		}
		fprintf(stderr, ")");
	}
	fprintf(stderr, "\n");
}

/* Free a fan-out and its hosts. */
void
fanout_free(struct fanout *f)
{
	struct fanout_host	*h;
	size_t			 i;

	for (i = 0; i < f->nhosts; i++) {
		h = &f->hosts[i];
		conn_close(&h->c);
		free(h->name);
		free(h->user);
		free(h->addr);
		free(h->port);
		free(h->reason);
		rbuf_free(&h->line[0]);
		rbuf_free(&h->line[1]);
		rbuf_free(&h->gathered);
	}
	free(f->hosts);
	free(f);
}

/* Return how many hosts a fan-out has. */
size_t
fanout_count(struct fanout *f)
{
	return (f->nhosts);
}

/* Return a monotonic time in milliseconds. */
static uint64_t
fanout_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}
