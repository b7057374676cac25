/* SPDX-License-Identifier: MIT */
/*
 * The git credential-helper protocol (git-credential(1)): key=value lines up
 * to a blank line on stdin; our answer on stdout.  A URL that no profile
 * answers for gets no answer at all, so git asks its next helper.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "helper.h"

#define GIT_LINE_MAX INPUT_MAX

struct git_req {
	char *protocol, *host, *path, *url;
	bool authtype; /* capability[]=authtype announced */
};

static void git_req_clear(struct git_req *r)
{
	free(r->protocol);
	free(r->host);
	free(r->path);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

static void set(char **dst, const char *v)
{
	free(*dst);
	if (!(*dst = strdup(v))) {
		errorf("out of memory");
		exit(EXIT_OSERR);
	}
}

/* 0 ok, EXIT_DATAERR on malformed input (reported). */
static int git_read(FILE *in, struct git_req *r)
{
	char *line;
	int got;

	while ((got = read_line(in, &line, GIT_LINE_MAX)) == 1) {
		char *eq;
		size_t n = strlen(line);

		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0) {
			free(line);
			return 0;
		}
		if (!(eq = strchr(line, '='))) {
			errorf("malformed input from git: a line without '='");
			ccred_wipe(line, n);
			free(line);
			return EXIT_DATAERR;
		}
		*eq = '\0';
		if (strcmp(line, "protocol") == 0)
			set(&r->protocol, eq + 1);
		else if (strcmp(line, "host") == 0)
			set(&r->host, eq + 1);
		else if (strcmp(line, "path") == 0)
			set(&r->path, eq + 1);
		else if (strcmp(line, "url") == 0)
			set(&r->url, eq + 1);
		else if (strcmp(line, "capability[]") == 0 && strcmp(eq + 1, "authtype") == 0)
			r->authtype = true;
		/* other keys (password=, wwwauth[]=, ...) are not ours: ignored */
		ccred_wipe(line, n);
		free(line);
	}
	if (got < 0) {
		errorf("malformed input from git: a line over 64 KiB or a NUL byte");
		return EXIT_DATAERR;
	}
	return 0;
}

/* The URL git asks about, from url= or protocol/host/path. */
static char *git_url(const struct git_req *r)
{
	char *u = NULL;

	if (r->url)
		return strdup(r->url);
	if (!r->protocol || !r->host)
		return NULL;
	if (asprintf(&u, "%s://%s/%s", r->protocol, r->host, r->path ? r->path : "") < 0)
		return NULL;
	return u;
}

int cmd_git(const struct opts *o, int argc, char **argv)
{
	const char *op = argv[0];
	struct git_req req = {0};
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok = NULL;
	struct out out = {0};
	struct tokview v;
	char *url = NULL;
	ccred_error rc;
	int status;

	if ((status = git_read(stdin, &req)) != 0)
		goto out;
	if (strcmp(op, "store") == 0)
		goto out; /* tokens come from the endpoint; there is nothing to store */
	if (!(ctx = open_ctx(o, &status)))
		goto out;
	url = git_url(&req);
	rc = ccred_profile_select_url(ctx, o->profile, url, NULL);
	if (rc == CCRED_E_NOPROFILE)
		goto out; /* not ours: git goes on to its next helper */
	if (rc != CCRED_OK) {
		status = report(ctx, rc);
		goto out;
	}
	if (strcmp(op, "erase") == 0) {
		/* git erases after a 401: drop the token, never the secret */
		if ((rc = ccred_cache_drop(ctx, 0)) != CCRED_OK)
			status = report(ctx, rc);
		goto out;
	}
	if ((rc = ccred_token_get(ctx, NULL, &tok)) != CCRED_OK) {
		status = report(ctx, rc);
		goto out;
	}
	refresh_note(ctx, tok);
	tokview_of(&v, ctx, tok);
	if (write_git(&out, &v, req.authtype, ccred_profile_get(ctx, NULL, "username")) == 0) {
		status = out_flush(&out);
	} else {
		errorf("the token cannot be written as git's answer; refusing it");
		status = EXIT_PROTOCOL;
	}
out:
	out_wipe(&out);
	ccred_token_free(tok);
	ccred_close(ctx);
	git_req_clear(&req);
	free(url);
	return status;
}
