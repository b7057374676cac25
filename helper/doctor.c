/* SPDX-License-Identifier: MIT */
/*
 * ccred doctor: check a profile step by step and say what to do about each
 * failure.  One line per step, "ok" or "FAIL" (or "--" for a step that was
 * skipped or a store the stack passed over), and under a failure a line
 * saying what to do.  The report goes to stderr, like -v's trace, so that
 * stdout stays empty as it does for every failing command.  The exit status
 * is 0 only when every step passed, a real token request included;
 * otherwise it is the first failing step's status.  Never prints a secret or
 * a token: the library keeps both to itself.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

struct report {
	int status; /* of the first failure */
	int failures;
};

static void step(const char *tag, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void step(const char *tag, const char *name, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%-5s %s: ", tag, name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void fail(struct report *r, ccred_error rc, const char *name, const char *msg,
                 const char *todo)
{
	step("FAIL", name, "%s", msg);
	if (todo && *todo)
		fprintf(stderr, "      to fix: %s\n", todo);
	if (!r->failures++)
		r->status = ccred_exit_code(rc);
}

static const char *probe_word(ccred_probe p)
{
	switch (p) {
	case CCRED_PROBE_HOLDS: return "holds the secret";
	case CCRED_PROBE_EMPTY: return "reachable, holds no secret";
	case CCRED_PROBE_UNAVAILABLE: return "unavailable";
	case CCRED_PROBE_LOCKED: return "locked";
	case CCRED_PROBE_INSECURE: return "refused as insecure";
	default: return "failed";
	}
}

static const char *probe_todo(ccred_probe p, const char *line, const char *detail,
                              const char *profile, char *buf, size_t len)
{
	switch (p) {
	case CCRED_PROBE_EMPTY:
		snprintf(buf, len, "store the secret: ccred -p %s secret set", profile);
		return buf;
	case CCRED_PROBE_UNAVAILABLE:
		if (detail && strstr(detail, "store module not installed"))
			return "install the store's module (for libsecret: the ccred-libsecret "
			       "package), or list another secret_store";
		if (strncmp(line, "libsecret", 9) == 0)
			return "run a Secret Service (e.g. gnome-keyring) in this session, or list "
			       "another secret_store (see HEADLESS MACHINES in ccred(1))";
		return "make the store reachable, or list another secret_store";
	case CCRED_PROBE_LOCKED:
		return "unlock the keyring (log in to the desktop, or gnome-keyring-daemon "
		       "--unlock), then run ccred doctor again";
	case CCRED_PROBE_INSECURE:
		return "make the file yours and private (chmod 600 FILE); ccred never reads a "
		       "secret others could read or replace";
	default: return "see the message above";
	}
}

/* The store stack: each store's state, and whether the stack yields the
 * secret.  Returns whether a token request could read it. */
static bool check_stores(struct ccred_ctx *ctx, struct report *r)
{
	const char *profile = ccred_profile_current(ctx), *line, *detail;
	ccred_probe st[64];
	char *details[64] = {0}, todo[256];
	size_t n = 0, answer = (size_t)-1;
	ccred_error rc;
	bool ok = false;

	for (; n < 64 && (line = ccred_profile_list(ctx, NULL, "secret_store", n)); n++) {
		rc = ccred_secret_probe(ctx, n, &st[n], &detail);
		if (rc != CCRED_OK) {
			fail(r, rc, "store", ccred_errmsg(ctx), "fix the secret_store line");
			goto out;
		}
		details[n] = strdup(detail);
		/* The stack stops at the first store that holds the secret or
		 * refuses an unsafe file. */
		if (answer == (size_t)-1 &&
		    (st[n] == CCRED_PROBE_HOLDS || st[n] == CCRED_PROBE_INSECURE))
			answer = n;
	}
	for (size_t i = 0; i < n; i++) {
		char name[300];
		line = ccred_profile_list(ctx, NULL, "secret_store", i);
		snprintf(name, sizeof(name), "store %zu '%s'", i + 1, line);
		if (i == answer && st[i] == CCRED_PROBE_HOLDS)
			step("ok", name, "holds the secret; token requests read it from here");
		else if (i == answer)
			fail(r, CCRED_E_CONFIG, name, details[i] ? details[i] : "insecure",
			     probe_todo(st[i], line, details[i], profile, todo, sizeof(todo)));
		else if (answer != (size_t)-1)
			step("--", name, "%s, %s (%s)", i < answer ? "passed over" : "not reached",
			     probe_word(st[i]), details[i] ? details[i] : "");
		else
			fail(r, CCRED_E_NOSECRET, name, details[i] ? details[i] : probe_word(st[i]),
			     probe_todo(st[i], line, details[i], profile, todo, sizeof(todo)));
	}
	if (answer == (size_t)-1) {
		char msg[300];
		snprintf(msg, sizeof(msg), "no store of profile '%s' holds its client secret",
		         profile);
		snprintf(todo, sizeof(todo),
		         "store it (ccred -p %s secret set) in a store that is reachable here",
		         profile);
		fail(r, CCRED_E_NOSECRET, "secret", msg, todo);
	} else {
		ok = st[answer] == CCRED_PROBE_HOLDS;
	}
out:
	for (size_t i = 0; i < n && i < 64; i++)
		free(details[i]);
	return ok;
}

static bool net_step(struct ccred_ctx *ctx, struct report *r, ccred_check_step s, const char *name,
                     const char *todo)
{
	const char *detail = NULL;
	ccred_error rc = ccred_check(ctx, s, &detail);

	if (rc == CCRED_OK) {
		step("ok", name, "%s", detail);
		return true;
	}
	fail(r, rc, name, ccred_errmsg(ctx), todo);
	return false;
}

static const char *token_todo(ccred_error rc, const char *profile, char *buf, size_t len)
{
	switch (rc) {
	case CCRED_E_REJECTED:
		snprintf(buf, len,
		         "check client_id, scope and auth_method, and store the right secret "
		         "(ccred -p %s secret set)",
		         profile);
		return buf;
	case CCRED_E_PROTOCOL:
		return "check that token_url (or issuer) names the token endpoint itself";
	case CCRED_E_TEMPFAIL: return "the endpoint or the network failed; try again later";
	default: return "see the message above";
	}
}

static void list_files(struct ccred_ctx *ctx)
{
	const char *f;

	if (!ccred_config_file(ctx, 0)) {
		step("ok", "config", "no configuration file found");
		return;
	}
	fprintf(stderr, "%-5s %s: read ", "ok", "config");
	for (size_t i = 0; (f = ccred_config_file(ctx, i)); i++)
		fprintf(stderr, "%s%s", i ? ", " : "", f);
	fputc('\n', stderr);
}

int cmd_doctor(const struct opts *o, int argc, char **argv)
{
	static const struct {
		ccred_check_step step;
		const char *name, *todo;
	} net[] = {
	        {CCRED_CHECK_DNS, "dns",
	         "check the host name in token_url (or issuer), your DNS, and any proxy settings"},
	        {CCRED_CHECK_TCP, "tcp",
	         "is the token endpoint running, and is its port reachable from here (firewall, "
	         "proxy)?"},
	        {CCRED_CHECK_TLS, "tls",
	         "set ca_file to the CA that signed the endpoint's certificate, or check the host "
	         "name in the URL"},
	};
	struct report r = {0};
	struct ccred_ctx *ctx = NULL;
	const char *name, *v, *broken = NULL;
	char todo[256];
	ccred_error rc;
	bool have_secret;

	if (argc > 1)
		die_usage("doctor takes no arguments (name the profile with -p NAME)");
	rc = ccred_open(&ctx, o->config, 0);
	if (rc != CCRED_OK) {
		fail(&r, rc, "config", ctx ? ccred_errmsg(ctx) : ccred_strerror(rc),
		     "fix that line (see ccred.conf(5)), then run ccred doctor again");
		goto out;
	}
	ccred_set_verbose(ctx, o->verbose);
	list_files(ctx);
	if ((rc = ccred_profile_select(ctx, o->profile, &name)) != CCRED_OK) {
		fail(&r, rc, "profile", ccred_errmsg(ctx),
		     "name a profile with -p NAME, or set one up with 'ccred configure NAME'");
		goto out;
	}
	v = ccred_profile_get(ctx, NULL, "token_url");
	step("ok", "profile", "'%s': %s %s, client_id %s, %s%s%s", name, v ? "token_url" : "issuer",
	     v ? v : ccred_profile_get(ctx, NULL, "issuer"),
	     ccred_profile_get(ctx, NULL, "client_id"), ccred_profile_get(ctx, NULL, "auth_method"),
	     ccred_profile_get(ctx, NULL, "scope") ? ", scope " : "",
	     ccred_profile_get(ctx, NULL, "scope") ? ccred_profile_get(ctx, NULL, "scope") : "");

	have_secret = check_stores(ctx, &r);
	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++) {
		if (broken) {
			step("--", net[i].name, "skipped: %s failed", broken);
			continue;
		}
		if (!net_step(ctx, &r, net[i].step, net[i].name, net[i].todo))
			broken = net[i].name;
	}
	if (broken) {
		step("--", "token", "skipped: %s failed", broken);
	} else if (!have_secret) {
		step("--", "token", "skipped: no client secret to send");
	} else {
		const char *detail = NULL;
		rc = ccred_check(ctx, CCRED_CHECK_TOKEN, &detail);
		if (rc == CCRED_OK)
			step("ok", "token", "%s", detail);
		else
			fail(&r, rc, "token", ccred_errmsg(ctx),
			     token_todo(rc, name, todo, sizeof(todo)));
	}
	net_step(ctx, &r, CCRED_CHECK_CACHE, "cache", "see the message above");
out:
	if (r.failures)
		fprintf(stderr, "ccred doctor: %d problem%s found\n", r.failures,
		        r.failures == 1 ? "" : "s");
	else
		fprintf(stderr, "ccred doctor: all good\n");
	ccred_close(ctx);
	return r.failures ? r.status : 0;
}
