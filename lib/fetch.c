/* SPDX-License-Identifier: MIT */
/*
 * Asking the token endpoint: the client_credentials form, client
 * authentication, retries with backoff, and the mapping of every answer to
 * one of ccred's errors.  The HTTP itself is done by the transport module,
 * loaded here on the first fetch and never on a cache hit.
 */
#include "ccred-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define MAX_ATTEMPTS    4
#define BACKOFF_BASE_MS 250

ccred_error ccredi_http_load(struct ccred_ctx *ctx)
{
	struct ccredi_module m = {.name = "HTTP",
	                          .file = "http-curl.so",
	                          .symbol = CCREDI_HTTP_ENTRY,
	                          .abi = CCREDI_HTTP_ABI};
	ccred_error rc;

	if (ctx->http)
		return CCRED_OK;
	if ((rc = ccredi_module_require(ctx, &m)) == CCRED_OK)
		ctx->http = m.vt;
	return rc;
}

void ccredi_tokresp_clear(struct ccredi_tokresp *r)
{
	ccredi_free_secret_str(r->access_token);
	free(r->token_type);
	free(r->scope);
	free(r->error);
	free(r->error_description);
	free(r->error_uri);
	memset(r, 0, sizeof(*r));
	r->expires_in = -1;
}

static void http_trace(void *host, const char *line)
{
	ccredi_trace(host, 2, "http: %s", line);
}

static void resp_clear(struct ccredi_http_response *r)
{
	if (r->body)
		ccredi_freezero(r->body, r->body_len);
	free(r->location);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}

/* One exchange with retries on transient failures, 5xx and 429, within
 * deadline (monotonic ms): at most MAX_ATTEMPTS requests, with exponential
 * backoff and full jitter between them, or the server's Retry-After when it
 * names one.  A retry that could not finish before the deadline is not
 * started.  On CCRED_OK resp holds a final answer (any other status). */
static ccred_error exchange_attempts(struct ccred_ctx *ctx, struct ccredi_http_request *req,
                                     struct ccredi_http_response *resp, long deadline);

/* The configured endpoint, for the progress hook: a URL a server named
 * (a discovered token endpoint, a redirect) is never shown. */
static const char *configured_endpoint(const struct ccred_ctx *ctx)
{
	return ctx->prof.token_url ? ctx->prof.token_url : ctx->prof.issuer;
}

static ccred_error exchange(struct ccred_ctx *ctx, struct ccredi_http_request *req,
                            struct ccredi_http_response *resp, long deadline)
{
	ccred_error rc = exchange_attempts(ctx, req, resp, deadline);

	if (ctx->progress)
		ctx->progress(ctx->progress_data, configured_endpoint(ctx), 0, MAX_ATTEMPTS, 0);
	return rc;
}

static ccred_error exchange_attempts(struct ccred_ctx *ctx, struct ccredi_http_request *req,
                                     struct ccredi_http_response *resp, long deadline)
{
	/* libcurl's error text can quote a server (a proxy's status line). */
	char last[320] = "", shown[CCREDI_SHOWN_MAX + 1];
	int tries = 0;

	for (int attempt = 1;; attempt++) {
		long left = deadline - ccredi_now_ms(), wait_ms;
		unsigned int rnd = 0;
		int r;

		if (left <= 0)
			break;
		req->timeout_ms = left;
		resp_clear(resp);
		ccredi_trace(ctx, 1, "%s %s (attempt %d, %ld ms left)", req->body ? "POST" : "GET",
		             req->url, attempt, left);
		if (ctx->progress)
			ctx->progress(ctx->progress_data, configured_endpoint(ctx), attempt,
			              MAX_ATTEMPTS, left);
		r = ctx->http->perform(req, resp);
		tries++;
		if (r == CCREDI_HTTP_TLS)
			return ccredi_err(ctx, CCRED_E_TEMPFAIL,
			                  "TLS verification failed for %s: %s", req->url,
			                  ccredi_shown(shown, sizeof(shown), resp->error));
		if (r == CCREDI_HTTP_CLIENTCERT)
			return ccredi_err(ctx, CCRED_E_CONFIG,
			                  "profile %s: tls_cert %s and the key in the secret store "
			                  "cannot be used together: %s",
			                  ctx->prof.name, req->tls_cert,
			                  ccredi_shown(shown, sizeof(shown), resp->error));
		if (r == CCREDI_HTTP_TOOBIG)
			return ccredi_err(ctx, CCRED_E_PROTOCOL, "%s: %s; refusing it", req->url,
			                  ccredi_shown(shown, sizeof(shown), resp->error));
		if (r == CCREDI_HTTP_FATAL)
			return ccredi_err(ctx, CCRED_E_TEMPFAIL, "%s: %s", req->url,
			                  ccredi_shown(shown, sizeof(shown), resp->error));
		if (r == CCREDI_HTTP_OK && resp->status != 429 &&
		    !(resp->status >= 500 && resp->status <= 599))
			return CCRED_OK;
		if (r == CCREDI_HTTP_OK)
			snprintf(last, sizeof(last), "HTTP %ld from %s", resp->status, req->url);
		else
			snprintf(last, sizeof(last), "%s: %s", req->url,
			         ccredi_shown(shown, sizeof(shown), resp->error));
		ccredi_trace(ctx, 1, "attempt %d failed: %s", attempt, last);
		if (attempt >= MAX_ATTEMPTS)
			break;
		/* Exponential backoff with full jitter; Retry-After overrides. */
		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
			rnd = (unsigned int)ccredi_now_ms();
		wait_ms = (long)(rnd % (unsigned)(BACKOFF_BASE_MS << (attempt - 1)));
		if (resp->retry_after >= 0)
			wait_ms = resp->retry_after * 1000;
		left = deadline - ccredi_now_ms();
		if (wait_ms >= left) {
			snprintf(last + strlen(last), sizeof(last) - strlen(last),
			         "; the next try (in %ld ms) would not fit in the timeout",
			         wait_ms);
			break;
		}
		ccredi_trace(ctx, 1, "retrying in %ld ms%s", wait_ms,
		             resp->retry_after >= 0 ? " (Retry-After)" : "");
		usleep((useconds_t)wait_ms * 1000);
	}
	resp_clear(resp);
	if (!*last)
		return ccredi_err(ctx, CCRED_E_TEMPFAIL,
		                  "%s: the timeout (%ld s) passed before it answered", req->url,
		                  ctx->prof.timeout);
	return ccredi_err(ctx, CCRED_E_TEMPFAIL, "%s (gave up after %d attempt%s)", last, tries,
	                  tries == 1 ? "" : "s");
}

static void base_request(struct ccred_ctx *ctx, struct ccredi_http_request *req)
{
	memset(req, 0, sizeof(*req));
	req->ca_file = ctx->prof.ca_file;
	req->ca_path = ctx->prof.ca_path;
	req->proxy = ctx->prof.proxy;
	req->verbose = ctx->verbose >= 2;
	req->trace = http_trace;
	req->host = ctx;
}

/*
 * Discovery results are cached beside the tokens, as entries of their own
 * (key "disc-v1 ISSUER", the token_endpoint in the token field), for
 * DISCOVERY_TTL seconds: a cold token fetch then costs one request, not
 * three, and `ccred logout` of a profile (which drops its token) keeps
 * them; `logout --all` empties the cache, these included.  An entry whose
 * endpoint then fails is dropped, so the next call discovers anew.
 */
#define DISCOVERY_TTL 3600

struct disco_cache {
	struct ccredi_buf key;
	char stem[33];
	bool used; /* the endpoint came from the cache */
};

static int disco_cache_key(const char *iss, size_t ilen, struct disco_cache *dc)
{
	if (ccredi_buf_adds(&dc->key, "disc-v1\x1f") < 0 ||
	    ccredi_buf_add(&dc->key, iss, ilen) < 0 || ccredi_buf_adds(&dc->key, "\x1f") < 0)
		return -1;
	ccredi_cache_stem(dc->key.p, dc->key.len, dc->stem);
	return 0;
}

static char *disco_cache_get(struct ccred_ctx *ctx, struct disco_cache *dc)
{
	struct ccredi_cache_entry e = {0};
	char why[256], *te = NULL;
	int dirfd;

	if (!ctx->prof.cache || (dirfd = ccredi_cache_dir_open(ctx, 0, why, sizeof(why))) < 0)
		return NULL;
	if (ccredi_cache_read(dirfd, dc->stem, dc->key.p, &e, why, sizeof(why)) != 0) {
		ccredi_trace(ctx, 1, "discovery cache: miss (%s)", why);
	} else if (strcmp(e.token_type, "token_endpoint") != 0 || e.expires <= time(NULL) ||
	           e.obtained > time(NULL) + 60) {
		ccredi_trace(ctx, 1, "discovery cache: entry expired");
	} else if ((te = strdup(e.token))) {
		ccredi_trace(ctx, 1, "discovery cache: token endpoint %s, %lld s left", te,
		             (long long)(e.expires - time(NULL)));
		dc->used = true;
	}
	ccredi_cache_entry_clear(&e);
	close(dirfd);
	return te;
}

static void disco_cache_put(struct ccred_ctx *ctx, struct disco_cache *dc, const char *te)
{
	struct ccredi_cache_entry e = {
	        .token = (char *)te,
	        .token_type = (char *)"token_endpoint",
	        .obtained = time(NULL),
	};
	char why[256];
	int dirfd;

	if (!ctx->prof.cache ||
	    (dirfd = ccredi_cache_dir_open(ctx, CCREDI_CACHE_CREATE, why, sizeof(why))) < 0)
		return;
	e.expires = e.obtained + DISCOVERY_TTL;
	if (ccredi_cache_write(dirfd, dc->stem, dc->key.p, &e, why, sizeof(why)) < 0)
		ccredi_trace(ctx, 1, "discovery cache: %s", why);
	close(dirfd);
}

static void disco_cache_drop(struct ccred_ctx *ctx, struct disco_cache *dc)
{
	char why[256];
	int dirfd;

	if (!dc->used || (dirfd = ccredi_cache_dir_open(ctx, 0, why, sizeof(why))) < 0)
		return;
	ccredi_trace(ctx, 1, "discovery cache: dropping the entry of %s", ctx->prof.issuer);
	ccredi_cache_remove(dirfd, dc->stem);
	close(dirfd);
}

/* The two well-known URLs of an issuer: OIDC Discovery appends its path to
 * the issuer; RFC 8414 (section 3.1) inserts its own between the host and
 * the issuer's path. */
static int well_known_url(const char *iss, size_t ilen, int which, char *url, size_t urllen)
{
	const char *sep = strstr(iss, "://");
	size_t host_end = ilen;
	int n;

	if (which == 0) {
		n = snprintf(url, urllen, "%.*s/.well-known/openid-configuration", (int)ilen, iss);
	} else {
		if (sep && (size_t)(sep - iss) + 3 <= ilen) {
			const char *slash = memchr(sep + 3, '/', ilen - (size_t)(sep + 3 - iss));
			if (slash)
				host_end = (size_t)(slash - iss);
		}
		n = snprintf(url, urllen, "%.*s/.well-known/oauth-authorization-server%.*s",
		             (int)host_end, iss, (int)(ilen - host_end), iss + host_end);
	}
	return n < 0 || (size_t)n >= urllen ? -1 : 0;
}

static bool url_chars_ok(const char *u)
{
	for (; *u; u++)
		if ((unsigned char)*u <= 0x20 || (unsigned char)*u >= 0x7f)
			return false;
	return true;
}

/* The issuer's discovery document: OIDC discovery, then RFC 8414 when the
 * first answers 404; its issuer must be the profile's.  *field (malloc'd)
 * gets token_endpoint, or another endpoint's URL (NULL when the document
 * names none), checked as a token endpoint is. */
static ccred_error discovery_fetch(struct ccred_ctx *ctx, long deadline, const char *iss,
                                   size_t ilen, const char *name, char **field)
{
	ccred_error rc = CCRED_E_PROTOCOL;

	*field = NULL;
	for (int i = 0; i < 2; i++) {
		struct ccredi_http_request req;
		struct ccredi_http_response resp = {.retry_after = -1};
		char url[4096], why[256], *got_iss = NULL, *te = NULL, *other = NULL;
		size_t glen;

		if (well_known_url(iss, ilen, i, url, sizeof(url)) < 0)
			return ccredi_err(ctx, CCRED_E_CONFIG, "issuer %s is too long", iss);
		base_request(ctx, &req);
		req.url = url;
		if ((rc = exchange(ctx, &req, &resp, deadline)) != CCRED_OK)
			return rc;
		if (resp.status == 404 && i == 0) {
			ccredi_trace(ctx, 1, "%s: HTTP 404; trying RFC 8414", url);
			resp_clear(&resp);
			continue;
		}
		if (resp.status != 200) {
			rc = ccredi_err(ctx, CCRED_E_PROTOCOL, "discovery: HTTP %ld from %s%s",
			                resp.status, url,
			                i == 1 && resp.status == 404
			                        ? " (and from its OpenID configuration)"
			                        : "");
			resp_clear(&resp);
			return rc;
		}
		rc = ccredi_discovery_parse(resp.body, resp.body_len, &got_iss, &te, why,
		                            sizeof(why));
		if (rc == CCRED_OK && strcmp(name, "token_endpoint") != 0)
			rc = ccredi_discovery_string(resp.body, resp.body_len, name, &other, why,
			                             sizeof(why));
		resp_clear(&resp);
		if (rc != CCRED_OK) {
			free(got_iss);
			free(te);
			return ccredi_err(ctx, rc, "discovery at %s: %s", url, why);
		}
		if (strcmp(name, "token_endpoint") != 0) {
			free(te);
			te = other;
		}
		glen = strlen(got_iss);
		while (glen > 0 && got_iss[glen - 1] == '/')
			glen--;
		if (glen != ilen || strncmp(got_iss, iss, ilen) != 0) {
			char shown[CCREDI_SHOWN_MAX + 1];
			rc = ccredi_err(ctx, CCRED_E_PROTOCOL,
			                "discovery at %s names issuer %s, not %.*s; refusing it",
			                url, ccredi_shown(shown, sizeof(shown), got_iss), (int)ilen,
			                iss);
		} else if (!te) {
			rc = CCRED_OK; /* the document names no such endpoint */
		} else if (!url_chars_ok(te)) {
			rc = ccredi_err(ctx, CCRED_E_PROTOCOL, "discovery at %s: %s is not a URL",
			                url, name);
		} else if (!ccredi_url_secure_enough(te, why, sizeof(why))) {
			rc = ccredi_err(ctx, CCRED_E_PROTOCOL, "discovered %s: %s", name, why);
		} else {
			ccredi_trace(ctx, 1, "discovered %s %s",
			             strcmp(name, "token_endpoint") == 0 ? "token endpoint" : name,
			             te);
			*field = te;
			te = NULL;
			rc = CCRED_OK;
		}
		free(got_iss);
		free(te);
		return rc;
	}
	return rc;
}

/* issuer → token_endpoint: the discovery cache, else the document. */
static ccred_error discover(struct ccred_ctx *ctx, long deadline, struct disco_cache *dc,
                            char **token_url)
{
	const char *iss = ctx->prof.issuer;
	size_t ilen = strlen(iss);
	ccred_error rc;

	while (ilen > 0 && iss[ilen - 1] == '/')
		ilen--;
	if (disco_cache_key(iss, ilen, dc) < 0)
		return ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
	if ((*token_url = disco_cache_get(ctx, dc)))
		return CCRED_OK;
	if ((rc = discovery_fetch(ctx, deadline, iss, ilen, "token_endpoint", token_url)) ==
	    CCRED_OK)
		disco_cache_put(ctx, dc, *token_url);
	return rc;
}

/* An OAuth2 error response, its texts escaped and cut: they come from the
 * server and go to a person's terminal. */
static ccred_error rejected(struct ccred_ctx *ctx, const struct ccredi_tokresp *tr)
{
	char err[CCREDI_SHOWN_MAX + 1], desc[CCREDI_SHOWN_MAX + 1], uri[CCREDI_SHOWN_MAX + 1];

	return ccredi_err(
	        ctx, CCRED_E_REJECTED, "the provider rejected the request: %s%s%s%s%s%s",
	        ccredi_shown(err, sizeof(err), tr->error), tr->error_description ? ": " : "",
	        tr->error_description ? ccredi_shown(desc, sizeof(desc), tr->error_description)
	                              : "",
	        tr->error_uri ? " (see " : "",
	        tr->error_uri ? ccredi_shown(uri, sizeof(uri), tr->error_uri) : "",
	        tr->error_uri ? ")" : "");
}

/* A token response ccred can hand out unchanged to every caller (shown.c). */
static ccred_error vet(struct ccred_ctx *ctx, const char *url, struct ccredi_tokresp *tr)
{
	char why[CCREDI_SHOWN_MAX + 128];

	if (ccredi_tokresp_vet(tr, why, sizeof(why)) != CCRED_OK)
		return ccredi_err(ctx, CCRED_E_PROTOCOL,
		                  "%s answered with an invalid token response: %s", url, why);
	return CCRED_OK;
}

static ccred_error answer_error(struct ccred_ctx *ctx, const char *url,
                                const struct ccredi_http_response *resp)
{
	struct ccredi_tokresp tr;
	char why[256];
	ccred_error rc;

	char where[CCREDI_SHOWN_MAX + 1];

	if (resp->status >= 300 && resp->status < 400)
		return ccredi_err(
		        ctx, CCRED_E_PROTOCOL,
		        "%s redirected (HTTP %ld%s%s); redirects are not followed, they "
		        "would carry the secret elsewhere",
		        url, resp->status, resp->location ? " to " : "",
		        resp->location ? ccredi_shown(where, sizeof(where), resp->location) : "");
	rc = ccredi_tokresp_parse(resp->body ? resp->body : "", resp->body_len, &tr, why,
	                          sizeof(why));
	if (rc == CCRED_E_REJECTED) {
		rc = rejected(ctx, &tr);
	} else {
		rc = ccredi_err(ctx, CCRED_E_PROTOCOL,
		                "HTTP %ld from %s without an OAuth2 error response", resp->status,
		                url);
	}
	ccredi_tokresp_clear(&tr);
	return rc;
}

ccred_error ccredi_fetch(struct ccred_ctx *ctx, const char *secret, struct ccredi_tokresp *out,
                         time_t *started)
{
	const struct ccredi_profile *p = &ctx->prof;
	struct ccredi_http_request req;
	struct ccredi_http_response resp = {.retry_after = -1};
	struct ccredi_buf body = {0};
	struct ccredi_auth_request auth = {.ctx = ctx, .prof = p, .secret = secret, .form = &body};
	long deadline = ccredi_now_ms() + p->timeout * 1000;
	struct disco_cache dc = {0};
	char *discovered = NULL, why[256];
	const char *url = p->token_url;
	ccred_error rc;

	memset(out, 0, sizeof(*out));
	out->expires_in = -1;
	/* Both modules before the secret goes anywhere: fail closed. */
	if ((rc = ccredi_http_load(ctx)) != CCRED_OK || (rc = ccredi_json_load(ctx)) != CCRED_OK)
		return rc;
	if (!url) {
		if ((rc = discover(ctx, deadline, &dc, &discovered)) != CCRED_OK)
			goto out;
		url = discovered;
	}
	rc = CCRED_E_NOMEM;
	if (ccredi_buf_add_param(&body, "grant_type", "client_credentials") < 0)
		goto nomem;
	base_request(ctx, &req);
	auth.secret_len = strlen(secret);
	auth.endpoint = url;
	auth.http = &req;
	if ((rc = ccredi_auth_apply(&auth)) != CCRED_OK) {
		if (rc == CCRED_E_NOMEM)
			goto nomem;
		goto out;
	}
	if (ccredi_buf_add_param(&body, "scope", p->scope) < 0 ||
	    ccredi_buf_add_param(&body, "audience", p->audience) < 0 ||
	    ccredi_buf_add_param(&body, "resource", p->resource) < 0)
		goto nomem;
	req.url = url;
	req.body = body.p;
	req.body_len = body.len;
	ccredi_trace(ctx, 1, "token request: client_id=%s auth=%s scope=%s %s=<redacted>",
	             p->client_id, p->auth_method, p->scope ? p->scope : "(none)",
	             ccredi_auth_signs(p->auth_method) ? "client_assertion"
	             : ccredi_auth_tls(p->auth_method) ? "tls_key"
	                                               : "client_secret");
	*started = time(NULL);
	if ((rc = exchange(ctx, &req, &resp, deadline)) != CCRED_OK)
		goto out;
	ccredi_trace(ctx, 1, "HTTP %ld, %zu bytes", resp.status, resp.body_len);
	if (resp.status != 200 && resp.status != 201) {
		rc = answer_error(ctx, url, &resp);
		goto out;
	}
	rc = ccredi_tokresp_parse(resp.body, resp.body_len, out, why, sizeof(why));
	if (rc == CCRED_E_REJECTED)
		rc = rejected(ctx, out);
	else if (rc != CCRED_OK)
		rc = ccredi_err(ctx, rc, "%s answered with an invalid token response: %s", url,
		                why);
	else
		rc = vet(ctx, url, out);
	goto out;
nomem:
	rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
out:
	/* A cached endpoint that failed may have moved: discover it next time. */
	if (rc != CCRED_OK && rc != CCRED_E_REJECTED && dc.used)
		disco_cache_drop(ctx, &dc);
	ccredi_buf_clear(&dc.key);
	resp_clear(&resp);
	ccredi_buf_clear(&body);
	ccredi_auth_request_clear(&auth);
	free(discovered);
	if (rc != CCRED_OK)
		ccredi_tokresp_clear(out);
	return rc;
}

ccred_error ccredi_fetch_stored(struct ccred_ctx *ctx, struct ccredi_tokresp *out, time_t *started)
{
	char *secret = NULL;
	size_t slen = 0;
	ccred_error rc;

	if ((rc = ccredi_secret_read(ctx, &secret, &slen)) != CCRED_OK)
		return rc;
	rc = ccredi_fetch(ctx, secret, out, started);
	ccredi_freezero(secret, slen);
	return rc;
}

/*
 * RFC 7009: revoke the profile's cached access token at revocation_url,
 * with the profile's client authentication (an assertion's aud is then the
 * revocation endpoint).  The cache itself is the caller's to drop.
 */
static ccred_error revoke_token(struct ccred_ctx *ctx, const char *url, const char *token)
{
	const struct ccredi_profile *p = &ctx->prof;
	struct ccredi_http_request req;
	struct ccredi_http_response resp = {.retry_after = -1};
	struct ccredi_buf body = {0};
	struct ccredi_auth_request auth = {.ctx = ctx, .prof = p, .form = &body};
	long deadline = ccredi_now_ms() + p->timeout * 1000;
	char *secret = NULL;
	size_t slen = 0;
	ccred_error rc;

	if ((rc = ccredi_http_load(ctx)) != CCRED_OK || (rc = ccredi_json_load(ctx)) != CCRED_OK)
		return rc;
	if ((rc = ccredi_secret_read(ctx, &secret, &slen)) != CCRED_OK)
		return rc;
	base_request(ctx, &req);
	auth.secret = secret;
	auth.secret_len = slen;
	auth.endpoint = url;
	auth.http = &req;
	rc = CCRED_E_NOMEM;
	if (ccredi_buf_add_param(&body, "token", token) < 0 ||
	    ccredi_buf_add_param(&body, "token_type_hint", "access_token") < 0)
		goto nomem;
	if ((rc = ccredi_auth_apply(&auth)) != CCRED_OK) {
		if (rc == CCRED_E_NOMEM)
			goto nomem;
		goto out;
	}
	/* The secret is in the request now (or signed into it): wipe ours. */
	ccredi_freezero(secret, slen);
	secret = NULL;
	req.url = url;
	req.body = body.p;
	req.body_len = body.len;
	ccredi_trace(ctx, 1, "revocation request: client_id=%s auth=%s token=<redacted>",
	             p->client_id, p->auth_method);
	if ((rc = exchange(ctx, &req, &resp, deadline)) != CCRED_OK)
		goto out;
	ccredi_trace(ctx, 1, "HTTP %ld, %zu bytes", resp.status, resp.body_len);
	/* RFC 7009 2.2: 200 whether or not the token was still valid. */
	rc = resp.status == 200 ? CCRED_OK : answer_error(ctx, url, &resp);
	goto out;
nomem:
	rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
out:
	if (secret)
		ccredi_freezero(secret, slen);
	resp_clear(&resp);
	ccredi_buf_clear(&body);
	ccredi_auth_request_clear(&auth);
	return rc;
}

CCRED_API ccred_error ccred_token_revoke(struct ccred_ctx *ctx)
{
	struct ccredi_cache_entry e = {0};
	struct ccredi_buf key = {0};
	char stem[33], why[256];
	ccred_error rc;
	int dirfd;

	if ((rc = ccredi_need_profile(ctx)) != CCRED_OK)
		return rc;
	if (ccredi_cache_key(&ctx->prof, &key, stem) < 0)
		return ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
	/* Only looks: a missing or refused directory holds nothing to revoke. */
	if ((dirfd = ccredi_cache_dir_open(ctx, 0, why, sizeof(why))) < 0 ||
	    ccredi_cache_read(dirfd, stem, key.p, &e, why, sizeof(why)) != 0) {
		ccredi_trace(ctx, 1, "revocation: no cached token (%s): nothing to revoke", why);
		rc = CCRED_OK;
	} else {
		const char *url = ctx->prof.revocation_url;
		char *discovered = NULL;

		rc = CCRED_OK;
		/* revocation_url, else the issuer's revocation_endpoint (RFC 8414) */
		if (!url && ctx->prof.issuer && (rc = ccredi_http_load(ctx)) == CCRED_OK &&
		    (rc = ccredi_json_load(ctx)) == CCRED_OK) {
			size_t ilen = strlen(ctx->prof.issuer);
			while (ilen > 0 && ctx->prof.issuer[ilen - 1] == '/')
				ilen--;
			rc = discovery_fetch(ctx, ccredi_now_ms() + ctx->prof.timeout * 1000,
			                     ctx->prof.issuer, ilen, "revocation_endpoint",
			                     &discovered);
			url = discovered;
		}
		if (rc == CCRED_OK && !url)
			rc = ccredi_err(
			        ctx, CCRED_E_CONFIG,
			        "profile '%s' has no revocation_url%s: the cached token was "
			        "dropped without being revoked",
			        ctx->prof.name,
			        ctx->prof.issuer ? " and its issuer names no revocation_endpoint"
			                         : "");
		else if (rc == CCRED_OK)
			rc = revoke_token(ctx, url, e.token);
		if (rc == CCRED_OK)
			ccredi_trace(ctx, 1, "revoked the cached token at %s", url);
		free(discovered);
	}
	if (dirfd >= 0)
		close(dirfd);
	ccredi_cache_entry_clear(&e);
	ccredi_buf_clear(&key);
	return rc;
}
