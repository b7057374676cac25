/* SPDX-License-Identifier: MIT */
/*
 * Which profiles share one stored secret.  A keyring item belongs to the
 * client (token endpoint + client_id), not to the profile, so two profiles of
 * one client read and write the same item; a file (or any store addressed by
 * its arguments) is shared by every profile naming the same store line.
 * `secret set` and `configure` say so when they replace such a secret.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "helper.h"

/* The store line a secret set writes to: the first one of the stack that
 * may take a secret (the built-in env, command and systemd stores never do). */
static const char *first_writable(struct ccred_ctx *ctx, const char *profile)
{
	const char *line;

	for (size_t i = 0; (line = ccred_profile_list(ctx, profile, "secret_store", i)); i++) {
		size_t n = strcspn(line, " \t");
		if (!((n == 3 && strncmp(line, "env", 3) == 0) ||
		      (n == 7 && strncmp(line, "command", 7) == 0) ||
		      (n == 7 && strncmp(line, "systemd", 7) == 0)))
			return line;
	}
	return NULL;
}

static bool same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static const char *endpoint_of(struct ccred_ctx *ctx, const char *profile)
{
	const char *t = ccred_profile_get(ctx, profile, "token_url");

	return t ? t : ccred_profile_get(ctx, profile, "issuer");
}

bool secret_shared_with(struct ccred_ctx *ctx, char *names, size_t len)
{
	const char *me = ccred_profile_current(ctx), *line = me ? first_writable(ctx, NULL) : NULL;
	const char *ep = me ? endpoint_of(ctx, NULL) : NULL;
	const char *id = me ? ccred_profile_get(ctx, NULL, "client_id") : NULL;
	size_t used = 0;

	names[0] = '\0';
	if (!line)
		return false;
	for (size_t i = 0; i < ccred_profile_count(ctx); i++) {
		const char *other = ccred_profile_name(ctx, i);
		bool keyring = strncmp(line, "libsecret", 9) == 0 &&
		               (line[9] == '\0' || line[9] == ' ' || line[9] == '\t');
		int n;

		if (strcmp(other, me) == 0 || !same(first_writable(ctx, other), line))
			continue;
		if (keyring && !(same(endpoint_of(ctx, other), ep) &&
		                 same(ccred_profile_get(ctx, other, "client_id"), id)))
			continue;
		n = snprintf(names + used, len - used, "%s'%s'", used ? ", " : "", other);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return used > 0;
}

void say_replaced_shared(const char *names)
{
	fprintf(stderr,
	        "ccred: this replaced the secret that profile%s %s also use%s (a stored "
	        "secret belongs to the client, not to one profile)\n",
	        strchr(names, ',') ? "s" : "", names, strchr(names, ',') ? "" : "s");
}
