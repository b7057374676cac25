/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: cargo's credential-provider request line, through the
 * strict reader the command uses (helper/cargo-req.c on helper/jsonin.c, linked as it is
 * built).  What a request names is then matched against profiles' `url`
 * lines as `get` does, so the index URL reaches the URL parser too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ccred/ccred.h>

#include "cargo.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ccred_ctx *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char config[] = "[profile reg]\n"
	                             "token_url = http://127.0.0.1:1/token\n"
	                             "client_id = c\n"
	                             "url = https://crates.example.com/index/\n"
	                             "[profile other]\n"
	                             "token_url = http://127.0.0.1:1/token\n"
	                             "client_id = d\n"
	                             "url = http://127.0.0.1:8080/\n";
	char path[] = "/tmp/ccred-fuzz-cargo-XXXXXX";
	int fd = mkstemp(path);

	(void)argc;
	(void)argv;
	if (fd < 0 || write(fd, config, sizeof(config) - 1) < 0)
		abort();
	close(fd);
	if (ccred_open(&ctx, path, CCRED_OPEN_NO_SYSTEM) != CCRED_OK)
		abort();
	unlink(path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cargo_req r;
	char err[128];
	const char *profile = NULL, *url;

	if (size > CARGO_LINE_MAX)
		return 0; /* the command refuses longer lines before parsing */
	if (cargo_req_parse((const char *)data, size, &r, err, sizeof(err)) < 0) {
		/* the reason is a fixed, short, terminated text */
		if (!err[0] || strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	if (r.nargs > CARGO_ARGS_MAX)
		abort();
	for (size_t i = 0; i + 1 < r.nargs; i++)
		if (strcmp(r.args[i], "-p") == 0)
			profile = r.args[i + 1];
	if (r.index_url) {
		url = r.index_url;
		if (strncmp(url, "sparse+", 7) == 0)
			url += 7;
		(void)ccred_profile_select_url(ctx, profile, url, NULL);
	}
	cargo_req_free(&r);
	return 0;
}
