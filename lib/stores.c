/* SPDX-License-Identifier: MIT */
/*
 * The secret-store stack, PAM style: each `secret_store` line names a store
 * and its arguments; stores are tried top to bottom and the first that holds
 * the secret wins.  Built-in stores are linked in; any other NAME is loaded
 * from $(pkglibdir)/stores/NAME.so only when the stack reaches it.
 */
#include "ccred-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stores/builtin.h"

static const struct {
	const char *name;
	ccred_store_initvt_fn initvt;
} builtin_stores[] = {
        {"env", ccredi_store_env_initvt},
        {"file", ccredi_store_file_initvt},
        {"command", ccredi_store_command_initvt},
        {"systemd", ccredi_store_systemd_initvt},
};

const char *ccredi_module_dir(void)
{
	/* For the build tree's tests; a process that could set this could as
	 * well set LD_PRELOAD, and secure_getenv ignores it under setuid. */
	const char *d = secure_getenv("CCRED_MODULE_DIR");
	return d && *d ? d : CCRED_MODULE_DIR;
}

const char *ccredi_store_result_name(int r)
{
	switch (r) {
	case CCRED_STORE_OK: return "ok";
	case CCRED_STORE_NOTFOUND: return "not found";
	case CCRED_STORE_UNAVAILABLE: return "unavailable";
	case CCRED_STORE_LOCKED: return "locked";
	case CCRED_STORE_READONLY: return "read-only";
	case CCRED_STORE_INSECURE: return "insecure";
	default: return "error";
	}
}

static void svc_trace(void *host, int level, const char *fmt, ...)
{
	struct ccred_ctx *ctx = host;
	char line[512];
	va_list ap;

	if (!ctx || ctx->verbose < level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ccredi_trace(ctx, level, "%s", line);
}

long ccredi_store_timeout_ms(const struct ccredi_profile *p)
{
	return p->timeout * 1000;
}

void ccredi_store_key(const struct ccredi_profile *p, struct ccred_store_key *k)
{
	k->profile = p->name;
	k->client_id = p->client_id;
	k->endpoint_attr = p->token_url ? "token_url" : "issuer";
	k->endpoint = p->token_url ? p->token_url : p->issuer;
}

void ccredi_store_close(struct ccredi_store_inst *inst)
{
	if (inst->vt.close && inst->state)
		inst->vt.close(inst->state);
	free(inst->line);
	memset(inst, 0, sizeof(*inst));
}

/* Opens one stack entry.  CCRED_E_NOSECRET: the store is not installed (the
 * stack passes over it); CCRED_E_CONFIG: bad line; CCRED_E_INTERNAL: a
 * module that is installed but broken (fail closed). */
ccred_error ccredi_store_open(struct ccred_ctx *ctx, const char *line,
                              struct ccredi_store_inst *inst)
{
	/* The context's own: an open store keeps this pointer, and its trace
	 * and timeout are this context's (two contexts in one process, or a
	 * closed one, must not be reached through another's store). */
	struct ccred_store_services *svc = &ctx->store_svc;
	struct ccredi_strlist w = {0};
	ccred_store_initvt_fn initvt = NULL;
	char err[512] = "", file[256], sym[128];
	ccred_error rc = CCRED_E_CONFIG;
	bool not_installed = false;
	int r;

	memset(inst, 0, sizeof(*inst));
	svc->version = CCRED_STORE_SERVICES_VERSION;
	svc->trace = svc_trace;
	svc->wipe = ccredi_wipe;
	svc->timeout_ms = ccredi_store_timeout_ms(&ctx->prof);
	svc->host = ctx;

	if (ccredi_split_words(line, &w, err, sizeof(err)) < 0 || w.n == 0) {
		rc = ccredi_err(ctx, CCRED_E_CONFIG, "secret_store '%s': %s", line,
		                *err ? err : "empty");
		goto out;
	}
	if (!(inst->line = strdup(line))) {
		rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < sizeof(builtin_stores) / sizeof(builtin_stores[0]); i++)
		if (strcmp(builtin_stores[i].name, w.v[0]) == 0)
			initvt = builtin_stores[i].initvt;
	if (!initvt) {
		/* Names were checked to be [a-z0-9_] when the config was read. */
		struct ccredi_module m = {.name = w.v[0], .file = file, .symbol = sym};
		char why[4096 + 512];
		int st;

		snprintf(file, sizeof(file), "stores/%s.so", w.v[0]);
		snprintf(sym, sizeof(sym), "ccred_store_%s_initvt", w.v[0]);
		if ((st = ccredi_module_load(&m, why, sizeof(why))) != CCREDI_MODULE_OK) {
			/* A store not installed is passed over (SPEC); a broken one
			 * fails closed. */
			not_installed = st == CCREDI_MODULE_MISSING;
			rc = ccredi_err(ctx, not_installed ? CCRED_E_NOSECRET : CCRED_E_INTERNAL,
			                "%s", why);
			goto out;
		}
		initvt = (ccred_store_initvt_fn)m.entry;
		ccredi_trace(ctx, 1, "store %s: loaded %s", w.v[0], m.path);
	}
	if ((r = initvt(CCRED_STORE_ABI_MAJOR, CCRED_STORE_ABI_MINOR, &inst->vt)) != 0 ||
	    !inst->vt.open || !inst->vt.get || !inst->vt.close) {
		rc = ccredi_err(ctx, CCRED_E_INTERNAL,
		                "%s: store module speaks another ABI (host %d.%d, result %d)",
		                w.v[0], CCRED_STORE_ABI_MAJOR, CCRED_STORE_ABI_MINOR, r);
		goto out;
	}
	r = inst->vt.open(svc, (int)w.n - 1, w.v + 1, &inst->state, err, sizeof(err));
	if (r != CCRED_STORE_OK) {
		rc = ccredi_err(ctx, r == CCRED_STORE_ERR_ARGS ? CCRED_E_CONFIG : CCRED_E_NOSECRET,
		                "%s", *err ? err : "store cannot be opened");
		goto out;
	}
	rc = CCRED_OK;
out:
	ccredi_strlist_clear(&w);
	if (rc != CCRED_OK) {
		inst->state = NULL;
		ccredi_store_close(inst);
		inst->not_installed = not_installed;
	}
	return rc;
}

/* Appends sep (when b is not empty) and what a store said, prefixed with its
 * secret_store line unless the message already begins with the store's name. */
void ccredi_store_note(struct ccredi_buf *b, const char *sep, const char *line, const char *what)
{
	size_t n = strcspn(line, " \t");

	if (b->len)
		ccredi_buf_adds(b, sep);
	if (!(strncmp(what, line, n) == 0 && (what[n] == ':' || what[n] == ' ')))
		ccredi_buf_addf(b, "%s: ", line);
	ccredi_buf_adds(b, what);
}

bool ccredi_store_next(struct ccred_ctx *ctx, struct ccredi_store_walk *w,
                       struct ccredi_store_inst *inst, ccred_error *rc)
{
	while ((w->line = ccred_profile_list(ctx, NULL, "secret_store", w->i)) != NULL) {
		w->i++;
		*rc = ccredi_store_open(ctx, w->line, inst);
		if (*rc == CCRED_OK)
			return true;
		if (*rc != CCRED_E_NOSECRET)
			return false;
		ccredi_store_walk_note(w, ctx->errmsg);
	}
	*rc = CCRED_OK;
	return false;
}

void ccredi_store_walk_note(struct ccredi_store_walk *w, const char *what)
{
	ccredi_store_note(&w->why, "; ", w->line, what);
	ccredi_store_note(&w->notes, "\n", w->line, what);
}

void ccredi_store_walk_clear(struct ccredi_store_walk *w)
{
	ccredi_buf_clear(&w->why);
	ccredi_buf_clear(&w->notes);
}

ccred_error ccredi_secret_read(struct ccred_ctx *ctx, char **secret, size_t *lenp)
{
	struct ccredi_store_walk w = {0};
	struct ccredi_store_inst inst;
	struct ccred_store_key key;
	char *buf = NULL, cmd[600];
	ccred_error rc = CCRED_E_NOSECRET;
	bool locked = false, writable = false;

	*secret = NULL;
	*lenp = 0;
	if (!(buf = malloc(CCRED_STORE_SECRET_MAX + 1)))
		return ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
	ccredi_store_key(&ctx->prof, &key);
	while (ccredi_store_next(ctx, &w, &inst, &rc)) {
		char err[512] = "";
		size_t len = 0;
		int r;

		r = inst.vt.get(inst.state, &key, buf, CCRED_STORE_SECRET_MAX, &len, err,
		                sizeof(err));
		/* Only a store that answered "not here" can take a secret now:
		 * one without a D-Bus or locked fails `secret set` the same way. */
		writable |= inst.vt.set != NULL && r == CCRED_STORE_NOTFOUND;
		ccredi_trace(ctx, 1, "store '%s': %s", w.line, ccredi_store_result_name(r));
		ccredi_store_close(&inst);
		if (r == CCRED_STORE_OK && len > 0 && len <= CCRED_STORE_SECRET_MAX) {
			buf[len] = '\0';
			if (strlen(buf) != len) {
				rc = ccredi_err(ctx, CCRED_E_NOSECRET,
				                "store '%s' returned a secret with a NUL byte",
				                w.line);
				goto out;
			}
			*secret = buf;
			*lenp = len;
			buf = NULL;
			rc = CCRED_OK;
			goto out;
		}
		if (r == CCRED_STORE_INSECURE) {
			rc = ccredi_err(ctx, CCRED_E_CONFIG, "%s", err);
			goto out;
		}
		locked |= r == CCRED_STORE_LOCKED;
		ccredi_store_walk_note(&w, *err ? err : ccredi_store_result_name(r));
	}
	if (rc != CCRED_OK)
		goto out;
	ccredi_suggest(ctx, ctx->prof.name, cmd, sizeof(cmd));
	rc = ccredi_err(ctx, CCRED_E_NOSECRET, "no client secret for profile '%s'%s%s%s%s%s",
	                ctx->prof.name, w.why.len ? ": " : "", w.why.len ? w.why.p : "",
	                locked || !writable ? "" : "; store it with '",
	                locked || !writable ? "" : cmd, locked || !writable ? "" : " secret set'");
out:
	ccredi_freezero(buf, CCRED_STORE_SECRET_MAX + 1);
	ccredi_store_walk_clear(&w);
	return rc;
}
