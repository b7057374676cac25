/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: a token endpoint's answer through everything ccred
 * writes with it.  The body is parsed and vetted as a fetch does; a token
 * that passes is written by every writer of helper/writers.c (the very
 * functions the commands call) and as a cache entry read back, and each
 * output is checked for the property SPEC "Tokens and their cache" asks:
 * nothing the server sent adds a line, a header, a field or an option.  The
 * writers also get the raw, unvetted type and scope: they must refuse, or
 * keep the property.  A violation aborts (libFuzzer keeps the input).
 */
#include "ccred-int.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const char *progname = "ccred";

void errorf(const char *fmt, ...)
{
	(void)fmt;
}

#define NOW     1800000000LL
#define PROFILE "p"
#define SERVER  "registry.example.com"
#define USER    "ci"
#define KVER    "client.authentication.k8s.io/v1"

static void require(bool ok, const char *what, const struct out *o)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz-writers: %s\n--- output ---\n%s\n---\n", what, o->p ? o->p : "");
	abort();
}

/* The output is exactly one line per expected line: no value made more. */
static size_t lines(const struct out *o)
{
	size_t n = 0;

	for (size_t i = 0; i < o->len; i++)
		n += o->p[i] == '\n';
	return n;
}

static bool is_line_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

/* A JSON output: one object on one line, exactly the keys given (in any
 * order), string members equal to the values given (NULL: any value). */
static void check_json(const struct out *o, const char *const *keys, const char *const *vals,
                       size_t n, const char *what)
{
	json_object *obj, *v;

	require(o->len > 0 && o->p[o->len - 1] == '\n' && lines(o) == 1, what, o);
	obj = json_tokener_parse(o->p);
	require(obj && json_object_is_type(obj, json_type_object), what, o);
	require((size_t)json_object_object_length(obj) == n, what, o);
	for (size_t i = 0; i < n; i++) {
		require(json_object_object_get_ex(obj, keys[i], &v), what, o);
		if (vals[i])
			require(json_object_is_type(v, json_type_string) &&
			                strcmp(json_object_get_string(v), vals[i]) == 0,
			        what, o);
	}
	json_object_put(obj);
}

static void check_writers(const struct tokview *t, bool vetted)
{
	struct out o = {0};
	char *want = NULL;
	int rc;

#define RUN(call, what)                                                                            \
	do {                                                                                       \
		out_wipe(&o);                                                                      \
		rc = (call);                                                                       \
		require(rc == 0 || (!vetted && o.len == 0), what ": refused a vetted token", &o);  \
	} while (0)

	RUN(write_token(&o, t), "token");
	if (rc == 0) {
		require(asprintf(&want, "%s\n", t->value) > 0, "oom", &o);
		require(strcmp(o.p, want) == 0, "token: not exactly the token", &o);
		free(want);
	}
	RUN(write_header(&o, t), "header");
	if (rc == 0) {
		require(asprintf(&want, "Authorization: Bearer %s\n", t->value) > 0, "oom", &o);
		require(strcmp(o.p, want) == 0, "header: not exactly one Bearer header", &o);
		free(want);
	}
	RUN(write_curl_config(&o, t), "curl-config");
	if (rc == 0) {
		/* One option, one "…" string that decodes to the header. */
		const char *s = o.p + strlen("header = \"");
		struct out dec = {0};
		require(lines(&o) == 1 && strncmp(o.p, "header = \"", 10) == 0,
		        "curl-config: not one header option", &o);
		for (; *s && *s != '"'; s++) {
			if (*s == '\\')
				s++;
			require(*s, "curl-config: dangling escape", &o);
			out_add(&dec, s, 1);
		}
		require(strcmp(s, "\"\n") == 0, "curl-config: text after the string", &o);
		require(asprintf(&want, "Authorization: Bearer %s", t->value) > 0, "oom", &o);
		require(dec.p && strcmp(dec.p, want) == 0, "curl-config: another header", &o);
		free(want);
		out_wipe(&dec);
	}
	RUN(write_env(&o, t), "env");
	if (rc == 0) {
		/* export NAME='…' ('\'' for a quote), then the expiry line. */
		const char *s = o.p + strlen("export CCRED_ACCESS_TOKEN='");
		struct out dec = {0};
		require(lines(&o) == 2 && strncmp(o.p, "export CCRED_ACCESS_TOKEN='", 27) == 0,
		        "env: not two lines", &o);
		for (;;) {
			if (strncmp(s, "'\\''", 4) == 0) {
				out_add(&dec, "'", 1);
				s += 4;
			} else if (*s == '\'') {
				break;
			} else {
				require(*s && *s != '\n', "env: unterminated word", &o);
				out_add(&dec, s++, 1);
			}
		}
		require(dec.p && strcmp(dec.p, t->value) == 0, "env: another value", &o);
		require(strncmp(s, "'\n", 2) == 0, "env: text after the word", &o);
		s += 2;
		if (t->expires) {
			require(asprintf(&want, "export CCRED_TOKEN_EXPIRES_AT=%lld\n",
			                 t->expires) > 0,
			        "oom", &o);
			require(strcmp(s, want) == 0, "env: another expiry line", &o);
			free(want);
		} else {
			require(strcmp(s, "unset CCRED_TOKEN_EXPIRES_AT\n") == 0, "env: unset", &o);
		}
		out_wipe(&dec);
	}
	for (int authtype = 0; authtype < 2; authtype++) {
		RUN(write_git(&o, t, authtype, USER), "git");
		if (rc != 0)
			continue;
		if (authtype)
			require(asprintf(&want,
			                 "capability[]=authtype\nauthtype=Bearer\ncredential=%s\n"
			                 "ephemeral=1\n",
			                 t->value) > 0,
			        "oom", &o);
		else
			require(asprintf(&want, "username=" USER "\npassword=%s\n", t->value) > 0,
			        "oom", &o);
		require(strncmp(o.p, want, strlen(want)) == 0, "git: other lines", &o);
		require(lines(&o) == (authtype ? 4u : 2u) + (t->expires != 0), "git: a line more",
		        &o);
		free(want);
	}
	RUN(write_json(&o, t), "json");
	if (rc == 0) {
		static const char *const k[] = {"access_token", "token_type", "expires_at",
		                                "expires_in",   "scope",      "profile"};
		const char *v[] = {t->value, "Bearer", NULL, NULL, t->scope ? t->scope : "",
		                   PROFILE};
		check_json(&o, k, v, 6, "json: other fields");
	}
	RUN(write_docker(&o, t, SERVER, USER), "docker");
	if (rc == 0) {
		static const char *const k[] = {"ServerURL", "Username", "Secret"};
		const char *v[] = {SERVER, USER, t->value};
		check_json(&o, k, v, 3, "docker: other fields");
	}
	RUN(write_kubectl(&o, t, KVER), "kubectl");
	if (rc == 0) {
		static const char *const k[] = {"apiVersion", "kind", "status"};
		const char *v[] = {KVER, "ExecCredential", NULL};
		json_object *obj = json_tokener_parse(o.p), *st, *tok;
		check_json(&o, k, v, 3, "kubectl: other fields");
		require(json_object_object_get_ex(obj, "status", &st) &&
		                json_object_object_length(st) == (t->expires ? 2 : 1) &&
		                json_object_object_get_ex(st, "token", &tok) &&
		                strcmp(json_object_get_string(tok), t->value) == 0,
		        "kubectl: other status", &o);
		json_object_put(obj);
	}
	out_wipe(&o);
#undef RUN
}

/* The cache entry: written, read back, every field as written; or refused. */
static void check_cache(const char *token, const char *type, const char *scope, bool vetted)
{
	static const char key[] = "v1\x1fhttps://idp.example/token\x1f\x1f"
	                          "ci\x1f";
	struct ccredi_cache_entry e =
	                                  {
	                                          .token = (char *)token,
	                                          .token_type = (char *)type,
	                                          .scope = (char *)scope,
	                                          .obtained = NOW,
	                                          .expires = NOW + 3600,
	                                  },
	                          back;
	struct ccredi_buf b = {0};
	struct out shown = {0};
	char why[256];

	if (ccredi_cache_format(&b, key, &e, why, sizeof(why)) < 0) {
		require(!vetted, "cache: refused a vetted token", &shown);
		ccredi_buf_clear(&b);
		return;
	}
	out_add(&shown, b.p, b.len);
	require(lines(&shown) == 8, "cache: not the 8 lines of an entry", &shown);
	require(ccredi_cache_parse(b.p, b.len, key, &back, why, sizeof(why)) == 0,
	        "cache: cannot read back what it wrote", &shown);
	require(strcmp(back.token, token) == 0 && strcmp(back.token_type, type) == 0 &&
	                strcmp(back.scope, scope ? scope : "") == 0 && back.obtained == NOW &&
	                back.expires == NOW + 3600,
	        "cache: read back another entry", &shown);
	ccredi_cache_entry_clear(&back);
	ccredi_buf_clear(&b);
	out_wipe(&shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccredi_tokresp r;
	struct tokview t = {.profile = PROFILE, .now = NOW};
	char why[CCREDI_SHOWN_MAX + 128], *raw_type = NULL, *raw_scope = NULL;
	long long jexp;

	if (ccredi_tokresp_parse((const char *)data, size, &r, why, sizeof(why)) != CCRED_OK) {
		ccredi_tokresp_clear(&r);
		return 0;
	}
	/* Unvetted, as a writer would see it if the library let it through. */
	raw_type = r.token_type ? strdup(r.token_type) : NULL;
	raw_scope = r.scope ? strdup(r.scope) : NULL;
	t.value = r.access_token;
	t.type = raw_type ? raw_type : "Bearer";
	t.scope = raw_scope;
	check_writers(&t, false);
	if (r.access_token)
		check_cache(r.access_token, t.type, raw_scope, false);

	if (ccredi_tokresp_vet(&r, why, sizeof(why)) == CCRED_OK) {
		require(r.token_type == NULL, "vet kept a type", &(struct out){0});
		t.type = "Bearer";
		t.scope = r.scope;
		t.expires = r.expires_in >= 0                             ? NOW + r.expires_in
		            : (jexp = ccredi_jwt_exp(r.access_token)) > 0 ? jexp
		                                                          : 0;
		check_writers(&t, true);
		check_cache(r.access_token, "Bearer", r.scope, true);
	} else {
		/* The reason names the type escaped: one line, no controls. */
		require(is_line_text(why, strlen(why)), "vet: a raw control in its reason",
		        &(struct out){0});
	}
	free(raw_type);
	free(raw_scope);
	ccredi_tokresp_clear(&r);
	return 0;
}
