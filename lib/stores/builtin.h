/* SPDX-License-Identifier: MIT */
/* The stores compiled into libccred.  Each speaks the public module ABI of
 * <ccred/store.h> exactly as a separately installed module does. */
#ifndef CCRED_STORES_BUILTIN_H
#define CCRED_STORES_BUILTIN_H
#include <stddef.h>

#include <ccred/store.h>

#include "sys.h"

int ccredi_store_env_initvt(int major, int minor, struct ccred_store_vtable *vt);
int ccredi_store_file_initvt(int major, int minor, struct ccred_store_vtable *vt);
int ccredi_store_command_initvt(int major, int minor, struct ccred_store_vtable *vt);
int ccredi_store_systemd_initvt(int major, int minor, struct ccred_store_vtable *vt);

/* A set-id process never takes anything from its caller's environment;
 * where the C library has no secure_getenv, the check is not made. */
#ifndef HAVE_SECURE_GETENV
#define secure_getenv getenv
#endif

/* ------------------------------------------------------------ builtin.c */
/* What the built-in stores share.  Like them it uses only <ccred/store.h>. */

/* The initvt of a built-in store: fills vt with mine when the host speaks
 * our ABI major (everything we have is minor 0). */
int ccredi_store_builtin_initvt(int major, struct ccred_store_vtable *vt,
                                const struct ccred_store_vtable *mine);

/* Which host services a store calls, beyond version 1. */
#define CCREDI_STORE_NEEDS_WIPE  1u
#define CCREDI_STORE_NEEDS_TRACE 2u
/* The start of every open: *state = NULL, then CCRED_STORE_OK, or
 * CCRED_STORE_ERR with "NAME: host services too old" in err. */
int ccredi_store_open_check(const struct ccred_store_services *svc, const char *name,
                            unsigned int needs, void **state, char *err, size_t errlen);

/* The state of a store that takes one argument (env, file, systemd). */
struct ccredi_store_one {
	const struct ccred_store_services *svc;
	char *arg;  /* env: the variable; file: the absolute path; systemd: the name */
	char *desc; /* "NAME ARG", the prefix of every message */
};
/* Makes *state a struct ccredi_store_one for store NAME with a copy of arg:
 * CCRED_STORE_OK, or CCRED_STORE_ERR with "NAME: out of memory" in err. */
int ccredi_store_one_new(const struct ccred_store_services *svc, const char *name, const char *arg,
                         void **state, char *err, size_t errlen);
/* Their close and describe. */
void ccredi_store_one_close(void *state);
const char *ccredi_store_one_describe(void *state);

#endif
