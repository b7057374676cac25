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

static int generate(const struct opts *o, struct ccred_ctx *ctx, int argc, char **argv)
{
	const char *type = NULL, *cert_path = NULL, *where = NULL;
	char *jwks = NULL, *cert = NULL, tmp[4096 + 32];
	long days = 0;
	bool force = false;
	int fd = -1, status = 0;
	ccred_error rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = true;
		else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc)
			type = argv[++i];
		else if (strcmp(argv[i], "--self-signed-cert") == 0 && i + 1 < argc)
			cert_path = argv[++i];
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			days = strtol(argv[++i], &end, 10);
			if (errno || *end || days < 1 || days > 36500)
				die_usage(
				        "key generate: --days is a number of days from 1 to 36500");
		} else
			die_usage("key generate: unknown argument '%s'\n%s", argv[i], KEY_USAGE);
	}
	if (type && strcmp(type, "ec") && strcmp(type, "rsa") && strcmp(type, "ed25519"))
		die_usage("key generate: --type is ec, rsa or ed25519, not '%s'", type);
	if (days && !cert_path)
		die_usage("key generate: --days goes with --self-signed-cert");
	if (cert_path && !days)
		days = 365;
	if (cert_path && (fd = cert_tmp_open(cert_path, tmp, sizeof(tmp))) < 0) {
		errorf("cannot write %s: %s", cert_path, strerror(errno));
		return 78; /* a PATH it cannot use: a bad value (SPEC "Exit status") */
	}
	rc = ccred_key_generate(ctx, type, force, cert_path ? (int)days : 0, &jwks,
	                        cert_path ? &cert : NULL, &where);
	if (rc != CCRED_OK) {
		status = report(ctx, rc);
		goto out;
	}
	/* The stored key is new: tokens got with the old one go. */
	ccred_cache_drop(ctx, 0);
	if (cert_path) {
		if (write_all(fd, cert, strlen(cert)) != 0 || fsync(fd) != 0 || close(fd) != 0 ||
		    rename(tmp, cert_path) != 0) {
			fd = -1;
			errorf("the key is stored in %s, but %s cannot be written: %s (run key "
			       "generate --force again)",
			       where, cert_path, strerror(errno));
			status = 78;
			goto out;
		}
		fd = -1;
		fprintf(stderr, "ccred: wrote the self-signed certificate %s\n", cert_path);
	}
	fprintf(stderr, "ccred: stored a new private key of profile '%s' in %s\n",
	        ccred_profile_current(ctx), where);
	{
		struct out out = {0};
		out_adds(&out, jwks);
		status = out_flush(&out);
	}
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	} else if (cert_path && status != 0) {
		unlink(tmp);
	}
	free(jwks);
	free(cert);
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
		status = generate(o, ctx, argc, argv);
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
