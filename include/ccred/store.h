/* SPDX-License-Identifier: MIT */
/*
 * ccred secret-store module ABI.
 *
 * A store is a module that can get, set and erase the client secret of a
 * profile.  Built-in stores (env, file, command, systemd) and separately
 * installed ones ($(libdir)/ccred/stores/NAME.so) use the same ABI.
 *
 * A module exports exactly one symbol:
 *
 *     int ccred_store_NAME_initvt(int major, int minor,
 *                                 struct ccred_store_vtable *vt);
 *
 * The host allocates and zeroes the vtable and passes the ABI major it speaks
 * and the highest minor it knows.  The module returns CCRED_STORE_ERR_VERSION
 * if it does not speak `major`; otherwise it fills the fields up to
 * min(minor, its own minor) and returns 0.  Fields are only ever appended to
 * the vtable (minor++); an incompatible change bumps major.
 *
 * The host hands the module a service table, so a module need not link
 * against libccred.  Nothing a module logs may contain the secret.
 */
#ifndef CCRED_STORE_H
#define CCRED_STORE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CCRED_STORE_ABI_MAJOR 1
#define CCRED_STORE_ABI_MINOR 0

/* The largest secret a store may return, in bytes. */
#define CCRED_STORE_SECRET_MAX 65536

/* Results of every store operation. */
enum ccred_store_result {
	CCRED_STORE_OK = 0,
	CCRED_STORE_NOTFOUND = 1,    /* store works, holds no secret for this key */
	CCRED_STORE_UNAVAILABLE = 2, /* store cannot be reached (no bus, no file) */
	CCRED_STORE_LOCKED = 3,      /* store reachable but locked */
	CCRED_STORE_READONLY = 4,    /* set/erase not supported by this store */
	CCRED_STORE_INSECURE = 5,    /* refused: file mode/owner unsafe (config error) */
	CCRED_STORE_ERR = 6,         /* any other failure */
	CCRED_STORE_ERR_VERSION = 7, /* initvt: ABI major not supported */
	CCRED_STORE_ERR_ARGS = 8,    /* open: bad arguments in secret_store line */
};

/* What the secret is for; the libsecret store turns these into attributes. */
struct ccred_store_key {
	const char *profile;
	const char *client_id;
	const char *endpoint_attr; /* "token_url" or "issuer" */
	const char *endpoint;      /* its value */
};

/* Services the host offers a module.  Append-only, like the vtable. */
#define CCRED_STORE_SERVICES_VERSION 1
struct ccred_store_services {
	unsigned int version;
	/* Trace a step at verbosity >= level (1 = -v). printf-style. */
	void (*trace)(void *host, int level, const char *fmt, ...)
#ifdef __GNUC__
	        __attribute__((format(printf, 3, 4)))
#endif
	        ;
	/* Overwrite memory in a way the compiler cannot remove. */
	void (*wipe)(void *p, size_t n);
	/* Milliseconds any single blocking call of the module may take. */
	long timeout_ms;
	void *host;
};

struct ccred_store_vtable {
	/* --- minor 0 --- */
	const char *name;
	/*
	 * Open an instance.  argv holds the words after the store's name in the
	 * secret_store line (argc may be 0).  *state is the module's own.
	 * On failure write one line (no newline) into err.
	 */
	int (*open)(const struct ccred_store_services *svc, int argc, char *const *argv,
	            void **state, char *err, size_t errlen);
	/*
	 * Copy the secret into buf (capacity bufsize, at most
	 * CCRED_STORE_SECRET_MAX) and its length into *len; no NUL needed.  Any
	 * intermediate copy must be wiped.  On failure write one line into err.
	 */
	int (*get)(void *state, const struct ccred_store_key *key, char *buf, size_t bufsize,
	           size_t *len, char *err, size_t errlen);
	/* May be NULL: read-only store. */
	int (*set)(void *state, const struct ccred_store_key *key, const char *secret, size_t len,
	           char *err, size_t errlen);
	/* May be NULL: read-only store.  NOTFOUND when nothing was there. */
	int (*erase)(void *state, const struct ccred_store_key *key, char *err, size_t errlen);
	/* Releases the instance. */
	void (*close)(void *state);
	/* A human description of where this instance keeps secrets (no secret). */
	const char *(*describe)(void *state);
};

typedef int (*ccred_store_initvt_fn)(int major, int minor, struct ccred_store_vtable *vt);

#ifdef __cplusplus
}
#endif
#endif /* CCRED_STORE_H */
