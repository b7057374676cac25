/* SPDX-License-Identifier: MIT */
/*
 * Client authentication (SPEC "Client authentication"): every method ccred
 * knows is one entry of one table, and everything else asks the table —
 * the config's validator, the token request (fetch.c), and, through the
 * public ccred_auth_method_canonical / ccred_auth_method_info, the
 * command's --auth-method, help and doctor's advice.  A new method is an
 * entry here with its apply function.
 */
#include "ccred-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* client_secret_post: client_id and client_secret in the form body. */
static ccred_error apply_post(struct ccredi_auth_request *r)
{
	if (ccredi_buf_add_param(r->form, "client_id", r->prof->client_id) < 0 ||
	    ccredi_buf_add_param(r->form, "client_secret", r->secret) < 0)
		return CCRED_E_NOMEM;
	return CCRED_OK;
}

/* client_secret_basic: RFC 6749 2.3.1, form-urlencode id and secret, then
 * HTTP Basic.  The request points into r->owned, wiped by
 * ccredi_auth_request_clear. */
static ccred_error apply_basic(struct ccredi_auth_request *r)
{
	struct ccredi_buf *user = &r->owned[0], *pass = &r->owned[1];

	if (ccredi_buf_add_urlenc(user, r->prof->client_id, strlen(r->prof->client_id)) < 0 ||
	    ccredi_buf_add_urlenc(pass, r->secret, r->secret_len) < 0)
		return CCRED_E_NOMEM;
	r->http->basic_user = user->p;
	r->http->basic_pass = pass->p;
	return CCRED_OK;
}

/* client_secret_jwt, private_key_jwt (RFC 7523 2.2): the secret or the
 * key signs an assertion (lib/assertion.c, the crypto module) whose aud is
 * the endpoint asked; only it and the client_id go on the wire. */
static ccred_error apply_jwt(struct ccredi_auth_request *r)
{
	struct ccredi_buf *assertion = &r->owned[0];
	ccred_error rc;

	if ((rc = ccredi_assertion_make(r->ctx, r->endpoint, r->secret, r->secret_len,
	                                r->prof->signing_alg, r->prof->key_id, assertion)) !=
	    CCRED_OK)
		return rc;
	if (ccredi_buf_add_param(r->form, "client_id", r->prof->client_id) < 0 ||
	    ccredi_buf_add_param(r->form, "client_assertion_type",
	                         "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") < 0 ||
	    ccredi_buf_add_param(r->form, "client_assertion", assertion->p) < 0)
		return CCRED_E_NOMEM;
	return CCRED_OK;
}

/* The certificate file of a TLS method: tls_cert with "~/" as $HOME, into
 * path.  It is read here, when it is used (SPEC: `key generate
 * --self-signed-cert` may be about to write it), so that a missing or
 * unreadable file, or one holding no certificate, is a configuration
 * error naming it rather than a TLS failure; the TLS library then loads
 * it (chain included) from the path. */
static ccred_error tls_cert_file(struct ccredi_auth_request *r, struct ccredi_buf *path)
{
	const char *cert = r->prof->tls_cert;
	ccred_error rc = CCRED_OK;
	char *buf;
	ssize_t n;
	int fd, e;

	/* (check_path took only these two forms) */
	if (!(buf = ccredi_home_path(cert))) {
		if (errno == ENOMEM)
			return CCRED_E_NOMEM;
		return ccredi_err(r->ctx, CCRED_E_CONFIG,
		                  "profile %s: tls_cert %s: $HOME is not set to an absolute path",
		                  r->prof->name, cert);
	}
	e = ccredi_buf_adds(path, buf);
	free(buf);
	if (e < 0)
		return CCRED_E_NOMEM;
	if ((fd = CCREDI_RETRY(open(path->p, O_RDONLY | O_CLOEXEC | O_NOCTTY))) < 0) {
		e = errno;
		return ccredi_err(r->ctx, CCRED_E_CONFIG, "profile %s: tls_cert %s: %s",
		                  r->prof->name, path->p, strerror(e));
	}
	if (!(buf = malloc(CCREDI_TLS_CERT_MAX + 1))) {
		close(fd);
		return CCRED_E_NOMEM;
	}
	n = ccredi_read_full(fd, buf, CCREDI_TLS_CERT_MAX + 1);
	e = errno;
	close(fd);
	if (n < 0)
		rc = ccredi_err(r->ctx, CCRED_E_CONFIG, "profile %s: tls_cert %s: %s",
		                r->prof->name, path->p, strerror(e));
	else if (n > CCREDI_TLS_CERT_MAX)
		rc = ccredi_err(r->ctx, CCRED_E_CONFIG,
		                "profile %s: tls_cert %s is larger than %d KiB", r->prof->name,
		                path->p, CCREDI_TLS_CERT_MAX / 1024);
	else if (!memmem(buf, (size_t)n, "-----BEGIN CERTIFICATE-----", 27))
		rc = ccredi_err(r->ctx, CCRED_E_CONFIG,
		                "profile %s: tls_cert %s holds no PEM certificate", r->prof->name,
		                path->p);
	free(buf);
	return rc;
}

/* tls_client_auth, self_signed_tls_client_auth (RFC 8705): the client
 * proves itself in the TLS handshake, with the key the stores hold and
 * tls_cert; the form carries only client_id.  The key goes to the TLS
 * library from memory (a copy the request owns, wiped by
 * ccredi_auth_request_clear), never through a file. */
static ccred_error apply_tls(struct ccredi_auth_request *r)
{
	struct ccredi_buf *key = &r->owned[0], *cert = &r->owned[1];
	const struct ccredi_crypto_vtable *vt;
	struct ccredi_pkey *parsed = NULL;
	ccred_error rc;

	if (strncasecmp(r->endpoint, "https://", 8) != 0)
		return ccredi_err(r->ctx, CCRED_E_CONFIG,
		                  "profile %s: %s proves the client in a TLS handshake, and %s is "
		                  "not https",
		                  r->prof->name, r->prof->auth_method, r->endpoint);
	/* The resolved profile has it (ccredi_profile_resolve). */
	if (!r->prof->tls_cert)
		return ccredi_err(r->ctx, CCRED_E_CONFIG, "profile %s has no tls_cert",
		                  r->prof->name);
	if ((rc = tls_cert_file(r, cert)) != CCRED_OK)
		return rc;
	/* Junk in the store is a configuration error that never shows it, and
	 * never reaches the server. */
	if (!(vt = ccredi_crypto(r->ctx)))
		return CCRED_E_INTERNAL;
	if ((rc = ccredi_key_parse(r->ctx, r->secret, r->secret_len, &parsed)) != CCRED_OK)
		return rc;
	vt->key_free(parsed);
	/* (PEM wants its last line ended; a store may have dropped that) */
	if (ccredi_buf_add(key, r->secret, r->secret_len) < 0 ||
	    (r->secret_len && r->secret[r->secret_len - 1] != '\n' &&
	     ccredi_buf_adds(key, "\n") < 0) ||
	    ccredi_buf_add_param(r->form, "client_id", r->prof->client_id) < 0)
		return CCRED_E_NOMEM;
	r->http->tls_key = key->p;
	r->http->tls_key_len = key->len;
	r->http->tls_cert = cert->p;
	ccredi_trace(r->ctx, 1, "client certificate %s, its key from the secret store (in memory)",
	             cert->p);
	return CCRED_OK;
}

/* The first entry is the default (CCREDI_KEYS' auth_method). */
static const struct ccredi_auth_method methods[] = {
        {"client_secret_post", "post", "Client Id and Secret", 0, apply_post},
        {"client_secret_basic", "basic", "Client Id and Secret", 0, apply_basic},
        {"client_secret_jwt", "", "Signed Jwt with Client Secret", 0, apply_jwt},
        {"private_key_jwt", "", "Signed Jwt", CCRED_AUTH_F_PRIVATE_KEY, apply_jwt},
        {"tls_client_auth", "", "X509 Certificate", CCRED_AUTH_F_PRIVATE_KEY, apply_tls},
        {"self_signed_tls_client_auth", "", "X509 Certificate", CCRED_AUTH_F_PRIVATE_KEY,
         apply_tls},
};
#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

const struct ccredi_auth_method *ccredi_auth_find(const char *word)
{
	if (!word)
		return NULL;
	for (size_t i = 0; i < NMETHODS; i++)
		if (strcmp(word, methods[i].name) == 0 ||
		    (methods[i].alias[0] && strcmp(word, methods[i].alias) == 0))
			return &methods[i];
	return NULL;
}

const struct ccredi_auth_method *ccredi_auth_at(size_t i)
{
	return i < NMETHODS ? &methods[i] : NULL;
}

bool ccredi_auth_method_ok(const char *v, char *why, size_t whylen)
{
	size_t used;

	/* SPEC: the short forms too; the profile then holds the canonical
	 * name (ccredi_profile_resolve), which is what the cache key takes. */
	if (ccredi_auth_find(v))
		return true;
	/* "auth_method must be A or B" ("A, B or C" with more) */
	used = (size_t)snprintf(why, whylen, "auth_method must be");
	for (size_t i = 0; i < NMETHODS && used < whylen; i++)
		used += (size_t)snprintf(why + used, whylen - used, "%s%s",
		                         i == 0              ? " "
		                         : i + 1 == NMETHODS ? " or "
		                                             : ", ",
		                         methods[i].name);
	return false;
}

bool ccredi_auth_signs(const char *method)
{
	const struct ccredi_auth_method *m = ccredi_auth_find(method);

	return m && m->apply == apply_jwt;
}

bool ccredi_auth_tls(const char *method)
{
	const struct ccredi_auth_method *m = ccredi_auth_find(method);

	return m && m->apply == apply_tls;
}

bool ccredi_auth_uses_key(const char *method)
{
	const struct ccredi_auth_method *m = ccredi_auth_find(method);

	return m && (m->flags & CCRED_AUTH_F_PRIVATE_KEY);
}

ccred_error ccredi_auth_apply(struct ccredi_auth_request *r)
{
	const struct ccredi_auth_method *m = ccredi_auth_find(r->prof->auth_method);

	/* The validator let only a known name into the profile. */
	if (!m)
		return ccredi_err(r->ctx, CCRED_E_CONFIG, "unknown auth_method '%s'",
		                  r->prof->auth_method);
	return m->apply(r);
}

void ccredi_auth_request_clear(struct ccredi_auth_request *r)
{
	for (size_t i = 0; i < sizeof(r->owned) / sizeof(r->owned[0]); i++)
		ccredi_buf_clear(&r->owned[i]);
}

CCRED_API const char *ccred_auth_method_canonical(const char *word)
{
	const struct ccredi_auth_method *m = ccredi_auth_find(word);

	return m ? m->name : NULL;
}

CCRED_API const char *ccred_auth_method_info(size_t i, const char **alias, const char **keycloak,
                                             unsigned *flags)
{
	const struct ccredi_auth_method *m = ccredi_auth_at(i);

	if (!m)
		return NULL;
	if (alias)
		*alias = m->alias[0] ? m->alias : NULL;
	if (keycloak)
		*keycloak = m->keycloak;
	if (flags)
		*flags = m->flags;
	return m->name;
}
