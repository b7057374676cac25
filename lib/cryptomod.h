/* SPDX-License-Identifier: MIT */
/*
 * The internal ABI between libccred and its crypto module
 * ($(pkglibdir)/crypto-openssl.so), the only code in libccred that calls
 * libcrypto.  It is loaded with dlopen only when a client assertion must be
 * signed, a key made or shown (SPEC "Client authentication"), so a cache hit
 * never maps libcrypto.
 *
 * Key material crosses this ABI only as PEM text in buffers the caller
 * wipes (struct ccredi_buf) and as an opaque parsed key the module frees
 * (and OpenSSL clears).  Every message the module writes names what is
 * wrong, never what the key text holds.
 *
 * Not installed: the module ships with the library and both carry the same
 * CCREDI_CRYPTO_ABI, checked at load.
 */
#ifndef CCRED_CRYPTOMOD_H
#define CCRED_CRYPTOMOD_H

#include <stddef.h>

#define CCREDI_CRYPTO_ABI 1

struct ccredi_buf;
struct ccredi_pkey; /* an EVP_PKEY inside the module */

/* Key types `key generate --type` makes. */
enum ccredi_key_type { CCREDI_KEY_EC, CCREDI_KEY_RSA2048, CCREDI_KEY_RSA3072, CCREDI_KEY_ED25519 };

struct ccredi_crypto_vtable {
	int abi;
	/* An unencrypted PEM private key (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA
	 * PRIVATE KEY", SEC1 "EC PRIVATE KEY") of a type a JWS can use: RSA of
	 * 2048 bits or more, EC P-256, Ed25519.  0, or -1 with why. */
	int (*key_parse)(const char *pem, size_t len, struct ccredi_pkey **key, char *why,
	                 size_t whylen);
	void (*key_free)(struct ccredi_pkey *key);
	/* The JWS alg a key signs with by default (RS256, ES256, EdDSA), or
	 * whether it can sign with alg (NULL when it cannot, why filled). */
	const char *(*key_alg)(const struct ccredi_pkey *key, const char *alg, char *why,
	                       size_t whylen);
	/* Appends the base64url JWS signature of input: with key (RS256, PS256,
	 * ES256 as raw r||s, EdDSA), or, key NULL, HMAC with secret (HS256,
	 * HS384, HS512).  0, or -1 with why. */
	int (*jws_sign)(const struct ccredi_pkey *key, const void *secret, size_t slen,
	                const char *alg, const char *input, size_t inlen, struct ccredi_buf *out,
	                char *why, size_t whylen);
	/* Appends the public JWK object ({"kty",..., "kid","alg","use":"sig"});
	 * kid NULL: the RFC 7638 thumbprint.  thumb (>= 44 bytes) gets the
	 * thumbprint. */
	int (*jwk_public)(const struct ccredi_pkey *key, const char *kid, const char *alg,
	                  struct ccredi_buf *out, char *thumb, size_t thumblen);
	/* Appends the SubjectPublicKeyInfo PEM. */
	int (*pem_public)(const struct ccredi_pkey *key, struct ccredi_buf *out);
	/* A fresh key as PKCS#8 PEM (the caller wipes out). */
	int (*key_generate)(enum ccredi_key_type type, struct ccredi_buf *out, char *why,
	                    size_t whylen);
	/* A self-signed certificate (CN = cn, valid days) as PEM. */
	int (*cert_self_signed)(const struct ccredi_pkey *key, const char *cn, int days,
	                        struct ccredi_buf *out, char *why, size_t whylen);
};

/* The module's only export. */
typedef const struct ccredi_crypto_vtable *(*ccredi_crypto_entry_fn)(void);
#define CCREDI_CRYPTO_ENTRY "ccred_crypto_module"

#endif
