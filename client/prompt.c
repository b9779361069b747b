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

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rcmd.h"
#include "xmalloc.h"

/*
 * The interactive prompt: libedit reads a line with history and editing,
 * and each line runs as a command on the same connection. Ctrl-C goes to
 * the running command; at the prompt it only clears the line.
 *
 * The prompt keeps a working directory as a shell keeps its own: cd is
 * done here, not on the server, and each command after it is sent with
 * the directory (RUN), which the server enters as the run-as user and
 * records in the command's row. Whether a directory can be entered is
 * learnt from the first command sent with it, so that cd itself makes no
 * row of its own.
 *
 * rcmd does not link libedit, which a run with a command does not need:
 * prompt_load opens it (dload.c), and every call goes through the
 * pointers it fills (sym_*).
 */

#define PROMPT_HISTORY	1000

/* What the words of a cd may not hold, to be done here, not by a shell. */
#define PROMPT_CD_SPECIAL	" \t;&|<>()$`\\\"'*?[]{}=!#"

/* The prompt's working directory and the ones cd - and a failure go to. */
struct prompt_dir {
	char		*cwd;		/* NULL: the run-as user's home */
	char		*prev;		/* where cd - goes */
	int		 has_prev;
	char		*good;		/* the last one a command entered */
	int		 entered;	/* a command has entered cwd */
	struct conn_run	 run;		/* what goes with each command */
};

/* The libedit functions this file calls. To call one more, add it here. */
#define PROMPT_SYMBOLS(F)						\
	F(el_end)							\
	F(el_gets)							\
	F(el_init)							\
	F(el_reset)							\
	F(el_set)							\
	F(el_source)							\
	F(history)							\
	F(history_end)							\
	F(history_init)

static int	 prompt_load(void);
static char	*prompt_text(EditLine *);
static char	*prompt_history_path(void);
static int	 prompt_is_cd(const char *, const char **);
static char	*prompt_dir_join(const char *, const char *);
static void	 prompt_dir_set(struct prompt_dir *, const char *);
static void	 prompt_dir_cd(struct prompt_dir *, const char *);
static void	 prompt_dir_done(struct prompt_dir *, struct conn *,
		    const struct conn_result *);
static void	 prompt_dir_free(struct prompt_dir *);
static void	 prompt_set_text(const char *, const struct prompt_dir *);
static int	 prompt_signals(int);

/* sym_NAME for each function of PROMPT_SYMBOLS, and their table. */
PROMPT_SYMBOLS(DLOAD_POINTER)
static const struct dload_symbol prompt_symbols[] = {
	PROMPT_SYMBOLS(DLOAD_ENTRY)
};

static char	 prompt_buf[300];
static void	*prompt_libedit;	/* once prompt_load has succeeded */

/*
 * Load libedit by the file name configure found, once. Return 0, or -1
 * after saying why it cannot be loaded.
 */
static int
prompt_load(void)
{
	char	*why;

	if (prompt_libedit != NULL)
		return (0);
	prompt_libedit = dload_open(LIBEDIT_SONAME, prompt_symbols,
	    sizeof prompt_symbols / sizeof prompt_symbols[0], &why);
	if (prompt_libedit == NULL) {
		fprintf(stderr, "rcmd: the prompt needs %s: %s; install "
		    "libedit (the Debian package libedit2), or give a "
		    "command\n", LIBEDIT_SONAME, why);
		free(why);
		return (-1);
	}
	return (0);
}

/*
 * Return where the history is kept, or NULL for nowhere: $RCMD_HISTFILE
 * (empty: no history file), else ${XDG_STATE_HOME:-~/.local/state}/rcmd/
 * history, as the XDG base directory specification has it (a relative
 * XDG_STATE_HOME is ignored). The folders are made, private to the user.
 */
static char *
prompt_history_path(void)
{
	struct passwd	*pw;
	const char	*env, *home;
	char		*path, *p;

	if ((env = getenv("RCMD_HISTFILE")) != NULL)
		return (*env == '\0' ? NULL : xstrdup(env));
	env = getenv("XDG_STATE_HOME");
	if (env != NULL && *env == '/')
		xasprintf(&path, "%s/rcmd/history", env);
	else {
		home = getenv("HOME");
		if (home == NULL || *home == '\0') {
			pw = getpwuid(getuid());
			home = pw != NULL ? pw->pw_dir : "/";
		}
		xasprintf(&path, "%s/.local/state/rcmd/history", home);
	}
	/* mkdir -p of the folders below the file, mode 0700. */
	for (p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST) {
			*p = '/';
			return (path);	/* H_SAVE will fail; say so then */
		}
		*p = '/';
	}
	return (path);
}

/* Return the prompt, which names the host and the directory. */
static char *
prompt_text(EditLine *el)
{
	(void)el;
	return (prompt_buf);
}

/* Write the prompt for a host and a directory, ~ for home. */
static void
prompt_set_text(const char *host, const struct prompt_dir *d)
{
	snprintf(prompt_buf, sizeof prompt_buf, "rcmd %s:%s> ", host,
	    d->cwd != NULL ? d->cwd : "~");
}

/*
 * Is a line a cd for the prompt itself: cd alone, or cd and one word with
 * nothing a shell would expand or split? Set *arg to the word, or NULL.
 * Any other line, "cd /tmp && ls" too, goes to the server as it is.
 */
static int
prompt_is_cd(const char *line, const char **arg)
{
	*arg = NULL;
	if (strncmp(line, "cd", 2) != 0)
		return (0);
	line += 2;
	if (*line == '\0')
		return (1);
	if (*line != ' ' && *line != '\t')
		return (0);
	line += strspn(line, " \t");
	/* Options (cd -P) are the shell's, as is any quoting. */
	if (strpbrk(line, PROMPT_CD_SPECIAL) != NULL ||
	    (*line == '-' && line[1] != '\0'))
		return (0);
	*arg = line;
	return (1);
}

/*
 * Join a directory to a base (NULL if it is absolute) and take out "."
 * and ".." as they are written, as a shell does without -P: symbolic
 * links are not followed. Return an allocated absolute path.
 */
static char *
prompt_dir_join(const char *base, const char *arg)
{
	char	*path, *copy, *p, *word, *slash;
	size_t	 len = 0, size;

	if (*arg == '/')
		copy = xstrdup(arg);
	else
		xasprintf(&copy, "%s/%s", base, arg);
	/* strsep cuts copy up: its length is taken before. */
	size = strlen(copy) + 2;
	path = xcalloc(1, size);
	p = copy;
	while ((word = strsep(&p, "/")) != NULL) {
		if (*word == '\0' || strcmp(word, ".") == 0)
			continue;
		if (strcmp(word, "..") == 0) {
			/* Above / is / itself. */
			if ((slash = strrchr(path, '/')) != NULL)
				*slash = '\0';
			len = strlen(path);
			continue;
		}
		path[len++] = '/';
		strlcpy(path + len, word, size - len);
		len += strlen(word);
	}
	if (len == 0)
		strlcpy(path, "/", 2);
	free(copy);
	return (path);
}

/* Make dir (NULL: home) the prompt's directory, not yet entered. */
static void
prompt_dir_set(struct prompt_dir *d, const char *dir)
{
	free(d->prev);
	d->prev = d->cwd;
	d->has_prev = 1;
	d->cwd = dir != NULL ? xstrdup(dir) : NULL;
	d->entered = 0;
}

/*
 * Do a cd at the prompt: arg is the directory, "-" for the one before,
 * or NULL for home. A directory that rcmd cannot make absolute is refused
 * with a message, and the directory stays.
 */
static void
prompt_dir_cd(struct prompt_dir *d, const char *arg)
{
	char	*path, *prev;

	if (arg == NULL || strcmp(arg, "~") == 0) {
		prompt_dir_set(d, NULL);
		return;
	}
	if (strcmp(arg, "-") == 0) {
		if (!d->has_prev) {
			fprintf(stderr, "rcmd: cd -: there is no directory "
			    "before this one yet\n");
			return;
		}
		prev = d->prev != NULL ? xstrdup(d->prev) : NULL;
		prompt_dir_set(d, prev);
		free(prev);
		/* A shell says where cd - went. */
		printf("%s\n", d->cwd != NULL ? d->cwd : "~");
		fflush(stdout);
		return;
	}
	if (*arg != '/' && (*arg == '~' || d->cwd == NULL)) {
		fprintf(stderr, "rcmd: cd %s: the home directory's path is not "
		    "known here, so a relative directory cannot be joined to "
		    "it; give an absolute one\n", arg);
		return;
	}
	path = prompt_dir_join(d->cwd, arg);
	prompt_dir_set(d, path);
	free(path);
}

/*
 * Note how a command sent with the directory ended. If the server could
 * not start the first command in a directory, that directory is what
 * failed: say so and go back to the last one that a command entered.
 */
static void
prompt_dir_done(struct prompt_dir *d, struct conn *c,
    const struct conn_result *r)
{
	if (r->exit.kind != EXIT_FAILED) {
		d->entered = 1;
		free(d->good);
		d->good = d->cwd != NULL ? xstrdup(d->cwd) : NULL;
		return;
	}
	if (d->entered || d->cwd == NULL)
		return;
	fprintf(stderr, "rcmd: cannot enter %s on %s: back in %s\n", d->cwd,
	    c->host, d->good != NULL ? d->good : "~");
	free(d->cwd);
	d->cwd = d->good != NULL ? xstrdup(d->good) : NULL;
	d->entered = 1;
}

/* Free what the prompt's directory holds. */
static void
prompt_dir_free(struct prompt_dir *d)
{
	free(d->cwd);
	free(d->prev);
	free(d->good);
}

/*
 * Empty the signal pipe of signals caught between commands. Return
 * SIGTERM or SIGHUP if one came, which ends the prompt, or 0: SIGINT and
 * SIGQUIT only clear the line.
 */
static int
prompt_signals(int fd)
{
	uint8_t	sigs[64];
	ssize_t	i, n;
	int	end = 0;

	while ((n = read(fd, sigs, sizeof sigs)) > 0) {
		for (i = 0; i < n; i++) {
			if (sigs[i] == SIGTERM || sigs[i] == SIGHUP)
				end = sigs[i];
		}
	}
	return (end);
}

/*
 * Read and run commands until "exit" or end of input, each with the given
 * timeout, starting in cwd (NULL: home). Return the status of the last
 * command, or 255 if the connection was lost.
 */
int
prompt_run(struct conn *c, uint32_t timeout_ms, int verbose, const char *cwd)
{
	struct prompt_dir	 dir;
	EditLine		*el;
	History			*hist;
	HistEvent		 ev;
	struct conn_result	 r;
	const char		*line, *arg;
	char			*cmd, *cause = NULL, *histfile;
	size_t			 len;
	mode_t			 umask_save;
	int			 count, sig, status = 0;

	if (prompt_load() != 0)
		return (RCMD_EXIT_ERROR);
	memset(&dir, 0, sizeof dir);
	if (cwd != NULL)
		dir.cwd = xstrdup(cwd);
	prompt_set_text(c->host, &dir);
	el = sym_el_init("rcmd", stdin, stdout, stderr);
	hist = sym_history_init();
	if (el == NULL || hist == NULL) {
		fprintf(stderr, "rcmd: cannot start the line editor\n");
		return (RCMD_EXIT_ERROR);
	}
	sym_history(hist, &ev, H_SETSIZE, PROMPT_HISTORY);
	sym_history(hist, &ev, H_SETUNIQUE, 1);
	sym_el_set(el, EL_EDITOR, "emacs");
	sym_el_set(el, EL_PROMPT, prompt_text);
	sym_el_set(el, EL_HIST, sym_history, hist);
	sym_el_source(el, NULL);
	histfile = prompt_history_path();
	if (histfile != NULL)
		sym_history(hist, &ev, H_LOAD, histfile);
	if (isatty(STDIN_FILENO))
		printf("rcmd: connected to %s (%s). Each line runs as one "
		    "command, audited, with no input: its stdin is at end of "
		    "file. exit or Ctrl-D leaves.\n", c->host, c->server);

	for (;;) {
		errno = 0;
		line = sym_el_gets(el, &count);
		if (line == NULL && errno == EINTR) {
			/*
			 * SIGINT or SIGQUIT at the prompt: forget the line
			 * and ask again. SIGTERM or SIGHUP: leave.
			 */
			fputc('\n', stdout);
			if ((sig = prompt_signals(c->sigfd)) != 0) {
				status = 128 + sig;
				break;
			}
			sym_el_reset(el);
			continue;
		}
		if (line == NULL || count <= 0) {
			if (isatty(STDIN_FILENO))
				fputc('\n', stdout);
			break;
		}
		len = strcspn(line, "\r\n");
		while (len > 0 &&
		    (line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		while (len > 0 && (*line == ' ' || *line == '\t')) {
			line++;
			len--;
		}
		if (len == 0)
			continue;
		if (len > EXEC_MAX_COMMAND) {
			/* Refuse this line alone; the connection is fine. */
			fprintf(stderr, "rcmd: the line is %zu bytes: a "
			    "command may be at most %d; it was not run\n", len,
			    EXEC_MAX_COMMAND);
			status = RCMD_EXIT_ERROR;
			continue;
		}
		cmd = xstrndup(line, len);
		if (strcmp(cmd, "exit") == 0 || strcmp(cmd, "logout") == 0) {
			free(cmd);
			break;
		}
		sym_history(hist, &ev, H_ENTER, cmd);
		if (prompt_is_cd(cmd, &arg)) {
			prompt_dir_cd(&dir, arg);
			prompt_set_text(c->host, &dir);
			free(cmd);
			continue;
		}
		/* Home is the server's default: a plain EXEC goes there. */
		c->run = NULL;
		if (dir.cwd != NULL) {
			dir.run.cwd = dir.cwd;
			dir.run.why = "cd";
			c->run = &dir.run;
		}

		if ((sig = prompt_signals(c->sigfd)) != 0) {
			free(cmd);
			status = 128 + sig;
			break;
		}
		if (conn_run(c, cmd, len, timeout_ms, -1, &r, &cause) != 0) {
			fprintf(stderr, "rcmd: %s\n", cause);
			free(cause);
			cause = NULL;
			free(cmd);
			if (c->broken) {
				status = RCMD_EXIT_ERROR;
				break;
			}
			status = RCMD_EXIT_ERROR;
			continue;
		}
		free(cmd);
		if (c->interrupts > 0 && isatty(STDOUT_FILENO))
			fputc('\n', stdout);
		status = conn_exit_status(&r, c->host, &cause);
		if (verbose)
			conn_print_receipt(&r, c->host);
		if (cause != NULL) {
			fprintf(stderr, "rcmd: %s\n", cause);
			free(cause);
			cause = NULL;
		}
		prompt_dir_done(&dir, c, &r);
		prompt_set_text(c->host, &dir);
	}
	c->run = NULL;
	prompt_dir_free(&dir);
	if (histfile != NULL) {
		umask_save = umask(077);
		if (sym_history(hist, &ev, H_SAVE, histfile) == -1)
			fprintf(stderr, "rcmd: cannot save the history in %s: "
			    "%s (RCMD_HISTFILE= turns it off)\n", histfile,
			    strerror(errno));
		umask(umask_save);
		free(histfile);
	}
	sym_history_end(hist);
	sym_el_end(el);
	return (status);
}
