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
 * "our own session").  set and delete keep libsecret's.
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
#include <sys/random.h>
#include <sys/stat.h>

/* The D-Bus path calls (secret-paths.h) let a lookup cost what
 * secret-tool's does: SearchItems then GetSecrets, with no object proxies
 * (each proxy is four more round trips).  Stable in practice since 0.18. */
#define SECRET_API_SUBJECT_TO_CHANGE
#include <libsecret/secret.h>

/* Only the get path's own transport session (see "our own session"). */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <ccred/store.h>

#define CCRED_EXPORT __attribute__((visibility("default")))

/* After the deadline has cancelled an operation, how long we still wait for
 * libsecret to report the cancellation before we abandon it. */
#define CANCEL_GRACE_US (500 * G_TIME_SPAN_MILLISECOND)

static const SecretSchema ccred_schema = {
	.name = "org.ccred.ClientSecret",
	.flags = SECRET_SCHEMA_DONT_MATCH_NAME,
	.attributes = {
		{"client_id", SECRET_SCHEMA_ATTRIBUTE_STRING},
		{"token_url", SECRET_SCHEMA_ATTRIBUTE_STRING},
		{"issuer", SECRET_SCHEMA_ATTRIBUTE_STRING},
		{NULL, 0},
	},
};

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

static void waiter_done(GObject *src, GAsyncResult *res, gpointer data)
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
static GAsyncResult *waiter_wait(struct op *op, struct waiter *w)
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

static void timeout_msg(struct op *op, const char *doing, char *err, size_t errlen)
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
static int classify(struct op *op, GError *e, const char *doing, char *err, size_t errlen)
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
	     e->code == G_DBUS_ERROR_SPAWN_CHILD_SIGNALED || e->code == G_DBUS_ERROR_SPAWN_FAILED)) {
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
	const char *doing = (flags & SECRET_SERVICE_OPEN_SESSION) ? "opening a Secret Service session"
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

	secret_collection_for_alias(op->service, SECRET_COLLECTION_DEFAULT,
	                            SECRET_COLLECTION_NONE, op->cancel, waiter_done, w);
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
		snprintf(err, errlen, "libsecret: incomplete key (client_id and token_url or issuer)");
		return CCRED_STORE_ERR;
	}
	return CCRED_STORE_OK;
}

/* All items for the key, locked ones included; never prompts. */
static int search_items(struct op *op, const struct ccred_store_key *key, GList **items,
                        char *err, size_t errlen)
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

/* ------------------------------------------------------------ our own session
 *
 * A get needs one secret, so it opens the transport session itself rather
 * than through libsecret (SECRET_SERVICE_OPEN_SESSION), whose Diffie-Hellman
 * in libgcrypt costs more than all the rest of a cold `ccred token`.  Same
 * algorithm and wire format as libsecret (secret-session.c, egg-dh.c,
 * egg-hkdf.c), computed with libcrypto:
 *
 *   OpenSession("dh-ietf1024-sha256-aes128-cbc-pkcs7", <ay: our public key>)
 *     -> (<ay: the service's public key>, session path)
 *   public keys: unsigned big-endian, no leading zeros, group: RFC 2409's
 *   1024-bit MODP prime, generator 2 (our exponent: see dh_keypair);
 *   shared secret: y^x mod p, left-padded with zeros to the prime's 128
 *   bytes; AES key: HKDF-SHA256 of it, no salt, no info, 16 bytes;
 *   GetSecrets([item], session) -> {item: (session, iv, ciphertext, type)}
 *   value: AES-128-CBC with that iv, PKCS#7 padding.
 *
 * Like libsecret, a service that answers NotSupported gets a "plain"
 * session.  The session is closed without waiting for the answer; the
 * service also drops it when we disconnect.
 */

#define DH_ALGORITHM "dh-ietf1024-sha256-aes128-cbc-pkcs7"
#define DH_PRIME_LEN 128 /* bytes of the 1024-bit prime */
#define DH_EXP_BITS  256 /* our private exponent, see dh_keypair */
#define AES_KEY_LEN  16
#define AES_BLOCK    16

struct session {
	gchar *path;
	gboolean plain;
	unsigned char key[AES_KEY_LEN];
};

/* An error from a bounded call: classified, or the timeout when the call
 * was abandoned (no GError). */
static int call_failed(struct op *op, GError *e, const char *doing, char *err, size_t errlen)
{
	if (!e) {
		timeout_msg(op, doing, err, errlen);
		return CCRED_STORE_UNAVAILABLE;
	}
	return classify(op, e, doing, err, errlen);
}

/*
 * One method call on the service's own connection, bounded by the op's
 * deadline like every libsecret call here: GDBus's timeout is what is left,
 * and waiter_wait cancels at the deadline.  The reply, or NULL with *e set
 * (NULL and no *e: abandoned at the deadline).
 */
static GVariant *service_call(struct op *op, const char *path, const char *iface,
                              const char *method, GVariant *args, const char *reply_type,
                              GError **e)
{
	GDBusProxy *proxy = G_DBUS_PROXY(op->service);
	struct waiter *w = g_new0(struct waiter, 1);
	gint64 left = (op->deadline - g_get_monotonic_time()) / 1000;
	GAsyncResult *res;
	GVariant *reply = NULL;

	g_dbus_connection_call(g_dbus_proxy_get_connection(proxy), g_dbus_proxy_get_name(proxy),
	                       path, iface, method, args, G_VARIANT_TYPE(reply_type),
	                       G_DBUS_CALL_FLAGS_NONE, (int)CLAMP(left, 1, G_MAXINT), op->cancel,
	                       waiter_done, w);
	res = waiter_wait(op, w);
	if (!res)
		return NULL; /* w is the callback's now */
	reply = g_dbus_connection_call_finish(g_dbus_proxy_get_connection(proxy), res, e);
	g_clear_object(&w->res);
	g_free(w);
	return reply;
}

/*
 * Our half of the key exchange: a private exponent x and the public key
 * 2^x mod p as unsigned big-endian bytes without leading zeros
 * (gcry_mpi_aprint's USG format, as libsecret sends it).
 *
 * x has DH_EXP_BITS random bits, not libsecret's 1023: the group is RFC
 * 2409's safe prime, where the best attack on a short exponent (Pollard's
 * lambda, ~2^128 steps for 256 bits) costs far more than the best attack on
 * the 1024-bit group itself (~2^80), so the session is as strong as
 * libsecret's, and each modular exponentiation costs a quarter (RFC 7919
 * 5.2, NIST SP 800-56A: at least twice the group's security strength).
 * Its bytes come straight from the kernel (getrandom), which is what
 * OpenSSL's DRBG would seed from; instantiating that DRBG alone costs more
 * than the whole exchange.
 */
static int dh_keypair(BN_CTX *bn, const BIGNUM *p, BIGNUM **x, unsigned char *pub, int *npub)
{
	unsigned char rnd[DH_EXP_BITS / 8];
	BIGNUM *g = NULL, *y = NULL;
	size_t got = 0;
	ssize_t r;
	int ok = 0;

	*x = NULL;
	while (got < sizeof(rnd)) {
		r = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	*x = BN_secure_new();
	g = BN_new();
	y = BN_new();
	if (!*x || !g || !y || !BN_bin2bn(rnd, sizeof(rnd), *x) || BN_is_zero(*x) ||
	    !BN_set_word(g, 2))
		goto out;
	BN_set_flags(*x, BN_FLG_CONSTTIME);
	if (!BN_mod_exp_mont_consttime(y, g, *x, p, bn, NULL))
		goto out;
	*npub = BN_bn2bin(y, pub);
	ok = 1;
out:
	OPENSSL_cleanse(rnd, sizeof(rnd));
	if (!ok) {
		BN_clear_free(*x);
		*x = NULL;
	}
	BN_free(g);
	BN_free(y);
	return ok;
}

/* The AES key from the service's public key: HKDF-SHA256 (no salt, no info)
 * of peer^x mod p padded to the prime's length. */
static int dh_key(BN_CTX *bn, const BIGNUM *p, const BIGNUM *x, const unsigned char *peer,
                  size_t npeer, unsigned char key[AES_KEY_LEN])
{
	unsigned char ikm[DH_PRIME_LEN];
	BIGNUM *y = NULL, *pm1 = NULL, *s = NULL;
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[3];
	int ok = 0;

	y = BN_bin2bn(peer, (int)npeer, NULL);
	pm1 = BN_dup(p);
	s = BN_secure_new();
	if (!y || !pm1 || !s || !BN_sub_word(pm1, 1))
		goto out;
	/* 1 < y < p - 1: no degenerate key from a broken or hostile peer. */
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm1) >= 0)
		goto out;
	if (!BN_mod_exp_mont_consttime(s, y, x, p, bn, NULL) ||
	    BN_bn2binpad(s, ikm, sizeof(ikm)) != (int)sizeof(ikm))
		goto out;
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	if (!kctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm, sizeof(ikm));
	params[2] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(kctx, key, AES_KEY_LEN, params) == 1;
out:
	OPENSSL_cleanse(ikm, sizeof(ikm));
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	BN_free(y);
	BN_free(pm1);
	BN_clear_free(s);
	return ok;
}

static void session_close(struct op *op, struct session *s)
{
	GDBusProxy *proxy = G_DBUS_PROXY(op->service);

	if (s->path) {
		/* No callback: sent with NO_REPLY_EXPECTED, nothing to wait for. */
		g_dbus_connection_call(g_dbus_proxy_get_connection(proxy),
		                       g_dbus_proxy_get_name(proxy), s->path,
		                       "org.freedesktop.Secret.Session", "Close", NULL, NULL,
		                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
		g_free(s->path);
		s->path = NULL;
	}
	OPENSSL_cleanse(s->key, sizeof(s->key));
}

static int session_open(struct op *op, struct session *s, char *err, size_t errlen)
{
	const char *doing = "opening a Secret Service session";
	const char *spath = g_dbus_proxy_get_object_path(G_DBUS_PROXY(op->service));
	unsigned char pub[DH_PRIME_LEN];
	BN_CTX *bn = BN_CTX_secure_new();
	BIGNUM *p = NULL, *x = NULL;
	GVariant *reply = NULL, *arg = NULL;
	GError *e = NULL;
	const unsigned char *peer;
	gsize npeer = 0;
	int npub = 0, rc = CCRED_STORE_ERR;

	memset(s, 0, sizeof(*s));
	p = BN_get_rfc2409_prime_1024(NULL);
	if (!bn || !p || !dh_keypair(bn, p, &x, pub, &npub)) {
		snprintf(err, errlen, "libsecret: %s: key generation failed (libcrypto)", doing);
		goto out;
	}
	reply = service_call(op, spath, "org.freedesktop.Secret.Service", "OpenSession",
	                     g_variant_new("(sv)", DH_ALGORITHM,
	                                   g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, pub,
	                                                             (gsize)npub, 1)),
	                     "(vo)", &e);
	if (!reply && g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_NOT_SUPPORTED)) {
		g_clear_error(&e);
		s->plain = TRUE;
		reply = service_call(op, spath, "org.freedesktop.Secret.Service", "OpenSession",
		                     g_variant_new("(sv)", "plain", g_variant_new_string("")),
		                     "(vo)", &e);
	}
	if (!reply) {
		rc = call_failed(op, e, doing, err, errlen);
		goto out;
	}
	g_variant_get(reply, "(vo)", &arg, &s->path);
	if (s->plain) {
		rc = CCRED_STORE_OK;
		goto out;
	}
	if (!g_variant_is_of_type(arg, G_VARIANT_TYPE_BYTESTRING)) {
		snprintf(err, errlen, "libsecret: %s: the service's public key is not bytes", doing);
		goto out;
	}
	peer = g_variant_get_fixed_array(arg, &npeer, 1);
	if (npeer == 0 || npeer > DH_PRIME_LEN || !dh_key(bn, p, x, peer, npeer, s->key)) {
		snprintf(err, errlen, "libsecret: %s: key exchange failed", doing);
		goto out;
	}
	rc = CCRED_STORE_OK;
out:
	if (rc != CCRED_STORE_OK)
		session_close(op, s);
	if (arg)
		g_variant_unref(arg);
	if (reply)
		g_variant_unref(reply);
	g_clear_error(&e);
	BN_clear_free(x);
	BN_free(p);
	BN_CTX_free(bn);
	return rc;
}

/* Decrypt one (oayays) into buf; the plaintext only ever in wiped buffers. */
static int session_decode(struct op *op, struct session *s, GVariant *secret, char *buf,
                          size_t bufsize, size_t *len, char *err, size_t errlen)
{
	GVariant *vparam = NULL, *vvalue = NULL;
	const unsigned char *param, *value;
	unsigned char *plain = NULL;
	const gchar *spath = NULL;
	gsize nparam = 0, nvalue = 0, n = 0;
	EVP_CIPHER_CTX *c = NULL;
	unsigned int pad;
	int outl = 0, rc = CCRED_STORE_ERR;

	*len = 0;
	g_variant_get_child(secret, 0, "&o", &spath);
	if (strcmp(spath, s->path) != 0) {
		snprintf(err, errlen, "libsecret: the secret came in another session");
		goto out;
	}
	vparam = g_variant_get_child_value(secret, 1);
	vvalue = g_variant_get_child_value(secret, 2);
	param = g_variant_get_fixed_array(vparam, &nparam, 1);
	value = g_variant_get_fixed_array(vvalue, &nvalue, 1);
	if (s->plain) {
		if (nparam != 0) {
			snprintf(err, errlen, "libsecret: a plain secret with parameters");
			goto out;
		}
		n = nvalue;
		goto copy;
	}
	if (nparam != AES_BLOCK || nvalue == 0 || nvalue % AES_BLOCK != 0) {
		snprintf(err, errlen, "libsecret: the encrypted secret has a bad shape (%zu bytes)",
		         (size_t)nvalue);
		goto out;
	}
	if (nvalue - 1 > bufsize || nvalue - 1 > CCRED_STORE_SECRET_MAX) {
		/* Even the shortest padding (1 byte) leaves too much. */
		snprintf(err, errlen, "libsecret: secret longer than %zu bytes", bufsize);
		goto out;
	}
	plain = g_malloc(nvalue);
	c = EVP_CIPHER_CTX_new();
	if (!c || EVP_DecryptInit_ex(c, EVP_aes_128_cbc(), NULL, s->key, param) != 1 ||
	    EVP_CIPHER_CTX_set_padding(c, 0) != 1 ||
	    EVP_DecryptUpdate(c, plain, &outl, value, (int)nvalue) != 1 || (gsize)outl != nvalue) {
		snprintf(err, errlen, "libsecret: decrypting the secret failed (libcrypto)");
		goto out;
	}
	/* PKCS#7: 1..16 bytes, each holding the count. */
	pad = plain[nvalue - 1];
	if (pad == 0 || pad > AES_BLOCK) {
		snprintf(err, errlen, "libsecret: the secret does not decrypt (bad padding)");
		goto out;
	}
	for (gsize i = nvalue - pad; i < nvalue; i++)
		if (plain[i] != pad) {
			snprintf(err, errlen, "libsecret: the secret does not decrypt (bad padding)");
			goto out;
		}
	n = nvalue - pad;
	value = plain;
copy:
	if (n == 0) {
		rc = CCRED_STORE_NOTFOUND; /* the caller says which key */
		goto out;
	}
	if (n > bufsize || n > CCRED_STORE_SECRET_MAX) {
		snprintf(err, errlen, "libsecret: secret longer than %zu bytes", bufsize);
		goto out;
	}
	memcpy(buf, value, n);
	*len = n;
	rc = CCRED_STORE_OK;
out:
	EVP_CIPHER_CTX_free(c);
	if (plain) {
		op->ls->svc->wipe(plain, nvalue);
		g_free(plain);
	}
	if (vparam)
		g_variant_unref(vparam);
	if (vvalue)
		g_variant_unref(vvalue);
	return rc;
}

/* GetSecrets for one item in our own session.  NOTFOUND: the service gave
 * nothing for it (err not written). */
static int load_secret(struct op *op, const char *path, char *buf, size_t bufsize, size_t *len,
                       char *err, size_t errlen)
{
	const char *doing = "reading the secret";
	const char *items[] = {path, NULL};
	struct session s;
	GVariant *reply = NULL, *dict = NULL, *secret = NULL;
	GError *e = NULL;
	int rc;

	*len = 0;
	rc = session_open(op, &s, err, errlen);
	if (rc != CCRED_STORE_OK)
		return rc;
	reply = service_call(op, g_dbus_proxy_get_object_path(G_DBUS_PROXY(op->service)),
	                     "org.freedesktop.Secret.Service", "GetSecrets",
	                     g_variant_new("(^aoo)", items, s.path), "(a{o(oayays)})", &e);
	if (!reply) {
		rc = call_failed(op, e, doing, err, errlen);
		goto out;
	}
	dict = g_variant_get_child_value(reply, 0);
	secret = g_variant_lookup_value(dict, path, G_VARIANT_TYPE("(oayays)"));
	rc = secret ? session_decode(op, &s, secret, buf, bufsize, len, err, errlen)
	            : CCRED_STORE_NOTFOUND;
out:
	session_close(op, &s);
	if (secret)
		g_variant_unref(secret);
	if (dict)
		g_variant_unref(dict);
	if (reply)
		g_variant_unref(reply);
	g_clear_error(&e);
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
