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
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * What an operator's monitoring reads of rcmdd: one set of figures, shown
 * three ways. rcmdd --status prints them as "name value" lines (control.c);
 * MetricsFile writes them, prefixed rcmdd_, in the Prometheus text format
 * for node_exporter's textfile collector (the convention for daemons that
 * serve no HTTP), replaced whole every MetricsInterval; and systemd's
 * STATUS= line sums them up (notify.c). Loop thread only.
 */

struct metric {
	const char	*name;
	const char	*type;		/* "gauge" or "counter" */
	const char	*help;
	double		 value;
};

#define METRICS_MAX	16

static u_int	metrics_collect(struct metric *);
static void	metrics_timer_cb(int, short, void *);
static void	metrics_file_write(void);
static char	*metrics_hint(int);

static time_t		 metrics_started;
static char		*metrics_path;
static struct event	*metrics_ev;
static int		 metrics_failing;
static int		 metrics_want_write;

/*
 * The network part's counters, as its last STATS said: the figures are
 * collected in the privileged part, which has the audit writer's.
 */
static uint64_t		 metrics_connections;
static uint64_t		 metrics_running;
static uint64_t		 metrics_started_total;

/* Note the start time; called once, before anything is counted. */
void
metrics_init(void)
{
	metrics_started = time(NULL);
}

/* Fill m with the figures now; return how many. */
static u_int
metrics_collect(struct metric *m)
{
	struct audit_stats	st;
	u_int			n = 0;

	audit_get_stats(&st);
#define METRIC(nm, ty, he, va) do {					\
	m[n].name = (nm);						\
	m[n].type = (ty);						\
	m[n].help = (he);						\
	m[n].value = (double)(va);					\
	n++;								\
} while (0)
	METRIC("start_time_seconds", "gauge",
	    "When rcmdd started, in seconds since the epoch.",
	    metrics_started);
	METRIC("connections", "gauge", "Client connections open.",
	    metrics_connections);
	METRIC("commands_running", "gauge", "Commands running.",
	    metrics_running);
	METRIC("commands_started_total", "counter",
	    "Commands started since rcmdd started.", metrics_started_total);
	METRIC("commands_refused_total", "counter",
	    "Connections and commands refused, each recorded as a denied "
	    "row.", st.denied);
	METRIC("audit_queue_depth", "gauge",
	    "Audit records waiting for the writer.", st.queued);
	METRIC("audit_commits_total", "counter",
	    "Audit transactions committed or tried.", st.commits);
	METRIC("audit_commit_seconds_total", "counter",
	    "Time spent in audit transactions.", st.commit_seconds);
	METRIC("audit_last_commit_seconds", "gauge",
	    "How long the last audit transaction took.",
	    st.last_commit_seconds);
	METRIC("audit_records_total", "counter",
	    "Audit records committed.", st.records);
	METRIC("audit_failed_total", "counter",
	    "Audit records that could not be committed.", st.failed);
	METRIC("audit_failing", "gauge",
	    "1 while audit records fail to commit and commands are refused.",
	    st.failing);
#undef METRIC
	return (n);
}

/* Write the figures as "name value" lines, for rcmdd --status. */
void
metrics_status_write(struct evbuffer *out)
{
	struct metric	m[METRICS_MAX];
	u_int		i, n;

	evbuffer_add_printf(out, "pid %ld\n", (long)getpid());
	evbuffer_add_printf(out, "version %s\n", PACKAGE_VERSION);
	evbuffer_add_printf(out, "uptime_seconds %lld\n",
	    (long long)(time(NULL) - metrics_started));
	n = metrics_collect(m);
	for (i = 0; i < n; i++)
		evbuffer_add_printf(out, "%s %.9g\n", m[i].name, m[i].value);
}

/* Return the one-line summary that systemd's STATUS= shows. */
char *
metrics_status_line(void)
{
	struct audit_stats	 st;
	char			*line;

	audit_get_stats(&st);
	xasprintf(&line, "%u command%s running, %u connection%s, %llu "
	    "started, %llu refused; audit: %s, queue %llu, last commit "
	    "%.1f ms", (u_int)metrics_running, metrics_running == 1 ? "" :
	    "s", (u_int)metrics_connections, metrics_connections == 1 ? "" :
	    "s", (unsigned long long)metrics_started_total,
	    (unsigned long long)st.denied,
	    st.failing ? "FAILING, commands refused" : "ok",
	    (unsigned long long)st.queued, st.last_commit_seconds * 1000);
	return (line);
}

/*
 * Write MetricsFile every interval_ms, and now; path NULL writes none.
 * Called at start-up and on reload.
 */
void
metrics_start(struct event_base *base, const char *path, u_int interval_ms)
{
	struct timeval	tv;

	metrics_stop();
	if (path == NULL)
		return;
	metrics_path = xstrdup(path);
	metrics_ev = event_new(base, -1, EV_PERSIST, metrics_timer_cb, NULL);
	tv.tv_sec = interval_ms / 1000;
	tv.tv_usec = (interval_ms % 1000) * 1000;
	if (metrics_ev == NULL || event_add(metrics_ev, &tv) != 0)
		fatalx("cannot add the metrics timer");
	metrics_file_write();
}

/*
 * Time to write the metrics file again: with the network part's counters
 * when its STATS comes, or now if it cannot be asked. Privileged part's
 * loop.
 */
static void
metrics_timer_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (privsep_stats_request() == 0)
		metrics_want_write = 1;
	else
		metrics_file_write();
}

/*
 * The network part's counters came (STATS): keep them, and write the
 * metrics file if it waits for them. Privileged part's loop.
 */
void
metrics_set_network(uint64_t connections, uint64_t running,
    uint64_t started)
{
	metrics_connections = connections;
	metrics_running = running;
	metrics_started_total = started;
	if (metrics_want_write && metrics_path != NULL)
		metrics_file_write();
	metrics_want_write = 0;
}

/*
 * Replace the metrics file whole: write a temporary file beside it and
 * rename it over, so that the collector never reads half a file. A
 * failure is logged once until a write works again.
 */
static void
metrics_file_write(void)
{
	struct metric	 m[METRICS_MAX];
	struct evbuffer	*out;
	char		*tmp, *hint;
	u_int		 i, n;
	int		 fd, error = 0;

	if ((out = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	n = metrics_collect(m);
	for (i = 0; i < n; i++) {
		evbuffer_add_printf(out, "# HELP rcmdd_%s %s\n"
		    "# TYPE rcmdd_%s %s\nrcmdd_%s %.9g\n", m[i].name,
		    m[i].help, m[i].name, m[i].type, m[i].name, m[i].value);
	}
	xasprintf(&tmp, "%s.tmp", metrics_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		error = errno;
	else {
		while (evbuffer_get_length(out) > 0) {
			if (evbuffer_write(out, fd) == -1) {
				error = errno;
				break;
			}
		}
		if (close(fd) == -1 && error == 0)
			error = errno;
		if (error == 0 && rename(tmp, metrics_path) == -1)
			error = errno;
		if (error != 0)
			unlink(tmp);
	}
	if (error != 0 && !metrics_failing) {
		hint = metrics_hint(error);
		log_warnx("MetricsFile %s: cannot write it: %s%s; trying "
		    "again every interval", metrics_path, strerror(error),
		    hint);
		free(hint);
	} else if (error == 0 && metrics_failing)
		log_info("MetricsFile %s: written again", metrics_path);
	metrics_failing = error != 0;
	free(tmp);
	evbuffer_free(out);
}

/*
 * What to do about an error writing MetricsFile, as "; ..." to follow it,
 * or "". rcmdd writes it as root, without CAP_DAC_OVERRIDE when RunAs is
 * another user (priv.c).
 */
static char *
metrics_hint(int error)
{
	char	*hint, *dir, *slash;

	switch (error) {
	case ENOENT:
		dir = xstrdup(metrics_path);
		if ((slash = strrchr(dir, '/')) == NULL || slash == dir) {
			free(dir);
			break;
		}
		*slash = '\0';
		xasprintf(&hint, "; create %s, or name a file in a folder "
		    "that exists", dir);
		free(dir);
		return (hint);
	case EACCES:
	case EPERM:
		return (xstrdup("; let root write to its folder: rcmdd keeps "
		    "no CAP_DAC_OVERRIDE when RunAs is not root"));
	case EROFS:
		return (xstrdup("; name a file on a file system mounted "
		    "read-write"));
	}
	return (xstrdup(""));
}

/* Stop writing the metrics file, with a last write of the figures. */
void
metrics_stop(void)
{
	if (metrics_ev != NULL) {
		metrics_file_write();
		event_free(metrics_ev);
		metrics_ev = NULL;
	}
	free(metrics_path);
	metrics_path = NULL;
}
