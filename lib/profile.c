/* SPDX-License-Identifier: MIT */
/*
 * Which profile answers: -p NAME, $CCRED_PROFILE, the longest `url` prefix
 * (callers that name a URL), "default", the only profile.  A caller that
 * names a URL never gets the last two, so a token only goes to a host it
 * was meant for.
 */
#include "ccred-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ccred_error select_named(struct ccred_ctx *ctx, const char *name, const char **chosen)
{
	ccred_error rc;

	rc = ccredi_profile_resolve(&ctx->cfg, name, &ctx->prof, ctx->errmsg, sizeof(ctx->errmsg));
	ctx->have_profile = rc == CCRED_OK;
	if (rc == CCRED_OK) {
		ccredi_trace(ctx, 1, "profile '%s'", ctx->prof.name);
		if (chosen)
			*chosen = ctx->prof.name;
	}
	return rc;
}

static const char *explicit_name(const char *name)
{
	const char *env;

	if (name && *name)
		return name;
	env = getenv("CCRED_PROFILE");
	return env && *env ? env : NULL;
}

static void list_files(struct ccred_ctx *ctx, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < ctx->cfg.files.n && used < outlen; i++) {
		int n = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
		                 ctx->cfg.files.v[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (!ctx->cfg.files.n)
		snprintf(out, outlen, "no config file found");
}

CCRED_API ccred_error ccred_profile_select(struct ccred_ctx *ctx, const char *name,
                                           const char **chosen)
{
	const char *n = explicit_name(name);
	char files[512];

	if (n)
		return select_named(ctx, n, chosen);
	if (ccredi_config_find(&ctx->cfg, "default"))
		return select_named(ctx, "default", chosen);
	if (ctx->cfg.nprofiles == 1)
		return select_named(ctx, ctx->cfg.profiles[0].name, chosen);
	list_files(ctx, files, sizeof(files));
	if (ctx->cfg.nprofiles == 0)
		return ccredi_err(ctx, CCRED_E_CONFIG,
		                  "no profile configured (%s); see ccred.conf(5) or run "
		                  "'ccred configure'",
		                  files);
	return ccredi_err(ctx, CCRED_E_CONFIG,
	                  "%zu profiles and none chosen: name one with -p NAME or "
	                  "$CCRED_PROFILE, or call one 'default'",
	                  ctx->cfg.nprofiles);
}

CCRED_API ccred_error ccred_profile_select_url(struct ccred_ctx *ctx, const char *name,
                                               const char *url, const char **chosen)
{
	const char *n = explicit_name(name);
	struct ccredi_url want;
	const char *best = NULL;
	int best_score = -1;

	if (n)
		return select_named(ctx, n, chosen);
	if (!url || ccredi_url_parse(url, &want) < 0)
		return ccredi_err(ctx, CCRED_E_NOPROFILE, "no profile answers for that URL");
	for (size_t i = 0; i < ctx->cfg.nprofiles; i++) {
		struct ccredi_profile p;
		char err[256];

		if (ccredi_profile_resolve(&ctx->cfg, ctx->cfg.profiles[i].name, &p, err,
		                           sizeof(err)) != CCRED_OK)
			continue;
		for (size_t j = 0; j < p.urls->n; j++) {
			struct ccredi_url pat;
			int score;
			if (ccredi_url_parse(p.urls->v[j], &pat) < 0)
				continue;
			score = ccredi_url_match(&pat, &want);
			if (score > best_score) {
				best_score = score;
				best = p.name;
			}
			ccredi_url_clear(&pat);
		}
	}
	ccredi_url_clear(&want);
	if (!best)
		return ccredi_err(ctx, CCRED_E_NOPROFILE, "no profile has a url matching %s", url);
	return select_named(ctx, best, chosen);
}

CCRED_API const char *ccred_profile_current(const struct ccred_ctx *ctx)
{
	return ctx->have_profile ? ctx->prof.name : NULL;
}

ccred_error ccredi_need_profile(struct ccred_ctx *ctx)
{
	return ctx->have_profile ? CCRED_OK : ccred_profile_select(ctx, NULL, NULL);
}

CCRED_API size_t ccred_profile_count(const struct ccred_ctx *ctx)
{
	return ctx->cfg.nprofiles;
}

CCRED_API const char *ccred_profile_name(const struct ccred_ctx *ctx, size_t i)
{
	return i < ctx->cfg.nprofiles ? ctx->cfg.profiles[i].name : NULL;
}

static const char *profile_value(const struct ccred_ctx *ctx, const struct ccredi_profile *p, int k)
{
	const char *v;

	switch (k) {
	case K_TOKEN_URL: return p->token_url;
	case K_ISSUER: return p->issuer;
	case K_CLIENT_ID: return p->client_id;
	case K_SCOPE: return p->scope;
	case K_AUDIENCE: return p->audience;
	case K_RESOURCE: return p->resource;
	case K_AUTH_METHOD: return p->auth_method;
	case K_CA_FILE: return p->ca_file;
	case K_CA_PATH: return p->ca_path;
	case K_PROXY: return p->proxy;
	case K_USERNAME: return p->username;
	default:
		/* min_ttl, timeout, cache: as written, inherited from [defaults] */
		v = p->sec->val[k] ? p->sec->val[k] : ctx->cfg.defaults.val[k];
		return v && *v ? v : NULL;
	}
}

/* Resolves `profile` (NULL: the selected one) into *p; false when unknown. */
static bool resolve(struct ccred_ctx *ctx, const char *profile, struct ccredi_profile *p)
{
	char err[256];

	if (!profile) {
		if (!ctx->have_profile)
			return false;
		*p = ctx->prof;
		return true;
	}
	/* A profile still missing token_url or client_id is resolved as far
	 * as it goes: its values are there to be read (ccred configure). */
	return ccredi_profile_resolve(&ctx->cfg, profile, p, err, sizeof(err)) == CCRED_OK ||
	       ccredi_config_find(&ctx->cfg, profile) != NULL;
}

CCRED_API const char *ccred_profile_get(struct ccred_ctx *ctx, const char *profile,
                                        const char *key)
{
	struct ccredi_profile p;
	int k = ccredi_key_lookup(key);

	if (k < 0 || k >= K_NSCALAR || !resolve(ctx, profile, &p))
		return NULL;
	return profile_value(ctx, &p, k);
}

CCRED_API const char *ccred_profile_list(struct ccred_ctx *ctx, const char *profile,
                                         const char *key, size_t i)
{
	struct ccredi_profile p;
	int k = ccredi_key_lookup(key);
	const struct ccredi_strlist *l;

	if (k < K_NSCALAR || !resolve(ctx, profile, &p))
		return NULL;
	l = k == K_URL ? p.urls : p.stores;
	if (k == K_SECRET_STORE && l->n == 0)
		return i == 0 ? "libsecret" : NULL;
	return i < l->n ? l->v[i] : NULL;
}
