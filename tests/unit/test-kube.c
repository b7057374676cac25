/* SPDX-License-Identifier: MIT */
/* ccred_kube_exec_api_version: the apiVersion kubectl names in
 * KUBERNETES_EXEC_INFO, and every way that text can be malformed. */
#include "ccred-int.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ccred_error version_of(const char *info, char **v)
{
	return ccred_kube_exec_api_version(NULL, info, v);
}

static void test_good(void)
{
	char *v = NULL;

	/* What kubectl 1.20-1.32 really send (spec.cluster only with provideClusterInfo). */
	CHECK_INT(version_of("{\"kind\":\"ExecCredential\",\"apiVersion\":"
	                     "\"client.authentication.k8s.io/"
	                     "v1beta1\",\"spec\":{\"interactive\":false}}",
	                     &v),
	          CCRED_OK);
	CHECK_STR(v, "client.authentication.k8s.io/v1beta1");
	free(v);
	CHECK_INT(
	        version_of("{\"kind\":\"ExecCredential\",\"apiVersion\":"
	                   "\"client.authentication.k8s.io/v1\",\"spec\":{\"cluster\":{\"server\":"
	                   "\"https://127.0.0.1:6443\",\"certificate-authority-data\":\"LS0t\"},"
	                   "\"interactive\":true}}\n",
	                   &v),
	        CCRED_OK);
	CHECK_STR(v, "client.authentication.k8s.io/v1");
	free(v);
	/* kind may be left out */
	CHECK_INT(version_of("{\"apiVersion\":\"client.authentication.k8s.io/v1alpha1\"}", &v),
	          CCRED_OK);
	CHECK_STR(v, "client.authentication.k8s.io/v1alpha1");
	free(v);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
	        "",
	        "not json",
	        "{\"apiVersion\":\"client.authentication.k8s.io/v1\"",
	        "[\"client.authentication.k8s.io/v1\"]",
	        "\"client.authentication.k8s.io/v1\"",
	        "{}",
	        "{\"kind\":\"ExecCredential\"}",
	        "{\"apiVersion\":1}",
	        "{\"apiVersion\":null}",
	        "{\"apiVersion\":\"client.authentication.k8s.io/v2\"}",
	        "{\"apiVersion\":\"v1\",\"kind\":\"ExecCredential\"}",
	        "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"Pod\"}",
	        "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":7}",
	        "{\"apiVersion\":\"client.authentication.k8s.io/v1\"} {}",
	        "{\"apiVersion\":\"client.authentication.k8s.io/v1\",}",
	        "{\"apiVersion\":\"client.authentication.k8s.io/v1\xff\"}",
	};
	char *v = (char *)"unset";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = (char *)"unset";
		CHECK_INT(version_of(bad[i], &v), CCRED_E_INPUT);
		CHECK(v == NULL);
		if (v && strcmp(v, "unset") != 0)
			free(v);
	}
	CHECK_INT(version_of(NULL, &v), CCRED_E_INPUT);
	CHECK(v == NULL);
}

/* With a context the reason lands in ccred_errmsg(). */
static void test_message(void)
{
	char path[] = "/tmp/ccred-test-kube-XXXXXX";
	struct ccred_ctx *ctx = NULL;
	char *v = NULL;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	CHECK_INT(ccred_open(&ctx, path, CCRED_OPEN_NO_SYSTEM), CCRED_OK);
	if (ctx) {
		CHECK_INT(
		        ccred_kube_exec_api_version(ctx, "{\"apiVersion\":\"example.com/v9\"}", &v),
		        CCRED_E_INPUT);
		CHECK(strstr(ccred_errmsg(ctx), "malformed KUBERNETES_EXEC_INFO") != NULL);
		CHECK(strstr(ccred_errmsg(ctx), "example.com/v9") != NULL);
		CHECK_INT(ccred_kube_exec_api_version(ctx, "{", &v), CCRED_E_INPUT);
		CHECK(strstr(ccred_errmsg(ctx), "not valid JSON") != NULL);
	}
	ccred_close(ctx);
	unlink(path);
}

int main(void)
{
	test_good();
	test_malformed();
	test_message();
	return check_done();
}
