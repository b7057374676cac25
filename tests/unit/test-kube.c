/* SPDX-License-Identifier: MIT */
/* The command's KUBERNETES_EXEC_INFO reader (kube_exec_info_version in
 * helper/kubectl.c, on helper/jsonin.c): the apiVersion kubectl names, and
 * every way that text can be malformed.  The rest of the command is
 * stubbed (tests/fuzz/cmd-stubs.c). */
#include "check.h"
#include "helper.h"

#include <stdlib.h>
#include <string.h>

const char *progname = "ccred";

static char why[160];

static int version_of(const char *info, const char **v)
{
	why[0] = '\0';
	return kube_exec_info_version(info, v, why, sizeof(why));
}

static void test_good(void)
{
	const char *v = NULL;

	/* What kubectl 1.20-1.32 really send (spec.cluster only with provideClusterInfo). */
	CHECK_INT(version_of("{\"kind\":\"ExecCredential\",\"apiVersion\":"
	                     "\"client.authentication.k8s.io/"
	                     "v1beta1\",\"spec\":{\"interactive\":false}}",
	                     &v),
	          0);
	CHECK_STR(v, "client.authentication.k8s.io/v1beta1");
	CHECK_INT(
	        version_of("{\"kind\":\"ExecCredential\",\"apiVersion\":"
	                   "\"client.authentication.k8s.io/v1\",\"spec\":{\"cluster\":{\"server\":"
	                   "\"https://127.0.0.1:6443\",\"certificate-authority-data\":\"LS0t\"},"
	                   "\"interactive\":true}}\n",
	                   &v),
	        0);
	CHECK_STR(v, "client.authentication.k8s.io/v1");
	/* kind may be left out, or null */
	CHECK_INT(version_of("{\"apiVersion\":\"client.authentication.k8s.io/v1alpha1\"}", &v), 0);
	CHECK_STR(v, "client.authentication.k8s.io/v1alpha1");
	CHECK_INT(version_of("{\"kind\":null,\"apiVersion\":\"client.authentication.k8s.io/v1\"}",
	                     &v),
	          0);
	CHECK_STR(v, "client.authentication.k8s.io/v1");
	/* an escaped slash is the same text */
	CHECK_INT(version_of("{\"apiVersion\":\"client.authentication.k8s.io\\/v1\"}", &v), 0);
	CHECK_STR(v, "client.authentication.k8s.io/v1");
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
	        /* a second apiVersion could make two readers disagree */
	        "{\"apiVersion\":\"client.authentication.k8s.io/v1\","
	        "\"apiVersion\":\"client.authentication.k8s.io/v1beta1\"}",
	        "{\"apiVersion\":\"client.authentication.k8s.io/v1\\u0000x\"}",
	};
	const char *v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = "unset";
		CHECK_INT(version_of(bad[i], &v), -1);
		CHECK(v == NULL);
		CHECK(why[0] != '\0' && strchr(why, '\n') == NULL);
	}
}

/* The reason says what is wrong; the caller's text only when it is tame. */
static void test_message(void)
{
	const char *v;

	CHECK_INT(version_of("{\"apiVersion\":\"example.com/v9\"}", &v), -1);
	CHECK(strstr(why, "example.com/v9") != NULL);
	CHECK_INT(version_of("{\"apiVersion\":\"example.com/\\u001b[31m\"}", &v), -1);
	CHECK(strstr(why, "(unprintable)") != NULL);
	CHECK_INT(version_of("{", &v), -1);
	CHECK(strstr(why, "not valid JSON") != NULL);
	CHECK_INT(version_of("{\"apiVersion\":7}", &v), -1);
	CHECK_STR(why, "it has no apiVersion string");
	CHECK_INT(
	        version_of("{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":[]}", &v),
	        -1);
	CHECK_STR(why, "its kind is not ExecCredential");
}

int main(void)
{
	test_good();
	test_malformed();
	test_message();
	return check_done();
}
