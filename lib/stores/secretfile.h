/* SPDX-License-Identifier: MIT */
/* Reading a secret from a file, shared by the file and systemd stores.
 * Defined in file.c. */
#ifndef CCRED_STORES_SECRETFILE_H
#define CCRED_STORES_SECRETFILE_H
#include <ccred/store.h>

/* Who may own a secret file and which mode bits it may have. */
enum ccredi_secretfile_policy {
	/* ssh's rule: owned by us, no bit for group or others. */
	CCREDI_SECRETFILE_PRIVATE,
	/* systemd credentials: owned by us or root, group-readable allowed
	 * (see systemd.c for why), nothing for others, no write bits. */
	CCREDI_SECRETFILE_SYSTEMD,
};

/*
 * Read the secret in path into buf: the whole file minus one trailing LF or
 * CRLF.  `what` starts every message ("file /x", "systemd NAME").  Returns a
 * CCRED_STORE_* code; on failure writes one line into err.  Every
 * intermediate copy is wiped with svc->wipe.
 */
int ccredi_secretfile_read(const struct ccred_store_services *svc, const char *what,
                           const char *path, enum ccredi_secretfile_policy policy, char *buf,
                           size_t bufsize, size_t *len, char *err, size_t errlen);

#endif
