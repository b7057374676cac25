/* SPDX-License-Identifier: MIT */
/* KUBERNETES_EXEC_INFO: the apiVersion kubectl asks `ccred kubectl` for
 * (read by the JSON module, modules/json-c/json.c). */
#include "ccred-int.h"

#include <stdio.h>

CCRED_API ccred_error ccred_kube_exec_api_version(struct ccred_ctx *ctx, const char *exec_info,
                                                  char **api_version)
{
	char why[512] = "no text";
	ccred_error rc = CCRED_E_INPUT;

	*api_version = NULL;
	if (exec_info)
		rc = ccredi_kube_exec_parse(exec_info, api_version, why, sizeof(why));
	if (rc == CCRED_OK || !ctx)
		return rc;
	if (rc == CCRED_E_INPUT)
		return ccredi_err(ctx, rc, "malformed KUBERNETES_EXEC_INFO: %s", why);
	return ccredi_err(ctx, rc, "%s", why);
}
