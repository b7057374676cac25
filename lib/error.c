/* SPDX-License-Identifier: MIT */
/* Error codes, their sysexits mapping, and the context's detail message. */
#include "ccred-int.h"

#include <stdio.h>
#include <stdlib.h>

static const struct {
	const char *msg;
	int exit_code;
} errors[] = {
        [CCRED_OK] = {"success", 0},
        [CCRED_E_USAGE] = {"usage error", 64},
        [CCRED_E_INPUT] = {"malformed input", 65},
        [CCRED_E_NOSECRET] = {"no client secret found", 69},
        [CCRED_E_TEMPFAIL] = {"temporary failure", 75},
        [CCRED_E_PROTOCOL] = {"invalid token response", 76},
        [CCRED_E_REJECTED] = {"the provider rejected the client", 77},
        [CCRED_E_CONFIG] = {"configuration error", 78},
        [CCRED_E_NOMEM] = {"out of memory", 71},
        [CCRED_E_NOPROFILE] = {"no profile answers", 78},
        [CCRED_E_INTERNAL] = {"internal error", 70},
        [CCRED_E_READONLY] = {"no writable secret store", 78},
};

CCRED_API const char *ccred_strerror(ccred_error err)
{
	if ((unsigned)err >= sizeof(errors) / sizeof(errors[0]) || !errors[err].msg)
		return "unknown error";
	return errors[err].msg;
}

CCRED_API int ccred_exit_code(ccred_error err)
{
	if ((unsigned)err >= sizeof(errors) / sizeof(errors[0]) || !errors[err].msg)
		return 70;
	return errors[err].exit_code;
}

CCRED_API const char *ccred_version(void)
{
	return PACKAGE_VERSION;
}

CCRED_API const char *ccred_errmsg(const struct ccred_ctx *ctx)
{
	return ctx ? ctx->errmsg : "out of memory";
}

ccred_error ccredi_err(struct ccred_ctx *ctx, ccred_error code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
	va_end(ap);
	return code;
}

void ccredi_trace(struct ccred_ctx *ctx, int level, const char *fmt, ...)
{
	va_list ap;

	if (!ctx || ctx->verbose < level)
		return;
	fputs("ccred: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
