/* SPDX-License-Identifier: MIT */
/*
 * The libsecret store's own transport session for a get (DH, HKDF, AES):
 * see below.  The store itself is libsecret.c.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "transport.h"

/* ------------------------------------------------------------ our own session
 *
 * A get needs one secret, so it opens the transport session itself rather
 * than through libsecret (SECRET_SERVICE_OPEN_SESSION), whose Diffie-Hellman
 * in libgcrypt costs more than all the rest of a cold `ccred token`.  Same
 * algorithm and wire format as libsecret (secret-session.c, egg-dh.c,
 * egg-hkdf.c), computed with libcrypto:
 *
 *   OpenSession("dh-ietf1024-sha256-aes128-cbc-pkcs7", <ay: our public key>)
 *     -> (<ay: the service's public key>, session path)
 *   public keys: unsigned big-endian, no leading zeros, group: RFC 2409's
 *   1024-bit MODP prime, generator 2 (our exponent: see dh_keypair);
 *   shared secret: y^x mod p, left-padded with zeros to the prime's 128
 *   bytes; AES key: HKDF-SHA256 of it, no salt, no info, 16 bytes;
 *   GetSecrets([item], session) -> {item: (session, iv, ciphertext, type)}
 *   value: AES-128-CBC with that iv, PKCS#7 padding.
 *
 * Like libsecret, a service that answers NotSupported gets a "plain"
 * session.  The session is closed without waiting for the answer; the
 * service also drops it when we disconnect.
 */

#define DH_ALGORITHM "dh-ietf1024-sha256-aes128-cbc-pkcs7"
#define DH_PRIME_LEN 128 /* bytes of the 1024-bit prime */
#define DH_EXP_BITS  256 /* our private exponent, see dh_keypair */
#define AES_KEY_LEN  16
#define AES_BLOCK    16

struct session {
	gchar *path;
	gboolean plain;
	unsigned char key[AES_KEY_LEN];
};

/* An error from a bounded call: classified, or the timeout when the call
 * was abandoned (no GError). */
static int call_failed(struct op *op, GError *e, const char *doing, char *err, size_t errlen)
{
	if (!e) {
		timeout_msg(op, doing, err, errlen);
		return CCRED_STORE_UNAVAILABLE;
	}
	return classify(op, e, doing, err, errlen);
}

/*
 * One method call on the service's own connection, bounded by the op's
 * deadline like every libsecret call here: GDBus's timeout is what is left,
 * and waiter_wait cancels at the deadline.  The reply, or NULL with *e set
 * (NULL and no *e: abandoned at the deadline).
 */
static GVariant *service_call(struct op *op, const char *path, const char *iface,
                              const char *method, GVariant *args, const char *reply_type,
                              GError **e)
{
	GDBusProxy *proxy = G_DBUS_PROXY(op->service);
	struct waiter *w = g_new0(struct waiter, 1);
	gint64 left = (op->deadline - g_get_monotonic_time()) / 1000;
	GAsyncResult *res;
	GVariant *reply = NULL;

	g_dbus_connection_call(g_dbus_proxy_get_connection(proxy), g_dbus_proxy_get_name(proxy),
	                       path, iface, method, args, G_VARIANT_TYPE(reply_type),
	                       G_DBUS_CALL_FLAGS_NONE, (int)CLAMP(left, 1, G_MAXINT), op->cancel,
	                       waiter_done, w);
	res = waiter_wait(op, w);
	if (!res)
		return NULL; /* w is the callback's now */
	reply = g_dbus_connection_call_finish(g_dbus_proxy_get_connection(proxy), res, e);
	g_clear_object(&w->res);
	g_free(w);
	return reply;
}

/*
 * Our half of the key exchange: a private exponent x and the public key
 * 2^x mod p as unsigned big-endian bytes without leading zeros
 * (gcry_mpi_aprint's USG format, as libsecret sends it).
 *
 * x has DH_EXP_BITS random bits, not libsecret's 1023: the group is RFC
 * 2409's safe prime, where the best attack on a short exponent (Pollard's
 * lambda, ~2^128 steps for 256 bits) costs far more than the best attack on
 * the 1024-bit group itself (~2^80), so the session is as strong as
 * libsecret's, and each modular exponentiation costs a quarter (RFC 7919
 * 5.2, NIST SP 800-56A: at least twice the group's security strength).
 * Its bytes come straight from the kernel (getrandom), which is what
 * OpenSSL's DRBG would seed from; instantiating that DRBG alone costs more
 * than the whole exchange.
 */
static int dh_keypair(BN_CTX *bn, const BIGNUM *p, BIGNUM **x, unsigned char *pub, int *npub)
{
	unsigned char rnd[DH_EXP_BITS / 8];
	BIGNUM *g = NULL, *y = NULL;
	size_t got = 0;
	ssize_t r;
	int ok = 0;

	*x = NULL;
	while (got < sizeof(rnd)) {
		r = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	*x = BN_secure_new();
	g = BN_new();
	y = BN_new();
	if (!*x || !g || !y || !BN_bin2bn(rnd, sizeof(rnd), *x) || BN_is_zero(*x) ||
	    !BN_set_word(g, 2))
		goto out;
	BN_set_flags(*x, BN_FLG_CONSTTIME);
	if (!BN_mod_exp_mont_consttime(y, g, *x, p, bn, NULL))
		goto out;
	*npub = BN_bn2bin(y, pub);
	ok = 1;
out:
	OPENSSL_cleanse(rnd, sizeof(rnd));
	if (!ok) {
		BN_clear_free(*x);
		*x = NULL;
	}
	BN_free(g);
	BN_free(y);
	return ok;
}

/* The AES key from the service's public key: HKDF-SHA256 (no salt, no info)
 * of peer^x mod p padded to the prime's length. */
static int dh_key(BN_CTX *bn, const BIGNUM *p, const BIGNUM *x, const unsigned char *peer,
                  size_t npeer, unsigned char key[AES_KEY_LEN])
{
	unsigned char ikm[DH_PRIME_LEN];
	BIGNUM *y = NULL, *pm1 = NULL, *s = NULL;
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[3];
	int ok = 0;

	y = BN_bin2bn(peer, (int)npeer, NULL);
	pm1 = BN_dup(p);
	s = BN_secure_new();
	if (!y || !pm1 || !s || !BN_sub_word(pm1, 1))
		goto out;
	/* 1 < y < p - 1: no degenerate key from a broken or hostile peer. */
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0)
		goto out;
	if (!BN_mod_exp_mont_consttime(s, y, x, p, bn, NULL) ||
	    BN_bn2binpad(s, ikm, sizeof(ikm)) != (int)sizeof(ikm))
		goto out;
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	if (!kctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm, sizeof(ikm));
	params[2] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, key, AES_KEY_LEN, params) == 1;
out:
	OPENSSL_cleanse(ikm, sizeof(ikm));
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	BN_free(y);
	BN_free(pm1);
	BN_clear_free(s);
	return ok;
}

static void session_close(struct op *op, struct session *s)
{
	GDBusProxy *proxy = G_DBUS_PROXY(op->service);

	if (s->path) {
		/* No callback: sent with NO_REPLY_EXPECTED, nothing to wait for. */
		g_dbus_connection_call(g_dbus_proxy_get_connection(proxy),
		                       g_dbus_proxy_get_name(proxy), s->path,
		                       "org.freedesktop.Secret.Session", "Close", NULL, NULL,
		                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
		g_free(s->path);
		s->path = NULL;
	}
	OPENSSL_cleanse(s->key, sizeof(s->key));
}

static int session_open(struct op *op, struct session *s, char *err, size_t errlen)
{
	const char *doing = "opening a Secret Service session";
	const char *spath = g_dbus_proxy_get_object_path(G_DBUS_PROXY(op->service));
	unsigned char pub[DH_PRIME_LEN];
	BN_CTX *bn = BN_CTX_secure_new();
	BIGNUM *p = NULL, *x = NULL;
	GVariant *reply = NULL, *arg = NULL;
	GError *e = NULL;
	const unsigned char *peer;
	gsize npeer = 0;
	int npub = 0, rc = CCRED_STORE_ERR;

	memset(s, 0, sizeof(*s));
	p = BN_get_rfc2409_prime_1024(NULL);
	if (!bn || !p || !dh_keypair(bn, p, &x, pub, &npub)) {
		snprintf(err, errlen, "libsecret: %s: key generation failed (libcrypto)", doing);
		goto out;
	}
	reply = service_call(
	        op, spath, "org.freedesktop.Secret.Service", "OpenSession",
	        g_variant_new("(sv)", DH_ALGORITHM,
	                      g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, pub, (gsize)npub, 1)),
	        "(vo)", &e);
	if (!reply && g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_NOT_SUPPORTED)) {
		g_clear_error(&e);
		s->plain = TRUE;
		reply = service_call(op, spath, "org.freedesktop.Secret.Service", "OpenSession",
		                     g_variant_new("(sv)", "plain", g_variant_new_string("")),
		                     "(vo)", &e);
	}
	if (!reply) {
		rc = call_failed(op, e, doing, err, errlen);
		goto out;
	}
	g_variant_get(reply, "(vo)", &arg, &s->path);
	if (s->plain) {
		rc = CCRED_STORE_OK;
		goto out;
	}
	if (!g_variant_is_of_type(arg, G_VARIANT_TYPE_BYTESTRING)) {
		snprintf(err, errlen, "libsecret: %s: the service's public key is not bytes",
		         doing);
		goto out;
	}
	peer = g_variant_get_fixed_array(arg, &npeer, 1);
	if (npeer == 0 || npeer > DH_PRIME_LEN || !dh_key(bn, p, x, peer, npeer, s->key)) {
		snprintf(err, errlen, "libsecret: %s: key exchange failed", doing);
		goto out;
	}
	rc = CCRED_STORE_OK;
out:
	if (rc != CCRED_STORE_OK)
		session_close(op, s);
	if (arg)
		g_variant_unref(arg);
	if (reply)
		g_variant_unref(reply);
	g_clear_error(&e);
	BN_clear_free(x);
	BN_free(p);
	BN_CTX_free(bn);
	return rc;
}

/* Decrypt one (oayays) into buf; the plaintext only ever in wiped buffers. */
static int session_decode(struct op *op, struct session *s, GVariant *secret, char *buf,
                          size_t bufsize, size_t *len, char *err, size_t errlen)
{
	GVariant *vparam = NULL, *vvalue = NULL;
	const unsigned char *param, *value;
	unsigned char *plain = NULL;
	const gchar *spath = NULL;
	gsize nparam = 0, nvalue = 0, n = 0;
	EVP_CIPHER_CTX *c = NULL;
	unsigned int pad;
	int outl = 0, rc = CCRED_STORE_ERR;

	*len = 0;
	g_variant_get_child(secret, 0, "&o", &spath);
	if (strcmp(spath, s->path) != 0) {
		snprintf(err, errlen, "libsecret: the secret came in another session");
		goto out;
	}
	vparam = g_variant_get_child_value(secret, 1);
	vvalue = g_variant_get_child_value(secret, 2);
	param = g_variant_get_fixed_array(vparam, &nparam, 1);
	value = g_variant_get_fixed_array(vvalue, &nvalue, 1);
	if (s->plain) {
		if (nparam != 0) {
			snprintf(err, errlen, "libsecret: a plain secret with parameters");
			goto out;
		}
		n = nvalue;
		goto copy;
	}
	if (nparam != AES_BLOCK || nvalue == 0 || nvalue % AES_BLOCK != 0) {
		snprintf(err, errlen, "libsecret: the encrypted secret has a bad shape (%zu bytes)",
		         (size_t)nvalue);
		goto out;
	}
	if (nvalue - 1 > bufsize || nvalue - 1 > CCRED_STORE_SECRET_MAX) {
		/* Even the shortest padding (1 byte) leaves too much. */
		snprintf(err, errlen, "libsecret: secret longer than %zu bytes", bufsize);
		goto out;
	}
	plain = g_malloc(nvalue);
	c = EVP_CIPHER_CTX_new();
	if (!c || EVP_DecryptInit_ex(c, EVP_aes_128_cbc(), NULL, s->key, param) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
	    EVP_DecryptUpdate(c, plain, &outl, value, (int)nvalue) != 1 || (gsize)outl != nvalue) {
		snprintf(err, errlen, "libsecret: decrypting the secret failed (libcrypto)");
		goto out;
	}
	/* PKCS#7: 1..16 bytes, each holding the count. */
	pad = plain[nvalue - 1];
	if (pad == 0 || pad > AES_BLOCK) {
		snprintf(err, errlen, "libsecret: the secret does not decrypt (bad padding)");
		goto out;
	}
	for (gsize i = nvalue - pad; i < nvalue; i++)
		if (plain[i] != pad) {
			snprintf(err, errlen,
			         "libsecret: the secret does not decrypt (bad padding)");
			goto out;
		}
	n = nvalue - pad;
	value = plain;
copy:
	if (n == 0) {
		rc = CCRED_STORE_NOTFOUND; /* the caller says which key */
		goto out;
	}
	if (n > bufsize || n > CCRED_STORE_SECRET_MAX) {
		snprintf(err, errlen, "libsecret: secret longer than %zu bytes", bufsize);
		goto out;
	}
	memcpy(buf, value, n);
	*len = n;
	rc = CCRED_STORE_OK;
out:
	EVP_CIPHER_CTX_free(c);
	if (plain) {
		op->ls->svc->wipe(plain, nvalue);
		g_free(plain);
	}
	if (vparam)
		g_variant_unref(vparam);
	if (vvalue)
		g_variant_unref(vvalue);
	return rc;
}

/* GetSecrets for one item in our own session.  NOTFOUND: the service gave
 * nothing for it (err not written). */
int load_secret(struct op *op, const char *path, char *buf, size_t bufsize, size_t *len, char *err,
                size_t errlen)
{
	const char *doing = "reading the secret";
	const char *items[] = {path, NULL};
	struct session s;
	GVariant *reply = NULL, *dict = NULL, *secret = NULL;
	GError *e = NULL;
	int rc;

	*len = 0;
	rc = session_open(op, &s, err, errlen);
	if (rc != CCRED_STORE_OK)
		return rc;
	reply = service_call(op, g_dbus_proxy_get_object_path(G_DBUS_PROXY(op->service)),
	                     "org.freedesktop.Secret.Service", "GetSecrets",
	                     g_variant_new("(^aoo)", items, s.path), "(a{o(oayays)})", &e);
	if (!reply) {
		rc = call_failed(op, e, doing, err, errlen);
		goto out;
	}
	dict = g_variant_get_child_value(reply, 0);
	secret = g_variant_lookup_value(dict, path, G_VARIANT_TYPE("(oayays)"));
	rc = secret ? session_decode(op, &s, secret, buf, bufsize, len, err, errlen)
	            : CCRED_STORE_NOTFOUND;
out:
	session_close(op, &s);
	if (secret)
		g_variant_unref(secret);
	if (dict)
		g_variant_unref(dict);
	if (reply)
		g_variant_unref(reply);
	g_clear_error(&e);
	return rc;
}
