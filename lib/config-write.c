/* SPDX-License-Identifier: MIT */
/*
 * Writing a profile into a configuration file (ccred configure) without
 * disturbing anything else in it.
 *
 * The file is edited as text, line by line, not re-serialised from the
 * parsed form: comments, blank lines, the order of sections and the spelling
 * of every line the edit does not concern come out exactly as they went in.
 * Only lines of [profile NAME] sections that set one of the keys being
 * written are touched.  The result is parsed before it is written, so a
 * change that would break the file is refused with the file unchanged.
 *
 * The new text goes to a temporary file in the same directory, which is
 * synced and renamed over the old one: a crash at any instant leaves the old
 * file or the new one.  A flock on the directory serialises two editors.
 */
#include "ccred-int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* One line of the file as it is, and what it is. */
struct line {
	const char *p; /* into the text; len includes the line ending */
	size_t len;
	bool ours;   /* inside one of the profile's sections (header excluded) */
	int section; /* occurrence of the profile's header it belongs to, or -1 */
	bool drop;   /* sets a key being written */
	bool keyline;
};

static const char *skip_blank(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

static const char *trim_end(const char *s, const char *e)
{
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	return e;
}

/* For a "[...]" line: 1 when it opens [profile name], 0 another section,
 * -1 not a header. */
static int header_kind(const char *s, const char *e, const char *name)
{
	size_t nlen = strlen(name);

	s = skip_blank(s, e);
	e = trim_end(s, e);
	if (s == e || *s != '[' || e[-1] != ']')
		return -1;
	s = skip_blank(s + 1, e - 1);
	e = trim_end(s, e - 1);
	if ((size_t)(e - s) < 8 || strncmp(s, "profile", 7) != 0 || (s[7] != ' ' && s[7] != '\t'))
		return 0;
	s = skip_blank(s + 7, e);
	return (size_t)(e - s) == nlen && strncmp(s, name, nlen) == 0 ? 1 : 0;
}

/* The key of a "key = value" line into key (empty when not such a line). */
static void line_key(const char *s, const char *e, char *key, size_t keylen)
{
	const char *eq, *ke;

	key[0] = '\0';
	s = skip_blank(s, e);
	if (s == e || *s == '#' || *s == ';' || *s == '[')
		return;
	if (!(eq = memchr(s, '=', (size_t)(e - s))))
		return;
	ke = trim_end(s, eq);
	if ((size_t)(ke - s) < keylen)
		snprintf(key, keylen, "%.*s", (int)(ke - s), s);
}

static bool named(const char *const *settings, const char *key)
{
	for (size_t i = 0; settings[i] && settings[i + 1]; i += 2)
		if (strcmp(settings[i], key) == 0)
			return true;
	return false;
}

static ccred_error check_settings(struct ccred_ctx *ctx, const char *name,
                                  const char *const *settings)
{
	size_t i;

	if (!name || !ccredi_profile_name_ok(name))
		return ccredi_err(ctx, CCRED_E_USAGE,
		                  "bad profile name '%s' (letters, digits, - _ . @)",
		                  name ? name : "");
	for (i = 0; settings && settings[i]; i += 2) {
		const char *k = settings[i], *v = settings[i + 1];
		size_t vlen;

		if (!v)
			return ccredi_err(ctx, CCRED_E_USAGE, "setting '%s' has no value", k);
		if (ccredi_key_lookup(k) < 0)
			return ccredi_err(ctx, CCRED_E_USAGE, "unknown key '%s'", k);
		for (const char *c = v; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t')
				return ccredi_err(
				        ctx, CCRED_E_USAGE,
				        "the value of %s has a control character or newline", k);
		vlen = strlen(v);
		if (vlen &&
		    (v[0] == ' ' || v[0] == '\t' || v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			return ccredi_err(ctx, CCRED_E_USAGE,
			                  "the value of %s begins or ends with a blank", k);
	}
	if (!settings || i == 0)
		return ccredi_err(ctx, CCRED_E_USAGE, "nothing to write");
	return CCRED_OK;
}

/* Reads the current file (absent is empty); refuses one that is not ours. */
static ccred_error read_current(struct ccred_ctx *ctx, const char *path, struct ccredi_buf *b)
{
	struct stat st;
	ccred_error rc = CCRED_E_CONFIG;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return ccredi_buf_add(b, "", 0) < 0
		               ? ccredi_err(ctx, CCRED_E_NOMEM, "out of memory")
		               : CCRED_OK;
	if (fd < 0)
		return ccredi_err(ctx, CCRED_E_CONFIG, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ccredi_err(ctx, CCRED_E_CONFIG, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_uid != geteuid()) {
		ccredi_err(ctx, CCRED_E_CONFIG, "%s: owned by uid %u, not by you; not rewriting it",
		           path, (unsigned)st.st_uid);
		goto out;
	}
	if (ccredi_buf_add(b, "", 0) < 0)
		goto nomem;
	switch (ccredi_read_to_buf(fd, b, CCREDI_CONFIG_MAX)) {
	case -1: ccredi_err(ctx, CCRED_E_CONFIG, "%s: %s", path, strerror(errno)); goto out;
	case -2: ccredi_err(ctx, CCRED_E_CONFIG, "%s: larger than 1 MiB", path); goto out;
	case -3: goto nomem;
	}
	if (memchr(b->p, '\0', b->len)) {
		ccredi_err(ctx, CCRED_E_CONFIG, "%s: contains a NUL byte", path);
		goto out;
	}
	rc = CCRED_OK;
	goto out;
nomem:
	rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
out:
	close(fd);
	return rc;
}

static bool ends_with(const struct ccredi_buf *b, const char *s)
{
	size_t n = strlen(s);

	return b->len >= n && memcmp(b->p + b->len - n, s, n) == 0;
}

static bool ends_with_blank_line(const struct ccredi_buf *b)
{
	return ends_with(b, "\n\n") || ends_with(b, "\n\r\n");
}

static int add_setting_lines(struct ccredi_buf *out, const char *const *settings, const char *eol)
{
	for (size_t i = 0; settings[i]; i += 2)
		if (*settings[i + 1] &&
		    ccredi_buf_addf(out, "%s = %s%s", settings[i], settings[i + 1], eol) < 0)
			return -1;
	return 0;
}

/* The edited text of cur into out. */
static ccred_error edit(struct ccred_ctx *ctx, const char *cur, size_t curlen, const char *name,
                        const char *const *settings, struct ccredi_buf *out)
{
	struct line *lines = NULL;
	size_t nlines = 0, cap = 0, insert_at = SIZE_MAX;
	int occurrences = 0, section = -1;
	const char *eol = "\n";
	ccred_error rc = CCRED_E_NOMEM;

	for (const char *s = cur, *end = cur + curlen; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl + 1 : end;
		char key[64];
		int h;

		if (nlines == cap) {
			struct line *nv = realloc(lines, (cap ? cap * 2 : 64) * sizeof(*nv));
			if (!nv)
				goto out;
			lines = nv;
			cap = cap ? cap * 2 : 64;
		}
		if (nlines == 0 && nl && nl > s && nl[-1] == '\r')
			eol = "\r\n";
		/* A UTF-8 byte order mark is not part of the first line. */
		h = header_kind(nlines == 0 && (size_t)(e - s) >= 3 &&
		                                memcmp(s, "\xEF\xBB\xBF", 3) == 0
		                        ? s + 3
		                        : s,
		                e, name);
		if (h >= 0)
			section = h == 1 ? occurrences++ : -1;
		line_key(s, e, key, sizeof(key));
		lines[nlines] = (struct line){
		        .p = s,
		        .len = (size_t)(e - s),
		        .ours = h < 0 && section >= 0,
		        .section = section,
		        .keyline = h < 0 && key[0],
		};
		lines[nlines].drop = lines[nlines].ours && key[0] && named(settings, key);
		nlines++;
		s = e;
	}
	/* New lines go where the last section first set one of the keys, else
	 * after its last key line (a trailing comment belongs to what follows),
	 * else right under its header. */
	for (size_t i = 0; i < nlines; i++) {
		if (lines[i].section != occurrences - 1 || occurrences == 0)
			continue;
		if (lines[i].drop) {
			insert_at = i;
			break;
		}
		if (!lines[i].ours || lines[i].keyline)
			insert_at = i + 1; /* the header itself, or a key line */
	}
	for (size_t i = 0; i < nlines; i++) {
		if (i == insert_at && add_setting_lines(out, settings, eol) < 0)
			goto out;
		if (!lines[i].drop && ccredi_buf_add(out, lines[i].p, lines[i].len) < 0)
			goto out;
	}
	if (occurrences == 0) {
		/* A new section, after a blank line. */
		if (out->len && !ends_with(out, eol) && ccredi_buf_adds(out, eol) < 0)
			goto out;
		if (out->len && !ends_with_blank_line(out) && ccredi_buf_adds(out, eol) < 0)
			goto out;
		if (ccredi_buf_addf(out, "[profile %s]%s", name, eol) < 0)
			goto out;
		insert_at = nlines;
	} else if (insert_at == nlines && out->len && !ends_with(out, eol) &&
	           ccredi_buf_adds(out, eol) < 0) {
		goto out; /* the last line had no newline */
	}
	if (insert_at == nlines && add_setting_lines(out, settings, eol) < 0)
		goto out;
	if (ccredi_buf_add(out, "", 0) < 0)
		goto out;
	rc = CCRED_OK;
out:
	free(lines);
	if (rc != CCRED_OK)
		ccredi_err(ctx, rc, "out of memory");
	return rc;
}

/* Writes text to a fresh temporary file next to path and renames it over. */
static ccred_error replace_file(struct ccred_ctx *ctx, const char *path, int dirfd,
                                const struct ccredi_buf *text)
{
	char tmp[PATH_MAX], *base;
	unsigned char rnd[6];
	ccred_error rc = CCRED_E_CONFIG;
	int fd = -1;

	base = strrchr(path, '/');
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return ccredi_err(ctx, CCRED_E_INTERNAL, "getrandom: %s", strerror(errno));
	if (snprintf(tmp, sizeof(tmp), "%.*s/.%s.%02x%02x%02x%02x%02x%02x.tmp", (int)(base - path),
	             path, base + 1, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
	             rnd[5]) >= (int)sizeof(tmp))
		return ccredi_err(ctx, CCRED_E_CONFIG, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ccredi_err(ctx, CCRED_E_CONFIG, "cannot create %s: %s", tmp,
		                  strerror(errno));
	if (fchmod(fd, 0600) < 0)
		goto fail;
	if (ccredi_write_all(fd, text->p, text->len) < 0)
		goto fail;
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	fsync(dirfd);
	return CCRED_OK;
fail:
	rc = ccredi_err(ctx, CCRED_E_CONFIG, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

CCRED_API ccred_error ccred_config_write_profile(struct ccred_ctx *ctx, const char *path,
                                                 const char *name, const char *const *settings,
                                                 const char **written)
{
	struct ccredi_buf cur = {0}, out = {0};
	struct ccredi_config check = {0};
	char want[PATH_MAX], real[PATH_MAX], dir[PATH_MAX], err[512];
	struct stat st;
	ccred_error rc;
	int dirfd = -1;

	if ((rc = check_settings(ctx, name, settings)) != CCRED_OK)
		return rc;
	if (path && *path)
		snprintf(want, sizeof(want), "%s", path);
	else if (ccredi_user_config_path(want, sizeof(want)) < 0)
		return ccredi_err(ctx, CCRED_E_CONFIG,
		                  "no place for the user configuration: HOME is not set");
	if (want[0] != '/') {
		/* Relative to the working directory, as the caller named it. */
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof(cwd)) ||
		    snprintf(real, sizeof(real), "%s/%s", cwd, want) >= (int)sizeof(real))
			return ccredi_err(ctx, CCRED_E_CONFIG, "%s: path too long", want);
		snprintf(want, sizeof(want), "%s", real);
	}
	/* Through a symbolic link (dotfile managers keep the file elsewhere). */
	if (lstat(want, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (!realpath(want, real))
			return ccredi_err(ctx, CCRED_E_CONFIG, "%s: %s", want, strerror(errno));
	} else {
		snprintf(real, sizeof(real), "%s", want);
	}
	if (ccredi_make_parents(real) < 0)
		return ccredi_err(ctx, CCRED_E_CONFIG, "cannot create the directory of %s: %s",
		                  real, strerror(errno));
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(real, '/') - real), real);
	dirfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || flock(dirfd, LOCK_EX) < 0) {
		rc = ccredi_err(ctx, CCRED_E_CONFIG, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((rc = read_current(ctx, real, &cur)) != CCRED_OK)
		goto out;
	if ((rc = edit(ctx, cur.p, cur.len, name, settings, &out)) != CCRED_OK)
		goto out;
	/* A bad value no longer fails the parse (it is contained to its
	 * profile), so the profile written is checked for one too. */
	if (ccredi_config_parse(&check, real, out.p, out.len, err, sizeof(err)) != CCRED_OK ||
	    ccredi_profile_value_error(&check, name, err, sizeof(err)) != CCRED_OK) {
		rc = ccredi_err(ctx, CCRED_E_CONFIG, "not written, the result would not parse: %s",
		                err);
		goto out;
	}
	if ((rc = replace_file(ctx, real, dirfd, &out)) != CCRED_OK)
		goto out;
	ccredi_trace(ctx, 1, "wrote profile '%s' to %s", name, real);
	if (!ccredi_set_str(&ctx->written, real)) {
		rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
		goto out;
	}
	if (written)
		*written = ctx->written;
out:
	if (dirfd >= 0)
		close(dirfd); /* releases the lock */
	ccredi_config_clear(&check);
	ccredi_buf_clear(&cur);
	ccredi_buf_clear(&out);
	return rc;
}

CCRED_API ccred_error ccred_config_check_value(struct ccred_ctx *ctx, const char *key,
                                               const char *value)
{
	char why[512] = "";
	int k = key ? ccredi_key_lookup(key) : -1;

	if (k < 0)
		return ccredi_err(ctx, CCRED_E_USAGE, "unknown key '%s'", key ? key : "");
	if (!value)
		return ccredi_err(ctx, CCRED_E_USAGE, "setting '%s' has no value", key);
	for (const char *c = value; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return ccredi_err(ctx, CCRED_E_CONFIG,
			                  "the value of %s has a control character", key);
	if (*value && !ccredi_config_value_ok(k, value, why, sizeof(why)))
		return ccredi_err(ctx, CCRED_E_CONFIG, "%s", why);
	return CCRED_OK;
}

/*
 * The settings become one more [profile NAME] section parsed into the loaded
 * configuration: a later section wins key by key and replaces the lists it
 * names, which is what writing them into the last file does.
 */
CCRED_API ccred_error ccred_profile_preview(struct ccred_ctx *ctx, const char *name,
                                            const char *const *settings)
{
	struct ccredi_buf text = {0};
	char err[512];
	ccred_error rc;

	if ((rc = check_settings(ctx, name, settings)) != CCRED_OK)
		return rc;
	for (size_t i = 0; settings[i]; i += 2) {
		if ((rc = ccred_config_check_value(ctx, settings[i], settings[i + 1])) == CCRED_OK)
			continue;
		/* The message is rewritten from a copy: errmsg is its own source. */
		snprintf(err, sizeof(err), "%s", ccred_errmsg(ctx));
		return rc == CCRED_E_CONFIG ? ccredi_err(ctx, rc, "%s: %s", settings[i], err) : rc;
	}
	if (ccredi_buf_addf(&text, "[profile %s]\n", name) < 0)
		goto nomem;
	for (size_t i = 0; settings[i]; i += 2)
		if (ccredi_buf_addf(&text, "%s = %s\n", settings[i], settings[i + 1]) < 0)
			goto nomem;
	rc = ccredi_config_parse(&ctx->cfg, "(new settings)", text.p, text.len, err, sizeof(err));
	ccredi_buf_clear(&text);
	if (rc != CCRED_OK)
		return ccredi_err(ctx, rc, "%s", err);
	ctx->have_profile = false;
	return ccred_profile_select(ctx, name, NULL);
nomem:
	ccredi_buf_clear(&text);
	return ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
}
