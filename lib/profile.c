/* SPDX-License-Identifier: MIT */
/*
 * Which profile answers: -p NAME, $CCRED_PROFILE, "default", the only
 * profile.  A caller that names a URL (git, docker) has a stricter rule of
 * its own, so that a token only goes to a host it was meant for: the
 * longest `url` prefix, or -p NAME when that profile's urls allow it.
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
	if (rc == CCRED_E_CONFIG && !ccredi_config_find(&ctx->cfg, name)) {
		const char *cand[64], *near;
		char cmd[600];
		size_t n = 0;
		for (; n < ctx->cfg.nprofiles && n < 64; n++)
			cand[n] = ctx->cfg.profiles[n].name;
		if ((near = ccred_nearest(name, cand, n)))
			return ccredi_err(ctx, rc,
			                  "no profile '%s' in the configuration (did you "
			                  "mean '%s'?)",
			                  name, near);
		if (!ccredi_profile_name_ok(name))
			return rc;
		ccredi_suggest(ctx, NULL, cmd, sizeof(cmd));
		return ccredi_err(ctx, rc,
		                  "no profile '%s' in the configuration; set it up with "
		                  "'%s configure %s'",
		                  name, cmd, name);
	}
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
	if (ctx->cfg.nprofiles == 0) {
		char cmd[600];
		ccredi_suggest(ctx, NULL, cmd, sizeof(cmd));
		return ccredi_err(ctx, CCRED_E_CONFIG,
		                  "no profile configured (%s); see ccred.conf(5) or run "
		                  "'%s configure'",
		                  files, cmd);
	}
	return ccredi_err(ctx, CCRED_E_CONFIG,
	                  "%zu profiles and none chosen: name one with -p NAME or "
	                  "$CCRED_PROFILE, or call one 'default'",
	                  ctx->cfg.nprofiles);
}

/* Does one of p's `url` lines answer for want?  Its score (the longest
 * match) in *score, -1 when none. */
static bool urls_answer(const struct ccredi_profile *p, const struct ccredi_url *want, int *score)
{
	*score = -1;
	for (size_t j = 0; j < p->urls->n; j++) {
		struct ccredi_url pat;
		int s;
		if (ccredi_url_parse(p->urls->v[j], &pat) < 0)
			continue;
		s = ccredi_url_match(&pat, want);
		if (s > *score)
			*score = s;
		ccredi_url_clear(&pat);
	}
	return *score >= 0;
}

/*
 * The one rule for every caller that names a URL (git, docker): a token
 * goes only to a host it was meant for.  So $CCRED_PROFILE, "default" and
 * the only profile never apply (a variable exported for `ccred token` must
 * not hand the token to whatever host git is asked about), and -p NAME
 * applies only when that profile has no `url` lines or one of them matches.
 */
CCRED_API ccred_error ccred_profile_select_url(struct ccred_ctx *ctx, const char *name,
                                               const char *url, const char **chosen)
{
	struct ccredi_url want;
	const char *best = NULL, *env = getenv("CCRED_PROFILE");
	bool have_want = url && ccredi_url_parse(url, &want) == 0;
	int best_score = -1, score;
	ccred_error rc;

	if (chosen)
		*chosen = NULL;
	if (name && *name) {
		if ((rc = select_named(ctx, name, chosen)) != CCRED_OK)
			goto out;
		if (ctx->prof.urls->n == 0 || (have_want && urls_answer(&ctx->prof, &want, &score)))
			goto out;
		ctx->have_profile = false;
		if (chosen)
			*chosen = NULL;
		rc = ccredi_err(ctx, CCRED_E_NOPROFILE,
		                "profile '%s' does not answer for %s: none of its url lines "
		                "matches",
		                name, url ? url : "that URL");
		ccredi_trace(ctx, 1, "%s", ctx->errmsg);
		goto out;
	}
	if (env && *env)
		ccredi_trace(ctx, 1, "$CCRED_PROFILE is not used for a caller that names a URL");
	if (!have_want) {
		rc = ccredi_err(ctx, CCRED_E_NOPROFILE, "no profile answers for that URL");
		goto out;
	}
	for (size_t i = 0; i < ctx->cfg.nprofiles; i++) {
		struct ccredi_profile p;
		char err[700];

		/* A broken profile answers for no URL; the others still do. */
		if (ccredi_profile_resolve(&ctx->cfg, ctx->cfg.profiles[i].name, &p, err,
		                           sizeof(err)) != CCRED_OK) {
			ccredi_trace(ctx, 1, "passing over profile '%s': %s",
			             ctx->cfg.profiles[i].name, err);
			continue;
		}
		if (urls_answer(&p, &want, &score) && score > best_score) {
			best_score = score;
			best = p.name;
		}
	}
	if (!best)
		rc = ccredi_err(ctx, CCRED_E_NOPROFILE, "no profile has a url matching %s", url);
	else
		rc = select_named(ctx, best, chosen);
out:
	if (have_want)
		ccredi_url_clear(&want);
	return rc;
}

/* Whether s can go into a suggested shell command as it is. */
static bool shell_plain(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		            "/._-+@%=:,~",
		            *s))
			return false;
	return true;
}

static void add_arg(char *buf, size_t len, const char *opt, const char *arg)
{
	size_t used = strlen(buf);

	if (used >= len)
		return;
	if (shell_plain(arg)) {
		snprintf(buf + used, len - used, " %s %s", opt, arg);
		return;
	}
	/* '…' with each ' written as '\'' */
	used += (size_t)snprintf(buf + used, len - used, " %s '", opt);
	if (used + 6 >= len) {
		buf[len - 1] = '\0'; /* cut: a message, never a command run */
		return;
	}
	for (; *arg && used + 6 < len; arg++) {
		if (*arg == '\'')
			used += (size_t)snprintf(buf + used, len - used, "'\\''");
		else
			buf[used++] = *arg;
	}
	buf[used] = '\0';
	snprintf(buf + used, len - used, "'");
}

CCRED_API const char *ccred_suggest_command(char *buf, size_t len, const char *config,
                                            const char *profile)
{
	if (!buf || !len)
		return buf;
	snprintf(buf, len, "ccred");
	if (config)
		add_arg(buf, len, "-c", config);
	if (profile)
		add_arg(buf, len, "-p", profile);
	return buf;
}

void ccredi_suggest(const struct ccred_ctx *ctx, const char *profile, char *buf, size_t len)
{
	ccred_suggest_command(buf, len, ctx->config_arg, profile);
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

/* A STR key's value is the profile's field (defaults applied); a LONG or
 * BOOL key's is the value as written, inherited from [defaults]. */
/* Generated from the key list: kept as written. */
/* clang-format off */
#define GET_STR(field) return p->field;
#define GET_LONG(field) break;
#define GET_BOOL(field) break;
#define KEY_GET(id, name, type, check, dflt) case K_##id: GET_##type(name)

static const char *profile_value(const struct ccred_ctx *ctx, const struct ccredi_profile *p, int k)
{
	const char *v;

	switch (k) {
	CCREDI_KEYS(KEY_GET)
	default:
		break;
	}
	/* clang-format on */
	v = p->sec->val[k] ? p->sec->val[k] : ctx->cfg.defaults.val[k];
	return v && *v ? v : NULL;
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

CCRED_API const char *ccred_profile_get(struct ccred_ctx *ctx, const char *profile, const char *key)
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
