/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: what kubectl hands `ccred kubectl` in
 * KUBERNETES_EXEC_INFO, through the reader the command uses
 * (kube_exec_info_version in helper/kubectl.c, on helper/jsonin.c, linked
 * as the command builds them; the rest of the command is stubbed in
 * cmd-stubs.c).
 * The input is the variable's value: it ends at the first NUL byte, as an
 * environment string does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const char *progname = "ccred";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *info = malloc(size + 1), why[160];
	const char *version = NULL;

	if (!info)
		return 0;
	memcpy(info, data, size);
	info[size] = '\0';
	why[0] = '\0';
	if (kube_exec_info_version(info, &version, why, sizeof(why)) == 0) {
		/* success names one of the versions write_kubectl writes */
		if (!version || strncmp(version, "client.authentication.k8s.io/v1", 31) != 0)
			abort();
	} else if (version || !why[0] || strlen(why) >= sizeof(why) || strchr(why, '\n')) {
		abort(); /* failure: no version, and a one-line reason */
	}
	free(info);
	return 0;
}
