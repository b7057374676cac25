/* SPDX-License-Identifier: MIT */
/*
 * Client assertions (RFC 7523, SPEC "Client authentication"): the JWT a
 * client_secret_jwt or private_key_jwt profile sends instead of its secret,
 * and the keys behind them.  The signing is done by the crypto module
 * (lib/cryptomod.h), loaded here on first use, so a cache hit never maps
 * libcrypto.
 */
#include "ccred-int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define ASSERTION_LIFETIME 60 /* seconds: exp = iat + 60 (SPEC) */
#define JTI_BYTES          18 /* 144 random bits, 24 base64url characters */

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static const struct ccredi_crypto_vtable *crypto_vt;
static struct ccredi_module crypto_mod = {.name = "crypto",
                                          .file = "crypto-openssl.so",
                                          .symbol = CCREDI_CRYPTO_ENTRY,
                                          .abi = CCREDI_CRYPTO_ABI};
static char crypto_error[4096 + 512];

static void crypto_load_once(void)
{
	if (ccredi_module_load(&crypto_mod, crypto_error, sizeof(crypto_error)) == CCREDI_MODULE_OK)
		crypto_vt = crypto_mod.vt;
}

const struct ccredi_crypto_vtable *ccredi_crypto(struct ccred_ctx *ctx)
{
	pthread_once(&crypto_once, crypto_load_once);
	if (!crypto_vt) {
		ccredi_err(ctx, CCRED_E_INTERNAL, "%s", crypto_error);
		return NULL;
	}
	ccredi_trace(ctx, 1, "crypto module %s", crypto_mod.path);
	return crypto_vt;
}

/* A JSON string: quote, backslash and control bytes escaped; other bytes
 * (a UTF-8 client_id) as they are. */
static int add_json_str(struct ccredi_buf *b, const char *s)
{
	if (ccredi_buf_adds(b, "\"") < 0)
		return -1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int r;
		if (c == '"' || c == '\\')
			r = ccredi_buf_addf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			r = ccredi_buf_addf(b, "\\u%04x", c);
		else
			r = ccredi_buf_add(b, (const char *)&c, 1);
		if (r < 0)
			return -1;
	}
	return ccredi_buf_adds(b, "\"");
}

static ccred_error key_parse(struct ccred_ctx *ctx, const struct ccredi_crypto_vtable *vt,
                             const char *pem, size_t len, struct ccredi_pkey **key)
{
	char why[256];

	*key = NULL;
	/* what the store holds is never shown: the message names only what is
	 * wrong with it */
	if (vt->key_parse(pem, len, key, why, sizeof(why)) < 0)
		return ccredi_err(ctx, CCRED_E_CONFIG, "profile %s: the secret store holds %s",
		                  ctx->prof.name, why);
	return CCRED_OK;
}

ccred_error ccredi_key_parse(struct ccred_ctx *ctx, const char *pem, size_t len,
                             struct ccredi_pkey **key)
{
	const struct ccredi_crypto_vtable *vt = ccredi_crypto(ctx);

	*key = NULL;
	return vt ? key_parse(ctx, vt, pem, len, key) : CCRED_E_INTERNAL;
}

ccred_error ccredi_assertion_make(struct ccred_ctx *ctx, const char *aud, const char *secret,
                                  size_t slen, const char *alg, const char *kid,
                                  struct ccredi_buf *out)
{
	const struct ccredi_crypto_vtable *vt = ccredi_crypto(ctx);
	const struct ccredi_profile *p = &ctx->prof;
	bool hmac = !ccredi_auth_uses_key(p->auth_method);
	struct ccredi_buf hdr = {0}, claims = {0}, jti = {0};
	struct ccredi_pkey *key = NULL;
	unsigned char rnd[JTI_BYTES];
	char thumb[64] = "", why[256];
	ccred_error rc;
	long long now = (long long)time(NULL);

	if (!vt)
		return CCRED_E_INTERNAL;
	if (hmac) {
		if (!alg)
			alg = "HS256";
	} else {
		struct ccredi_buf jwk = {0};
		if ((rc = key_parse(ctx, vt, secret, slen, &key)) != CCRED_OK)
			return rc;
		if (!(alg = vt->key_alg(key, alg, why, sizeof(why)))) {
			rc = ccredi_err(ctx, CCRED_E_CONFIG, "profile %s: %s", p->name, why);
			goto out;
		}
		/* kid: key_id, else the RFC 7638 thumbprint (what `ccred key
		 * public` prints and a JWKS registered from it carries). */
		if (!kid) {
			if (vt->jwk_public(key, NULL, alg, &jwk, thumb, sizeof(thumb)) < 0) {
				ccredi_buf_clear(&jwk);
				goto nomem;
			}
			ccredi_buf_clear(&jwk);
			kid = thumb;
		}
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		rc = ccredi_err(ctx, CCRED_E_INTERNAL, "no random bytes for the assertion's jti");
		goto out;
	}
	if (ccredi_buf_add_b64url(&jti, rnd, sizeof(rnd)) < 0)
		goto nomem;
	if (ccredi_buf_adds(&hdr, "{\"alg\":") < 0 || add_json_str(&hdr, alg) < 0 ||
	    ccredi_buf_adds(&hdr, ",\"typ\":\"JWT\"") < 0 ||
	    (kid && (ccredi_buf_adds(&hdr, ",\"kid\":") < 0 || add_json_str(&hdr, kid) < 0)) ||
	    ccredi_buf_adds(&hdr, "}") < 0)
		goto nomem;
	if (ccredi_buf_adds(&claims, "{\"iss\":") < 0 || add_json_str(&claims, p->client_id) < 0 ||
	    ccredi_buf_adds(&claims, ",\"sub\":") < 0 || add_json_str(&claims, p->client_id) < 0 ||
	    ccredi_buf_adds(&claims, ",\"aud\":") < 0 || add_json_str(&claims, aud) < 0 ||
	    ccredi_buf_adds(&claims, ",\"jti\":") < 0 || add_json_str(&claims, jti.p) < 0 ||
	    ccredi_buf_addf(&claims, ",\"iat\":%lld,\"exp\":%lld}", now, now + ASSERTION_LIFETIME) <
	            0)
		goto nomem;
	if (ccredi_buf_add_b64url(out, hdr.p, hdr.len) < 0 || ccredi_buf_adds(out, ".") < 0 ||
	    ccredi_buf_add_b64url(out, claims.p, claims.len) < 0)
		goto nomem;
	{
		/* the signing input is the two parts as written so far */
		size_t inlen = out->len;
		if (ccredi_buf_adds(out, ".") < 0)
			goto nomem;
		if (vt->jws_sign(key, hmac ? secret : NULL, hmac ? slen : 0, alg, out->p, inlen,
		                 out, why, sizeof(why)) < 0) {
			rc = ccredi_err(ctx, CCRED_E_CONFIG, "profile %s: %s", p->name, why);
			goto out;
		}
	}
	ccredi_trace(ctx, 1, "client assertion: alg %s%s%s, jti %s, exp iat+%d s", alg,
	             kid ? ", kid " : "", kid ? kid : "", jti.p, ASSERTION_LIFETIME);
	rc = CCRED_OK;
	goto out;
nomem:
	rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
out:
	if (key)
		vt->key_free(key);
	ccredi_wipe(rnd, sizeof(rnd));
	ccredi_buf_clear(&hdr);
	ccredi_buf_clear(&claims);
	ccredi_buf_clear(&jti);
	return rc;
}
