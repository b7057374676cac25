/* SPDX-License-Identifier: MIT */
/*
 * The crypto module: the only code in libccred that calls libcrypto
 * (lib/cryptomod.h).  libccred loads it with dlopen the first time a client
 * assertion is signed or a key is made or shown, so a cache hit never maps
 * libcrypto.  It carries its own hidden copies of buf.c and secmem.c.
 *
 * Key text is read from the caller's memory (a read-only memory BIO: no
 * copy), written through a secure-memory BIO (cleared when freed), and the
 * parsed key lives in an EVP_PKEY, which OpenSSL clears when it is freed.
 * OpenSSL's error queue is emptied after every failure and never shown: its
 * strings can quote what it was parsing.
 */
#include "ccred-int.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

#define NOT_A_KEY                                                                                  \
	"not a usable private key (an unencrypted PEM key is wanted: PKCS#8 \"PRIVATE KEY\", "     \
	"PKCS#1 \"RSA PRIVATE KEY\" or SEC1 \"EC PRIVATE KEY\")"

struct ccredi_pkey {
	EVP_PKEY *pk;
	int kind; /* EVP_PKEY_RSA, EVP_PKEY_EC, EVP_PKEY_ED25519 */
};

static int fail(char *why, size_t whylen, const char *msg)
{
	ERR_clear_error();
	if (why && whylen)
		snprintf(why, whylen, "%s", msg);
	return -1;
}

/* The PEM labels of an unencrypted private key; anything else (a
 * certificate, "ENCRYPTED PRIVATE KEY", a secret) is refused before
 * OpenSSL sees it. */
static bool pem_label_ok(const char *pem, size_t len)
{
	static const char *const labels[] = {"-----BEGIN PRIVATE KEY-----",
	                                     "-----BEGIN RSA PRIVATE KEY-----",
	                                     "-----BEGIN EC PRIVATE KEY-----"};
	size_t i = 0;

	while (i < len && (pem[i] == ' ' || pem[i] == '\t' || pem[i] == '\r' || pem[i] == '\n'))
		i++;
	for (size_t k = 0; k < sizeof(labels) / sizeof(labels[0]); k++) {
		size_t n = strlen(labels[k]);
		if (len - i >= n && memcmp(pem + i, labels[k], n) == 0)
			return true;
	}
	return false;
}

/* Whether der is a PKCS#8 PrivateKeyInfo; *type is then the key type its
 * algorithm's OID names when it is one JWS signs with, else NULL (any). */
static bool pkcs8_type(const unsigned char *der, long dlen, const char **type)
{
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, dlen);
	const ASN1_OBJECT *oid = NULL;
	bool ok = p8 && PKCS8_pkey_get0(&oid, NULL, NULL, NULL, p8);

	*type = NULL;
	if (ok) {
		switch (OBJ_obj2nid(oid)) {
		case NID_rsaEncryption: *type = "RSA"; break;
		case NID_X9_62_id_ecPublicKey: *type = "EC"; break;
		case NID_ED25519: *type = "ED25519"; break;
		default: break;
		}
	}
	PKCS8_PRIV_KEY_INFO_free(p8); /* clears the key bytes it copied */
	return ok;
}

/*
 * The first PEM block of bio as a private key, or NULL.  Asked for any key
 * in any format (PEM_read_bio_PrivateKey), OpenSSL 3 builds a chain of every
 * decoder it has for every key type before it reads a byte: 5.9 M
 * instructions, most of what a private_key_jwt call costs over a
 * client_secret_post one (README, "Performance").  Told the structure (the
 * PEM label names it) and the key type (PKCS#1 and SEC1 by their label,
 * PKCS#8 by its algorithm's OID) it builds one chain: 2.7 M.  A PKCS#8
 * algorithm not listed in pkcs8_type is left to the search for any type,
 * so what loads, and what is refused, is what PEM_read_bio_PrivateKey
 * would load or refuse.  The DER (the key itself) lives in the secure heap
 * where there is one and is cleared when freed.
 */
static EVP_PKEY *pem_decode(BIO *bio)
{
	char *label = NULL, *header = NULL;
	unsigned char *der = NULL;
	long dlen = 0;
	const char *structure = NULL, *type = NULL;
	OSSL_DECODER_CTX *dctx = NULL;
	EVP_PKEY *pk = NULL;

	if (PEM_read_bio_ex(bio, &label, &header, &der, &dlen,
	                    PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) <= 0)
		goto out;
	if (strcmp(label, "PRIVATE KEY") == 0) {
		structure = "PrivateKeyInfo";
		/* Not PKCS#8 under its label: refused, as OpenSSL's own
		 * search refuses it. */
		if (!pkcs8_type(der, dlen, &type))
			goto out;
	} else if (strcmp(label, "RSA PRIVATE KEY") == 0) {
		structure = "type-specific";
		type = "RSA";
	} else if (strcmp(label, "EC PRIVATE KEY") == 0) {
		structure = "type-specific";
		type = "EC";
	} else {
		goto out;
	}
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pk, "DER", structure, type, EVP_PKEY_KEYPAIR, NULL,
	                                     NULL);
	if (dctx) {
		const unsigned char *p = der;
		size_t left = (size_t)dlen;
		if (!OSSL_DECODER_from_data(dctx, &p, &left)) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	}
out:
	OSSL_DECODER_CTX_free(dctx);
	OPENSSL_secure_free(label);
	OPENSSL_secure_free(header);
	if (der)
		OPENSSL_secure_clear_free(der, (size_t)dlen);
	return pk;
}

static int key_parse(const char *pem, size_t len, struct ccredi_pkey **out, char *why,
                     size_t whylen)
{
	struct ccredi_pkey *k;
	EVP_PKEY *pk;
	BIO *bio;

	*out = NULL;
	if (len > INT32_MAX || !pem_label_ok(pem, len))
		return fail(why, whylen, NOT_A_KEY);
	/* Legacy PEM encryption ("Proc-Type: 4,ENCRYPTED") inside an RSA or EC
	 * block: refused by name rather than by a failed password. */
	if (memmem(pem, len, "ENCRYPTED", 9))
		return fail(why, whylen,
		            "an encrypted private key; store it unencrypted (the store "
		            "protects it)");
	if (!(bio = BIO_new_mem_buf(pem, (int)len)))
		return fail(why, whylen, "out of memory");
	pk = pem_decode(bio);
	BIO_free(bio);
	if (!pk)
		return fail(why, whylen, NOT_A_KEY);
	if (!(k = calloc(1, sizeof(*k)))) {
		EVP_PKEY_free(pk);
		return fail(why, whylen, "out of memory");
	}
	k->pk = pk;
	if (EVP_PKEY_is_a(pk, "RSA")) {
		k->kind = EVP_PKEY_RSA;
		if (EVP_PKEY_get_bits(pk) < 2048)
			goto refuse_rsa;
	} else if (EVP_PKEY_is_a(pk, "EC")) {
		char curve[64] = "";
		size_t cl = 0;
		k->kind = EVP_PKEY_EC;
		if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, curve,
		                                    sizeof(curve), &cl) ||
		    strcmp(curve, "prime256v1") != 0)
			goto refuse_curve;
	} else if (EVP_PKEY_is_a(pk, "ED25519")) {
		k->kind = EVP_PKEY_ED25519;
	} else {
		EVP_PKEY_free(pk);
		free(k);
		return fail(why, whylen,
		            "a private key of a type JWS cannot use (RSA, EC P-256 or "
		            "Ed25519 is wanted)");
	}
	*out = k;
	return 0;
refuse_rsa:
	EVP_PKEY_free(pk);
	free(k);
	return fail(why, whylen, "an RSA key under 2048 bits; make a new one");
refuse_curve:
	EVP_PKEY_free(pk);
	free(k);
	return fail(why, whylen, "an EC key on a curve other than P-256 (ES256 needs P-256)");
}

static void key_free(struct ccredi_pkey *k)
{
	if (k) {
		EVP_PKEY_free(k->pk);
		free(k);
	}
}

static const char *key_alg(const struct ccredi_pkey *k, const char *alg, char *why, size_t whylen)
{
	const char *def = k->kind == EVP_PKEY_RSA  ? "RS256"
	                  : k->kind == EVP_PKEY_EC ? "ES256"
	                                           : "EdDSA";

	if (!alg)
		return def;
	if (strcmp(alg, def) == 0)
		return def;
	if (k->kind == EVP_PKEY_RSA && strcmp(alg, "PS256") == 0)
		return "PS256";
	if (why && whylen)
		snprintf(why, whylen,
		         "signing_alg %s does not fit the stored %s key (it signs %s%s)", alg,
		         k->kind == EVP_PKEY_RSA  ? "RSA"
		         : k->kind == EVP_PKEY_EC ? "EC P-256"
		                                  : "Ed25519",
		         def, k->kind == EVP_PKEY_RSA ? " or PS256" : "");
	return NULL;
}

static const EVP_MD *hmac_md(const char *alg)
{
	if (strcmp(alg, "HS256") == 0)
		return EVP_sha256();
	if (strcmp(alg, "HS384") == 0)
		return EVP_sha384();
	if (strcmp(alg, "HS512") == 0)
		return EVP_sha512();
	return NULL;
}

/* ES256's signature is r||s, 32 bytes each (RFC 7518 3.4), not DER. */
static int ecdsa_der_to_raw(const unsigned char *der, size_t dlen, unsigned char raw[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	const BIGNUM *r, *s;
	int ok;

	if (!sig)
		return -1;
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
	ECDSA_SIG_free(sig);
	return ok ? 0 : -1;
}

static int jws_sign(const struct ccredi_pkey *k, const void *secret, size_t slen, const char *alg,
                    const char *input, size_t inlen, struct ccredi_buf *out, char *why,
                    size_t whylen)
{
	unsigned char mac[EVP_MAX_MD_SIZE], raw[64], *sig = NULL;
	unsigned int maclen = 0;
	size_t siglen = 0;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	int rc = -1;

	if (!k) {
		const EVP_MD *h = hmac_md(alg);
		if (!h)
			return fail(why, whylen,
			            "client_secret_jwt signs with HS256, HS384 or HS512");
		if (slen > INT32_MAX ||
		    !HMAC(h, secret, (int)slen, (const unsigned char *)input, inlen, mac, &maclen))
			return fail(why, whylen, "HMAC failed (libcrypto)");
		rc = ccredi_buf_add_b64url(out, mac, maclen);
		ccredi_wipe(mac, sizeof(mac));
		return rc < 0 ? fail(why, whylen, "out of memory") : 0;
	}
	if (!key_alg(k, alg, why, whylen))
		return -1;
	if (!(md = EVP_MD_CTX_new()))
		return fail(why, whylen, "out of memory");
	if (EVP_DigestSignInit(md, &pctx, k->kind == EVP_PKEY_ED25519 ? NULL : EVP_sha256(), NULL,
	                       k->pk) != 1)
		goto bad;
	if (strcmp(alg, "PS256") == 0 &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		goto bad;
	if (EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, inlen) != 1 ||
	    !(sig = malloc(siglen)) ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, inlen) != 1)
		goto bad;
	if (k->kind == EVP_PKEY_EC) {
		if (ecdsa_der_to_raw(sig, siglen, raw) < 0)
			goto bad;
		rc = ccredi_buf_add_b64url(out, raw, sizeof(raw));
	} else {
		rc = ccredi_buf_add_b64url(out, sig, siglen);
	}
	if (rc < 0)
		fail(why, whylen, "out of memory");
	goto out;
bad:
	rc = fail(why, whylen, "signing the client assertion failed (libcrypto)");
out:
	free(sig);
	EVP_MD_CTX_free(md);
	return rc;
}

static int add_bn(struct ccredi_buf *b, const EVP_PKEY *pk, const char *param, size_t pad)
{
	BIGNUM *bn = NULL;
	unsigned char *raw;
	int n, rc = -1;

	if (!EVP_PKEY_get_bn_param(pk, param, &bn))
		return -1;
	n = pad ? (int)pad : BN_num_bytes(bn);
	if (n > 0 && (raw = malloc((size_t)n))) {
		if (BN_bn2binpad(bn, raw, n) == n)
			rc = ccredi_buf_add_b64url(b, raw, (size_t)n);
		free(raw);
	}
	BN_free(bn);
	return rc;
}

/* The required members of the public JWK, in lexicographic order: exactly
 * the text RFC 7638 hashes for the thumbprint. */
static int jwk_members(const struct ccredi_pkey *k, struct ccredi_buf *b)
{
	if (k->kind == EVP_PKEY_RSA) {
		return ccredi_buf_adds(b, "{\"e\":\"") < 0 ||
		                       add_bn(b, k->pk, OSSL_PKEY_PARAM_RSA_E, 0) < 0 ||
		                       ccredi_buf_adds(b, "\",\"kty\":\"RSA\",\"n\":\"") < 0 ||
		                       add_bn(b, k->pk, OSSL_PKEY_PARAM_RSA_N, 0) < 0 ||
		                       ccredi_buf_adds(b, "\"") < 0
		               ? -1
		               : 0;
	}
	if (k->kind == EVP_PKEY_EC) {
		return ccredi_buf_adds(b, "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"") < 0 ||
		                       add_bn(b, k->pk, OSSL_PKEY_PARAM_EC_PUB_X, 32) < 0 ||
		                       ccredi_buf_adds(b, "\",\"y\":\"") < 0 ||
		                       add_bn(b, k->pk, OSSL_PKEY_PARAM_EC_PUB_Y, 32) < 0 ||
		                       ccredi_buf_adds(b, "\"") < 0
		               ? -1
		               : 0;
	}
	{
		unsigned char raw[32];
		size_t n = sizeof(raw);
		if (EVP_PKEY_get_raw_public_key(k->pk, raw, &n) != 1 || n != 32)
			return -1;
		return ccredi_buf_adds(b, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"") < 0 ||
		                       ccredi_buf_add_b64url(b, raw, n) < 0 ||
		                       ccredi_buf_adds(b, "\"") < 0
		               ? -1
		               : 0;
	}
}

static int jwk_public(const struct ccredi_pkey *k, const char *kid, const char *alg,
                      struct ccredi_buf *out, char *thumb, size_t thumblen)
{
	struct ccredi_buf m = {0}, t = {0};
	unsigned char h[32];
	unsigned int hl = 0;
	int rc = -1;

	if (jwk_members(k, &m) < 0 || ccredi_buf_adds(&m, "}") < 0)
		goto out;
	if (EVP_Digest(m.p, m.len, h, &hl, EVP_sha256(), NULL) != 1 ||
	    ccredi_buf_add_b64url(&t, h, hl) < 0)
		goto out;
	if (thumb && thumblen)
		snprintf(thumb, thumblen, "%s", t.p);
	/* kid, alg and use after the required members: only those are hashed,
	 * and a JWK's member order does not matter to its readers. */
	m.p[--m.len] = '\0';
	if (!alg)
		alg = key_alg(k, NULL, NULL, 0);
	if (ccredi_buf_add(out, m.p, m.len) < 0 ||
	    ccredi_buf_addf(out, ",\"kid\":\"%s\",\"alg\":\"%s\",\"use\":\"sig\"}", kid ? kid : t.p,
	                    alg) < 0)
		goto out;
	rc = 0;
out:
	ERR_clear_error();
	ccredi_buf_clear(&m);
	ccredi_buf_clear(&t);
	return rc;
}

/* Appends what a memory BIO holds and frees it. */
static int bio_drain(BIO *bio, struct ccredi_buf *out)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);
	int rc = n > 0 && p ? ccredi_buf_add(out, p, (size_t)n) : -1;

	BIO_free(bio);
	return rc;
}

static int pem_public(const struct ccredi_pkey *k, struct ccredi_buf *out)
{
	BIO *bio = BIO_new(BIO_s_mem());

	if (!bio)
		return -1;
	if (PEM_write_bio_PUBKEY(bio, k->pk) != 1) {
		BIO_free(bio);
		ERR_clear_error();
		return -1;
	}
	return bio_drain(bio, out);
}

static int key_generate(enum ccredi_key_type type, struct ccredi_buf *out, char *why, size_t whylen)
{
	EVP_PKEY *pk = NULL;
	BIO *bio;
	int rc;

	switch (type) {
	case CCREDI_KEY_EC: pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
	case CCREDI_KEY_RSA2048: pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048); break;
	case CCREDI_KEY_RSA3072: pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072); break;
	case CCREDI_KEY_ED25519: pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
	}
	if (!pk)
		return fail(why, whylen, "key generation failed (libcrypto)");
	/* A secure-memory BIO: its buffer is cleared when it is freed. */
	if (!(bio = BIO_new(BIO_s_secmem())) ||
	    PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free(bio);
		EVP_PKEY_free(pk);
		return fail(why, whylen, "writing the new key failed (libcrypto)");
	}
	EVP_PKEY_free(pk);
	rc = bio_drain(bio, out);
	return rc < 0 ? fail(why, whylen, "out of memory") : 0;
}

static int cert_self_signed(const struct ccredi_pkey *k, const char *cn, int days,
                            struct ccredi_buf *out, char *why, size_t whylen)
{
	X509 *x = X509_new();
	X509_NAME *name;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	BIO *bio = NULL;
	int rc = -1;

	if (!x || RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f; /* a positive serial number */
	if (!(bn = BN_bin2bn(serial, sizeof(serial), NULL)) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) || X509_set_version(x, 2) != 1 ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) ||
	    X509_set_pubkey(x, k->pk) != 1 || !(name = X509_get_subject_name(x)) ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	                               0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_sign(x, k->pk, k->kind == EVP_PKEY_ED25519 ? NULL : EVP_sha256()) <= 0)
		goto out;
	if (!(bio = BIO_new(BIO_s_mem())) || PEM_write_bio_X509(bio, x) != 1)
		goto out;
	rc = bio_drain(bio, out);
	bio = NULL;
out:
	BIO_free(bio);
	BN_free(bn);
	X509_free(x);
	if (rc < 0)
		fail(why, whylen, "making the self-signed certificate failed (libcrypto)");
	return rc;
}

static const struct ccredi_crypto_vtable vtable = {
        .abi = CCREDI_CRYPTO_ABI,
        .key_parse = key_parse,
        .key_free = key_free,
        .key_alg = key_alg,
        .jws_sign = jws_sign,
        .jwk_public = jwk_public,
        .pem_public = pem_public,
        .key_generate = key_generate,
        .cert_self_signed = cert_self_signed,
};

EXPORT const struct ccredi_crypto_vtable *ccred_crypto_module(void);
EXPORT const struct ccredi_crypto_vtable *ccred_crypto_module(void)
{
	return &vtable;
}
