/* SPDX-License-Identifier: MIT */
/*
 * One fetch for a crowd: an flock on STEM.lock beside the cache entry.
 * flock is released by the kernel when its holder dies, so a process killed
 * mid-fetch never blocks the others; the file's existence means nothing.
 */
#include "ccred-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens STEM.lock, replacing one that is not a plain file of ours (a
 * symlink is never followed; another user's file could be held forever). */
static int lock_open(int dirfd, const char *name)
{
	struct stat st;
	int fd = -1;

	for (int round = 0; round < 2; round++) {
		fd = openat(dirfd, name,
		            O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		            0600);
		if (fd < 0 && errno != ELOOP && errno != EACCES && errno != ENXIO)
			return -1; /* nothing wrong with the file itself: keep it */
		if (fd >= 0 && fstat(fd, &st) < 0) {
			close(fd);
			return -1;
		}
		if (fd >= 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid())
			return fd;
		if (fd >= 0)
			close(fd);
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			break;
	}
	errno = EPERM;
	return -1;
}

int ccredi_lock_take(int dirfd, const char *stem, long timeout_ms, bool *waited)
{
	char name[48];
	long deadline = ccredi_now_ms() + timeout_ms, pause_us = 1000;
	int fd;

	*waited = false;
	snprintf(name, sizeof(name), "%s.lock", stem);
	if ((fd = lock_open(dirfd, name)) < 0)
		return -1;
	/* Polling with a growing pause keeps the wait bounded without signals. */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return -1;
		}
		if (ccredi_now_ms() >= deadline) {
			close(fd);
			errno = ETIMEDOUT;
			return -1;
		}
		*waited = true;
		usleep((useconds_t)pause_us);
		if (pause_us < 16000)
			pause_us *= 2;
	}
	return fd;
}

void ccredi_lock_release(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the only descriptor drops the flock */
}
