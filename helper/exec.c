/* SPDX-License-Identifier: MIT */
/*
 * Handing the token to other programs: curl-config (a curl config line for
 * `curl -K-`), env (lines for a shell's eval) and exec (a command run with
 * the token in its environment).  In all three the token travels through a
 * pipe or an environment, never through a command line.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"

int cmd_curl_config(const struct opts *o, int argc, char **argv)
{
	return emit(o, argc, argv, write_curl_config);
}

int cmd_env(const struct opts *o, int argc, char **argv)
{
	return emit(o, argc, argv, write_env);
}

/*
 * The variable an `env NAME` store line reads (malloc'd), or NULL when the
 * line is another store.  The store takes exactly one word; quotes and
 * backslashes, which the library's word splitting takes away, cannot be
 * part of a variable name anyone sets, so dropping them gives the same name.
 */
static char *env_store_var(const char *line)
{
	char *name;
	size_t n = 0;

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, "env", 3) != 0 || (line[3] != ' ' && line[3] != '\t'))
		return NULL;
	for (line += 3; *line == ' ' || *line == '\t'; line++)
		;
	if (!(name = strdup(line))) {
		errorf("out of memory");
		exit(EXIT_OSERR);
	}
	for (; *line; line++)
		if (*line != '\'' && *line != '"' && *line != '\\')
			name[n++] = *line;
	while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	name[n] = '\0';
	return name;
}

/* The child gets the token, not the client secret: every variable an `env`
 * store of the profile reads leaves the environment before the exec. */
static int drop_secret_vars(struct ccred_ctx *ctx)
{
	const char *line;
	char *name;
	int rc = 0;

	for (size_t i = 0; (line = ccred_profile_list(ctx, NULL, "secret_store", i)); i++) {
		if ((name = env_store_var(line)) && *name && !strchr(name, '=') &&
		    unsetenv(name) < 0)
			rc = -1;
		free(name);
	}
	return rc;
}

/*
 * exec replaces ccred with CMD (execvp), so no ccred process stays behind,
 * signals reach CMD directly, and CMD's exit status, or the signal that
 * killed it, is what ccred's parent sees: a shell reports 128+N for a CMD
 * killed by signal N.  ccred's own exit statuses are for failures before
 * that: its usual codes, 127 when CMD is not found, 126 when it cannot run.
 */
int cmd_exec(const struct opts *o, int argc, char **argv)
{
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok;
	char when[32];
	int status = 0, i = 1, err;

	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	else if (i < argc && argv[i][0] == '-' && argv[i][1])
		die_usage("exec: unknown option '%s' (put -- before a command that starts with -)",
		          argv[i]);
	if (i >= argc)
		die_usage("exec needs a command: ccred exec [--] CMD [ARGS]");

	if (!(tok = get_token(o, &ctx, &status)))
		goto out;
	/* Before the exec (CMD may wait for every child it has: the refresher
	 * is none of its children) and before the env store's variables go. */
	refresh_start(o, true);
	snprintf(when, sizeof(when), "%lld", (long long)ccred_token_expires_at(tok));
	if (drop_secret_vars(ctx) < 0 ||
	    setenv("CCRED_ACCESS_TOKEN", ccred_token_value(tok), 1) < 0 ||
	    (ccred_token_expires_at(tok) ? setenv("CCRED_TOKEN_EXPIRES_AT", when, 1)
	                                 : unsetenv("CCRED_TOKEN_EXPIRES_AT")) < 0) {
		errorf("exec: cannot set the environment: %s", strerror(errno));
		status = EXIT_OSERR;
		goto out;
	}
	ccred_token_free(tok);
	tok = NULL;
	ccred_close(ctx);
	ctx = NULL;

	restore_for_child();
	execvp(argv[i], argv + i);
	err = errno;
	/* Still here: as a shell says it, 127 for not found, 126 otherwise. */
	unsetenv("CCRED_ACCESS_TOKEN");
	if (err == ENOENT) {
		errorf("exec: %s: command not found", argv[i]);
		status = 127;
	} else {
		errorf("exec: cannot run %s: %s", argv[i], strerror(err));
		status = 126;
	}
out:
	ccred_token_free(tok);
	ccred_close(ctx);
	return status;
}
