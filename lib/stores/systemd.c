/* SPDX-License-Identifier: MIT */
/*
 * The `systemd NAME` store: the credential NAME that systemd handed the
 * service ($CREDENTIALS_DIRECTORY/NAME, from LoadCredential=,
 * LoadCredentialEncrypted=, SetCredential= or ImportCredential=).  Read-only;
 * one trailing LF or CRLF is not part of the secret.
 *
 * What a credential file looks like, and so what we accept: systemd writes
 * each one with mode 0400 into a directory only the service can read, and
 * gives the service user access either with a POSIX ACL entry on a root-owned
 * file or, where ACLs are not supported, by chown'ing the file to the user
 * (src/core/exec-credential.c).  With an ACL, st_mode's group bits show the
 * ACL mask, so stat reports 0440.  Hence: a regular file, owned by us or by
 * root, not a symbolic link, with no write bit for group or others and no
 * bit at all for others.  The group read bit is allowed because of the ACL
 * mask; anything beyond that is refused as insecure, as for `file`.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stores/builtin.h"
#include "stores/secretfile.h"

static int systemd_open(const struct ccred_store_services *svc, int argc, char *const *argv,
                        void **state, char *err, size_t errlen)
{
	int rc;

	rc = ccredi_store_open_check(svc, "systemd", CCREDI_STORE_NEEDS_WIPE, state, err, errlen);
	if (rc != CCRED_STORE_OK)
		return rc;
	if (argc != 1) {
		snprintf(err, errlen, "systemd: expects exactly one argument, the credential NAME");
		return CCRED_STORE_ERR_ARGS;
	}
	if (!argv[0][0] || strchr(argv[0], '/') || strcmp(argv[0], ".") == 0 ||
	    strcmp(argv[0], "..") == 0) {
		snprintf(err, errlen, "systemd %s: not a credential name", argv[0]);
		return CCRED_STORE_ERR_ARGS;
	}
	return ccredi_store_one_new(svc, "systemd", argv[0], state, err, errlen);
}

static int systemd_get(void *state, const struct ccred_store_key *key, char *buf, size_t bufsize,
                       size_t *len, char *err, size_t errlen)
{
	struct ccredi_store_one *ss = state;
	const char *dir;
	char *path = NULL;
	size_t need;
	int rc = CCRED_STORE_ERR;

	(void)key;
	*len = 0;
	/* Read at each call: the variable belongs to the service's run. */
	dir = secure_getenv("CREDENTIALS_DIRECTORY");
	if (!dir || !dir[0]) {
		snprintf(err, errlen,
		         "%s: $CREDENTIALS_DIRECTORY is not set (not running under systemd "
		         "with LoadCredential=)",
		         ss->desc);
		rc = CCRED_STORE_UNAVAILABLE;
		goto out;
	}
	need = strlen(dir) + strlen(ss->arg) + 2;
	path = malloc(need);
	if (!path) {
		snprintf(err, errlen, "%s: out of memory", ss->desc);
		goto out;
	}
	snprintf(path, need, "%s/%s", dir, ss->arg);
	rc = ccredi_secretfile_read(ss->svc, ss->desc, path, CCREDI_SECRETFILE_SYSTEMD, buf,
	                            bufsize, len, err, errlen);
	if (rc == CCRED_STORE_NOTFOUND && *len == 0 && strstr(err, ": no such file"))
		snprintf(err, errlen, "%s: no credential %s in %s", ss->desc, ss->arg, dir);
out:
	free(path);
	return rc;
}

static const struct ccred_store_vtable systemd_vt = {
        .name = "systemd",
        .open = systemd_open,
        .get = systemd_get,
        /* read-only: systemd owns the directory */
        .close = ccredi_store_one_close,
        .describe = ccredi_store_one_describe,
};

int ccredi_store_systemd_initvt(int major, int minor, struct ccred_store_vtable *vt)
{
	(void)minor; /* everything we have is minor 0 */
	return ccredi_store_builtin_initvt(major, vt, &systemd_vt);
}
