/* SPDX-License-Identifier: MIT */
/*
 * Declarations shared inside libccred.  Names: ccred_ public (exported),
 * ccredi_ internal (hidden by -fvisibility=hidden and never matched by the
 * ^ccred_ export pattern), everything else static.
 */
#ifndef CCRED_INT_H
#define CCRED_INT_H

#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <ccred/ccred.h>
#include <ccred/store.h>

#include "cryptomod.h"
#include "http.h"
#include "jsonmod.h"
#include "sys.h"

#define CCREDI_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ------------------------------------------------------------ buf.c */
struct ccredi_buf {
	char *p;
	size_t len, cap;
};
int ccredi_buf_add(struct ccredi_buf *b, const char *s, size_t n);
int ccredi_buf_adds(struct ccredi_buf *b, const char *s);
int ccredi_buf_addf(struct ccredi_buf *b, const char *fmt, ...) CCREDI_PRINTF(2, 3);
/* Appends s form-urlencoded (application/x-www-form-urlencoded). */
int ccredi_buf_add_urlenc(struct ccredi_buf *b, const char *s, size_t n);
/* Appends data base64url-encoded without padding (JWS, JWK). */
int ccredi_buf_add_b64url(struct ccredi_buf *b, const void *data, size_t n);
/* Appends "&name=value" to a form body ("name=value" when it is empty),
 * the value form-urlencoded; nothing for a NULL value. */
int ccredi_buf_add_param(struct ccredi_buf *b, const char *name, const char *value);
/* Wipes, then frees. */
void ccredi_buf_clear(struct ccredi_buf *b);

/* ------------------------------------------------------------ sys.c */
/* The rest of sys.c is in sys.h, which the built-in stores share. */
/* Appends all of fd to b: 0, -1 read error (errno), -2 over max bytes,
 * -3 out of memory. */
int ccredi_read_to_buf(int fd, struct ccredi_buf *b, size_t max);

struct ccredi_strlist {
	char **v;
	size_t n;
};
int ccredi_strlist_add(struct ccredi_strlist *l, const char *s);
void ccredi_strlist_clear(struct ccredi_strlist *l);

/* Strict decimal parse of a whole string; false on junk or overflow. */
bool ccredi_parse_long(const char *s, long min, long max, long *out);
/* Split like a shell's simple words: whitespace, '…' and "…" quoting,
 * backslash inside "…" and outside quotes. No expansion. */
int ccredi_split_words(const char *s, struct ccredi_strlist *out, char *err, size_t errlen);

/* ------------------------------------------------------------ secmem.c */
void ccredi_wipe(void *p, size_t n);
void ccredi_freezero(void *p, size_t n);
void ccredi_free_secret_str(char *s); /* wipe strlen(s) bytes, free */

/* ------------------------------------------------------------ shown.c */
/* Non-empty, every byte 0x21-0x7e: what an access token may hold. */
bool ccredi_visible_ascii(const char *s);
/* Every byte 0x20-0x7e (RFC 6749 3.3 scope); false for NULL. */
bool ccredi_printable_ascii(const char *s);
/* A token_type ccred hands out: absent, or "bearer" in any case. */
bool ccredi_is_bearer(const char *type);
/* Server text shown to a person: bytes outside 0x20-0x7e as \xNN, a
 * backslash doubled, cut (ending "...") to CCREDI_SHOWN_MAX bytes or
 * dstlen - 1, whichever is less.  Returns dst. */
#define CCREDI_SHOWN_MAX 512
const char *ccredi_shown(char *dst, size_t dstlen, const char *s);
char *ccredi_strdup(const char *s); /* NULL-safe strdup */

/* ------------------------------------------------------------ config.c */
/*
 * The config keys, once: each line generates the key's name, its place in
 * enum ccredi_key, its validator in the parser (config.c's value_ok), its
 * field in struct ccredi_profile with the default ccredi_profile_resolve
 * gives it, and its case in ccred_profile_get.  A new key is one line here
 * plus its validator (config.c) and its man page entry.
 *
 * KEY(ID, name, TYPE, check, default)
 *   TYPE STR: const char *name in the profile, the value as written
 *             (empty: unset); ccred_profile_get returns it.
 *   TYPE LONG / BOOL: long / bool name, parsed from a valid value;
 *             ccred_profile_get returns the value as written.
 *   check: the validator, bool check(const char *v, char *why, size_t len).
 *   default: the profile's value when the key is unset.
 * Scalar keys first; the list keys (repeatable lines) after them:
 * LIST(ID, name, field, check), a const struct ccredi_strlist *field.
 */
/* clang-format off */
#define CCREDI_KEYS(KEY)                                                        \
	KEY(TOKEN_URL, token_url, STR, check_endpoint, NULL)                   \
	KEY(ISSUER, issuer, STR, check_endpoint, NULL)                         \
	KEY(CLIENT_ID, client_id, STR, check_any, NULL)                        \
	KEY(SCOPE, scope, STR, check_any, NULL)                                \
	KEY(AUDIENCE, audience, STR, check_any, NULL)                          \
	KEY(RESOURCE, resource, STR, check_any, NULL)                          \
	KEY(AUTH_METHOD, auth_method, STR, check_auth_method, "client_secret_post") \
	KEY(MIN_TTL, min_ttl, LONG, check_min_ttl, -1) /* -1: the default rule */ \
	KEY(CA_FILE, ca_file, STR, check_any, NULL)                            \
	KEY(CA_PATH, ca_path, STR, check_any, NULL)                            \
	KEY(PROXY, proxy, STR, check_any, NULL)                                \
	KEY(TIMEOUT, timeout, LONG, check_timeout, 30) /* seconds */           \
	KEY(USERNAME, username, STR, check_any, NULL) /* then client_id */     \
	KEY(CACHE, cache, BOOL, check_yes_no, true)                            \
	KEY(REFRESH_AHEAD, refresh_ahead, LONG, check_refresh_ahead, -1) /* -1: the default rule; 0: off */ \
	KEY(SIGNING_ALG, signing_alg, STR, check_signing_alg, NULL)            \
	KEY(KEY_ID, key_id, STR, check_key_id, NULL) /* then the thumbprint */ \
	KEY(REVOCATION_URL, revocation_url, STR, check_endpoint, NULL)         \
	KEY(TLS_CERT, tls_cert, STR, check_path, NULL) /* read when used */     \
	/* end of the scalar keys */
#define CCREDI_LIST_KEYS(LIST)                                                  \
	LIST(URL, url, urls, check_url_pattern)                                \
	LIST(SECRET_STORE, secret_store, stores, check_store_line)             \
	/* end of the list keys */
/* clang-format on */

/* The C type of each TYPE. */
#define CCREDI_KEYTYPE_STR  const char *
#define CCREDI_KEYTYPE_LONG long
#define CCREDI_KEYTYPE_BOOL bool

#define CCREDI_KEY_ENUM(id, name, type, check, dflt) K_##id,
#define CCREDI_LIST_ENUM(id, name, field, check)     K_##id,
/* One generated list a line: kept as written. */
/* clang-format off */
enum ccredi_key {
	CCREDI_KEYS(CCREDI_KEY_ENUM)
	K_NSCALAR,
	K_LIST_BEFORE_FIRST = K_NSCALAR - 1, /* the first list key is K_NSCALAR */
	CCREDI_LIST_KEYS(CCREDI_LIST_ENUM)
	K_NKEYS
};
/* clang-format on */
#define CCREDI_NLISTS (K_NKEYS - K_NSCALAR)

struct ccredi_section {
	char *name; /* profile name; NULL for [defaults] */
	char *val[K_NSCALAR];
	struct ccredi_strlist list[CCREDI_NLISTS];
	bool list_set[CCREDI_NLISTS];
	unsigned list_seq[CCREDI_NLISTS]; /* section occurrence that last set it */
	char *file;                       /* where it was first declared */
	int line;
	/* Contained errors (SPEC "Configuration"): a bad value, or an unknown
	 * key in a profile, fails only the profiles that use it, so they are
	 * kept here ("FILE:LINE: why") and reported when a profile is resolved. */
	char *bad[K_NKEYS]; /* the last value of key k (or an entry of list k) */
	char *unknown;      /* the first unknown key of this profile section */
};

struct ccredi_config {
	struct ccredi_section defaults;
	struct ccredi_section *profiles;
	size_t nprofiles;
	struct ccredi_strlist files; /* files read, in order */
	unsigned occurrences;        /* [section] headers seen, across files */
};

/* A profile with [defaults] folded in and defaults applied (CCREDI_KEYS). */
#define CCREDI_KEY_FIELD(id, name, type, check, dflt) CCREDI_KEYTYPE_##type name;
#define CCREDI_LIST_FIELD(id, name, field, check)     const struct ccredi_strlist *field;
struct ccredi_profile {
	const char *name;
	CCREDI_KEYS(CCREDI_KEY_FIELD)
	CCREDI_LIST_KEYS(CCREDI_LIST_FIELD)
	const struct ccredi_section *sec;
};

int ccredi_key_lookup(const char *name);
const char *ccredi_key_name(int key);
/* Parses one file's text into cfg.  Returns CCRED_OK or CCRED_E_CONFIG with a
 * "FILE:LINE: ..." message in err for what breaks every profile (syntax, an
 * unknown key in [defaults]); a bad value or a profile's unknown key is kept
 * in its section and fails only ccredi_profile_resolve of the profiles
 * using it. */
ccred_error ccredi_config_parse(struct ccredi_config *cfg, const char *file, const char *text,
                                size_t len, char *err, size_t errlen);
/* Reads a file, refusing one that is not the user's or root's, or that others
 * may write.  missing_ok: ENOENT is not an error. */
ccred_error ccredi_config_read_file(struct ccredi_config *cfg, const char *path, bool missing_ok,
                                    char *err, size_t errlen);
void ccredi_config_clear(struct ccredi_config *cfg);
/* Checks a value for its key as the parser does; false with why. */
bool ccredi_config_value_ok(int key, const char *v, char *why, size_t whylen);
/* Letters, digits, - _ . @ (what a [profile NAME] header accepts). */
bool ccredi_profile_name_ok(const char *name);
struct ccredi_section *ccredi_config_find(const struct ccredi_config *cfg, const char *name);
/* A profile's contained error (a bad value, its own or inherited, or an
 * unknown key in its section) into err; CCRED_OK when it has none. */
ccred_error ccredi_profile_value_error(const struct ccredi_config *cfg, const char *name, char *err,
                                       size_t errlen);
/* Resolve and validate a profile (token_url or issuer, client_id present). */
ccred_error ccredi_profile_resolve(const struct ccredi_config *cfg, const char *name,
                                   struct ccredi_profile *out, char *err, size_t errlen);

/* ------------------------------------------------------------ urlmatch.c */
struct ccredi_url {
	char *scheme; /* lower case */
	char *host;   /* lower case, without [] for IPv6 */
	int port;     /* explicit or the scheme's default; 0 unknown */
	char *path;   /* starts with '/', or "" */
};
int ccredi_url_parse(const char *s, struct ccredi_url *u);
void ccredi_url_clear(struct ccredi_url *u);
bool ccredi_host_is_loopback(const char *host);
/* Length of the match of pattern against url as git's credential.<url> does
 * it, or -1 when it does not match. */
int ccredi_url_match(const struct ccredi_url *pattern, const struct ccredi_url *url);
/* For a token endpoint: https, or http on a loopback literal. */
bool ccredi_url_secure_enough(const char *url, char *why, size_t whylen);

/* ------------------------------------------------------------ json */
/* The parsers (struct ccredi_tokresp, ccredi_tokresp_parse, ccredi_jwt_exp,
 * ccredi_discovery_parse) are in jsonmod.h:
 * modules/json-c/json.c, reached through jsonload.c. */
void ccredi_tokresp_clear(struct ccredi_tokresp *r); /* fetch.c */
/* shown.c: a parsed token response ccred can hand out unchanged to every
 * caller: a visible-ASCII access_token, a token_type absent or "bearer" in
 * any case, a printable-ASCII scope (RFC 6749 3.3).  Anything else could
 * add a line, a header or an option to what ccred writes: CCRED_E_PROTOCOL
 * and why (any type named escaped).  On success token_type is dropped:
 * every output says Bearer. */
ccred_error ccredi_tokresp_vet(struct ccredi_tokresp *tr, char *why, size_t whylen);

/* ------------------------------------------------------------ the context */
struct ccredi_store_inst {
	struct ccred_store_vtable vt;
	void *state;
	char *line;
	bool not_installed; /* set when ccredi_store_open failed for that */
};

struct ccred_ctx {
	struct ccredi_config cfg;
	char errmsg[2048]; /* room for three shown server fields */
	int verbose;
	long min_ttl_override; /* -1 none */
	bool have_profile;
	struct ccredi_profile prof;
	char *where; /* description returned by secret_* */
	const struct ccredi_http_vtable *http;
	char *cache_dir;  /* resolved lazily */
	char *notes;      /* ccred_secret_notes() */
	char *detail;     /* ccred_secret_probe() and ccred_check() */
	char *written;    /* ccred_config_write_profile() */
	char *config_arg; /* the config_path given to ccred_open, for suggestions */
	char *staged;     /* ccred_secret_stage(): NUL-terminated, wiped */
	size_t staged_len;
	ccred_progress_fn progress; /* ccred_set_progress() */
	void *progress_data;
	/* What the stores this context opens are given (lib/stores.c). */
	struct ccred_store_services store_svc;
};

ccred_error ccredi_err(struct ccred_ctx *ctx, ccred_error code, const char *fmt, ...)
        CCREDI_PRINTF(3, 4);
void ccredi_trace(struct ccred_ctx *ctx, int level, const char *fmt, ...) CCREDI_PRINTF(3, 4);
/* The module directory: compiled in, or $CCRED_MODULE_DIR (tests). */
const char *ccredi_module_dir(void);
/* "ccred [-c FILE] [-p NAME]" into buf: the start of a command suggested in a
 * message, carrying the config the caller named and the profile (NULL: none). */
void ccredi_suggest(const struct ccred_ctx *ctx, const char *profile, char *buf, size_t len);

/* ------------------------------------------------------------ module.c */
/* The one module loader (lib/module.c says its lifetime and checks). */
struct ccredi_module {
	const char *name;    /* for messages: "HTTP", "JSON", a store's name */
	const char *file;    /* below the module directory, e.g. "stores/NAME.so" */
	const char *symbol;  /* the entry point */
	int abi;             /* > 0: entry() returns a table whose first member is
	                      * this ABI; 0: a store's initvt (its caller checks) */
	char path[4096];     /* out: the file loaded */
	void (*entry)(void); /* out: the entry point */
	const void *vt;      /* out: the table (abi > 0) */
};
/* MISSING: no such file; BROKEN: dlopen failed; ABI: no entry point, or
 * another ABI. */
enum { CCREDI_MODULE_OK, CCREDI_MODULE_MISSING, CCREDI_MODULE_BROKEN, CCREDI_MODULE_ABI };
/* Loads m once per process (kept mapped); why gets one line on failure. */
int ccredi_module_load(struct ccredi_module *m, char *why, size_t whylen);
/* The same for a module the caller cannot do without: CCRED_E_INTERNAL with
 * the message in ctx when it is missing or broken. */
ccred_error ccredi_module_require(struct ccred_ctx *ctx, struct ccredi_module *m);
/* Ensures a profile is selected (the default rule when none yet). */
ccred_error ccredi_need_profile(struct ccred_ctx *ctx);

/* ------------------------------------------------------------ cache.c */
struct ccredi_cache_entry {
	char *token; /* secret */
	char *token_type;
	char *scope;
	time_t obtained, expires;
};
void ccredi_cache_entry_clear(struct ccredi_cache_entry *e);
/* The cache key string of a profile, and its file stem (32 hex digits). */
int ccredi_cache_key(const struct ccredi_profile *p, struct ccredi_buf *key, char stem[33]);
/* The file stem of any key string (used for discovery entries). */
void ccredi_cache_stem(const char *key, size_t len, char stem[33]);
/* Opens the cache directory and checks it (ours, 0700, not a link); -1 +
 * why, and then it is not used for this call.  CREATE: make it when
 * missing.  REPAIR: make one of ours with a wrong mode 0700 when it holds
 * only names ccred writes.  A refused directory is never emptied, moved or
 * replaced. */
#define CCREDI_CACHE_CREATE 0x1u
#define CCREDI_CACHE_REPAIR 0x2u
int ccredi_cache_dir_open(struct ccred_ctx *ctx, unsigned int flags, char *why, size_t whylen);
/* Creates the missing directories above path, each 0700; -1 with errno. */
int ccredi_make_parents(char *path);
/* Reads an entry; 0 found, 1 absent/invalid (why says which). */
int ccredi_cache_read(int dirfd, const char *stem, const char *key, struct ccredi_cache_entry *e,
                      char *why, size_t whylen);
int ccredi_cache_write(int dirfd, const char *stem, const char *key,
                       const struct ccredi_cache_entry *e, char *why, size_t whylen);
int ccredi_cache_remove(int dirfd, const char *stem);
/* Removes every entry in the directory (lock files stay). */
void ccredi_cache_remove_all(int dirfd);
/* An entry's text (refused, -1 + why, when a field has characters its line
 * cannot hold), and its parser (exposed for the unit tests and fuzzers). */
int ccredi_cache_format(struct ccredi_buf *b, const char *key, const struct ccredi_cache_entry *e,
                        char *why, size_t whylen);
int ccredi_cache_parse(const char *text, size_t len, const char *key, struct ccredi_cache_entry *e,
                       char *why, size_t whylen);

/* The refresh record, STEM.refresh, beside the entry: the Unix time in ms
 * before which no refresh ahead starts.  read: 0, or -1 when there is no
 * valid record; write: 0, or -1 + why. */
int ccredi_refresh_record_read(int dirfd, const char *stem, long long *not_before_ms);
int ccredi_refresh_record_write(int dirfd, const char *stem, long long not_before_ms, char *why,
                                size_t whylen);
void ccredi_refresh_record_remove(int dirfd, const char *stem);

/* ------------------------------------------------------------ lock.c */
/* Takes an exclusive flock on STEM.lock within timeout_ms; returns the fd
 * or -1 (errno ETIMEDOUT on timeout).  *waited: another process held it. */
int ccredi_lock_take(int dirfd, const char *stem, long timeout_ms, bool *waited);
void ccredi_lock_release(int fd);

/* ------------------------------------------------------------ stores.c */
/* Reads the profile's secret through its store stack into a malloc'd,
 * NUL-terminated buffer of *len bytes (caller: ccredi_freezero(secret, *len)). */
ccred_error ccredi_secret_read(struct ccred_ctx *ctx, char **secret, size_t *len);
ccred_error ccredi_store_open(struct ccred_ctx *ctx, const char *line,
                              struct ccredi_store_inst *inst);
void ccredi_store_close(struct ccredi_store_inst *inst);
void ccredi_store_key(const struct ccredi_profile *p, struct ccred_store_key *k);
long ccredi_store_timeout_ms(const struct ccredi_profile *p);
const char *ccredi_store_result_name(int r);
void ccredi_store_note(struct ccredi_buf *b, const char *sep, const char *line, const char *what);
/* A walk down the profile's secret_store stack, one open store at a time:
 *	struct ccredi_store_walk w = {0};
 *	while (ccredi_store_next(ctx, &w, &inst, &rc)) { ...; ccredi_store_close(&inst); }
 *	if (rc != CCRED_OK) (a store that is installed but broken, or a bad line)
 * and ccredi_store_walk_clear(&w) at the end. */
struct ccredi_store_walk {
	size_t i;                /* index of the next secret_store line */
	const char *line;        /* the current store's line */
	struct ccredi_buf why;   /* what the stores said, "; "-joined, for an error */
	struct ccredi_buf notes; /* the same, one store a line, for ccred_secret_notes() */
};
/* Opens the next store into inst (the caller closes it).  A store that is not
 * installed or not available is noted and passed over.  false at the end of
 * the stack (*rc CCRED_OK) or when a store cannot be opened (*rc says why). */
bool ccredi_store_next(struct ccred_ctx *ctx, struct ccredi_store_walk *w,
                       struct ccredi_store_inst *inst, ccred_error *rc);
/* Notes what the current store said. */
void ccredi_store_walk_note(struct ccredi_store_walk *w, const char *what);
void ccredi_store_walk_clear(struct ccredi_store_walk *w);

/* The user config path ($CCRED_CONFIG, else ${XDG_CONFIG_HOME:-~/.config}/
 * ccred/config) into buf; -1 when neither that nor HOME is set. */
int ccredi_user_config_path(char *buf, size_t len);
/* The cache directory's path (malloc'd), or NULL when no place is known. */
char *ccredi_cache_dir_path(void);
/* Replaces *slot with a copy of s; returns the copy (NULL: out of memory). */
const char *ccredi_set_str(char **slot, const char *s);

/* ------------------------------------------------------------ auth.c */
/* What an auth method's apply is given, and fills in. */
struct ccredi_auth_request {
	struct ccred_ctx *ctx;             /* for errors (ccredi_err) and traces */
	const struct ccredi_profile *prof; /* client_id, and the method's own keys */
	const char *secret;                /* what the stores hold (NUL-terminated) */
	size_t secret_len;
	const char *endpoint;             /* the token endpoint (an assertion's aud) */
	struct ccredi_buf *form;          /* the form body: ccredi_buf_add_param */
	struct ccredi_http_request *http; /* Basic user and password, TLS ... */
	/* What apply makes for the request to point at (an encoded secret, an
	 * assertion, a key): wiped and freed by ccredi_auth_request_clear. */
	struct ccredi_buf owned[2];
};

/* One client authentication method: one entry of lib/auth.c's table.  The
 * names are arrays, not pointers, so the table costs no relocation at
 * start-up (a cache hit included); only apply does. */
struct ccredi_auth_method {
	char name[32];     /* the config's word, and the cache key's */
	char alias[16];    /* a short form for configure ("post"), or "" */
	char keycloak[48]; /* Keycloak's label, for doctor's advice */
	unsigned flags;    /* CCRED_AUTH_F_*: what the stores hold */
	/* Adds the client's proof to the request: form fields, Basic, TLS.
	 * CCRED_OK, or an error (with ccredi_err for more than out of memory). */
	ccred_error (*apply)(struct ccredi_auth_request *r);
};
/* The method named by its name or its short form; NULL for none. */
const struct ccredi_auth_method *ccredi_auth_find(const char *word);
/* The i-th method, NULL past the last. */
const struct ccredi_auth_method *ccredi_auth_at(size_t i);
/* The config's validator: a method's name, else false with why. */
bool ccredi_auth_method_ok(const char *v, char *why, size_t whylen);
/* Applies the profile's method to r (r->form and r->http set). */
ccred_error ccredi_auth_apply(struct ccredi_auth_request *r);
void ccredi_auth_request_clear(struct ccredi_auth_request *r);
/* client_secret_jwt, private_key_jwt: the method sends a signed assertion. */
bool ccredi_auth_signs(const char *method);
/* tls_client_auth, self_signed_tls_client_auth: the TLS handshake proves
 * the client, with the stored key and tls_cert. */
bool ccredi_auth_tls(const char *method);
/* The largest tls_cert file read (a certificate chain). */
#define CCREDI_TLS_CERT_MAX (256 * 1024)
/* The stores hold a PEM private key (CCRED_AUTH_F_PRIVATE_KEY). */
bool ccredi_auth_uses_key(const char *method);

/* ------------------------------------------------------------ token.c */
/* The min_ttl a cached token must still have (an explicit one, else 60 s
 * capped at half its lifetime). */
long ccredi_effective_min_ttl(const struct ccred_ctx *ctx, time_t obtained, time_t expires);
/* One fetch of the selected profile's token, written to the cache entry
 * STEM of key when dirfd >= 0. */
ccred_error ccredi_fetch_and_store(struct ccred_ctx *ctx, int dirfd, const char *stem,
                                   const char *key, struct ccred_token **tokp);

/* ------------------------------------------------------------ refresh.c */
/* Whether a hit on entry e (of the selected profile, cache entry STEM)
 * should start a refresh ahead: inside the window, and the refresh record
 * holds none off (one at work, or one failed less than 10 s ago). */
bool ccredi_refresh_due(struct ccred_ctx *ctx, int dirfd, const char *stem,
                        const struct ccredi_cache_entry *e);

/* ------------------------------------------------------------ fetch.c */
/* Asks the token endpoint; fills resp and the request start time. */
ccred_error ccredi_fetch(struct ccred_ctx *ctx, const char *secret, struct ccredi_tokresp *resp,
                         time_t *started);
/* The same with the profile's secret, read through its store stack and
 * wiped as soon as the request is made. */
ccred_error ccredi_fetch_stored(struct ccred_ctx *ctx, struct ccredi_tokresp *resp,
                                time_t *started);
ccred_error ccredi_http_load(struct ccred_ctx *ctx);

/* ------------------------------------------------------------ assertion.c */
/* The crypto module, loaded once per process; NULL with the error in ctx. */
const struct ccredi_crypto_vtable *ccredi_crypto(struct ccred_ctx *ctx);
/* What a store holds, as a key: CCRED_E_CONFIG saying what is wrong (never
 * showing it) when it is not a usable one. */
ccred_error ccredi_key_parse(struct ccred_ctx *ctx, const char *pem, size_t len,
                             struct ccredi_pkey **key);
/* Appends the compact JWS of a client assertion for the profile to out:
 * iss = sub = client_id, aud, a random jti, iat, exp 60 s later; HMAC with
 * secret (client_secret_jwt) or signed with the PEM key in secret
 * (private_key_jwt).  alg NULL: HS256 or the key's own; kid NULL: the key's
 * RFC 7638 thumbprint. */
ccred_error ccredi_assertion_make(struct ccred_ctx *ctx, const char *aud, const char *secret,
                                  size_t slen, const char *alg, const char *kid,
                                  struct ccredi_buf *out);

/* ------------------------------------------------------------ jsonload.c */
/* Loads the JSON module now (once per process), or says why it cannot. */
ccred_error ccredi_json_load(struct ccred_ctx *ctx);

#endif
