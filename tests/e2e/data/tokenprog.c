/* SPDX-License-Identifier: MIT */
/*
 * tokenprog PROFILE: what a C program outside the tree does with libccred.
 * Built against the installed library (tests/e2e/install.bats, an installed
 * prefix; tests/packaging/packages.bats, the libccred-dev package) with
 * `pkg-config --cflags --libs libccred`.  Prints the token on stdout and its
 * type, remaining life and scope on stderr; on failure the library's
 * message on stderr and the command's exit status.
 */
#include <stdio.h>
#include <time.h>

#include <ccred/ccred.h>

int main(int argc, char **argv)
{
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok = NULL;
	ccred_error rc;
	int status = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: tokenprog PROFILE\n");
		return 64;
	}
	rc = ccred_open(&ctx, NULL, 0);
	if (rc == CCRED_OK)
		rc = ccred_token_get(ctx, argv[1], &tok);
	if (rc != CCRED_OK) {
		fprintf(stderr, "tokenprog: %s: %s\n", ccred_strerror(rc),
		        ctx ? ccred_errmsg(ctx) : "");
		status = ccred_exit_code(rc);
		goto out;
	}
	printf("%s\n", ccred_token_value(tok));
	fprintf(stderr, "type=%s expires_in=%lld scope=%s version=%s\n", ccred_token_type(tok),
	        (long long)(ccred_token_expires_at(tok) - time(NULL)), ccred_token_scope(tok),
	        ccred_version());
	if (fflush(stdout) != 0)
		status = 74;
out:
	ccred_token_free(tok);
	ccred_close(ctx);
	return status;
}
