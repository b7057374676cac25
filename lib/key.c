/* SPDX-License-Identifier: MIT */
/*
 * `ccred key generate|public` (SPEC "Client authentication"): the key pair
 * of a private_key_jwt or TLS profile.  The private half goes only into the
 * profile's secret store and is never returned; what the caller gets is
 * the public half (a JWK Set or PEM) and, on request, a self-signed
 * certificate.
 */
#include "ccred-int.h"

#include <stdlib.h>
#include <string.h>

static ccred_error need_key_profile(struct ccred_ctx *ctx)
{
	ccred_error rc;

	if ((rc = ccredi_need_profile(ctx)) != CCRED_OK)
		return rc;
	if (!ccredi_auth_uses_key(ctx->prof.auth_method))
		return ccredi_err(ctx, CCRED_E_CONFIG,
		                  "profile '%s' uses auth_method %s, which has no key pair (set "
		                  "auth_method = private_key_jwt, tls_client_auth or "
		                  "self_signed_tls_client_auth first)",
		                  ctx->prof.name, ctx->prof.auth_method);
	return CCRED_OK;
}

/* {"keys":[JWK]} and a newline into *out (malloc'd). */
static ccred_error jwks_of(struct ccred_ctx *ctx, const struct ccredi_crypto_vtable *vt,
                           const struct ccredi_pkey *key, char **out)
{
	struct ccredi_buf b = {0};
	char thumb[64];

	if (ccredi_buf_adds(&b, "{\"keys\":[") < 0 ||
	    vt->jwk_public(key, ctx->prof.key_id, ctx->prof.signing_alg, &b, thumb, sizeof(thumb)) <
	            0 ||
	    ccredi_buf_adds(&b, "]}\n") < 0) {
		ccredi_buf_clear(&b);
		return ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
	}
	*out = b.p;
	return CCRED_OK;
}

CCRED_API ccred_error ccred_key_generate(struct ccred_ctx *ctx, const char *type, int force,
                                         int cert_days, char **jwks, char **cert,
                                         const char **where)
{
	const struct ccredi_crypto_vtable *vt;
	struct ccredi_buf pem = {0};
	struct ccredi_pkey *key = NULL;
	enum ccredi_key_type t;
	char why[256];
	ccred_error rc;

	*jwks = NULL;
	if (cert)
		*cert = NULL;
	if ((rc = need_key_profile(ctx)) != CCRED_OK)
		return rc;
	if (!type || strcmp(type, "ec") == 0)
		t = CCREDI_KEY_EC;
	else if (strcmp(type, "rsa") == 0 || strcmp(type, "rsa2048") == 0)
		t = CCREDI_KEY_RSA2048;
	else if (strcmp(type, "rsa3072") == 0)
		t = CCREDI_KEY_RSA3072;
	else if (strcmp(type, "ed25519") == 0)
		t = CCREDI_KEY_ED25519;
	else
		return ccredi_err(ctx, CCRED_E_USAGE, "key type must be ec, rsa or ed25519");
	/* Never over an existing key (or secret) without force: the key is
	 * what the provider has registered. */
	if (!force && ccred_secret_status(ctx, where) == CCRED_OK)
		return ccredi_err(ctx, CCRED_E_CONFIG,
		                  "profile '%s': %s already holds a key; --force replaces it (and "
		                  "the provider must then be given the new public key)",
		                  ctx->prof.name, *where);
	if (!(vt = ccredi_crypto(ctx)))
		return CCRED_E_INTERNAL;
	if (vt->key_generate(t, &pem, why, sizeof(why)) < 0)
		return ccredi_err(ctx, CCRED_E_INTERNAL, "%s", why);
	if (vt->key_parse(pem.p, pem.len, &key, why, sizeof(why)) < 0) {
		rc = ccredi_err(ctx, CCRED_E_INTERNAL, "the new key: %s", why);
		goto out;
	}
	if (ctx->prof.signing_alg && !vt->key_alg(key, ctx->prof.signing_alg, why, sizeof(why))) {
		rc = ccredi_err(ctx, CCRED_E_CONFIG, "profile '%s': %s", ctx->prof.name, why);
		goto out;
	}
	if ((rc = jwks_of(ctx, vt, key, jwks)) != CCRED_OK)
		goto out;
	if (cert && cert_days > 0 &&
	    vt->cert_self_signed(key, ctx->prof.client_id, cert_days, &pem, why, sizeof(why)) < 0) {
		rc = ccredi_err(ctx, CCRED_E_INTERNAL, "%s", why);
		goto out;
	}
	if (cert && cert_days > 0) {
		/* the certificate was appended after the private key */
		const char *c = strstr(pem.p, "-----BEGIN CERTIFICATE-----");
		if (!c || !(*cert = strdup(c))) {
			rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
			goto out;
		}
		pem.len = (size_t)(c - pem.p);
		ccredi_wipe(pem.p + pem.len, strlen(pem.p + pem.len));
	}
	rc = ccred_secret_set(ctx, pem.p, pem.len, where);
out:
	if (rc != CCRED_OK) {
		free(*jwks);
		*jwks = NULL;
		if (cert) {
			free(*cert);
			*cert = NULL;
		}
	}
	if (key)
		vt->key_free(key);
	ccredi_buf_clear(&pem);
	return rc;
}

CCRED_API ccred_error ccred_key_public(struct ccred_ctx *ctx, int pem_format, char **out)
{
	const struct ccredi_crypto_vtable *vt;
	struct ccredi_pkey *key = NULL;
	char *secret = NULL;
	size_t slen = 0;
	ccred_error rc;

	*out = NULL;
	if ((rc = need_key_profile(ctx)) != CCRED_OK)
		return rc;
	if (!(vt = ccredi_crypto(ctx)))
		return CCRED_E_INTERNAL;
	if ((rc = ccredi_secret_read(ctx, &secret, &slen)) != CCRED_OK)
		return rc;
	rc = ccredi_key_parse(ctx, secret, slen, &key);
	ccredi_freezero(secret, slen);
	if (rc != CCRED_OK)
		return rc;
	if (pem_format) {
		struct ccredi_buf b = {0};
		if (vt->pem_public(key, &b) < 0)
			rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
		else
			*out = b.p;
	} else {
		rc = jwks_of(ctx, vt, key, out);
	}
	vt->key_free(key);
	return rc;
}
