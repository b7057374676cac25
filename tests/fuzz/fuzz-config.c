/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the INI configuration.  Whatever parses is resolved
 * profile by profile, as ccred would before using one.
 */
#include "ccred-int.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccredi_config cfg = {0};
	struct ccredi_profile p;
	char err[1024];

	if (ccredi_config_parse(&cfg, "fuzz.conf", (const char *)data, size, err, sizeof(err)) ==
	    CCRED_OK)
		for (size_t i = 0; i < cfg.nprofiles; i++)
			(void)ccredi_profile_resolve(&cfg, cfg.profiles[i].name, &p, err,
			                             sizeof(err));
	ccredi_config_clear(&cfg);
	return 0;
}
