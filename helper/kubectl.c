/* SPDX-License-Identifier: MIT */
/*
 * kubectl's exec credential plugin (client.authentication.k8s.io): kubectl
 * runs `ccred kubectl` with KUBERNETES_EXEC_INFO naming the ExecCredential
 * apiVersion it wants, and reads the ExecCredential on stdout.  The profile
 * is chosen as for `token` (kubeconfig's exec.args carry -p NAME).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "helper.h"

#define KUBE_DEFAULT_VERSION "client.authentication.k8s.io/v1"

int cmd_kubectl(const struct opts *o, int argc, char **argv)
{
	const char *info = getenv("KUBERNETES_EXEC_INFO");
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok = NULL;
	struct out out = {0};
	struct tokview v;
	char *version = NULL;
	ccred_error rc;
	int status = 0;

	if (argc > 1)
		die_usage("kubectl takes no arguments");
	if (!(ctx = open_ctx(o, &status)))
		goto out;
	/* Unset or empty: a kubectl too old to say (or a person at a shell). */
	if (!info || !*info) {
		if (!(version = strdup(KUBE_DEFAULT_VERSION))) {
			errorf("out of memory");
			status = EXIT_OSERR;
			goto out;
		}
	} else if ((rc = ccred_kube_exec_api_version(ctx, info, &version)) != CCRED_OK) {
		status = report(ctx, rc);
		goto out;
	}
	if ((rc = ccred_token_get(ctx, o->profile, &tok)) != CCRED_OK) {
		status = report(ctx, rc);
		goto out;
	}
	refresh_note(ctx, tok);
	tokview_of(&v, ctx, tok);
	if (write_kubectl(&out, &v, version) == 0) {
		status = out_flush(&out);
	} else {
		errorf("the token cannot be written unchanged; refusing it");
		status = EXIT_PROTOCOL;
	}
out:
	out_wipe(&out);
	ccred_token_free(tok);
	ccred_close(ctx);
	free(version);
	return status;
}
