/* SPDX-License-Identifier: MIT */
/* System plumbing written once (lib/sys.c), for the library and the
 * built-in stores alike: it needs nothing but libc. */
#ifndef CCRED_SYS_H
#define CCRED_SYS_H

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>

#include <ccred/store.h>

/* Named size limits, each defined once.  SPEC: a secret, a caller's line or
 * any other input over 64 KiB is refused; so is a config file over 1 MiB. */
#define CCREDI_LINE_MAX   CCRED_STORE_SECRET_MAX
#define CCREDI_CONFIG_MAX (1024 * 1024)

/* The EINTR policy: a call a signal interrupted is made again (ccred sets no
 * handler that means "stop").  A wait with a deadline instead recomputes
 * what is left of it, so those loops stay with their callers. */
#define CCREDI_RETRY(call)                                                                         \
	({                                                                                         \
		__typeof__(call) ccredi_r_;                                                        \
		do                                                                                 \
			ccredi_r_ = (call);                                                        \
		while (ccredi_r_ == -1 && errno == EINTR);                                         \
		ccredi_r_;                                                                         \
	})

/* Milliseconds on CLOCK_MONOTONIC: for deadlines, never for dates. */
long ccredi_now_ms(void);
/* Reads until cap bytes or end of file: the count, or -1 (errno). */
ssize_t ccredi_read_full(int fd, void *p, size_t cap);
/* Writes all n bytes: 0, or -1 (errno). */
int ccredi_write_all(int fd, const void *p, size_t n);
/* A configured path that must be absolute or start with "~/" (the file
 * store's PATH, tls_cert), with "~/" as $HOME (secure_getenv), in a new
 * string.  NULL: errno EINVAL (neither form), ENOENT ($HOME is not an
 * absolute path) or ENOMEM. */
char *ccredi_home_path(const char *path);

#endif
