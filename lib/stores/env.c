/*
 * The `env NAME` store: the secret is the value of an environment variable,
 * for CI runners that inject secrets that way.  Read-only.  The value is
 * taken as it is: no newline is stripped (a variable has none to strip).
 * secure_getenv: a set-id process never takes a secret from its caller's
 * environment.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stores/builtin.h"

#ifndef HAVE_SECURE_GETENV
#define secure_getenv getenv
#endif

struct env_store {
	char *name;
	char *desc; /* "env NAME" */
};

static int env_open(const struct ccred_store_services *svc, int argc, char *const *argv,
                    void **state, char *err, size_t errlen)
{
	struct env_store *es = NULL;
	size_t need;
	int rc = CCRED_STORE_ERR_ARGS;

	*state = NULL;
	if (!svc || svc->version < 1) {
		snprintf(err, errlen, "env: host services too old");
		return CCRED_STORE_ERR; /* nothing to clean up yet */
	}
	if (argc != 1) {
		snprintf(err, errlen, "env: expects exactly one argument, the variable's NAME");
		goto out;
	}
	if (!argv[0][0] || strchr(argv[0], '=')) {
		snprintf(err, errlen, "env %s: not a variable name", argv[0]);
		goto out;
	}
	rc = CCRED_STORE_ERR;
	es = calloc(1, sizeof(*es));
	if (!es)
		goto out;
	es->name = strdup(argv[0]);
	need = strlen(argv[0]) + sizeof("env ");
	es->desc = malloc(need);
	if (!es->name || !es->desc)
		goto out;
	snprintf(es->desc, need, "env %s", es->name);
	*state = es;
	es = NULL;
	rc = CCRED_STORE_OK;
out:
	/* The only failure after the argument checks. */
	if (rc == CCRED_STORE_ERR)
		snprintf(err, errlen, "env: out of memory");
	if (es) {
		free(es->name);
		free(es->desc);
		free(es);
	}
	return rc;
}

static int env_get(void *state, const struct ccred_store_key *key, char *buf, size_t bufsize,
                   size_t *len, char *err, size_t errlen)
{
	struct env_store *es = state;
	const char *v;
	size_t n;
	int rc = CCRED_STORE_ERR;

	(void)key;
	*len = 0;
	v = secure_getenv(es->name);
	if (!v || !v[0]) {
		snprintf(err, errlen, "%s: not set", es->desc);
		rc = CCRED_STORE_NOTFOUND;
		goto out;
	}
	n = strlen(v);
	if (n > bufsize || n > CCRED_STORE_SECRET_MAX) {
		snprintf(err, errlen, "%s: value longer than %zu bytes", es->desc,
		         bufsize < CCRED_STORE_SECRET_MAX ? bufsize : (size_t)CCRED_STORE_SECRET_MAX);
		goto out;
	}
	memcpy(buf, v, n);
	*len = n;
	rc = CCRED_STORE_OK;
out:
	return rc;
}

static void env_close(void *state)
{
	struct env_store *es = state;

	if (!es)
		return;
	free(es->name);
	free(es->desc);
	free(es);
}

static const char *env_describe(void *state)
{
	return ((struct env_store *)state)->desc;
}

int ccredi_store_env_initvt(int major, int minor, struct ccred_store_vtable *vt)
{
	(void)minor; /* everything we have is minor 0 */
	if (major != CCRED_STORE_ABI_MAJOR)
		return CCRED_STORE_ERR_VERSION;
	vt->name = "env";
	vt->open = env_open;
	vt->get = env_get;
	vt->set = NULL; /* read-only */
	vt->erase = NULL;
	vt->close = env_close;
	vt->describe = env_describe;
	return CCRED_STORE_OK;
}
