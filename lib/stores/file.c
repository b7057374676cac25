/* SPDX-License-Identifier: MIT */
/*
 * The `file PATH` store: the secret is the whole content of a file, minus one
 * trailing LF or CRLF.
 *
 * Like ssh with private keys, a secret file is refused (CCRED_STORE_INSECURE,
 * a configuration error) unless it is a regular file owned by us with no
 * permission bit for group or others.  The check is made with fstat on the
 * opened descriptor, never with stat on the name, and the last path
 * component is opened with O_NOFOLLOW: a symbolic link is refused, because
 * whoever can point it elsewhere chooses what we read.  Directories above
 * the file are trusted as ssh trusts them.
 *
 * PATH must be absolute or start with "~/" ($HOME): a relative name would
 * depend on the working directory, which git and docker choose for us.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "stores/builtin.h"
#include "stores/secretfile.h"

/* ------------------------------------------------------------ reading */

static int secretfile_check(const struct stat *st, const char *what, const char *path,
                            enum ccredi_secretfile_policy policy, char *err, size_t errlen)
{
	uid_t me = geteuid();
	unsigned int mode = (unsigned int)(st->st_mode & 07777);

	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", what);
		return CCRED_STORE_INSECURE;
	}
	if (policy == CCREDI_SECRETFILE_PRIVATE) {
		if (st->st_uid != me) {
			snprintf(err, errlen, "%s: owned by uid %u, not you (uid %u)", what,
			         (unsigned int)st->st_uid, (unsigned int)me);
			return CCRED_STORE_INSECURE;
		}
		if (mode & 077) {
			snprintf(err, errlen, "%s: permissions %04o are too open; run chmod 600 %s",
			         what, mode, path);
			return CCRED_STORE_INSECURE;
		}
		return CCRED_STORE_OK;
	}
	/* CCREDI_SECRETFILE_SYSTEMD: see systemd.c. */
	if (st->st_uid != me && st->st_uid != 0) {
		snprintf(err, errlen, "%s: owned by uid %u, neither you (uid %u) nor root", what,
		         (unsigned int)st->st_uid, (unsigned int)me);
		return CCRED_STORE_INSECURE;
	}
	if (mode & 027) {
		snprintf(err, errlen,
		         "%s: permissions %04o are too open (writable by group, or accessible "
		         "to others)",
		         what, mode);
		return CCRED_STORE_INSECURE;
	}
	return CCRED_STORE_OK;
}

int ccredi_secretfile_read(const struct ccred_store_services *svc, const char *what,
                           const char *path, enum ccredi_secretfile_policy policy, char *buf,
                           size_t bufsize, size_t *len, char *err, size_t errlen)
{
	/* Room for the largest secret, a CRLF, and one byte to see more. */
	const size_t cap = CCRED_STORE_SECRET_MAX + 3;
	char *tmp = NULL;
	size_t n = 0;
	ssize_t got;
	struct stat st;
	int fd = -1, rc = CCRED_STORE_ERR;

	*len = 0;
	/* O_NONBLOCK: a FIFO put in the file's place must not hang us before
	 * fstat refuses it; it changes nothing for a regular file. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT) {
			snprintf(err, errlen, "%s: no such file", what);
			rc = CCRED_STORE_NOTFOUND;
		} else if (errno == ELOOP) {
			snprintf(err, errlen, "%s: is a symbolic link; refusing to follow it", what);
			rc = CCRED_STORE_INSECURE;
		} else {
			snprintf(err, errlen, "%s: cannot open: %s", what, strerror(errno));
		}
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot stat: %s", what, strerror(errno));
		goto out;
	}
	rc = secretfile_check(&st, what, path, policy, err, errlen);
	if (rc != CCRED_STORE_OK)
		goto out;
	rc = CCRED_STORE_ERR;
	if (st.st_size > (off_t)(CCRED_STORE_SECRET_MAX + 2)) {
		snprintf(err, errlen, "%s: larger than %d bytes", what, CCRED_STORE_SECRET_MAX);
		goto out;
	}
	tmp = malloc(cap);
	if (!tmp) {
		snprintf(err, errlen, "%s: out of memory", what);
		goto out;
	}
	got = ccredi_read_full(fd, tmp, cap);
	if (got < 0) {
		snprintf(err, errlen, "%s: read error: %s", what, strerror(errno));
		goto out;
	}
	n = (size_t)got;
	if (n > CCRED_STORE_SECRET_MAX + 2) {
		snprintf(err, errlen, "%s: larger than %d bytes", what, CCRED_STORE_SECRET_MAX);
		goto out;
	}
	/* One trailing newline is not part of the secret (SPEC). */
	if (n > 0 && tmp[n - 1] == '\n') {
		n--;
		if (n > 0 && tmp[n - 1] == '\r')
			n--;
	}
	if (n == 0) {
		snprintf(err, errlen, "%s: is empty", what);
		rc = CCRED_STORE_NOTFOUND;
		goto out;
	}
	if (n > bufsize || n > CCRED_STORE_SECRET_MAX) {
		snprintf(err, errlen, "%s: secret longer than %zu bytes", what,
		         bufsize < CCRED_STORE_SECRET_MAX ? bufsize : (size_t)CCRED_STORE_SECRET_MAX);
		goto out;
	}
	memcpy(buf, tmp, n);
	*len = n;
	rc = CCRED_STORE_OK;
out:
	if (tmp) {
		svc->wipe(tmp, cap);
		free(tmp);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* ------------------------------------------------------------ the store */

static int file_open(const struct ccred_store_services *svc, int argc, char *const *argv,
                     void **state, char *err, size_t errlen)
{
	const char *home;
	char *path = NULL; /* argv[0] with ~/ expanded */
	size_t need;
	int rc;

	rc = ccredi_store_open_check(svc, "file", CCREDI_STORE_NEEDS_WIPE, state, err, errlen);
	if (rc != CCRED_STORE_OK)
		return rc;
	rc = CCRED_STORE_ERR_ARGS;
	if (argc != 1 || !argv[0][0]) {
		snprintf(err, errlen, "file: expects exactly one argument, the PATH");
		goto out;
	}
	if (strncmp(argv[0], "~/", 2) == 0) {
		home = secure_getenv("HOME");
		if (!home || home[0] != '/') {
			snprintf(err, errlen, "file %s: $HOME is not set to an absolute path",
			         argv[0]);
			goto out;
		}
		need = strlen(home) + strlen(argv[0]);
		path = malloc(need);
		if (!path) {
			rc = CCRED_STORE_ERR;
			snprintf(err, errlen, "file: out of memory");
			goto out;
		}
		snprintf(path, need, "%s%s", home, argv[0] + 1);
	} else if (argv[0][0] != '/') {
		snprintf(err, errlen, "file %s: PATH must be absolute or start with ~/", argv[0]);
		goto out;
	}
	rc = ccredi_store_one_new(svc, "file", path ? path : argv[0], state, err, errlen);
out:
	free(path);
	return rc;
}

static int file_get(void *state, const struct ccred_store_key *key, char *buf, size_t bufsize,
                    size_t *len, char *err, size_t errlen)
{
	struct ccredi_store_one *fs = state;

	(void)key;
	return ccredi_secretfile_read(fs->svc, fs->desc, fs->arg, CCREDI_SECRETFILE_PRIVATE, buf,
	                              bufsize, len, err, errlen);
}

/* mkdir -p for the directories above path, each new one 0700. */
static int make_parents(char *dir, const char *what, char *err, size_t errlen)
{
	char *p, c;
	int rc = CCRED_STORE_ERR;

	for (p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: cannot create directory %s: %s", what, dir,
			         strerror(errno));
			*p = c;
			goto out;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	rc = CCRED_STORE_OK;
out:
	return rc;
}

/*
 * Write atomically: a new 0600 file next to the target, created with O_EXCL
 * and O_NOFOLLOW, written, fsync'ed, then renamed over the target.  A reader
 * sees the old secret or the new one, never a part.  The file ends with a
 * newline (so `cat` looks right); the reader drops exactly that one.
 */
static int file_set(void *state, const struct ccred_store_key *key, const char *secret,
                    size_t len, char *err, size_t errlen)
{
	struct ccredi_store_one *fs = state;
	char *dir = NULL, *tmp = NULL, *slash;
	unsigned char rnd[6];
	size_t need;
	int fd = -1, dfd = -1, tries, rc = CCRED_STORE_ERR;

	(void)key;
	if (len == 0 || len > CCRED_STORE_SECRET_MAX) {
		snprintf(err, errlen, "%s: refusing to store a secret of %zu bytes", fs->desc, len);
		goto out;
	}
	if (memchr(secret, '\n', len) || memchr(secret, '\r', len) || memchr(secret, '\0', len)) {
		snprintf(err, errlen, "%s: a secret with a newline or NUL cannot be stored",
		         fs->desc);
		goto out;
	}
	dir = strdup(fs->arg);
	if (!dir) {
		snprintf(err, errlen, "%s: out of memory", fs->desc);
		goto out;
	}
	slash = strrchr(dir, '/');
	if (!slash || !slash[1]) {
		snprintf(err, errlen, "%s: PATH names a directory", fs->desc);
		goto out;
	}
	if (slash == dir) {
		slash[1] = '\0'; /* the file is in / */
	} else {
		*slash = '\0';
		if (make_parents(dir, fs->desc, err, errlen) != CCRED_STORE_OK)
			goto out;
	}
	need = strlen(fs->arg) + 16;
	tmp = malloc(need);
	if (!tmp) {
		snprintf(err, errlen, "%s: out of memory", fs->desc);
		goto out;
	}
	for (tries = 0; tries < 16; tries++) {
		size_t dlen = (size_t)(strrchr(fs->arg, '/') - fs->arg);
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
			snprintf(err, errlen, "%s: getrandom: %s", fs->desc, strerror(errno));
			goto out;
		}
		snprintf(tmp, need, "%.*s/.%s.%02x%02x%02x%02x%02x%02x", (int)dlen, fs->arg,
		         fs->arg + dlen + 1, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		          0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create %s: %s", fs->desc, tmp, strerror(errno));
		goto out;
	}
	/* The umask may have taken bits away; make it exactly 0600. */
	if (fchmod(fd, 0600) != 0 || ccredi_write_all(fd, secret, len) != 0 ||
	    ccredi_write_all(fd, "\n", 1) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: cannot write %s: %s", fs->desc, tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "%s: cannot write %s: %s", fs->desc, tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, fs->arg) != 0) {
		snprintf(err, errlen, "%s: cannot rename %s: %s", fs->desc, tmp, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* Make the rename itself durable. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)fsync(dfd);
	rc = CCRED_STORE_OK;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		/* Whatever we wrote of the secret goes with it. */
		(void)unlink(tmp);
		free(tmp);
	}
	if (dfd >= 0)
		close(dfd);
	free(dir);
	return rc;
}

static int file_erase(void *state, const struct ccred_store_key *key, char *err, size_t errlen)
{
	struct ccredi_store_one *fs = state;
	int rc = CCRED_STORE_OK;

	(void)key;
	if (unlink(fs->arg) != 0) {
		if (errno == ENOENT) {
			snprintf(err, errlen, "%s: no such file", fs->desc);
			rc = CCRED_STORE_NOTFOUND;
		} else {
			snprintf(err, errlen, "%s: cannot remove: %s", fs->desc, strerror(errno));
			rc = CCRED_STORE_ERR;
		}
	}
	return rc;
}

static const struct ccred_store_vtable file_vt = {
	.name = "file",
	.open = file_open,
	.get = file_get,
	.set = file_set,
	.erase = file_erase,
	.close = ccredi_store_one_close,
	.describe = ccredi_store_one_describe,
};

int ccredi_store_file_initvt(int major, int minor, struct ccred_store_vtable *vt)
{
	(void)minor; /* everything we have is minor 0 */
	return ccredi_store_builtin_initvt(major, vt, &file_vt);
}
