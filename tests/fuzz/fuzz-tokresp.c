/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the token endpoint's answer.  The body goes through
 * the token-response parser, a JWT's exp is read from any token it yields,
 * and the same bytes through the discovery-document parser.
 */
#include "ccred-int.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccredi_tokresp r;
	char why[256], *iss = NULL, *te = NULL;

	if (ccredi_tokresp_parse((const char *)data, size, &r, why, sizeof(why)) == CCRED_OK)
		(void)ccredi_jwt_exp(r.access_token);
	ccredi_tokresp_clear(&r);
	if (ccredi_discovery_parse((const char *)data, size, &iss, &te, why, sizeof(why)) ==
	    CCRED_OK) {
		free(iss);
		free(te);
	}
	return 0;
}
