/* SPDX-License-Identifier: MIT */
/*
 * Terraform's and OpenTofu's credentials-helper protocol: the tool runs
 * `terraform-credentials-ccred [ARGS] get|store|forget HOST` (HOST as the
 * tool names it: lower case, with :PORT when not 443), and reads
 * {"token":"..."} or {} on stdout.  HOST stands for the URL https://HOST/,
 * matched against the profiles' `url` lines under the stricter rule for
 * callers that name a URL.  A failure is a message on stderr and a
 * non-zero exit, which the tool shows.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

#define TF_HOST_MAX 255

/* A host as Terraform's svchost gives it: a name or [v6], an optional
 * :PORT; nothing that could change the URL's meaning (/, @, ?, #, space). */
static bool tf_host_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > TF_HOST_MAX || h[0] == '.' || h[0] == '-' || h[0] == ':')
		return false;
	for (const char *p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(".-_:[]", *p)))
			return false;
	return true;
}

/* Selects the profile answering for https://HOST/; *none when none does. */
static int tf_select(struct ccred_ctx *ctx, const struct opts *o, const char *host, bool *none)
{
	char url[TF_HOST_MAX + 16];
	ccred_error rc;

	*none = false;
	snprintf(url, sizeof(url), "https://%s/", host);
	rc = ccred_profile_select_url(ctx, o->profile, url, NULL);
	if (rc == CCRED_E_NOPROFILE) {
		*none = true;
		return 0;
	}
	return rc == CCRED_OK ? 0 : report(ctx, rc);
}

static int tf_get_forget(const struct opts *o, const char *host, bool forget)
{
	struct ccred_ctx *ctx = NULL;
	struct ccred_token *tok = NULL;
	struct out out = {0};
	ccred_error rc;
	bool none;
	int status = 0;

	if (!(ctx = open_ctx(o, &status)))
		goto out;
	if ((status = tf_select(ctx, o, host, &none)) != 0)
		goto out;
	if (forget) {
		/* Nothing cached for a host no profile answers for: done. */
		if (!none && (rc = ccred_cache_drop(ctx, 0)) != CCRED_OK)
			status = report(ctx, rc);
		goto out;
	}
	if (none) {
		/* the protocol's "no credentials for this host" */
		out_adds(&out, "{}\n");
		status = out_flush(&out);
		goto out;
	}
	if ((rc = ccred_token_get(ctx, NULL, &tok)) != CCRED_OK) {
		status = report(ctx, rc);
		goto out;
	}
	refresh_note(ctx, tok);
	out_adds(&out, "{\"token\":");
	out_json_string(&out, ccred_token_value(tok));
	out_adds(&out, "}\n");
	status = out_flush(&out);
out:
	out_wipe(&out);
	ccred_token_free(tok);
	ccred_close(ctx);
	return status;
}

/* `terraform login` hands over a token: tokens come from the endpoint, so
 * it is read (the tool waits for us to take it) and dropped. */
static int tf_store(void)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
	}
	ccred_wipe(buf, sizeof(buf));
	return 0;
}

/* mkdir -p for a path under the user's home (modes by the umask). */
static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Makes DIR/terraform-credentials-ccred a link to target; 0 or EXIT_*. */
static int tf_link(const char *dir, const char *target, struct out *out)
{
	char path[PATH_MAX], tmp[PATH_MAX], cur[PATH_MAX], d[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (snprintf(d, sizeof(d), "%s", dir) >= (int)sizeof(d) ||
	    snprintf(path, sizeof(path), "%s/terraform-credentials-ccred", dir) >=
	            (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.terraform-credentials-ccred.%ld", dir,
	             (long)getpid()) >= (int)sizeof(tmp)) {
		errorf("terraform setup: path too long: %s", dir);
		return EXIT_USAGE;
	}
	if (mkdirs(d) < 0) {
		errorf("terraform setup: cannot create %s: %s", dir, strerror(errno));
		return EXIT_SOFTWARE;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			/* someone's own helper or a copy: not ours to replace */
			errorf("terraform setup: %s exists and is not a link; remove it first",
			       path);
			return 78;
		}
		n = readlink(path, cur, sizeof(cur) - 1);
		if (n >= 0) {
			cur[n] = '\0';
			if (strcmp(cur, target) == 0) {
				out_addf(out, "%s: already links to %s\n", path, target);
				return 0;
			}
		}
	}
	/* A new link renamed over the old one: never a moment without one. */
	unlink(tmp);
	if (symlink(target, tmp) < 0 || rename(tmp, path) < 0) {
		errorf("terraform setup: cannot link %s: %s", path, strerror(errno));
		unlink(tmp);
		return EXIT_SOFTWARE;
	}
	out_addf(out, "%s -> %s\n", path, target);
	return 0;
}

static int tf_setup(void)
{
	const char *home = getenv("HOME"), *xdg = getenv("XDG_DATA_HOME");
	char self[PATH_MAX], dir[PATH_MAX];
	struct out out = {0};
	ssize_t n;
	int status;

	if (!home || home[0] != '/') {
		errorf("terraform setup: HOME is not set to an absolute path");
		return 78;
	}
	/* The link names this very program: run as terraform-credentials-ccred
	 * (argv[0]'s base name), it speaks the protocol. */
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) < 0) {
		errorf("terraform setup: cannot find this program: %s", strerror(errno));
		return EXIT_SOFTWARE;
	}
	self[n] = '\0';
	snprintf(dir, sizeof(dir), "%s/.terraform.d/plugins", home);
	if ((status = tf_link(dir, self, &out)) != 0)
		goto out;
	if (xdg && xdg[0] == '/')
		snprintf(dir, sizeof(dir), "%s/opentofu/plugins", xdg);
	else
		snprintf(dir, sizeof(dir), "%s/.local/share/opentofu/plugins", home);
	if ((status = tf_link(dir, self, &out)) != 0)
		goto out;
	out_adds(&out, "\nAdd this to the CLI config (~/.terraformrc; OpenTofu: ~/.tofurc):\n\n"
	               "credentials_helper \"ccred\" {}\n");
	status = out_flush(&out);
out:
	out_wipe(&out);
	return status;
}

int terraform_run(const struct opts *o, int argc, char **argv)
{
	const char *verb = argc > 0 ? argv[0] : NULL;

	if (verb && strcmp(verb, "setup") == 0) {
		if (argc != 1)
			die_usage("terraform setup takes no arguments");
		return tf_setup();
	}
	if (!verb || argc != 2)
		die_usage("usage: %s get|store|forget HOST",
		          strcmp(progname, "ccred") == 0 ? "ccred terraform" : progname);
	if (strcmp(verb, "get") != 0 && strcmp(verb, "store") != 0 && strcmp(verb, "forget") != 0)
		die_usage("terraform: unknown verb '%s' (get, store, forget)", verb);
	if (!tf_host_ok(argv[1]))
		die_usage("terraform: HOST must be a host name with an optional :PORT");
	if (strcmp(verb, "store") == 0)
		return tf_store();
	return tf_get_forget(o, argv[1], strcmp(verb, "forget") == 0);
}

int cmd_terraform(const struct opts *o, int argc, char **argv)
{
	return terraform_run(o, argc - 1, argv + 1);
}
