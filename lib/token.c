/* SPDX-License-Identifier: MIT */
/*
 * The token life cycle: cache hit, else one fetch under the lock
 * (re-checking the cache once the lock is ours), then the entry written
 * whole.  The hit path reads config and one small file: no secret, no
 * D-Bus, no libcurl.  The context itself is lib/context.c.
 */
#include "ccred-int.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct ccred_token {
	char *value; /* secret */
	char *type;
	char *scope;
	time_t expires; /* 0: unknown */
};

/* The margin a cached token must still have: an explicit min_ttl exactly,
 * else 60 s capped at half the token's lifetime. */
static long effective_min_ttl(const struct ccred_ctx *ctx, time_t obtained, time_t expires)
{
	long half = (long)(expires - obtained) / 2;

	if (ctx->min_ttl_override >= 0)
		return ctx->min_ttl_override;
	if (ctx->prof.min_ttl >= 0)
		return ctx->prof.min_ttl;
	return half < 60 ? half : 60;
}

static bool fresh_enough(const struct ccred_ctx *ctx, const struct ccredi_cache_entry *e)
{
	return e->expires - time(NULL) >= effective_min_ttl(ctx, e->obtained, e->expires);
}

/* Every token handed out, fetched or cached, passes here: what a caller
 * writes into a header, a git or curl line or a shell word must be a
 * visible-ASCII Bearer token with a printable scope (fetch.c refuses
 * anything else from the server; a cache entry that is not so is a miss). */
static ccred_error token_from(struct ccred_ctx *ctx, char **value, const char *type,
                              const char *scope, time_t expires, struct ccred_token **tokp)
{
	struct ccred_token *t;

	if (!ccredi_visible_ascii(*value) || !ccredi_is_bearer(type) ||
	    (scope && !ccredi_printable_ascii(scope)))
		return ccredi_err(ctx, CCRED_E_PROTOCOL,
		                  "a token that is not a Bearer token of visible ASCII");
	if (!(t = calloc(1, sizeof(*t))) || !(t->type = strdup("Bearer")) ||
	    !(t->scope = strdup(scope ? scope : ""))) {
		ccred_token_free(t);
		return ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
	}
	t->value = *value; /* ownership moves */
	*value = NULL;
	t->expires = expires;
	*tokp = t;
	return CCRED_OK;
}

/* A hit: an entry with min_ttl left, or, when we had to wait for another
 * process's fetch, the token it fetched after we asked (not_before): that
 * is as fresh as a fetch of ours would be, so a crowd with a min_ttl above
 * the token's lifetime still makes one request. */
static bool try_cache(struct ccred_ctx *ctx, int dirfd, const char *stem, const char *key,
                      time_t not_before, struct ccred_token **tokp)
{
	struct ccredi_cache_entry e;
	char why[256];
	time_t now;
	bool hit = false, fresh;

	if (ccredi_cache_read(dirfd, stem, key, &e, why, sizeof(why)) != 0) {
		ccredi_trace(ctx, 1, "cache: miss (%s)", why);
		return false;
	}
	now = time(NULL);
	/* (Entries keep whole seconds: a second's slack.) */
	fresh = not_before && e.obtained + 1 >= not_before && e.expires > now;
	if (!fresh && !fresh_enough(ctx, &e)) {
		ccredi_trace(ctx, 1, "cache: token has %lld s left, wants %ld s: refreshing",
		             (long long)(e.expires - now),
		             effective_min_ttl(ctx, e.obtained, e.expires));
	} else if (token_from(ctx, &e.token, e.token_type, e.scope, e.expires, tokp) == CCRED_OK) {
		ccredi_trace(ctx, 1, "cache: hit, %lld s left%s", (long long)(e.expires - now),
		             fresh ? " (fetched by another ccred while we waited)" : "");
		hit = true;
	} else {
		/* e.g. an entry of an older ccred holding another token_type */
		ccredi_trace(ctx, 1, "cache: entry refused (not a Bearer token of visible ASCII)");
	}
	ccredi_cache_entry_clear(&e);
	return hit;
}

static ccred_error fetch_and_store(struct ccred_ctx *ctx, int dirfd, const char *stem,
                                   const char *key, struct ccred_token **tokp)
{
	struct ccredi_tokresp tr;
	char why[256];
	time_t started = 0, expires = 0;
	long long jexp;
	ccred_error rc;

	if ((rc = ccredi_fetch_stored(ctx, &tr, &started)) != CCRED_OK)
		return rc;
	if (tr.expires_in >= 0)
		expires = started + tr.expires_in;
	else if ((jexp = ccredi_jwt_exp(tr.access_token)) > 0)
		expires = (time_t)jexp;
	if (!expires)
		ccredi_trace(ctx, 1, "token has no expires_in and no JWT exp: not cached");
	else if (expires - started < effective_min_ttl(ctx, started, expires))
		ccredi_trace(ctx, 1,
		             "fresh token lives %lld s, below min_ttl; handing it out anyway",
		             (long long)(expires - started));
	if (dirfd >= 0 && expires > started) {
		struct ccredi_cache_entry e = {
		        .token = tr.access_token,
		        .token_type = (char *)"Bearer", /* fetch.c refused any other type */
		        .scope = tr.scope,
		        .obtained = started,
		        .expires = expires,
		};
		if (ccredi_cache_write(dirfd, stem, key, &e, why, sizeof(why)) < 0)
			ccredi_trace(ctx, 1, "cache: %s", why);
	}
	rc = token_from(ctx, &tr.access_token, tr.token_type, tr.scope, expires, tokp);
	ccredi_tokresp_clear(&tr);
	return rc;
}

CCRED_API ccred_error ccred_token_get(struct ccred_ctx *ctx, const char *profile,
                                      struct ccred_token **tokp)
{
	struct ccredi_buf key = {0};
	char stem[33], why[256];
	int dirfd = -1, lockfd = -1;
	time_t asked = time(NULL);
	bool waited = false;
	ccred_error rc;

	*tokp = NULL;
	if (profile && (rc = ccred_profile_select(ctx, profile, NULL)) != CCRED_OK)
		return rc;
	if ((rc = ccredi_need_profile(ctx)) != CCRED_OK)
		return rc;
	if (ccredi_cache_key(&ctx->prof, &key, stem) < 0) {
		rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
		goto out;
	}
	if (ctx->prof.cache &&
	    (dirfd = ccredi_cache_dir_open(ctx, CCREDI_CACHE_CREATE | CCREDI_CACHE_REPAIR, why,
	                                   sizeof(why))) < 0)
		ccredi_trace(ctx, 1, "cache: not used: %s", why);
	if (dirfd >= 0) {
		if (try_cache(ctx, dirfd, stem, key.p, 0, tokp)) {
			rc = CCRED_OK;
			goto out;
		}
		lockfd = ccredi_lock_take(dirfd, stem, ctx->prof.timeout * 1000, &waited);
		if (lockfd < 0 && errno == ETIMEDOUT) {
			rc = ccredi_err(ctx, CCRED_E_TEMPFAIL,
			                "waited %ld s for another ccred fetching the same token",
			                ctx->prof.timeout);
			goto out;
		}
		if (lockfd < 0)
			ccredi_trace(ctx, 1, "cache: cannot lock (%s); fetching alone",
			             strerror(errno));
		/* Whoever held the lock may have fetched what we need. */
		if (lockfd >= 0 && try_cache(ctx, dirfd, stem, key.p, waited ? asked : 0, tokp)) {
			rc = CCRED_OK;
			goto out;
		}
	}
	rc = fetch_and_store(ctx, dirfd, stem, key.p, tokp);
out:
	ccredi_lock_release(lockfd);
	if (dirfd >= 0)
		close(dirfd);
	ccredi_buf_clear(&key);
	return rc;
}

CCRED_API const char *ccred_token_value(const struct ccred_token *tok)
{
	return tok->value;
}

CCRED_API const char *ccred_token_type(const struct ccred_token *tok)
{
	return tok->type;
}

CCRED_API time_t ccred_token_expires_at(const struct ccred_token *tok)
{
	return tok->expires;
}

CCRED_API const char *ccred_token_scope(const struct ccred_token *tok)
{
	return tok->scope;
}

CCRED_API void ccred_token_free(struct ccred_token *tok)
{
	if (!tok)
		return;
	ccredi_free_secret_str(tok->value);
	free(tok->type);
	free(tok->scope);
	free(tok);
}

static int drop_one(struct ccred_ctx *ctx, int dirfd, const struct ccredi_profile *p)
{
	struct ccredi_buf key = {0};
	char stem[33];
	int rc = -1;

	if (ccredi_cache_key(p, &key, stem) == 0) {
		rc = ccredi_cache_remove(dirfd, stem);
		ccredi_trace(ctx, 1, "cache: dropped the entry of profile '%s'", p->name);
	}
	ccredi_buf_clear(&key);
	return rc;
}

/* --all drops every entry in the cache, not only those of the profiles in
 * today's config: entries of profiles since changed or removed, or kept by
 * another config file, go too. */
CCRED_API ccred_error ccred_cache_drop(struct ccred_ctx *ctx, int all_profiles)
{
	char why[256];
	int dirfd, failed = 0;
	ccred_error rc;

	if (!all_profiles && (rc = ccredi_need_profile(ctx)) != CCRED_OK)
		return rc;
	if ((dirfd = ccredi_cache_dir_open(ctx, CCREDI_CACHE_REPAIR, why, sizeof(why))) < 0) {
		ccredi_trace(ctx, 1, "cache: %s: nothing cached", why);
		return CCRED_OK;
	}
	if (!all_profiles) {
		failed = drop_one(ctx, dirfd, &ctx->prof) < 0;
	} else {
		ccredi_cache_remove_all(dirfd);
		ccredi_trace(ctx, 1, "cache: dropped every entry in %s", ctx->cache_dir);
	}
	close(dirfd);
	if (failed)
		return ccredi_err(ctx, CCRED_E_INTERNAL, "cannot remove a cache entry: %s",
		                  strerror(errno));
	return CCRED_OK;
}

CCRED_API long ccred_cache_remaining(struct ccred_ctx *ctx, const char *profile)
{
	struct ccredi_profile p;
	struct ccredi_cache_entry e;
	struct ccredi_buf key = {0};
	char stem[33], why[256];
	long left = -1;
	int dirfd;

	if (ccredi_profile_resolve(&ctx->cfg, profile, &p, why, sizeof(why)) != CCRED_OK ||
	    ccredi_cache_key(&p, &key, stem) < 0)
		goto out;
	/* Only looks: a missing or refused directory is left as it is. */
	if ((dirfd = ccredi_cache_dir_open(ctx, 0, why, sizeof(why))) < 0)
		goto out;
	if (ccredi_cache_read(dirfd, stem, key.p, &e, why, sizeof(why)) == 0) {
		left = (long)(e.expires - time(NULL));
		if (left < 0)
			left = -1;
		ccredi_cache_entry_clear(&e);
	}
	close(dirfd);
out:
	ccredi_buf_clear(&key);
	return left;
}
