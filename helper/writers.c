/* SPDX-License-Identifier: MIT */
/*
 * Every text ccred writes with a token in it, as functions of the token's
 * fields alone, so tests/fuzz/fuzz-writers.c drives them exactly as the
 * commands do.  The library hands out only visible-ASCII Bearer tokens
 * with a printable scope; each writer still checks what it puts on a line
 * and refuses (-1) what that line could not carry unchanged, so no value
 * can ever add a line, a header, a field or an option.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "helper.h"

/* The library's character classes (one rule for both). */
static bool visible(const char *s)
{
	return ccred_ascii_is(s, CCRED_ASCII_VISIBLE);
}

static bool printable(const char *s)
{
	return ccred_ascii_is(s, CCRED_ASCII_PRINTABLE);
}

/* What any writer needs: a visible token and a Bearer type. */
static bool token_ok(const struct tokview *t)
{
	return visible(t->value) && t->type && strcmp(t->type, "Bearer") == 0 &&
	       (!t->scope || printable(t->scope));
}

void tokview_of(struct tokview *v, struct ccred_ctx *ctx, const struct ccred_token *t)
{
	v->value = ccred_token_value(t);
	v->type = ccred_token_type(t);
	v->scope = ccred_token_scope(t);
	v->expires = (long long)ccred_token_expires_at(t);
	v->profile = ctx ? ccred_profile_current(ctx) : NULL;
	v->now = (long long)time(NULL);
}

/* s inside a curl config "…" string: backslash and quote escaped. */
static void out_curl_quoted(struct out *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			out_add(out, "\\", 1);
		out_add(out, s, 1);
	}
}

/* s as one shell word: '…', with each ' written '\''. */
static void out_shell_quoted(struct out *out, const char *s)
{
	out_adds(out, "'");
	for (; *s; s++) {
		if (*s == '\'')
			out_adds(out, "'\\''");
		else
			out_add(out, s, 1);
	}
	out_adds(out, "'");
}

int write_token(struct out *out, const struct tokview *t)
{
	if (!token_ok(t))
		return -1;
	out_addf(out, "%s\n", t->value);
	return 0;
}

int write_header(struct out *out, const struct tokview *t)
{
	if (!token_ok(t))
		return -1;
	out_addf(out, "Authorization: %s %s\n", t->type, t->value);
	return 0;
}

int write_json(struct out *out, const struct tokview *t)
{
	long long left = t->expires ? t->expires - t->now : 0;
	char when[32];

	if (!token_ok(t))
		return -1;
	out_adds(out, "{\"access_token\":");
	out_json_string(out, t->value);
	out_adds(out, ",\"token_type\":");
	out_json_string(out, t->type);
	if (t->expires) {
		fmt_rfc3339(t->expires, when);
		out_addf(out, ",\"expires_at\":\"%s\",\"expires_in\":%lld", when,
		         left < 0 ? 0 : left);
	} else {
		out_adds(out, ",\"expires_at\":null,\"expires_in\":null");
	}
	out_adds(out, ",\"scope\":");
	out_json_string(out, t->scope ? t->scope : "");
	out_adds(out, ",\"profile\":");
	out_json_string(out, t->profile ? t->profile : "");
	out_adds(out, "}\n");
	return 0;
}

int write_curl_config(struct out *out, const struct tokview *t)
{
	if (!token_ok(t))
		return -1;
	out_adds(out, "header = \"Authorization: ");
	out_curl_quoted(out, t->type);
	out_adds(out, " ");
	out_curl_quoted(out, t->value);
	out_adds(out, "\"\n");
	return 0;
}

int write_env(struct out *out, const struct tokview *t)
{
	if (!token_ok(t))
		return -1;
	out_adds(out, "export CCRED_ACCESS_TOKEN=");
	out_shell_quoted(out, t->value);
	out_adds(out, "\n");
	/* A token without a known expiry leaves no stale figure behind. */
	if (t->expires)
		out_addf(out, "export CCRED_TOKEN_EXPIRES_AT=%lld\n", t->expires);
	else
		out_adds(out, "unset CCRED_TOKEN_EXPIRES_AT\n");
	return 0;
}

int write_git(struct out *out, const struct tokview *t, bool authtype, const char *username)
{
	/* git reads key=value lines: a newline in a value would add a key. */
	if (!token_ok(t) || (username && !printable(username)))
		return -1;
	if (authtype)
		out_addf(out, "capability[]=authtype\nauthtype=%s\ncredential=%s\nephemeral=1\n",
		         t->type, t->value);
	else
		out_addf(out, "username=%s\npassword=%s\n", username ? username : "", t->value);
	if (t->expires)
		out_addf(out, "password_expiry_utc=%lld\n", t->expires);
	return 0;
}

int write_docker(struct out *out, const struct tokview *t, const char *server_url,
                 const char *username)
{
	if (!token_ok(t))
		return -1;
	out_adds(out, "{\"ServerURL\":");
	out_json_string(out, server_url);
	out_adds(out, ",\"Username\":");
	out_json_string(out, username ? username : "");
	out_adds(out, ",\"Secret\":");
	out_json_string(out, t->value);
	out_adds(out, "}\n");
	return 0;
}

int write_kubectl(struct out *out, const struct tokview *t, const char *api_version)
{
	char when[32];

	if (!token_ok(t))
		return -1;
	out_adds(out, "{\"apiVersion\":");
	out_json_string(out, api_version);
	out_adds(out, ",\"kind\":\"ExecCredential\",\"status\":{\"token\":");
	out_json_string(out, t->value);
	/* Without it kubectl keeps the token until the server answers 401. */
	if (t->expires) {
		fmt_rfc3339(t->expires, when);
		out_addf(out, ",\"expirationTimestamp\":\"%s\"", when);
	}
	out_adds(out, "}}\n");
	return 0;
}
