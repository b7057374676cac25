/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the git credential protocol reader.  helper/git.c is
 * compiled into this file, so its static reader is reached exactly as the
 * command builds it (it still includes only <ccred/ccred.h>); the rest of
 * the command it needs is stubbed below.  Input arrives as git's stdin.
 */
#include "../../helper/git.c"

#include <stdint.h>
#include <stdio.h>

const char *progname = "ccred";

/* Messages are not what is tested; keep the fuzzer's output readable. */
void errorf(const char *fmt, ...)
{
	(void)fmt;
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The driver past the reader: not what is fuzzed here. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct git_req req = {0};
	FILE *in;
	char *url;

	if (size == 0 || !(in = fmemopen((void *)data, size, "r")))
		return 0;
	if (git_read(in, &req) == 0 && (url = git_url(&req)))
		free(url);
	fclose(in);
	git_req_clear(&req);
	return 0;
}
