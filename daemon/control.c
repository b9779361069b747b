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
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "addr.h"
#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * The control socket: how root on the machine asks the running rcmdd to
 * reload and hears its verdict (rcmdd --reload, the unit's ExecReload),
 * lists the commands running now (rcmdd --list), ends one by its audit id
 * (rcmdd --end) and reads its state (rcmdd --status). A request is one
 * line; the answer is "ok" or "error: WHY" on its first line, then data,
 * then the daemon closes. Only root and rcmdd's own user may connect: the
 * socket is mode 0600 and each peer's uid is checked. The server side runs
 * in the privileged part, on its loop (privsep.c): it has the table of
 * running commands, and --end asks the network part to end one on that
 * command's socket; control_request is the other end, in rcmdd itself.
 */

#define CONTROL_LINE_MAX	256
#define CONTROL_CLIENTS_MAX	16
#define CONTROL_TIMEOUT_S	10
#define CONTROL_REPLY_MAX	(16 * 1024 * 1024)

static void	control_accept_cb(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	control_read_cb(struct bufferevent *, void *);
static void	control_answer(struct bufferevent *, const char *, uid_t);
static void	control_flushed_cb(struct bufferevent *, void *);
static void	control_event_cb(struct bufferevent *, short, void *);
static void	control_close(struct bufferevent *);
static int	control_connect(const char *, int);

/* Those asking --status, until the network part's counters come. */
static struct bufferevent	*control_waiting[CONTROL_CLIENTS_MAX];
/* Who asks --reload, until the network part's verdict comes. */
static struct bufferevent	*control_reloading;

static struct evconnlistener	*control_listener;
static char			*control_path;
static u_int			 control_clients;

/*
 * Listen on the control socket at path, unless path is NULL. A missing
 * folder is not an error (rcmdd run by hand has no /run/rcmdd): rcmdd then
 * serves without one and says so. Loop thread, before privileges go.
 */
int
control_start(struct event_base *base, const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	char			*copy, *folder;
	mode_t			 old;
	int			 fd;

	if (path == NULL)
		return (0);
	copy = xstrdup(path);
	folder = dirname(copy);
	if (stat(folder, &sb) == -1 && errno == ENOENT) {
		log_info("no control socket: %s does not exist, so rcmdd "
		    "--reload, --list, --end and --status cannot reach this "
		    "daemon (set ControlSocket)", folder);
		free(copy);
		return (0);
	}
	free(copy);
	if (addr_unix(&sun, path) != 0) {
		xasprintf(cause, "ControlSocket %s: the path is too long for "
		    "a socket (at most %zu bytes)", path, addr_unix_max());
		return (-1);
	}
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			xasprintf(cause, "ControlSocket %s exists and is not "
			    "a socket: remove it, or set ControlSocket to "
			    "another path", path);
			return (-1);
		}
		if ((fd = control_connect(path, 0)) != -1) {
			close(fd);
			xasprintf(cause, "ControlSocket %s is in use by a "
			    "running rcmdd: stop it first, or set "
			    "ControlSocket to another path", path);
			return (-1);
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		xasprintf(cause, "ControlSocket %s: socket: %s", path,
		    strerror(errno));
		return (-1);
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		umask(old);
		xasprintf(cause, "ControlSocket %s: bind: %s", path,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	umask(old);
	if (listen(fd, 16) == -1) {
		xasprintf(cause, "ControlSocket %s: listen: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return (-1);
	}
	control_listener = evconnlistener_new(base, control_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (control_listener == NULL)
		fatalx("evconnlistener_new");
	control_path = xstrdup(path);
	log_debug("control socket %s", path);
	return (0);
}

/* Take a control client: root or rcmdd's own user only. Loop thread. */
static void
control_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct bufferevent	*bev;
	struct ucred		 cred;
	struct timeval		 tv = { CONTROL_TIMEOUT_S, 0 };
	socklen_t		 len = sizeof cred;
	const char		*refusal = NULL;

	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		refusal = "error: rcmdd cannot tell who you are\n";
	else if (cred.uid != 0 && cred.uid != geteuid())
		refusal = "error: only root may use rcmdd's control socket\n";
	else if (control_clients >= CONTROL_CLIENTS_MAX)
		refusal = "error: too many control clients at once; try "
		    "again\n";
	if (refusal != NULL) {
		if (write(fd, refusal, strlen(refusal)) == -1) {
			/* The refusal is best effort. */
		}
		close(fd);
		return;
	}
	bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	control_clients++;
	bufferevent_setcb(bev, control_read_cb, NULL, control_event_cb,
	    (void *)(uintptr_t)cred.uid);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ);
}

/* A control client wrote: answer its line. Loop thread. */
static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in;
	char		*line;
	size_t		 n;

	in = bufferevent_get_input(bev);
	line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
	if (line == NULL) {
		if (evbuffer_get_length(in) > CONTROL_LINE_MAX) {
			evbuffer_drain(in, evbuffer_get_length(in));
			control_answer(bev, NULL, (uid_t)(uintptr_t)arg);
		}
		return;
	}
	if (n > CONTROL_LINE_MAX) {
		free(line);
		line = NULL;
	}
	control_answer(bev, line, (uid_t)(uintptr_t)arg);
	free(line);
}

/* Carry out one request and queue the answer; then close. Loop thread. */
static void
control_answer(struct bufferevent *bev, const char *line, uid_t uid)
{
	struct evbuffer	*out;
	char		*cause = NULL;
	const char	*errstr;
	long long	 id;
	u_int		 i;
	int		 waiting = 0;

	out = bufferevent_get_output(bev);
	bufferevent_disable(bev, EV_READ);
	if (line == NULL)
		evbuffer_add_printf(out, "error: the request is longer than "
		    "%d bytes\n", CONTROL_LINE_MAX);
	else if (strcmp(line, "reload") == 0) {
		log_info("control: reload asked by uid %ld", (long)uid);
		switch (server_reload_request(&cause)) {
		case 0:
			evbuffer_add_printf(out, "ok\n");
			break;
		case 1:
			/* Answered when the network part's verdict comes. */
			control_reloading = bev;
			waiting = 1;
			break;
		default:
			evbuffer_add_printf(out, "error: %s\n", cause);
			free(cause);
			break;
		}
	} else if (strcmp(line, "list") == 0) {
		evbuffer_add_printf(out, "ok\n");
		privsep_child_list_write(out);
	} else if (strcmp(line, "status") == 0) {
		/* Answered when the network part's counters come. */
		for (i = 0; i < CONTROL_CLIENTS_MAX; i++) {
			if (control_waiting[i] == NULL)
				break;
		}
		if (i == CONTROL_CLIENTS_MAX || privsep_stats_request() != 0) {
			evbuffer_add_printf(out, "ok\n");
			metrics_status_write(out);
		} else {
			/* No EV_WRITE till then: an empty output closes. */
			control_waiting[i] = bev;
			waiting = 1;
		}
	} else if (strncmp(line, "end ", 4) == 0) {
		id = strtonum(line + 4, 1, LLONG_MAX, &errstr);
		if (errstr != NULL)
			evbuffer_add_printf(out, "error: audit id \"%s\" is "
			    "%s: give the number rcmdd --list shows\n",
			    line + 4, errstr);
		else if (privsep_child_end((uint64_t)id) != 0)
			evbuffer_add_printf(out, "error: no command with audit "
			    "id %lld is running (rcmdd --list shows those "
			    "that are)\n", id);
		else {
			log_info("control: command %lld ended by uid %ld "
			    "(rcmdd --end)", id, (long)uid);
			evbuffer_add_printf(out, "ok\nending command %lld: "
			    "SIGTERM now, SIGKILL after KillGrace\n", id);
		}
	} else
		evbuffer_add_printf(out, "error: unknown request: rcmdd's "
		    "control socket takes reload, list, status and end ID\n");
	bufferevent_setcb(bev, NULL, control_flushed_cb, control_event_cb,
	    NULL);
	if (!waiting)
		bufferevent_enable(bev, EV_WRITE);
}

/* The answer is out: close. Loop thread. */
static void
control_flushed_cb(struct bufferevent *bev, void *arg)
{
	(void)arg;
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		control_close(bev);
}

/* The client went away or timed out. Loop thread. */
static void
control_event_cb(struct bufferevent *bev, short events, void *arg)
{
	(void)events;
	(void)arg;
	control_close(bev);
}

/*
 * The network part's counters came (STATS): answer those asking for
 * --status. Privileged part's loop.
 */
void
control_stats_done(void)
{
	struct evbuffer	*out;
	u_int		 i;

	for (i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		if (control_waiting[i] == NULL)
			continue;
		out = bufferevent_get_output(control_waiting[i]);
		evbuffer_add_printf(out, "ok\n");
		metrics_status_write(out);
		bufferevent_enable(control_waiting[i], EV_WRITE);
		control_waiting[i] = NULL;
	}
}

/*
 * The reload under way is over (server_reload_done): answer who asked,
 * ok if error is NULL. Privileged part's loop.
 */
void
control_reload_done(const char *error)
{
	struct bufferevent	*bev = control_reloading;
	char			*line;
	ssize_t			 n;

	if (bev == NULL)
		return;
	control_reloading = NULL;
	if (error == NULL)
		line = xstrdup("ok\n");
	else
		xasprintf(&line, "error: %s\n", error);
	/*
	 * Write it now, past the bufferevent: when the network part has
	 * ended, the loop ends before it would write. A line fits in the
	 * socket's buffer; what does not goes the usual way.
	 */
	n = write(bufferevent_getfd(bev), line, strlen(line));
	if (n == (ssize_t)strlen(line))
		control_close(bev);
	else {
		evbuffer_add(bufferevent_get_output(bev), line + (n > 0 ? n :
		    0), strlen(line) - (n > 0 ? n : 0));
		bufferevent_enable(bev, EV_WRITE);
	}
	free(line);
}

/* Free a control client. */
static void
control_close(struct bufferevent *bev)
{
	u_int	i;

	if (control_reloading == bev)
		control_reloading = NULL;
	for (i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		if (control_waiting[i] == bev)
			control_waiting[i] = NULL;
	}
	bufferevent_free(bev);
	control_clients--;
}

/* Stop listening and remove the socket. */
void
control_stop(void)
{
	if (control_listener != NULL) {
		evconnlistener_free(control_listener);
		control_listener = NULL;
	}
	if (control_path != NULL) {
		unlink(control_path);
		free(control_path);
		control_path = NULL;
	}
}

/* Connect to a control socket; report why not when asked. */
static int
control_connect(const char *path, int report)
{
	struct sockaddr_un	sun;
	int			fd;

	if (addr_unix(&sun, path) != 0) {
		if (report)
			fprintf(stderr, "rcmdd: control socket path %s is too "
			    "long\n", path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		if (report)
			fprintf(stderr, "rcmdd: socket: %s\n", strerror(errno));
		return (-1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (report)
			fprintf(stderr, "rcmdd: cannot reach the running rcmdd "
			    "at %s: %s (is it running? with -c, give the "
			    "configuration it runs with, which may set "
			    "another ControlSocket)\n", path, strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * rcmdd --reload, --list, --end and --status: send one request to the
 * running rcmdd and print its answer. Return the exit status: 0 if it
 * said ok, 1 if not (its reason on stderr).
 */
int
control_request(const char *path, const char *request)
{
	char	*reply = NULL, *body, *line;
	size_t	 len = 0, size = 0;
	ssize_t	 n;
	int	 fd;

	if (path == NULL) {
		fprintf(stderr, "rcmdd: ControlSocket is none: this rcmdd "
		    "cannot be asked anything\n");
		return (1);
	}
	if ((fd = control_connect(path, 1)) == -1)
		return (1);
	/*
	 * A refused peer finds the socket closed under its request: the
	 * refusal is still there to read, so a failed send is not the end.
	 */
	xasprintf(&line, "%s\n", request);
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) == -1 &&
	    errno != EPIPE && errno != ECONNRESET) {
		fprintf(stderr, "rcmdd: %s: send: %s\n", path,
		    strerror(errno));
		free(line);
		close(fd);
		return (1);
	}
	free(line);
	for (;;) {
		if (len == size) {
			if (size >= CONTROL_REPLY_MAX)
				break;
			size = size == 0 ? 4096 : size * 2;
			reply = xreallocarray(reply, 1, size + 1);
		}
		n = read(fd, reply + len, size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (reply == NULL || len == 0) {
		fprintf(stderr, "rcmdd: the running rcmdd at %s closed without "
		    "an answer; see its log\n", path);
		free(reply);
		return (1);
	}
	reply[len] = '\0';
	body = strchr(reply, '\n');
	if (body != NULL)
		*body++ = '\0';
	if (strcmp(reply, "ok") == 0) {
		if (body != NULL)
			fputs(body, stdout);
		free(reply);
		return (0);
	}
	if (strncmp(reply, "error: ", 7) == 0)
		fprintf(stderr, "rcmdd: %s\n", reply + 7);
	else
		fprintf(stderr, "rcmdd: unexpected answer from %s: %s\n",
		    path, reply);
	free(reply);
	return (1);
}
