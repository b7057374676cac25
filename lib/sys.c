/* SPDX-License-Identifier: MIT */
/* System plumbing written once: the monotonic clock, reading and writing
 * whole buffers, the EINTR policy, "~/" in a configured path (sys.h says
 * it). */
#include "ccred-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long ccredi_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ssize_t ccredi_read_full(int fd, void *p, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = CCREDI_RETRY(read(fd, (char *)p + got, cap - got));
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int ccredi_read_to_buf(int fd, struct ccredi_buf *b, size_t max)
{
	char chunk[4096];
	ssize_t n;

	while ((n = CCREDI_RETRY(read(fd, chunk, sizeof(chunk)))) != 0) {
		if (n < 0)
			return -1;
		if (b->len + (size_t)n > max)
			return -2;
		if (ccredi_buf_add(b, chunk, (size_t)n) < 0)
			return -3;
	}
	return 0;
}

int ccredi_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = CCREDI_RETRY(write(fd, c, n));
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

char *ccredi_home_path(const char *path)
{
	const char *home;
	char *r;

	if (path[0] == '/')
		return strdup(path);
	if (strncmp(path, "~/", 2) != 0) {
		errno = EINVAL;
		return NULL;
	}
	if (!(home = secure_getenv("HOME")) || home[0] != '/') {
		errno = ENOENT;
		return NULL;
	}
	if (asprintf(&r, "%s%s", home, path + 1) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return r;
}
