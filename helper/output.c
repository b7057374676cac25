/* SPDX-License-Identifier: MIT */
/* token, header, json, logout, profiles. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helper.h"

static int no_args(int argc, char **argv)
{
	if (argc > 1)
		die_usage("%s takes no arguments", argv[0]);
	return 0;
}

struct ccred_token *get_token(const struct opts *o, struct ccred_ctx **ctxp, int *status)
{
	struct ccred_token *tok = NULL;
	ccred_error rc;

	if (!(*ctxp = open_ctx(o, status)))
		return NULL;
	rc = ccred_token_get(*ctxp, o->profile, &tok);
	if (rc != CCRED_OK)
		*status = report(*ctxp, rc);
	else
		refresh_note(*ctxp, tok);
	return tok;
}

int emit(const struct opts *o, int argc, char **argv,
         int (*write)(struct out *, const struct tokview *))
{
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok;
	struct tokview v;
	struct out out = {0};
	int status = 0;

	no_args(argc, argv);
	if ((tok = get_token(o, &ctx, &status))) {
		tokview_of(&v, ctx, tok);
		if (write(&out, &v) == 0) {
			status = out_flush(&out);
		} else {
			errorf("the token cannot be written unchanged; refusing it");
			status = EXIT_PROTOCOL;
		}
	}
	out_wipe(&out);
	ccred_token_free(tok);
	ccred_close(ctx);
	return status;
}

int cmd_token(const struct opts *o, int argc, char **argv)
{
	return emit(o, argc, argv, write_token);
}

int cmd_header(const struct opts *o, int argc, char **argv)
{
	return emit(o, argc, argv, write_header);
}

int cmd_json(const struct opts *o, int argc, char **argv)
{
	return emit(o, argc, argv, write_json);
}

int cmd_logout(const struct opts *o, int argc, char **argv)
{
	struct ccred_ctx *ctx;
	bool all = false, revoke = false;
	ccred_error rc;
	int status = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			all = true;
		else if (strcmp(argv[i], "--revoke") == 0)
			revoke = true;
		else
			die_usage("logout: unknown argument '%s'", argv[i]);
	}
	if (all && revoke)
		die_usage(
		        "logout: --revoke revokes one profile's token; it does not go with --all");
	if (!(ctx = open_ctx(o, &status)))
		return status;
	if (!all && (rc = ccred_profile_select(ctx, o->profile, NULL)) != CCRED_OK) {
		status = report(ctx, rc);
	} else {
		/* SPEC: the cache goes even when revocation fails; the exit
		 * status then says why it failed. */
		if (revoke && (rc = ccred_token_revoke(ctx)) != CCRED_OK)
			status = report(ctx, rc);
		if ((rc = ccred_cache_drop(ctx, all)) != CCRED_OK && status == 0)
			status = report(ctx, rc);
	}
	ccred_close(ctx);
	return status;
}

/* "42s", "4m 12s", "2h 05m": a token's remaining life at a glance. */
static void fmt_life(long s, char buf[32])
{
	if (s < 60)
		snprintf(buf, 32, "%lds", s);
	else if (s < 3600)
		snprintf(buf, 32, "%ldm %02lds", s / 60, s % 60);
	else
		snprintf(buf, 32, "%ldh %02ldm", s / 3600, (s % 3600) / 60);
}

/* One optional "  key:       value" line. */
static void profile_line(struct out *out, const char *label, const char *value)
{
	if (value)
		out_addf(out, "  %-10s %s\n", label, value);
}

static void json_field(struct out *out, const char *key, const char *value)
{
	out_addf(out, ",\"%s\":", key);
	if (value)
		out_json_string(out, value);
	else
		out_adds(out, "null");
}

static void json_list(struct out *out, struct ccred_ctx *ctx, const char *name, const char *key)
{
	const char *v;

	out_addf(out, ",\"%s\":[", key);
	for (size_t j = 0; (v = ccred_profile_list(ctx, name, key, j)); j++) {
		if (j)
			out_adds(out, ",");
		out_json_string(out, v);
	}
	out_adds(out, "]");
}

/* One profile as a JSON object; the field names are in ccred(1). */
static void profile_json(struct out *out, struct ccred_ctx *ctx, const char *name,
                         const char *error)
{
	const char *cache = ccred_profile_get(ctx, name, "cache");
	long left = -1;

	out_adds(out, "{\"name\":");
	out_json_string(out, name);
	json_field(out, "token_url", ccred_profile_get(ctx, name, "token_url"));
	json_field(out, "issuer", ccred_profile_get(ctx, name, "issuer"));
	json_field(out, "client_id", ccred_profile_get(ctx, name, "client_id"));
	json_field(out, "scope", ccred_profile_get(ctx, name, "scope"));
	json_field(out, "audience", ccred_profile_get(ctx, name, "audience"));
	json_field(out, "resource", ccred_profile_get(ctx, name, "resource"));
	json_field(out, "auth_method", error ? NULL : ccred_profile_get(ctx, name, "auth_method"));
	json_list(out, ctx, name, "secret_store");
	json_list(out, ctx, name, "url");
	out_addf(out, ",\"cache\":%s", cache && strcmp(cache, "no") == 0 ? "false" : "true");
	if (!error && !(cache && strcmp(cache, "no") == 0))
		left = ccred_cache_remaining(ctx, name);
	if (left >= 0) {
		char until[32];
		fmt_rfc3339((long long)time(NULL) + left, until);
		out_addf(out, ",\"token_expires_in\":%ld,\"token_expires_at\":\"%s\"", left, until);
	} else {
		out_adds(out, ",\"token_expires_in\":null,\"token_expires_at\":null");
	}
	json_field(out, "error", error);
	out_adds(out, "}");
}

/* Each profile: where its tokens come from and how long the cached one
 * lives.  Only looks at the cache (never fetches, creates or repairs) and
 * never prints a token or secret.  A broken profile is listed with its
 * error: the others still work (SPEC "Configuration"). */
int cmd_profiles(const struct opts *o, int argc, char **argv)
{
	struct ccred_ctx *ctx;
	struct out out = {0};
	bool names = false, json = false;
	int status = 0;

	/* --names: one name a line, for shell completion and scripts */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--names") == 0)
			names = true;
		else if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			die_usage("profiles: unknown argument '%s' (it takes --json or --names)",
			          argv[i]);
	}
	if (names && json)
		die_usage("profiles: --names and --json exclude each other");
	if (!(ctx = open_ctx(o, &status)))
		return status;
	if (ccred_profile_count(ctx) == 0 && !names && !json)
		errorf("no profiles configured; see ccred.conf(5)");
	if (json)
		out_adds(&out, "[");
	for (size_t i = 0; i < ccred_profile_count(ctx); i++) {
		const char *name = ccred_profile_name(ctx, i);
		const char *url = ccred_profile_get(ctx, name, "token_url");
		const char *iss = ccred_profile_get(ctx, name, "issuer");
		const char *cid = ccred_profile_get(ctx, name, "client_id");
		const char *cache = ccred_profile_get(ctx, name, "cache");
		char life[32], until[32], *error = NULL;
		long left;

		if (names) {
			out_addf(&out, "%s\n", name);
			continue;
		}
		/* Resolving the profile checks it as a command using it would. */
		if (ccred_profile_select(ctx, name, NULL) != CCRED_OK &&
		    !(error = strdup(ccred_errmsg(ctx)))) {
			errorf("out of memory");
			exit(EXIT_OSERR);
		}
		if (json) {
			if (i)
				out_adds(&out, ",");
			profile_json(&out, ctx, name, error);
			free(error);
			continue;
		}
		out_addf(&out, "%s%s\n", i ? "\n" : "", name);
		if (error) {
			out_addf(&out, "  error:     %s\n", error);
			free(error);
			continue;
		}
		out_addf(&out, "  endpoint:  %s%s\n", url ? url : iss, url ? "" : " (issuer)");
		profile_line(&out, "client_id:", cid);
		profile_line(&out, "scope:", ccred_profile_get(ctx, name, "scope"));
		profile_line(&out, "audience:", ccred_profile_get(ctx, name, "audience"));
		profile_line(&out, "resource:", ccred_profile_get(ctx, name, "resource"));
		profile_line(&out, "auth:", ccred_profile_get(ctx, name, "auth_method"));
		for (size_t j = 0;; j++) {
			const char *st = ccred_profile_list(ctx, name, "secret_store", j);
			if (!st)
				break;
			profile_line(&out, j ? "" : "store:", st);
		}
		for (size_t j = 0;; j++) {
			const char *u = ccred_profile_list(ctx, name, "url", j);
			if (!u)
				break;
			profile_line(&out, "url:", u);
		}
		if (cache && strcmp(cache, "no") == 0) {
			out_adds(&out, "  token:     not cached (cache = no)\n");
		} else if ((left = ccred_cache_remaining(ctx, name)) >= 0) {
			fmt_life(left, life);
			fmt_rfc3339((long long)time(NULL) + left, until);
			out_addf(&out, "  token:     cached, %s left (until %s)\n", life, until);
		} else {
			out_adds(&out, "  token:     none cached\n");
		}
	}
	if (json)
		out_adds(&out, "]\n");
	status = out_flush(&out);
	ccred_close(ctx);
	return status;
}
