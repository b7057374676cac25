/* SPDX-License-Identifier: MIT */
/*
 * cargo's credential-provider protocol, version 1 (cargo >= 1.74).  cargo
 * runs `ccred --cargo-plugin` (the config's further words arrive in each
 * request's "args"), ccred says hello, and then answers each request line
 * with one JSON line until cargo closes stdin.  cargo discards the answer of
 * a provider that exits non-zero, so every answer -- errors included -- is
 * followed by exit 0; only a broken exchange (a line that is not a request,
 * too long, or with a NUL byte) exits 65.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cargo.h"
#include "helper.h"

static int cargo_send(struct out *out)
{
	out_adds(out, "\n");
	return out_flush(out);
}

static int cargo_err(const char *kind, const char *message)
{
	struct out out = {0};

	out_adds(&out, "{\"Err\":{\"kind\":");
	out_json_string(&out, kind);
	if (message) {
		out_adds(&out, ",\"message\":");
		out_json_string(&out, message);
	}
	out_adds(&out, "}}");
	return cargo_send(&out);
}

static int cargo_other(struct ccred_ctx *ctx, ccred_error rc)
{
	const char *msg = ctx ? ccred_errmsg(ctx) : "";

	return cargo_err("other", *msg ? msg : ccred_strerror(rc));
}

/*
 * The options a registry's credential-provider line may add after "ccred":
 * an optional leading "cargo", then -p/--profile and -c/--config.  NULL on
 * success, else what is wrong (answered as an error, not a usage exit).
 */
static const char *cargo_args(const struct cargo_req *r, struct opts *o, char *why, size_t n)
{
	size_t i = 0;

	if (r->nargs > 0 && strcmp(r->args[0], "cargo") == 0)
		i++;
	for (; i < r->nargs; i++) {
		const char *a = r->args[i], **dst = NULL;

		if (strcmp(a, "-p") == 0 || strcmp(a, "--profile") == 0)
			dst = &o->profile;
		else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
			dst = &o->config;
		else if (strncmp(a, "--profile=", 10) == 0)
			o->profile = a + 10;
		else if (strncmp(a, "--config=", 9) == 0)
			o->config = a + 9;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			o->verbose++;
		else {
			snprintf(why, n, "ccred: unknown argument in credential-provider: '%.64s'",
			         a);
			return why;
		}
		if (dst) {
			if (++i >= r->nargs) {
				snprintf(why, n, "ccred: %s wants a value in credential-provider",
				         a);
				return why;
			}
			*dst = r->args[i];
		}
	}
	return NULL;
}

static int cargo_get(const struct opts *o, const struct cargo_req *r)
{
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok = NULL;
	struct out out = {0};
	const char *url = r->index_url;
	ccred_error rc;
	time_t exp;
	int status;

	/* sparse+https://host/index/ is served from https://host/index/ */
	if (strncmp(url, "sparse+", 7) == 0)
		url += 7;
	if ((rc = ccred_open(&ctx, o->config, 0)) != CCRED_OK) {
		status = cargo_other(ctx, rc);
		goto out;
	}
	ccred_set_verbose(ctx, o->verbose);
	if (o->min_ttl >= 0)
		ccred_set_min_ttl(ctx, o->min_ttl);
	rc = ccred_profile_select_url(ctx, o->profile, url, NULL);
	if (rc == CCRED_E_NOPROFILE) {
		/* cargo tries the next provider, or says no credentials */
		status = cargo_err("url-not-supported", NULL);
		goto out;
	}
	if (rc == CCRED_OK)
		rc = ccred_token_get(ctx, NULL, &tok);
	if (rc != CCRED_OK) {
		status = cargo_other(ctx, rc);
		goto out;
	}
	refresh_note(ctx, tok);
	out_adds(&out, "{\"Ok\":{\"kind\":\"get\",\"token\":");
	/* cargo sends the token as the whole Authorization value */
	{
		const char *v = ccred_token_value(tok);
		size_t n = strlen(v) + 8;
		char *t = malloc(n);
		if (!t) {
			errorf("out of memory");
			exit(EXIT_OSERR);
		}
		snprintf(t, n, "Bearer %s", v);
		out_json_string(&out, t);
		ccred_wipe(t, n);
		free(t);
	}
	exp = ccred_token_expires_at(tok);
	if (exp > 0)
		out_addf(&out, ",\"cache\":\"expires\",\"expiration\":%lld", (long long)exp);
	else
		out_adds(&out, ",\"cache\":\"session\"");
	out_adds(&out, ",\"operation_independent\":true}}");
	status = cargo_send(&out);
out:
	out_wipe(&out);
	ccred_token_free(tok);
	ccred_close(ctx);
	return status;
}

/* One request line; returns the exit status so far (0 to go on). */
static int cargo_request(const struct opts *global, const char *line)
{
	struct cargo_req r;
	struct opts o = *global;
	char err[128], why[160];
	int status;

	if (cargo_req_parse(line, strlen(line), &r, err, sizeof(err)) < 0) {
		errorf("malformed request from cargo: %s", err);
		return EXIT_DATAERR;
	}
	if (r.v != 1)
		status = cargo_err("other", "ccred: unsupported credential protocol version "
		                            "(ccred speaks version 1)");
	else if (!r.kind)
		status = cargo_err("other", "ccred: a request without a kind");
	else if (strcmp(r.kind, "get") != 0)
		/* login, logout and kinds newer than ccred: tokens come from the endpoint */
		status = cargo_err("operation-not-supported", NULL);
	else if (!r.index_url)
		status = cargo_err("other", "ccred: a get request without registry.index-url");
	else if (cargo_args(&r, &o, why, sizeof(why)))
		status = cargo_err("other", why);
	else
		status = cargo_get(&o, &r);
	cargo_req_free(&r);
	return status;
}

int cargo_run(const struct opts *o)
{
	struct out out = {0};
	char *line;
	int status, rc;

	out_adds(&out, "{\"v\":[1]}");
	if ((status = cargo_send(&out)) != 0)
		return status;
	while ((rc = read_line(stdin, &line, CARGO_LINE_MAX)) == 1) {
		status = cargo_request(o, line);
		ccred_wipe(line, strlen(line));
		free(line);
		if (status != 0)
			return status;
	}
	if (rc < 0) {
		errorf("malformed request from cargo: a line over 64 KiB or a NUL byte");
		return EXIT_DATAERR;
	}
	return 0;
}

int cmd_cargo(const struct opts *o, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "--cargo-plugin") != 0)
		die_usage("usage: ccred cargo --cargo-plugin (cargo runs it as a credential "
		          "provider)");
	return cargo_run(o);
}
