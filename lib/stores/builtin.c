/* SPDX-License-Identifier: MIT */
/*
 * What the built-in stores have in common: the ABI check of initvt, the
 * services check at the start of open, and the state, close and describe of
 * a store that takes one argument.
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

int ccredi_store_builtin_initvt(int major, struct ccred_store_vtable *vt,
                                const struct ccred_store_vtable *mine)
{
	if (major != CCRED_STORE_ABI_MAJOR)
		return CCRED_STORE_ERR_VERSION;
	*vt = *mine;
	return CCRED_STORE_OK;
}

int ccredi_store_open_check(const struct ccred_store_services *svc, const char *name,
                            unsigned int needs, void **state, char *err, size_t errlen)
{
	*state = NULL;
	if (!svc || svc->version < 1 || ((needs & CCREDI_STORE_NEEDS_WIPE) && !svc->wipe) ||
	    ((needs & CCREDI_STORE_NEEDS_TRACE) && !svc->trace)) {
		snprintf(err, errlen, "%s: host services too old", name);
		return CCRED_STORE_ERR;
	}
	return CCRED_STORE_OK;
}

int ccredi_store_one_new(const struct ccred_store_services *svc, const char *name, const char *arg,
                         void **state, char *err, size_t errlen)
{
	struct ccredi_store_one *s;
	size_t need = strlen(name) + strlen(arg) + 2;
	int rc = CCRED_STORE_ERR;

	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->svc = svc;
	s->arg = strdup(arg);
	s->desc = malloc(need);
	if (!s->arg || !s->desc)
		goto out;
	snprintf(s->desc, need, "%s %s", name, arg);
	*state = s;
	s = NULL;
	rc = CCRED_STORE_OK;
out:
	if (rc != CCRED_STORE_OK)
		snprintf(err, errlen, "%s: out of memory", name);
	ccredi_store_one_close(s);
	return rc;
}

void ccredi_store_one_close(void *state)
{
	struct ccredi_store_one *s = state;

	if (!s)
		return;
	free(s->arg);
	free(s->desc);
	free(s);
}

const char *ccredi_store_one_describe(void *state)
{
	return ((struct ccredi_store_one *)state)->desc;
}
