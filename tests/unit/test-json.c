/* SPDX-License-Identifier: MIT */
/* Token responses: what is a token, what is a rejection, what is garbage;
 * and the cache-entry reader on damaged entries. */
#include "ccred-int.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static ccred_error parse(const char *body, struct ccredi_tokresp *r)
{
	char why[256];
	return ccredi_tokresp_parse(body, strlen(body), r, why, sizeof(why));
}

static void test_tokens(void)
{
	struct ccredi_tokresp r;

	CHECK_INT(parse("{\"access_token\":\"abc\",\"expires_in\":300,\"token_type\":\"Bearer\","
	                "\"scope\":\"api:read\"}",
	                &r),
	          CCRED_OK);
	CHECK_STR(r.access_token, "abc");
	CHECK_INT(r.expires_in, 300);
	CHECK_STR(r.scope, "api:read");
	ccredi_tokresp_clear(&r);

	/* Keycloak's extra fields are ignored */
	CHECK_INT(parse("{\"access_token\":\"eyJ.x.y\",\"expires_in\":300,\"refresh_expires_in\":0,"
	                "\"token_type\":\"bearer\",\"not-before-policy\":0,\"scope\":\"a b\","
	                "\"id_token\":{\"nested\":[1,2]}}",
	                &r),
	          CCRED_OK);
	CHECK_STR(r.token_type, "bearer");
	ccredi_tokresp_clear(&r);

	CHECK_INT(parse("{\"access_token\":\"t\",\"expires_in\":\"120\"}", &r), CCRED_OK);
	CHECK_INT(r.expires_in, 120);
	ccredi_tokresp_clear(&r);

	CHECK_INT(parse("  {\"access_token\":\"t\"}\n", &r), CCRED_OK);
	CHECK_INT(r.expires_in, -1);
	ccredi_tokresp_clear(&r);
}

static void test_rejections(void)
{
	struct ccredi_tokresp r;

	CHECK_INT(parse("{\"error\":\"invalid_client\",\"error_description\":\"bad secret\"}", &r),
	          CCRED_E_REJECTED);
	CHECK_STR(r.error, "invalid_client");
	CHECK_STR(r.error_description, "bad secret");
	ccredi_tokresp_clear(&r);
	CHECK_INT(parse("{\"error\":\"invalid_scope\",\"error_description\":5}", &r),
	          CCRED_E_REJECTED);
	CHECK(r.error_description == NULL);
	ccredi_tokresp_clear(&r);
}

static void test_garbage(void)
{
	const char *bad[] = {
	        "",
	        "{\"access_token\":",
	        "{\"token_type\":\"bearer\",\"expires_in\":300}",
	        "{\"access_token\":42}",
	        "{\"access_token\":null}",
	        "{\"access_token\":\"\"}",
	        "{\"access_token\":\"a b\"}",
	        "{\"access_token\":\"a\\nb\"}",
	        "{\"access_token\":\"a\\u0000b\"}",
	        "[\"access_token\"]",
	        "\"access_token\"",
	        "{\"access_token\":\"t\"} trailing",
	        "{\"access_token\":\"t\",\"expires_in\":-5}",
	        "{\"access_token\":\"t\",\"expires_in\":true}",
	        "{\"access_token\":\"t\",\"expires_in\":\"5 minutes\"}",
	        /* found by fuzzing: a double too large for any integer */
	        "{\"access_token\":\"t\",\"expires_in\":5.e83782}",
	        "{\"access_token\":\"t\",\"expires_in\":-1e300}",
	        "{\"access_token\":\"t\",\"token_type\":7}",
	        "{\"access_token\":\"\xff\xfe\"}",
	        "{'access_token':'t'}",
	        "<html>502 Bad Gateway</html>",
	        "{\"error\":42}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ccredi_tokresp r;
		ccred_error rc = parse(bad[i], &r);
		if (rc != CCRED_E_PROTOCOL) {
			check_failures++;
			fprintf(stderr, "accepted (%d): %s\n", rc, bad[i]);
		}
		CHECK(r.access_token == NULL);
		ccredi_tokresp_clear(&r);
	}
	check_count++;
}

static void test_jwt(void)
{
	/* {"alg":"none"} . {"exp":1900000000,"sub":"x"} . sig */
	CHECK_INT(ccredi_jwt_exp("eyJhbGciOiJub25lIn0.eyJleHAiOjE5MDAwMDAwMDAsInN1YiI6IngifQ.c2ln"),
	          1900000000);
	CHECK_INT(ccredi_jwt_exp("opaque-token"), -1);
	CHECK_INT(ccredi_jwt_exp("a.!!!.c"), -1);
	CHECK_INT(ccredi_jwt_exp("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln"), -1); /* no exp */
}

static void test_cache_entries(void)
{
	struct ccredi_cache_entry e;
	char why[128];
	const char *key = "v1\x1fk";
	const char *good =
	        "ccred-cache 1\nkey 7631"
	        "1f6b\nobtained 100\nexpires 400\ntype Bearer\nscope a b\ntoken tok\nend\n";
	char buf[512];

	CHECK_INT(ccredi_cache_parse(good, strlen(good), key, &e, why, sizeof(why)), 0);
	CHECK_STR(e.token, "tok");
	CHECK_STR(e.scope, "a b");
	CHECK_INT(e.expires, 400);
	ccredi_cache_entry_clear(&e);

	/* every truncation of a good entry is refused */
	for (size_t n = 0; n < strlen(good); n++) {
		if (ccredi_cache_parse(good, n, key, &e, why, sizeof(why)) == 0) {
			check_failures++;
			fprintf(stderr, "truncated entry of %zu bytes accepted\n", n);
			ccredi_cache_entry_clear(&e);
		}
	}
	check_count++;
	CHECK_INT(ccredi_cache_parse(good, strlen(good), "v1\x1fother", &e, why, sizeof(why)), 1);
	snprintf(buf, sizeof(buf), "%s", good);
	buf[0] = 'X';
	CHECK_INT(ccredi_cache_parse(buf, strlen(buf), key, &e, why, sizeof(why)), 1);
	snprintf(buf, sizeof(buf), "%sjunk\n", good);
	CHECK_INT(ccredi_cache_parse(buf, strlen(buf), key, &e, why, sizeof(why)), 1);
	CHECK_INT(ccredi_cache_parse("ccred-cache 2\nend\n", 18, key, &e, why, sizeof(why)), 1);
}

int main(void)
{
	test_tokens();
	test_rejections();
	test_garbage();
	test_jwt();
	test_cache_entries();
	return check_done();
}
