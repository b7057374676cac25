/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: what kubectl hands `ccred kubectl` in
 * KUBERNETES_EXEC_INFO, through the reader the command uses
 * (ccred_kube_exec_api_version).  The input is the variable's value: it
 * ends at the first NUL byte, as an environment string does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccred/ccred.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ccred_ctx *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* An empty configuration: the reader needs a context, not profiles. */
	unsetenv("CCRED_CONFIG");
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	if (ccred_open(&ctx, NULL, CCRED_OPEN_NO_SYSTEM) != CCRED_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *info = malloc(size + 1), *version = NULL;

	if (!info)
		return 0;
	memcpy(info, data, size);
	info[size] = '\0';
	if (ccred_kube_exec_api_version(ctx, info, &version) == CCRED_OK && !version)
		abort(); /* success must name the version */
	free(version);
	free(info);
	return 0;
}
