/*
 * A program outside the tree, built against the installed libccred-dev with
 * pkg-config alone (tests/packaging/packages.bats): prints the access token
 * of a profile and its expiry, as a library user would get them.
 *
 *   token CONFIG PROFILE
 */
#include <ccred/ccred.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok = NULL;
	ccred_error err;
	int status = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: token CONFIG PROFILE\n");
		return 64;
	}
	err = ccred_open(&ctx, argv[1], CCRED_OPEN_NO_SYSTEM);
	if (err == CCRED_OK)
		err = ccred_token_get(ctx, argv[2], &tok);
	if (err != CCRED_OK) {
		fprintf(stderr, "token: %s: %s\n", ccred_strerror(err),
		        ctx ? ccred_errmsg(ctx) : "");
		status = ccred_exit_code(err);
		goto out;
	}
	printf("%s\n%lld\n", ccred_token_value(tok), (long long)ccred_token_expires_at(tok));
	status = 0;
out:
	ccred_token_free(tok);
	ccred_close(ctx);
	return status;
}
