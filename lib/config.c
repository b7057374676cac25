/* SPDX-License-Identifier: MIT */
/*
 * The INI configuration: [defaults] and [profile NAME] sections of
 * key = value lines.  Whole-line comments start with # or ;.
 *
 * Hand-written rather than libinih: Debian's libinih is built with a
 * 200-byte line limit (a longer `command` store line would be split in two
 * silently) and with multi-line continuation (an indented line would become
 * a repeated key).  Both would misread valid configs without a word.
 */
#include "ccred-int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Generated from the key list: kept as written. */
/* clang-format off */
#define KEY_NAME(id, name, type, check, dflt) [K_##id] = #name,
#define LIST_NAME(id, name, field, check) [K_##id] = #name,
static const char *const key_names[K_NKEYS] = {
	CCREDI_KEYS(KEY_NAME) CCREDI_LIST_KEYS(LIST_NAME)
};
/* clang-format on */

int ccredi_key_lookup(const char *name)
{
	for (int k = 0; k < K_NKEYS; k++)
		if (strcmp(key_names[k], name) == 0)
			return k;
	return -1;
}

const char *ccredi_key_name(int key)
{
	return key >= 0 && key < K_NKEYS ? key_names[key] : NULL;
}

/* Levenshtein distance, giving up (returning 3) past 2 or on long words. */
static int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[65];

	if (la > 64 || lb > 64 || (la > lb ? la - lb : lb - la) > 2)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* One "did you mean" for the library (keys, profiles) and the command. */
CCRED_API const char *ccred_nearest(const char *word, const char *const *cand, size_t n)
{
	const char *best = NULL;
	int best_d = 3;

	for (size_t i = 0; i < n; i++) {
		int d = edit_distance(word, cand[i]);
		if (d < best_d) {
			best_d = d;
			best = cand[i];
		}
	}
	return best;
}

/* "unknown key 'tokenurl' (did you mean 'token_url'?)" */
static void unknown_key(char *buf, size_t len, const char *file, int line, const char *key)
{
	const char *near = ccred_nearest(key, key_names, K_NKEYS);

	if (near)
		snprintf(buf, len, "%s:%d: unknown key '%s' (did you mean '%s'?)", file, line, key,
		         near);
	else
		snprintf(buf, len, "%s:%d: unknown key '%s'", file, line, key);
}

static void section_clear(struct ccredi_section *s)
{
	free(s->name);
	free(s->file);
	for (int k = 0; k < K_NSCALAR; k++)
		free(s->val[k]);
	for (int i = 0; i < CCREDI_NLISTS; i++)
		ccredi_strlist_clear(&s->list[i]);
	for (int k = 0; k < K_NKEYS; k++)
		free(s->bad[k]);
	free(s->unknown);
	memset(s, 0, sizeof(*s));
}

void ccredi_config_clear(struct ccredi_config *cfg)
{
	section_clear(&cfg->defaults);
	for (size_t i = 0; i < cfg->nprofiles; i++)
		section_clear(&cfg->profiles[i]);
	free(cfg->profiles);
	ccredi_strlist_clear(&cfg->files);
	memset(cfg, 0, sizeof(*cfg));
}

struct ccredi_section *ccredi_config_find(const struct ccredi_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return &cfg->profiles[i];
	return NULL;
}

static bool valid_profile_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.' || *s == '@'))
			return false;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* The validators CCREDI_KEYS names: true, or false with why. */
static bool check_any(const char *v, char *why, size_t whylen)
{
	(void)v, (void)why, (void)whylen;
	return true;
}

static bool check_endpoint(const char *v, char *why, size_t whylen)
{
	return ccredi_url_secure_enough(v, why, whylen);
}

static bool check_auth_method(const char *v, char *why, size_t whylen)
{
	return ccredi_auth_method_ok(v, why, whylen);
}

static bool check_signing_alg(const char *v, char *why, size_t whylen)
{
	static const char *const algs[] = {"HS256", "HS384", "HS512", "RS256",
	                                   "PS256", "ES256", "EdDSA"};

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(v, algs[i]) == 0)
			return true;
	snprintf(why, whylen,
	         "signing_alg must be HS256, HS384 or HS512 (client_secret_jwt), "
	         "or RS256, PS256, ES256 or EdDSA (private_key_jwt)");
	return false;
}

static bool check_key_id(const char *v, char *why, size_t whylen)
{
	/* goes into JSON (a JWS header, a JWK) as it is */
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == '"' ||
		    *c == '\\') {
			snprintf(why, whylen, "key_id must be visible ASCII without \" or \\");
			return false;
		}
	return true;
}

static bool check_path(const char *v, char *why, size_t whylen)
{
	/* As the file store's PATH: a relative name would depend on the
	 * working directory, which git and docker choose for us. */
	if (v[0] != '/' && strncmp(v, "~/", 2) != 0) {
		snprintf(why, whylen, "tls_cert must be an absolute path or start with ~/");
		return false;
	}
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			snprintf(why, whylen, "tls_cert must not hold control characters");
			return false;
		}
	return true;
}

static bool check_min_ttl(const char *v, char *why, size_t whylen)
{
	long n;

	if (ccredi_parse_long(v, 0, 86400L * 366, &n))
		return true;
	snprintf(why, whylen, "min_ttl must be a number of seconds (0 or more)");
	return false;
}

static bool check_refresh_ahead(const char *v, char *why, size_t whylen)
{
	long n;

	if (ccredi_parse_long(v, 0, 86400L * 366, &n))
		return true;
	snprintf(why, whylen, "refresh_ahead must be a number of seconds (0 turns it off)");
	return false;
}

static bool check_timeout(const char *v, char *why, size_t whylen)
{
	long n;

	if (ccredi_parse_long(v, 1, 3600, &n))
		return true;
	snprintf(why, whylen, "timeout must be a number of seconds from 1 to 3600");
	return false;
}

static bool check_yes_no(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)
		return true;
	/* the key's name: the only yes/no key so far is cache */
	snprintf(why, whylen, "cache must be yes or no");
	return false;
}

static bool check_url_pattern(const char *v, char *why, size_t whylen)
{
	struct ccredi_url u = {0};
	bool ok = ccredi_url_parse(v, &u) == 0;

	ccredi_url_clear(&u);
	if (!ok)
		snprintf(why, whylen, "url '%s' is not a URL (scheme://host[:port][/path])", v);
	return ok;
}

static bool check_store_line(const char *v, char *why, size_t whylen)
{
	struct ccredi_strlist w = {0};
	char err[128] = "";
	bool ok = ccredi_split_words(v, &w, err, sizeof(err)) == 0 && w.n > 0;

	if (ok)
		for (const char *p = w.v[0]; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
				ok = false;
	if (!ok)
		snprintf(why, whylen, "secret_store '%s': %s", v,
		         *err ? err : "must start with a store name (libsecret, file, env, ...)");
	ccredi_strlist_clear(&w);
	return ok;
}

/* Checks a value for its key; writes why on failure.  A switch, not a
 * table of function pointers: each pointer would be one more relocation
 * at every start, a cache hit's included. */
/* Generated from the key list: kept as written. */
/* clang-format off */
#define KEY_CHECK(id, name, type, check, dflt) case K_##id: return check(v, why, whylen);
#define LIST_CHECK(id, name, field, check) case K_##id: return check(v, why, whylen);
static bool value_ok(int key, const char *v, char *why, size_t whylen)
{
	switch (key) {
	CCREDI_KEYS(KEY_CHECK)
	CCREDI_LIST_KEYS(LIST_CHECK)
	default:
		return true;
	}
}
/* clang-format on */

bool ccredi_config_value_ok(int key, const char *v, char *why, size_t whylen)
{
	return value_ok(key, v, why, whylen);
}

static struct ccredi_section *section_get(struct ccredi_config *cfg, const char *name,
                                          const char *file, int line)
{
	struct ccredi_section *s, *v;

	if (!name)
		s = &cfg->defaults;
	else if (!(s = ccredi_config_find(cfg, name))) {
		v = realloc(cfg->profiles, (cfg->nprofiles + 1) * sizeof(*v));
		if (!v)
			return NULL;
		cfg->profiles = v;
		s = &v[cfg->nprofiles];
		memset(s, 0, sizeof(*s));
		if (!(s->name = strdup(name)))
			return NULL;
		cfg->nprofiles++;
	}
	if (!s->file) {
		s->file = strdup(file);
		s->line = line;
	}
	return s;
}

ccred_error ccredi_config_parse(struct ccredi_config *cfg, const char *file, const char *text,
                                size_t len, char *err, size_t errlen)
{
	struct ccredi_section *sec = NULL;
	unsigned sec_seq = 0;
	char *copy, *line, *next;
	char why[512];
	int lineno = 0;
	ccred_error rc = CCRED_E_CONFIG;

	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: contains a NUL byte", file);
		return CCRED_E_CONFIG;
	}
	if (!(copy = malloc(len + 1))) {
		snprintf(err, errlen, "out of memory");
		return CCRED_E_NOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	/* A UTF-8 byte order mark is not part of the first line. */
	line = strncmp(copy, "\xEF\xBB\xBF", 3) == 0 ? copy + 3 : copy;

	for (; line; line = next) {
		char *s, *eq, *key, *val;
		bool bad;
		int k;

		lineno++;
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		for (const char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t') {
				snprintf(err, errlen, "%s:%d: control character in line", file,
				         lineno);
				goto out;
			}
		if (*s == '[') {
			char *end = strchr(s, ']');
			char *name;
			if (!end || end[1]) {
				snprintf(err, errlen, "%s:%d: malformed section header", file,
				         lineno);
				goto out;
			}
			*end = '\0';
			name = trim(s + 1);
			if (strcmp(name, "defaults") == 0) {
				name = NULL;
			} else if (strncmp(name, "profile", 7) == 0 &&
			           (name[7] == ' ' || name[7] == '\t')) {
				name = trim(name + 7);
				if (!valid_profile_name(name)) {
					snprintf(err, errlen,
					         "%s:%d: bad profile name '%s' (letters, digits, - "
					         "_ . @)",
					         file, lineno, name);
					goto out;
				}
			} else {
				snprintf(err, errlen,
				         "%s:%d: unknown section [%s] (expected [defaults] or "
				         "[profile NAME])",
				         file, lineno, name);
				goto out;
			}
			if (!(sec = section_get(cfg, name, file, lineno)))
				goto nomem;
			sec_seq = ++cfg->occurrences;
			continue;
		}
		if (!(eq = strchr(s, '='))) {
			snprintf(err, errlen, "%s:%d: expected key = value", file, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		k = ccredi_key_lookup(key);
		if (!sec) {
			if (k < 0)
				unknown_key(err, errlen, file, lineno, key);
			else
				snprintf(err, errlen, "%s:%d: '%s' outside a section", file, lineno,
				         key);
			goto out;
		}
		if (k < 0) {
			/* [defaults] reaches every profile: its typo fails them all.
			 * A profile's typo fails that profile only. */
			if (!sec->name) {
				unknown_key(err, errlen, file, lineno, key);
				goto out;
			}
			if (!sec->unknown) {
				unknown_key(why, sizeof(why), file, lineno, key);
				if (!(sec->unknown = strdup(why)))
					goto nomem;
			}
			continue;
		}
		bad = *val && !value_ok(k, val, why, sizeof(why));
		if (k < K_NSCALAR) {
			free(sec->val[k]);
			/* An empty value unsets, hiding what [defaults] gives.  A
			 * bad value is kept (profiles shows it) with its error. */
			if (!(sec->val[k] = strdup(val)))
				goto nomem;
			free(sec->bad[k]);
			sec->bad[k] = NULL;
		} else {
			int li = k - K_NSCALAR;
			if (sec->list_seq[li] != sec_seq) {
				ccredi_strlist_clear(&sec->list[li]);
				sec->list_seq[li] = sec_seq;
				sec->list_set[li] = true;
				free(sec->bad[k]);
				sec->bad[k] = NULL;
			}
			if (*val && !bad && ccredi_strlist_add(&sec->list[li], val) < 0)
				goto nomem;
		}
		if (bad && !sec->bad[k]) {
			char msg[600];
			snprintf(msg, sizeof(msg), "%s:%d: %s", file, lineno, why);
			if (!(sec->bad[k] = strdup(msg)))
				goto nomem;
		}
	}
	rc = CCRED_OK;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = CCRED_E_NOMEM;
out:
	free(copy);
	return rc;
}

ccred_error ccredi_config_read_file(struct ccredi_config *cfg, const char *path, bool missing_ok,
                                    char *err, size_t errlen)
{
	struct ccredi_buf b = {0};
	struct stat st;
	ccred_error rc = CCRED_E_CONFIG;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT && missing_ok)
			return CCRED_OK;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return CCRED_E_CONFIG;
	}
	/* A config names commands to run and where secrets go: refuse one that
	 * anybody but its user (or root) could have written. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		snprintf(err, errlen, "%s: owned by uid %u, not by you or root; refusing it", path,
		         (unsigned)st.st_uid);
		goto out;
	}
	if (st.st_mode & 022) {
		snprintf(err, errlen,
		         "%s: writable by group or others (mode %04o); run chmod go-w %s", path,
		         (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	switch (ccredi_read_to_buf(fd, &b, CCREDI_CONFIG_MAX)) {
	case -1: snprintf(err, errlen, "%s: %s", path, strerror(errno)); goto out;
	case -2: snprintf(err, errlen, "%s: larger than 1 MiB", path); goto out;
	case -3: rc = CCRED_E_NOMEM; goto out;
	}
	rc = ccredi_config_parse(cfg, path, b.p ? b.p : "", b.len, err, errlen);
	if (rc == CCRED_OK && ccredi_strlist_add(&cfg->files, path) < 0)
		rc = CCRED_E_NOMEM;
out:
	close(fd);
	ccredi_buf_clear(&b);
	return rc;
}

ccred_error ccredi_profile_value_error(const struct ccredi_config *cfg, const char *name, char *err,
                                       size_t errlen)
{
	const struct ccredi_section *s = ccredi_config_find(cfg, name);
	const struct ccredi_section *d = &cfg->defaults;

	if (!s)
		return CCRED_OK;
	if (s->unknown) {
		snprintf(err, errlen, "%s", s->unknown);
		return CCRED_E_CONFIG;
	}
	for (int k = 0; k < K_NKEYS; k++) {
		/* The section the value comes from: the profile's own, or
		 * [defaults] when the profile does not set the key. */
		bool own = k < K_NSCALAR ? s->val[k] != NULL : s->list_set[k - K_NSCALAR];
		const char *why = own ? s->bad[k] : d->bad[k];
		if (why) {
			snprintf(err, errlen, "%s", why);
			return CCRED_E_CONFIG;
		}
	}
	return CCRED_OK;
}

/* A value (NULL: unset) as its key's TYPE, or the default.  A value its
 * validator refused fails the profile (ccredi_profile_value_error), so
 * what these make of it is never used. */
static const char *as_STR(const char *v, const char *dflt)
{
	return v ? v : dflt;
}

static long as_LONG(const char *v, long dflt)
{
	long n;

	return v && ccredi_parse_long(v, LONG_MIN, LONG_MAX, &n) ? n : dflt;
}

static bool as_BOOL(const char *v, bool dflt)
{
	return v ? strcmp(v, "yes") == 0 : dflt;
}

ccred_error ccredi_profile_resolve(const struct ccredi_config *cfg, const char *name,
                                   struct ccredi_profile *p, char *err, size_t errlen)
{
	const struct ccredi_section *s = ccredi_config_find(cfg, name);
	const struct ccredi_section *d = &cfg->defaults;
	const char *v[K_NSCALAR];

	if (!s) {
		snprintf(err, errlen, "no profile '%s' in the configuration", name);
		return CCRED_E_CONFIG;
	}
	for (int k = 0; k < K_NSCALAR; k++) {
		v[k] = s->val[k] ? s->val[k] : d->val[k];
		if (v[k] && !*v[k])
			v[k] = NULL;
	}
	memset(p, 0, sizeof(*p));
	p->name = s->name;
	p->sec = s;
	/* Generated from the key list: kept as written. */
	/* clang-format off */
#define KEY_RESOLVE(id, name, type, check, dflt) p->name = as_##type(v[K_##id], dflt);
#define LIST_RESOLVE(id, name, field, check)                                                       \
	p->field = s->list_set[K_##id - K_NSCALAR] ? &s->list[K_##id - K_NSCALAR]                  \
	                                           : &d->list[K_##id - K_NSCALAR];
	CCREDI_KEYS(KEY_RESOLVE)
	CCREDI_LIST_KEYS(LIST_RESOLVE)
	/* clang-format on */
	if (!p->username)
		p->username = p->client_id;
	/* "post" and "client_secret_post" are one method and one cache key */
	if (ccredi_auth_find(p->auth_method))
		p->auth_method = ccredi_auth_find(p->auth_method)->name;

	if (ccredi_profile_value_error(cfg, name, err, errlen) != CCRED_OK)
		return CCRED_E_CONFIG;
	if (!p->token_url && !p->issuer) {
		snprintf(err, errlen, "%s:%d: profile '%s' has no token_url (or issuer)", s->file,
		         s->line, name);
		return CCRED_E_CONFIG;
	}
	if (!p->client_id) {
		snprintf(err, errlen, "%s:%d: profile '%s' has no client_id", s->file, s->line,
		         name);
		return CCRED_E_CONFIG;
	}
	/* HMAC for client_secret_jwt, a key's algorithm for private_key_jwt
	 * (which one fits the key is checked when the key is read). */
	if (p->signing_alg && strcmp(p->auth_method, "client_secret_jwt") == 0 &&
	    p->signing_alg[0] != 'H') {
		snprintf(err, errlen,
		         "%s:%d: profile '%s': signing_alg %s does not go with client_secret_jwt "
		         "(HS256, HS384 or HS512)",
		         s->file, s->line, name, p->signing_alg);
		return CCRED_E_CONFIG;
	}
	if (p->signing_alg && strcmp(p->auth_method, "private_key_jwt") == 0 &&
	    p->signing_alg[0] == 'H') {
		snprintf(err, errlen,
		         "%s:%d: profile '%s': signing_alg %s does not go with private_key_jwt "
		         "(RS256, PS256, ES256 or EdDSA)",
		         s->file, s->line, name, p->signing_alg);
		return CCRED_E_CONFIG;
	}
	if (!p->tls_cert && ccredi_auth_tls(p->auth_method)) {
		snprintf(err, errlen,
		         "%s:%d: profile '%s' has no tls_cert (auth_method %s needs one)", s->file,
		         s->line, name, p->auth_method);
		return CCRED_E_CONFIG;
	}
	return CCRED_OK;
}

bool ccredi_profile_name_ok(const char *name)
{
	return valid_profile_name(name);
}
