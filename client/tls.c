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

#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "rcmd.h"
#include "xmalloc.h"

/*
 * The client's TLS: TLS 1.3 only, with a client certificate, verifying the
 * server's certificate against one CA file and its name or address against
 * the host rcmd was given. conn.c keeps its non-blocking socket, and its
 * drivers the poll(2) loops; this file turns OpenSSL's answers into "try
 * again when the socket is readable (or writable)" and into messages that
 * say what was wrong.
 *
 * rcmd does not link libssl: loading and relocating libssl and libcrypto
 * would cost most of its start-up time, on every run, also for plain TCP
 * and Unix sockets. tls_load opens them (dload.c) when TLS is first set
 * up, and every OpenSSL call here goes through the pointers it fills
 * (sym_*). OpenSSL's macros are written out as the functions they call.
 */

/*
 * The OpenSSL functions this file calls, from libssl or from libcrypto,
 * which libssl loads. To call one more, add it here.
 */
#define TLS_SYMBOLS(F)							\
	F(ASN1_TIME_print)						\
	F(BIO_free)							\
	F(BIO_new)							\
	F(BIO_read)							\
	F(BIO_s_mem)							\
	F(ERR_clear_error)						\
	F(ERR_peek_error)						\
	F(ERR_peek_last_error)						\
	F(ERR_reason_error_string)					\
	F(SSL_CTX_check_private_key)					\
	F(SSL_CTX_ctrl)							\
	F(SSL_CTX_free)							\
	F(SSL_CTX_get0_certificate)					\
	F(SSL_CTX_load_verify_locations)				\
	F(SSL_CTX_new)							\
	F(SSL_CTX_set_default_passwd_cb)				\
	F(SSL_CTX_set_info_callback)					\
	F(SSL_CTX_set_verify)						\
	F(SSL_CTX_use_PrivateKey_file)					\
	F(SSL_CTX_use_certificate_chain_file)				\
	F(SSL_alert_desc_string_long)					\
	F(SSL_connect)							\
	F(SSL_ctrl)							\
	F(SSL_free)							\
	F(SSL_get0_param)						\
	F(SSL_get_error)						\
	F(SSL_get_ex_data)						\
	F(SSL_get_verify_result)					\
	F(SSL_is_init_finished)						\
	F(SSL_new)							\
	F(SSL_pending)							\
	F(SSL_read)							\
	F(SSL_set1_host)						\
	F(SSL_set_ex_data)						\
	F(SSL_set_fd)							\
	F(SSL_shutdown)							\
	F(SSL_write)							\
	F(TLS_client_method)						\
	F(X509_VERIFY_PARAM_set1_ip_asc)				\
	F(X509_get0_notAfter)						\
	F(X509_verify_cert_error_string)

/* TLS alert descriptions (RFC 8446, 6.2) that rcmd explains. */
#define TLS_ALERT_CLOSE_NOTIFY		0
#define TLS_ALERT_HANDSHAKE_FAILURE	40
#define TLS_ALERT_BAD_CERTIFICATE	42
#define TLS_ALERT_UNSUPPORTED_CERT	43
#define TLS_ALERT_CERTIFICATE_REVOKED	44
#define TLS_ALERT_CERTIFICATE_EXPIRED	45
#define TLS_ALERT_CERTIFICATE_UNKNOWN	46
#define TLS_ALERT_UNKNOWN_CA		48
#define TLS_ALERT_ACCESS_DENIED		49
#define TLS_ALERT_PROTOCOL_VERSION	70
#define TLS_ALERT_CERTIFICATE_REQUIRED	116

static int	tls_load(char **);
static int	tls_no_passphrase_cb(char *, int, int, void *);
static void	tls_info_cb(const SSL *, int, int);
static void	tls_sigpipe_ignore(struct sigaction *);
static void	tls_sigpipe_restore(const struct sigaction *);
static char	*tls_error_string(void);
static int	tls_is_ip(const char *);
static void	tls_alert_cause(struct tls_conn *, char **);
static void	tls_handshake_cause(struct tls_conn *, int, char **);
static int	tls_io_error(struct tls_conn *, int, int, char **);

/* What every connection shares: the context with the three files. */
struct tls_config {
	SSL_CTX		*ctx;
	char		*cert;
	char		*key;
	char		*ca;
	char		 cert_end[64];
};

/* One TLS connection over conn.c's socket. */
struct tls_conn {
	SSL			*ssl;
	const struct tls_config	*config;
	char			*host;
	char			*port;
	int			 alert;		/* -1, or the last one read */
	int			 events;	/* what the last call awaits */
};

/* sym_NAME for each function of TLS_SYMBOLS, and their table. */
TLS_SYMBOLS(DLOAD_POINTER)
static const struct dload_symbol tls_symbols[] = {
	TLS_SYMBOLS(DLOAD_ENTRY)
};

/* libssl's handle once tls_load has succeeded. */
static void	*tls_libssl;

/*
 * Load libssl, and libcrypto with it, and the functions of TLS_SYMBOLS,
 * once. LIBSSL_SONAME is the file name the linker would have recorded,
 * which configure found. Return 0, or -1 with a cause that names the
 * library and says what the dynamic linker said.
 */
static int
tls_load(char **cause)
{
	char	*why;

	if (tls_libssl != NULL)
		return (0);
	tls_libssl = dload_open(LIBSSL_SONAME, tls_symbols,
	    sizeof tls_symbols / sizeof tls_symbols[0], &why);
	if (tls_libssl == NULL) {
		xasprintf(cause, "TLS needs %s: %s; install OpenSSL's libssl "
		    "(the Debian package libssl3)", LIBSSL_SONAME, why);
		free(why);
		return (-1);
	}
	return (0);
}

/*
 * A key with a passphrase would make OpenSSL prompt on the terminal, in
 * the middle of rcmd's output: refuse it instead.
 */
static int
tls_no_passphrase_cb(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return (0);
}

/*
 * Note each alert the server sends. In TLS 1.3 the server checks the
 * client's certificate after the client has finished its handshake, so a
 * refusal arrives as an alert on the first read, and OpenSSL's error for
 * it says less than the alert itself.
 */
static void
tls_info_cb(const SSL *ssl, int where, int ret)
{
	struct tls_conn	*t;

	if ((where & SSL_CB_READ_ALERT) == 0)
		return;
	t = sym_SSL_get_ex_data(ssl, 0);	/* SSL_get_app_data */
	if (t != NULL)
		t->alert = ret & 0xff;
}

/*
 * OpenSSL writes with write(2), not send(2) with MSG_NOSIGNAL, so a server
 * that hangs up would kill rcmd with SIGPIPE. Ignore it around each call,
 * and only then, so that rcmd's own output to a closed pipe still ends it
 * as before.
 */
static void
tls_sigpipe_ignore(struct sigaction *old)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, old);
}

/* Put back what tls_sigpipe_ignore replaced. */
static void
tls_sigpipe_restore(const struct sigaction *old)
{
	sigaction(SIGPIPE, old, NULL);
}

/*
 * Return OpenSSL's reason for the first error in its queue, which says
 * more than those its callers added ("no start line", not "PEM lib"),
 * and clear the queue.
 */
static char *
tls_error_string(void)
{
	unsigned long	 e;
	const char	*reason;
	char		*s;

	e = sym_ERR_peek_error();
	reason = e == 0 ? NULL : sym_ERR_reason_error_string(e);
	if (reason != NULL)
		s = xstrdup(reason);
	else if (e != 0)
		xasprintf(&s, "OpenSSL error %lx", e);
	else
		s = xstrdup("unknown error");
	sym_ERR_clear_error();
	return (s);
}

/* Is the host an IPv4 or IPv6 address rather than a name? */
static int
tls_is_ip(const char *host)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	return (inet_pton(AF_INET, host, &a4) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1);
}

/*
 * Load the client certificate, its key and the CA that signs the servers'
 * certificates. Return the configuration, or NULL with a cause naming the
 * file that is wrong.
 */
struct tls_config *
tls_config_new(const char *cert, const char *key, const char *ca,
    char **cause)
{
	struct tls_config	*tc;
	X509			*x;
	BIO			*bio;
	char			*why = NULL;
	int			 len;

	if (tls_load(cause) != 0)
		return (NULL);
	tc = xcalloc(1, sizeof *tc);
	tc->cert = xstrdup(cert);
	tc->key = xstrdup(key);
	tc->ca = xstrdup(ca);
	sym_ERR_clear_error();
	if ((tc->ctx = sym_SSL_CTX_new(sym_TLS_client_method())) == NULL) {
		why = tls_error_string();
		xasprintf(cause, "cannot set up TLS: %s", why);
		goto fail;
	}
	/* SSL_CTX_set_min_proto_version, a macro. */
	if (sym_SSL_CTX_ctrl(tc->ctx, SSL_CTRL_SET_MIN_PROTO_VERSION,
	    TLS1_3_VERSION, NULL) != 1) {
		why = tls_error_string();
		xasprintf(cause, "cannot require TLS 1.3: %s", why);
		goto fail;
	}
	sym_SSL_CTX_set_default_passwd_cb(tc->ctx, tls_no_passphrase_cb);
	sym_SSL_CTX_set_info_callback(tc->ctx, tls_info_cb);
	/*
	 * conn.c's output buffer may move between a write that would block
	 * and its retry, which then sends the same bytes from there. This
	 * is SSL_CTX_set_mode, a macro.
	 */
	sym_SSL_CTX_ctrl(tc->ctx, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, NULL);

	if (sym_SSL_CTX_use_certificate_chain_file(tc->ctx, cert) != 1) {
		why = tls_error_string();
		xasprintf(cause, "cannot load the client certificate %s: %s "
		    "(it must be PEM, as openssl x509 writes it)", cert, why);
		goto fail;
	}
	if (sym_SSL_CTX_use_PrivateKey_file(tc->ctx, key,
	    SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(sym_ERR_peek_last_error()) ==
		    X509_R_KEY_VALUES_MISMATCH) {
			sym_ERR_clear_error();
			xasprintf(cause, "the key %s does not belong to the "
			    "certificate %s: give the key the certificate was "
			    "made for", key, cert);
			goto fail;
		}
		why = tls_error_string();
		xasprintf(cause, "cannot load the client key %s: %s (it must "
		    "be PEM, without a passphrase)", key, why);
		goto fail;
	}
	if (sym_SSL_CTX_check_private_key(tc->ctx) != 1) {
		sym_ERR_clear_error();
		xasprintf(cause, "the key %s does not belong to the "
		    "certificate %s: give the key the certificate was made "
		    "for", key, cert);
		goto fail;
	}
	if (sym_SSL_CTX_load_verify_locations(tc->ctx, ca, NULL) != 1) {
		why = tls_error_string();
		xasprintf(cause, "cannot load the CA certificate %s: %s", ca,
		    why);
		goto fail;
	}
	sym_SSL_CTX_set_verify(tc->ctx, SSL_VERIFY_PEER, NULL);

	/* The end of validity, to explain an "expired" alert. */
	if ((x = sym_SSL_CTX_get0_certificate(tc->ctx)) != NULL &&
	    (bio = sym_BIO_new(sym_BIO_s_mem())) != NULL) {
		if (sym_ASN1_TIME_print(bio,
		    sym_X509_get0_notAfter(x)) == 1) {
			len = sym_BIO_read(bio, tc->cert_end,
			    sizeof tc->cert_end - 1);
			if (len > 0)
				tc->cert_end[len] = '\0';
		}
		sym_BIO_free(bio);
	}
	sym_ERR_clear_error();
	return (tc);

fail:
	free(why);
	tls_config_free(tc);
	return (NULL);
}

/* Free a configuration; NULL is allowed. */
void
tls_config_free(struct tls_config *tc)
{
	if (tc == NULL)
		return;
	sym_SSL_CTX_free(tc->ctx);
	free(tc->cert);
	free(tc->key);
	free(tc->ca);
	free(tc);
}

/*
 * Turn the alert the server sent into a cause: what the server refused
 * and what to do about it.
 */
static void
tls_alert_cause(struct tls_conn *t, char **cause)
{
	const struct tls_config	*tc = t->config;
	const char		*h = t->host;

	switch (t->alert) {
	case TLS_ALERT_CERTIFICATE_REQUIRED:
		xasprintf(cause, "%s refused the TLS handshake: it requires a "
		    "client certificate; give --cert and --key", h);
		break;
	case TLS_ALERT_UNKNOWN_CA:
		xasprintf(cause, "%s refused the TLS handshake: it does not "
		    "trust the CA that signed the client certificate %s; use "
		    "a certificate signed by the CA in its TLSClientCA", h,
		    tc->cert);
		break;
	case TLS_ALERT_CERTIFICATE_EXPIRED:
		xasprintf(cause, "%s refused the TLS handshake: the client "
		    "certificate %s has expired%s%s%s; get a new one", h,
		    tc->cert, tc->cert_end[0] != '\0' ? " (valid until " : "",
		    tc->cert_end, tc->cert_end[0] != '\0' ? ")" : "");
		break;
	case TLS_ALERT_CERTIFICATE_REVOKED:
		xasprintf(cause, "%s refused the TLS handshake: the client "
		    "certificate %s has been revoked; get a new one", h,
		    tc->cert);
		break;
	case TLS_ALERT_BAD_CERTIFICATE:
	case TLS_ALERT_UNSUPPORTED_CERT:
	case TLS_ALERT_CERTIFICATE_UNKNOWN:
		xasprintf(cause, "%s refused the TLS handshake: it does not "
		    "accept the client certificate %s (%s); check it with "
		    "openssl verify -CAfile against the server's TLSClientCA",
		    h, tc->cert, sym_SSL_alert_desc_string_long(t->alert));
		break;
	case TLS_ALERT_ACCESS_DENIED:
		xasprintf(cause, "%s refused the TLS handshake: access denied "
		    "to the client certificate %s", h, tc->cert);
		break;
	case TLS_ALERT_PROTOCOL_VERSION:
		xasprintf(cause, "%s refused the TLS handshake: it does not "
		    "speak TLS 1.3, which rcmd requires", h);
		break;
	case TLS_ALERT_HANDSHAKE_FAILURE:
		xasprintf(cause, "%s refused the TLS handshake: no parameters "
		    "that both sides accept (handshake failure); does it "
		    "speak TLS 1.3?", h);
		break;
	default:
		xasprintf(cause, "%s refused the TLS handshake: alert %d, %s",
		    h, t->alert, sym_SSL_alert_desc_string_long(t->alert));
		break;
	}
}

/*
 * Say why a handshake failed: the server's certificate did not verify,
 * the server sent an alert, it does not speak TLS 1.3 or TLS at all, or
 * it hung up.
 */
static void
tls_handshake_cause(struct tls_conn *t, int err, char **cause)
{
	unsigned long	 e;
	long		 v;
	char		*why;
	int		 reason;

	v = sym_SSL_get_verify_result(t->ssl);
	e = sym_ERR_peek_last_error();
	reason = ERR_GET_REASON(e);
	if (v != X509_V_OK) {
		if (v == X509_V_ERR_HOSTNAME_MISMATCH ||
		    v == X509_V_ERR_IP_ADDRESS_MISMATCH)
			xasprintf(cause, "cannot verify the certificate of %s: "
			    "%s; it is not issued for %s: connect to a name or "
			    "address in its subjectAltName", t->host,
			    sym_X509_verify_cert_error_string(v), t->host);
		else
			xasprintf(cause, "cannot verify the certificate of %s: "
			    "%s; is %s (--ca) the CA that signed it?", t->host,
			    sym_X509_verify_cert_error_string(v),
			    t->config->ca);
	} else if (t->alert > TLS_ALERT_CLOSE_NOTIFY)
		tls_alert_cause(t, cause);
	else if (e != 0 && (reason == SSL_R_UNSUPPORTED_PROTOCOL ||
	    reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION))
		xasprintf(cause, "%s port %s does not speak TLS 1.3, which "
		    "rcmd requires", t->host, t->port);
	else if (e != 0 && (reason == SSL_R_WRONG_VERSION_NUMBER ||
	    reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
	    reason == SSL_R_RECORD_LENGTH_MISMATCH ||
	    reason == SSL_R_UNEXPECTED_EOF_WHILE_READING))
		xasprintf(cause, "%s port %s does not answer in TLS: is "
		    "rcmdd there set up with TLSCertificate? (give --no-tls "
		    "for plain TCP to a loopback address)", t->host, t->port);
	else if (err == SSL_ERROR_SYSCALL && e == 0)
		xasprintf(cause, "connection closed by %s during the TLS "
		    "handshake%s%s", t->host, errno != 0 ? ": " : "",
		    errno != 0 ? strerror(errno) : "");
	else {
		why = tls_error_string();
		xasprintf(cause, "TLS handshake with %s port %s failed: %s",
		    t->host, t->port, why);
		free(why);
	}
	sym_ERR_clear_error();
}

/*
 * Set up TLS over a connected socket without starting the handshake; the
 * certificate must name host. Return NULL with a cause on failure.
 */
struct tls_conn *
tls_start(struct tls_config *tc, int fd, const char *host, const char *port,
    char **cause)
{
	struct tls_conn	*t;
	char		*why;

	t = xcalloc(1, sizeof *t);
	t->config = tc;
	t->host = xstrdup(host);
	t->port = xstrdup(port);
	t->alert = -1;
	sym_ERR_clear_error();
	if ((t->ssl = sym_SSL_new(tc->ctx)) == NULL ||
	    sym_SSL_set_fd(t->ssl, fd) != 1) {
		why = tls_error_string();
		xasprintf(cause, "cannot set up TLS: %s", why);
		free(why);
		goto fail;
	}
	/* SSL_set_app_data, a macro. */
	sym_SSL_set_ex_data(t->ssl, 0, t);
	/* Check the name or the address the user gave against the cert. */
	if (tls_is_ip(host)) {
		if (sym_X509_VERIFY_PARAM_set1_ip_asc(
		    sym_SSL_get0_param(t->ssl), host) != 1) {
			xasprintf(cause, "cannot check the certificate of %s "
			    "against its address", host);
			goto fail;
		}
	} else if (sym_SSL_set1_host(t->ssl, host) != 1 ||
	    /* SSL_set_tlsext_host_name, a macro. */
	    sym_SSL_ctrl(t->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
	    TLSEXT_NAMETYPE_host_name, (void *)host) != 1) {
		xasprintf(cause, "cannot check the certificate of %s against "
		    "its name", host);
		goto fail;
	}
	t->events = POLLOUT;
	return (t);

fail:
	tls_stop(t);
	return (NULL);
}

/*
 * Take the handshake one step further without blocking. Return 1 when it
 * is done, 0 when it waits for the socket (tls_events says for what), or
 * -1 with a cause.
 */
int
tls_handshake(struct tls_conn *t, char **cause)
{
	struct sigaction	old;
	int			rc, err;

	errno = 0;
	tls_sigpipe_ignore(&old);
	rc = sym_SSL_connect(t->ssl);
	tls_sigpipe_restore(&old);
	if (rc == 1) {
		t->events = 0;
		return (1);
	}
	err = sym_SSL_get_error(t->ssl, rc);
	if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
		tls_handshake_cause(t, err, cause);
		return (-1);
	}
	t->events = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
	return (0);
}

/*
 * Say why a read or a write failed. A clean close is the caller's to
 * describe (-2); anything else is an error with a cause (-1).
 */
static int
tls_io_error(struct tls_conn *t, int rc, int err, char **cause)
{
	unsigned long	 e;
	char		*why;

	e = sym_ERR_peek_last_error();
	if (t->alert > TLS_ALERT_CLOSE_NOTIFY) {
		tls_alert_cause(t, cause);
		sym_ERR_clear_error();
		return (-1);
	}
	if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL &&
	    rc == 0 && e == 0) || (e != 0 && ERR_GET_REASON(e) ==
	    SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
		sym_ERR_clear_error();
		return (-2);
	}
	if (err == SSL_ERROR_SYSCALL && e == 0)
		xasprintf(cause, "connection to %s lost: %s", t->host,
		    strerror(errno));
	else {
		why = tls_error_string();
		xasprintf(cause, "TLS error on the connection to %s: %s",
		    t->host, why);
		free(why);
	}
	sym_ERR_clear_error();
	return (-1);
}

/*
 * Read what TLS holds. Return the number of bytes, 0 when the socket must
 * become readable (or writable) first, -2 when the server closed the
 * connection, or -1 with a cause.
 */
ssize_t
tls_read(struct tls_conn *t, void *buf, size_t len, char **cause)
{
	struct sigaction	old;
	int			rc, err;

	t->events = 0;
	errno = 0;
	sym_ERR_clear_error();
	tls_sigpipe_ignore(&old);
	rc = sym_SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	tls_sigpipe_restore(&old);
	if (rc > 0)
		return (rc);
	err = sym_SSL_get_error(t->ssl, rc);
	if (err == SSL_ERROR_WANT_READ)
		return (0);
	if (err == SSL_ERROR_WANT_WRITE) {
		t->events = POLLOUT;
		return (0);
	}
	return (tls_io_error(t, rc, err, cause));
}

/*
 * Write what TLS takes. Return the number of bytes, 0 when the socket
 * must become writable (or readable) first, or -1 with a cause.
 */
ssize_t
tls_write(struct tls_conn *t, const void *buf, size_t len, char **cause)
{
	struct sigaction	 old;
	uint8_t			 scratch[256];
	int			 rc, err, saved_errno;

	t->events = 0;
	errno = 0;
	sym_ERR_clear_error();
	tls_sigpipe_ignore(&old);
	rc = sym_SSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
	tls_sigpipe_restore(&old);
	if (rc > 0)
		return (rc);
	err = sym_SSL_get_error(t->ssl, rc);
	if (err == SSL_ERROR_WANT_WRITE)
		return (0);
	if (err == SSL_ERROR_WANT_READ) {
		t->events = POLLIN;
		return (0);
	}
	/*
	 * A server that refused the client's certificate has sent an alert
	 * and hung up, and the write fails on the reset: read the alert, to
	 * say why rather than only "broken pipe".
	 */
	saved_errno = errno;
	if (t->alert <= TLS_ALERT_CLOSE_NOTIFY) {
		sym_ERR_clear_error();
		tls_sigpipe_ignore(&old);
		(void)sym_SSL_read(t->ssl, scratch, sizeof scratch);
		tls_sigpipe_restore(&old);
	}
	errno = saved_errno;
	if (tls_io_error(t, rc, err, cause) == -2)
		xasprintf(cause, "connection closed by %s", t->host);
	return (-1);
}

/* Return how many bytes TLS has decrypted and not handed over yet. */
int
tls_pending(struct tls_conn *t)
{
	return (sym_SSL_pending(t->ssl));
}

/*
 * Return the poll events the last read or write is waiting for besides
 * the obvious one: POLLOUT for a read, POLLIN for a write, or 0.
 */
int
tls_events(struct tls_conn *t)
{
	return (t->events);
}

/*
 * Close TLS: send close_notify if the socket takes it now, never wait,
 * and free. The caller closes the socket. NULL is allowed.
 */
void
tls_stop(struct tls_conn *t)
{
	struct sigaction	old;

	if (t == NULL)
		return;
	if (t->ssl != NULL) {
		if (sym_SSL_is_init_finished(t->ssl)) {
			tls_sigpipe_ignore(&old);
			(void)sym_SSL_shutdown(t->ssl);
			tls_sigpipe_restore(&old);
		}
		sym_SSL_free(t->ssl);
	}
	sym_ERR_clear_error();
	free(t->host);
	free(t->port);
	free(t);
}
