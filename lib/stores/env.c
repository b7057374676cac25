/* SPDX-License-Identifier: MIT */
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

static int env_open(const struct ccred_store_services *svc, int argc, char *const *argv,
                    void **state, char *err, size_t errlen)
{
	int rc;

	if ((rc = ccredi_store_open_check(svc, "env", 0, state, err, errlen)) != CCRED_STORE_OK)
		return rc;
	if (argc != 1) {
		snprintf(err, errlen, "env: expects exactly one argument, the variable's NAME");
		return CCRED_STORE_ERR_ARGS;
	}
	if (!argv[0][0] || strchr(argv[0], '=')) {
		snprintf(err, errlen, "env %s: not a variable name", argv[0]);
		return CCRED_STORE_ERR_ARGS;
	}
	return ccredi_store_one_new(svc, "env", argv[0], state, err, errlen);
}

static int env_get(void *state, const struct ccred_store_key *key, char *buf, size_t bufsize,
                   size_t *len, char *err, size_t errlen)
{
	struct ccredi_store_one *es = state;
	const char *v;
	size_t n;
	int rc = CCRED_STORE_ERR;

	(void)key;
	*len = 0;
	v = secure_getenv(es->arg);
	if (!v || !v[0]) {
		snprintf(err, errlen, "%s: not set", es->desc);
		rc = CCRED_STORE_NOTFOUND;
		goto out;
	}
	n = strlen(v);
	if (n > bufsize || n > CCRED_STORE_SECRET_MAX) {
		snprintf(err, errlen, "%s: value longer than %zu bytes", es->desc,
		         bufsize < CCRED_STORE_SECRET_MAX ? bufsize
		                                          : (size_t)CCRED_STORE_SECRET_MAX);
		goto out;
	}
	memcpy(buf, v, n);
	*len = n;
	rc = CCRED_STORE_OK;
out:
	return rc;
}

static const struct ccred_store_vtable env_vt = {
        .name = "env",
        .open = env_open,
        .get = env_get,
        /* read-only: no set, no erase */
        .close = ccredi_store_one_close,
        .describe = ccredi_store_one_describe,
};

int ccredi_store_env_initvt(int major, int minor, struct ccred_store_vtable *vt)
{
	(void)minor; /* everything we have is minor 0 */
	return ccredi_store_builtin_initvt(major, vt, &env_vt);
}
