/* SPDX-License-Identifier: MIT */
/* The config parser: sections, inheritance, lists, and every bad input
 * giving a FILE:LINE message. */
#include "ccred-int.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static ccred_error parse(struct ccredi_config *cfg, const char *text, char *err, size_t n)
{
	return ccredi_config_parse(cfg, "test.conf", text, strlen(text), err, n);
}

static void expect_error(const char *text, const char *needle)
{
	struct ccredi_config cfg = {0};
	char err[512] = "";

	CHECK_INT(parse(&cfg, text, err, sizeof(err)), CCRED_E_CONFIG);
	if (!strstr(err, needle)) {
		check_failures++;
		fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
	}
	ccredi_config_clear(&cfg);
}

/* A bad value (or a profile's unknown key) is contained: the file parses,
 * profile a fails with FILE:LINE, and profile ok still resolves. */
static void expect_contained(const char *text, const char *needle)
{
	struct ccredi_config cfg = {0};
	struct ccredi_profile p;
	char err[512] = "", full[1024];

	snprintf(full, sizeof(full), "[profile ok]\ntoken_url = https://h/t\nclient_id = c\n%s",
	         text);
	CHECK_INT(parse(&cfg, full, err, sizeof(err)), CCRED_OK);
	CHECK_INT(ccredi_profile_resolve(&cfg, "ok", &p, err, sizeof(err)), CCRED_OK);
	CHECK_INT(ccredi_profile_resolve(&cfg, "a", &p, err, sizeof(err)), CCRED_E_CONFIG);
	if (!strstr(err, needle)) {
		check_failures++;
		fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
	}
	ccredi_config_clear(&cfg);
}

static void test_basic(void)
{
	struct ccredi_config cfg = {0};
	struct ccredi_profile p;
	char err[512] = "";
	const char *text = "# comment\n; another\n"
	                   "[defaults]\n"
	                   "scope = api:read\n"
	                   "secret_store = env A\n"
	                   "timeout = 7\n"
	                   "\n"
	                   "[profile layer1]\n"
	                   "token_url = https://auth.example.com/realms/x/token\n"
	                   "  client_id   =   abc  \n"
	                   "url = https://git.example.com\n"
	                   "url = https://other.example.com/org\n"
	                   "[profile two]\n"
	                   "issuer = http://127.0.0.1:8080\n"
	                   "client_id = two\n"
	                   "scope =\n"
	                   "secret_store = file ~/.s\n"
	                   "secret_store = env B\n"
	                   "min_ttl = 0\n"
	                   "refresh_ahead = 0\n"
	                   "cache = no\n"
	                   "auth_method = client_secret_basic\n";

	CHECK_INT(parse(&cfg, text, err, sizeof(err)), CCRED_OK);
	CHECK_INT(cfg.nprofiles, 2);
	CHECK_INT(ccredi_profile_resolve(&cfg, "layer1", &p, err, sizeof(err)), CCRED_OK);
	CHECK_STR(p.client_id, "abc");
	CHECK_STR(p.scope, "api:read");
	CHECK_STR(p.auth_method, "client_secret_post");
	CHECK_STR(p.username, "abc");
	CHECK_INT(p.timeout, 7);
	CHECK_INT(p.min_ttl, -1);
	CHECK_INT(p.refresh_ahead, -1); /* the default rule */
	CHECK(p.cache);
	CHECK_INT(p.urls->n, 2);
	CHECK_INT(p.stores->n, 1);
	CHECK_STR(p.stores->v[0], "env A");

	CHECK_INT(ccredi_profile_resolve(&cfg, "two", &p, err, sizeof(err)), CCRED_OK);
	CHECK(p.scope == NULL); /* empty value hides the default */
	CHECK(p.token_url == NULL);
	CHECK_STR(p.issuer, "http://127.0.0.1:8080");
	CHECK_INT(p.stores->n, 2); /* replaces the [defaults] list */
	CHECK_STR(p.stores->v[1], "env B");
	CHECK_INT(p.min_ttl, 0);
	CHECK_INT(p.refresh_ahead, 0); /* off */
	CHECK(!p.cache);
	CHECK_STR(p.auth_method, "client_secret_basic");

	CHECK_INT(ccredi_profile_resolve(&cfg, "nope", &p, err, sizeof(err)), CCRED_E_CONFIG);
	ccredi_config_clear(&cfg);
}

static void test_later_overrides(void)
{
	struct ccredi_config cfg = {0};
	struct ccredi_profile p;
	char err[512] = "";

	/* two files: the later one overrides keys and replaces lists */
	CHECK_INT(parse(&cfg,
	                "[profile a]\ntoken_url=https://x/t\nclient_id=one\nurl=https://a\n"
	                "url=https://b\n",
	                err, sizeof(err)),
	          CCRED_OK);
	CHECK_INT(parse(&cfg, "[profile a]\nclient_id=two\nurl=https://c\n", err, sizeof(err)),
	          CCRED_OK);
	CHECK_INT(ccredi_profile_resolve(&cfg, "a", &p, err, sizeof(err)), CCRED_OK);
	CHECK_STR(p.client_id, "two");
	CHECK_INT(p.urls->n, 1);
	CHECK_STR(p.urls->v[0], "https://c");
	ccredi_config_clear(&cfg);
}

static void test_missing_keys(void)
{
	struct ccredi_config cfg = {0};
	struct ccredi_profile p;
	char err[512] = "";

	CHECK_INT(parse(&cfg, "\n[profile a]\nclient_id = x\n[profile b]\ntoken_url=https://h/t\n",
	                err, sizeof(err)),
	          CCRED_OK);
	CHECK_INT(ccredi_profile_resolve(&cfg, "a", &p, err, sizeof(err)), CCRED_E_CONFIG);
	CHECK(strstr(err, "test.conf:2:") && strstr(err, "token_url"));
	CHECK_INT(ccredi_profile_resolve(&cfg, "b", &p, err, sizeof(err)), CCRED_E_CONFIG);
	CHECK(strstr(err, "test.conf:4:") && strstr(err, "client_id"));
	ccredi_config_clear(&cfg);
}

static void test_bad_input(void)
{
	expect_contained("[profile a]\nbogus = 1\n", "test.conf:5: unknown key 'bogus'");
	expect_contained("[profile a]\ntokenurl = 1\n",
	                 "test.conf:5: unknown key 'tokenurl' (did you mean 'token_url'?)");
	expect_error("[defaults]\ntokenurl = 1\n",
	             "test.conf:2: unknown key 'tokenurl' (did you mean 'token_url'?)");
	expect_error("client_id = x\n", "test.conf:1: 'client_id' outside a section");
	expect_contained("[profile a]\nmin_ttl = 5s\n", "test.conf:5: min_ttl");
	expect_contained("[profile a]\nmin_ttl = -1\n", "test.conf:5: min_ttl");
	expect_contained("[profile a]\nrefresh_ahead = -1\n", "test.conf:5: refresh_ahead");
	expect_contained("[profile a]\nrefresh_ahead = 5m\n", "test.conf:5: refresh_ahead");
	expect_contained("[profile a]\ntimeout = 0\n", "test.conf:5: timeout");
	expect_contained("[profile a]\ntimeout = 99999999999999999999\n", "test.conf:5: timeout");
	expect_contained("[profile a]\ncache = maybe\n", "test.conf:5: cache");
	expect_contained("[profile a]\nauth_method = mtls\n", "test.conf:5: auth_method");
	expect_contained("[profile a]\nsigning_alg = none\n", "test.conf:5: signing_alg must be");
	expect_contained("[profile a]\nkey_id = a\"b\n", "test.conf:5: key_id must be");
	expect_contained("[profile a]\ntls_cert = c.pem\n",
	                 "test.conf:5: tls_cert must be an absolute");
	expect_contained("[profile a]\ntls_cert = /a\tb\n", "test.conf:5: tls_cert must not");
	expect_contained("[profile a]\nrevocation_url = http://auth.example.com/revoke\n",
	                 "test.conf:5: plain http");
	expect_contained("[profile a]\ntoken_url = http://auth.example.com/token\n",
	                 "test.conf:5: plain http");
	expect_contained("[profile a]\ntoken_url = http://127.0.0.1.evil.org/token\n",
	                 "plain http");
	expect_contained("[profile a]\ntoken_url = ftp://x/y\n", "scheme");
	expect_contained("[profile a]\ntoken_url = not a url\n", "not an http(s) URL");
	expect_contained("[profile a]\nsecret_store = 'unterminated\n", "quote");
	expect_contained("[profile a]\nsecret_store = ../evil\n", "store name");
	expect_contained("[profile a]\nurl = https://host:99999/\n", "not a URL");
	/* a bad value in [defaults] fails the profiles that inherit it only */
	{
		struct ccredi_config cfg = {0};
		struct ccredi_profile p;
		char err[512] = "";
		CHECK_INT(parse(&cfg,
		                "[defaults]\ntimeout = 0\n[profile ok]\ntoken_url = https://h/t\n"
		                "client_id = c\ntimeout = 5\n[profile a]\ntoken_url = https://h/t\n"
		                "client_id = c\n",
		                err, sizeof(err)),
		          CCRED_OK);
		CHECK_INT(ccredi_profile_resolve(&cfg, "ok", &p, err, sizeof(err)), CCRED_OK);
		CHECK_INT(ccredi_profile_resolve(&cfg, "a", &p, err, sizeof(err)), CCRED_E_CONFIG);
		CHECK(strstr(err, "test.conf:2: timeout") != NULL);
		ccredi_config_clear(&cfg);
	}
	expect_contained("[profile a]\ntimeout = 0\n[profile a]\ntimeout = 5\n"
	                 "token_url = http://x.example/t\n",
	                 "test.conf:8: plain http");
	expect_error("[profile]\n", "unknown section");
	expect_error("[profile a b]\n", "bad profile name");
	expect_error("[server x]\n", "unknown section [server x]");
	expect_error("[profile a\n", "malformed section header");
	expect_error("[profile a]\njust words\n", "test.conf:2: expected key = value");
	expect_error("[profile a]\nscope = a\001b\n", "control character");

	/* loopback http is fine, in every spelling */
	const char *ok[] = {"http://127.0.0.1:8/t", "http://localhost/t", "http://[::1]:9/t",
	                    "http://127.8.9.10/t", "https://auth.example.com/t"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct ccredi_config cfg = {0};
		char text[256], err[256] = "";
		snprintf(text, sizeof(text), "[profile a]\ntoken_url = %s\n", ok[i]);
		CHECK_INT(parse(&cfg, text, err, sizeof(err)), CCRED_OK);
		ccredi_config_clear(&cfg);
	}
}

static void test_long_line_and_nul(void)
{
	struct ccredi_config cfg = {0};
	struct ccredi_profile p;
	char err[512] = "";
	char *text = malloc(5000);
	char nul[] = "[profile a]\nclient_id = a\0b\n";

	/* a 4000-byte command line is read whole (libinih would split it) */
	int n = snprintf(text, 5000,
	                 "[profile a]\ntoken_url=https://h/t\nclient_id=c\n"
	                 "secret_store = command printf %%s ");
	memset(text + n, 'x', 4000);
	memcpy(text + n + 4000, "\n", 2);
	CHECK_INT(parse(&cfg, text, err, sizeof(err)), CCRED_OK);
	CHECK_INT(ccredi_profile_resolve(&cfg, "a", &p, err, sizeof(err)), CCRED_OK);
	CHECK_INT(strlen(p.stores->v[0]), strlen("command printf %s ") + 4000);
	ccredi_config_clear(&cfg);
	free(text);

	CHECK_INT(ccredi_config_parse(&cfg, "t", nul, sizeof(nul) - 1, err, sizeof(err)),
	          CCRED_E_CONFIG);
	ccredi_config_clear(&cfg);
}

static void test_split_words(void)
{
	struct ccredi_strlist w = {0};
	char err[64];

	CHECK_INT(ccredi_split_words("pass show 'my key' \"a \\\"b\\\"\" c\\ d", &w, err,
	                             sizeof(err)),
	          0);
	CHECK_INT(w.n, 5);
	if (w.n == 5) {
		CHECK_STR(w.v[2], "my key");
		CHECK_STR(w.v[3], "a \"b\"");
		CHECK_STR(w.v[4], "c d");
	}
	ccredi_strlist_clear(&w);
	CHECK_INT(ccredi_split_words("a \"b", &w, err, sizeof(err)), -1);
	ccredi_strlist_clear(&w);
}

/* The key list (CCREDI_KEYS) makes every name, and the defaults. */
static void test_key_table(void)
{
	struct ccredi_config cfg = {0};
	struct ccredi_profile p;
	char err[512] = "";

	for (int k = 0; k < K_NKEYS; k++) {
		CHECK(ccredi_key_name(k) != NULL);
		CHECK_INT(ccredi_key_lookup(ccredi_key_name(k)), k);
	}
	CHECK_INT(ccredi_key_lookup("token_url"), K_TOKEN_URL);
	CHECK_INT(ccredi_key_lookup("secret_store"), K_SECRET_STORE);
	CHECK(K_URL >= K_NSCALAR && K_SECRET_STORE >= K_NSCALAR && K_CACHE < K_NSCALAR);
	CHECK_INT(ccredi_key_lookup("tokenurl"), -1);
	CHECK_INT(parse(&cfg, "[profile a]\ntoken_url = https://h/t\nclient_id = c\n", err,
	                sizeof(err)),
	          CCRED_OK);
	CHECK_INT(ccredi_profile_resolve(&cfg, "a", &p, err, sizeof(err)), CCRED_OK);
	CHECK_STR(p.auth_method, "client_secret_post");
	CHECK_STR(p.username, "c");
	CHECK_INT(p.min_ttl, -1);
	CHECK_INT(p.timeout, 30);
	CHECK(p.cache);
	CHECK(p.scope == NULL && p.ca_file == NULL);
	CHECK_INT(p.urls->n, 0);
	CHECK_INT(p.stores->n, 0);
	ccredi_config_clear(&cfg);
	CHECK_INT(parse(&cfg,
	                "[defaults]\ntimeout = 9\ncache = no\n[profile a]\ntoken_url = "
	                "https://h/t\nclient_id = c\nmin_ttl = 0\nusername = u\n"
	                "auth_method = client_secret_basic\n",
	                err, sizeof(err)),
	          CCRED_OK);
	CHECK_INT(ccredi_profile_resolve(&cfg, "a", &p, err, sizeof(err)), CCRED_OK);
	CHECK_STR(p.auth_method, "client_secret_basic");
	CHECK_STR(p.username, "u");
	CHECK_INT(p.min_ttl, 0);
	CHECK_INT(p.timeout, 9);
	CHECK(!p.cache);
	/* SPEC: the short form in the config is the same method (and cache key) */
	ccredi_config_clear(&cfg);
	CHECK_INT(parse(&cfg,
	                "[profile a]\ntoken_url = https://h/t\nclient_id = c\n"
	                "auth_method = basic\n",
	                err, sizeof(err)),
	          CCRED_OK);
	CHECK_INT(ccredi_profile_resolve(&cfg, "a", &p, err, sizeof(err)), CCRED_OK);
	CHECK_STR(p.auth_method, "client_secret_basic");
	ccredi_config_clear(&cfg);
	CHECK_INT(parse(&cfg,
	                "[profile a]\ntoken_url = https://h/t\nclient_id = c\n"
	                "auth_method = post\n",
	                err, sizeof(err)),
	          CCRED_OK);
	CHECK_INT(ccredi_profile_resolve(&cfg, "a", &p, err, sizeof(err)), CCRED_OK);
	CHECK_STR(p.auth_method, "client_secret_post");
	ccredi_config_clear(&cfg);
	/* A TLS method needs tls_cert (read only when used: any path will do
	 * here); the others do not. */
	CHECK_INT(parse(&cfg,
	                "[profile a]\ntoken_url = https://h/t\nclient_id = c\n"
	                "auth_method = tls_client_auth\n"
	                "[profile b]\ntoken_url = https://h/t\nclient_id = c\n"
	                "auth_method = self_signed_tls_client_auth\ntls_cert = ~/c.pem\n"
	                "[profile c]\ntoken_url = https://h/t\nclient_id = c\n"
	                "auth_method = private_key_jwt\n",
	                err, sizeof(err)),
	          CCRED_OK);
	CHECK_INT(ccredi_profile_resolve(&cfg, "a", &p, err, sizeof(err)), CCRED_E_CONFIG);
	CHECK_STR(err, "test.conf:1: profile 'a' has no tls_cert (auth_method tls_client_auth "
	               "needs one)");
	CHECK_INT(ccredi_profile_resolve(&cfg, "b", &p, err, sizeof(err)), CCRED_OK);
	CHECK_STR(p.tls_cert, "~/c.pem");
	CHECK_INT(ccredi_profile_resolve(&cfg, "c", &p, err, sizeof(err)), CCRED_OK);
	CHECK(p.tls_cert == NULL);
	ccredi_config_clear(&cfg);
}

/* The auth method table: names, short forms, and what each puts into the
 * request. */
static void test_auth_table(void)
{
	struct ccredi_profile p = {.client_id = "my client", .auth_method = "client_secret_post"};
	struct ccredi_http_request req = {0};
	struct ccredi_buf form = {0};
	struct ccredi_auth_request r = {
	        .prof = &p, .secret = "s&cr=t", .secret_len = 6, .form = &form, .http = &req};
	const char *alias, *label;
	unsigned flags;
	char why[256];
	size_t n = 0;

	CHECK_STR(ccred_auth_method_canonical("post"), "client_secret_post");
	CHECK_STR(ccred_auth_method_canonical("client_secret_post"), "client_secret_post");
	CHECK_STR(ccred_auth_method_canonical("basic"), "client_secret_basic");
	CHECK(ccred_auth_method_canonical("Basic") == NULL);
	CHECK(ccred_auth_method_canonical("") == NULL);
	CHECK(ccred_auth_method_canonical(NULL) == NULL);
	CHECK_STR(ccred_auth_method_info(0, &alias, &label, &flags), "client_secret_post");
	CHECK_STR(alias, "post");
	CHECK_STR(label, "Client Id and Secret");
	CHECK_INT(flags, 0);
	while (ccred_auth_method_info(n, NULL, NULL, NULL))
		n++;
	CHECK_INT(n, 6);
	CHECK(ccredi_auth_method_ok("client_secret_basic", why, sizeof(why)));
	CHECK(ccredi_auth_method_ok("private_key_jwt", why, sizeof(why)));
	CHECK(ccredi_auth_method_ok("tls_client_auth", why, sizeof(why)));
	CHECK(!ccredi_auth_method_ok("tls", why, sizeof(why)));
	CHECK_STR(why, "auth_method must be client_secret_post, client_secret_basic, "
	               "client_secret_jwt, private_key_jwt, tls_client_auth or "
	               "self_signed_tls_client_auth");
	for (size_t i = 4; i < 6; i++) {
		CHECK(ccred_auth_method_info(i, &alias, &label, &flags) != NULL);
		CHECK(alias == NULL);
		CHECK_STR(label, "X509 Certificate");
		CHECK_INT(flags, CCRED_AUTH_F_PRIVATE_KEY);
	}
	CHECK_STR(ccred_auth_method_info(4, NULL, NULL, NULL), "tls_client_auth");
	CHECK_STR(ccred_auth_method_info(5, NULL, NULL, NULL), "self_signed_tls_client_auth");
	CHECK(ccredi_auth_tls("self_signed_tls_client_auth") &&
	      !ccredi_auth_tls("private_key_jwt"));
	CHECK(ccredi_auth_uses_key("tls_client_auth") && !ccredi_auth_signs("tls_client_auth"));
	CHECK_STR(ccred_auth_method_info(3, &alias, &label, &flags), "private_key_jwt");
	CHECK(alias == NULL);
	CHECK_STR(label, "Signed Jwt");
	CHECK_INT(flags, CCRED_AUTH_F_PRIVATE_KEY);
	CHECK_STR(ccred_auth_method_info(2, &alias, &label, &flags), "client_secret_jwt");
	CHECK_STR(label, "Signed Jwt with Client Secret");
	CHECK_INT(flags, 0);

	CHECK_INT(ccredi_auth_apply(&r), CCRED_OK);
	CHECK_STR(form.p, "client_id=my+client&client_secret=s%26cr%3Dt");
	CHECK(req.basic_user == NULL && req.basic_pass == NULL);
	ccredi_auth_request_clear(&r);
	ccredi_buf_clear(&form);

	p.auth_method = "client_secret_basic";
	CHECK_INT(ccredi_auth_apply(&r), CCRED_OK);
	CHECK(form.p == NULL || form.len == 0);
	CHECK_STR(req.basic_user, "my+client");
	CHECK_STR(req.basic_pass, "s%26cr%3Dt");
	ccredi_auth_request_clear(&r);
	CHECK(r.owned[0].p == NULL && r.owned[1].p == NULL);
}

/* The helpers the command shares with the library. */
static void test_shared_helpers(void)
{
	static const char *const cand[] = {"token", "header", "json", "secret"};
	char buf[64], tiny[12];

	CHECK_STR(ccred_nearest("tokne", cand, 4), "token");
	CHECK_STR(ccred_nearest("jsn", cand, 4), "json");
	CHECK(ccred_nearest("logout", cand, 4) == NULL);
	CHECK(ccred_nearest("tok", cand, 0) == NULL);
	CHECK_STR(ccred_suggest_command(buf, sizeof(buf), NULL, NULL), "ccred");
	CHECK_STR(ccred_suggest_command(buf, sizeof(buf), "/etc/c.conf", "a@b"),
	          "ccred -c /etc/c.conf -p a@b");
	CHECK_STR(ccred_suggest_command(buf, sizeof(buf), "my conf", "it's"),
	          "ccred -c 'my conf' -p 'it'\\''s'");
	CHECK_STR(ccred_suggest_command(buf, sizeof(buf), NULL, ""), "ccred -p ''");
	ccred_suggest_command(tiny, sizeof(tiny), "/a/long/path/to/a/config", NULL);
	CHECK(strlen(tiny) < sizeof(tiny));
	CHECK(ccred_ascii_is("abc~!", CCRED_ASCII_VISIBLE));
	CHECK(!ccred_ascii_is("a b", CCRED_ASCII_VISIBLE));
	CHECK(!ccred_ascii_is("", CCRED_ASCII_VISIBLE));
	CHECK(!ccred_ascii_is("a\x7f", CCRED_ASCII_VISIBLE));
	CHECK(!ccred_ascii_is(NULL, CCRED_ASCII_VISIBLE));
	CHECK(ccred_ascii_is("a b", CCRED_ASCII_PRINTABLE));
	CHECK(ccred_ascii_is("", CCRED_ASCII_PRINTABLE));
	CHECK(!ccred_ascii_is("a\tb", CCRED_ASCII_PRINTABLE));
	CHECK(!ccred_ascii_is("\xc3\xa9", CCRED_ASCII_PRINTABLE));
	CHECK(!ccred_ascii_is(NULL, CCRED_ASCII_PRINTABLE));
	CHECK(!ccred_ascii_is("abc", 0));
}

int main(void)
{
	test_basic();
	test_later_overrides();
	test_missing_keys();
	test_bad_input();
	test_long_line_and_nul();
	test_split_words();
	test_key_table();
	test_auth_table();
	test_shared_helpers();
	return check_done();
}
