/* SPDX-License-Identifier: MIT */
/*
 * The JSON module: json.c (the only code in ccred that calls json-c),
 * with buf.c and secmem.c beside it, behind one export.  libccred loads it
 * with dlopen the first time it must read JSON (lib/jsonload.c).
 */
#include "ccred-int.h"

#define EXPORT __attribute__((visibility("default")))

static const struct ccredi_json_vtable vtable = {
        .abi = CCREDI_JSON_ABI,
        .tokresp_parse = ccredi_tokresp_parse,
        .jwt_exp = ccredi_jwt_exp,
        .discovery_parse = ccredi_discovery_parse,
        .discovery_string = ccredi_discovery_string,
};

EXPORT const struct ccredi_json_vtable *ccred_json_module(void);
EXPORT const struct ccredi_json_vtable *ccred_json_module(void)
{
	return &vtable;
}
