/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the git credential protocol reader.  helper/git.c is
 * compiled into this file, so its static reader is reached exactly as the
 * command builds it (it still includes only <ccred/ccred.h>); the rest of
 * the command it needs is stubbed (cmd-stubs.c).  Input arrives as git's stdin.
 */
#include "../../helper/git.c"

#include <stdint.h>
#include <stdio.h>

const char *progname = "ccred";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
