/* SPDX-License-Identifier: MIT */
/*
 * The `libsecret` store: the client secret as an item of the freedesktop
 * Secret Service (GNOME Keyring, KeePassXC, KWallet), found by the
 * attributes client_id and token_url (or issuer), so that
 *
 *     secret-tool lookup client_id X token_url Y
 *
 * finds what this store keeps, and this store finds what secret-tool keeps
 * (the schema is DONT_MATCH_NAME: the xdg:schema attribute is not searched).
 *
 * Three things the synchronous libsecret calls do not give us:
 *  - a bound on every wait.  libsecret waits up to 25 s per D-Bus call, and
 *    a frozen service costs 50 s.  Each operation here runs the async API in
 *    a private GMainContext against one deadline (svc->timeout_ms) and
 *    cancels when it passes.
 *  - a locked keyring that says so.  A lookup in a locked collection returns
 *    nothing, exactly like "not found".  We search with SECRET_SEARCH_ALL,
 *    which also lists locked items, look at each item's Locked property and
 *    at the default collection's, and report CCRED_STORE_LOCKED.
 *  - no prompts.  We never ask to unlock (no SECRET_SEARCH_UNLOCK, no
 *    secret_service_unlock), and only write into an unlocked collection.
 *
 * And one thing libsecret does too slowly: the transport encryption of a
 * get.  Its session's Diffie-Hellman (libgcrypt, a 1023-bit exponent) cost
 * more than the rest of a cold `ccred token`, so a get connects without a
 * session and opens its own, with the same algorithm, in libcrypto (see
 * "our own session", transport.c).  set and delete keep libsecret's.
 *
 * Secrets: libsecret's copies live in its secure memory (SecretValue) and are
 * released with secret_value_unref, which wipes them; never g_free.  Our
 * session's exponent, shared secret, key and plaintext are wiped before they
 * are freed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The D-Bus path calls (secret-paths.h) let a lookup cost what
 * secret-tool's does: SearchItems then GetSecrets, with no object proxies
 * (each proxy is four more round trips).  Stable in practice since 0.18. */
#define SECRET_API_SUBJECT_TO_CHANGE
#include <libsecret/secret.h>

#include <ccred/store.h>

#include "transport.h"

#define CCRED_EXPORT __attribute__((visibility("default")))

/* After the deadline has cancelled an operation, how long we still wait for
 * libsecret to report the cancellation before we abandon it. */
#define CANCEL_GRACE_US (500 * G_TIME_SPAN_MILLISECOND)

static const SecretSchema ccred_schema = {
        .name = "org.ccred.ClientSecret",
        .flags = SECRET_SCHEMA_DONT_MATCH_NAME,
        .attributes =
                {
                        {"client_id", SECRET_SCHEMA_ATTRIBUTE_STRING},
                        {"token_url", SECRET_SCHEMA_ATTRIBUTE_STRING},
                        {"issuer", SECRET_SCHEMA_ATTRIBUTE_STRING},
                        {NULL, 0},
                },
};

void waiter_done(GObject *src, GAsyncResult *res, gpointer data)
{
	struct waiter *w = data;

	(void)src;
	if (w->abandoned) {
		g_free(w);
		return;
	}
	w->res = g_object_ref(res);
}

static gboolean wake(gpointer data)
{
	(void)data;
	return G_SOURCE_REMOVE;
}

/*
 * Run our context until w has a result.  At the deadline cancel the
 * operation; if libsecret does not finish even then, abandon w (the callback
 * frees it) and return NULL.  The caller unrefs the result and frees w.
 */
GAsyncResult *waiter_wait(struct op *op, struct waiter *w)
{
	gint64 now, until;
	GSource *t;

	while (!w->res) {
		now = g_get_monotonic_time();
		if (!op->timed_out && now >= op->deadline) {
			op->timed_out = TRUE;
			g_cancellable_cancel(op->cancel);
			continue;
		}
		until = op->timed_out ? op->deadline + CANCEL_GRACE_US : op->deadline;
		if (op->timed_out && now >= until) {
			w->abandoned = TRUE;
			return NULL;
		}
		t = g_timeout_source_new((guint)((until - now + 999) / 1000));
		g_source_set_callback(t, wake, NULL, NULL);
		g_source_attach(t, op->ls->ctx);
		g_main_context_iteration(op->ls->ctx, TRUE);
		g_source_destroy(t);
		g_source_unref(t);
	}
	return w->res;
}

void timeout_msg(struct op *op, const char *doing, char *err, size_t errlen)
{
	long ms = op->ls->svc->timeout_ms;

	snprintf(err, errlen, "libsecret: no answer from the Secret Service within %ld.%ld s (%s)",
	         ms / 1000, (ms % 1000) / 100, doing);
}

static void locked_msg(const char *coll, char *err, size_t errlen)
{
	snprintf(err, errlen,
	         "libsecret: the keyring (collection '%s') is locked; unlock it (e.g. log in to "
	         "the desktop, or `gnome-keyring-daemon --unlock`)",
	         coll);
}

/* Map a GError from libsecret or GDBus to a result and one line. */
int classify(struct op *op, GError *e, const char *doing, char *err, size_t errlen)
{
	gchar *remote = NULL;
	int rc = CCRED_STORE_ERR;

	if (op->timed_out || g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		timeout_msg(op, doing, err, errlen);
		rc = CCRED_STORE_UNAVAILABLE;
		goto out;
	}
	if (g_dbus_error_is_remote_error(e))
		remote = g_dbus_error_get_remote_error(e);
	g_dbus_error_strip_remote_error(e);
	if (g_error_matches(e, SECRET_ERROR, SECRET_ERROR_IS_LOCKED) ||
	    (remote && strcmp(remote, "org.freedesktop.Secret.Error.IsLocked") == 0)) {
		locked_msg(op->coll_name[0] ? op->coll_name : "default", err, errlen);
		rc = CCRED_STORE_LOCKED;
		goto out;
	}
	if (e->domain == G_DBUS_ERROR &&
	    (e->code == G_DBUS_ERROR_SERVICE_UNKNOWN || e->code == G_DBUS_ERROR_NAME_HAS_NO_OWNER ||
	     e->code == G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND ||
	     e->code == G_DBUS_ERROR_SPAWN_SERVICE_INVALID ||
	     e->code == G_DBUS_ERROR_SPAWN_EXEC_FAILED ||
	     e->code == G_DBUS_ERROR_SPAWN_CHILD_EXITED ||
	     e->code == G_DBUS_ERROR_SPAWN_CHILD_SIGNALED ||
	     e->code == G_DBUS_ERROR_SPAWN_FAILED)) {
		snprintf(err, errlen, "libsecret: no Secret Service on the session bus (%s)",
		         e->message);
		rc = CCRED_STORE_UNAVAILABLE;
		goto out;
	}
	if (e->domain == G_IO_ERROR ||
	    (e->domain == G_DBUS_ERROR &&
	     (e->code == G_DBUS_ERROR_NO_REPLY || e->code == G_DBUS_ERROR_TIMEOUT ||
	      e->code == G_DBUS_ERROR_TIMED_OUT || e->code == G_DBUS_ERROR_DISCONNECTED ||
	      e->code == G_DBUS_ERROR_NO_SERVER))) {
		snprintf(err, errlen, "libsecret: %s: %s", doing, e->message);
		rc = CCRED_STORE_UNAVAILABLE;
		goto out;
	}
	snprintf(err, errlen, "libsecret: %s: %s", doing, e->message);
out:
	g_free(remote);
	return rc;
}

/* The last-but-one element of an item path: its collection's name. */
static void collection_of_item(SecretItem *item, char *name, size_t n)
{
	const char *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(item));
	const char *end = strrchr(path, '/'), *start = end;

	while (start > path && start[-1] != '/')
		start--;
	snprintf(name, n, "%.*s", (int)(end - start), start);
}

static gboolean item_in(SecretItem *item, SecretCollection *coll)
{
	const char *ip, *cp;
	size_t cl;

	if (!coll)
		return FALSE;
	ip = g_dbus_proxy_get_object_path(G_DBUS_PROXY(item));
	cp = g_dbus_proxy_get_object_path(G_DBUS_PROXY(coll));
	cl = strlen(cp);
	return strncmp(ip, cp, cl) == 0 && ip[cl] == '/' && !strchr(ip + cl + 1, '/');
}

/* The same two for D-Bus paths: /org/freedesktop/secrets/collection/C/ID. */
static void collection_of_path(const char *path, char *name, size_t n)
{
	const char *end = strrchr(path, '/'), *start = end;

	while (start > path && start[-1] != '/')
		start--;
	snprintf(name, n, "%.*s", (int)(end - start), start);
}

static gboolean path_in(const char *item, const char *coll)
{
	size_t cl;

	if (!coll)
		return FALSE;
	cl = strlen(coll);
	return strncmp(item, coll, cl) == 0 && item[cl] == '/' && !strchr(item + cl + 1, '/');
}

/* ------------------------------------------------------------ steps */

static void op_begin(struct op *op, struct ls_store *ls)
{
	memset(op, 0, sizeof(*op));
	op->ls = ls;
	op->cancel = g_cancellable_new();
	op->deadline = g_get_monotonic_time() +
	               (gint64)(ls->svc->timeout_ms > 0 ? ls->svc->timeout_ms : 30000) *
	                       G_TIME_SPAN_MILLISECOND;
	g_main_context_push_thread_default(ls->ctx);
}

static void op_end(struct op *op)
{
	g_clear_object(&op->coll);
	g_clear_object(&op->service);
	g_clear_object(&op->cancel);
	/* Let what was cancelled finish, without blocking. */
	while (g_main_context_iteration(op->ls->ctx, FALSE))
		;
	g_main_context_pop_thread_default(op->ls->ctx);
}

/*
 * Reach the Secret Service.  Before asking GLib, see whether there is a
 * session bus at all: without DBUS_SESSION_BUS_ADDRESS and $XDG_RUNTIME_DIR/bus,
 * GLib would try X11 autolaunch, which starts daemons and never helps on a
 * headless machine.
 */
static int connect_service(struct op *op, SecretServiceFlags flags, char *err, size_t errlen)
{
	const char *addr = g_getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *rt = g_getenv("XDG_RUNTIME_DIR");
	const char *doing = (flags & SECRET_SERVICE_OPEN_SESSION)
	                            ? "opening a Secret Service session"
	                            : "connecting to the Secret Service";
	struct waiter *w = NULL;
	GDBusConnection *conn = NULL;
	GAsyncResult *res;
	GError *e = NULL;
	gchar *sock = NULL;
	struct stat st;
	int rc = CCRED_STORE_UNAVAILABLE;

	if (!addr || !addr[0]) {
		if (rt && rt[0])
			sock = g_build_filename(rt, "bus", NULL);
		if (!sock || stat(sock, &st) != 0 || !S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen,
			         "libsecret: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not "
			         "set and there is no $XDG_RUNTIME_DIR/bus)");
			goto out;
		}
	}
	w = g_new0(struct waiter, 1);
	g_bus_get(G_BUS_TYPE_SESSION, op->cancel, waiter_done, w);
	res = waiter_wait(op, w);
	if (!res) {
		w = NULL;
		timeout_msg(op, "connecting to the session bus", err, errlen);
		goto out;
	}
	conn = g_bus_get_finish(res, &e);
	g_clear_object(&w->res);
	if (!conn) {
		if (op->timed_out)
			timeout_msg(op, "connecting to the session bus", err, errlen);
		else
			snprintf(err, errlen, "libsecret: no D-Bus session bus (%s)", e->message);
		goto out;
	}
	g_free(w);
	w = g_new0(struct waiter, 1);
	secret_service_get(flags, op->cancel, waiter_done, w);
	res = waiter_wait(op, w);
	if (!res) {
		w = NULL;
		timeout_msg(op, doing, err, errlen);
		goto out;
	}
	op->service = secret_service_get_finish(res, &e);
	g_clear_object(&w->res);
	if (!op->service) {
		rc = classify(op, e, doing, err, errlen);
		goto out;
	}
	rc = CCRED_STORE_OK;
out:
	g_clear_error(&e);
	g_clear_object(&conn);
	g_free(w);
	g_free(sock);
	return rc;
}

/* The default collection (op->coll, NULL when there is none) and its name. */
static int find_default_collection(struct op *op, char *err, size_t errlen)
{
	struct waiter *w = g_new0(struct waiter, 1);
	GAsyncResult *res;
	GError *e = NULL;
	const char *path;
	int rc = CCRED_STORE_OK;

	secret_collection_for_alias(op->service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
	                            op->cancel, waiter_done, w);
	res = waiter_wait(op, w);
	if (!res) {
		w = NULL;
		timeout_msg(op, "reading the default collection", err, errlen);
		rc = CCRED_STORE_UNAVAILABLE;
		goto out;
	}
	op->coll = secret_collection_for_alias_finish(res, &e);
	g_clear_object(&w->res);
	if (!op->coll && e) {
		rc = classify(op, e, "reading the default collection", err, errlen);
		goto out;
	}
	if (op->coll) {
		path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(op->coll));
		snprintf(op->coll_name, sizeof(op->coll_name), "%s", strrchr(path, '/') + 1);
	}
out:
	g_clear_error(&e);
	g_free(w);
	return rc;
}

static GHashTable *key_attributes(const struct ccred_store_key *key)
{
	GHashTable *a = g_hash_table_new(g_str_hash, g_str_equal);

	g_hash_table_insert(a, (gpointer) "client_id", (gpointer)key->client_id);
	g_hash_table_insert(a, (gpointer)key->endpoint_attr, (gpointer)key->endpoint);
	return a;
}

static int check_key(const struct ccred_store_key *key, char *err, size_t errlen)
{
	if (!key || !key->client_id || !key->endpoint || !key->endpoint_attr ||
	    (strcmp(key->endpoint_attr, "token_url") != 0 &&
	     strcmp(key->endpoint_attr, "issuer") != 0)) {
		snprintf(err, errlen,
		         "libsecret: incomplete key (client_id and token_url or issuer)");
		return CCRED_STORE_ERR;
	}
	return CCRED_STORE_OK;
}

/* All items for the key, locked ones included; never prompts. */
static int search_items(struct op *op, const struct ccred_store_key *key, GList **items, char *err,
                        size_t errlen)
{
	struct waiter *w = g_new0(struct waiter, 1);
	GHashTable *attrs = key_attributes(key);
	GAsyncResult *res;
	GError *e = NULL;
	int rc = CCRED_STORE_OK;

	*items = NULL;
	secret_service_search(op->service, &ccred_schema, attrs, SECRET_SEARCH_ALL, op->cancel,
	                      waiter_done, w);
	res = waiter_wait(op, w);
	if (!res) {
		w = NULL;
		timeout_msg(op, "searching", err, errlen);
		rc = CCRED_STORE_UNAVAILABLE;
		goto out;
	}
	*items = secret_service_search_finish(op->service, res, &e);
	g_clear_object(&w->res);
	if (e) {
		rc = classify(op, e, "searching", err, errlen);
		goto out;
	}
out:
	g_clear_error(&e);
	g_hash_table_unref(attrs);
	g_free(w);
	return rc;
}

static int delete_item(struct op *op, SecretItem *item, char *err, size_t errlen)
{
	struct waiter *w = g_new0(struct waiter, 1);
	GAsyncResult *res;
	GError *e = NULL;
	int rc = CCRED_STORE_OK;

	secret_item_delete(item, op->cancel, waiter_done, w);
	res = waiter_wait(op, w);
	if (!res) {
		w = NULL;
		timeout_msg(op, "deleting an item", err, errlen);
		rc = CCRED_STORE_UNAVAILABLE;
		goto out;
	}
	if (!secret_item_delete_finish(item, res, &e))
		rc = classify(op, e, "deleting an item", err, errlen);
	g_clear_object(&w->res);
out:
	g_clear_error(&e);
	g_free(w);
	return rc;
}

static void not_found_msg(const struct ccred_store_key *key, char *err, size_t errlen)
{
	snprintf(err, errlen, "libsecret: no item with client_id %s %s %s", key->client_id,
	         key->endpoint_attr, key->endpoint);
}

/* ------------------------------------------------------------ the store */

/* SearchItems: the paths of the unlocked and of the locked items. */
static int search_paths(struct op *op, const struct ccred_store_key *key, gchar ***unlocked,
                        gchar ***locked, char *err, size_t errlen)
{
	struct waiter *w = g_new0(struct waiter, 1);
	GHashTable *attrs = key_attributes(key);
	GAsyncResult *res;
	GError *e = NULL;
	int rc = CCRED_STORE_OK;

	*unlocked = *locked = NULL;
	secret_service_search_for_dbus_paths(op->service, &ccred_schema, attrs, op->cancel,
	                                     waiter_done, w);
	res = waiter_wait(op, w);
	if (!res) {
		w = NULL;
		timeout_msg(op, "searching", err, errlen);
		rc = CCRED_STORE_UNAVAILABLE;
		goto out;
	}
	if (!secret_service_search_for_dbus_paths_finish(op->service, res, unlocked, locked, &e))
		rc = classify(op, e, "searching", err, errlen);
	g_clear_object(&w->res);
out:
	g_clear_error(&e);
	g_hash_table_unref(attrs);
	g_free(w);
	return rc;
}

/* The path of the default collection (NULL: none), to prefer its item when
 * several collections hold one.  Only asked when there is a choice. */
static int default_collection_path(struct op *op, gchar **path, char *err, size_t errlen)
{
	struct waiter *w = g_new0(struct waiter, 1);
	GAsyncResult *res;
	GError *e = NULL;
	int rc = CCRED_STORE_OK;

	*path = NULL;
	secret_service_read_alias_dbus_path(op->service, SECRET_COLLECTION_DEFAULT, op->cancel,
	                                    waiter_done, w);
	res = waiter_wait(op, w);
	if (!res) {
		w = NULL;
		timeout_msg(op, "reading the default collection", err, errlen);
		rc = CCRED_STORE_UNAVAILABLE;
		goto out;
	}
	*path = secret_service_read_alias_dbus_path_finish(op->service, res, &e);
	if (e)
		rc = classify(op, e, "reading the default collection", err, errlen);
	g_clear_object(&w->res);
out:
	g_clear_error(&e);
	g_free(w);
	return rc;
}

static int ls_get(void *state, const struct ccred_store_key *key, char *buf, size_t bufsize,
                  size_t *len, char *err, size_t errlen)
{
	struct ls_store *ls = state;
	struct op op;
	gchar **unlocked = NULL, **locked = NULL, *coll = NULL;
	const gchar *pick = NULL;
	int rc;

	*len = 0;
	rc = check_key(key, err, errlen);
	if (rc != CCRED_STORE_OK)
		return rc; /* nothing begun yet */
	op_begin(&op, ls);
	rc = connect_service(&op, SECRET_SERVICE_NONE, err, errlen);
	if (rc != CCRED_STORE_OK)
		goto out;
	rc = search_paths(&op, key, &unlocked, &locked, err, errlen);
	if (rc != CCRED_STORE_OK)
		goto out;
	/* An unlocked item, preferably in the default collection. */
	if (unlocked && unlocked[0] && unlocked[1]) {
		rc = default_collection_path(&op, &coll, err, errlen);
		if (rc != CCRED_STORE_OK)
			goto out;
		for (gchar **p = unlocked; *p && !pick; p++)
			if (path_in(*p, coll))
				pick = *p;
	}
	if (!pick && unlocked)
		pick = unlocked[0];
	if (!pick) {
		if (locked && locked[0]) {
			collection_of_path(locked[0], op.coll_name, sizeof(op.coll_name));
			locked_msg(op.coll_name, err, errlen);
			rc = CCRED_STORE_LOCKED;
			goto out;
		}
		/* Some services hide the items of a locked collection. */
		rc = find_default_collection(&op, err, errlen);
		if (rc != CCRED_STORE_OK)
			goto out;
		if (op.coll && secret_collection_get_locked(op.coll)) {
			locked_msg(op.coll_name, err, errlen);
			rc = CCRED_STORE_LOCKED;
		} else {
			not_found_msg(key, err, errlen);
			rc = CCRED_STORE_NOTFOUND;
		}
		goto out;
	}
	collection_of_path(pick, op.coll_name, sizeof(op.coll_name));
	rc = load_secret(&op, pick, buf, bufsize, len, err, errlen);
	if (rc == CCRED_STORE_NOTFOUND)
		not_found_msg(key, err, errlen);
out:
	g_strfreev(unlocked);
	g_strfreev(locked);
	g_free(coll);
	op_end(&op);
	return rc;
}

static int ls_set(void *state, const struct ccred_store_key *key, const char *secret, size_t len,
                  char *err, size_t errlen)
{
	struct ls_store *ls = state;
	struct op op;
	struct waiter *w = NULL;
	GHashTable *attrs = NULL;
	GList *items = NULL, *l;
	SecretValue *value = NULL;
	SecretItem *item = NULL;
	GAsyncResult *res;
	GError *e = NULL;
	gchar *label = NULL;
	const char *newpath;
	int rc;

	rc = check_key(key, err, errlen);
	if (rc != CCRED_STORE_OK)
		return rc; /* nothing begun yet */
	op_begin(&op, ls);
	rc = connect_service(&op, SECRET_SERVICE_OPEN_SESSION, err, errlen);
	if (rc != CCRED_STORE_OK)
		goto out;
	rc = find_default_collection(&op, err, errlen);
	if (rc != CCRED_STORE_OK)
		goto out;
	if (!op.coll) {
		snprintf(err, errlen,
		         "libsecret: the Secret Service has no default collection (keyring) to "
		         "store into");
		rc = CCRED_STORE_ERR;
		goto out;
	}
	if (secret_collection_get_locked(op.coll)) {
		locked_msg(op.coll_name, err, errlen);
		rc = CCRED_STORE_LOCKED;
		goto out;
	}
	attrs = key_attributes(key);
	label = g_strdup_printf("ccred client secret for %s (client_id %s)",
	                        key->profile ? key->profile : "?", key->client_id);
	value = secret_value_new(secret, (gssize)len, "text/plain");
	w = g_new0(struct waiter, 1);
	secret_item_create(op.coll, &ccred_schema, attrs, label, value, SECRET_ITEM_CREATE_REPLACE,
	                   op.cancel, waiter_done, w);
	res = waiter_wait(&op, w);
	if (!res) {
		w = NULL;
		timeout_msg(&op, "storing the secret", err, errlen);
		rc = CCRED_STORE_UNAVAILABLE;
		goto out;
	}
	item = secret_item_create_finish(res, &e);
	g_clear_object(&w->res);
	if (!item) {
		rc = classify(&op, e, "storing the secret", err, errlen);
		goto out;
	}
	/* REPLACE matches xdg:schema too, so an item made by secret-tool for
	 * the same key survives it: drop such twins in this collection, so
	 * that get returns what was just set. */
	rc = search_items(&op, key, &items, err, errlen);
	if (rc != CCRED_STORE_OK)
		goto out;
	newpath = g_dbus_proxy_get_object_path(G_DBUS_PROXY(item));
	for (l = items; l; l = l->next) {
		SecretItem *it = l->data;
		if (strcmp(g_dbus_proxy_get_object_path(G_DBUS_PROXY(it)), newpath) == 0 ||
		    !item_in(it, op.coll) || secret_item_get_locked(it))
			continue;
		rc = delete_item(&op, it, err, errlen);
		if (rc != CCRED_STORE_OK)
			goto out;
	}
	rc = CCRED_STORE_OK;
out:
	if (value)
		secret_value_unref(value);
	if (attrs)
		g_hash_table_unref(attrs);
	g_list_free_full(items, g_object_unref);
	g_clear_object(&item);
	g_clear_error(&e);
	g_free(label);
	g_free(w);
	op_end(&op);
	return rc;
}

static int ls_erase(void *state, const struct ccred_store_key *key, char *err, size_t errlen)
{
	struct ls_store *ls = state;
	struct op op;
	GList *items = NULL, *l;
	SecretItem *locked = NULL;
	int deleted = 0, rc;

	rc = check_key(key, err, errlen);
	if (rc != CCRED_STORE_OK)
		return rc; /* nothing begun yet */
	op_begin(&op, ls);
	rc = connect_service(&op, SECRET_SERVICE_OPEN_SESSION, err, errlen);
	if (rc != CCRED_STORE_OK)
		goto out;
	rc = find_default_collection(&op, err, errlen);
	if (rc != CCRED_STORE_OK)
		goto out;
	rc = search_items(&op, key, &items, err, errlen);
	if (rc != CCRED_STORE_OK)
		goto out;
	for (l = items; l; l = l->next) {
		SecretItem *it = l->data;
		if (secret_item_get_locked(it)) {
			locked = it;
			continue;
		}
		rc = delete_item(&op, it, err, errlen);
		if (rc != CCRED_STORE_OK)
			goto out;
		deleted++;
	}
	if (locked) {
		/* What is left can only go once its keyring is unlocked. */
		collection_of_item(locked, op.coll_name, sizeof(op.coll_name));
		locked_msg(op.coll_name, err, errlen);
		rc = CCRED_STORE_LOCKED;
	} else if (!deleted && op.coll && secret_collection_get_locked(op.coll)) {
		locked_msg(op.coll_name, err, errlen);
		rc = CCRED_STORE_LOCKED;
	} else if (!deleted) {
		not_found_msg(key, err, errlen);
		rc = CCRED_STORE_NOTFOUND;
	} else {
		rc = CCRED_STORE_OK;
	}
out:
	g_list_free_full(items, g_object_unref);
	op_end(&op);
	return rc;
}

static int ls_open(const struct ccred_store_services *svc, int argc, char *const *argv,
                   void **state, char *err, size_t errlen)
{
	struct ls_store *ls;

	(void)argv;
	*state = NULL;
	if (!svc || svc->version < 1 || !svc->wipe || !svc->trace) {
		snprintf(err, errlen, "libsecret: host services too old");
		return CCRED_STORE_ERR;
	}
	if (argc != 0) {
		snprintf(err, errlen, "libsecret: takes no arguments");
		return CCRED_STORE_ERR_ARGS;
	}
	ls = g_new0(struct ls_store, 1);
	ls->svc = svc;
	ls->ctx = g_main_context_new();
	*state = ls;
	return CCRED_STORE_OK;
}

static void ls_close(void *state)
{
	struct ls_store *ls = state;

	if (!ls)
		return;
	g_main_context_unref(ls->ctx);
	g_free(ls);
}

static const char *ls_describe(void *state)
{
	(void)state;
	return "libsecret (the Secret Service's default collection)";
}

CCRED_EXPORT int ccred_store_libsecret_initvt(int major, int minor, struct ccred_store_vtable *vt);

int ccred_store_libsecret_initvt(int major, int minor, struct ccred_store_vtable *vt)
{
	(void)minor; /* everything we have is minor 0 */
	if (major != CCRED_STORE_ABI_MAJOR)
		return CCRED_STORE_ERR_VERSION;
	/* libsecret registers GObject types, which cannot be unregistered:
	 * it must stay mapped even if the host dlcloses us. */
	(void)dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
	vt->name = "libsecret";
	vt->open = ls_open;
	vt->get = ls_get;
	vt->set = ls_set;
	vt->erase = ls_erase;
	vt->close = ls_close;
	vt->describe = ls_describe;
	return CCRED_STORE_OK;
}
