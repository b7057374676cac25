/* SPDX-License-Identifier: MIT */
/*
 * The docker credential-helper protocol (docker-credential-helpers): docker
 * runs `docker-credential-ccred OP`, writes the server URL (get, erase) or a
 * JSON credential (store) on stdin, and reads JSON or an error message on
 * stdout.  Unlike everywhere else in ccred, errors go to stdout as well as
 * stderr: docker shows the helper's stdout, and matches the exact text
 * "credentials not found in native keychain" to mean "no credentials here".
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

#define DOCKER_INPUT_MAX INPUT_MAX
#define DOCKER_NOT_FOUND "credentials not found in native keychain"

/* The message on stdout for docker and on stderr for people; returns status. */
static int docker_fail(int status, const char *msg)
{
	struct out out = {0};

	out_addf(&out, "%s\n", msg);
	errorf("%s", msg);
	if (out_flush(&out) != 0 && status == 0)
		status = EXIT_IOERR;
	return status;
}

static int docker_report(struct ccred_ctx *ctx, ccred_error rc)
{
	const char *msg = ctx ? ccred_errmsg(ctx) : "";

	return docker_fail(ccred_exit_code(rc), *msg ? msg : ccred_strerror(rc));
}

/* open_ctx(), with the error on stdout too. */
static struct ccred_ctx *docker_open(const struct opts *o, int *status)
{
	struct ccred_ctx *ctx = NULL;
	ccred_error rc = ccred_open(&ctx, o->config, 0);

	if (rc != CCRED_OK) {
		*status = docker_report(ctx, rc);
		ccred_close(ctx);
		return NULL;
	}
	ccred_set_verbose(ctx, o->verbose);
	if (o->min_ttl >= 0)
		ccred_set_min_ttl(ctx, o->min_ttl);
	return ctx;
}

/*
 * Reads all of stdin (at most DOCKER_INPUT_MAX bytes) and trims surrounding
 * white space, as docker-credential-helpers does.  Returns 0 with *text set
 * (caller wipes and frees), or EXIT_DATAERR on an over-long input or a NUL
 * byte, or EXIT_IOERR (both reported).
 */
static int read_input(char **text)
{
	size_t len = 0, cap = DOCKER_INPUT_MAX + 1;
	char *buf = malloc(cap + 1), *s, *e;
	int status = 0;

	*text = NULL;
	if (!buf) {
		errorf("out of memory");
		exit(EXIT_OSERR);
	}
	for (;;) {
		ssize_t n = read_retry(STDIN_FILENO, buf + len, cap - len);
		if (n < 0) {
			status = docker_fail(EXIT_IOERR, "cannot read standard input");
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len >= cap) {
			status = docker_fail(EXIT_DATAERR,
			                     "malformed input from docker: over 64 KiB");
			goto out;
		}
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		status = docker_fail(EXIT_DATAERR, "malformed input from docker: a NUL byte");
		goto out;
	}
	for (s = buf; *s && strchr(" \t\r\n", *s); s++)
		;
	for (e = buf + len; e > s && strchr(" \t\r\n", e[-1]); e--)
		;
	*e = '\0';
	memmove(buf, s, (size_t)(e - s) + 1);
	*text = buf;
	buf = NULL;
out:
	if (buf) {
		ccred_wipe(buf, cap + 1);
		free(buf);
	}
	return status;
}

static void free_input(char *text)
{
	if (text) {
		ccred_wipe(text, strlen(text));
		free(text);
	}
}

/* get and erase: the profile answering for the URL on stdin. */
static int docker_get_erase(const struct opts *o, bool erase)
{
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok = NULL;
	struct out out = {0};
	struct tokview v;
	char *url = NULL;
	ccred_error rc;
	int status;

	if ((status = read_input(&url)) != 0)
		goto out;
	if (!*url) {
		/* docker-credential-helpers' own words for it */
		status = docker_fail(EXIT_DATAERR, "no credentials server URL");
		goto out;
	}
	if (!(ctx = docker_open(o, &status)))
		goto out;
	rc = ccred_profile_select_url(ctx, o->profile, url, NULL);
	if (rc == CCRED_E_NOPROFILE) {
		/* docker goes on without credentials for this registry */
		status = docker_fail(1, DOCKER_NOT_FOUND);
		goto out;
	}
	if (rc != CCRED_OK) {
		status = docker_report(ctx, rc);
		goto out;
	}
	if (erase) {
		/* docker logout: drop the token, never the secret */
		if ((rc = ccred_cache_drop(ctx, 0)) != CCRED_OK)
			status = docker_report(ctx, rc);
		goto out;
	}
	if ((rc = ccred_token_get(ctx, NULL, &tok)) != CCRED_OK) {
		status = docker_report(ctx, rc);
		goto out;
	}
	refresh_note(ctx, tok);
	tokview_of(&v, ctx, tok);
	if (write_docker(&out, &v, url, ccred_profile_get(ctx, NULL, "username")) == 0)
		status = out_flush(&out);
	else
		status = docker_fail(EXIT_PROTOCOL, "the token cannot be written unchanged");
out:
	out_wipe(&out);
	ccred_token_free(tok);
	ccred_close(ctx);
	free_input(url);
	return status;
}

/* Tokens come from the endpoint: what docker login hands over is dropped. */
static int docker_store(void)
{
	char buf[4096];
	ssize_t n;

	while ((n = read_retry(STDIN_FILENO, buf, sizeof(buf))) > 0)
		;
	ccred_wipe(buf, sizeof(buf));
	return 0;
}

/* {URL: USERNAME} for every profile url; stdin ("unused") is not read. */
static int docker_list(const struct opts *o)
{
	struct ccred_ctx *ctx;
	struct out out = {0};
	const char **seen = NULL;
	size_t nseen = 0;
	int status = 0;

	if (!(ctx = docker_open(o, &status)))
		return status;
	out_adds(&out, "{");
	for (size_t i = 0; i < ccred_profile_count(ctx); i++) {
		const char *name = ccred_profile_name(ctx, i);
		const char *user = ccred_profile_get(ctx, name, "username");

		if (!user)
			continue; /* incomplete: it answers for nothing */
		for (size_t j = 0;; j++) {
			const char *u = ccred_profile_list(ctx, name, "url", j);
			const char **more;
			bool dup = false;

			if (!u)
				break;
			/* A url in two profiles is answered by the first: list it once. */
			for (size_t k = 0; k < nseen && !dup; k++)
				dup = strcmp(seen[k], u) == 0;
			if (dup)
				continue;
			if (!(more = realloc(seen, (nseen + 1) * sizeof(*seen)))) {
				errorf("out of memory");
				exit(EXIT_OSERR);
			}
			seen = more;
			seen[nseen++] = u;
			if (nseen > 1)
				out_adds(&out, ",");
			out_json_string(&out, u);
			out_adds(&out, ":");
			out_json_string(&out, user);
		}
	}
	out_adds(&out, "}\n");
	status = out_flush(&out);
	free(seen);
	ccred_close(ctx);
	return status;
}

int docker_run(const struct opts *o, int argc, char **argv)
{
	const char *op = argc > 0 ? argv[0] : NULL;

	if (argc > 1)
		die_usage("docker: %s takes no arguments (docker writes to stdin)", op);
	if (!op)
		die_usage("usage: %s get|store|erase|list|version", progname);
	if (strcmp(op, "get") == 0)
		return docker_get_erase(o, false);
	if (strcmp(op, "erase") == 0)
		return docker_get_erase(o, true);
	if (strcmp(op, "store") == 0)
		return docker_store();
	if (strcmp(op, "list") == 0)
		return docker_list(o);
	if (strcmp(op, "version") == 0) {
		printf("docker-credential-ccred (ccred) %s\n", PACKAGE_VERSION);
		return 0;
	}
	die_usage("docker: unknown operation '%s' (get, store, erase, list, version)", op);
}

int cmd_docker(const struct opts *o, int argc, char **argv)
{
	return docker_run(o, argc - 1, argv + 1);
}
