/* SPDX-License-Identifier: MIT */
/*
 * The `file PATH` store: the secret is the whole content of a file, minus one
 * trailing LF or CRLF.
 *
 * Like ssh with private keys, a secret file is refused (CCRED_STORE_INSECURE,
 * a configuration error) unless nobody but us (and root) could have chosen
 * what we read.  The path is walked one component at a time from "/" with
 * O_PATH|O_NOFOLLOW, so every object is checked as the very object used:
 * every directory on the way (each ancestor included) and every symbolic
 * link must be ours or root's, and a directory must not be writable by group
 * or others unless it is sticky (kubelet's 1777 volume root, /tmp: nobody
 * else can replace our or root's entries there).  Links are followed only
 * this way, which is what a Kubernetes secret volume needs: kubelet makes
 * NAME -> ..data/NAME, ..data -> ..TIMESTAMP, and the file in ..TIMESTAMP.
 * The file itself must be ours with no bit for group or others, or root's,
 * readable by us only through its group (defaultMode 0440 with fsGroup),
 * with nothing for others.  It is opened from its checked directory with
 * O_NOFOLLOW and checked again with fstat on the descriptor we read.
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
#include <stdbool.h>
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

/* Whether gid is one of ours (the effective or a supplementary group). */
static bool in_my_groups(gid_t gid)
{
	gid_t groups[256];
	int n;

	if (gid == getegid())
		return true;
	n = getgroups((int)(sizeof(groups) / sizeof(groups[0])), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/* The file at the end of a chain: ours and private, or root's and readable
 * by us only through its group (kubelet's fsGroup). */
static int chain_file_check(const struct stat *st, const char *what, const char *path, char *err,
                            size_t errlen)
{
	uid_t me = geteuid();
	unsigned int mode = (unsigned int)(st->st_mode & 07777);

	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: %s is not a regular file", what, path);
		return CCRED_STORE_INSECURE;
	}
	if (st->st_uid == me) {
		if (mode & 077) {
			snprintf(err, errlen, "%s: permissions %04o are too open; run chmod 600 %s",
			         what, mode, path);
			return CCRED_STORE_INSECURE;
		}
		if (!(mode & 0400)) {
			snprintf(err, errlen, "%s: %s is not readable by you (mode %04o)", what,
			         path, mode);
			return CCRED_STORE_INSECURE;
		}
		return CCRED_STORE_OK;
	}
	if (st->st_uid != 0) {
		snprintf(err, errlen, "%s: %s is owned by uid %u, not you (uid %u) or root", what,
		         path, (unsigned int)st->st_uid, (unsigned int)me);
		return CCRED_STORE_INSECURE;
	}
	if (mode & 027) {
		snprintf(err, errlen,
		         "%s: %s is root's with permissions %04o: group-writable or open to "
		         "others (kubelet: defaultMode 0440 with fsGroup, or 0400 with runAsUser)",
		         what, path, mode);
		return CCRED_STORE_INSECURE;
	}
	if (!(mode & 040) || !in_my_groups(st->st_gid)) {
		snprintf(err, errlen,
		         "%s: %s is root's (group %u, mode %04o) and not readable by you "
		         "(kubelet: defaultMode 0440 with fsGroup, or 0400 with runAsUser)",
		         what, path, (unsigned int)st->st_gid, mode);
		return CCRED_STORE_INSECURE;
	}
	return CCRED_STORE_OK;
}

#define CHAIN_MAX_LINKS 40
#define CHAIN_MAX_DEPTH 128

/* Walks path from "/" as described at the top; on success *fdp is the file
 * opened for reading.  Returns a CCRED_STORE_* code. */
static int chain_open(const char *what, const char *path, int *fdp, char *err, size_t errlen)
{
	int dirs[CHAIN_MAX_DEPTH], depth = 0, links = 0, fd = -1, rc = CCRED_STORE_ERR;
	size_t rlen = 0;
	char *todo = NULL, *at, *comp = NULL, resolved[4096] = "";
	uid_t me = geteuid();
	struct stat st;

	*fdp = -1;
	if (!(todo = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", what);
		return CCRED_STORE_ERR;
	}
	if ((dirs[0] = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(dirs[0], &st) < 0) {
		snprintf(err, errlen, "%s: cannot open /: %s", what, strerror(errno));
		goto out;
	}
	depth = 1;
	if (st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(err, errlen, "%s: / is not root's or is writable by others", what);
		rc = CCRED_STORE_INSECURE;
		goto out;
	}
	at = todo;
	for (;;) {
		char *next;
		bool last;

		while (*at == '/')
			at++;
		if (!*at) {
			snprintf(err, errlen, "%s: names a directory", what);
			goto out;
		}
		comp = at;
		next = comp + strcspn(comp, "/");
		if (*next)
			*next++ = '\0';
		while (*next == '/')
			next++;
		last = !*next;
		at = next;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			/* Back to a directory already checked. */
			if (depth > 1) {
				close(dirs[--depth]);
				while (rlen > 0 && resolved[rlen - 1] != '/')
					rlen--;
				if (rlen > 0)
					rlen--;
				resolved[rlen] = '\0';
			}
			if (last) {
				snprintf(err, errlen, "%s: names a directory", what);
				goto out;
			}
			continue;
		}
		fd = openat(dirs[depth - 1], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			if (errno == ENOENT) {
				snprintf(err, errlen, "%s: no such file", what);
				rc = CCRED_STORE_NOTFOUND;
			} else {
				snprintf(err, errlen, "%s: cannot open %s/%s: %s", what, resolved,
				         comp, strerror(errno));
			}
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[4096], *rest;
			size_t need;
			ssize_t n;
			if (st.st_uid != me && st.st_uid != 0) {
				snprintf(err, errlen,
				         "%s: the symbolic link %s/%s is owned by uid %u, not you "
				         "or root",
				         what, resolved, comp, (unsigned int)st.st_uid);
				rc = CCRED_STORE_INSECURE;
				goto out;
			}
			if (++links > CHAIN_MAX_LINKS) {
				snprintf(err, errlen, "%s: too many symbolic links", what);
				rc = CCRED_STORE_INSECURE;
				goto out;
			}
			/* The link just checked, read through its own descriptor. */
			n = readlinkat(fd, "", target, sizeof(target) - 1);
			if (n <= 0) {
				snprintf(err, errlen, "%s: cannot read the link %s/%s: %s", what,
				         resolved, comp, n < 0 ? strerror(errno) : "empty");
				goto out;
			}
			target[n] = '\0';
			close(fd);
			fd = -1;
			need = (size_t)n + strlen(at) + 2;
			if (!(rest = malloc(need))) {
				snprintf(err, errlen, "%s: out of memory", what);
				goto out;
			}
			snprintf(rest, need, "%s%s%s", target, *at ? "/" : "", at);
			free(todo);
			todo = at = rest;
			if (target[0] == '/') {
				while (depth > 1)
					close(dirs[--depth]);
				rlen = 0;
				resolved[0] = '\0';
			}
			continue;
		}
		if (last)
			break;
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: %s/%s is not a directory", what, resolved, comp);
			goto out;
		}
		if (st.st_uid != me && st.st_uid != 0) {
			snprintf(err, errlen,
			         "%s: directory %s/%s is owned by uid %u, not you or root", what,
			         resolved, comp, (unsigned int)st.st_uid);
			rc = CCRED_STORE_INSECURE;
			goto out;
		}
		if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)) {
			snprintf(err, errlen,
			         "%s: directory %s/%s is writable by group or others (mode %04o); "
			         "run "
			         "chmod go-w %s/%s",
			         what, resolved, comp, (unsigned int)(st.st_mode & 07777), resolved,
			         comp);
			rc = CCRED_STORE_INSECURE;
			goto out;
		}
		if (depth == CHAIN_MAX_DEPTH) {
			snprintf(err, errlen, "%s: path too deep", what);
			goto out;
		}
		dirs[depth++] = fd;
		fd = -1;
		rlen += (size_t)snprintf(resolved + rlen, sizeof(resolved) - rlen, "/%s", comp);
		if (rlen >= sizeof(resolved)) {
			snprintf(err, errlen, "%s: path too long", what);
			goto out;
		}
	}
	/* The last component: the file, checked on the O_PATH descriptor
	 * before it is opened, then again on the descriptor that is read. */
	{
		char where[4400];
		struct stat st2;
		int rfd;

		snprintf(where, sizeof(where), "%s/%s", resolved, comp);
		if ((rc = chain_file_check(&st, what, where, err, errlen)) != CCRED_STORE_OK)
			goto out;
		rc = CCRED_STORE_ERR;
		rfd = openat(dirs[depth - 1], comp,
		             O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (rfd < 0) {
			snprintf(err, errlen, "%s: cannot open %s: %s", what, where,
			         strerror(errno));
			if (errno == EACCES || errno == ELOOP)
				rc = CCRED_STORE_INSECURE;
			goto out;
		}
		if (fstat(rfd, &st2) < 0 || st2.st_dev != st.st_dev || st2.st_ino != st.st_ino ||
		    (rc = chain_file_check(&st2, what, where, err, errlen)) != CCRED_STORE_OK) {
			if (rc == CCRED_STORE_ERR)
				snprintf(err, errlen, "%s: %s changed while it was opened", what,
				         where);
			close(rfd);
			goto out;
		}
		*fdp = rfd;
		rc = CCRED_STORE_OK;
	}
out:
	if (fd >= 0)
		close(fd);
	while (depth > 0)
		close(dirs[--depth]);
	free(todo);
	return rc;
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
	if (policy == CCREDI_SECRETFILE_PRIVATE) {
		/* Checked link by link and directory by directory: see the top. */
		rc = chain_open(what, path, &fd, err, errlen);
		if (rc != CCRED_STORE_OK)
			goto out;
		if (fstat(fd, &st) != 0) {
			snprintf(err, errlen, "%s: cannot stat: %s", what, strerror(errno));
			rc = CCRED_STORE_ERR;
			goto out;
		}
		goto checked;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT) {
			snprintf(err, errlen, "%s: no such file", what);
			rc = CCRED_STORE_NOTFOUND;
		} else if (errno == ELOOP) {
			snprintf(err, errlen, "%s: is a symbolic link; refusing to follow it",
			         what);
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
checked:
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
		         bufsize < CCRED_STORE_SECRET_MAX ? bufsize
		                                          : (size_t)CCRED_STORE_SECRET_MAX);
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
	char *path = NULL; /* argv[0] with ~/ expanded */
	int rc;

	rc = ccredi_store_open_check(svc, "file", CCREDI_STORE_NEEDS_WIPE, state, err, errlen);
	if (rc != CCRED_STORE_OK)
		return rc;
	rc = CCRED_STORE_ERR_ARGS;
	if (argc != 1 || !argv[0][0]) {
		snprintf(err, errlen, "file: expects exactly one argument, the PATH");
		goto out;
	}
	if (!(path = ccredi_home_path(argv[0]))) {
		if (errno == EINVAL)
			snprintf(err, errlen, "file %s: PATH must be absolute or start with ~/",
			         argv[0]);
		else if (errno == ENOENT)
			snprintf(err, errlen, "file %s: $HOME is not set to an absolute path",
			         argv[0]);
		else {
			rc = CCRED_STORE_ERR;
			snprintf(err, errlen, "file: out of memory");
		}
		goto out;
	}
	rc = ccredi_store_one_new(svc, "file", path, state, err, errlen);
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
static int file_set(void *state, const struct ccred_store_key *key, const char *secret, size_t len,
                    char *err, size_t errlen)
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
	/* A PEM private key (the key methods) is stored whole, lines and all;
	 * any other secret is one line. */
	if (memchr(secret, '\0', len) ||
	    ((memchr(secret, '\n', len) || memchr(secret, '\r', len)) &&
	     (len < 11 || memcmp(secret, "-----BEGIN ", 11) != 0))) {
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
