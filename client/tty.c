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
#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "rcmd.h"
#include "xmalloc.h"

/*
 * rcmd --tty: a command on a terminal on the server, as ssh -t runs one.
 * Our own terminal goes into raw mode, so that every key (Ctrl-C, Ctrl-Z,
 * the arrows) reaches the remote terminal as bytes, and it comes back as
 * it was on every way out: the command's end, a lost connection, a
 * signal, an exit from anywhere (atexit). Its size goes with RUN and, on
 * each SIGWINCH, in a WINSIZE frame. Stopped from outside (kill -TSTP
 * gives the terminal back first; kill -STOP cannot be caught, and the
 * shell that takes the terminal over resets it), rcmd puts it back in
 * raw mode when it is continued, as ssh and editors do.
 */

#define TTY_STDIN_SIZE	4096
#define TTY_OUT_MAX	(256 * 1024)
#define TTY_ROWS	24
#define TTY_COLS	80

static void	tty_raw(void);
static void	tty_restore(void);
static void	tty_winch_handler(int);
static void	tty_stop_handler(int);
static int	tty_winch_setup(void);
static void	tty_winch(struct conn *);

static struct termios	tty_saved;
static struct termios	tty_raw_modes;
static volatile int	tty_is_raw;	/* ours, raw, until tty_restore */
static int		tty_winch_pipe[2] = { -1, -1 };
static uint16_t		tty_rows, tty_cols;

/*
 * Check a TERM name to pass on: letters, digits and . _ + -, 1 to
 * RUN_MAX_TERM bytes. Return 0, or -1 with a cause.
 */
int
tty_check_term(const char *term, char **cause)
{
	size_t	len = strlen(term), i;
	char	c;

	if (len == 0 || len > RUN_MAX_TERM) {
		xasprintf(cause, "TERM of %zu bytes: --tty passes a TERM of 1 "
		    "to %d bytes; set TERM to your terminal's type", len,
		    RUN_MAX_TERM);
		return (-1);
	}
	for (i = 0; i < len; i++) {
		c = term[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("._+-", c) != NULL)) {
			xasprintf(cause, "TERM holds byte 0x%02x: --tty passes "
			    "a TERM of letters, digits and . _ + - only; set "
			    "TERM to your terminal's type", (u_char)c);
			return (-1);
		}
	}
	return (0);
}

/* The size of the terminal on fd, or 24 by 80 if it has none. */
void
tty_size(int fd, uint16_t *rows, uint16_t *cols)
{
	struct winsize	ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row != 0 &&
	    ws.ws_col != 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
		return;
	}
	*rows = TTY_ROWS;
	*cols = TTY_COLS;
}

/* Put standard input's terminal in raw mode, as ssh does. */
static void
tty_raw(void)
{
	struct termios	tio;

	if (tcgetattr(STDIN_FILENO, &tty_saved) == -1)
		return;
	tio = tty_saved;
	tio.c_iflag |= IGNPAR;
	tio.c_iflag &= ~(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY |
	    IXOFF);
#ifdef IUCLC
	tio.c_iflag &= ~IUCLC;
#endif
	tio.c_lflag &= ~(ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHONL);
#ifdef IEXTEN
	tio.c_lflag &= ~IEXTEN;
#endif
	tio.c_oflag &= ~OPOST;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &tio) == -1)
		return;
	tty_raw_modes = tio;
	tty_is_raw = 1;
}

/* Give the terminal back as it was; called on every way out. */
static void
tty_restore(void)
{
	if (!tty_is_raw)
		return;
	tty_is_raw = 0;
	tcsetattr(STDIN_FILENO, TCSADRAIN, &tty_saved);
}

/*
 * SIGTSTP from kill(1) (the terminal's own Ctrl-Z is a key for the remote
 * one): give the terminal back as it was, then stop. SIGCONT, caught as
 * SIGWINCH is, puts it back in raw mode.
 */
static void
tty_stop_handler(int sig)
{
	int	saved_errno = errno;

	(void)sig;
	if (tty_is_raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &tty_saved);
	kill(getpid(), SIGSTOP);
	errno = saved_errno;
}

/* SIGWINCH and SIGCONT: wake the loop, which acts on them. */
static void
tty_winch_handler(int sig)
{
	int	saved_errno = errno;
	char	c = (char)sig;

	if (write(tty_winch_pipe[1], &c, 1) == -1) {
		/* Full: a change is noted already. */
	}
	errno = saved_errno;
}

/*
 * Catch SIGWINCH and SIGCONT through a pipe, and SIGTSTP. Return the
 * pipe's read end, or -1.
 */
static int
tty_winch_setup(void)
{
	struct sigaction	sa;

	if (pipe2(tty_winch_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		return (-1);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tty_winch_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);
	sa.sa_handler = tty_stop_handler;
	sigaction(SIGTSTP, &sa, NULL);
	return (tty_winch_pipe[0]);
}

/*
 * The window changed, or rcmd was continued after a stop: back in raw
 * mode if it was, and send the window's size if it is new (it may have
 * changed meanwhile).
 */
static void
tty_winch(struct conn *c)
{
	uint8_t		buf[FRAME_HEADER_LEN + WINSIZE_PAYLOAD_LEN];
	uint16_t	rows, cols;
	char		drain[64];
	ssize_t		n, i;
	int		cont = 0;

	while ((n = read(tty_winch_pipe[0], drain, sizeof drain)) > 0) {
		for (i = 0; i < n; i++)
			cont |= drain[i] == SIGCONT;
	}
	/* Stopped by SIGSTOP, or the shell reset the modes: raw again. */
	if (cont && tty_is_raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &tty_raw_modes);
	tty_size(STDIN_FILENO, &rows, &cols);
	if (rows == tty_rows && cols == tty_cols)
		return;
	tty_rows = rows;
	tty_cols = cols;
	frame_encode_winsize(buf, sizeof buf, rows, cols);
	conn_send(c, MSG_WINSIZE, buf + FRAME_HEADER_LEN,
	    WINSIZE_PAYLOAD_LEN);
}

/*
 * Run cmd ("": the login shell) on a terminal on a connection that is
 * ready (its server's HELLO read), as c->run asks, with stdin_fd's bytes
 * as keys (raw, if it is a terminal). Return 0 with the result, or -1
 * with a cause; the terminal is as it was either way.
 */
int
tty_run(struct conn *c, const char *cmd, uint32_t timeout_ms, int stdin_fd,
    struct conn_result *r, char **cause)
{
	struct pollfd	 pfd[4];
	uint8_t		 in[TTY_STDIN_SIZE], sig;
	ssize_t		 n;
	int		 rc, revents = 0, i_stdin, i_sig, i_winch, nfd, wfd;

	memset(r, 0, sizeof *r);
	if (!(c->server_flags & HELLO_F_TERMINAL)) {
		xasprintf(cause, "%s does not offer terminals: its rcmdd (%s) "
		    "is older than --tty; upgrade rcmdd there, or leave out "
		    "--tty", c->host, c->server);
		return (-1);
	}
	tty_rows = c->run->rows;
	tty_cols = c->run->cols;
	wfd = tty_winch_setup();
	/*
	 * A reader of our output that goes (rcmd -y host cmd | head) makes
	 * a write fail, not kill us with the terminal still raw.
	 */
	signal(SIGPIPE, SIG_IGN);
	if (conn_exec(c, cmd, strlen(cmd), timeout_ms, 1, cause) != 0)
		return (-1);
	if (isatty(stdin_fd)) {
		atexit(tty_restore);
		tty_raw();
	}
	for (;;) {
		if ((rc = conn_step(c, revents, r, cause)) != 0) {
			tty_restore();
			return (rc == 1 ? 0 : -1);
		}
		revents = 0;
		nfd = 0;
		pfd[nfd].fd = c->fd;
		pfd[nfd++].events = conn_events(c);
		i_stdin = i_sig = i_winch = -1;
		if (stdin_fd != -1 && c->phase == CONN_RUNNING &&
		    rbuf_length(&c->out) < TTY_OUT_MAX) {
			pfd[nfd].fd = stdin_fd;
			pfd[nfd].events = POLLIN;
			i_stdin = nfd++;
		}
		if (c->sigfd != -1) {
			pfd[nfd].fd = c->sigfd;
			pfd[nfd].events = POLLIN;
			i_sig = nfd++;
		}
		if (wfd != -1) {
			pfd[nfd].fd = wfd;
			pfd[nfd].events = POLLIN;
			i_winch = nfd++;
		}
		if (poll(pfd, nfd, conn_pending(c) ? 0 : -1) == -1) {
			if (errno == EINTR)
				continue;
			tty_restore();
			xasprintf(cause, "poll: %s", strerror(errno));
			return (-1);
		}
		/* Keys are bytes here: a signal comes from kill(1). */
		if (i_sig != -1 && (pfd[i_sig].revents & POLLIN) &&
		    read(c->sigfd, &sig, 1) == 1) {
			tty_restore();
			c->broken = 1;
			xasprintf(cause, "signal %d: leaving the terminal on "
			    "%s, which its server hangs up", sig, c->host);
			return (-1);
		}
		if (i_winch != -1 && (pfd[i_winch].revents & POLLIN))
			tty_winch(c);
		if (i_stdin != -1 && pfd[i_stdin].revents != 0) {
			n = read(stdin_fd, in, sizeof in);
			if (n > 0)
				conn_send(c, MSG_STDIN, in, n);
			else if (n == 0 || (errno != EAGAIN &&
			    errno != EINTR)) {
				conn_send(c, MSG_STDIN_EOF, NULL, 0);
				stdin_fd = -1;
			}
		}
		revents = pfd[0].revents;
	}
}
