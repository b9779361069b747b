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
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "rcmd-protocol.h"
#include "xmalloc.h"

/*
 * rcmd-bench: load for rcmdd from one process. C connections each run M
 * commands back to back (or open a new connection per command with
 * --connect-each); it prints commands per second, the latency from EXEC
 * (or from connect) to EXIT, and, given the daemon's PID, the daemon's
 * peak RSS over the run. --sync-start opens every connection first and
 * starts the clock when all have said HELLO. --duration runs for a fixed
 * time instead of a count: each connection runs commands back to back,
 * starts no new one once the time is up, and ends when its last command
 * does, so that every connection completes at least one. --idle holds C
 * connections open after HELLO and prints the daemon's RSS instead. Every
 * run is bounded by --time-limit.
 */

#define BENCH_NAME		"rcmd-bench"
#define BENCH_MAX_CONNS		100000
#define BENCH_BUF_SIZE		(FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD)
#define BENCH_MAX_PARTS		8	/* the daemon's processes counted */

/* One connection slot; with --connect-each it reconnects per command. */
struct bench_conn {
	int			 index;
	struct bufferevent	*bev;
	int			 hello_done;
	u_int			 done;
	uint64_t		 sent_us;
};

static void	 bench_connect(struct bench_conn *);
static void	 bench_exec(struct bench_conn *);
static void	 bench_go(void);
static void	 bench_read_cb(struct bufferevent *, void *);
static void	 bench_event_cb(struct bufferevent *, short, void *);
static void	 bench_frame(struct bench_conn *, const struct frame *);
static void	 bench_command_done(struct bench_conn *, int);
static void	 bench_conn_drop(struct bench_conn *);
static void	 bench_conn_close(struct bench_conn *);
static void	 bench_limit_cb(int, short, void *);
static void	 bench_idle_cb(int, short, void *);
static void	 bench_report(void);
static int	 bench_cmp(const void *, const void *);
static uint64_t	 bench_percentile(double);
static void	 bench_find_parts(void);
static long	 bench_proc_kib(const char *);
static long	 bench_part_kib(long, const char *);
static void	 bench_reset_peak(void);
static double	 bench_proc_cpu_ms(void);
static double	 bench_part_cpu_ms(long);
static uint64_t	 bench_now_us(void);
static void	 bench_usage(void) __attribute__((__noreturn__));

static struct event_base	*bench_base;
static struct sockaddr_in	 bench_addr;
static struct bench_conn	*bench_conns;
static u_int			 bench_nconns = 1;
static u_int			 bench_per_conn = 100;
static int			 bench_connect_each;
static int			 bench_sync;
static int			 bench_going;
static uint64_t			 bench_connect_us;
static const char		*bench_command = "true";
static long			 bench_pid = -1;
static long			 bench_parts[BENCH_MAX_PARTS];
static u_int			 bench_nparts;
static u_int			 bench_idle_s;
static uint64_t			 bench_duration_us;
static u_int			 bench_limit_s = 120;
static uint8_t			 bench_exec_frame[BENCH_BUF_SIZE];
static size_t			 bench_exec_len;
static uint8_t			 bench_hello_frame[FRAME_HEADER_LEN + 8 +
				     HELLO_MAX_NAME];
static size_t			 bench_hello_len;
static uint64_t			*bench_lat;
static size_t			 bench_nlat;
static size_t			 bench_lat_size;
static size_t			 bench_nlat_window;
static uint64_t			 bench_failed;
static uint64_t			 bench_errors;
static uint64_t			 bench_output;
static u_int			 bench_open;
static u_int			 bench_ready;
static u_int			 bench_active;
static uint64_t			 bench_start_us;
static uint64_t			 bench_end_us;
static int			 bench_timed_out;
static double			 bench_cpu_start_ms;

/* Open (or reopen) a slot's connection and send HELLO. */
static void
bench_connect(struct bench_conn *c)
{
	int	on = 1;

	c->hello_done = 0;
	c->bev = bufferevent_socket_new(bench_base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("bufferevent_socket_new failed");
	bufferevent_setcb(c->bev, bench_read_cb, NULL, bench_event_cb, c);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&bench_addr,
	    sizeof bench_addr) != 0) {
		log_warnx("connection %d: cannot connect: %s", c->index,
		    strerror(errno));
		bench_errors++;
		bench_conn_close(c);
		return;
	}
	setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_NODELAY, &on,
	    sizeof on);
	bench_open++;
	c->sent_us = bench_now_us();
	bufferevent_write(c->bev, bench_hello_frame, bench_hello_len);
	bufferevent_enable(c->bev, EV_READ);
}

/* Send the next EXEC; with --connect-each the clock started at connect. */
static void
bench_exec(struct bench_conn *c)
{
	if (!bench_connect_each)
		c->sent_us = bench_now_us();
	bufferevent_write(c->bev, bench_exec_frame, bench_exec_len);
}

/*
 * --sync-start: every connection has its HELLO answered, so start the
 * clock and send every first EXEC at once; the time the connections took
 * is reported apart.
 */
static void
bench_go(void)
{
	u_int	i;

	bench_going = 1;
	bench_connect_us = bench_now_us() - bench_start_us;
	bench_start_us = bench_now_us();
	for (i = 0; i < bench_nconns; i++) {
		if (bench_conns[i].bev != NULL && bench_conns[i].hello_done)
			bench_exec(&bench_conns[i]);
	}
}

/* Frames from the daemon. Runs in the event loop. */
static void
bench_read_cb(struct bufferevent *bev, void *arg)
{
	struct bench_conn	*c = arg;
	struct evbuffer		*in;
	struct frame		 f;
	uint8_t			*p;
	size_t			 avail, used;
	uint16_t		 code;
	char			*cause = NULL;
	int			 rc;

	in = bufferevent_get_input(bev);
	while (c->bev == bev && (avail = evbuffer_get_length(in)) >= 4) {
		p = evbuffer_pullup(in, 4);
		used = frame_size(p);
		if (avail < used)
			return;
		p = evbuffer_pullup(in, used);
		rc = frame_decode(p, used, &f, &used, &code, &cause);
		if (rc != 1 || frame_check_server(&f, &code, &cause) != 0) {
			log_warnx("connection %d: protocol error: %s",
			    c->index, cause == NULL ? "bad frame" : cause);
			free(cause);
			bench_errors++;
			bench_conn_close(c);
			return;
		}
		bench_frame(c, &f);
		if (c->bev == bev)
			evbuffer_drain(in, used);
	}
}

/* Handle one frame from the daemon. */
static void
bench_frame(struct bench_conn *c, const struct frame *f)
{
	struct frame_exit	x;
	uint16_t		code;
	char			msg[256];

	switch (f->type) {
	case MSG_SERVER_HELLO:
		c->hello_done = 1;
		if (bench_idle_s != 0) {
			bench_ready++;
			return;
		}
		if (bench_sync && !bench_going) {
			if (++bench_ready == bench_active)
				bench_go();
			return;
		}
		bench_exec(c);
		break;
	case MSG_STARTED:
		break;
	case MSG_STDOUT:
	case MSG_STDERR:
		bench_output += f->len;
		break;
	case MSG_EXIT:
		if (frame_parse_exit(f, &x) != 0) {
			bench_errors++;
			bench_conn_close(c);
			return;
		}
		bench_command_done(c, x.kind == EXIT_EXITED && x.code == 0);
		break;
	case MSG_ERROR:
		frame_parse_error(f, &code, msg, sizeof msg);
		log_warnx("connection %d: error %u from the daemon: %s",
		    c->index, code, msg);
		bench_errors++;
		if (frame_error_is_fatal(code))
			bench_conn_close(c);
		else
			bench_command_done(c, 0);
		break;
	}
}

/*
 * A command ended: note its latency, then run the next one, unless the
 * connection has run its count or, with --duration, the time is up.
 */
static void
bench_command_done(struct bench_conn *c, int ok)
{
	uint64_t	now;
	int		over;

	now = bench_now_us();
	if (bench_nlat == bench_lat_size) {
		bench_lat_size = bench_lat_size == 0 ? 1024 :
		    bench_lat_size * 2;
		bench_lat = xreallocarray(bench_lat, bench_lat_size,
		    sizeof *bench_lat);
	}
	bench_lat[bench_nlat++] = now - c->sent_us;
	if (!ok)
		bench_failed++;
	c->done++;
	over = bench_duration_us != 0 &&
	    now - bench_start_us >= bench_duration_us;
	if (!over)
		bench_nlat_window = bench_nlat;
	if (c->done >= bench_per_conn || over) {
		bench_conn_close(c);
		return;
	}
	if (bench_connect_each) {
		bench_conn_drop(c);
		bench_connect(c);
		return;
	}
	bench_exec(c);
}

/* Connected, closed or failed. */
static void
bench_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct bench_conn	*c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_ERROR)
		log_warnx("connection %d: %s", c->index,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	else
		log_warnx("connection %d: closed by the daemon", c->index);
	bench_errors++;
	bench_conn_close(c);
}

/* Free a slot's connection, leaving the slot active. */
static void
bench_conn_drop(struct bench_conn *c)
{
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		bench_open--;
	}
}

/* Close a slot for good; the loop ends when no slot is active. */
static void
bench_conn_close(struct bench_conn *c)
{
	bench_conn_drop(c);
	if (bench_active != 0 && --bench_active == 0) {
		bench_end_us = bench_now_us();
		event_base_loopexit(bench_base, NULL);
		return;
	}
	/* A connection that failed before HELLO holds the others no more. */
	if (bench_sync && !bench_going && bench_ready == bench_active)
		bench_go();
}

/* The time limit passed: stop where we are. */
static void
bench_limit_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	bench_timed_out = 1;
	bench_end_us = bench_now_us();
	event_base_loopexit(bench_base, NULL);
}

/*
 * Idle mode: once every connection has had its HELLO answered, hold them
 * for the given time, then stop; the daemon's RSS is read at the end.
 */
static void
bench_idle_cb(int fd, short events, void *arg)
{
	static uint64_t	 all_ready_us;
	struct event	*ev = arg;
	struct timeval	 tv = { 0, 100000 };

	(void)fd;
	(void)events;
	if (all_ready_us == 0 && bench_ready == bench_nconns)
		all_ready_us = bench_now_us();
	if (all_ready_us != 0 &&
	    bench_now_us() - all_ready_us >= (uint64_t)bench_idle_s * 1000000) {
		bench_end_us = bench_now_us();
		event_base_loopexit(bench_base, NULL);
		return;
	}
	event_add(ev, &tv);
}

/* Order latencies for the percentiles. */
static int
bench_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Return the latency at a percentile (nearest rank); lat is sorted. */
static uint64_t
bench_percentile(double pct)
{
	size_t	rank;

	if (bench_nlat == 0)
		return (0);
	rank = (size_t)(pct / 100.0 * (double)bench_nlat + 0.999999);
	if (rank == 0)
		rank = 1;
	if (rank > bench_nlat)
		rank = bench_nlat;
	return (bench_lat[rank - 1]);
}

/*
 * Find the daemon's processes: the one given and its children that run
 * the same program. Since the privilege split the connections live in
 * the network part, a child of the privileged one; the commands, also
 * its children, run other programs and are left out.
 */
static void
bench_find_parts(void)
{
	DIR		*d;
	struct dirent	*de;
	FILE		*f;
	char		 path[64], exe[PATH_MAX], cexe[PATH_MAX];
	ssize_t		 n;
	long		 child;

	bench_nparts = 0;
	if (bench_pid <= 0)
		return;
	bench_parts[bench_nparts++] = bench_pid;
	snprintf(path, sizeof path, "/proc/%ld/exe", bench_pid);
	if ((n = readlink(path, exe, sizeof exe - 1)) <= 0)
		return;
	exe[n] = '\0';
	snprintf(path, sizeof path, "/proc/%ld/task", bench_pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%ld/task/%.16s/children",
		    bench_pid, de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (bench_nparts < BENCH_MAX_PARTS &&
		    fscanf(f, "%ld", &child) == 1) {
			snprintf(path, sizeof path, "/proc/%ld/exe", child);
			if ((n = readlink(path, cexe, sizeof cexe - 1)) <= 0)
				continue;
			cexe[n] = '\0';
			if (strcmp(cexe, exe) == 0)
				bench_parts[bench_nparts++] = child;
		}
		fclose(f);
	}
	closedir(d);
}

/*
 * Return a field of /proc/PID/status in KiB, summed over the daemon's
 * processes, or -1.
 */
static long
bench_proc_kib(const char *field)
{
	long	sum = 0, v;
	u_int	i;

	if (bench_nparts == 0)
		return (-1);
	for (i = 0; i < bench_nparts; i++) {
		if ((v = bench_part_kib(bench_parts[i], field)) == -1)
			return (-1);
		sum += v;
	}
	return (sum);
}

/* Return a field of /proc/PID/status in KiB, or -1. */
static long
bench_part_kib(long pid, const char *field)
{
	FILE	*f;
	char	 path[64], line[256];
	size_t	 len;
	long	 v = -1;

	len = strlen(field);
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return (v);
}

/*
 * Reset the peak RSS of the daemon's processes to their current RSS, so
 * that the peak read at the end is this run's (clear_refs 5; we must own
 * the processes).
 */
static void
bench_reset_peak(void)
{
	char	path[64];
	u_int	i;
	int	fd;

	for (i = 0; i < bench_nparts; i++) {
		snprintf(path, sizeof path, "/proc/%ld/clear_refs",
		    bench_parts[i]);
		if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1 ||
		    write(fd, "5", 1) != 1)
			log_warn("cannot reset the peak RSS of %ld (%s); the "
			    "peak printed is since the daemon started",
			    bench_parts[i], path);
		if (fd != -1)
			close(fd);
	}
}

/*
 * Return the CPU time the daemon's processes have used, user and system,
 * all threads, in ms, or -1.
 */
static double
bench_proc_cpu_ms(void)
{
	double	sum = 0, v;
	u_int	i;

	if (bench_nparts == 0)
		return (-1);
	for (i = 0; i < bench_nparts; i++) {
		if ((v = bench_part_cpu_ms(bench_parts[i])) < 0)
			return (-1);
		sum += v;
	}
	return (sum);
}

/*
 * Return the CPU time of one process in ms, or -1: from its CPU-time
 * clock, to the nanosecond, or else from fields 14 and 15 of
 * /proc/PID/stat, in clock ticks.
 */
static double
bench_part_cpu_ms(long pid)
{
	FILE			*f;
	struct timespec		 ts;
	clockid_t		 clk;
	char			 path[64], line[1024], *p;
	unsigned long long	 utime, stime;
	long			 hz;
	int			 ok;

	if (clock_getcpuclockid((pid_t)pid, &clk) == 0 &&
	    clock_gettime(clk, &ts) == 0)
		return ((double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
	if ((hz = sysconf(_SC_CLK_TCK)) <= 0)
		return (-1);
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	p = fgets(line, sizeof line, f);
	fclose(f);
	/* The name in parentheses may hold blanks: start after it. */
	if (p == NULL || (p = strrchr(line, ')')) == NULL)
		return (-1);
	ok = sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &utime, &stime);
	if (ok != 2)
		return (-1);
	return ((double)(utime + stime) * 1000.0 / (double)hz);
}

/* Print the figures, one "name value" per line. */
static void
bench_report(void)
{
	double	seconds, cpu;
	u_int	i, idle;

	seconds = (double)(bench_end_us - bench_start_us) / 1e6;
	printf("connections %u\n", bench_nconns);
	if (bench_idle_s == 0) {
		qsort(bench_lat, bench_nlat, sizeof *bench_lat, bench_cmp);
		printf("commands %zu\n", bench_nlat);
		printf("failed %llu\n", (unsigned long long)bench_failed);
		printf("seconds %.3f\n", seconds);
		printf("commands_per_second %.1f\n",
		    seconds > 0 ? bench_nlat / seconds : 0.0);
		if (bench_duration_us != 0) {
			/* Connections that never completed a command. */
			for (i = idle = 0; i < bench_nconns; i++)
				idle += bench_conns[i].done == 0;
			printf("duration_seconds %.3f\n",
			    (double)bench_duration_us / 1e6);
			printf("commands_in_duration %zu\n",
			    bench_nlat_window);
			printf("connections_without_a_command %u\n", idle);
		}
		printf("latency_ms p50 %.3f p90 %.3f p99 %.3f max %.3f\n",
		    bench_percentile(50) / 1e3, bench_percentile(90) / 1e3,
		    bench_percentile(99) / 1e3,
		    bench_nlat == 0 ? 0.0 : bench_lat[bench_nlat - 1] / 1e3);
		printf("output_bytes %llu\n", (unsigned long long)bench_output);
		if (bench_sync)
			printf("connect_seconds %.3f\n",
			    (double)bench_connect_us / 1e6);
	} else {
		printf("ready %u\n", bench_ready);
		printf("seconds %.3f\n", seconds);
	}
	printf("errors %llu\n", (unsigned long long)bench_errors);
	if (bench_pid > 0) {
		cpu = bench_proc_cpu_ms() - bench_cpu_start_ms;
		printf("daemon_cpu_ms %.0f\n", cpu);
		if (bench_idle_s == 0 && bench_nlat != 0)
			printf("daemon_cpu_us_per_command %.1f\n",
			    cpu * 1000.0 / (double)bench_nlat);
		printf("daemon_rss_kib %ld\n", bench_proc_kib("VmRSS"));
		printf("daemon_peak_rss_kib %ld\n", bench_proc_kib("VmHWM"));
		printf("daemon_processes %u\n", bench_nparts);
	}
	if (bench_timed_out)
		printf("timed_out %u\n", bench_limit_s);
}

/* Return a monotonic time in microseconds. */
static uint64_t
bench_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000);
}

static void
bench_usage(void)
{
	fprintf(stderr, "usage: %s [-eS] [-C command] [-c connections] "
	    "[-d seconds] [-H address]\n"
	    "\t[-i seconds] [-n commands] [-P pid] [-T seconds] -p port\n",
	    BENCH_NAME);
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "command",		required_argument,	NULL, 'C' },
		{ "connections",	required_argument,	NULL, 'c' },
		{ "connect-each",	no_argument,		NULL, 'e' },
		{ "duration",		required_argument,	NULL, 'd' },
		{ "host",		required_argument,	NULL, 'H' },
		{ "idle",		required_argument,	NULL, 'i' },
		{ "commands",		required_argument,	NULL, 'n' },
		{ "pid",		required_argument,	NULL, 'P' },
		{ "sync-start",		no_argument,		NULL, 'S' },
		{ "port",		required_argument,	NULL, 'p' },
		{ "time-limit",		required_argument,	NULL, 'T' },
		{ NULL,			0,			NULL, 0 }
	};
	struct event	*limit_ev, *idle_ev = NULL;
	struct timeval	 tv;
	struct rlimit	 rl;
	const char	*host = "127.0.0.1", *errstr;
	char		*end;
	double		 d;
	long		 port = -1;
	int		 ch, counted = 0;
	u_int		 i;

	log_init(BENCH_NAME, 1, 0);
	while ((ch = getopt_long(argc, argv, "C:c:d:eH:i:n:P:p:ST:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'C':
			bench_command = optarg;
			break;
		case 'c':
			bench_nconns = strtonum(optarg, 1, BENCH_MAX_CONNS,
			    &errstr);
			if (errstr != NULL)
				fatalx("connections %s: %s", optarg, errstr);
			break;
		case 'd':
			errno = 0;
			d = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    !(d >= 0.001 && d <= 86400))
				fatalx("duration %s: give seconds from 0.001 "
				    "to 86400, such as 2.5", optarg);
			bench_duration_us = (uint64_t)(d * 1e6);
			break;
		case 'e':
			bench_connect_each = 1;
			break;
		case 'H':
			host = optarg;
			break;
		case 'i':
			bench_idle_s = strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				fatalx("idle seconds %s: %s", optarg, errstr);
			break;
		case 'n':
			bench_per_conn = strtonum(optarg, 1, 10000000,
			    &errstr);
			if (errstr != NULL)
				fatalx("commands %s: %s", optarg, errstr);
			counted = 1;
			break;
		case 'P':
			bench_pid = strtonum(optarg, 1, INT32_MAX, &errstr);
			if (errstr != NULL)
				fatalx("pid %s: %s", optarg, errstr);
			break;
		case 'S':
			bench_sync = 1;
			break;
		case 'p':
			port = strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				fatalx("port %s: %s", optarg, errstr);
			break;
		case 'T':
			bench_limit_s = strtonum(optarg, 1, 86400, &errstr);
			if (errstr != NULL)
				fatalx("time limit %s: %s", optarg, errstr);
			break;
		default:
			bench_usage();
		}
	}
	if (optind != argc || port == -1)
		bench_usage();
	if (bench_duration_us != 0 && (counted || bench_idle_s != 0))
		fatalx("--duration runs commands for a time, not a count: "
		    "give it without --commands and --idle");
	if (bench_duration_us != 0)
		bench_per_conn = UINT32_MAX;
	else if ((size_t)bench_nconns * bench_per_conn > 100000000)
		fatalx("%u connections of %u commands is too many to time",
		    bench_nconns, bench_per_conn);

	memset(&bench_addr, 0, sizeof bench_addr);
	bench_addr.sin_family = AF_INET;
	bench_addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &bench_addr.sin_addr) != 1)
		fatalx("%s is not an IPv4 address: give a loopback address "
		    "such as 127.0.0.1", host);

	/* Many connections need many descriptors: take the hard limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)bench_nconns + 16)
		fatalx("%u connections need %u descriptors, and the limit is "
		    "%llu: raise it with ulimit -n", bench_nconns,
		    bench_nconns + 16, (unsigned long long)rl.rlim_cur);

	bench_exec_len = frame_encode_exec(bench_exec_frame,
	    sizeof bench_exec_frame, 0, bench_command, strlen(bench_command));
	if (bench_exec_len == 0)
		fatalx("the command is longer than %d bytes", EXEC_MAX_COMMAND);
	bench_hello_len = frame_encode_hello(bench_hello_frame,
	    sizeof bench_hello_frame, MSG_HELLO, BENCH_NAME);
	if (bench_idle_s == 0 && bench_duration_us == 0) {
		bench_lat_size = (size_t)bench_nconns * bench_per_conn;
		bench_lat = xreallocarray(NULL, bench_lat_size,
		    sizeof *bench_lat);
	}

	if ((bench_base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	limit_ev = evtimer_new(bench_base, bench_limit_cb, NULL);
	tv.tv_sec = bench_limit_s;
	tv.tv_usec = 0;
	evtimer_add(limit_ev, &tv);
	if (bench_idle_s != 0) {
		idle_ev = evtimer_new(bench_base, bench_idle_cb,
		    event_self_cbarg());
		if (idle_ev == NULL)
			fatalx("evtimer_new failed");
		tv.tv_sec = 0;
		tv.tv_usec = 100000;
		evtimer_add(idle_ev, &tv);
	}

	bench_find_parts();
	bench_reset_peak();
	bench_cpu_start_ms = bench_proc_cpu_ms();
	bench_conns = xcalloc(bench_nconns, sizeof *bench_conns);
	bench_start_us = bench_now_us();
	for (i = 0; i < bench_nconns; i++) {
		bench_conns[i].index = i;
		bench_active++;
		bench_connect(&bench_conns[i]);
	}
	if (bench_active != 0)
		event_base_dispatch(bench_base);
	if (bench_end_us == 0)
		bench_end_us = bench_now_us();

	bench_report();
	for (i = 0; i < bench_nconns; i++) {
		if (bench_conns[i].bev != NULL)
			bufferevent_free(bench_conns[i].bev);
	}
	free(bench_conns);
	free(bench_lat);
	if (idle_ev != NULL)
		event_free(idle_ev);
	event_free(limit_ev);
	event_base_free(bench_base);
	if (bench_timed_out || bench_errors != 0 || bench_failed != 0)
		return (1);
	if (bench_idle_s != 0 && bench_ready != bench_nconns)
		return (1);
	return (0);
}
