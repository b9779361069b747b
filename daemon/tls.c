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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "rcmdd.h"
#include "xmalloc.h"

/*
 * TLS for the TCP listeners: TLS 1.3 only, and a client certificate that
 * chains to TLSClientCA is required. Every connection does a full
 * handshake (no session tickets, no cache), so a certificate is checked,
 * expiry and revocation (TLSCRL) included, each time a client connects.
 * The identity is the certificate's subject CN; its SHA-256 fingerprint
 * goes into the audit row beside it. Loop thread only.
 *
 * Revocation: with TLSCRL, the client certificate itself is always
 * checked against the CRL of its issuer (X509_V_FLAG_CRL_CHECK), and a
 * client whose issuer has no CRL in the file is refused. If the file
 * holds a CRL from every CA of TLSClientCA, the whole chain is checked
 * (X509_V_FLAG_CRL_CHECK_ALL), so that a revoked intermediate CA is
 * refused too. A CRL that does not parse, that no CA of TLSClientCA
 * signed, or whose nextUpdate is past is a configuration error; one that
 * expires while rcmdd runs refuses every client (OpenSSL's "CRL has
 * expired") until a fresh one is loaded: it fails closed.
 */

static void	tls_load_error(char **, const char *, const char *,
		    const char *);
static int	tls_crl_load(SSL_CTX *, BIO *, const char *, char **);
static int	tls_crl_check(X509_CRL *, X509_STORE *, const char *,
		    char **);
static void	tls_crl_flags(X509_STORE *);
static void	tls_ctx_use(SSL_CTX *, STACK_OF(X509_NAME) *);
static int	tls_verify_cb(int, X509_STORE_CTX *);
static void	tls_ex_free(void *, void *, CRYPTO_EX_DATA *, int, long,
		    void *);
static void	tls_describe(X509 *, char *, size_t);
static void	tls_fingerprint(X509 *, char *, size_t);

static SSL_CTX	*tls_ctx;
/* The SSL ex_data index of tls_verify_cb's note of what was revoked. */
static int	 tls_ex_revoked = -1;

/* Say which file of which keyword did not load, why, and what it needs. */
static void
tls_load_error(char **cause, const char *keyword, const char *path,
    const char *want)
{
	const char	*why;

	/* OpenSSL says only "system lib" for a file it cannot open. */
	if (access(path, R_OK) == -1)
		why = strerror(errno);
	else
		why = ERR_reason_error_string(ERR_peek_last_error());
	xasprintf(cause, "%s %s: %s: give %s", keyword, path,
	    why == NULL ? "cannot load" : why, want);
}

/*
 * Build a context from conf's certificate, key and CA, and use it for new
 * connections if it works; on failure the one in use stays. Return 0 if
 * TLS is not configured or the context is ready, -1 with a cause.
 */
int
tls_configure(const struct config *conf, char **cause)
{
	SSL_CTX			*ctx;
	STACK_OF(X509_NAME)	*names;
	BIO			*bio;
	int			 rc;

	if (conf->tls_cert == NULL)
		return (0);
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		xasprintf(cause, "TLS: cannot create a context");
		return (-1);
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1)
		goto fail;
	if (SSL_CTX_use_certificate_chain_file(ctx, conf->tls_cert) != 1) {
		tls_load_error(cause, "TLSCertificate", conf->tls_cert,
		    "a PEM certificate (and its chain) readable by rcmdd");
		goto out;
	}
	/* Loading the key also checks that it matches the certificate. */
	if (SSL_CTX_use_PrivateKey_file(ctx, conf->tls_key,
	    SSL_FILETYPE_PEM) != 1) {
		tls_load_error(cause, "TLSKey", conf->tls_key,
		    "the PEM private key of TLSCertificate");
		goto out;
	}
	if (SSL_CTX_load_verify_locations(ctx, conf->tls_ca, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(conf->tls_ca)) == NULL) {
		tls_load_error(cause, "TLSClientCA", conf->tls_ca,
		    "the PEM certificate of the CA that signs client "
		    "certificates");
		goto out;
	}
	if (conf->tls_crl != NULL) {
		if ((bio = BIO_new_file(conf->tls_crl, "r")) == NULL) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			tls_load_error(cause, "TLSCRL", conf->tls_crl,
			    "the PEM revocation lists of the CAs of "
			    "TLSClientCA");
			goto out;
		}
		rc = tls_crl_load(ctx, bio, conf->tls_crl, cause);
		BIO_free(bio);
		if (rc != 0) {
			sk_X509_NAME_pop_free(names, X509_NAME_free);
			goto out;
		}
	}
	tls_ctx_use(ctx, names);
	return (0);
fail:
	xasprintf(cause, "TLS: cannot set up the context: %s",
	    ERR_reason_error_string(ERR_peek_last_error()));
out:
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return (-1);
}

/*
 * Load TLSCRL's revocation lists (PEM, one or more) from bio into the
 * store of ctx, whose CAs are loaded, each checked (tls_crl_check), and
 * set how much of a client's chain they cover. Return 0, or -1 with a
 * cause that names path.
 */
static int
tls_crl_load(SSL_CTX *ctx, BIO *bio, const char *path, char **cause)
{
	X509_STORE	*store = SSL_CTX_get_cert_store(ctx);
	X509_CRL	*crl;
	unsigned long	 e;
	int		 n;

	ERR_clear_error();
	for (n = 0; (crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) !=
	    NULL; n++) {
		if (tls_crl_check(crl, store, path, cause) != 0) {
			X509_CRL_free(crl);
			return (-1);
		}
		if (X509_STORE_add_crl(store, crl) != 1) {
			xasprintf(cause, "TLSCRL %s: cannot use CRL %d of the "
			    "file: %s", path, n + 1, ERR_reason_error_string(
			    ERR_peek_last_error()));
			X509_CRL_free(crl);
			return (-1);
		}
		X509_CRL_free(crl);
	}
	e = ERR_peek_last_error();
	if (n == 0 && (e == 0 || ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		xasprintf(cause, "TLSCRL %s: no CRL in the file: give the PEM "
		    "revocation lists (BEGIN X509 CRL) of the CAs of "
		    "TLSClientCA", path);
		return (-1);
	}
	if (e != 0 && ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
		xasprintf(cause, "TLSCRL %s: CRL %d of the file does not "
		    "parse (%s): give the PEM revocation lists of the CAs of "
		    "TLSClientCA", path, n + 1, ERR_reason_error_string(e));
		return (-1);
	}
	ERR_clear_error();
	tls_crl_flags(store);
	return (0);
}

/*
 * Check one CRL of path before it is used: a CA of the store (TLSClientCA)
 * signed it, and it is current (lastUpdate not in the future, nextUpdate
 * not in the past). Return 0, or -1 with a cause.
 */
static int
tls_crl_check(X509_CRL *crl, X509_STORE *store, const char *path,
    char **cause)
{
	STACK_OF(X509_OBJECT)	*objs = X509_STORE_get0_objects(store);
	X509			*ca;
	const ASN1_TIME		*t;
	struct tm		 tm;
	char			 issuer[256], when[32];
	int			 i, signed_by = 0;

	X509_NAME_oneline(X509_CRL_get_issuer(crl), issuer, sizeof issuer);
	for (i = 0; i < sk_X509_OBJECT_num(objs) && !signed_by; i++) {
		ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		signed_by = ca != NULL &&
		    X509_NAME_cmp(X509_get_subject_name(ca),
		    X509_CRL_get_issuer(crl)) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1;
	}
	if (!signed_by) {
		xasprintf(cause, "TLSCRL %s: a CRL from %s is not signed by a "
		    "CA of TLSClientCA: give the CRLs that those CAs issue",
		    path, issuer);
		return (-1);
	}
	t = X509_CRL_get0_lastUpdate(crl);
	if (t != NULL && X509_cmp_current_time(t) > 0) {
		xasprintf(cause, "TLSCRL %s: the CRL from %s is not valid yet "
		    "(lastUpdate in the future): check the clock, or the CRL",
		    path, issuer);
		return (-1);
	}
	t = X509_CRL_get0_nextUpdate(crl);
	if (t != NULL && X509_cmp_current_time(t) < 0) {
		when[0] = '\0';
		if (ASN1_TIME_to_tm(t, &tm) == 1)
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC",
			    &tm);
		xasprintf(cause, "TLSCRL %s: the CRL from %s expired on %s "
		    "(nextUpdate): give a fresh one from its CA (openssl ca "
		    "-gencrl)", path, issuer, when);
		return (-1);
	}
	return (0);
}

/*
 * Check the client certificate against its issuer's CRL always, and the
 * whole chain if the store holds a CRL from each of its CAs.
 */
static void
tls_crl_flags(X509_STORE *store)
{
	STACK_OF(X509_OBJECT)	*objs = X509_STORE_get0_objects(store);
	X509			*ca;
	X509_CRL		*crl;
	int			 i, j, all = 1, found;

	for (i = 0; i < sk_X509_OBJECT_num(objs) && all; i++) {
		ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (ca == NULL)
			continue;
		found = 0;
		for (j = 0; j < sk_X509_OBJECT_num(objs) && !found; j++) {
			crl = X509_OBJECT_get0_X509_CRL(
			    sk_X509_OBJECT_value(objs, j));
			found = crl != NULL && X509_NAME_cmp(
			    X509_get_subject_name(ca),
			    X509_CRL_get_issuer(crl)) == 0;
		}
		all = found;
	}
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK |
	    (all ? X509_V_FLAG_CRL_CHECK_ALL : 0));
}

/*
 * Finish a context whose certificate, key and CA are loaded, with the
 * client CAs' names, and use it for new connections.
 */
static void
tls_ctx_use(SSL_CTX *ctx, STACK_OF(X509_NAME) *names)
{
	SSL_CTX_set_client_CA_list(ctx, names);
	if (tls_ex_revoked == -1 && (tls_ex_revoked = SSL_get_ex_new_index(0,
	    NULL, NULL, NULL, tls_ex_free)) == -1)
		fatalx("SSL_get_ex_new_index failed");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, tls_verify_cb);
	SSL_CTX_set_verify_depth(ctx, 8);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET |
	    SSL_OP_NO_RENEGOTIATION);

	SSL_CTX_free(tls_ctx);
	tls_ctx = ctx;
}

/*
 * OpenSSL's verdict on each certificate of a handshake: keep it, and note
 * which certificate was refused as revoked, for the log and the denied
 * row (tls_failure). Loop thread, in the handshake.
 */
static int
tls_verify_cb(int ok, X509_STORE_CTX *xctx)
{
	SSL	*ssl;
	X509	*x;
	char	 buf[512];

	if (ok || X509_STORE_CTX_get_error(xctx) != X509_V_ERR_CERT_REVOKED)
		return (ok);
	ssl = X509_STORE_CTX_get_ex_data(xctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (x = X509_STORE_CTX_get_current_cert(xctx)) == NULL)
		return (ok);
	tls_describe(x, buf, sizeof buf);
	free(SSL_get_ex_data(ssl, tls_ex_revoked));
	SSL_set_ex_data(ssl, tls_ex_revoked, xstrdup(buf));
	return (ok);
}

/* Free the note of tls_verify_cb with its connection. */
static void
tls_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

/*
 * Say which certificate this is, as an operator finds it in a CRL or
 * with openssl x509: "serial HEX, fingerprint AB:..., subject CN=...".
 */
static void
tls_describe(X509 *x, char *buf, size_t len)
{
	BIO	*bio;
	BUF_MEM	*mem;
	char	 fp[TLS_FINGERPRINT_LEN + 1], serial[128], subject[256];
	int	 n;

	tls_fingerprint(x, fp, sizeof fp);
	serial[0] = subject[0] = '\0';
	if ((bio = BIO_new(BIO_s_mem())) != NULL) {
		if (i2a_ASN1_INTEGER(bio, X509_get0_serialNumber(x)) > 0) {
			BIO_get_mem_ptr(bio, &mem);
			n = (int)(mem->length < sizeof serial - 1 ?
			    mem->length : sizeof serial - 1);
			memcpy(serial, mem->data, n);
			serial[n] = '\0';
		}
		(void)BIO_reset(bio);
		if (X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
		    XN_FLAG_RFC2253) >= 0) {
			BIO_get_mem_ptr(bio, &mem);
			/* Every control character escaped: it is logged. */
			strnvisx(subject, sizeof subject, mem->data,
			    mem->length < (sizeof subject - 1) / 4 ?
			    mem->length : (sizeof subject - 1) / 4,
			    VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
		}
		BIO_free(bio);
	}
	ERR_clear_error();
	snprintf(buf, len, "serial %s, fingerprint %s, subject %s",
	    serial[0] != '\0' ? serial : "?", fp[0] != '\0' ? fp : "?",
	    subject[0] != '\0' ? subject : "?");
}

/* Write x's SHA-256 fingerprint as "AB:CD:...", or "" if it cannot. */
static void
tls_fingerprint(X509 *x, char *fp, size_t fplen)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen, i;

	*fp = '\0';
	if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 ||
	    mdlen * 3 > fplen)
		return;
	/* The last byte has no colon: the NUL takes its place. */
	for (i = 0; i < mdlen; i++)
		snprintf(fp + 3 * i, fplen - 3 * i, "%02X%s", md[i],
		    i + 1 < mdlen ? ":" : "");
}

/*
 * As tls_configure, from the PEM text of the certificate (and its chain),
 * the key, the CA and the CRLs (part[TLS_PEM_*], of len[TLS_PEM_*]
 * bytes) rather than from their files: the network part, which cannot
 * read them, on reload. conf names the files. Return 0, or -1 with a
 * cause.
 */
int
tls_configure_mem(const struct config *conf, const char *const *part,
    const size_t *len, char **cause)
{
	SSL_CTX			*ctx = NULL;
	STACK_OF(X509_NAME)	*names = NULL;
	BIO			*bio = NULL;
	X509			*x = NULL;
	X509_NAME		*name;
	EVP_PKEY		*pkey = NULL;
	const char		*what;
	int			 n;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
		what = "cannot set up a context";
		goto fail;
	}
	what = "TLSCertificate: no PEM certificate";
	if ((bio = BIO_new_mem_buf(part[TLS_PEM_CERT],
	    (int)len[TLS_PEM_CERT])) == NULL ||
	    (x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_certificate(ctx, x) != 1)
		goto fail;
	X509_free(x);
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1)
			goto fail;
	}
	BIO_free(bio);
	ERR_clear_error();

	what = "TLSKey: no PEM private key matching TLSCertificate";
	if ((bio = BIO_new_mem_buf(part[TLS_PEM_KEY],
	    (int)len[TLS_PEM_KEY])) == NULL ||
	    (pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
		goto fail;
	EVP_PKEY_free(pkey);
	pkey = NULL;
	BIO_free(bio);

	what = "TLSClientCA: no PEM certificate";
	if ((bio = BIO_new_mem_buf(part[TLS_PEM_CA],
	    (int)len[TLS_PEM_CA])) == NULL ||
	    (names = sk_X509_NAME_new_null()) == NULL)
		goto fail;
	for (n = 0; (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL;
	    n++) {
		if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x) != 1 ||
		    (name = X509_NAME_dup(X509_get_subject_name(x))) == NULL)
			goto fail;
		if (sk_X509_NAME_push(names, name) == 0) {
			X509_NAME_free(name);
			goto fail;
		}
		X509_free(x);
	}
	x = NULL;
	if (n == 0)
		goto fail;
	BIO_free(bio);
	bio = NULL;
	ERR_clear_error();
	if (conf->tls_crl != NULL) {
		what = "TLSCRL: cannot read it";
		if ((bio = BIO_new_mem_buf(part[TLS_PEM_CRL],
		    (int)len[TLS_PEM_CRL])) == NULL)
			goto fail;
		if (tls_crl_load(ctx, bio, conf->tls_crl, cause) != 0)
			goto out;
		BIO_free(bio);
	}
	tls_ctx_use(ctx, names);
	return (0);

fail:
	xasprintf(cause, "TLS: %s (%s)", what, ERR_peek_last_error() == 0 ?
	    "none found" : ERR_reason_error_string(ERR_peek_last_error()));
out:
	X509_free(x);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	sk_X509_NAME_pop_free(names, X509_NAME_free);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return (-1);
}

/* Is TLS configured? */
int
tls_enabled(void)
{
	return (tls_ctx != NULL);
}

/* Return a new server-side connection, or NULL. */
SSL *
tls_new(void)
{
	return (SSL_new(tls_ctx));
}

/*
 * After a handshake, read the peer's identity (its certificate's subject
 * CN, made printable) and the certificate's SHA-256 fingerprint as
 * "AB:CD:...". Return -1 with a cause if there is no usable CN, or if
 * a CRL taken since the handshake began revokes the certificate.
 */
int
tls_peer(SSL *ssl, char *cn, size_t cnlen, char *fp, size_t fplen,
    char **cause)
{
	X509		*cert;
	X509_NAME	*subject;
	X509_NAME_ENTRY	*entry;
	unsigned char	*utf8 = NULL;
	char		 which[512];
	int		 idx, len, rc = -1;

	*cn = *fp = '\0';
	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL) {
		*cause = xstrdup("no client certificate");
		return (-1);
	}
	tls_fingerprint(cert, fp, fplen);
	/*
	 * A reload during the handshake: OpenSSL checked the chain against
	 * the CRLs of the context the connection began with.
	 */
	if (SSL_get_SSL_CTX(ssl) != tls_ctx &&
	    tls_revoked(ssl, which, sizeof which)) {
		xasprintf(cause, "certificate revoked: %s is in a CRL loaded "
		    "during the handshake", which);
		goto out;
	}
	subject = X509_get_subject_name(cert);
	if ((idx = X509_NAME_get_index_by_NID(subject, NID_commonName,
	    -1)) == -1) {
		*cause = xstrdup("the client certificate has no subject CN");
		goto out;
	}
	if (X509_NAME_get_index_by_NID(subject, NID_commonName, idx) != -1) {
		*cause = xstrdup("the client certificate has more than one "
		    "subject CN");
		goto out;
	}
	entry = X509_NAME_get_entry(subject, idx);
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
	if (len <= 0) {
		*cause = xstrdup("the client certificate's CN cannot be read");
		goto out;
	}
	if (memchr(utf8, '\0', len) != NULL || (size_t)len * 4 >= cnlen) {
		*cause = xstrdup("the client certificate's CN holds a NUL "
		    "byte or is too long");
		goto out;
	}
	/* Every control character escaped: it reaches log lines. */
	strnvisx(cn, cnlen, (const char *)utf8, len,
	    VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
	rc = 0;
out:
	OPENSSL_free(utf8);
	X509_free(cert);
	return (rc);
}

/*
 * Say why a handshake failed, for the log and the denied row: the
 * certificate check's verdict if there was one, else OpenSSL's error.
 */
void
tls_failure(SSL *ssl, unsigned long error, char *buf, size_t len)
{
	const char	*reason, *which;
	long		 verify;

	if (ssl != NULL && (verify = SSL_get_verify_result(ssl)) != X509_V_OK) {
		which = verify == X509_V_ERR_CERT_REVOKED ?
		    SSL_get_ex_data(ssl, tls_ex_revoked) : NULL;
		snprintf(buf, len, "client certificate refused: %s%s%s",
		    X509_verify_cert_error_string(verify),
		    which != NULL ? ": " : "", which != NULL ? which : "");
		return;
	}
	if (error != 0 && ERR_GET_REASON(error) ==
	    SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
		snprintf(buf, len, "no client certificate");
		return;
	}
	reason = error == 0 ? NULL : ERR_reason_error_string(error);
	snprintf(buf, len, "TLS handshake failed: %s", reason == NULL ?
	    "the connection closed during the handshake" : reason);
}

/*
 * After a reload: is the certificate of this established connection, or
 * (with X509_V_FLAG_CRL_CHECK_ALL) one of its chain, revoked by a CRL
 * now in use? If so, say which in buf and return 1; else return 0.
 */
int
tls_revoked(SSL *ssl, char *buf, size_t len)
{
	STACK_OF(X509)		*chain;
	STACK_OF(X509_OBJECT)	*objs;
	X509_STORE		*store;
	X509_REVOKED		*rev;
	X509_CRL		*crl;
	X509			*x;
	unsigned long		 flags;
	int			 i, j, last;
	char			 which[512];

	if (tls_ctx == NULL || ssl == NULL ||
	    (chain = SSL_get0_verified_chain(ssl)) == NULL)
		return (0);
	store = SSL_CTX_get_cert_store(tls_ctx);
	flags = X509_VERIFY_PARAM_get_flags(X509_STORE_get0_param(store));
	if (!(flags & X509_V_FLAG_CRL_CHECK))
		return (0);
	last = flags & X509_V_FLAG_CRL_CHECK_ALL ? sk_X509_num(chain) : 1;
	objs = X509_STORE_get0_objects(store);
	for (i = 0; i < last && i < sk_X509_num(chain); i++) {
		x = sk_X509_value(chain, i);
		for (j = 0; j < sk_X509_OBJECT_num(objs); j++) {
			crl = X509_OBJECT_get0_X509_CRL(
			    sk_X509_OBJECT_value(objs, j));
			if (crl == NULL ||
			    X509_NAME_cmp(X509_CRL_get_issuer(crl),
			    X509_get_issuer_name(x)) != 0 ||
			    X509_CRL_get0_by_cert(crl, &rev, x) != 1)
				continue;
			tls_describe(x, which, sizeof which);
			snprintf(buf, len, "%s (%s)", i == 0 ?
			    "the client certificate" : "a CA certificate of "
			    "the client's chain", which);
			return (1);
		}
	}
	return (0);
}

/* Free the context, at exit. */
void
tls_free(void)
{
	SSL_CTX_free(tls_ctx);
	tls_ctx = NULL;
}
