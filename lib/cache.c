/* SPDX-License-Identifier: MIT */
/*
 * The token cache: one small file per (endpoint, client_id, scope, audience,
 * resource, auth_method) under $XDG_RUNTIME_DIR/ccred (memory-backed, per
 * user), else ${XDG_CACHE_HOME:-~/.cache}/ccred.
 *
 * Every entry is written to a temp file in the same directory and renamed
 * over the old one, so a reader sees the old entry or the new one, whole.
 * The directory must be the user's and 0700, entries the user's and 0600,
 * opened without following links.  A refused entry is fetched anew and
 * replaced; a refused directory is not used, and never emptied or moved
 * (only names ccred writes are ever removed from it).
 */
#include "ccred-int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENTRY_MAGIC "ccred-cache 1"
#define ENTRY_MAX   (256 * 1024)

void ccredi_cache_entry_clear(struct ccredi_cache_entry *e)
{
	ccredi_free_secret_str(e->token);
	free(e->token_type);
	free(e->scope);
	memset(e, 0, sizeof(*e));
}

static uint64_t fnv1a(const char *s, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int key_field(struct ccredi_buf *b, const char *v)
{
	/* Unit separator between fields: config values cannot hold it. */
	return ccredi_buf_adds(b, v ? v : "") < 0 || ccredi_buf_add(b, "\x1f", 1) < 0 ? -1 : 0;
}

int ccredi_cache_key(const struct ccredi_profile *p, struct ccredi_buf *key, char stem[33])
{
	uint64_t h1, h2;

	if (ccredi_buf_adds(key, "v1\x1f") < 0 ||
	    key_field(key, p->token_url ? p->token_url : p->issuer) < 0 ||
	    key_field(key, p->token_url ? "" : "issuer") < 0 || key_field(key, p->client_id) < 0 ||
	    key_field(key, p->scope) < 0 || key_field(key, p->audience) < 0 ||
	    key_field(key, p->resource) < 0 || key_field(key, p->auth_method) < 0)
		return -1;
	/* The name need only spread keys out: the entry repeats the whole key
	 * and a reader compares it, so a collision is a miss, never a leak. */
	h1 = fnv1a(key->p, key->len, 0xcbf29ce484222325ULL);
	h2 = fnv1a(key->p, key->len, 0x84222325cbf29ce4ULL);
	snprintf(stem, 33, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
	return 0;
}

void ccredi_cache_stem(const char *key, size_t len, char stem[33])
{
	uint64_t h1 = fnv1a(key, len, 0xcbf29ce484222325ULL);
	uint64_t h2 = fnv1a(key, len, 0x84222325cbf29ce4ULL);

	snprintf(stem, 33, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
}

int ccredi_make_parents(char *path)
{
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return 0;
}

static char *cache_dir_path(void)
{
	const char *rt = getenv("XDG_RUNTIME_DIR"), *ch = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	char *p = NULL;

	if (rt && rt[0] == '/') {
		if (asprintf(&p, "%s/ccred", rt) < 0)
			p = NULL;
	} else if (ch && ch[0] == '/') {
		if (asprintf(&p, "%s/ccred", ch) < 0)
			p = NULL;
	} else if (home && home[0] == '/') {
		if (asprintf(&p, "%s/.cache/ccred", home) < 0)
			p = NULL;
	}
	return p;
}

enum dir_verdict { DIR_OK, DIR_BAD_MODE, DIR_FOREIGN };

static enum dir_verdict dir_check(int fd, struct stat *st, char *why, size_t whylen)
{
	if (fstat(fd, st) < 0) {
		snprintf(why, whylen, "cannot stat it: %s", strerror(errno));
		return DIR_FOREIGN;
	}
	if (st->st_uid != geteuid()) {
		snprintf(why, whylen, "it is owned by uid %u, not by you", (unsigned)st->st_uid);
		return DIR_FOREIGN;
	}
	if (st->st_mode & 077) {
		snprintf(why, whylen, "it has mode %04o, not 0700",
		         (unsigned)(st->st_mode & 07777));
		return DIR_BAD_MODE;
	}
	return DIR_OK;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

/*
 * The only names ccred ever writes in its cache directory, and so the only
 * ones it ever removes: STEM.tok (an entry), STEM.lock (a fetch lock) and
 * .STEM.PID.RANDOM.tmp (an entry being written), STEM being 32 hex digits.
 * Anything else there is someone else's and is left alone.
 */
enum cache_name { NAME_OTHER, NAME_ENTRY, NAME_LOCK, NAME_TEMP };

static enum cache_name cache_name_kind(const char *name)
{
	size_t n = strlen(name);
	const char *dot;

	if (n == 36 && all_hex(name, 32) && strcmp(name + 32, ".tok") == 0)
		return NAME_ENTRY;
	if (n == 37 && all_hex(name, 32) && strcmp(name + 32, ".lock") == 0)
		return NAME_LOCK;
	/* .STEM.PID.RANDOM.tmp */
	if (n >= 1 + 32 + 2 + 1 + 8 + 4 && name[0] == '.' && all_hex(name + 1, 32) &&
	    name[33] == '.' && strcmp(name + n - 4, ".tmp") == 0 && name[n - 13] == '.' &&
	    all_hex(name + n - 12, 8) && (dot = strchr(name + 34, '.')) == name + n - 13 &&
	    all_digits(name + 34, (size_t)(dot - (name + 34))))
		return NAME_TEMP;
	return NAME_OTHER;
}

/* Calls fn on each name in the directory dirfd (not "." and ".."); stops
 * when fn returns false. */
static void each_name(int dirfd, bool (*fn)(int dirfd, const char *name, void *arg), void *arg)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") &&
		    !fn(dirfd, de->d_name, arg))
			break;
	closedir(d);
}

/* Notes the first name that ccred did not write, shown safely. */
static bool find_stranger(int dirfd, const char *name, void *arg)
{
	char *out = arg;
	size_t i;

	(void)dirfd;
	if (cache_name_kind(name) != NAME_OTHER)
		return true;
	for (i = 0; name[i] && i < 64; i++)
		out[i] = (unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i];
	out[i] = '\0';
	return false;
}

int ccredi_cache_dir_open(struct ccred_ctx *ctx, unsigned int flags, char *why, size_t whylen)
{
	char *path = cache_dir_path(), reason[256], stranger[65];
	struct stat st;
	int fd = -1;

	why[0] = '\0';
	if (!path) {
		snprintf(why, whylen, "neither XDG_RUNTIME_DIR nor HOME is set");
		return -1;
	}
	/*
	 * A directory that is not right is not used for this call (the token
	 * is still handed out), and never emptied, renamed or repaired by
	 * deleting: the path may lead through links the user does not control
	 * (root with a user's HOME whose ~/.cache points at /etc), and what is
	 * there may not be ccred's.  The one repair is a chmod to 0700 of a
	 * directory of the user's that holds only names ccred writes.
	 */
	for (int round = 0; round < 2; round++) {
		enum dir_verdict v;

		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && round == 0) {
			if (!(flags & CCREDI_CACHE_CREATE)) {
				snprintf(why, whylen, "%s does not exist", path);
				break;
			}
			if (ccredi_make_parents(path) < 0 ||
			    (mkdir(path, 0700) < 0 && errno != EEXIST)) {
				snprintf(why, whylen, "cannot create %s: %s", path,
				         strerror(errno));
				break;
			}
			continue;
		}
		if (fd < 0) {
			snprintf(why, whylen,
			         "refusing %s: it is not a directory of yours (%s); "
			         "ccred leaves it alone",
			         path, strerror(errno));
			break;
		}
		if ((v = dir_check(fd, &st, reason, sizeof(reason))) == DIR_OK)
			break;
		stranger[0] = '\0';
		if (v == DIR_BAD_MODE && (flags & CCREDI_CACHE_REPAIR)) {
			each_name(fd, find_stranger, stranger);
			if (!*stranger && fchmod(fd, 0700) == 0) {
				ccredi_trace(ctx, 1, "cache: %s had mode %04o; made it 0700", path,
				             (unsigned)(st.st_mode & 07777));
				break;
			}
		}
		if (*stranger)
			snprintf(why, whylen,
			         "refusing %s: %s, and it holds '%s', which ccred did not write; "
			         "ccred leaves it alone",
			         path, reason, stranger);
		else
			snprintf(why, whylen, "refusing %s: %s; ccred leaves it alone", path,
			         reason);
		close(fd);
		fd = -1;
		break;
	}
	if (fd >= 0 && !ctx->cache_dir)
		ctx->cache_dir = path;
	else
		free(path);
	return fd;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The key, hex-encoded, so the entry stays one token per line. */
static int key_hex(struct ccredi_buf *b, const char *key)
{
	for (const unsigned char *s = (const unsigned char *)key; *s; s++)
		if (ccredi_buf_addf(b, "%02x", *s) < 0)
			return -1;
	return 0;
}

static bool key_hex_equal(const char *hex, size_t n, const char *key)
{
	size_t klen = strlen(key);

	if (n != klen * 2)
		return false;
	for (size_t i = 0; i < klen; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0 || (char)(hi * 16 + lo) != key[i])
			return false;
	}
	return true;
}

static bool parse_time(const char *s, size_t n, time_t *out)
{
	char tmp[24];
	long v;

	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!ccredi_parse_long(tmp, 0, LONG_MAX, &v))
		return false;
	*out = (time_t)v;
	return true;
}

/*
 * The entry is a fixed sequence of lines, each field exactly once and in
 * the order the writer writes them, its value of the characters the writer
 * allows: a value can never carry another field (an injected "expires"
 * line is a malformed entry, hence a miss), and neither can a line the
 * writer did not write.
 */
static const char *const entry_fields[] = {"key", "obtained", "expires", "type", "scope", "token"};
#define ENTRY_FIELDS (sizeof(entry_fields) / sizeof(entry_fields[0]))

int ccredi_cache_parse(const char *text, size_t len, const char *key, struct ccredi_cache_entry *e,
                       char *why, size_t whylen)
{
	const char *p = text, *end = text + len;
	size_t field = 0;
	bool done = false;
	int lineno = 0;

	memset(e, 0, sizeof(*e));
	while (p < end && !done) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *v;
		size_t n, vn, name_len;
		char *copy;

		if (!nl) {
			snprintf(why, whylen, "truncated entry");
			goto bad;
		}
		n = (size_t)(nl - p);
		lineno++;
		if (memchr(p, '\0', n) || memchr(p, '\r', n)) {
			snprintf(why, whylen, "garbage in entry");
			goto bad;
		}
		if (lineno == 1) {
			if (n != strlen(ENTRY_MAGIC) || memcmp(p, ENTRY_MAGIC, n) != 0) {
				snprintf(why, whylen, "not a cache entry of this version");
				goto bad;
			}
			p = nl + 1;
			continue;
		}
		if (field == ENTRY_FIELDS) {
			if (n != 3 || memcmp(p, "end", 3) != 0) {
				snprintf(why, whylen, "malformed line %d", lineno);
				goto bad;
			}
			done = true;
			p = nl + 1;
			break;
		}
		name_len = strlen(entry_fields[field]);
		if (n < name_len + 1 || memcmp(p, entry_fields[field], name_len) != 0 ||
		    p[name_len] != ' ') {
			snprintf(why, whylen, "malformed line %d", lineno);
			goto bad;
		}
		v = p + name_len + 1;
		vn = (size_t)(nl - v);
		switch (field) {
		case 0:
			if (!key_hex_equal(v, vn, key)) {
				snprintf(why, whylen, "entry belongs to another key");
				goto bad;
			}
			break;
		case 1:
		case 2:
			if (!parse_time(v, vn, field == 1 ? &e->obtained : &e->expires)) {
				snprintf(why, whylen, "malformed line %d", lineno);
				goto bad;
			}
			break;
		default:
			if (!(copy = strndup(v, vn))) {
				snprintf(why, whylen, "out of memory");
				goto bad;
			}
			if (field == 3)
				e->token_type = copy;
			else if (field == 4)
				e->scope = copy;
			else
				e->token = copy;
			/* What the writer would not have written is not read. */
			if (field == 4 ? !ccredi_printable_ascii(copy)
			               : !ccredi_visible_ascii(copy)) {
				snprintf(why, whylen, "malformed line %d", lineno);
				goto bad;
			}
		}
		field++;
		p = nl + 1;
	}
	if (!done || p != end) {
		snprintf(why, whylen, done ? "data after the end of the entry" : "truncated entry");
		goto bad;
	}
	return 0;
bad:
	ccredi_cache_entry_clear(e);
	return 1;
}

int ccredi_cache_read(int dirfd, const char *stem, const char *key, struct ccredi_cache_entry *e,
                      char *why, size_t whylen)
{
	char name[48], *text = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, rc = 1;

	snprintf(name, sizeof(name), "%s.tok", stem);
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(why, whylen, errno == ENOENT ? "no entry" : "entry refused: %s",
		         strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "entry refused: not a regular file");
		goto out;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		snprintf(why, whylen, "entry refused: owner uid %u, mode %04o", (unsigned)st.st_uid,
		         (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size <= 0 || st.st_size > ENTRY_MAX) {
		snprintf(why, whylen, "entry refused: size %lld", (long long)st.st_size);
		goto out;
	}
	if (!(text = malloc((size_t)st.st_size))) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	n = ccredi_read_full(fd, text, (size_t)st.st_size);
	got = n < 0 ? 0 : (size_t)n; /* a read error leaves nothing to parse */
	rc = ccredi_cache_parse(text, got, key, e, why, whylen);
out:
	if (text)
		ccredi_freezero(text, (size_t)st.st_size);
	close(fd);
	return rc;
}

/* A writer killed between creating its temp file and renaming it leaves
 * the file behind; the next writer removes those a minute old (a live
 * writer holds its file for microseconds). */
static bool sweep_one(int dirfd, const char *name, void *arg)
{
	time_t now = *(time_t *)arg;
	struct stat st;

	if (cache_name_kind(name) == NAME_TEMP &&
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mtime < now - 60)
		unlinkat(dirfd, name, 0);
	return true;
}

int ccredi_cache_format(struct ccredi_buf *b, const char *key, const struct ccredi_cache_entry *e,
                        char *why, size_t whylen)
{
	/* Refuse what the reader could not read back as the one field. */
	if (!ccredi_visible_ascii(e->token) || !ccredi_visible_ascii(e->token_type) ||
	    (e->scope && !ccredi_printable_ascii(e->scope))) {
		snprintf(why, whylen,
		         "not cached: the token, its type or scope has characters an "
		         "entry line cannot hold");
		return -1;
	}
	if (ccredi_buf_adds(b, ENTRY_MAGIC "\nkey ") < 0 || key_hex(b, key) < 0 ||
	    ccredi_buf_addf(b, "\nobtained %lld\nexpires %lld\ntype %s\nscope %s\ntoken ",
	                    (long long)e->obtained, (long long)e->expires, e->token_type,
	                    e->scope ? e->scope : "") < 0 ||
	    ccredi_buf_adds(b, e->token) < 0 || ccredi_buf_adds(b, "\nend\n") < 0) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

int ccredi_cache_write(int dirfd, const char *stem, const char *key,
                       const struct ccredi_cache_entry *e, char *why, size_t whylen)
{
	struct ccredi_buf b = {0};
	char tmp[80], name[48];
	unsigned int rnd = 0;
	time_t now = time(NULL);
	int fd = -1, rc = -1;

	if (ccredi_cache_format(&b, key, e, why, whylen) < 0)
		goto out_buf;
	each_name(dirfd, sweep_one, &now);
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
		rnd = (unsigned int)now;
	snprintf(tmp, sizeof(tmp), ".%s.%ld.%08x.tmp", stem, (long)getpid(), rnd);
	snprintf(name, sizeof(name), "%s.tok", stem);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(why, whylen, "cannot create a cache entry: %s", strerror(errno));
		goto out;
	}
	/* No fsync: the rename alone gives readers the old entry or the new
	 * one, whole, whenever a writer dies.  Only a machine crash can leave
	 * a torn entry (and only outside the memory-backed XDG_RUNTIME_DIR);
	 * the reader refuses it as truncated and fetches anew. */
	if (ccredi_write_all(fd, b.p, b.len) < 0) {
		snprintf(why, whylen, "cannot write a cache entry: %s", strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(why, whylen, "cannot write a cache entry: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		snprintf(why, whylen, "cannot install a cache entry: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlinkat(dirfd, tmp, 0);
out_buf:
	ccredi_buf_clear(&b);
	return rc;
}

int ccredi_cache_remove(int dirfd, const char *stem)
{
	char name[48];

	snprintf(name, sizeof(name), "%s.tok", stem);
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

static bool drop_entry(int dirfd, const char *name, void *arg)
{
	(void)arg;
	if (cache_name_kind(name) == NAME_ENTRY)
		unlinkat(dirfd, name, 0);
	return true;
}

void ccredi_cache_remove_all(int dirfd)
{
	each_name(dirfd, drop_entry, NULL);
}

char *ccredi_cache_dir_path(void)
{
	return cache_dir_path();
}
