/*
 * Asking the token endpoint: the client_credentials form, client
 * authentication, retries with backoff, and the mapping of every answer to
 * one of ccred's errors.  The HTTP itself is done by the transport module,
 * loaded here on the first fetch and never on a cache hit.
 */
#include "ccred-int.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define MAX_ATTEMPTS 4
#define BACKOFF_BASE_MS 250

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ccred_error ccredi_http_load(struct ccred_ctx *ctx)
{
	char path[4096];
	ccredi_http_entry_fn entry;

	if (ctx->http)
		return CCRED_OK;
	snprintf(path, sizeof(path), "%s/http-curl.so", ccredi_module_dir());
	ctx->http_dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!ctx->http_dl)
		return ccredi_err(ctx, CCRED_E_INTERNAL, "cannot load the HTTP module: %s", dlerror());
	entry = (ccredi_http_entry_fn)dlsym(ctx->http_dl, CCREDI_HTTP_ENTRY);
	if (!entry || !(ctx->http = entry()) || ctx->http->abi != CCREDI_HTTP_ABI) {
		ctx->http = NULL;
		return ccredi_err(ctx, CCRED_E_INTERNAL, "%s is not a ccred HTTP module of ABI %d",
		                  path, CCREDI_HTTP_ABI);
	}
	ccredi_trace(ctx, 1, "loaded %s", path);
	return CCRED_OK;
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
 * deadline (monotonic ms).  On CCRED_OK resp holds a final answer. */
static ccred_error exchange(struct ccred_ctx *ctx, struct ccredi_http_request *req,
                            struct ccredi_http_response *resp, long deadline)
{
	char last[320] = "";

	for (int attempt = 1;; attempt++) {
		long left = deadline - now_ms(), wait_ms;
		unsigned int rnd = 0;
		int r;

		if (left <= 0)
			break;
		req->timeout_ms = left;
		resp_clear(resp);
		ccredi_trace(ctx, 1, "%s %s (attempt %d)", req->body ? "POST" : "GET", req->url,
		             attempt);
		r = ctx->http->perform(req, resp);
		if (r == CCREDI_HTTP_TLS)
			return ccredi_err(ctx, CCRED_E_TEMPFAIL, "TLS verification failed for %s: %s",
			                  req->url, resp->error);
		if (r == CCREDI_HTTP_TOOBIG)
			return ccredi_err(ctx, CCRED_E_PROTOCOL,
			                  "%s answered more than 1 MiB; refusing it", req->url);
		if (r == CCREDI_HTTP_FATAL)
			return ccredi_err(ctx, CCRED_E_TEMPFAIL, "%s: %s", req->url, resp->error);
		if (r == CCREDI_HTTP_OK && resp->status != 429 &&
		    !(resp->status >= 500 && resp->status <= 599))
			return CCRED_OK;
		if (r == CCREDI_HTTP_OK)
			snprintf(last, sizeof(last), "HTTP %ld from %s", resp->status, req->url);
		else
			snprintf(last, sizeof(last), "%s: %s", req->url, resp->error);
		ccredi_trace(ctx, 1, "attempt %d failed: %s", attempt, last);
		if (attempt >= MAX_ATTEMPTS)
			break;
		/* Exponential backoff with full jitter; Retry-After overrides. */
		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
			rnd = (unsigned int)now_ms();
		wait_ms = (long)(rnd % (unsigned)(BACKOFF_BASE_MS << (attempt - 1)));
		if (resp->retry_after >= 0)
			wait_ms = resp->retry_after * 1000;
		left = deadline - now_ms();
		if (wait_ms >= left) {
			snprintf(last + strlen(last), sizeof(last) - strlen(last),
			         "; a retry would not fit in the timeout");
			break;
		}
		usleep((useconds_t)wait_ms * 1000);
	}
	resp_clear(resp);
	return ccredi_err(ctx, CCRED_E_TEMPFAIL, "%s",
	                  *last ? last : "the timeout passed before the token endpoint answered");
}

static int add_param(struct ccredi_buf *b, const char *name, const char *value)
{
	if (!value)
		return 0;
	if (b->len && ccredi_buf_adds(b, "&") < 0)
		return -1;
	if (ccredi_buf_adds(b, name) < 0 || ccredi_buf_adds(b, "=") < 0)
		return -1;
	return ccredi_buf_add_urlenc(b, value, strlen(value));
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

/* issuer → token_endpoint, by OIDC discovery then RFC 8414. */
static ccred_error discover(struct ccred_ctx *ctx, long deadline, char **token_url)
{
	static const char *const wk[] = {"/.well-known/openid-configuration",
	                                  "/.well-known/oauth-authorization-server"};
	const char *iss = ctx->prof.issuer;
	size_t ilen = strlen(iss);
	ccred_error rc = CCRED_E_PROTOCOL;

	while (ilen > 0 && iss[ilen - 1] == '/')
		ilen--;
	for (size_t i = 0; i < 2; i++) {
		struct ccredi_http_request req;
		struct ccredi_http_response resp = {.retry_after = -1};
		char url[4096], why[256], *got_iss = NULL, *te = NULL;
		size_t glen;

		base_request(ctx, &req);
		snprintf(url, sizeof(url), "%.*s%s", (int)ilen, iss, wk[i]);
		req.url = url;
		if ((rc = exchange(ctx, &req, &resp, deadline)) != CCRED_OK)
			return rc;
		if (resp.status == 404 && i == 0) {
			resp_clear(&resp);
			continue;
		}
		if (resp.status != 200) {
			rc = ccredi_err(ctx, CCRED_E_PROTOCOL, "discovery: HTTP %ld from %s",
			                resp.status, url);
			resp_clear(&resp);
			return rc;
		}
		rc = ccredi_discovery_parse(resp.body, resp.body_len, &got_iss, &te, why,
		                            sizeof(why));
		resp_clear(&resp);
		if (rc != CCRED_OK)
			return ccredi_err(ctx, rc, "discovery at %s: %s", url, why);
		glen = strlen(got_iss);
		while (glen > 0 && got_iss[glen - 1] == '/')
			glen--;
		if (glen != ilen || strncmp(got_iss, iss, ilen) != 0) {
			rc = ccredi_err(ctx, CCRED_E_PROTOCOL,
			                "discovery at %s names issuer %s, not %s", url, got_iss, iss);
		} else if (!ccredi_url_secure_enough(te, why, sizeof(why))) {
			rc = ccredi_err(ctx, CCRED_E_PROTOCOL, "discovered token_endpoint: %s", why);
		} else {
			ccredi_trace(ctx, 1, "discovered token endpoint %s", te);
			*token_url = te;
			te = NULL;
			rc = CCRED_OK;
		}
		free(got_iss);
		free(te);
		return rc;
	}
	return rc;
}

static ccred_error answer_error(struct ccred_ctx *ctx, const char *url,
                                const struct ccredi_http_response *resp)
{
	struct ccredi_tokresp tr;
	char why[256];
	ccred_error rc;

	if (resp->status >= 300 && resp->status < 400)
		return ccredi_err(ctx, CCRED_E_PROTOCOL,
		                  "%s redirected (HTTP %ld%s%s); redirects are not followed, they "
		                  "would carry the secret elsewhere",
		                  url, resp->status, resp->location ? " to " : "",
		                  resp->location ? resp->location : "");
	rc = ccredi_tokresp_parse(resp->body ? resp->body : "", resp->body_len, &tr, why,
	                          sizeof(why));
	if (rc == CCRED_E_REJECTED) {
		rc = ccredi_err(ctx, CCRED_E_REJECTED, "the provider rejected the request: %s%s%s",
		                tr.error, tr.error_description ? ": " : "",
		                tr.error_description ? tr.error_description : "");
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
	struct ccredi_buf body = {0}, user = {0}, pass = {0};
	bool basic = strcmp(p->auth_method, "client_secret_basic") == 0;
	long deadline = now_ms() + p->timeout * 1000;
	char *discovered = NULL, why[256];
	const char *url = p->token_url;
	ccred_error rc;

	memset(out, 0, sizeof(*out));
	out->expires_in = -1;
	/* Both modules before the secret goes anywhere: fail closed. */
	if ((rc = ccredi_http_load(ctx)) != CCRED_OK || (rc = ccredi_json_load(ctx)) != CCRED_OK)
		return rc;
	if (!url) {
		if ((rc = discover(ctx, deadline, &discovered)) != CCRED_OK)
			goto out;
		url = discovered;
	}
	rc = CCRED_E_NOMEM;
	if (add_param(&body, "grant_type", "client_credentials") < 0)
		goto nomem;
	if (basic) {
		/* RFC 6749 2.3.1: form-urlencode id and secret, then Basic. */
		if (ccredi_buf_add_urlenc(&user, p->client_id, strlen(p->client_id)) < 0 ||
		    ccredi_buf_add_urlenc(&pass, secret, strlen(secret)) < 0)
			goto nomem;
	} else if (add_param(&body, "client_id", p->client_id) < 0 ||
	           add_param(&body, "client_secret", secret) < 0) {
		goto nomem;
	}
	if (add_param(&body, "scope", p->scope) < 0 || add_param(&body, "audience", p->audience) < 0 ||
	    add_param(&body, "resource", p->resource) < 0)
		goto nomem;

	base_request(ctx, &req);
	req.url = url;
	req.body = body.p;
	req.body_len = body.len;
	req.basic_user = basic ? user.p : NULL;
	req.basic_pass = basic ? pass.p : NULL;
	ccredi_trace(ctx, 1, "token request: client_id=%s auth=%s scope=%s client_secret=<redacted>",
	             p->client_id, p->auth_method, p->scope ? p->scope : "(none)");
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
		rc = ccredi_err(ctx, rc, "the provider rejected the request: %s%s%s", out->error,
		                out->error_description ? ": " : "",
		                out->error_description ? out->error_description : "");
	else if (rc != CCRED_OK)
		rc = ccredi_err(ctx, rc, "%s answered with an invalid token response: %s", url, why);
	goto out;
nomem:
	rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
out:
	resp_clear(&resp);
	ccredi_buf_clear(&body);
	ccredi_buf_clear(&user);
	ccredi_buf_clear(&pass);
	free(discovered);
	if (rc != CCRED_OK)
		ccredi_tokresp_clear(out);
	return rc;
}
