/* SPDX-License-Identifier: MIT */
/* ccred secret set|delete|status: the stack seen from the writing side. */
#include "ccred-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *set_where(struct ccred_ctx *ctx, struct ccredi_store_inst *inst)
{
	const char *d = inst->vt.describe ? inst->vt.describe(inst->state) : NULL;

	free(ctx->where);
	ctx->where = strdup(d ? d : inst->line);
	return ctx->where;
}

/*
 * The end of a store's turn in set and status; closes inst.  The store that
 * did the work ends the walk with CCRED_OK (and *where); one that refused as
 * insecure ends it with a configuration error; any other is noted and the
 * walk goes on (false).
 */
static bool turn_ends(struct ccred_ctx *ctx, struct ccredi_store_walk *w,
                      struct ccredi_store_inst *inst, bool done, int r, const char *err,
                      const char **where, ccred_error *rc)
{
	if (done) {
		if (where)
			*where = set_where(ctx, inst);
		ccredi_store_close(inst);
		*rc = CCRED_OK;
		return true;
	}
	ccredi_store_close(inst);
	if (r == CCRED_STORE_INSECURE) {
		*rc = ccredi_err(ctx, CCRED_E_CONFIG, "%s", err);
		return true;
	}
	ccredi_store_walk_note(w, *err ? err : ccredi_store_result_name(r));
	return false;
}

/* Publishes the notes of a walk (on success and on failure alike). */
static void walk_end(struct ccred_ctx *ctx, struct ccredi_store_walk *w)
{
	ccredi_set_str(&ctx->notes, w->notes.len ? w->notes.p : "");
	ccredi_store_walk_clear(w);
}

/* What a caller hands in as a secret: one trailing newline (LF or CRLF) is
 * not part of it, and what is left must be 1 byte to 64 KiB without NUL.
 * The same rule for ccred_secret_set and ccred_secret_stage, so that a
 * proved secret can be set. */
static ccred_error secret_arg(struct ccred_ctx *ctx, const char *secret, size_t *len)
{
	if (*len && secret[*len - 1] == '\n')
		(*len)--;
	if (*len && secret[*len - 1] == '\r')
		(*len)--;
	if (*len == 0)
		return ccredi_err(ctx, CCRED_E_USAGE, "the secret is empty");
	if (*len > CCRED_STORE_SECRET_MAX || memchr(secret, '\0', *len))
		return ccredi_err(ctx, CCRED_E_USAGE,
		                  "the secret is over 64 KiB or has a NUL byte");
	return CCRED_OK;
}

CCRED_API const char *ccred_secret_notes(const struct ccred_ctx *ctx)
{
	return ctx->notes ? ctx->notes : "";
}

CCRED_API ccred_error ccred_secret_set(struct ccred_ctx *ctx, const char *secret, size_t len,
                                       const char **where)
{
	struct ccredi_store_walk w = {0};
	struct ccredi_store_inst inst;
	struct ccred_store_key key;
	bool any_writable = false;
	ccred_error rc;

	ccredi_set_str(&ctx->notes, "");
	if ((rc = ccredi_need_profile(ctx)) != CCRED_OK ||
	    (rc = secret_arg(ctx, secret, &len)) != CCRED_OK)
		return rc;
	ccredi_store_key(&ctx->prof, &key);
	while (ccredi_store_next(ctx, &w, &inst, &rc)) {
		char err[512] = "";
		int r;

		if (!inst.vt.set) {
			ccredi_store_walk_note(&w, "read-only store");
			ccredi_store_close(&inst);
			continue;
		}
		any_writable = true;
		r = inst.vt.set(inst.state, &key, secret, len, err, sizeof(err));
		if (turn_ends(ctx, &w, &inst, r == CCRED_STORE_OK, r, err, where, &rc))
			goto out;
	}
	if (rc != CCRED_OK)
		goto out;
	rc = ccredi_err(ctx, any_writable ? CCRED_E_NOSECRET : CCRED_E_READONLY,
	                "could not store the secret of profile '%s': %s", ctx->prof.name,
	                w.why.len ? w.why.p : "no secret_store");
out:
	walk_end(ctx, &w);
	return rc;
}

CCRED_API ccred_error ccred_secret_delete(struct ccred_ctx *ctx, const char **where)
{
	struct ccredi_store_walk w = {0};
	struct ccredi_store_inst inst;
	struct ccredi_buf done = {0};
	struct ccred_store_key key;
	bool any_writable = false;
	ccred_error rc;

	ccredi_set_str(&ctx->notes, "");
	if ((rc = ccredi_need_profile(ctx)) != CCRED_OK)
		return rc;
	ccredi_store_key(&ctx->prof, &key);
	while (ccredi_store_next(ctx, &w, &inst, &rc)) {
		char err[512] = "";
		int r;

		if (!inst.vt.erase) {
			ccredi_store_close(&inst);
			continue;
		}
		any_writable = true;
		r = inst.vt.erase(inst.state, &key, err, sizeof(err));
		if (r == CCRED_STORE_OK) {
			if (done.len)
				ccredi_buf_adds(&done, ", ");
			ccredi_buf_adds(&done, set_where(ctx, &inst));
		} else if (r != CCRED_STORE_NOTFOUND) {
			ccredi_store_walk_note(&w, *err ? err : ccredi_store_result_name(r));
		}
		ccredi_store_close(&inst);
	}
	if (rc != CCRED_OK)
		goto out;
	if (done.len) {
		free(ctx->where);
		ctx->where = strdup(done.p);
		if (where)
			*where = ctx->where;
		rc = CCRED_OK;
	} else if (w.why.len) {
		rc = ccredi_err(ctx, CCRED_E_NOSECRET,
		                "could not delete the secret of profile '%s': %s", ctx->prof.name,
		                w.why.p);
	} else {
		rc = ccredi_err(ctx, any_writable ? CCRED_E_NOSECRET : CCRED_E_READONLY,
		                "no stored secret for profile '%s'%s", ctx->prof.name,
		                any_writable ? "" : " in a writable store");
	}
out:
	walk_end(ctx, &w);
	ccredi_buf_clear(&done);
	return rc;
}

CCRED_API ccred_error ccred_secret_status(struct ccred_ctx *ctx, const char **where)
{
	struct ccredi_store_walk w = {0};
	struct ccredi_store_inst inst;
	struct ccred_store_key key;
	char *buf = NULL;
	ccred_error rc;

	ccredi_set_str(&ctx->notes, "");
	if ((rc = ccredi_need_profile(ctx)) != CCRED_OK)
		return rc;
	if (!(buf = malloc(CCRED_STORE_SECRET_MAX)))
		return ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
	ccredi_store_key(&ctx->prof, &key);
	while (ccredi_store_next(ctx, &w, &inst, &rc)) {
		char err[512] = "";
		size_t len = 0;
		int r;

		r = inst.vt.get(inst.state, &key, buf, CCRED_STORE_SECRET_MAX, &len, err,
		                sizeof(err));
		ccredi_wipe(buf, len);
		if (turn_ends(ctx, &w, &inst, r == CCRED_STORE_OK && len > 0, r, err, where, &rc))
			goto out;
	}
	if (rc != CCRED_OK)
		goto out;
	rc = ccredi_err(ctx, CCRED_E_NOSECRET, "no client secret for profile '%s': %s",
	                ctx->prof.name, w.why.len ? w.why.p : "no secret_store");
out:
	ccredi_freezero(buf, CCRED_STORE_SECRET_MAX);
	walk_end(ctx, &w);
	return rc;
}

static ccred_probe probe_state(int r, size_t len)
{
	switch (r) {
	case CCRED_STORE_OK: return len > 0 ? CCRED_PROBE_HOLDS : CCRED_PROBE_EMPTY;
	case CCRED_STORE_NOTFOUND: return CCRED_PROBE_EMPTY;
	case CCRED_STORE_UNAVAILABLE: return CCRED_PROBE_UNAVAILABLE;
	case CCRED_STORE_LOCKED: return CCRED_PROBE_LOCKED;
	case CCRED_STORE_INSECURE: return CCRED_PROBE_INSECURE;
	default: return CCRED_PROBE_ERROR;
	}
}

/* The i-th secret_store line of the selected profile. */
static ccred_error stack_line(struct ccred_ctx *ctx, size_t i, const char **line)
{
	ccred_error rc;

	if ((rc = ccredi_need_profile(ctx)) != CCRED_OK)
		return rc;
	if (!(*line = ccred_profile_list(ctx, NULL, "secret_store", i)))
		return ccredi_err(ctx, CCRED_E_USAGE, "profile '%s' has no store number %zu",
		                  ctx->prof.name, i + 1);
	return CCRED_OK;
}

CCRED_API ccred_error ccred_secret_probe(struct ccred_ctx *ctx, size_t i, ccred_probe *state,
                                         const char **detail)
{
	struct ccredi_store_inst inst;
	struct ccred_store_key key;
	struct ccredi_buf d = {0};
	const char *line;
	char *buf = NULL, err[512] = "";
	size_t len = 0;
	ccred_error rc;
	int r;

	*state = CCRED_PROBE_ERROR;
	if ((rc = stack_line(ctx, i, &line)) != CCRED_OK)
		return rc;
	rc = ccredi_store_open(ctx, line, &inst);
	if (rc == CCRED_E_NOSECRET || rc == CCRED_E_INTERNAL) {
		*state = rc == CCRED_E_NOSECRET ? CCRED_PROBE_UNAVAILABLE : CCRED_PROBE_ERROR;
		ccredi_store_note(&d, "", line, ctx->errmsg);
		rc = CCRED_OK;
		goto out;
	}
	if (rc != CCRED_OK)
		return rc;
	if (!(buf = malloc(CCRED_STORE_SECRET_MAX))) {
		ccredi_store_close(&inst);
		return ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
	}
	ccredi_store_key(&ctx->prof, &key);
	r = inst.vt.get(inst.state, &key, buf, CCRED_STORE_SECRET_MAX, &len, err, sizeof(err));
	*state = probe_state(r, len);
	if (*state == CCRED_PROBE_HOLDS)
		ccredi_buf_addf(&d, "%s: holds the secret",
		                inst.vt.describe ? inst.vt.describe(inst.state) : line);
	else
		ccredi_store_note(&d, "", line, *err ? err : "holds no secret");
	ccredi_trace(ctx, 1, "store '%s': %s", line, ccredi_store_result_name(r));
	ccredi_store_close(&inst);
	rc = CCRED_OK;
out:
	if (rc == CCRED_OK) {
		if (!ccredi_set_str(&ctx->detail, d.p ? d.p : line))
			rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
		else if (detail)
			*detail = ctx->detail;
	}
	ccredi_freezero(buf, CCRED_STORE_SECRET_MAX);
	ccredi_buf_clear(&d);
	return rc;
}

static void unstage(struct ccred_ctx *ctx)
{
	if (ctx->staged)
		ccredi_freezero(ctx->staged, ctx->staged_len + 1);
	ctx->staged = NULL;
	ctx->staged_len = 0;
}

CCRED_API ccred_error ccred_secret_stage(struct ccred_ctx *ctx, const char *secret, size_t len)
{
	ccred_error rc;

	unstage(ctx);
	if (!secret)
		return CCRED_OK;
	if ((rc = secret_arg(ctx, secret, &len)) != CCRED_OK)
		return rc;
	if (!(ctx->staged = malloc(len + 1)))
		return ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
	memcpy(ctx->staged, secret, len);
	ctx->staged[len] = '\0';
	ctx->staged_len = len;
	return CCRED_OK;
}

CCRED_API ccred_error ccred_secret_stage_stored(struct ccred_ctx *ctx, struct ccred_ctx *from)
{
	char *secret = NULL;
	size_t len = 0;
	ccred_error rc;

	unstage(ctx);
	if ((rc = ccredi_need_profile(from)) != CCRED_OK ||
	    (rc = ccredi_secret_read(from, &secret, &len)) != CCRED_OK)
		return ccredi_err(ctx, rc, "%s", ccred_errmsg(from));
	ctx->staged = secret;
	ctx->staged_len = len;
	return CCRED_OK;
}

CCRED_API ccred_error ccred_secret_commit(struct ccred_ctx *ctx, const char **where)
{
	ccred_error rc;

	if (!ctx->staged)
		return ccredi_err(ctx, CCRED_E_USAGE, "no secret is staged");
	rc = ccred_secret_set(ctx, ctx->staged, ctx->staged_len, where);
	unstage(ctx);
	return rc;
}

CCRED_API ccred_error ccred_secret_probe_flags(struct ccred_ctx *ctx, size_t i, unsigned int *flags)
{
	struct ccredi_store_inst inst;
	const char *line;
	ccred_error rc;

	*flags = 0;
	if ((rc = stack_line(ctx, i, &line)) != CCRED_OK)
		return rc;
	rc = ccredi_store_open(ctx, line, &inst);
	if (rc == CCRED_E_NOSECRET) {
		if (inst.not_installed)
			*flags |= CCRED_PROBE_F_NOT_INSTALLED;
		return CCRED_OK;
	}
	if (rc != CCRED_OK)
		return rc;
	if (inst.vt.set)
		*flags |= CCRED_PROBE_F_WRITABLE;
	ccredi_store_close(&inst);
	return CCRED_OK;
}
