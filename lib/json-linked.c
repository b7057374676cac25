/* SPDX-License-Identifier: MIT */
/* For lib/libccred-internal.la (the unit tests and fuzzers):
 * modules/json-c/json.c is linked in, so there is no module to load. */
#include "ccred-int.h"

ccred_error ccredi_json_load(struct ccred_ctx *ctx)
{
	(void)ctx;
	return CCRED_OK;
}
