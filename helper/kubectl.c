/* SPDX-License-Identifier: MIT */
/*
 * kubectl's exec credential plugin (client.authentication.k8s.io): kubectl
 * runs `ccred kubectl` with KUBERNETES_EXEC_INFO naming the ExecCredential
 * apiVersion it wants, and reads the ExecCredential on stdout.  The profile
 * is chosen as for `token` (kubeconfig's exec.args carry -p NAME).
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"
#include "jsonin.h"

/* The versions of client.authentication.k8s.io whose ExecCredential status
 * has the shape write_kubectl writes (token, expirationTimestamp); the
 * first is the answer when kubectl does not say. */
static const char *const kube_versions[] = {
        "client.authentication.k8s.io/v1",
        "client.authentication.k8s.io/v1beta1",
        "client.authentication.k8s.io/v1alpha1",
};

struct exec_info {
	char *kind, *version;
	bool member_wrong; /* the reason is about a member, not the syntax */
};

static int exec_info_member(struct jsonin *j, const char *key, void *arg)
{
	struct exec_info *e = arg;
	bool kind = strcmp(key, "kind") == 0;

	if (!kind && strcmp(key, "apiVersion") != 0)
		return jsonin_skip(j); /* spec, and whatever newer kubectls add */
	/* a string, or null as absent */
	if (j->p < j->end && *j->p != '"' && *j->p != 'n') {
		e->member_wrong = true;
		return jsonin_fail(j, kind ? "its kind is not ExecCredential"
		                           : "it has no apiVersion string");
	}
	return jsonin_str_member(j, kind ? &e->kind : &e->version);
}

int kube_exec_info_version(const char *info, const char **version, char *why, size_t whylen)
{
	struct exec_info e = {0};
	char err[64];
	int rc = -1;

	*version = NULL;
	if (jsonin_parse(info, strlen(info), exec_info_member, &e, err, sizeof(err)) < 0) {
		snprintf(why, whylen, e.member_wrong ? "%s" : "not valid JSON (%s)", err);
		goto out;
	}
	if (e.kind && strcmp(e.kind, "ExecCredential") != 0) {
		snprintf(why, whylen, "its kind is not ExecCredential");
		goto out;
	}
	if (!e.version) {
		snprintf(why, whylen, "it has no apiVersion string");
		goto out;
	}
	for (size_t i = 0; i < sizeof(kube_versions) / sizeof(kube_versions[0]); i++)
		if (strcmp(e.version, kube_versions[i]) == 0)
			*version = kube_versions[i];
	if (!*version) {
		/* The caller's text goes into the message only when it is tame. */
		bool tame = strlen(e.version) <= 64;
		for (const char *c = e.version; tame && *c; c++)
			tame = (unsigned char)*c > 0x20 && (unsigned char)*c < 0x7f;
		snprintf(why, whylen,
		         "apiVersion %s is not one ccred answers (client.authentication.k8s.io/"
		         "v1, v1beta1 or v1alpha1)",
		         tame ? e.version : "(unprintable)");
		goto out;
	}
	rc = 0;
out:
	jsonin_free(e.kind);
	jsonin_free(e.version);
	return rc;
}

int cmd_kubectl(const struct opts *o, int argc, char **argv)
{
	const char *info = getenv("KUBERNETES_EXEC_INFO");
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok = NULL;
	struct out out = {0};
	struct tokview v;
	const char *version = kube_versions[0];
	char why[160];
	ccred_error rc;
	int status = 0;

	if (argc > 1)
		die_usage("kubectl takes no arguments");
	/* Unset or empty: a kubectl too old to say (or a person at a shell).
	 * Read before the context is opened: a refusal fetches nothing. */
	if (info && *info && kube_exec_info_version(info, &version, why, sizeof(why)) < 0) {
		errorf("malformed KUBERNETES_EXEC_INFO: %s", why);
		return EXIT_DATAERR;
	}
	if (!(ctx = open_ctx(o, &status)))
		goto out;
	if ((rc = ccred_token_get(ctx, o->profile, &tok)) != CCRED_OK) {
		status = report(ctx, rc);
		goto out;
	}
	refresh_note(ctx, tok);
	tokview_of(&v, ctx, tok);
	if (write_kubectl(&out, &v, version) == 0) {
		status = out_flush(&out);
	} else {
		errorf("the token cannot be written unchanged; refusing it");
		status = EXIT_PROTOCOL;
	}
out:
	out_wipe(&out);
	ccred_token_free(tok);
	ccred_close(ctx);
	return status;
}
