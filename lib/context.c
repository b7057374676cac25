/* SPDX-License-Identifier: MIT */
/*
 * The context: ccred_open reads the system config (and config.d), then the
 * user's or the named one; ccred_close frees what the context owns.  The
 * settings a caller makes on it (verbosity, min_ttl, progress) are here
 * too.
 */
#include "ccred-int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int conf_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

static ccred_error read_system(struct ccred_ctx *ctx)
{
	const char *dir = secure_getenv("CCRED_SYSCONFDIR");
	char path[4096];
	struct dirent **names = NULL;
	ccred_error rc;
	int n;

	if (!dir || !*dir)
		dir = CCRED_SYSCONFDIR;
	snprintf(path, sizeof(path), "%s/ccred/config", dir);
	rc = ccredi_config_read_file(&ctx->cfg, path, true, ctx->errmsg, sizeof(ctx->errmsg));
	if (rc != CCRED_OK)
		return rc;
	snprintf(path, sizeof(path), "%s/ccred/config.d", dir);
	n = scandir(path, &names, conf_filter, alphasort);
	for (int i = 0; i < n; i++) {
		char file[4400];
		if (rc == CCRED_OK) {
			snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
			rc = ccredi_config_read_file(&ctx->cfg, file, false, ctx->errmsg,
			                             sizeof(ctx->errmsg));
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

CCRED_API ccred_error ccred_open(struct ccred_ctx **ctxp, const char *config_path,
                                 unsigned int flags)
{
	struct ccred_ctx *ctx = calloc(1, sizeof(*ctx));
	const char *env = getenv("CCRED_CONFIG");
	char path[4096];
	ccred_error rc;

	*ctxp = ctx;
	if (!ctx)
		return CCRED_E_NOMEM;
	ctx->min_ttl_override = -1;
	if (!(flags & CCRED_OPEN_NO_SYSTEM) && (rc = read_system(ctx)) != CCRED_OK)
		return rc;
	if (config_path && !(ctx->config_arg = strdup(config_path)))
		return CCRED_E_NOMEM;
	if (config_path)
		return ccredi_config_read_file(&ctx->cfg, config_path,
		                               (flags & CCRED_OPEN_MISSING_OK) != 0, ctx->errmsg,
		                               sizeof(ctx->errmsg));
	if (ccredi_user_config_path(path, sizeof(path)) < 0)
		return CCRED_OK;
	/* $CCRED_CONFIG names a file that must exist; the default one need not. */
	return ccredi_config_read_file(&ctx->cfg, path,
	                               !(env && *env) || (flags & CCRED_OPEN_MISSING_OK),
	                               ctx->errmsg, sizeof(ctx->errmsg));
}

int ccredi_user_config_path(char *buf, size_t len)
{
	const char *env = getenv("CCRED_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (xdg && xdg[0] == '/')
		n = snprintf(buf, len, "%s/ccred/config", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.config/ccred/config", home);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

CCRED_API const char *ccred_config_file(const struct ccred_ctx *ctx, size_t i)
{
	return i < ctx->cfg.files.n ? ctx->cfg.files.v[i] : NULL;
}

const char *ccredi_set_str(char **slot, const char *s)
{
	char *copy = strdup(s ? s : "");

	if (!copy)
		return NULL;
	free(*slot);
	*slot = copy;
	return copy;
}

CCRED_API void ccred_close(struct ccred_ctx *ctx)
{
	if (!ctx)
		return;
	ccredi_config_clear(&ctx->cfg);
	free(ctx->where);
	free(ctx->cache_dir);
	free(ctx->notes);
	free(ctx->detail);
	free(ctx->written);
	free(ctx->config_arg);
	if (ctx->staged)
		ccredi_freezero(ctx->staged, ctx->staged_len + 1);
	/* The HTTP module stays mapped: libcurl and its TLS library register
	 * atexit handlers that must outlive dlclose. */
	free(ctx);
}

CCRED_API void ccred_set_progress(struct ccred_ctx *ctx, ccred_progress_fn fn, void *data)
{
	ctx->progress = fn;
	ctx->progress_data = data;
}

CCRED_API void ccred_set_verbose(struct ccred_ctx *ctx, int level)
{
	ctx->verbose = level;
}

CCRED_API void ccred_set_min_ttl(struct ccred_ctx *ctx, long seconds)
{
	ctx->min_ttl_override = seconds < 0 ? -1 : seconds;
}
