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
#include <unistd.h>
#include <vis.h>

#include <openssl/bio.h>
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
 * expiry included, each time a client connects. The identity is the
 * certificate's subject CN; its SHA-256 fingerprint goes into the audit
 * row beside it. Loop thread only.
 */

static void	tls_load_error(char **, const char *, const char *,
		    const char *);
static void	tls_ctx_use(SSL_CTX *, STACK_OF(X509_NAME) *);

static SSL_CTX	*tls_ctx;

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
 * Finish a context whose certificate, key and CA are loaded, with the
 * client CAs' names, and use it for new connections.
 */
static void
tls_ctx_use(SSL_CTX *ctx, STACK_OF(X509_NAME) *names)
{
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 8);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET |
	    SSL_OP_NO_RENEGOTIATION);

	SSL_CTX_free(tls_ctx);
	tls_ctx = ctx;
}

/*
 * As tls_configure, from the PEM text of the certificate (and its chain),
 * the key and the CA rather than from their files: the network part,
 * which cannot read them, on reload. Return 0, or -1 with a cause.
 */
int
tls_configure_mem(const char *cert, size_t certlen, const char *key,
    size_t keylen, const char *ca, size_t calen, char **cause)
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
	if ((bio = BIO_new_mem_buf(cert, (int)certlen)) == NULL ||
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
	if ((bio = BIO_new_mem_buf(key, (int)keylen)) == NULL ||
	    (pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL ||
	    SSL_CTX_use_PrivateKey(ctx, pkey) != 1)
		goto fail;
	EVP_PKEY_free(pkey);
	pkey = NULL;
	BIO_free(bio);

	what = "TLSClientCA: no PEM certificate";
	if ((bio = BIO_new_mem_buf(ca, (int)calen)) == NULL ||
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
	ERR_clear_error();
	tls_ctx_use(ctx, names);
	return (0);

fail:
	xasprintf(cause, "TLS: %s (%s)", what, ERR_peek_last_error() == 0 ?
	    "none found" : ERR_reason_error_string(ERR_peek_last_error()));
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
 * "AB:CD:...". Return -1 with a cause if there is no usable CN.
 */
int
tls_peer(SSL *ssl, char *cn, size_t cnlen, char *fp, size_t fplen,
    char **cause)
{
	X509		*cert;
	X509_NAME	*subject;
	X509_NAME_ENTRY	*entry;
	unsigned char	*utf8 = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen, i;
	int		 idx, len, rc = -1;

	*cn = *fp = '\0';
	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL) {
		*cause = xstrdup("no client certificate");
		return (-1);
	}
	if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1 &&
	    mdlen * 3 <= fplen) {
		/* The last byte has no colon: the NUL takes its place. */
		for (i = 0; i < mdlen; i++)
			snprintf(fp + 3 * i, fplen - 3 * i, "%02X%s", md[i],
			    i + 1 < mdlen ? ":" : "");
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
	const char	*reason;
	long		 verify;

	if (ssl != NULL && (verify = SSL_get_verify_result(ssl)) != X509_V_OK) {
		snprintf(buf, len, "client certificate refused: %s",
		    X509_verify_cert_error_string(verify));
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

/* Free the context, at exit. */
void
tls_free(void)
{
	SSL_CTX_free(tls_ctx);
	tls_ctx = NULL;
}
