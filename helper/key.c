/* SPDX-License-Identifier: MIT */
/*
 * `ccred key generate|public`: the key pair of a private_key_jwt or TLS
 * profile (SPEC "Client authentication").  The private key goes from the
 * library straight into the profile's store; this command only ever sees
 * and prints the public half (and writes a certificate, which is public).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

#define KEY_USAGE                                                                                  \
	"usage: ccred [-p PROFILE] key generate [--type ec|rsa|ed25519] [--force] "                \
	"[--self-signed-cert PATH [--days N]] | key public [--pem]"

/* The certificate goes to PATH through a temporary file beside it, made
 * before the key is: a PATH that cannot be written stops the command
 * before anything is stored. */
static int cert_tmp_open(const char *path, char *tmp, size_t tmplen)
{
	int fd;

	if ((size_t)snprintf(tmp, tmplen, "%s.tmp.%ld", path, (long)getpid()) >= tmplen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* public: a certificate may be world-readable (SPEC tls_cert) */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	return fd;
}

int keygen_days(const char *cmd, const char *arg)
{
	char *end;
	long days;

	errno = 0;
	days = strtol(arg, &end, 10);
	if (errno || end == arg || *end || days < 1 || days > 36500)
		die_usage("%s: --days is a number of days from 1 to 36500", cmd);
	return (int)days;
}

int keygen_begin(struct keygen *k, const char *cmd, const char *type_opt)
{
	k->fd = -1;
	k->where = NULL;
	k->jwks = k->cert = NULL;
	k->stored = k->tmp_made = false;
	if (k->type && strcmp(k->type, "ec") && strcmp(k->type, "rsa") &&
	    strcmp(k->type, "ed25519"))
		die_usage("%s: %s is ec, rsa or ed25519, not '%s'", cmd, type_opt, k->type);
	if (k->days && !k->cert_path)
		die_usage("%s: --days goes with a certificate to write", cmd);
	if (k->cert_path && !k->days)
		k->days = 365;
	if (k->cert_path && (k->fd = cert_tmp_open(k->cert_path, k->tmp, sizeof(k->tmp))) < 0) {
		errorf("cannot write %s: %s", k->cert_path, strerror(errno));
		return 78; /* a PATH it cannot use: a bad value (SPEC "Exit status") */
	}
	k->tmp_made = k->cert_path != NULL;
	return 0;
}

int keygen_store(struct keygen *k, struct ccred_ctx *ctx)
{
	ccred_error rc = ccred_key_generate(ctx, k->type, k->force, k->cert_path ? k->days : 0,
	                                    &k->jwks, k->cert_path ? &k->cert : NULL, &k->where);

	if (rc != CCRED_OK)
		return report(ctx, rc);
	k->stored = true;
	/* The stored key is new: tokens got with the old one go. */
	ccred_cache_drop(ctx, 0);
	if (k->cert_path) {
		int fd = k->fd;
		k->fd = -1;
		if (write_all(fd, k->cert, strlen(k->cert)) != 0 || fsync(fd) != 0) {
			int e = errno;
			close(fd);
			errorf("cannot write %s: %s", k->cert_path, strerror(e));
			return 78;
		}
		if (close(fd) != 0) {
			errorf("cannot write %s: %s", k->cert_path, strerror(errno));
			return 78;
		}
	}
	return 0;
}

int keygen_cert_commit(struct keygen *k)
{
	if (k->cert_path && rename(k->tmp, k->cert_path) != 0) {
		errorf("cannot write %s: %s", k->cert_path, strerror(errno));
		return 78;
	}
	if (k->cert_path)
		fprintf(stderr, "ccred: wrote the self-signed certificate %s\n", k->cert_path);
	k->tmp_made = false; /* in place: nothing left to remove */
	return 0;
}

void keygen_end(struct keygen *k)
{
	if (k->fd >= 0)
		close(k->fd);
	if (k->tmp_made)
		unlink(k->tmp);
	k->fd = -1;
	k->tmp_made = false;
	free(k->jwks);
	free(k->cert);
	k->jwks = k->cert = NULL;
}

static int generate(struct ccred_ctx *ctx, int argc, char **argv)
{
	struct keygen k = {.fd = -1};
	int status;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			k.force = true;
		else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc)
			k.type = argv[++i];
		else if (strcmp(argv[i], "--self-signed-cert") == 0 && i + 1 < argc)
			k.cert_path = argv[++i];
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
			k.days = keygen_days("key generate", argv[++i]);
		else
			die_usage("key generate: unknown argument '%s'\n%s", argv[i], KEY_USAGE);
	}
	if (k.days && !k.cert_path)
		die_usage("key generate: --days goes with --self-signed-cert");
	if ((status = keygen_begin(&k, "key generate", "--type")) != 0)
		goto out;
	if ((status = keygen_store(&k, ctx)) != 0) {
		if (k.stored)
			fprintf(stderr,
			        "ccred: the key is stored in %s (run key generate --force again)\n",
			        k.where);
		goto out;
	}
	if ((status = keygen_cert_commit(&k)) != 0) {
		fprintf(stderr, "ccred: the key is stored in %s (run key generate --force again)\n",
		        k.where);
		goto out;
	}
	fprintf(stderr, "ccred: stored a new private key of profile '%s' in %s\n",
	        ccred_profile_current(ctx), k.where);
	{
		struct out out = {0};
		out_adds(&out, k.jwks);
		status = out_flush(&out);
	}
out:
	keygen_end(&k);
	return status;
}

int cmd_key(const struct opts *o, int argc, char **argv)
{
	struct ccred_ctx *ctx;
	const char *sub = argc > 1 ? argv[1] : NULL;
	int status = 0;
	ccred_error rc;

	if (!sub || (strcmp(sub, "generate") && strcmp(sub, "public")))
		die_usage(KEY_USAGE);
	if (strcmp(sub, "public") == 0 &&
	    (argc > 3 || (argc == 3 && strcmp(argv[2], "--pem") != 0)))
		die_usage(KEY_USAGE);
	if (!(ctx = open_ctx(o, &status)))
		return status;
	if ((rc = ccred_profile_select(ctx, o->profile, NULL)) != CCRED_OK) {
		status = report(ctx, rc);
	} else if (strcmp(sub, "generate") == 0) {
		status = generate(ctx, argc, argv);
	} else {
		char *text = NULL;
		if ((rc = ccred_key_public(ctx, argc == 3, &text)) != CCRED_OK) {
			status = report(ctx, rc);
		} else {
			struct out out = {0};
			out_adds(&out, text);
			status = out_flush(&out);
		}
		free(text);
	}
	ccred_close(ctx);
	return status;
}
