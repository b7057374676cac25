/* SPDX-License-Identifier: MIT */
/*
 * The one module loader: the HTTP and JSON modules, store modules, and the
 * modules to come (crypto) are all found, loaded and checked here.
 *
 * One lifetime: a module is mapped on first use and stays mapped until the
 * process exits.  Its dependencies want that: libcurl and its TLS library,
 * GLib and OpenSSL register atexit handlers and threads that must outlive any
 * dlclose, and a module loaded again by the next context is then only a
 * reference count.  One ABI check: an internal module's entry point returns
 * its table, whose first member is the ABI it was built for; a store's
 * initvt negotiates the public store ABI (<ccred/store.h>) with its caller.
 * One error path: a module not installed or not loadable, or of another
 * ABI, is CCRED_E_INTERNAL (exit 70: fail closed) unless the caller may pass
 * over it (a store not installed, SPEC "Secret stores").
 */
#include "ccred-int.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The one place a module's failure is put into words. */
static int failed(const struct ccredi_module *m, int status, const char *reason, char *why,
                  size_t whylen)
{
	if (m->abi == 0 && status == CCREDI_MODULE_MISSING)
		snprintf(why, whylen, "%s: store module not installed (%s)", m->name, m->path);
	else if (m->abi == 0)
		snprintf(why, whylen, "%s: store module %s cannot be loaded: %s", m->name, m->path,
		         reason);
	else if (status == CCREDI_MODULE_ABI)
		snprintf(why, whylen, "%s is not a ccred %s module of ABI %d", m->path, m->name,
		         m->abi);
	else
		snprintf(why, whylen, "cannot load the %s module: %s", m->name, reason);
	return status;
}

int ccredi_module_load(struct ccredi_module *m, char *why, size_t whylen)
{
	const char *e;
	void *dl;

	m->entry = NULL;
	m->vt = NULL;
	if (snprintf(m->path, sizeof(m->path), "%s/%s", ccredi_module_dir(), m->file) >=
	    (int)sizeof(m->path))
		return failed(m, CCREDI_MODULE_BROKEN, "path too long", why, whylen);
	dl = dlopen(m->path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		e = dlerror();
		return failed(m,
		              access(m->path, F_OK) != 0 ? CCREDI_MODULE_MISSING
		                                         : CCREDI_MODULE_BROKEN,
		              e ? e : "dlopen failed", why, whylen);
	}
	/* Never closed (see above). */
	*(void **)&m->entry = dlsym(dl, m->symbol);
	if (!m->entry) {
		e = dlerror();
		return failed(m, CCREDI_MODULE_ABI, e ? e : "no entry point", why, whylen);
	}
	if (m->abi > 0) {
		const int *abi = ((const void *(*)(void))m->entry)();
		if (!abi || *abi != m->abi) {
			m->entry = NULL;
			return failed(m, CCREDI_MODULE_ABI, "", why, whylen);
		}
		m->vt = abi;
	}
	return CCREDI_MODULE_OK;
}

ccred_error ccredi_module_require(struct ccred_ctx *ctx, struct ccredi_module *m)
{
	char why[4096 + 512];

	if (ccredi_module_load(m, why, sizeof(why)) != CCREDI_MODULE_OK)
		return ccredi_err(ctx, CCRED_E_INTERNAL, "%s", why);
	ccredi_trace(ctx, 1, "loaded %s", m->path);
	return CCRED_OK;
}
