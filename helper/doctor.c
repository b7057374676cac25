/* SPDX-License-Identifier: MIT */
/*
 * ccred doctor: check a profile step by step and say what to do about each
 * failure.  One line per step, "ok" or "FAIL" (or "--" for a step that was
 * skipped or a store the stack passed over), and under a failure a line
 * saying what to do.  The report is doctor's output: it goes to stdout,
 * failing or not (`ccred doctor | less`), as text or with --json as one JSON
 * object; -v's trace stays on stderr.  The exit status is 0 only when every
 * step passed, a real token request included; otherwise it is the first
 * failing step's status.  Never prints a secret or a token: the library
 * keeps both to itself.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "helper.h"

struct step {
	const char *tag; /* "ok", "FAIL", "--" */
	char *name, *msg, *fix;
};

struct report {
	int status; /* of the first failure */
	int failures;
	struct step steps[80];
	size_t n;
};

static char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		errorf("out of memory");
		exit(EXIT_OSERR);
	}
	return d;
}

static void add_step(struct report *r, const char *tag, const char *name, const char *msg,
                     const char *fix)
{
	struct step *st;

	if (r->n == sizeof(r->steps) / sizeof(r->steps[0]))
		return;
	st = &r->steps[r->n++];
	st->tag = tag;
	st->name = xstrdup(name);
	st->msg = xstrdup(msg);
	st->fix = fix && *fix ? xstrdup(fix) : NULL;
}

static void step(struct report *r, const char *tag, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static void step(struct report *r, const char *tag, const char *name, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	add_step(r, tag, name, msg, NULL);
}

static void fail(struct report *r, ccred_error rc, const char *name, const char *msg,
                 const char *todo)
{
	add_step(r, "FAIL", name, msg, todo);
	if (!r->failures++)
		r->status = ccred_exit_code(rc);
}

/* The report on stdout: text, or --json (field names in ccred(1)). */
static int print_report(struct report *r, const char *profile, int exit_status, bool json)
{
	struct out out = {0};

	if (json) {
		out_adds(&out, "{\"profile\":");
		if (profile)
			out_json_string(&out, profile);
		else
			out_adds(&out, "null");
		out_addf(&out, ",\"ok\":%s,\"exit_status\":%d,\"problems\":%d,\"steps\":[",
		         r->failures ? "false" : "true", exit_status, r->failures);
	}
	for (size_t i = 0; i < r->n; i++) {
		struct step *st = &r->steps[i];
		if (json) {
			out_adds(&out, i ? ",{\"step\":" : "{\"step\":");
			out_json_string(&out, st->name);
			out_addf(&out, ",\"result\":\"%s\",\"message\":",
			         strcmp(st->tag, "ok") == 0     ? "ok"
			         : strcmp(st->tag, "FAIL") == 0 ? "fail"
			                                        : "skipped");
			out_json_string(&out, st->msg);
			out_adds(&out, ",\"fix\":");
			if (st->fix)
				out_json_string(&out, st->fix);
			else
				out_adds(&out, "null");
			out_adds(&out, "}");
		} else {
			out_addf(&out, "%-5s %s: %s\n", st->tag, st->name, st->msg);
			if (st->fix)
				out_addf(&out, "      to fix: %s\n", st->fix);
		}
		free(st->name);
		free(st->msg);
		free(st->fix);
	}
	if (json)
		out_adds(&out, "]}\n");
	else if (r->failures)
		out_addf(&out, "ccred doctor: %d problem%s found\n", r->failures,
		         r->failures == 1 ? "" : "s");
	else
		out_adds(&out, "ccred doctor: all good\n");
	return out_flush(&out);
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

static const char *probe_todo(const struct opts *o, ccred_probe p, unsigned int flags,
                              const char *line, const char *detail, const char *profile, char *buf,
                              size_t len)
{
	switch (p) {
	case CCRED_PROBE_EMPTY:
		snprintf(buf, len, "store the secret: %s secret set", suggest(o, profile));
		return buf;
	case CCRED_PROBE_UNAVAILABLE:
		if (flags & CCRED_PROBE_F_NOT_INSTALLED)
			return "install the store's module (for libsecret: the ccred-libsecret "
			       "package), or list another secret_store";
		if (strncmp(line, "libsecret", 9) == 0)
			return "run a Secret Service (e.g. gnome-keyring) in this session, or list "
			       "another secret_store (see HEADLESS MACHINES in ccred(1))";
		return "make the store reachable, or list another secret_store";
	case CCRED_PROBE_LOCKED:
		snprintf(buf, len,
		         "unlock the keyring (log in to the desktop, or gnome-keyring-daemon "
		         "--unlock), then run %s doctor again",
		         suggest(o, profile));
		return buf;
	case CCRED_PROBE_INSECURE:
		/* The store's message names what is wrong: the file's mode (with
		 * its chmod), its owner, or a link or directory on its path. */
		if (detail && strstr(detail, "chmod"))
			return "run the chmod named above; ccred never reads a secret others could "
			       "read or replace";
		return "make the file, and every link and directory on its path, yours or "
		       "root's and not writable by group or others (see the file store in "
		       "ccred.conf(5)); ccred never reads a secret others could read or replace";
	default: return "see the message above";
	}
}

/* The store stack: each store's state, and whether the stack yields the
 * secret.  Returns whether a token request could read it. */
static bool check_stores(const struct opts *o, struct ccred_ctx *ctx, struct report *r)
{
	const char *profile = ccred_profile_current(ctx), *line, *detail;
	ccred_probe st[64];
	unsigned int flags[64] = {0};
	char *details[64] = {0}, todo[1600];
	size_t n = 0, answer = (size_t)-1;
	bool ok = false, locked = false, empty = false, libsecret_down = false;
	ccred_error rc;

	for (; n < 64 && (line = ccred_profile_list(ctx, NULL, "secret_store", n)); n++) {
		rc = ccred_secret_probe(ctx, n, &st[n], &detail);
		if (rc != CCRED_OK) {
			fail(r, rc, "store", ccred_errmsg(ctx), "fix the secret_store line");
			goto out;
		}
		details[n] = strdup(detail);
		/* what the store is, not what it said (a broken module: no bits) */
		if (ccred_secret_probe_flags(ctx, n, &flags[n]) != CCRED_OK)
			flags[n] = 0;
		/* The stack stops at the first store that holds the secret or
		 * refuses an unsafe file. */
		if (answer == (size_t)-1 &&
		    (st[n] == CCRED_PROBE_HOLDS || st[n] == CCRED_PROBE_INSECURE))
			answer = n;
		locked |= st[n] == CCRED_PROBE_LOCKED;
		empty |= st[n] == CCRED_PROBE_EMPTY;
		libsecret_down |= st[n] == CCRED_PROBE_UNAVAILABLE &&
		                  strncmp(line, "libsecret", 9) == 0 &&
		                  !(flags[n] & CCRED_PROBE_F_NOT_INSTALLED);
	}
	for (size_t i = 0; i < n; i++) {
		char name[300];
		line = ccred_profile_list(ctx, NULL, "secret_store", i);
		snprintf(name, sizeof(name), "store %zu '%s'", i + 1, line);
		if (i == answer && st[i] == CCRED_PROBE_HOLDS)
			step(r, "ok", name, "holds the secret; token requests read it from here");
		else if (i == answer)
			fail(r, CCRED_E_CONFIG, name, details[i] ? details[i] : "insecure",
			     probe_todo(o, st[i], flags[i], line, details[i], profile, todo,
			                sizeof(todo)));
		else if (answer != (size_t)-1)
			step(r, "--", name, "%s, %s (%s)",
			     i < answer ? "passed over" : "not reached", probe_word(st[i]),
			     details[i] ? details[i] : "");
		else
			fail(r, CCRED_E_NOSECRET, name, details[i] ? details[i] : probe_word(st[i]),
			     probe_todo(o, st[i], flags[i], line, details[i], profile, todo,
			                sizeof(todo)));
	}
	if (answer == (size_t)-1) {
		char msg[300];
		snprintf(msg, sizeof(msg), "no store of profile '%s' holds its client secret",
		         profile);
		/* `secret set` only helps where a store can take the secret now: a
		 * locked keyring or a missing D-Bus fails it the same way. */
		if (empty)
			snprintf(todo, sizeof(todo), "store it: %s secret set",
			         suggest(o, profile));
		else if (locked)
			snprintf(todo, sizeof(todo),
			         "unlock the keyring, then store it if it is not there: %s secret "
			         "set",
			         suggest(o, profile));
		else if (libsecret_down)
			snprintf(todo, sizeof(todo),
			         "no Secret Service here: add the line 'secret_store = file "
			         "~/.config/ccred/%s.secret' to [profile %s] in %s, then run %s "
			         "secret set",
			         profile, profile,
			         o->config                   ? o->config
			         : ccred_config_file(ctx, 0) ? ccred_config_file(ctx, 0)
			                                     : "~/.config/ccred/config",
			         suggest(o, profile));
		else
			snprintf(todo, sizeof(todo), "make one of the stores above reachable");
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
	const char *detail = NULL, *msg;
	ccred_error rc = ccred_check(ctx, s, &detail);

	if (rc == CCRED_OK) {
		step(r, "ok", name, "%s", detail);
		return true;
	}
	msg = ccred_errmsg(ctx);
	/* A TLS handshake answered by a plain-http server: no CA can help. */
	if (s == CCRED_CHECK_TLS &&
	    (strstr(msg, "wrong version number") || strstr(msg, "packet length too long") ||
	     strstr(msg, "record layer failure") || strstr(msg, "unexpected eof") ||
	     strstr(msg, "unknown protocol")))
		todo = "the server answers plain http, not TLS, on that port: check the scheme and "
		       "port in token_url (or issuer)";
	fail(r, rc, name, msg, todo);
	return false;
}

static const char *token_todo(const struct opts *o, struct ccred_ctx *ctx, ccred_error rc,
                              const char *profile, char *buf, size_t len)
{
	const char *msg = ccred_errmsg(ctx);

	switch (rc) {
	case CCRED_E_REJECTED: {
		const char *m =
		        ccred_auth_method_canonical(ccred_profile_get(ctx, NULL, "auth_method"));
		const char *label = NULL;
		unsigned flags = 0;

		if (m && !auth_method_traits(m, &label, &flags))
			label = NULL;
		/* What the provider checks, by method, in Keycloak's words
		 * (Credentials, Client Authenticator). */
		if (m && label && strstr(m, "tls_client_auth"))
			snprintf(buf, len,
			         "check client_id and scope, and that the provider's client "
			         "(Keycloak: "
			         "\"%s\") takes the certificate in tls_cert: %s; the stores must "
			         "hold that certificate's key",
			         label,
			         strcmp(m, "tls_client_auth") == 0
			                 ? "issued by a CA it trusts, with the subject it expects"
			                 : "registered with the client");
		else if (m && label && (flags & CCRED_AUTH_F_PRIVATE_KEY))
			snprintf(buf, len,
			         "check client_id and scope, and that the provider's client "
			         "(Keycloak: "
			         "\"%s\") has this key's public JWK with its kid and signature "
			         "algorithm registered (%s key public)",
			         label, suggest(o, profile));
		else if (m && label && strcmp(m, "client_secret_jwt") == 0)
			snprintf(
			        buf, len,
			        "check client_id and scope, that the provider's client uses \"%s\" "
			        "with the signature algorithm signing_alg names (HS256 unless "
			        "set), "
			        "and store the right secret (%s secret set)",
			        label, suggest(o, profile));
		else
			snprintf(buf, len,
			         "check client_id, scope and auth_method, and store the right "
			         "secret "
			         "(%s secret set)",
			         suggest(o, profile));
		return buf;
	}
	case CCRED_E_PROTOCOL:
	case CCRED_E_CONFIG:
		if (strstr(msg, "404") && !ccred_profile_get(ctx, NULL, "token_url"))
			return "the issuer has no discovery document there: issuer is the URL "
			       "before /.well-known/openid-configuration (Keycloak: "
			       "https://HOST/realms/REALM), or set token_url instead";
		if (strstr(msg, "404"))
			return "token_url is not the token endpoint (the server answered 404): "
			       "check its path, or set issuer and let ccred discover it";
		return "check that token_url (or issuer) names the token endpoint itself";
	case CCRED_E_TEMPFAIL: return "the endpoint or the network failed; try again later";
	default: return "see the message above";
	}
}

static void list_files(struct ccred_ctx *ctx, struct report *r)
{
	char files[2048] = "";
	size_t used = 0;
	const char *f;

	if (!ccred_config_file(ctx, 0)) {
		step(r, "ok", "config", "no configuration file found");
		return;
	}
	for (size_t i = 0; (f = ccred_config_file(ctx, i)) && used < sizeof(files); i++)
		used += (size_t)snprintf(files + used, sizeof(files) - used, "%s%s", i ? ", " : "",
		                         f);
	step(r, "ok", "config", "read %s", files);
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
	static struct report r;
	struct ccred_ctx *ctx = NULL;
	const char *name = NULL, *v, *broken = NULL;
	char todo[1200], *chosen = NULL;
	ccred_error rc;
	bool have_secret, got_token = false, json = false;
	int status, exit_status;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			die_usage("doctor takes only --json (name the profile with -p NAME)");
	}
	rc = ccred_open(&ctx, o->config, 0);
	if (rc != CCRED_OK) {
		snprintf(todo, sizeof(todo),
		         "fix that line (see ccred.conf(5)), then run %s doctor again",
		         suggest(o, NULL));
		fail(&r, rc, "config", ctx ? ccred_errmsg(ctx) : ccred_strerror(rc), todo);
		goto out;
	}
	ccred_set_verbose(ctx, o->verbose);
	list_files(ctx, &r);
	if ((rc = ccred_profile_select(ctx, o->profile, &name)) != CCRED_OK) {
		if (o->profile)
			snprintf(todo, sizeof(todo),
			         "fix the profile's lines (see ccred.conf(5)), or set it up with "
			         "'%s configure %s'",
			         suggest(o, ""), o->profile);
		else
			snprintf(todo, sizeof(todo),
			         "name a profile with -p NAME, or set one up with '%s configure "
			         "NAME'",
			         suggest(o, ""));
		fail(&r, rc, "profile", ccred_errmsg(ctx), todo);
		goto out;
	}
	chosen = strdup(name);
	v = ccred_profile_get(ctx, NULL, "token_url");
	step(&r, "ok", "profile", "'%s': %s %s, client_id %s, %s%s%s", name,
	     v ? "token_url" : "issuer", v ? v : ccred_profile_get(ctx, NULL, "issuer"),
	     ccred_profile_get(ctx, NULL, "client_id"), ccred_profile_get(ctx, NULL, "auth_method"),
	     ccred_profile_get(ctx, NULL, "scope") ? ", scope " : "",
	     ccred_profile_get(ctx, NULL, "scope") ? ccred_profile_get(ctx, NULL, "scope") : "");

	have_secret = check_stores(o, ctx, &r);
	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++) {
		if (broken) {
			step(&r, "--", net[i].name, "skipped: %s failed", broken);
			continue;
		}
		if (!net_step(ctx, &r, net[i].step, net[i].name, net[i].todo))
			broken = net[i].name;
	}
	if (broken) {
		step(&r, "--", "token", "skipped: %s failed", broken);
	} else if (!have_secret) {
		step(&r, "--", "token", "skipped: no client secret to send");
	} else {
		const char *detail = NULL;
		rc = ccred_check(ctx, CCRED_CHECK_TOKEN, &detail);
		if (rc == CCRED_OK) {
			step(&r, "ok", "token", "%s", detail);
			got_token = true;
		} else
			fail(&r, rc, "token", ccred_errmsg(ctx),
			     token_todo(o, ctx, rc, name, todo, sizeof(todo)));
	}
	net_step(ctx, &r, CCRED_CHECK_CACHE, "cache", "see the message above");
out:
	/* SPEC: the exit status says whether a token was obtained; a failing
	 * later step (the cache) or a second store that is down is in the
	 * report, but the profile works. */
	exit_status = got_token || !r.failures ? 0 : r.status;
	status = print_report(&r, chosen, exit_status, json);
	free(chosen);
	ccred_close(ctx);
	return status ? status : exit_status;
}
