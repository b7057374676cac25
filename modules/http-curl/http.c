/* SPDX-License-Identifier: MIT */
/*
 * The HTTP transport module: the only code in ccred that calls libcurl.
 * Loaded with dlopen on a cache miss.  TLS is always verified, redirects
 * are never followed, bodies are capped, and every buffer that saw the
 * request (the secret) or the answer (the token) is wiped.
 */
#include "config.h"

#include <curl/curl.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"

#define EXPORT __attribute__((visibility("default")))

static void wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

/*
 * libcurl copies what it sends (the form with the client secret goes into
 * its request buffer; a Basic password is copied, joined and base64-encoded)
 * and frees those copies unwiped.  Its allocator hooks let every block it
 * frees be wiped first, so no copy of the secret outlives the request in
 * freed heap.  They take effect only when this module is the first to
 * initialise libcurl in the process (a host program that did so itself
 * keeps its own allocator).
 */
static void wipe_free(void *p)
{
	if (p) {
		wipe(p, malloc_usable_size(p));
		free(p);
	}
}

static void *wipe_realloc(void *p, size_t n)
{
	size_t old;
	void *np;

	if (!p)
		return malloc(n);
	if (!n) {
		wipe_free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	if (!(np = malloc(n)))
		return NULL;
	memcpy(np, p, old < n ? old : n);
	wipe_free(p);
	return np;
}

static void *plain_malloc(size_t n)
{
	return malloc(n);
}

static char *plain_strdup(const char *s)
{
	return strdup(s);
}

static void *plain_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}

/*
 * Bytes of the request may also linger in the stack frames libcurl used
 * below us (a Basic header among them, base64 being no protection): once
 * the transfer is over, that much stack is overwritten.  (Lazy symbol
 * binding spilled vector registers holding request bytes onto the stack;
 * everything is linked with -z now, which stops that.)
 */
#define SCRUB_STACK (16 * 1024)
static __attribute__((noinline)) void scrub_stack(void)
{
	unsigned char buf[SCRUB_STACK];

	wipe(buf, sizeof(buf));
	__asm__ __volatile__("" : : "r"(buf) : "memory");
}

struct sink {
	char *p;
	size_t len, cap;
	size_t header_bytes; /* all header lines of all responses so far */
	bool too_big, headers_too_big;
	struct ccredi_http_response *resp;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct sink *s = userp;
	size_t n = size * nmemb;

	if (s->len + n > CCREDI_HTTP_BODY_MAX) {
		s->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		char *np;
		while (cap < s->len + n + 1)
			cap *= 2;
		if (!(np = malloc(cap)))
			return 0;
		if (s->p) {
			memcpy(np, s->p, s->len);
			wipe(s->p, s->cap);
			free(s->p);
		}
		s->p = np;
		s->cap = cap;
	}
	memcpy(s->p + s->len, data, n);
	s->len += n;
	s->p[s->len] = '\0';
	return n;
}

/* Retry-After: delay-seconds or an HTTP-date. */
static long parse_retry_after(const char *v)
{
	char *end;
	long n;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v >= '0' && *v <= '9') {
		n = strtol(v, &end, 10);
		return n >= 0 && n < 86400 ? n : -1;
	}
	{
		time_t t = curl_getdate(v, NULL), now = time(NULL);
		if (t == (time_t)-1)
			return -1;
		return t > now ? (long)(t - now) : 0;
	}
}

static size_t on_header(char *data, size_t size, size_t nitems, void *userp)
{
	struct sink *s = userp;
	size_t n = size * nitems, vlen;
	char line[512];

	/* libcurl bounds one header line; we bound them all together. */
	s->header_bytes += n;
	if (s->header_bytes > CCREDI_HTTP_HEADERS_MAX) {
		s->headers_too_big = true;
		return 0; /* aborts the transfer */
	}
	if (n >= sizeof(line))
		return n; /* no header we read is this long */
	memcpy(line, data, n);
	line[n] = '\0';
	vlen = strcspn(line, "\r\n");
	line[vlen] = '\0';
	if (strncasecmp(line, "HTTP/", 5) == 0) {
		/* a new response (e.g. after 100 Continue): forget the last one's */
		s->resp->retry_after = -1;
		free(s->resp->location);
		s->resp->location = NULL;
	} else if (strncasecmp(line, "retry-after:", 12) == 0) {
		s->resp->retry_after = parse_retry_after(line + 12);
	} else if (strncasecmp(line, "location:", 9) == 0) {
		const char *v = line + 9;
		while (*v == ' ' || *v == '\t')
			v++;
		free(s->resp->location);
		s->resp->location = strdup(v);
	}
	return n;
}

/* Case-insensitive strstr for the short ASCII words below. */
static const char *find_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncasecmp(s, w, n) == 0)
			return s;
	return NULL;
}

/*
 * Makes one line of libcurl's own text fit for a trace: control characters
 * (a server's certificate names reach these lines) become '?'; the rest of
 * a line that names a credential header is cut, whatever the HTTP version
 * wrote it (HTTP/2 logs its request headers as text, "h2h3 [authorization:
 * Basic ...]"); and the user:password of a URL (a proxy's, from the
 * environment) is dropped.
 */
static void redact_line(char *line, size_t cap)
{
	static const char *const words[] = {"authorization", "cookie"};
	const char *at;
	char *p, *u;

	for (p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if ((at = find_word(line, words[i]))) {
			p = line + (at - line) + strlen(words[i]);
			snprintf(p, cap - (size_t)(p - line), " [redacted]");
		}
	for (p = line; (p = strstr(p, "://")); p = u) {
		u = p + 3;
		at = u + strcspn(u, "@/ '\"");
		if (*at == '@') {
			char rest[256];
			snprintf(rest, sizeof(rest), "%s", at);
			snprintf(u, cap - (size_t)(u - line), "[redacted]%s", rest);
			wipe(rest, sizeof(rest));
			u += strlen("[redacted]");
			if ((size_t)(u - line) >= cap - 1)
				break;
		}
	}
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
	const struct ccredi_http_request *req = userp;
	char line[256];

	(void)h;
	/* Only curl's own info lines: headers and bodies carry the secret
	 * (Authorization, the form) and the token.  Even those lines are
	 * redacted: some carry request headers. */
	if (type != CURLINFO_TEXT || !req->trace)
		return 0;
	while (size > 0) {
		const char *nl = memchr(data, '\n', size);
		size_t len = nl ? (size_t)(nl - data) : size, n;

		n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
		memcpy(line, data, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		redact_line(line, sizeof(line));
		if (*line)
			req->trace(req->host, line);
		wipe(line, sizeof(line));
		len += nl != NULL;
		data += len;
		size -= len;
	}
	return 0;
}

static int classify(CURLcode c)
{
	switch (c) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return CCREDI_HTTP_TLS;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM: return CCREDI_HTTP_TRANSIENT;
	default: return CCREDI_HTTP_FATAL;
	}
}

static int perform(const struct ccredi_http_request *req, struct ccredi_http_response *resp)
{
	static bool inited;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct sink sink = {.resp = resp};
	struct curl_slist *hdrs = NULL;
	CURL *h = NULL;
	CURLcode c;
	int rc = CCREDI_HTTP_FATAL;

	resp->status = 0;
	resp->retry_after = -1;
	resp->error[0] = '\0';
	if (!inited) {
		if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, plain_malloc, wipe_free, wipe_realloc,
		                         plain_strdup, plain_calloc) != CURLE_OK) {
			snprintf(resp->error, sizeof(resp->error), "libcurl cannot initialise");
			return CCREDI_HTTP_FATAL;
		}
		inited = true;
	}
	if (!(h = curl_easy_init())) {
		snprintf(resp->error, sizeof(resp->error), "libcurl cannot initialise");
		return CCREDI_HTTP_FATAL;
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 1L);
	/* A server that trickles bytes (under 10 B/s) is cut off after a third
	 * of the time left, 5 s at least, so a retry still fits; a slow but
	 * honest server still gets most of the timeout. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 10L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
	                 req->timeout_ms / 3000 > 5 ? req->timeout_ms / 3000 : 5L);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)CCREDI_HTTP_BODY_MAX);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "ccred/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
	/* Plain http never goes through a proxy: the form (the client secret)
	 * would reach it in clear, and a loopback host would be resolved on
	 * the proxy's machine.  An empty CURLOPT_PROXY turns off the profile's
	 * proxy and the environment's alike.  Otherwise the environment's
	 * proxies (https_proxy, no_proxy) apply unless the profile names one. */
	if (strncasecmp(req->url, "http://", 7) == 0)
		curl_easy_setopt(h, CURLOPT_PROXY, "");
	else if (req->proxy)
		curl_easy_setopt(h, CURLOPT_PROXY, req->proxy);
	if (req->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
	if (req->ca_path)
		curl_easy_setopt(h, CURLOPT_CAPATH, req->ca_path);
	if (req->body) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	/* Mutual TLS: the key from memory, never written anywhere (libcurl
	 * hands the caller's buffer, uncopied, to a read-only memory BIO);
	 * the certificate from its file. */
	if (req->tls_key) {
		struct curl_blob key = {.data = (void *)req->tls_key,
		                        .len = req->tls_key_len,
		                        .flags = CURL_BLOB_NOCOPY};
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLCERT, req->tls_cert);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (req->basic_user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, req->basic_user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, req->basic_pass);
	}
	if (req->verbose && req->trace) {
		curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(h, CURLOPT_DEBUGDATA, (void *)req);
		curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	}

	c = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (sink.headers_too_big) {
		rc = CCREDI_HTTP_TOOBIG;
		snprintf(resp->error, sizeof(resp->error), "response headers larger than %d KiB",
		         CCREDI_HTTP_HEADERS_MAX / 1024);
	} else if (sink.too_big || c == CURLE_FILESIZE_EXCEEDED) {
		rc = CCREDI_HTTP_TOOBIG;
		snprintf(resp->error, sizeof(resp->error), "response body larger than 1 MiB");
	} else if (c != CURLE_OK) {
		/* Our own certificate or key refused by the TLS library (a
		 * certificate that is not the key's): the configuration's fault,
		 * not the server's. */
		rc = req->tls_key && c == CURLE_SSL_CERTPROBLEM ? CCREDI_HTTP_CLIENTCERT
		                                                : classify(c);
		snprintf(resp->error, sizeof(resp->error), "%s",
		         *errbuf ? errbuf : curl_easy_strerror(c));
	} else {
		rc = CCREDI_HTTP_OK;
		if (!sink.p && !(sink.p = calloc(1, 1))) {
			rc = CCREDI_HTTP_FATAL;
			snprintf(resp->error, sizeof(resp->error), "out of memory");
		}
	}
	if (rc == CCREDI_HTTP_OK) {
		/* Hand over a right-sized copy, wiping the working buffer. */
		resp->body = malloc(sink.len + 1);
		if (resp->body) {
			memcpy(resp->body, sink.p, sink.len + 1);
			resp->body_len = sink.len;
		} else {
			rc = CCREDI_HTTP_FATAL;
		}
	}
	if (sink.p) {
		wipe(sink.p, sink.cap);
		free(sink.p);
	}
	/* curl keeps copies of the POST fields, user and password options. */
	curl_easy_setopt(h, CURLOPT_PASSWORD, "");
	curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, NULL);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	scrub_stack();
	return rc;
}

static const struct ccredi_http_vtable vtable = {
        .abi = CCREDI_HTTP_ABI,
        .perform = perform,
};

EXPORT const struct ccredi_http_vtable *ccred_http_module(void);
EXPORT const struct ccredi_http_vtable *ccred_http_module(void)
{
	return &vtable;
}
