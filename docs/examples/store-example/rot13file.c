/* SPDX-License-Identifier: MIT */
/*
 * rot13file - an example third-party secret store for ccred.
 *
 *     secret_store = rot13file ~/.config/ccred/work.rot13
 *
 * keeps the client secret in a file, with its letters turned by ROT13.
 * ROT13 hides nothing (it is the example's only "feature"); what the example
 * shows is how a store is written against <ccred/store.h> alone:
 *
 *  - one exported symbol, ccred_store_rot13file_initvt, which checks the ABI
 *    major and fills the vtable up to the minor both sides know;
 *  - no link against libccred: tracing and wiping go through the host's
 *    service table;
 *  - results that say what happened (NOTFOUND, INSECURE, ...), each with one
 *    line of explanation that starts with the store's name and never holds
 *    the secret;
 *  - every copy of the secret wiped before it is freed.
 *
 * Build and install it out of tree with the Makefile next to this file.
 * The ABI and its rules are described in ccred-store(7).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccred/store.h>

#define EXPORT __attribute__((visibility("default")))

struct rot13file {
	const struct ccred_store_services *svc;
	char *path;
	char *desc; /* "rot13file PATH" */
};

static void rot13(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'm') || (c >= 'A' && c <= 'M'))
			s[i] = (char)(c + 13);
		else if ((c >= 'n' && c <= 'z') || (c >= 'N' && c <= 'Z'))
			s[i] = (char)(c - 13);
	}
}

static int r13_open(const struct ccred_store_services *svc, int argc, char *const *argv,
                    void **state, char *err, size_t errlen)
{
	struct rot13file *st;
	const char *home = getenv("HOME");
	char *path = NULL;

	*state = NULL;
	if (!svc || svc->version < 1 || !svc->wipe || !svc->trace) {
		snprintf(err, errlen, "rot13file: host services too old");
		return CCRED_STORE_ERR;
	}
	if (argc != 1) {
		snprintf(err, errlen, "rot13file: expects one argument, the PATH");
		return CCRED_STORE_ERR_ARGS;
	}
	if (strncmp(argv[0], "~/", 2) == 0 && home && home[0] == '/') {
		if (asprintf(&path, "%s%s", home, argv[0] + 1) < 0)
			path = NULL;
	} else if (argv[0][0] == '/') {
		path = strdup(argv[0]);
	} else {
		snprintf(err, errlen, "rot13file %s: PATH must be absolute or start with ~/",
		         argv[0]);
		return CCRED_STORE_ERR_ARGS;
	}
	st = calloc(1, sizeof(*st));
	if (!path || !st || asprintf(&st->desc, "rot13file %s", path) < 0) {
		free(path);
		free(st);
		snprintf(err, errlen, "rot13file: out of memory");
		return CCRED_STORE_ERR;
	}
	st->svc = svc;
	st->path = path;
	*state = st;
	return CCRED_STORE_OK;
}

static int r13_get(void *state, const struct ccred_store_key *key, char *buf, size_t bufsize,
                   size_t *len, char *err, size_t errlen)
{
	struct rot13file *st = state;
	struct stat sb;
	ssize_t n;
	size_t got = 0;
	int fd;

	(void)key; /* one secret per file */
	*len = 0;
	fd = open(st->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", st->desc,
		         errno == ENOENT ? "no such file" : strerror(errno));
		return errno == ENOENT ? CCRED_STORE_NOTFOUND : CCRED_STORE_ERR;
	}
	/* As ssh does with keys: only a private file of ours. */
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & 077)) {
		snprintf(err, errlen, "%s: not a private file of yours (chmod 600 it)", st->desc);
		close(fd);
		return CCRED_STORE_INSECURE;
	}
	while (got < bufsize && (n = read(fd, buf + got, bufsize - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", st->desc, strerror(errno));
			close(fd);
			st->svc->wipe(buf, got);
			return CCRED_STORE_ERR;
		}
		got += (size_t)n;
	}
	close(fd);
	if (got == bufsize) {
		snprintf(err, errlen, "%s: too large", st->desc);
		st->svc->wipe(buf, got);
		return CCRED_STORE_ERR;
	}
	if (got && buf[got - 1] == '\n')
		got--;
	if (!got) {
		snprintf(err, errlen, "%s: is empty", st->desc);
		return CCRED_STORE_NOTFOUND;
	}
	rot13(buf, got);
	*len = got;
	st->svc->trace(st->svc->host, 1, "%s: read %zu bytes", st->desc, got);
	return CCRED_STORE_OK;
}

/* A new 0600 file next to the old one, renamed over it: all or nothing. */
static int r13_set(void *state, const struct ccred_store_key *key, const char *secret, size_t len,
                   char *err, size_t errlen)
{
	struct rot13file *st = state;
	char *tmp = NULL, *copy = NULL;
	unsigned int rnd = 0;
	int fd = -1, created = 0, rc = CCRED_STORE_ERR;

	(void)key;
	if (memchr(secret, '\n', len)) {
		snprintf(err, errlen, "%s: a secret with a newline cannot be stored", st->desc);
		return CCRED_STORE_ERR;
	}
	if (getrandom(&rnd, sizeof(rnd), 0) < 0 ||
	    asprintf(&tmp, "%s.%08x.tmp", st->path, rnd) < 0 || !(copy = malloc(len + 1))) {
		snprintf(err, errlen, "%s: out of memory", st->desc);
		goto out;
	}
	memcpy(copy, secret, len);
	rot13(copy, len);
	copy[len] = '\n';
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create %s: %s", st->desc, tmp, strerror(errno));
		goto out;
	}
	created = 1;
	if (write(fd, copy, len + 1) != (ssize_t)(len + 1) || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: cannot write: %s", st->desc, strerror(errno));
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, st->path) < 0) {
		fd = -1;
		snprintf(err, errlen, "%s: cannot write: %s", st->desc, strerror(errno));
		goto out;
	}
	fd = -1;
	created = 0;
	rc = CCRED_STORE_OK;
out:
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(tmp);
	if (copy) {
		st->svc->wipe(copy, len + 1);
		free(copy);
	}
	free(tmp);
	return rc;
}

static int r13_erase(void *state, const struct ccred_store_key *key, char *err, size_t errlen)
{
	struct rot13file *st = state;

	(void)key;
	if (unlink(st->path) == 0)
		return CCRED_STORE_OK;
	snprintf(err, errlen, "%s: %s", st->desc,
	         errno == ENOENT ? "no such file" : strerror(errno));
	return errno == ENOENT ? CCRED_STORE_NOTFOUND : CCRED_STORE_ERR;
}

static void r13_close(void *state)
{
	struct rot13file *st = state;

	if (!st)
		return;
	free(st->path);
	free(st->desc);
	free(st);
}

static const char *r13_describe(void *state)
{
	return ((struct rot13file *)state)->desc;
}

EXPORT int ccred_store_rot13file_initvt(int major, int minor, struct ccred_store_vtable *vt);

int ccred_store_rot13file_initvt(int major, int minor, struct ccred_store_vtable *vt)
{
	if (major != CCRED_STORE_ABI_MAJOR)
		return CCRED_STORE_ERR_VERSION;
	/* Fields of minor 0.  A store written for a later minor fills its
	 * newer fields only when minor says the host knows them. */
	(void)minor;
	vt->name = "rot13file";
	vt->open = r13_open;
	vt->get = r13_get;
	vt->set = r13_set;
	vt->erase = r13_erase;
	vt->close = r13_close;
	vt->describe = r13_describe;
	return CCRED_STORE_OK;
}
