/* SPDX-License-Identifier: MIT */
/*
 * The JSON parsers as libccred's own code sees them: wrappers that load the
 * JSON module ($(pkglibdir)/json-c.so, lib/jsonmod.h) on first use.  Only a
 * fetch reads JSON (a caller's JSON is the command's, helper/jsonin.c), so
 * a cache hit never maps json-c.
 * The module is loaded once per process and kept; when it cannot be, every
 * parser fails closed with CCRED_E_INTERNAL and says why.
 */
#include "ccred-int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t json_once = PTHREAD_ONCE_INIT;
static const struct ccredi_json_vtable *json_vt;
static struct ccredi_module json_mod = {
        .name = "JSON", .file = "json-c.so", .symbol = CCREDI_JSON_ENTRY, .abi = CCREDI_JSON_ABI};
static char json_error[4096 + 512];

/* The parsers have no context to put a message in: the outcome is kept. */
static void json_load_once(void)
{
	if (ccredi_module_load(&json_mod, json_error, sizeof(json_error)) == CCREDI_MODULE_OK)
		json_vt = json_mod.vt;
}

static const struct ccredi_json_vtable *json(char *why, size_t whylen)
{
	pthread_once(&json_once, json_load_once);
	if (!json_vt && why && whylen)
		snprintf(why, whylen, "%s", json_error);
	return json_vt;
}

ccred_error ccredi_json_load(struct ccred_ctx *ctx)
{
	char why[sizeof(json_error)];

	if (!json(why, sizeof(why)))
		return ccredi_err(ctx, CCRED_E_INTERNAL, "%s", why);
	ccredi_trace(ctx, 1, "JSON module %s", json_mod.path);
	return CCRED_OK;
}

ccred_error ccredi_tokresp_parse(const char *body, size_t len, struct ccredi_tokresp *out,
                                 char *why, size_t whylen)
{
	const struct ccredi_json_vtable *vt = json(why, whylen);

	if (vt)
		return vt->tokresp_parse(body, len, out, why, whylen);
	memset(out, 0, sizeof(*out));
	out->expires_in = -1;
	return CCRED_E_INTERNAL;
}

long long ccredi_jwt_exp(const char *token)
{
	const struct ccredi_json_vtable *vt = json(NULL, 0);

	return vt ? vt->jwt_exp(token) : -1;
}

ccred_error ccredi_discovery_parse(const char *body, size_t len, char **issuer,
                                   char **token_endpoint, char *why, size_t whylen)
{
	const struct ccredi_json_vtable *vt = json(why, whylen);

	if (vt)
		return vt->discovery_parse(body, len, issuer, token_endpoint, why, whylen);
	*issuer = *token_endpoint = NULL;
	return CCRED_E_INTERNAL;
}

ccred_error ccredi_discovery_string(const char *body, size_t len, const char *name, char **out,
                                    char *why, size_t whylen)
{
	const struct ccredi_json_vtable *vt = json(why, whylen);

	if (vt)
		return vt->discovery_string(body, len, name, out, why, whylen);
	*out = NULL;
	return CCRED_E_INTERNAL;
}
