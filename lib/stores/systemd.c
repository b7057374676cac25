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

#ifndef HAVE_SECURE_GETENV
#define secure_getenv getenv
#endif

struct systemd_store {
	const struct ccred_store_services *svc;
	char *name;
	char *desc; /* "systemd NAME" */
};

static int systemd_open(const struct ccred_store_services *svc, int argc, char *const *argv,
                        void **state, char *err, size_t errlen)
{
	struct systemd_store *ss = NULL;
	size_t need;
	int rc = CCRED_STORE_ERR_ARGS;

	*state = NULL;
	if (!svc || svc->version < 1 || !svc->wipe) {
		snprintf(err, errlen, "systemd: host services too old");
		return CCRED_STORE_ERR; /* nothing to clean up yet */
	}
	if (argc != 1) {
		snprintf(err, errlen, "systemd: expects exactly one argument, the credential NAME");
		goto out;
	}
	if (!argv[0][0] || strchr(argv[0], '/') || strcmp(argv[0], ".") == 0 ||
	    strcmp(argv[0], "..") == 0) {
		snprintf(err, errlen, "systemd %s: not a credential name", argv[0]);
		goto out;
	}
	rc = CCRED_STORE_ERR;
	ss = calloc(1, sizeof(*ss));
	if (!ss)
		goto out;
	ss->svc = svc;
	ss->name = strdup(argv[0]);
	need = strlen(argv[0]) + sizeof("systemd ");
	ss->desc = malloc(need);
	if (!ss->name || !ss->desc)
		goto out;
	snprintf(ss->desc, need, "systemd %s", ss->name);
	*state = ss;
	ss = NULL;
	rc = CCRED_STORE_OK;
out:
	/* The only failure after the argument checks. */
	if (rc == CCRED_STORE_ERR)
		snprintf(err, errlen, "systemd: out of memory");
	if (ss) {
		free(ss->name);
		free(ss->desc);
		free(ss);
	}
	return rc;
}

static int systemd_get(void *state, const struct ccred_store_key *key, char *buf,
                       size_t bufsize, size_t *len, char *err, size_t errlen)
{
	struct systemd_store *ss = state;
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
	need = strlen(dir) + strlen(ss->name) + 2;
	path = malloc(need);
	if (!path) {
		snprintf(err, errlen, "%s: out of memory", ss->desc);
		goto out;
	}
	snprintf(path, need, "%s/%s", dir, ss->name);
	rc = ccredi_secretfile_read(ss->svc, ss->desc, path, CCREDI_SECRETFILE_SYSTEMD, buf,
	                            bufsize, len, err, errlen);
	if (rc == CCRED_STORE_NOTFOUND && *len == 0 && strstr(err, ": no such file"))
		snprintf(err, errlen, "%s: no credential %s in %s", ss->desc, ss->name, dir);
out:
	free(path);
	return rc;
}

static void systemd_close(void *state)
{
	struct systemd_store *ss = state;

	if (!ss)
		return;
	free(ss->name);
	free(ss->desc);
	free(ss);
}

static const char *systemd_describe(void *state)
{
	return ((struct systemd_store *)state)->desc;
}

int ccredi_store_systemd_initvt(int major, int minor, struct ccred_store_vtable *vt)
{
	(void)minor; /* everything we have is minor 0 */
	if (major != CCRED_STORE_ABI_MAJOR)
		return CCRED_STORE_ERR_VERSION;
	vt->name = "systemd";
	vt->open = systemd_open;
	vt->get = systemd_get;
	vt->set = NULL; /* read-only: systemd owns the directory */
	vt->erase = NULL;
	vt->close = systemd_close;
	vt->describe = systemd_describe;
	return CCRED_STORE_OK;
}
