/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness: the docker credential-helper input.  helper/docker.c
 * is compiled into this file, so its static stdin reader runs exactly as the
 * command builds it; the input arrives on fd 0 (a memfd), and what the
 * reader returns is matched against profiles' `url` lines as `get` does.
 */
#include "../../helper/docker.c"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

const char *progname = "docker-credential-ccred";

static struct ccred_ctx *ctx;
static int input_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char config[] = "[profile reg]\n"
	                             "token_url = http://127.0.0.1:1/token\n"
	                             "client_id = c\n"
	                             "url = https://registry.example.com\n"
	                             "url = https://ghcr.example.com:8443/org\n"
	                             "[profile other]\n"
	                             "token_url = http://127.0.0.1:1/token\n"
	                             "client_id = d\n"
	                             "url = http://[::1]:5000\n";
	char path[] = "/tmp/ccred-fuzz-docker-XXXXXX";
	int fd = mkstemp(path), null = open("/dev/null", O_WRONLY);

	(void)argc;
	(void)argv;
	/* docker's protocol writes errors on stdout: keep the fuzzer's clean. */
	if (fd < 0 || null < 0 || write(fd, config, sizeof(config) - 1) < 0 ||
	    dup2(null, STDOUT_FILENO) < 0)
		abort();
	close(fd);
	close(null);
	if (ccred_open(&ctx, path, CCRED_OPEN_NO_SYSTEM) != CCRED_OK)
		abort();
	unlink(path);
	if ((input_fd = memfd_create("docker-input", 0)) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = NULL;

	if (ftruncate(input_fd, 0) < 0 || pwrite(input_fd, data, size, 0) != (ssize_t)size ||
	    lseek(input_fd, 0, SEEK_SET) < 0 || dup2(input_fd, STDIN_FILENO) < 0)
		abort();
	if (read_input(&url) == 0 && *url)
		(void)ccred_profile_select_url(ctx, NULL, url, NULL);
	free_input(url);
	close(STDIN_FILENO);
	return 0;
}
