/* SPDX-License-Identifier: MIT */
/*
 * The libsecret store module, loaded with dlopen as the host loads it.
 *
 *   test-libsecret [MODULE]
 *       ABI checks, then set/get/erase/erase-again against the Secret
 *       Service of the session bus; exits 77 (skipped) without
 *       DBUS_SESSION_BUS_ADDRESS.  tests/unit/run-libsecret.sh runs it in a
 *       private session with a real gnome-keyring.
 *   test-libsecret MODULE get|set|erase CLIENT_ID TOKEN_URL EXPECT
 *       one operation; EXPECT is the result's name (OK, NOTFOUND,
 *       UNAVAILABLE, LOCKED, ...).  set stores $CCRED_TEST_SECRET; get with
 *       EXPECT=OK compares with it.  Fails if the call takes longer than
 *       $CCRED_TEST_MAX_MS (default 1500).  $CCRED_TEST_TIMEOUT_MS is the
 *       store's timeout (default 2000).
 *
 * MODULE defaults to $CCRED_MODULE_DIR/stores/libsecret.so.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include <ccred/store.h>

static const char *const result_names[] = {
        "OK",       "NOTFOUND", "UNAVAILABLE", "LOCKED",   "READONLY",
        "INSECURE", "ERR",      "ERR_VERSION", "ERR_ARGS",
};

static const char *result_name(int rc)
{
	if (rc >= 0 && rc < (int)(sizeof(result_names) / sizeof(result_names[0])))
		return result_names[rc];
	return "?";
}

static int result_from_name(const char *s)
{
	int i;

	for (i = 0; i < (int)(sizeof(result_names) / sizeof(result_names[0])); i++)
		if (strcmp(s, result_names[i]) == 0)
			return i;
	return -1;
}

static void t_trace(void *host, int level, const char *fmt, ...)
{
	va_list ap;

	(void)host;
	if (level > 1)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void t_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

static struct ccred_store_services svc = {
        .version = CCRED_STORE_SERVICES_VERSION,
        .trace = t_trace,
        .wipe = t_wipe,
        .timeout_ms = 2000,
        .host = NULL,
};

static struct ccred_store_vtable vt;
static void *state;
static char err[1024];
static char buf[CCRED_STORE_SECRET_MAX];
static size_t buflen;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int load(const char *path)
{
	ccred_store_initvt_fn initvt;
	struct ccred_store_vtable v2;
	void *h;

	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
		return -1;
	}
	initvt = (ccred_store_initvt_fn)dlsym(h, "ccred_store_libsecret_initvt");
	CHECK(initvt != NULL);
	if (!initvt)
		return -1;
	/* Nothing else leaks out of the module. */
	CHECK(dlsym(h, "ls_get") == NULL);
	memset(&v2, 0, sizeof(v2));
	CHECK_INT(initvt(2, 0, &v2), CCRED_STORE_ERR_VERSION);
	CHECK(v2.get == NULL);
	CHECK_INT(initvt(0, 0, &v2), CCRED_STORE_ERR_VERSION);
	/* a newer host (higher minor) is fine */
	CHECK_INT(initvt(CCRED_STORE_ABI_MAJOR, CCRED_STORE_ABI_MINOR + 5, &v2), CCRED_STORE_OK);
	memset(&vt, 0, sizeof(vt));
	CHECK_INT(initvt(CCRED_STORE_ABI_MAJOR, CCRED_STORE_ABI_MINOR, &vt), CCRED_STORE_OK);
	CHECK_STR(vt.name, "libsecret");
	CHECK(vt.open && vt.get && vt.set && vt.erase && vt.close && vt.describe);
	if (!vt.open || !vt.get || !vt.set || !vt.erase || !vt.close)
		return -1;
	CHECK_INT(vt.open(&svc, 1, (char *[]){"x", NULL}, &state, err, sizeof(err)),
	          CCRED_STORE_ERR_ARGS);
	CHECK_INT(vt.open(&svc, 0, NULL, &state, err, sizeof(err)), CCRED_STORE_OK);
	return state ? 0 : -1;
}

static int do_op(const char *op, const struct ccred_store_key *key, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;

	err[0] = '\0';
	buflen = 0;
	if (strcmp(op, "get") == 0)
		return vt.get(state, key, buf, sizeof(buf), &buflen, err, sizeof(err));
	if (strcmp(op, "set") == 0)
		return vt.set(state, key, secret, n, err, sizeof(err));
	if (strcmp(op, "erase") == 0)
		return vt.erase(state, key, err, sizeof(err));
	return -1;
}

static int got(const char *s)
{
	return buflen == strlen(s) && memcmp(buf, s, buflen) == 0;
}

static void roundtrip(void)
{
	const struct ccred_store_key key = {
	        .profile = "unit",
	        .client_id = "ccred-unit-client",
	        .endpoint_attr = "token_url",
	        .endpoint = "https://auth.example.com/token",
	};
	const struct ccred_store_key other = {
	        .profile = "unit",
	        .client_id = "ccred-unit-client",
	        .endpoint_attr = "issuer",
	        .endpoint = "https://auth.example.com/token",
	};
	const char *uni = "s3cr\xc3\xa9t with spaces  \xe2\x9c\x93";
	static char big[4097];
	long t0;

	memset(big, 'q', 4096);
	t0 = now_ms();
	(void)do_op("erase", &key, NULL); /* leftovers of an earlier run */
	CHECK_INT(do_op("get", &key, NULL), CCRED_STORE_NOTFOUND);
	CHECK(strstr(err, "libsecret: no item with client_id ccred-unit-client") == err);
	CHECK_INT(do_op("set", &key, "first"), CCRED_STORE_OK);
	CHECK_INT(do_op("get", &key, NULL), CCRED_STORE_OK);
	CHECK(got("first"));
	/* the other attribute name is another key */
	CHECK_INT(do_op("get", &other, NULL), CCRED_STORE_NOTFOUND);
	/* set replaces, it does not add */
	CHECK_INT(do_op("set", &key, uni), CCRED_STORE_OK);
	CHECK_INT(do_op("get", &key, NULL), CCRED_STORE_OK);
	CHECK(got(uni));
	CHECK_INT(do_op("set", &key, big), CCRED_STORE_OK);
	CHECK_INT(do_op("get", &key, NULL), CCRED_STORE_OK);
	CHECK(got(big));
	CHECK_INT(do_op("erase", &key, NULL), CCRED_STORE_OK);
	CHECK_INT(do_op("get", &key, NULL), CCRED_STORE_NOTFOUND);
	CHECK_INT(do_op("erase", &key, NULL), CCRED_STORE_NOTFOUND);
	CHECK(now_ms() - t0 < 3000);
}

int main(int argc, char **argv)
{
	char path[4096];
	const char *dir = getenv("CCRED_MODULE_DIR"), *e;
	struct ccred_store_key key = {.profile = "script", .endpoint_attr = "token_url"};
	int rc, expect;
	long t0, el, max_ms = 1500;

	if (argc > 1) {
		snprintf(path, sizeof(path), "%s", argv[1]);
	} else if (dir) {
		snprintf(path, sizeof(path), "%s/stores/libsecret.so", dir);
	} else {
		printf("skipped: no module (give its path or set CCRED_MODULE_DIR)\n");
		return 77;
	}
	if ((e = getenv("CCRED_TEST_TIMEOUT_MS")))
		svc.timeout_ms = strtol(e, NULL, 10);
	if ((e = getenv("CCRED_TEST_MAX_MS")))
		max_ms = strtol(e, NULL, 10);
	if (load(path) != 0) {
		check_done();
		return 99;
	}
	if (argc == 6) {
		key.client_id = argv[3];
		key.endpoint = argv[4];
		expect = result_from_name(argv[5]);
		CHECK(expect >= 0);
		t0 = now_ms();
		rc = do_op(argv[2], &key, getenv("CCRED_TEST_SECRET"));
		el = now_ms() - t0;
		printf("%s: %s in %ld ms: %s\n", argv[2], result_name(rc), el, err);
		CHECK_STR(result_name(rc), argv[5]);
		CHECK(el < max_ms);
		if (rc == CCRED_STORE_OK && strcmp(argv[2], "get") == 0)
			CHECK(getenv("CCRED_TEST_SECRET") && got(getenv("CCRED_TEST_SECRET")));
		if (rc != CCRED_STORE_OK)
			CHECK(err[0] != '\0' && !strchr(err, '\n'));
		vt.close(state);
		return check_done();
	}
	if (argc != 2 && argc != 1) {
		fprintf(stderr, "usage: %s [MODULE [get|set|erase CLIENT_ID TOKEN_URL EXPECT]]\n",
		        argv[0]);
		return 99;
	}
	if (!getenv("DBUS_SESSION_BUS_ADDRESS")) {
		vt.close(state);
		check_done();
		printf("skipped: DBUS_SESSION_BUS_ADDRESS is not set "
		       "(tests/unit/run-libsecret.sh provides a keyring)\n");
		return 77;
	}
	roundtrip();
	vt.close(state);
	return check_done();
}
