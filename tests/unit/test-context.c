/* SPDX-License-Identifier: MIT */
/* Two contexts in one process: each store a context opens speaks to that
 * context (its trace, its timeout), never to another one, which may be
 * closed and freed by then (issue 12: the store services were one static
 * table that every open overwrote). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ccred-int.h"
#include "check.h"

static char dir[] = "/tmp/ccred-test-context-XXXXXX";

static struct ccred_ctx *open_ctx(const char *name, const char *timeout, int verbose)
{
	char path[256], text[512];
	struct ccred_ctx *ctx = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	snprintf(text, sizeof(text),
	         "[profile default]\ntoken_url = https://idp.example.test/token\n"
	         "client_id = %s\ntimeout = %s\nsecret_store = command /bin/echo s3cret\n",
	         name, timeout);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	CHECK_INT(ccred_open(&ctx, path, CCRED_OPEN_NO_SYSTEM), CCRED_OK);
	if (ctx) {
		ccred_set_verbose(ctx, verbose);
		CHECK_INT(ccredi_need_profile(ctx), CCRED_OK);
	}
	return ctx;
}

/* Runs the store's get with stderr in a file; returns what it traced. */
static char *get_traced(struct ccredi_store_inst *inst, const char *id)
{
	static char out[4096];
	struct ccred_store_key key = {"default", id, "token_url", "https://idp.example.test/token"};
	char buf[64], err[256] = "", path[256];
	size_t len = 0;
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	CHECK_INT(inst->vt.get(inst->state, &key, buf, sizeof(buf), &len, err, sizeof(err)),
	          CCRED_STORE_OK);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	CHECK_INT(len, 6);
	n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return out;
}

static void test_two_contexts(void)
{
	struct ccred_ctx *a = open_ctx("a", "7", 2), *b = open_ctx("b", "3", 0);
	struct ccredi_store_inst ia, ib;

	if (!a || !b)
		return;
	CHECK_INT(ccredi_store_open(a, "command /bin/echo s3cret", &ia), CCRED_OK);
	CHECK_INT(ccredi_store_open(b, "command /bin/echo s3cret", &ib), CCRED_OK);
	/* a is verbose: its store's "running" trace is a's, and goes out. */
	CHECK(strstr(get_traced(&ia, "a"), "running") != NULL);
	/* b is quiet: its store says nothing. */
	CHECK_STR(get_traced(&ib, "b"), "");
	ccredi_store_close(&ib);
	/* b is freed: a's store must not reach into it (ASan: use after free). */
	ccred_close(b);
	CHECK(strstr(get_traced(&ia, "a"), "running") != NULL);
	ccredi_store_close(&ia);
	ccred_close(a);
}

/* ccred_secret_probe_flags: "not installed" and "writable" as bits. */
static void test_probe_flags(void)
{
	char path[256];
	struct ccred_ctx *ctx = NULL;
	unsigned int f = 99;
	FILE *f_;

	snprintf(path, sizeof(path), "%s/flags.conf", dir);
	f_ = fopen(path, "w");
	CHECK(f_ != NULL);
	if (!f_)
		return;
	fprintf(f_,
	        "[profile default]\ntoken_url = https://idp.example.test/token\n"
	        "client_id = c\nsecret_store = nosuchstore\nsecret_store = file %s/s\n"
	        "secret_store = env CCRED_TEST_NO_SUCH_VAR\n",
	        dir);
	fclose(f_);
	CHECK_INT(ccred_open(&ctx, path, CCRED_OPEN_NO_SYSTEM), CCRED_OK);
	if (!ctx)
		return;
	CHECK_INT(ccred_secret_probe_flags(ctx, 0, &f), CCRED_OK);
	CHECK_INT(f, CCRED_PROBE_F_NOT_INSTALLED);
	CHECK_INT(ccred_secret_probe_flags(ctx, 1, &f), CCRED_OK);
	CHECK_INT(f, CCRED_PROBE_F_WRITABLE);
	CHECK_INT(ccred_secret_probe_flags(ctx, 2, &f), CCRED_OK);
	CHECK_INT(f, 0);
	CHECK_INT(ccred_secret_probe_flags(ctx, 3, &f), CCRED_E_USAGE);
	ccred_close(ctx);
}

int main(void)
{
	char cmd[64];

	if (!mkdtemp(dir))
		return 99;
	test_two_contexts();
	test_probe_flags();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return check_done();
}
