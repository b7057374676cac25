/* SPDX-License-Identifier: MIT */
/*
 * ccred configure [NAME]: set a profile up and prove it.
 *
 * On a terminal, with no profile options, it asks for each value (prompts
 * on stderr, the current value in brackets); otherwise it takes the values
 * from options, for scripts.  The profile is written into the user config by
 * the library, which keeps every other line of the file.  The secret is read
 * from the terminal without echo, or from stdin when that is not a terminal
 * (never from arguments).  A real token request proves the answers and the
 * secret, held in memory, before the secret is stored in the profile's first
 * writable store and the profile written: a wrong one loses nothing.
 * --generate-key makes a key pair instead (as `key generate` does), which
 * no request can prove before the provider is given its public half.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

#define SECRET_MAX INPUT_MAX
#define MAX_LIST   32
#define ANSWER_MAX 4096

struct conf {
	const char *name;
	const char *token_url, *issuer, *client_id, *scope, *auth_method, *ca_file, *tls_cert;
	const char *key_type; /* --key-type, with --generate-key */
	int days;             /* --days, with --generate-key */
	bool generate;
	const char *stores[MAX_LIST];
	size_t nstores;
	const char *urls[MAX_LIST];
	size_t nurls;
	bool any_option;
	char *owned[64]; /* answers read from the terminal */
	size_t nowned;
};

static void conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
}

static const char *keep(struct conf *c, char *s)
{
	if (c->nowned < sizeof(c->owned) / sizeof(c->owned[0]))
		c->owned[c->nowned++] = s;
	return s;
}

#define CONFIGURE_USAGE                                                                            \
	"usage: ccred [-c CONFIG] configure [NAME] [--token-url URL | --issuer URL]\n"             \
	"         [--client-id ID] [--scope SCOPES] [--auth-method METHOD]\n"                      \
	"         [--store 'STORE ARGS']... [--url URL]... [--ca-file FILE] [--tls-cert FILE]\n"   \
	"         [--generate-key [--key-type ec|rsa|ed25519] [--days N]]\n"                       \
	"(the secret is read from the terminal or stdin, never from arguments;\n"                  \
	" nothing is stored or written before a real token request proves it.\n"                   \
	" --generate-key, for private_key_jwt or self_signed_tls_client_auth, reads no key:\n"     \
	" it makes a key pair (EC P-256 unless --key-type) as 'ccred key generate' does,\n"        \
	" stores the private key (never over one the stores hold: 78), writes the profile,\n"      \
	" prints the public key as a JWK Set and, for the TLS method, writes a self-signed\n"      \
	" certificate to --tls-cert (valid --days, default 365).  The provider does not\n"         \
	" know the new key yet, so no request proves it: register it, then run ccred doctor)"

static void usage_configure(void)
{
	die_usage("%s", CONFIGURE_USAGE);
}

/* A method's name or short form, as the library's table has them. */
static const char *auth_method_arg(const char *v)
{
	return ccred_auth_method_canonical(v);
}

bool auth_method_traits(const char *method, const char **label, unsigned *flags)
{
	const char *name;

	for (size_t i = 0; (name = ccred_auth_method_info(i, NULL, label, flags)); i++)
		if (strcmp(name, method) == 0)
			return true;
	return false;
}

/* "A or B" ("A, B or C"), with "A (or a)" for the short forms when asked. */
static const char *auth_method_list(char *buf, size_t len, bool aliases)
{
	const char *name, *alias;
	size_t used = 0, n = 0;

	while (ccred_auth_method_info(n, NULL, NULL, NULL))
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		name = ccred_auth_method_info(i, &alias, NULL, NULL);
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		                         i == 0       ? ""
		                         : i + 1 == n ? " or "
		                                      : ", ",
		                         name);
		if (aliases && alias && used < len)
			used += (size_t)snprintf(buf + used, len - used, " (or %s)", alias);
	}
	return buf;
}

/* path made absolute; when new_ok, a file not there yet in a directory
 * that is (a certificate about to be written). */
static char *abs_path(const char *path, bool new_ok)
{
	char *r = realpath(path, NULL), *dir;
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	int e;

	if (r || errno != ENOENT || !new_ok)
		return r;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		errno = EISDIR;
		return NULL;
	}
	if (!slash)
		dir = realpath(".", NULL);
	else if (slash == path)
		dir = realpath("/", NULL);
	else {
		char *d = strndup(path, (size_t)(slash - path));
		dir = d ? realpath(d, NULL) : NULL;
		e = errno;
		free(d);
		errno = e;
	}
	if (!dir)
		return NULL;
	if (asprintf(&r, "%s/%s", strcmp(dir, "/") ? dir : "", base) < 0)
		r = NULL;
	free(dir);
	return r;
}

static void parse_options(struct conf *c, const struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
	        {"token-url", required_argument, NULL, 't'},
	        {"issuer", required_argument, NULL, 'i'},
	        {"client-id", required_argument, NULL, 'c'},
	        {"scope", required_argument, NULL, 's'},
	        {"auth-method", required_argument, NULL, 'a'},
	        {"store", required_argument, NULL, 'S'},
	        {"url", required_argument, NULL, 'u'},
	        {"ca-file", required_argument, NULL, 'C'},
	        {"tls-cert", required_argument, NULL, 'T'},
	        {"generate-key", no_argument, NULL, 'g'},
	        {"key-type", required_argument, NULL, 'k'},
	        {"days", required_argument, NULL, 'D'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *tls_cert = NULL;
	int ch;

	optind = 0; /* a fresh scan of the command's own arguments */
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		/* How the key comes, not a profile value: on a terminal the
		 * questions are still asked. */
		switch (ch) {
		case 'g': c->generate = true; continue;
		case 'k': c->key_type = optarg; continue;
		case 'D': c->days = keygen_days("configure", optarg); continue;
		default: break;
		}
		switch (ch) {
		case 't': c->token_url = optarg; break;
		case 'i': c->issuer = optarg; break;
		case 'c': c->client_id = optarg; break;
		case 's': c->scope = optarg; break;
		case 'C':
			/* The config is read from anywhere: no relative path in it. */
			c->ca_file = optarg[0] == '/' ? optarg : keep(c, realpath(optarg, NULL));
			if (!c->ca_file)
				die_usage("--ca-file %s: %s", optarg, strerror(errno));
			break;
		case 'T': tls_cert = optarg; break;
		case 'a':
			if (!(c->auth_method = auth_method_arg(optarg))) {
				char names[512];
				die_usage("--auth-method is %s, not '%s'",
				          auth_method_list(names, sizeof(names), false), optarg);
			}
			break;
		case 'S':
			if (c->nstores == MAX_LIST)
				die_usage("too many --store options");
			c->stores[c->nstores++] = optarg;
			break;
		case 'u':
			if (c->nurls == MAX_LIST)
				die_usage("too many --url options");
			c->urls[c->nurls++] = optarg;
			break;
		case 'h': printf("%s\n", CONFIGURE_USAGE); exit(0);
		default: usage_configure();
		}
		c->any_option = true;
	}
	if (tls_cert) {
		/* the same rule as ca_file; ~/ is kept for the config.  A
		 * certificate --generate-key writes may not be there yet. */
		c->tls_cert = tls_cert[0] == '/' || strncmp(tls_cert, "~/", 2) == 0
		                      ? tls_cert
		                      : keep(c, abs_path(tls_cert, c->generate));
		if (!c->tls_cert)
			die_usage("--tls-cert %s: %s", tls_cert, strerror(errno));
	}
	if ((c->key_type || c->days) && !c->generate)
		die_usage("--key-type and --days go with --generate-key");
	if (c->key_type && strcmp(c->key_type, "ec") && strcmp(c->key_type, "rsa") &&
	    strcmp(c->key_type, "ed25519"))
		die_usage("--key-type is ec, rsa or ed25519, not '%s'", c->key_type);
	if (c->token_url && c->issuer)
		die_usage("give --token-url or --issuer, not both");
	if (optind < argc - 1)
		usage_configure();
	c->name = optind < argc ? argv[optind] : o->profile ? o->profile : "default";
	if (optind < argc && o->profile && strcmp(o->profile, argv[optind]) != 0)
		die_usage("-p %s and configure %s name different profiles", o->profile,
		          argv[optind]);
}

/* Asks on stderr, reads a line from the terminal.  Empty keeps def. */
static int ask(struct conf *c, const char *question, const char *def, const char **answer)
{
	char *line = NULL;
	int r;

	fprintf(stderr, "%s%s%s%s: ", question, def ? " [" : "", def ? def : "", def ? "]" : "");
	fflush(stderr);
	r = read_line(stdin, &line, ANSWER_MAX);
	if (r <= 0) {
		fputc('\n', stderr);
		errorf(r == 0 ? "input ended; nothing was written"
		              : "answer too long or with a NUL byte; nothing was written");
		return -1;
	}
	/* Surrounding blanks are never meant. */
	{
		char *s = line, *e = line + strlen(line);
		while (*s == ' ' || *s == '\t')
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		memmove(line, s, (size_t)(e - s) + 1);
	}
	*answer = *line ? keep(c, line) : def;
	if (!*line)
		free(line);
	return 0;
}

/* Whether the session has a D-Bus bus, where a Secret Service could be. */
static bool have_session_bus(void)
{
	const char *a = getenv("DBUS_SESSION_BUS_ADDRESS"), *rt = getenv("XDG_RUNTIME_DIR");
	char path[4096];
	struct stat st;

	if (a && *a)
		return true;
	if (!rt || !*rt || snprintf(path, sizeof(path), "%s/bus", rt) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/*
 * Asks until the answer is one the configuration takes for key (key NULL:
 * any), so a wrong answer costs that answer only.  Enter keeps def, which is
 * checked too: a current value that is wrong is asked again.
 */
static int ask_checked(struct conf *c, struct ccred_ctx *ctx, const char *question, const char *key,
                       const char *def, const char **answer)
{
	for (;;) {
		if (ask(c, question, def, answer) < 0)
			return -1;
		if (!key || !*answer || ccred_config_check_value(ctx, key, *answer) == CCRED_OK)
			return 0;
		fprintf(stderr, "ccred: %s; answer again\n", ccred_errmsg(ctx));
		if (*answer == def)
			def = NULL; /* the current value is the wrong one */
	}
}

/* Whether --generate-key goes with method, and why not: a key method, and
 * one whose certificate a new key can have (a CA-issued one certifies a
 * key that exists). */
static bool generate_refused(const char *method, char *why, size_t len)
{
	unsigned flags = 0;

	if (!auth_method_traits(method, NULL, &flags))
		flags = 0;
	if (!(flags & CCRED_AUTH_F_PRIVATE_KEY))
		snprintf(why, len,
		         "--generate-key makes a key pair, and auth_method %s uses a shared secret "
		         "(a key is for private_key_jwt or self_signed_tls_client_auth)",
		         method);
	else if (strcmp(method, "tls_client_auth") == 0)
		snprintf(why, len,
		         "--generate-key cannot go with tls_client_auth: its CA certifies a key "
		         "that exists (make the key and a certificate request, e.g. with openssl "
		         "req -new, have the CA issue the certificate, then configure with "
		         "--tls-cert and the key on stdin)");
	else
		return false;
	return true;
}

static int interview(struct conf *c, struct ccred_ctx *ctx)
{
	const char *cur_store = ccred_profile_list(ctx, c->name, "secret_store", 0);
	const char *cur_url = ccred_profile_get(ctx, c->name, "token_url");
	const char *cur_iss = ccred_profile_get(ctx, c->name, "issuer");
	const char *def_store, *am = NULL, *store = NULL;
	char fallback[256];
	bool existing = ccred_profile_get(ctx, c->name, "client_id") != NULL;

	fprintf(stderr, "Setting up profile '%s'. Press Enter to keep the value in brackets.\n",
	        c->name);
	if (ask_checked(c, ctx, "Token endpoint URL (empty to give an OIDC issuer instead)",
	                "token_url", cur_url, &c->token_url) < 0)
		return -1;
	while (!c->token_url) {
		if (ask_checked(c, ctx, "Issuer URL (the token endpoint is discovered from it)",
		                "issuer", cur_iss, &c->issuer) < 0)
			return -1;
		if (c->issuer)
			break;
		fprintf(stderr, "A token endpoint URL or an issuer URL is needed.\n");
		if (ask_checked(c, ctx, "Token endpoint URL", "token_url", NULL, &c->token_url) < 0)
			return -1;
	}
	do {
		if (ask_checked(c, ctx, "Client id", "client_id",
		                ccred_profile_get(ctx, c->name, "client_id"), &c->client_id) < 0)
			return -1;
	} while (!c->client_id && fprintf(stderr, "The client id is needed.\n"));
	if (ask_checked(c, ctx, "Scopes, space-separated ('-' for none)", "scope",
	                ccred_profile_get(ctx, c->name, "scope"), &c->scope) < 0)
		return -1;
	if (c->scope && strcmp(c->scope, "-") == 0)
		c->scope = "";
	else if (!c->scope)
		c->scope = "";
	for (;;) {
		const char *cur = ccred_profile_get(ctx, c->name, "auth_method");
		char prompt[600], names[512];
		snprintf(prompt, sizeof(prompt), "Client authentication: %s",
		         auth_method_list(names, sizeof(names), false));
		/* the table's first method is the default */
		if (ask(c, prompt, cur ? cur : ccred_auth_method_info(0, NULL, NULL, NULL), &am) <
		    0)
			return -1;
		if ((c->auth_method = auth_method_arg(am))) {
			char why[400];
			if (!c->generate || !generate_refused(c->auth_method, why, sizeof(why)))
				break;
			fprintf(stderr, "ccred: %s; answer again\n", why);
			continue;
		}
		fprintf(stderr, "Answer %s.\n", auth_method_list(names, sizeof(names), true));
	}
	/* the TLS methods: the certificate of the stored key */
	while (strstr(c->auth_method, "tls_client_auth")) {
		if (ask_checked(c, ctx,
		                c->generate ? "Client certificate file to write (absolute or ~/)"
		                            : "Client certificate file (PEM, absolute or ~/)",
		                "tls_cert", ccred_profile_get(ctx, c->name, "tls_cert"),
		                &c->tls_cert) < 0)
			return -1;
		if (c->tls_cert)
			break;
		fprintf(stderr, "%s needs a certificate file.\n", c->auth_method);
	}
	snprintf(fallback, sizeof(fallback), "file ~/.config/ccred/%s.secret", c->name);
	def_store = existing ? cur_store : have_session_bus() ? "libsecret" : fallback;
	fprintf(stderr, "Secret stores: libsecret (the desktop keyring), file PATH, env NAME, "
	                "command CMD ARGS..., systemd NAME.\n");
	if (ask_checked(c, ctx, "Where the client secret lives", "secret_store", def_store,
	                &store) < 0)
		return -1;
	/* The default for an existing profile keeps its whole stack. */
	if (store && !(existing && store == def_store))
		c->stores[c->nstores++] = store;
	return 0;
}

static bool profile_exists(const struct ccred_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ccred_profile_count(ctx); i++)
		if (strcmp(ccred_profile_name(ctx, i), name) == 0)
			return true;
	return false;
}

/* The last configuration file read: where the profile's lines win. */
static const char *last_config_file(const struct ccred_ctx *ctx)
{
	const char *f = NULL;

	for (size_t i = 0; ccred_config_file(ctx, i); i++)
		f = ccred_config_file(ctx, i);
	return f ? f : "the configuration";
}

/* Pairs for ccred_config_write_profile; NULL-terminated. */
static void settings_of(const struct conf *c, const char **set, size_t cap)
{
	size_t n = 0;

#define PAIR(k, v)                                                                                 \
	do {                                                                                       \
		if (n + 3 <= cap) {                                                                \
			set[n++] = (k);                                                            \
			set[n++] = (v);                                                            \
		}                                                                                  \
	} while (0)
	if (c->token_url) {
		PAIR("token_url", c->token_url);
		PAIR("issuer", "");
	} else if (c->issuer) {
		PAIR("issuer", c->issuer);
		PAIR("token_url", "");
	}
	if (c->client_id)
		PAIR("client_id", c->client_id);
	if (c->scope)
		PAIR("scope", c->scope);
	if (c->auth_method)
		PAIR("auth_method", c->auth_method);
	if (c->ca_file)
		PAIR("ca_file", c->ca_file);
	if (c->tls_cert)
		PAIR("tls_cert", c->tls_cert);
	for (size_t i = 0; i < c->nstores; i++)
		PAIR("secret_store", c->stores[i]);
	for (size_t i = 0; i < c->nurls; i++)
		PAIR("url", c->urls[i]);
#undef PAIR
	set[n] = NULL;
}

/* Whether any store of the profile's stack might take a secret: one that
 * can, as the library says (no store name known here), or one it cannot
 * tell about (a module not installed, a line it refuses): asking for the
 * secret then lets `secret set`'s own error say what is wrong. */
static bool stack_writable(struct ccred_ctx *ctx)
{
	unsigned int f;

	for (size_t i = 0; ccred_profile_list(ctx, NULL, "secret_store", i); i++)
		if (ccred_secret_probe_flags(ctx, i, &f) != CCRED_OK ||
		    (f & (CCRED_PROBE_F_WRITABLE | CCRED_PROBE_F_NOT_INSTALLED)))
			return true;
	return false;
}

/* What the prover holds: a new secret staged, the stored one carried over to
 * a new item, or what the stores hold. */
enum secret_source { SECRET_STORED, SECRET_NEW, SECRET_CARRIED };

/*
 * Reads the new secret into ctx, in memory only: nothing is stored before a
 * token request proves it.  An empty answer keeps what is stored; when the
 * token endpoint or client_id changed, the stores hold nothing under the new
 * ones, and the secret of the profile as it was (in old) is carried over.
 */
static int stage_secret(struct ccred_ctx *ctx, struct ccred_ctx *old, bool old_ok, bool tty,
                        enum secret_source *src)
{
	const char *name = ccred_profile_current(ctx);
	char *buf = malloc(SECRET_MAX + 2);
	size_t n;
	ccred_error rc;
	int status = 0;

	*src = SECRET_STORED;
	if (!buf) {
		errorf("out of memory");
		return EXIT_OSERR;
	}
	if (tty)
		fprintf(stderr, "The client secret is read without echo; press Enter alone to keep "
		                "the stored one.\n");
	if ((status = read_secret_said(name, buf, SECRET_MAX + 2, "; nothing was written", &n)) !=
	    0)
		goto out;
	if (n == 0 || (n == 1 && buf[0] == '\n') || (n == 2 && buf[0] == '\r' && buf[1] == '\n')) {
		fprintf(stderr, "ccred: no secret given; keeping what the stores hold\n");
		if (old_ok && ccred_secret_status(ctx, NULL) != CCRED_OK &&
		    ccred_secret_stage_stored(ctx, old) == CCRED_OK) {
			*src = SECRET_CARRIED;
			fprintf(stderr,
			        "ccred: the secret of profile '%s' as it was goes with it\n", name);
		}
		goto out;
	}
	if ((rc = ccred_secret_stage(ctx, buf, n)) != CCRED_OK) {
		status = report(ctx, rc);
		if (rc == CCRED_E_USAGE)
			status = EXIT_DATAERR;
		fprintf(stderr, "ccred: nothing was written\n");
		goto out;
	}
	*src = SECRET_NEW;
out:
	ccred_wipe(buf, SECRET_MAX + 2);
	free(buf);
	return status;
}

/* " -c FILE" when the user gave one, for suggested commands. */
static const char *config_opt(const struct opts *o, char *buf, size_t len)
{
	if (!o->config)
		return "";
	snprintf(buf, len, " -c %s", o->config);
	return buf;
}

/* The real token request that proves the profile, before anything is
 * written: on failure the stores and the configuration stay as they were. */
static int prove(struct ccred_ctx *ctx, const struct opts *o, enum secret_source src)
{
	const char *name = ccred_profile_current(ctx), *detail = NULL;
	ccred_error rc = ccred_check(ctx, CCRED_CHECK_TOKEN, &detail);
	char copt[4200];

	if (rc != CCRED_OK) {
		errorf("the token request failed: %s", ccred_errmsg(ctx));
		fprintf(stderr,
		        "ccred: nothing was written: the configuration and the stored secret%s "
		        "are as they were; try again with 'ccred%s configure %s'\n",
		        src == SECRET_NEW ? " (not the new one)" : "",
		        config_opt(o, copt, sizeof(copt)), name);
		return ccred_exit_code(rc);
	}
	fprintf(stderr, "ccred: a real token request works: %s\n", detail);
	return 0;
}

/* Stores the proved secret; says when another profile's secret changed. */
static int commit_secret(struct ccred_ctx *ctx)
{
	const char *where = NULL;
	char names[512];
	bool shared = secret_shared_with(ctx, names, sizeof(names)) &&
	              ccred_secret_status(ctx, NULL) == CCRED_OK;
	ccred_error rc = ccred_secret_commit(ctx, &where);

	if (rc != CCRED_OK) {
		int status = report(ctx, rc);
		fprintf(stderr, "ccred: nothing was written; the secret works but could not be "
		                "stored\n");
		return status;
	}
	print_notes(stderr, "ccred: passed over ", ccred_secret_notes(ctx));
	fprintf(stderr, "ccred: stored the client secret in %s\n", where);
	if (shared)
		say_replaced_shared(names);
	return 0;
}

/* tls_cert as a path to write: "~/" is $HOME. */
static const char *cert_path_of(const char *tls_cert, char *buf, size_t len)
{
	const char *home = getenv("HOME");

	if (strncmp(tls_cert, "~/", 2) != 0)
		return tls_cert;
	if (!home || home[0] != '/' ||
	    (size_t)snprintf(buf, len, "%s%s", home, tls_cert + 1) >= len) {
		errorf("tls_cert %s: $HOME is not set to an absolute path; nothing was written",
		       tls_cert);
		return NULL;
	}
	return buf;
}

/*
 * --generate-key: a new key pair takes the place of the key read, stored as
 * `key generate` stores it.  Nothing can prove it (the provider does not
 * know its public half yet), so it is never put over what the stores hold,
 * and it goes before the profile is written, so that a profile that cannot
 * be written takes the new key back out: either both are there or
 * neither.  The JWK Set goes to stdout; what to do next, to stderr.
 */
static int generate_key(struct conf *c, struct ccred_ctx *ctx, const struct opts *o,
                        const char *const *set)
{
	struct keygen k = {.type = c->key_type, .days = c->days, .fd = -1};
	const char *method = ccred_profile_get(ctx, NULL, "auth_method"), *tls_cert = NULL;
	const char *where = NULL, *written = NULL;
	char why[400], cert[4200];
	bool tls = false;
	int status = 0;
	ccred_error rc;

	if (!method || generate_refused(method, why, sizeof(why)))
		die_usage("%s", method ? why : "--generate-key needs an auth_method");
	if (strstr(method, "tls_client_auth")) {
		tls = true;
		tls_cert = ccred_profile_get(ctx, NULL, "tls_cert");
		if (!tls_cert) {
			errorf("profile '%s' has no tls_cert for the certificate; nothing was "
			       "written",
			       c->name);
			return 78;
		}
		if (!(k.cert_path = cert_path_of(tls_cert, cert, sizeof(cert))))
			return 78;
	} else if (c->days) {
		die_usage("--days is the validity of the certificate of "
		          "self_signed_tls_client_auth; %s has none",
		          method);
	}
	if (ccred_secret_status(ctx, &where) == CCRED_OK) {
		errorf("profile '%s': %s already holds a key (or secret) for client %s, and "
		       "--generate-key never replaces one; nothing was written",
		       c->name, where, ccred_profile_get(ctx, NULL, "client_id"));
		fprintf(stderr,
		        "ccred: to use it, configure without --generate-key; to replace it, "
		        "'%s key generate --force' (the provider then needs the new public key)\n",
		        suggest(o, c->name));
		return 78;
	}
	if ((status = keygen_begin(&k, "configure", "--key-type")) != 0) {
		fprintf(stderr, "ccred: nothing was written\n");
		goto out;
	}
	if ((status = keygen_store(&k, ctx)) != 0)
		goto undo;
	if (set[0]) {
		rc = ccred_config_write_profile(ctx, o->config, c->name, set, &written);
		if (rc != CCRED_OK) {
			status = report(ctx, rc);
			goto undo;
		}
		fprintf(stderr, "ccred: wrote profile '%s' to %s\n", c->name, written);
	} else {
		fprintf(stderr, "ccred: profile '%s' unchanged\n", c->name);
	}
	fprintf(stderr, "ccred: stored a new private key of profile '%s' in %s\n", c->name,
	        k.where);
	if ((status = keygen_cert_commit(&k)) != 0) {
		fprintf(stderr,
		        "ccred: the key is stored; '%s key generate --force --self-signed-cert "
		        "%s' makes both again\n",
		        suggest(o, c->name), k.cert_path);
		goto out;
	}
	fprintf(stderr, "ccred: no token request proved it: the provider does not know the new key "
	                "yet\n");
	if (tls)
		fprintf(stderr,
		        "ccred: next: register the certificate %s with the provider's client (or "
		        "the JWK Set printed, with that certificate as its x5c), then run '%s "
		        "doctor'\n",
		        tls_cert, suggest(o, c->name));
	else
		fprintf(stderr,
		        "ccred: next: register the JWK Set printed with the provider's client "
		        "(Keycloak: Keys, Import key, \"JSON Web Key Set\"), then run '%s "
		        "doctor'\n",
		        suggest(o, c->name));
	{
		struct out out = {0};
		out_adds(&out, k.jwks);
		status = out_flush(&out);
	}
	goto out;
undo:
	/* The stores held nothing for the client before: what they hold now
	 * is the key just made, which nothing uses. */
	if (k.stored) {
		/* k.where is the context's: the next store call replaces it */
		char held[512];
		snprintf(held, sizeof(held), "%s", k.where);
		if (ccred_secret_delete(ctx, &where) != CCRED_OK)
			fprintf(stderr, "ccred: the new key stays in %s: %s\n", held,
			        ccred_errmsg(ctx));
	}
	fprintf(stderr, "ccred: nothing was written\n");
out:
	keygen_end(&k);
	return status;
}

static struct ccred_ctx *open_missing_ok(const struct opts *o, int *status)
{
	struct ccred_ctx *ctx = NULL;
	ccred_error rc = ccred_open(&ctx, o->config, CCRED_OPEN_MISSING_OK);

	if (rc != CCRED_OK) {
		*status = report(ctx, rc);
		fprintf(stderr, "ccred: fix the configuration first; nothing was written\n");
		ccred_close(ctx);
		return NULL;
	}
	ccred_set_verbose(ctx, o->verbose);
	return ctx;
}

/*
 * The order is what keeps a working secret: the answers and the new secret
 * are applied in memory (a second context) and proved with a real token
 * request; only then is the secret stored and the profile written.
 */
int cmd_configure(const struct opts *o, int argc, char **argv)
{
	struct conf c = {0};
	struct ccred_ctx *old = NULL, *ctx = NULL;
	const char *set[2 * (8 + 2 * MAX_LIST) + 1];
	const char *written = NULL;
	bool tty = isatty(STDIN_FILENO), old_ok;
	enum secret_source src = SECRET_STORED;
	ccred_error rc;
	int status = 0;

	parse_options(&c, o, argc, argv);
	if (!(old = open_missing_ok(o, &status)))
		goto out;
	if (!c.any_option && tty) {
		if (interview(&c, old) < 0) {
			status = EXIT_USAGE;
			goto out;
		}
	} else if (!profile_exists(old, c.name) && ((!c.token_url && !c.issuer) || !c.client_id)) {
		/* A new profile needs both; an existing one is checked as it would be. */
		die_usage("a new profile needs --token-url (or --issuer) and --client-id");
	}
	if (c.generate) {
		/* The method as it will be: refused before anything is opened. */
		const char *m = c.auth_method ? c.auth_method
		                              : ccred_profile_get(old, c.name, "auth_method");
		char why[400];
		if (m && generate_refused(m, why, sizeof(why)))
			die_usage("%s", why);
	}
	settings_of(&c, set, sizeof(set) / sizeof(set[0]));
	/* The profile as it was, whose secret a changed client may carry over. */
	old_ok = profile_exists(old, c.name) && ccred_profile_select(old, c.name, NULL) == CCRED_OK;
	if (!(ctx = open_missing_ok(o, &status)))
		goto out;
	progress_install(ctx, o);
	rc = set[0] ? ccred_profile_preview(ctx, c.name, set)
	            : ccred_profile_select(ctx, c.name, NULL);
	if (rc != CCRED_OK) {
		status = report(ctx, rc);
		fprintf(stderr, "ccred: nothing was written\n");
		goto out;
	}
	if (c.generate) {
		status = generate_key(&c, ctx, o, set);
		goto out;
	}
	if (stack_writable(ctx)) {
		if ((status = stage_secret(ctx, old, old_ok, tty, &src)) != 0)
			goto out;
	} else {
		fprintf(stderr,
		        "ccred: the secret comes from a read-only store (%s); not asking "
		        "for it\n",
		        ccred_profile_list(ctx, NULL, "secret_store", 0));
	}
	if ((status = prove(ctx, o, src)) != 0)
		goto out;
	/* Proved: the secret first, so a written profile never lacks it. */
	if (src != SECRET_STORED && (status = commit_secret(ctx)) != 0)
		goto out;
	if (set[0]) {
		rc = ccred_config_write_profile(ctx, o->config, c.name, set, &written);
		if (rc != CCRED_OK) {
			status = report(ctx, rc);
			goto out;
		}
		fprintf(stderr, "ccred: wrote profile '%s' to %s\n", c.name, written);
	} else {
		written = last_config_file(ctx);
		fprintf(stderr, "ccred: profile '%s' unchanged\n", c.name);
	}
	/* Tokens of the secret it replaced go. */
	ccred_cache_drop(ctx, 0);
	fprintf(stderr, "ccred: done: profile '%s' in %s\n", c.name, written);
out:
	ccred_close(ctx);
	ccred_close(old);
	conf_free(&c);
	return status;
}
