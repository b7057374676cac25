/* SPDX-License-Identifier: MIT */
/*
 * libccred - OAuth2 client_credentials tokens from a secret kept in a store.
 *
 * The ccred command is built on this header alone. Typical use:
 *
 *     struct ccred_ctx *ctx;
 *     struct ccred_token *tok;
 *     if (ccred_open(&ctx, NULL, 0) != CCRED_OK) ...
 *     if (ccred_token_get(ctx, NULL, &tok) != CCRED_OK)
 *         fprintf(stderr, "%s\n", ccred_errmsg(ctx));
 *     use(ccred_token_value(tok));
 *     ccred_token_free(tok);
 *     ccred_close(ctx);
 *
 * Ownership: every object returned through an out-pointer belongs to the
 * caller and is released with its matching _free/_close.  Strings returned by
 * accessors belong to the object they were read from.
 */
#ifndef CCRED_CCRED_H
#define CCRED_CCRED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && defined(CCRED_BUILDING_LIBRARY)
#define CCRED_API __attribute__((visibility("default")))
#else
#define CCRED_API
#endif

/*
 * Errors.  Append-only: values are never renumbered or reused.
 * ccred_exit_code() maps each to the sysexits status the command uses.
 */
typedef enum {
	CCRED_OK = 0,
	CCRED_E_USAGE = 1,     /* bad argument from the caller */
	CCRED_E_INPUT = 2,     /* malformed protocol input */
	CCRED_E_NOSECRET = 3,  /* no store holds the secret, or none is available */
	CCRED_E_TEMPFAIL = 4,  /* network error, timeout, 5xx/429 after retries */
	CCRED_E_PROTOCOL = 5,  /* endpoint answered something that is not a token */
	CCRED_E_REJECTED = 6,  /* provider rejected the client (OAuth2 error) */
	CCRED_E_CONFIG = 7,    /* configuration error */
	CCRED_E_NOMEM = 8,     /* out of memory */
	CCRED_E_NOPROFILE = 9, /* no profile answers (a URL no profile matches) */
	CCRED_E_INTERNAL = 10, /* module missing or broken, system call failed */
	CCRED_E_READONLY = 11, /* no writable store in the stack */
} ccred_error;

/* A short, static description of an error code. */
CCRED_API const char *ccred_strerror(ccred_error err);
/* The sysexits status for an error code (0, 64, 65, 69, 70, 75, 76, 77, 78). */
CCRED_API int ccred_exit_code(ccred_error err);
/* The library's version string (the package version). */
CCRED_API const char *ccred_version(void);

struct ccred_ctx;
struct ccred_token;

/* Flags for ccred_open(). */
#define CCRED_OPEN_NO_SYSTEM  0x1u /* skip $(sysconfdir)/ccred/config{,.d} */
#define CCRED_OPEN_MISSING_OK 0x2u /* config_path or $CCRED_CONFIG may not exist yet */

/*
 * Open a context.  config_path NULL reads the system config, its config.d
 * drop-ins, then the user config ($CCRED_CONFIG, else
 * ${XDG_CONFIG_HOME:-~/.config}/ccred/config; a missing user file is fine).
 * A non-NULL config_path replaces the user config (the system files are still
 * read first unless CCRED_OPEN_NO_SYSTEM).  On failure *ctxp is still set
 * when memory allowed, so ccred_errmsg(*ctxp) explains; close it either way.
 */
CCRED_API ccred_error ccred_open(struct ccred_ctx **ctxp, const char *config_path,
                                 unsigned int flags);
CCRED_API void ccred_close(struct ccred_ctx *ctx);

/* The detail message of the last error on ctx ("" when none). */
CCRED_API const char *ccred_errmsg(const struct ccred_ctx *ctx);

/* Verbose tracing to stderr; secrets and tokens are always redacted. */
CCRED_API void ccred_set_verbose(struct ccred_ctx *ctx, int level);

/*
 * Seconds of validity a handed-out token must still have; negative restores
 * the profile's setting (default 60, capped at half the token's lifetime).
 */
CCRED_API void ccred_set_min_ttl(struct ccred_ctx *ctx, long seconds);

/*
 * Profile selection.  name NULL picks $CCRED_PROFILE, then "default", then
 * the only profile.  The chosen name is returned in *chosen (owned by ctx),
 * which may be NULL.
 */
CCRED_API ccred_error ccred_profile_select(struct ccred_ctx *ctx, const char *name,
                                           const char **chosen);
/*
 * Select the profile whose `url` is the longest prefix of url (git's
 * credential.<url> matching), for a caller that names a URL.  A token must
 * only go to a host it was meant for, so $CCRED_PROFILE and the
 * "default"/only-profile fallbacks never apply, and a non-NULL name applies
 * only when that profile has no `url` lines or one of them matches url.
 * CCRED_E_NOPROFILE when no profile answers for url.
 */
CCRED_API ccred_error ccred_profile_select_url(struct ccred_ctx *ctx, const char *name,
                                               const char *url, const char **chosen);

/* The name of the selected profile, or NULL before one is selected. */
CCRED_API const char *ccred_profile_current(const struct ccred_ctx *ctx);

/* Get a token for the selected profile (selecting by name first if non-NULL). */
CCRED_API ccred_error ccred_token_get(struct ccred_ctx *ctx, const char *profile,
                                      struct ccred_token **tokp);
CCRED_API const char *ccred_token_value(const struct ccred_token *tok);
/* "Bearer" for any case of bearer; otherwise as the server said it. */
CCRED_API const char *ccred_token_type(const struct ccred_token *tok);
/* Unix time the token expires at (local request start + expires_in). */
CCRED_API time_t ccred_token_expires_at(const struct ccred_token *tok);
/* Granted scope, or "" when the server named none. */
CCRED_API const char *ccred_token_scope(const struct ccred_token *tok);
/* Wipes and frees. NULL is fine. */
CCRED_API void ccred_token_free(struct ccred_token *tok);

/*
 * Refresh ahead (ccred.conf(5), refresh_ahead).  A token that ccred_token_get
 * took from the cache inside its refresh window (from refresh_ahead seconds
 * before expiry down to min_ttl) is handed out as any hit, and
 * ccred_token_refresh_due(tok) is non-zero: a refresh is due.  It is zero for
 * a token just fetched, outside the window, with refresh_ahead = 0 or
 * cache = no, while a refresh of the same token is at work, and for 10 s
 * after one failed.  tok NULL gives 0.
 *
 * The library never forks or starts a thread: a program that wants the
 * token renewed before its callers have to wait calls ccred_token_refresh
 * itself, after it has used the token, where waiting does not hurt it:
 *
 *     if (ccred_token_refresh_due(tok)) {
 *         ccred_refresh_state st;
 *         if (ccred_token_refresh(ctx, NULL, &st) != CCRED_OK) ... // cache unchanged
 *     }
 *
 * ccred_token_refresh takes the fetch lock without waiting, reads the cached
 * entry again, and only when it is still inside its window (and no refresh
 * failed in the last 10 s) fetches a token, bounded by the profile's
 * timeout, and writes the cache as any fetch does.  *state says what it did;
 * CCRED_OK with CCRED_REFRESH_BUSY, _BACKOFF or _NOT_DUE is no failure.  A
 * failed fetch returns its error (ccred_errmsg explains), leaves the cached
 * token in place and holds further refreshes off for 10 s, for every process
 * of the user.
 *
 * To do it in the background as the ccred command does, run it in a process
 * of its own (fork, setsid, stdio on /dev/null, a new context opened in the
 * child).  Forking a multithreaded program is another matter: only
 * async-signal-safe calls are allowed in the child, and ccred_token_refresh is
 * not one (it allocates and may load libcurl).  Such a program calls it from
 * a thread of its own, on a context of that thread's (ccred_open there: a
 * context is never shared between threads), or execs `ccred token` in a child
 * whose output it discards.
 */
CCRED_API int ccred_token_refresh_due(const struct ccred_token *tok);
/* What ccred_token_refresh did.  Append-only. */
typedef enum {
	CCRED_REFRESH_DONE = 0,    /* a new token was fetched and cached */
	CCRED_REFRESH_NOT_DUE = 1, /* nothing cached, outside the window, or refresh is off */
	CCRED_REFRESH_BUSY = 2,    /* another process holds the fetch lock */
	CCRED_REFRESH_BACKOFF = 3, /* a refresh failed (or began) less than 10 s ago */
} ccred_refresh_state;
/* Refresh the cached token of the selected profile (selecting by name first
 * if non-NULL) when it is due; see above. */
CCRED_API ccred_error ccred_token_refresh(struct ccred_ctx *ctx, const char *profile,
                                          ccred_refresh_state *state);

/* Drop the cached token of the selected profile (or of every profile). */
CCRED_API ccred_error ccred_cache_drop(struct ccred_ctx *ctx, int all_profiles);

/*
 * RFC 7009: revoke the selected profile's cached access token at its
 * revocation_url (else its issuer's discovered revocation_endpoint), with
 * the profile's client authentication.  The cache is
 * left as it is (ccred_cache_drop is the caller's next step, whatever this
 * returns).  CCRED_OK when nothing is cached; CCRED_E_CONFIG when there
 * is no revocation endpoint; the provider's refusal as for a token.
 */
CCRED_API ccred_error ccred_token_revoke(struct ccred_ctx *ctx);

/*
 * Profile properties, for listing and for protocols.  Keys are the config
 * keys ("token_url", "client_id", "username" (defaults to client_id), ...);
 * NULL when unset.  Owned by ctx.
 */
CCRED_API const char *ccred_profile_get(struct ccred_ctx *ctx, const char *profile,
                                        const char *key);
/* Number of profiles, and the name of the i-th, in the order first seen. */
CCRED_API size_t ccred_profile_count(const struct ccred_ctx *ctx);
CCRED_API const char *ccred_profile_name(const struct ccred_ctx *ctx, size_t i);
/* The i-th value of a list key ("url", "secret_store"); NULL past the end. */
CCRED_API const char *ccred_profile_list(struct ccred_ctx *ctx, const char *profile,
                                         const char *key, size_t i);
/*
 * Seconds of life left in the cached token of a profile, without fetching;
 * -1 when nothing valid is cached.
 */
CCRED_API long ccred_cache_remaining(struct ccred_ctx *ctx, const char *profile);

/*
 * The client secret of the selected profile.  secret_set takes len bytes (a
 * trailing LF or CRLF is dropped) and writes them to the first writable store;
 * *where receives the store's description (owned by ctx).  secret_delete
 * erases from every writable store that holds it.  secret_status says which
 * store answers (in *where) without reading the value out of the library.
 */
CCRED_API ccred_error ccred_secret_set(struct ccred_ctx *ctx, const char *secret, size_t len,
                                       const char **where);
CCRED_API ccred_error ccred_secret_delete(struct ccred_ctx *ctx, const char **where);
CCRED_API ccred_error ccred_secret_status(struct ccred_ctx *ctx, const char **where);

/*
 * The key pair of a private_key_jwt (or TLS) profile: key_generate makes one
 * (type "ec" (P-256, also for NULL), "rsa" (2048 bits), "rsa3072" or
 * "ed25519") and puts the private key, as PEM, into the first writable store
 * (as ccred_secret_set does; *where names it).  Unless force, a store that
 * already holds something for the profile is left untouched and the result
 * is CCRED_E_CONFIG.  *jwks gets the public key as a JWK Set ({"keys":[...]},
 * kid the RFC 7638 thumbprint unless key_id is set) and, when cert is not
 * NULL and cert_days > 0, *cert a self-signed certificate (CN = client_id,
 * valid cert_days days) as PEM; both malloc'd, released with free().
 * key_public gives the stored key's public half again: the JWK Set, or, when
 * pem is non-zero, SubjectPublicKeyInfo PEM.  Neither ever hands out the
 * private key.  A store holding something that is not a usable key is
 * CCRED_E_CONFIG, and the message never shows what it holds.
 */
CCRED_API ccred_error ccred_key_generate(struct ccred_ctx *ctx, const char *type, int force,
                                         int cert_days, char **jwks, char **cert,
                                         const char **where);
CCRED_API ccred_error ccred_key_public(struct ccred_ctx *ctx, int pem, char **out);

/* Overwrite n bytes at p in a way the compiler cannot remove. */
CCRED_API void ccred_wipe(void *p, size_t n);

/* ------------------------------------------------------------------------
 * Setting up and diagnosing a profile (ccred configure, ccred doctor).
 */

/*
 * What the stores passed over by the last ccred_secret_set, _delete or
 * _status said (unavailable, locked, holding nothing, read-only), one store
 * a line as "STORE: what it said"; "" when none was passed over.  Owned by
 * ctx.  Never holds a secret.
 */
CCRED_API const char *ccred_secret_notes(const struct ccred_ctx *ctx);

/* What one store of a stack said when probed.  Append-only. */
typedef enum {
	CCRED_PROBE_HOLDS = 0,       /* the store holds the secret */
	CCRED_PROBE_EMPTY = 1,       /* reachable, holds no secret for the profile */
	CCRED_PROBE_UNAVAILABLE = 2, /* cannot be reached, or its module is not installed */
	CCRED_PROBE_LOCKED = 3,      /* reachable but locked */
	CCRED_PROBE_INSECURE = 4,    /* refused: the file's owner or mode is unsafe */
	CCRED_PROBE_ERROR = 5,       /* any other failure */
} ccred_probe;

/*
 * Probe the i-th store (from 0) of the selected profile's secret_store
 * stack, as a token request would read it, without the secret leaving the
 * library.  *detail (owned by ctx, valid until the next call on ctx) is what
 * the store said, beginning with its name.  CCRED_E_USAGE when the stack has
 * no i-th store; CCRED_E_CONFIG for a malformed secret_store line.
 */
CCRED_API ccred_error ccred_secret_probe(struct ccred_ctx *ctx, size_t i, ccred_probe *state,
                                         const char **detail);

/* What the i-th store of the stack is, as bits (append-only), so that a
 * caller need not match messages or store names. */
#define CCRED_PROBE_F_NOT_INSTALLED 0x1u /* its module is not installed */
#define CCRED_PROBE_F_WRITABLE      0x2u /* it can take a secret (ccred_secret_set) */

/*
 * Open the i-th store of the selected profile's stack without reading it
 * (no secret is read, no command of a command store runs) and set *flags.
 * A store that is installed but cannot be opened (unavailable) has no bit
 * set.  CCRED_E_USAGE when the stack has no i-th store; CCRED_E_CONFIG for
 * a malformed secret_store line; CCRED_E_INTERNAL for a broken module.
 */
CCRED_API ccred_error ccred_secret_probe_flags(struct ccred_ctx *ctx, size_t i,
                                               unsigned int *flags);

/* The i-th configuration file ccred_open read (system files first), or NULL
 * past the end.  Owned by ctx. */
CCRED_API const char *ccred_config_file(const struct ccred_ctx *ctx, size_t i);

/*
 * Write profile `name` into a configuration file, keeping every other line
 * as it was: other profiles, [defaults], comments and blank lines.
 *
 * settings is a NULL-terminated array of key, value pairs, e.g.
 *     { "token_url", "https://...", "client_id", "me",
 *       "secret_store", "libsecret", "secret_store", "file ~/.x", NULL }.
 * Every line of the profile that sets a key named in settings is removed,
 * then each pair with a non-empty value is written, in order, into the
 * profile's section (a new section is appended when the file has none).
 * A key paired with "" is only removed.  Keys not named stay as they were.
 *
 * path NULL means the user configuration ($CCRED_CONFIG, else
 * ${XDG_CONFIG_HOME:-~/.config}/ccred/config); missing directories of it
 * are created with mode 0700.  A symbolic link is written through.  The new
 * text must parse, else nothing is written (CCRED_E_CONFIG; CCRED_E_USAGE
 * for a bad name, key or value).  It is written to a temporary file in the
 * same directory, synced and renamed over the old file (mode 0600), so a
 * crash leaves the old file or the new one.  *written receives the path
 * written (owned by ctx).  The configuration loaded in ctx is unchanged:
 * open a new context to use the new profile.
 */
CCRED_API ccred_error ccred_config_write_profile(struct ccred_ctx *ctx, const char *path,
                                                 const char *name, const char *const *settings,
                                                 const char **written);

/*
 * Check one value for a configuration key as the configuration parser would
 * (a token_url or issuer is https, or http to a loopback address; numbers in
 * range; auth_method known; ...), so a caller can refuse it when it is given.
 * CCRED_OK; CCRED_E_USAGE for an unknown key; CCRED_E_CONFIG with
 * ccred_errmsg saying why the value is refused.
 */
CCRED_API ccred_error ccred_config_check_value(struct ccred_ctx *ctx, const char *key,
                                               const char *value);

/*
 * The client authentication methods (auth_method; SPEC "Client
 * authentication"), from the library's one table of them.
 * ccred_auth_method_canonical: the method's name for a word that is its
 * name or its short form ("post", "basic"), NULL when it names none.
 * ccred_auth_method_info: the i-th method's name (0, 1, ...; NULL past the
 * last) and, through each pointer that is not NULL, its short form (NULL
 * when it has none), Keycloak's label for it and its CCRED_AUTH_F_ flags:
 * for --help, prompts and advice that list them.
 */
/*
 * Helpers the command shares with the library, so each rule is written
 * once.  ccred_nearest: the candidate (of n) within an edit distance of 2
 * of word, the nearest, or NULL: for "did you mean" after a typo.
 * ccred_suggest_command: "ccred [-c CONFIG] [-p PROFILE]" into buf (either
 * NULL: left out), each value quoted for a POSIX shell when it needs it,
 * cut to len (a message, never a command that is run); returns buf.
 * ccred_ascii_is: whether s is of the class (false for NULL): VISIBLE,
 * non-empty and every byte 0x21-0x7e, what a token may hold; PRINTABLE,
 * every byte 0x20-0x7e, what a scope may hold (RFC 6749 3.3).
 */
CCRED_API const char *ccred_nearest(const char *word, const char *const *candidates, size_t n);
CCRED_API const char *ccred_suggest_command(char *buf, size_t len, const char *config,
                                            const char *profile);
#define CCRED_ASCII_VISIBLE   1u
#define CCRED_ASCII_PRINTABLE 2u
CCRED_API int ccred_ascii_is(const char *s, unsigned int cls);

#define CCRED_AUTH_F_PRIVATE_KEY 0x1u /* the stores hold a private key, not a secret */
CCRED_API const char *ccred_auth_method_canonical(const char *word);
CCRED_API const char *ccred_auth_method_info(size_t i, const char **alias, const char **keycloak,
                                             unsigned *flags);

/*
 * Apply settings (as ccred_config_write_profile takes them) to the
 * configuration loaded in ctx, in memory only, and select profile `name`
 * as it would read once written.  Nothing is written anywhere: the caller
 * can prove the profile (ccred_check) before ccred_config_write_profile.
 * CCRED_E_USAGE for a bad name, key or value; CCRED_E_CONFIG when a value
 * is refused or the profile would not be complete.
 */
CCRED_API ccred_error ccred_profile_preview(struct ccred_ctx *ctx, const char *name,
                                            const char *const *settings);

/*
 * A secret held in ctx, in memory only (wiped by ccred_close or the next
 * stage), so that a new secret is proved before it replaces anything: while
 * one is staged, ccred_check(CCRED_CHECK_TOKEN) uses it instead of the
 * stores.  ccred_secret_stage takes len bytes as ccred_secret_set does
 * (secret NULL drops what is staged).  ccred_secret_stage_stored stages the
 * secret that the stores of the profile selected in `from` hold (a profile
 * whose token endpoint or client_id changes keeps its secret that way);
 * the secret never leaves the library.  ccred_secret_commit writes the
 * staged secret to the selected profile's first writable store, as
 * ccred_secret_set does, then drops it; CCRED_E_USAGE when none is staged.
 */
CCRED_API ccred_error ccred_secret_stage(struct ccred_ctx *ctx, const char *secret, size_t len);
CCRED_API ccred_error ccred_secret_stage_stored(struct ccred_ctx *ctx, struct ccred_ctx *from);
CCRED_API ccred_error ccred_secret_commit(struct ccred_ctx *ctx, const char **where);

/*
 * Progress of a token request, for a caller that shows it (the library
 * never writes to a terminal).  fn is called at the start of each attempt
 * at an endpoint (attempt counts from 1, of at most max_attempts, with
 * ms_left of the profile's timeout left), and once with attempt 0 when the
 * exchange is over, whatever its outcome.  endpoint is the configured
 * token_url or issuer (never a URL a server gave), owned by ctx.  Never
 * called on a cache hit.  fn NULL removes the hook.
 */
typedef void (*ccred_progress_fn)(void *data, const char *endpoint, int attempt, int max_attempts,
                                  long ms_left);
CCRED_API void ccred_set_progress(struct ccred_ctx *ctx, ccred_progress_fn fn, void *data);

/* Diagnostic steps of ccred_check().  Append-only. */
typedef enum {
	CCRED_CHECK_DNS = 1,   /* resolve the endpoint's host (its proxy's, if one applies) */
	CCRED_CHECK_TCP = 2,   /* connect to it */
	CCRED_CHECK_TLS = 3,   /* TLS handshake, certificate verified with the profile's CA */
	CCRED_CHECK_TOKEN = 4, /* a real token request, past the cache; the token is discarded */
	CCRED_CHECK_CACHE = 5, /* the token cache directory's owner and modes, and its files' */
} ccred_check_step;

/*
 * Run one diagnostic step for the selected profile.  The endpoint is the
 * token_url, else the issuer.  On success *detail (owned by ctx, valid until
 * the next call on ctx) says what was found; it never holds a secret or a
 * token.  On failure the error is the one a token request meets at that step
 * (CCRED_E_TEMPFAIL for DNS, TCP and TLS; the provider's answer for TOKEN;
 * CCRED_E_CONFIG for an unsafe cache directory) and ccred_errmsg explains.
 * TLS on a plain-http (loopback) endpoint succeeds, saying it is not used.
 * CACHE only looks; it creates and changes nothing.
 */
CCRED_API ccred_error ccred_check(struct ccred_ctx *ctx, ccred_check_step step,
                                  const char **detail);

#ifdef __cplusplus
}
#endif
#endif /* CCRED_CCRED_H */
