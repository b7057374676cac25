/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: a cache entry as read back from disk.  It is parsed
 * against a fixed key and against the key of a real profile, so both the
 * "another key" refusal and full parses are reached.
 */
#include "ccred-int.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
	        "k",
	        "v1\x1fhttp://127.0.0.1:8080/token\x1f\x1f"
	        "c\x1f\x1f\x1f\x1f"
	        "client_secret_post\x1f",
	};
	struct ccredi_cache_entry e;
	char why[256];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (ccredi_cache_parse((const char *)data, size, keys[i], &e, why, sizeof(why)) ==
		    0)
			ccredi_cache_entry_clear(&e);
	return 0;
}
