/* SPDX-License-Identifier: MIT */
/*
 * The parts of the command that a harness linking one protocol file
 * (tests/fuzz/fuzz-git, fuzz-docker, fuzz-kubectl; tests/unit/test-kube)
 * does not run: messages are dropped (they are not what is tested, and the
 * fuzzer's output stays readable), a usage exit aborts (no harness reaches
 * one), and nothing opens a context or fetches a token.  Each harness
 * defines progname itself.
 */
#include <stdlib.h>

#include "helper.h"

void errorf(const char *fmt, ...)
{
	(void)fmt;
}

void die_usage(const char *fmt, ...)
{
	(void)fmt;
	abort();
}

struct ccred_ctx *open_ctx(const struct opts *o, int *status)
{
	(void)o;
	*status = 0;
	return NULL;
}

int report(struct ccred_ctx *ctx, ccred_error rc)
{
	(void)ctx;
	return (int)rc;
}

/* Past the readers the harnesses run. */
int url_call(const struct url_caller *c, const struct opts *o, const char *url, bool erase,
             const void *req)
{
	(void)c;
	(void)o;
	(void)url;
	(void)erase;
	(void)req;
	return 0;
}

void refresh_note(struct ccred_ctx *ctx, const struct ccred_token *tok)
{
	(void)ctx;
	(void)tok;
}
