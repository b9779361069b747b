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

#ifndef RCMDD_H
#define RCMDD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "rcmd-protocol.h"

/*
 * rcmdd's private header. The event loop thread owns listeners, sessions
 * and the job table; each job's worker (driven by a pool thread, or by
 * the loop thread inline) owns its child and pipes; the audit thread owns
 * the SQLite handle.
 */

#define RCMDD_DEFAULT_PORT	"7514"
#define RCMDD_MAX_LISTEN	16

struct event_base;
struct evbuffer;
struct job;
struct session;

/* A source an Allow rule names: a CIDR block, or the Unix socket. */
struct allow_source {
	int		 family;	/* AF_INET, AF_INET6 or AF_UNIX */
	uint8_t		 addr[16];
	u_int		 prefix;
};

/*
 * A rule of rcmdd.conf(5) (policy.c): "Allow PATTERN [from SOURCE ...]
 * [as USER ...] [ticket] [command PROGRAM [ARGUMENT ...] [...]]", "Deny
 * PATTERN [from SOURCE ...]" or "Deny fingerprint FINGERPRINT" (pattern
 * then holds it as "AB:CD:..."), with where it was written and its text,
 * for the audit log.
 */
#define ALLOW_DENY		0x1	/* a Deny rule */
#define ALLOW_FINGERPRINT	0x2	/* Deny by certificate fingerprint */
#define ALLOW_TICKET		0x4	/* each command must carry a ticket */
#define ALLOW_COMMAND		0x8	/* argv: the program, then arguments */
#define ALLOW_MORE		0x10	/* "..." ended them */
struct allow_rule {
	char			*pattern;
	struct allow_source	*sources;
	u_int			 nsources;
	int			 flags;
	char			**users;	/* "as": the first, the default */
	u_int			 nusers;
	char			**argv;		/* patterns, "..." left out */
	u_int			 argc;
	char			*file;		/* NULL: not from a file */
	u_int			 line;
	char			*text;		/* "Allow ...", blanks squeezed */
};

/* The configuration, from rcmdd.conf and the command line. */
struct config {
	char		*listen[RCMDD_MAX_LISTEN];
	u_int		 nlisten;
	char		*port;
	char		*database;
	char		*pidfile;
	char		*portfile;
	char		*path;
	char		*lang;
	u_int		 timeout_ms;
	u_int		 max_timeout_ms;
	u_int		 kill_grace_ms;
	u_int		 drain_ms;
	u_int		 handshake_ms;
	u_int		 shutdown_grace_ms;
	size_t		 output_max;
	size_t		 session_record_max;	/* a terminal's recording */
	int		 session_record_input;	/* and what was typed */
	char		*session_utmp;	/* NULL: config_session_utmp */
	char		*session_wtmp;
	int		 audit_sync_full;
	u_int		 retain_days;
	u_int		 max_rows;
	u_int		 head_interval_ms;
	u_int		 max_conns;
	u_int		 max_conns_source;
	u_int		 max_handshakes;
	int		 max_conns_given;	/* MaxConnections or */
						/* MaxCommands in the file */
	u_int		 max_commands;
	u_int		 idle_ms;
	char		*run_as;
	char		*network_user;
	char		*tls_cert;
	char		*tls_key;
	char		*tls_ca;
	char		*tls_crl;	/* NULL: no revocation list */
	char		*socket_path;
	u_int		 socket_mode;
	char		*socket_group;
	char		*control_path;	/* "none": no control socket */
	char		*metrics_path;
	u_int		 metrics_interval_ms;
	struct allow_rule *allow;
	u_int		 nallow;
	char		*audit_group;
	char		*audit_forward;		/* libpq conninfo, or NULL */
	int		 audit_forward_sync;
	char		*audit_host_name;	/* NULL: the host name */
	u_int		 forward_max_lag_ms;	/* 0: off */
	int		 umask_set;
	u_int		 umask;
	u_int		 max_procs;
	u_int		 max_cpu_ms;
	size_t		 max_memory;
	u_int		 max_files;
	int		 single_thread;
	int		 single_user;
	int		 verbose;
};

/* What the command line sets; it wins over the file, even on reload. */
struct config_cmdline {
	char		*config;
	char		*listen[RCMDD_MAX_LISTEN];
	u_int		 nlisten;
	char		*port;
	char		*database;
	int		 single_thread;
	int		 single_user;
	int		 foreground;
	int		 verbose;
};

/* Who a command runs as, and under which limits (0: not set). */
#define EXEC_MAX_GROUPS		64
struct exec_identity {
	int		 change_user;
	uid_t		 uid;
	gid_t		 gid;
	int		 ngroups;
	gid_t		 groups[EXEC_MAX_GROUPS];
	char		 user[64];
	char		 home[256];
	char		 shell[256];	/* the login shell */
	int		 umask_set;
	mode_t		 umask;
	unsigned long	 max_procs;
	unsigned long	 max_cpu;
	unsigned long	 max_memory;
	unsigned long	 max_files;
	unsigned long	 files_soft;
	unsigned long	 files_hard;
};

/*
 * The one record of a command (record.c): the peer, built once per
 * connection; the command, once per EXEC; and how it ended, filled in by
 * the worker, and by audit_begin and audit_finish (id, seq, hashes). The
 * writer thread, the log line and --list read it by const pointer; the
 * field table in record.c is its one serialisation, which the writer,
 * the chain and the export use. The worker owns it through the job.
 */
struct record_peer {
	char		 client_addr[INET6_ADDRSTRLEN];	/* "unix", "-" */
	int		 client_port;			/* -1: none */
	char		*client_name;			/* NULL: none */
	char		*identity;
	char		*fingerprint;
};

#define RECORD_HASH_LEN		32	/* a SHA-256, raw */
struct cmd_record {
	struct record_peer	 peer;

	char			*command;
	size_t			 command_len;
	u_int			 timeout_ms;
	struct exec_identity	 ident;

	uint64_t		 id;
	const char		*status;
	int			 has_exit_code;
	int			 exit_code;
	int			 has_signal;
	int			 signal;
	uint64_t		 duration_ms;
	char			*output;
	size_t			 output_len;
	uint64_t		 output_bytes;
	int			 truncated;
	char			*reason;
	char			 started_at[32];	/* as the row has it */
	uint64_t		 seq;
	uint8_t			 hash[RECORD_HASH_LEN];
	uint64_t		 end_seq;
	uint8_t			 end_hash[RECORD_HASH_LEN];

	char			*run_as;	/* decided: NULL before */
	const char		*mode;		/* "shell" or "argv" */
	char			**words;	/* argv: the vector */
	u_int			 nwords;
	char			*argv;		/* argv: it as JSON */
	char			*ticket;
	char			*cwd;
	char			*rule;		/* "FILE:LINE: TEXT" */
	char			*program;	/* argv: resolved */
	char			*terminal;	/* "TERM ROWSxCOLUMNS" */
};

/*
 * The fields of a record, as columns of the table commands, in its
 * order. A new column goes at the end of record_fields, with its flags;
 * those named here are the ones code refers to by index.
 */
enum {
	RECORD_F_ID, RECORD_F_STARTED_AT, RECORD_F_FINISHED_AT,
	RECORD_F_CLIENT_ADDR, RECORD_F_CLIENT_PORT, RECORD_F_CLIENT_NAME,
	RECORD_F_IDENTITY, RECORD_F_FINGERPRINT, RECORD_F_COMMAND,
	RECORD_F_STATUS, RECORD_F_EXIT_CODE, RECORD_F_SIGNAL,
	RECORD_F_DURATION_MS, RECORD_F_OUTPUT, RECORD_F_OUTPUT_BYTES,
	RECORD_F_TRUNCATED, RECORD_F_REASON, RECORD_F_SEQ, RECORD_F_HASH,
	RECORD_F_END_SEQ, RECORD_F_END_HASH, RECORD_F_CHAIN_VERSION,
	RECORD_F_RUN_AS, RECORD_F_MODE, RECORD_F_ARGV, RECORD_F_TICKET,
	RECORD_F_CWD, RECORD_F_RULE, RECORD_F_TERMINAL
};
#define RECORD_NFIELDS		(RECORD_F_TERMINAL + 1)	/* record_nfields */

/* Where a field goes: written at the start or the end, chained where. */
#define RECORD_AT_START		0x1	/* bound from the record at start */
#define RECORD_AT_END		0x2	/* bound from the record at the end */
#define RECORD_CHAIN_START	0x4	/* hashed in the start event */
#define RECORD_CHAIN_END	0x8	/* hashed in the end event */

/* A field's value: SQLite's storage classes that the record uses. */
#define RECORD_NULL		0
#define RECORD_INT		1
#define RECORD_TEXT		2
struct record_value {
	int		 type;
	int64_t		 i;
	const char	*s;
	size_t		 len;
};

struct record_field {
	const char	*name;
	int		 flags;
};

/* What a session gives a job to run. */
struct job_params {
	struct cmd_record *rec;
	u_int		 kill_grace_ms;
	u_int		 drain_ms;
	size_t		 output_max;
	size_t		 capture_max;	/* a terminal's, to the */
						/* privileged part */
	int		 record_input;	/* SessionRecordInput */
	char		**envp;
};

/*
 * The descriptors one command holds at most: its worker's wake-up eventfd,
 * both ends of its three pipes and its cgroup's cgroup.procs while it
 * starts; then four of those and its pidfd. (A plain vfork's error pipe,
 * under valgrind only, takes two more for a moment, from the spare.)
 */
#define JOB_FDS			8

/*
 * The descriptors rcmdd holds with no connection and no command, beside
 * its listeners: standard ones, the spawn slots, the loop's, the audit
 * database's and some to spare; rcmdd -t reckons with this, start-up
 * counts them.
 */
#define SERVER_FDS_BASE		80

/* The most output a worker reads at once: one frame's payload. */
#define JOB_OUTPUT_SIZE		FRAME_MAX_PAYLOAD

/*
 * How a job runs: on a pool thread, or inline, its worker driven by the
 * loop thread itself (--single-thread).
 */
#define JOB_INLINE		0x1

/* Why a job was cancelled. */
#define JOB_CANCEL_DISCONNECT	1
#define JOB_CANCEL_SHUTDOWN	2
#define JOB_CANCEL_OPERATOR	3
#define JOB_CANCEL_REVOKED	4	/* revoked or denied by a reload */

/* Events a job reports to its session, on the loop thread. */
#define JOB_EV_STARTED		1
#define JOB_EV_STDOUT		2
#define JOB_EV_STDERR		3
#define JOB_EV_STDIN_RESUME	4
#define JOB_EV_ERROR		5
#define JOB_EV_EXIT		6

/*
 * A job's report; data is an audit id, output, an EXIT or an error. The
 * data lasts until the callback returns, unless it keeps output with
 * job_output_keep.
 */
struct job_event {
	int			 type;
	uint64_t		 audit_id;
	const uint8_t		*data;
	size_t			 len;
	struct frame_exit	 exit;
	uint16_t		 error_code;
	int			 kept;
};
typedef void (*job_event_cb)(struct job *, struct job_event *, void *);

/* parts.c: the two processes, from the fork to their end */
struct pidfh;
int		 parts_start(struct config_cmdline *, struct pidfh *, int,
		     char *, gid_t);

/* server.c */
extern struct config	*server_conf;
extern struct event_base *server_base;
void		 server_start(const struct config_cmdline *);
void		 server_stop(void);
int		 server_signal_fd(void);
void		 server_signal_dispatch(void);
int		 server_privsep_fd(void);
void		 server_privsep_dispatch(void);
int		 server_grace_left(void);
void		 server_check_exit(void);
int		 server_reload_request(char **);
void		 server_reload_done(int, const char *);
int		 server_reload_pending(void);
u_int		 server_fds_base(const struct config *);
extern int	 server_privsep;
extern pid_t	 server_ppid;
void		 server_head_log(void);
void		 server_set_cmdline(const struct config_cmdline *);

/* config.c */
void		 config_init(struct config *);
const char	*config_control_path(const struct config *);
const char	*config_session_utmp(const struct config *);
const char	*config_session_wtmp(const struct config *);
void		 config_clear(struct config *);
int		 config_parse(struct config *, const char *, FILE *, char **);
int		 config_load(struct config *, const char *, char **);
int		 config_set_listen(struct config *, const char *, char **);
int		 config_parse_time(const char *, u_int *);
int		 config_parse_size(const char *, size_t *);
int		 config_check_fds(const struct config *, unsigned long, u_int,
		     char **);
const char	*config_path(const struct config_cmdline *);
int		 config_read_text(struct config *,
		     const struct config_cmdline *, const char *, size_t, int);
int		 config_read(struct config *, const struct config_cmdline *,
		     int);
void		 config_error(char **, const char *, u_int, const char *, ...)
		     __attribute__((__format__ (printf, 4, 5)));

/* config_reload.c: what a reload may change */
int		 config_merge_reload(const struct config *, struct config *,
		     char **, char **);

/* auth.c: refusals recorded one by one, at once and then a second */
#define AUTH_REFUSALS_BURST	20
#define AUTH_REFUSALS_PER_SEC	10
int		 auth_add_rule(struct config *, const char *, char **);
void		 auth_clear(struct config *);
int		 auth_allowed(const struct config *, const char *,
		     const struct sockaddr *);
int		 auth_refusal_admit(const char *);
uint64_t	 auth_suppressed_take(char *, size_t, char *, size_t);
char		*auth_suppressed_summary(void);

/*
 * policy.c: who may run what, as whom. A request to decide: the peer
 * (identity and fingerprint NULL where it has none, addr NULL for the
 * local socket), the user asked for (NULL: the rule's default), the
 * global RunAs user (the default of a rule without "as"), and the command:
 * a shell string, or an argument vector whose program policy_resolve has
 * resolved.
 */
#define POLICY_SHELL		0
#define POLICY_ARGV		1
struct policy_request {
	const char		*identity;
	const char		*fingerprint;
	const struct sockaddr	*addr;
	const char		*user;
	const char		*run_as;
	int			 mode;		/* POLICY_SHELL or _ARGV */
	const char		*command;	/* shell: the string */
	const char		*program;	/* argv: resolved, absolute */
	char *const		*argv;		/* argv: as received */
	u_int			 argc;
	int			 ticket;	/* a ticket was given */
	int			 terminal;	/* on a terminal: shell */
};

/* Why a request was refused (policy_reason_name says it in words). */
#define POLICY_ALLOWED		0
#define POLICY_NO_RULE		1	/* no rule admits the peer */
#define POLICY_DENIED		2	/* a Deny rule matched first */
#define POLICY_USER		3	/* not as that user */
#define POLICY_COMMAND_REFUSED	4	/* not that program or arguments */
#define POLICY_SHELL_REFUSED	5	/* only "command" rules matched */
#define POLICY_NO_TICKET	6	/* the rule wants a ticket */

/*
 * The decision: rule is the one that decided (a refusal that no rule
 * decided names the nearest, or none); user the run-as user when allowed;
 * message one line for the client, the log and the audit row; hint what
 * would be allowed, or NULL. rule and user point into the configuration
 * and the request; message and hint are the decision's own.
 */
struct policy_decision {
	int			 allowed;
	int			 reason;
	const struct allow_rule	*rule;
	const char		*user;
	char			*message;
	char			*hint;
};
int		 policy_match_source(const struct allow_source *, int,
		     const uint8_t *);
int		 policy_applies(const struct allow_rule *, const char *,
		     const char *, const struct sockaddr *);
int		 policy_admit(const struct config *, const char *,
		     const char *, const struct sockaddr *,
		     const struct allow_rule **);
char		*policy_show(const struct policy_request *);
void		 policy_decide(const struct config *,
		     const struct policy_request *, struct policy_decision *);
void		 policy_decision_clear(struct policy_decision *);
const char	*policy_reason_name(int);

/* policy_parse.c: the rules' grammar */
int		 policy_add_rule(struct config *, int, const char *,
		     const char *, u_int, char **);
void		 policy_rule_clear(struct allow_rule *);
void		 policy_clear(struct config *);
int		 policy_fingerprint(const char *, char **, char **);

/* policy_match.c: words against patterns, and a program against Path */
int		 policy_glob(const char *, const char *);
int		 policy_match_word(const char *, const char *);
int		 policy_dotdot_part(const char *);
int		 policy_plain_path(const char *);
int		 policy_resolve(const char *, const char *, char **, char **);

/* policy_check.c: rcmdd -t's checks of the rules, and the dry run */
struct policy_dry {
	const char	*identity;	/* "": none */
	const char	*from;		/* an address, or "unix" */
	const char	*user;		/* NULL: the default */
	const char	*fingerprint;
	int		 ticket;
	int		 argv;		/* words are a vector, not a string */
	char		**words;
	int		 nwords;
};
int		 policy_check_users(const struct config *, char **);
int		 policy_check(const struct config *, char **);
const char	*policy_run_as(const struct config *);
int		 policy_dry_run(const struct config *, const struct policy_dry *,
		     FILE *);

/* tls.c */
#define TLS_FINGERPRINT_LEN	95	/* 32 bytes as "AB:CD:..." */
struct ssl_st;
int		 tls_configure(const struct config *, char **);
#define TLS_PEM_CERT		0
#define TLS_PEM_KEY		1
#define TLS_PEM_CA		2
#define TLS_PEM_CRL		3
#define TLS_PEM_PARTS		4
int		 tls_configure_mem(const struct config *,
		     const char *const *, const size_t *, char **);
int		 tls_enabled(void);
struct ssl_st	*tls_new(void);
int		 tls_peer(struct ssl_st *, char *, size_t, char *, size_t,
		     char **);
void		 tls_failure(struct ssl_st *, unsigned long, char *, size_t);
int		 tls_revoked(struct ssl_st *, char *, size_t);
void		 tls_free(void);

/* listen.c */
int		 listen_check(struct config *, char **);
int		 listen_start(struct config *, char **);
void		 listen_stop(void);
int		 listen_port(void);

/* control.c */
int		 control_start(struct event_base *, const char *, char **);
void		 control_stop(void);
void		 control_stats_done(void);
void		 control_reload_done(const char *);
int		 control_request(const char *, const char *);

/* metrics.c */
void		 metrics_init(void);
void		 metrics_status_write(struct evbuffer *);
char		*metrics_status_line(void);
void		 metrics_start(struct event_base *, const char *, u_int);
void		 metrics_stop(void);
void		 metrics_set_network(uint64_t, uint64_t, uint64_t);

/* notify.c */
void		 notify_open(void);
void		 notify_send(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
void		 notify_ready(struct event_base *);
void		 notify_close(void);

/* session.c */
#define SESSION_TCP		0
#define SESSION_TLS		1
#define SESSION_UNIX		2
void		 session_new(int, const struct sockaddr *, socklen_t, int);
void		 session_set_fd_budget(u_long, u_int);
void		 session_shutdown_all(void);
void		 session_users_load(void);
char		*session_users_text(size_t *);
void		 session_users_set(const char *, size_t);
void		 session_users_free(void);
u_int		 session_count(void);

/* session_revoke.c */
void		 session_revoke_all(void);

/* job.c: the loop's view of a job (the worker's side is job_worker.h) */
void		 job_inbox_open(struct event_base *);
void		 job_inbox_close(void);
struct job	*job_start(struct job_params *, int, job_event_cb, void *,
		     char **);
void		 job_dispatch(void);
void		 job_stdin(struct job *, const uint8_t *, size_t);
void		 job_stdin_eof(struct job *);
int		 job_stdin_full(struct job *);
void		 job_signal(struct job *, int);
void		 job_resize(struct job *, u_int, u_int);
void		 job_cancel(struct job *, int);
void		 job_cancel_all(int);
void		 job_revoke(struct job *, const char *);
void		 job_detach(struct job *);
void		 job_output_sent(struct job *, size_t);
uint8_t		*job_output_keep(struct job_event *);
void		 job_output_put(uint8_t *);
u_int		 job_count(void);
void		 job_params_free(struct job_params *);
void		 job_list_write(struct evbuffer *);
char		*job_escape(const char *, size_t, size_t);
int		 job_end(uint64_t);
uint64_t	 job_started_count(void);

struct cgroup;
struct pollfd;

/*
 * worker.c: one command's machine, driven by a pool thread or, inline,
 * by its session; it polls at most WORKER_POLL_FDS descriptors.
 */
#define WORKER_POLL_FDS		5
struct worker;
struct worker	*worker_new(struct job *);
int		 worker_fill(struct worker *, struct pollfd *, int *);
void		 worker_step(struct worker *, const struct pollfd *);
int		 worker_done(struct worker *);
void		 worker_free(struct worker *);

/* worker_pool.c */
int		 worker_pool_call(void (*)(void *), void *, char **);
void		 worker_pool_stop(void);

/*
 * exec.c. What to run: a shell command, or a resolved program and its
 * vector (argv[0] the word as received); cwd NULL for the user's home.
 */
struct exec_command {
	const char	*command;
	const char	*program;
	char *const	*argv;
	const char	*cwd;
	int		 terminal;	/* fds are a terminal's slave */
	int		 login;		/* the user's login shell */
};
int		 exec_start(char **);
int		 exec_configure(const struct config *, char **);
void		 exec_set_files_soft(unsigned long, unsigned long);
void		 exec_identity(struct exec_identity *);
int		 exec_identity_user(const struct config *, const char *, int,
		     struct exec_identity *, char **);
void		 exec_identity_set(const struct exec_identity *);
void		 exec_set_user(const char *);
pid_t		 exec_spawn(const struct exec_command *, char *const *,
		     const struct exec_identity *, struct cgroup *, int, int,
		     int, int *, const char **);
int		 exec_pidfd(pid_t);
void		 exec_kill(pid_t, int);
char		**exec_env_new(const struct config *,
		     const struct exec_identity *, const char *);
void		 exec_env_terminal(char ***, const struct exec_identity *,
		     const char *);
void		 exec_env_free(char **);

/* cgroup.c */
void		 cgroup_start(void);
int		 cgroup_new(uint64_t, const struct exec_identity *,
		     struct cgroup **, char **);
void		 cgroup_kill(struct cgroup *);
void		 cgroup_free(struct cgroup *);
int		 cgroup_procs(struct cgroup *);
void		 cgroup_procs_close(struct cgroup *);

/* The head of the audit hash chain: its last sequence number and hash. */
#define CHAIN_HASH_LEN		64
struct chain_head {
	uint64_t	 seq;
	char		 hash[CHAIN_HASH_LEN + 1];
};

/* chain.c */
struct sqlite3;
struct sqlite3_stmt;
int		 chain_base_read(struct sqlite3 *, struct chain_head *, char **);
int		 chain_check_start(struct sqlite3 *, uint64_t,
		     const struct chain_head *, char **);
int		 chain_event_hash(struct sqlite3 *, uint64_t,
		     const struct chain_head *, char *);
int		 chain_load(struct sqlite3 *, struct chain_head *, char **);
int		 chain_prepare(struct sqlite3 *);
void		 chain_finalize(void);
int		 chain_seal_start(struct sqlite3 *, uint64_t,
		     struct chain_head *, uint8_t *, char **);
int		 chain_seal_end(struct sqlite3 *, uint64_t, struct chain_head *,
		     uint8_t *, char **);
#define CHAIN_ROW		1	/* version 1: a final row */
#define CHAIN_START		2	/* version 2: a row's start */
#define CHAIN_END		3	/* version 2: a row's end */
char		*chain_columns(const char *, const char *, const int *);
int		 chain_hash(struct sqlite3_stmt *, int, int, const char *,
		     char *, uint8_t *);
int		 chain_hash_values(const struct record_value *, int,
		     const char *, char *, uint8_t *);
char		*chain_error(struct sqlite3 *, const char *);
#define CHAIN_CHUNK		4	/* version 2: a recording's chunk */
int		 chain_chunk_hash(const char *, uint64_t, uint64_t, uint64_t,
		     uint64_t, const void *, size_t, int64_t, char *);

/* central_verify.c */
int		 central_uri(const char *);
int		 central_verify(const char *, const char *, const char *);

/* central_host.c */
/* One host's events from the central store, loaded (central_host_load). */
struct pg_conn;
struct central_host {
	const char		*name;
	struct sqlite3		*db;
	struct chain_head	 base;
	int			 has_base;	/* its row in hosts is there */
	uint64_t		 nevents;
	uint64_t		 last_seq;	/* its last event's */
	char			*head;		/* "SEQ:HASH" it sent last */
};
int		 central_host_load(struct pg_conn *, struct central_host *,
		     char **);
void		 central_host_free(struct central_host *);
int		 central_host_exec(struct sqlite3 *, const char *, char **);
char		*central_host_diff(const char *, const char *, int);
char		*central_host_pq_error(struct pg_conn *, const char *);

/* central_compare.c */
int		 central_compare(struct pg_conn *, const char *, const char *,
		     char **);

/* chain_verify.c */
int		 chain_verify(const char *, const char *, uint64_t *,
		     struct chain_head *, char **);
int		 chain_verify_db(struct sqlite3 *, const char *, const char *,
		     uint64_t *, struct chain_head *, char **);

/* audit.c */
/* What the audit writer has done since start-up, for the metrics. */
struct audit_stats {
	uint64_t	 queued;	/* records waiting now */
	uint64_t	 commits;	/* transactions */
	double		 commit_seconds;	/* their total time */
	double		 last_commit_seconds;
	uint64_t	 records;	/* committed */
	uint64_t	 failed;	/* that could not be */
	uint64_t	 denied;	/* refusals recorded */
	int		 failing;	/* commands refused for it now */
};
int		 audit_open(const char *, int, char **);
void		 audit_start(void);
void		 audit_stop(void);
int		 audit_begin(struct cmd_record *, char **);
int		 audit_finish(struct cmd_record *, char **);
void		 audit_deny(const struct record_peer *, const char *);
void		 audit_deny_record(struct cmd_record *);
void		 audit_head(struct chain_head *);
void		 audit_get_stats(struct audit_stats *);
void		 audit_set_retention(u_int, uint64_t);
void		 audit_forward_cursor(uint64_t);
struct rec_chunk;
int		 audit_chunk(struct rec_chunk *, int);

/* audit_db.c */
int		 audit_lookup_group(const char *, gid_t *, char **);
void		 audit_set_group(gid_t);
int		 audit_db_open(const char *, int, struct sqlite3 **,
		     struct chain_head *, char **);

/* forward.c: the forwarder thread (AuditForward) */
int		 forward_open(const struct config *, const char *, char **);
void		 forward_start(void);
void		 forward_stop(void);
int		 forward_enabled(void);
void		 forward_wake(uint64_t);
void		 forward_head(const struct chain_head *);
void		 forward_set_max_lag(u_int);
int		 forward_sync(uint64_t, char **);
int		 forward_sync_mode(void);
int		 forward_lagging(char **);

/*
 * forward_read.c: the events to forward, read from the local database,
 * each with the columns of the central store's events (sql/central.sql):
 * the record's fields as text, NULL for NULL.
 */
#define FORWARD_ROW		0	/* a version 1 row */
#define FORWARD_START		1
#define FORWARD_END		2
#define FORWARD_CHUNK		3	/* a recording's: id, seq (its */
					/* start), hash, output (data), */
					/* truncated, exit_code (chunk) */
#define FORWARD_NFIELDS		(RECORD_F_TERMINAL + 1)
struct forward_event {
	uint64_t	 seq;
	int		 kind;
	char		*value[FORWARD_NFIELDS];
	size_t		 bytes;
};
struct forward_batch {
	struct forward_event *ev;
	size_t		 n;
	uint64_t	 first;		/* the seqs it covers */
	uint64_t	 last;
	uint64_t	 missing;	/* of them, not in the database */
	size_t		 bytes;
};
int		 forward_cursor_open(struct sqlite3 *, const char *, uint64_t *,
		     struct chain_head *, char **);
int		 forward_cursor_write(struct sqlite3 *, uint64_t, char **);
int		 forward_cursor_read(struct sqlite3 *, uint64_t, uint64_t *,
		     char **);
int		 forward_read(struct sqlite3 *, uint64_t, uint64_t, size_t,
		     struct forward_batch *, char **);
void		 forward_batch_clear(struct forward_batch *);
const char	*forward_kind_name(int);
const char	*forward_event_hash(const struct forward_event *);
int		 forward_event_time(struct sqlite3 *, uint64_t, time_t *);

/* forward_pg.c: the central store's side */
struct forward_pg;
int		 forward_check_conninfo(const char *, char **);
int		 forward_check_host_name(const char *, char **);
struct forward_pg *forward_pg_connect(const char *, const char *,
		     const struct chain_head *, char **);
int		 forward_pg_send(struct forward_pg *,
		     const struct forward_batch *, const struct chain_head *,
		     char **);
void		 forward_pg_close(struct forward_pg *);

/* prune.c */
int		 prune_run(struct sqlite3 *, u_int, uint64_t);

/* record.c */
extern const struct record_field record_fields[];
extern const u_int record_nfields;
struct cmd_record *record_new(const struct record_peer *, const char *,
		     size_t);
struct cmd_record *record_new_denied(const struct record_peer *,
		     const char *);
void		 record_free(struct cmd_record *);
void		 record_set_words(struct cmd_record *, char **, u_int);
void		 record_set_rule(struct cmd_record *,
		     const struct allow_rule *);
char		*record_argv_json(char *const *, u_int);
char		*record_argv_command(char *const *, u_int);
void		 record_peer_clear(struct record_peer *);
void		 record_get(const struct cmd_record *, u_int,
		     struct record_value *);
char		*record_columns(int, const char *);
void		 record_hex(const uint8_t *, char *);
uint64_t	 record_mask(int);
uint8_t		*record_pack(const struct cmd_record *, uint64_t, size_t *);
int		 record_unpack(struct cmd_record *, uint64_t, const uint8_t *,
		     size_t, char **);

/* terminal.c */
#define TERMINAL_TEXT_MAX	(RUN_MAX_TERM + 12)	/* "TERM 65535x65535" */
char		*terminal_text(const char *, size_t, u_int, u_int);
int		 terminal_parse(const char *, char *, size_t, u_int *,
		     u_int *);
int		 terminal_open(uid_t, u_int, u_int, int *, int *, char **);
int		 terminal_resize(int, u_int, u_int);
void		 terminal_login(const char *, const char *, int, pid_t,
		    const char *, const char *, char *, size_t);
void		 terminal_logout(const char *, const char *, const char *,
		    pid_t);

/* text.c */
char		*text_safe(const char *, size_t, size_t *);
#define TEXT_TIME_LEN	24	/* YYYY-MM-DDTHH:MM:SS.mmmZ */
void		 text_time(const struct timespec *, char *, size_t);

/*
 * The privilege split's channel (privsep_msg.c) and its messages: on the
 * main channel from the network part, EXEC, DENY, READY, STATS and
 * CONFIG_DONE, and READY, CONFIG (a reload) and STATS_REQ from the
 * privileged part; on a command's own
 * socket, STARTED, FAILED, EXITED, END and ENDED from the privileged part
 * and SIGNAL, TERMINATE, KILL, OUTPUT and FINISH from the network part.
 */
#define PRIVSEP_MSG_MAX		(128 * 1024)	/* a payload, at most */
#define PRIVSEP_MAX_FDS		3
#define PRIVSEP_TEXT_MAX	4096		/* a reason, a user name */
#define PRIVSEP_OUTPUT_CHUNK	(64 * 1024)	/* captured output */

#define PRIVSEP_EXEC		1	/* user len u16, user asked, vector */
					/* len u32, words each NUL-ended, */
					/* record; 1 fd */
#define PRIVSEP_DENY		2	/* record of a refusal */
#define PRIVSEP_READY		3	/* to the network part, empty: */
					/* the audit log is open; back, */
					/* port i32: confined, serving */
#define PRIVSEP_CONFIG		4	/* to the network part: runas */
					/* len u16, runas, then len i32 */
					/* and text of the file, TLS */
					/* cert, key and CA, users, */
					/* CRLs */
#define PRIVSEP_STATS_REQ	5	/* to the network part: empty */
#define PRIVSEP_STATS		6	/* back: connections, commands */
					/* running, started, u64 each */
#define PRIVSEP_CONFIG_DONE	7	/* back: applied i32 (1 or 0), */
					/* why not */
#define PRIVSEP_STARTED		16	/* id, seq u64, hash; 3 fds */
#define PRIVSEP_FAILED		17	/* kind, errno i32, id, end_seq u64, */
					/* end_hash, reason */
#define PRIVSEP_EXITED		18	/* wait status i32 */
#define PRIVSEP_END		20	/* empty: rcmdd --end */
#define PRIVSEP_ENDED		19	/* recorded i32, end_seq u64, */
					/* end_hash, reason */
#define PRIVSEP_ENDED_UNSENT	2	/* ENDED's recorded: not in the */
					/* central store (sync): no EXIT */
#define PRIVSEP_SIGNAL		32	/* signal i32 */
#define PRIVSEP_TERMINATE	33	/* empty: SIGTERM to the group */
#define PRIVSEP_KILL		34	/* empty: SIGKILL, cgroup.kill */
#define PRIVSEP_OUTPUT		35	/* captured output, 1..CHUNK bytes */
#define PRIVSEP_FINISH		36	/* record: the end fields but output */
#define PRIVSEP_INPUT		37	/* a terminal: bytes typed, 1..CHUNK */
#define PRIVSEP_RESIZE		38	/* a terminal: rows, columns u16 */

/* Why a command did not start (PRIVSEP_FAILED's kind). */
#define PRIVSEP_FAIL_AUDIT	1	/* no row: not run */
#define PRIVSEP_FAIL_START	2	/* row ended failed */
#define PRIVSEP_FAIL_REFUSED	3	/* refused: a denied row */

struct privsep_msg {
	u_int		 type;
	uint8_t		*data;
	size_t		 len;
	int		 fd[PRIVSEP_MAX_FDS];
	u_int		 nfd;
};

/* privsep_msg.c */
int		 privsep_socketpair(int [2], char **);
int		 privsep_send(int, u_int, const void *, size_t, const int *,
		     u_int, int, char **);
int		 privsep_recv(int, size_t, struct privsep_msg *, int, char **);
int		 privsep_msg_check(const struct privsep_msg *, u_int, size_t,
		     size_t, char **);
int		 privsep_msg_take_fd(struct privsep_msg *, u_int);
void		 privsep_msg_clear(struct privsep_msg *);
void		 privsep_put_u64(uint8_t *, uint64_t);
uint64_t	 privsep_get_u64(const uint8_t *);
void		 privsep_put_i32(uint8_t *, int32_t);
int32_t		 privsep_get_i32(const uint8_t *);
char		*privsep_text(const uint8_t *, size_t);
uint64_t	 privsep_mask(u_int);

/* privsep.c: the privileged part's command service */
#define PRIVSEP_GONE_REASON	"the network part of rcmdd ended before the " \
				"command finished"
extern struct event_base *privsep_base;
extern const struct config *privsep_conf;
extern int	 privsep_chan;
typedef void	 (*privsep_ready_cb)(int);
int		 privsep_serve(int, const struct config *);
void		 privsep_set_ready_cb(privsep_ready_cb);
void		 privsep_reconfigure(const struct config *);
int		 privsep_stats_request(void);

/* privsep_child.c: a command's life in the privileged part */
int		 privsep_child_open(char **);
void		 privsep_child_close(void);
void		 privsep_child_start(struct cmd_record *, int);
void		 privsep_child_gone_all(const char *);
u_int		 privsep_child_count(void);
void		 privsep_child_list_write(struct evbuffer *);
int		 privsep_child_end(uint64_t);
void		 privsep_child_failed(int, int, int, const struct cmd_record *,
		     const char *);

/* privsep_cmd.c: the network part's side of one command */
struct privsep_cmd {
	int		 ctl;		/* the command's own socket */
	uint64_t	 sent;		/* output sent as it came */
	uint8_t		*obuf;		/* a terminal's, gathered */
	size_t		 olen;
	int		 fd_in;		/* its stdin, stdout and stderr */
	int		 fd_out;
	int		 fd_err;
	int		 exited;
	int		 wstatus;
};
#define PRIVSEP_CMD_NONE	0
#define PRIVSEP_CMD_EXITED	1
#define PRIVSEP_CMD_GONE	2
#define PRIVSEP_CMD_END		3
int		 privsep_cmd_start(int, struct cmd_record *, const char *,
		     struct privsep_cmd **, int *, char **);
int		 privsep_cmd_signal(struct privsep_cmd *, int, char **);
int		 privsep_cmd_resize(struct privsep_cmd *, u_int, u_int,
		     char **);
int		 privsep_cmd_input(struct privsep_cmd *, const uint8_t *,
		     size_t, char **);
int		 privsep_cmd_flush(struct privsep_cmd *, char **);
int		 privsep_cmd_output(struct privsep_cmd *, const uint8_t *,
		     size_t, uint64_t, char **);
int		 privsep_cmd_terminate(struct privsep_cmd *, char **);
int		 privsep_cmd_kill(struct privsep_cmd *, char **);
int		 privsep_cmd_read(struct privsep_cmd *, char **);
int		 privsep_cmd_finish(struct privsep_cmd *, struct cmd_record *,
		     char **);
void		 privsep_cmd_free(struct privsep_cmd *);
int		 privsep_deny(int, const struct record_peer *, const char *,
		     char **);

/* confine.c */
int		 confine_network(const struct config *, char **);
int		 confine_test(const struct config *);

/* priv.c */
int		 priv_drop(const struct config *, char **);
int		 priv_is_dropped(void);

/* export.c: the log line's element, and the command's cap in it */
#define EXPORT_SD_ID		"rcmd@32473"
#define EXPORT_COMMAND_MAX	1024
int		 export_audit(const char *, const char *, FILE *, char **);
char		*export_json_string(const char *, size_t);
char		*export_sd_escape(const char *, size_t, size_t);
char		*export_sd_line(const struct cmd_record *);

/* cast.c: asciicast v2 */
struct cast_out {
	char		*buf;
	size_t		 len;
	size_t		 size;
};
size_t		 cast_utf8(const u_char *, size_t, size_t *);
void		 cast_event(struct cast_out *, uint64_t, char, const void *,
		     size_t, int, u_char *, size_t *);
void		 cast_header(struct cast_out *, u_int, u_int, int64_t,
		     const char *);
void		 cast_out_free(struct cast_out *);

/* recording.c: a terminal's recording, in the privileged part */
#define RECORDING_CHUNK_MAX	(120 * 1024)	/* a chunk's events */
#define RECORDING_FLUSH_MS	1000		/* a chunk's age, at most */
#define RECORDING_QUEUE_MAX	(64 * 1024 * 1024) /* queued to the writer */
/* One chunk on its way to the audit writer, which frees it. */
struct rec_chunk {
	uint64_t	 id;		/* the command's row */
	uint64_t	 start_seq;	/* its start in the chain */
	uint64_t	 chunk;		/* 0, 1, ... */
	int		 truncated;	/* the last: the cap was reached */
	char		*data;		/* asciicast event lines */
	size_t		 len;
};
struct recording;
struct recording *recording_new(uint64_t, uint64_t, size_t, int,
		     void (*)(void *), void *);
void		 recording_on_lost(struct recording *,
		     void (*)(void *, const char *));
void		 recording_lost(uint64_t, const char *);
int		 recording_blocked(const struct recording *);
void		 recording_output(struct recording *, const void *, size_t);
void		 recording_input(struct recording *, const void *, size_t,
		     int);
void		 recording_resize(struct recording *, u_int, u_int);
void		 recording_end(struct recording *);
void		 recording_free(struct recording *);
void		 recording_chunk_free(struct rec_chunk *);
int		 recording_chunk_write(struct sqlite3 *, const struct rec_chunk *,
		     struct chain_head *, char **);
void		 recording_finalize(void);

/* recording_db.c: --export-cast and --replay */
int		 recording_export(const char *, uint64_t, FILE *, char **);
int		 recording_replay(const char *, uint64_t, double, double,
		     char **);
int		 recording_verify(struct sqlite3 *, uint64_t, char **);

#endif /* RCMDD_H */
