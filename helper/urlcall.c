/* SPDX-License-Identifier: MIT */
/*
 * The one driver of the callers that name a URL (git, docker, cargo,
 * terraform): choose the profile by SPEC's stricter rule
 * (ccred_profile_select_url: no $CCRED_PROFILE, default or only profile),
 * then answer, erase the token, or pass so the caller asks elsewhere.  What
 * differs between them -- how each reads its URL, passes, fails and
 * answers -- is a row of struct url_caller in the protocol's own file.
 */
#include "config.h"

#include "helper.h"

int url_call(const struct url_caller *c, const struct opts *o, const char *url, bool erase,
             const void *req)
{
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok = NULL;
	struct out out = {0};
	ccred_error rc;
	int status = 0;

	if ((rc = ccred_open(&ctx, o->config, 0)) != CCRED_OK) {
		status = c->fail(ctx, rc);
		goto out;
	}
	ccred_set_verbose(ctx, o->verbose);
	if (o->min_ttl >= 0)
		ccred_set_min_ttl(ctx, o->min_ttl);
	if (c->progress)
		progress_install(ctx, o);
	rc = ccred_profile_select_url(ctx, o->profile, url, NULL);
	if (rc == CCRED_E_NOPROFILE) {
		status = c->pass(erase);
		goto out;
	}
	if (rc != CCRED_OK) {
		status = c->fail(ctx, rc);
		goto out;
	}
	if (erase) {
		/* the caller saw the token refused: drop it, never the secret */
		if ((rc = ccred_cache_drop(ctx, 0)) != CCRED_OK)
			status = c->fail(ctx, rc);
		goto out;
	}
	if ((rc = ccred_token_get(ctx, NULL, &tok)) != CCRED_OK) {
		status = c->fail(ctx, rc);
		goto out;
	}
	refresh_note(ctx, tok); /* refresh ahead: started once ccred is done */
	if ((status = c->answer(&out, ctx, tok, url, req)) == 0)
		status = out_flush(&out);
out:
	out_wipe(&out);
	ccred_token_free(tok);
	ccred_close(ctx);
	return status;
}
