/* SPDX-License-Identifier: MIT */
/*
 * The internal ABI between libccred and its HTTP transport module
 * ($(pkglibdir)/http-curl.so), which is the only code that calls libcurl.
 * It is loaded with dlopen only when a token must be fetched, so a cache hit
 * never maps libcurl and the ~30 libraries it drags in.
 *
 * Not installed: the module ships with the library and both carry the same
 * CCREDI_HTTP_ABI, checked at load.
 */
#ifndef CCRED_HTTP_H
#define CCRED_HTTP_H

#include <stddef.h>

#define CCREDI_HTTP_ABI         2
#define CCREDI_HTTP_BODY_MAX    (1024 * 1024)
#define CCREDI_HTTP_HEADERS_MAX (64 * 1024)

enum ccredi_http_result {
	CCREDI_HTTP_OK = 0,         /* an HTTP answer arrived (any status) */
	CCREDI_HTTP_TRANSIENT = 1,  /* connect/DNS/timeout/reset: worth a retry */
	CCREDI_HTTP_TLS = 2,        /* TLS verification failed: not retried */
	CCREDI_HTTP_TOOBIG = 3,     /* body or headers over their maximum */
	CCREDI_HTTP_FATAL = 4,      /* anything else (bad URL, out of memory) */
	CCREDI_HTTP_CLIENTCERT = 5, /* the client certificate or key cannot be used */
};

struct ccredi_http_request {
	const char *url;
	const char *body; /* form body for POST; NULL means GET */
	size_t body_len;
	const char *basic_user; /* client_secret_basic: already form-urlencoded */
	const char *basic_pass; /* (secret: wiped by the caller) */
	/* Mutual TLS (RFC 8705): the client's PEM private key, handed to the
	 * TLS library from memory, never from a file (secret: the caller
	 * keeps it alive for the call and wipes it), and the certificate
	 * file that goes with it.  NULL: no client certificate. */
	const char *tls_key;
	size_t tls_key_len;
	const char *tls_cert;
	const char *ca_file;
	const char *ca_path;
	const char *proxy;
	long timeout_ms; /* whole transfer, connect included */
	int verbose;
	void (*trace)(void *host, const char *line); /* redacted lines only */
	void *host;
};

struct ccredi_http_response {
	long status;
	char *body; /* malloc'd, NUL-terminated; wipe + free */
	size_t body_len;
	long retry_after; /* seconds from Retry-After, -1 when absent */
	char *location;   /* malloc'd Location header of a 3xx, or NULL */
	char error[256];  /* cause when result != OK */
};

struct ccredi_http_vtable {
	int abi;
	int (*perform)(const struct ccredi_http_request *req, struct ccredi_http_response *resp);
};

/* The module's only export. */
typedef const struct ccredi_http_vtable *(*ccredi_http_entry_fn)(void);
#define CCREDI_HTTP_ENTRY "ccred_http_module"

#endif
