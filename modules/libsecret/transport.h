/* SPDX-License-Identifier: MIT */
/*
 * What the libsecret store (libsecret.c) and its own transport session
 * (transport.c) share: one operation's deadline and service, the bounded
 * wait on an async result, and the error messages.  Internal to the module
 * (built with -fvisibility=hidden; only the store's initvt is exported).
 */
#ifndef CCRED_LIBSECRET_TRANSPORT_H
#define CCRED_LIBSECRET_TRANSPORT_H

#include <stddef.h>

#ifndef SECRET_API_SUBJECT_TO_CHANGE
#define SECRET_API_SUBJECT_TO_CHANGE
#endif
#include <libsecret/secret.h>

#include <ccred/store.h>

struct ls_store {
	const struct ccred_store_services *svc;
	GMainContext *ctx;
};

/* One vtable call: its deadline and cancellable. */
struct op {
	struct ls_store *ls;
	GCancellable *cancel;
	gint64 deadline; /* monotonic, microseconds */
	gboolean timed_out;
	SecretService *service;
	SecretCollection *coll; /* the default collection, or NULL */
	char coll_name[128];
};

/* Where an async result lands.  If we give up waiting, the callback frees
 * it whenever it comes. */
struct waiter {
	GAsyncResult *res;
	gboolean abandoned;
};

/* libsecret.c */
void waiter_done(GObject *src, GAsyncResult *res, gpointer data);
GAsyncResult *waiter_wait(struct op *op, struct waiter *w);
void timeout_msg(struct op *op, const char *doing, char *err, size_t errlen);
int classify(struct op *op, GError *e, const char *doing, char *err, size_t errlen);

/* transport.c: GetSecrets for the item at path in a session of our own,
 * the secret decrypted into buf.  NOTFOUND: the service gave nothing for
 * it (err not written). */
int load_secret(struct op *op, const char *path, char *buf, size_t bufsize, size_t *len, char *err,
                size_t errlen);

#endif
