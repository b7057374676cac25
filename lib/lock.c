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

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ccredi_lock_take(int dirfd, const char *stem, long timeout_ms)
{
	char name[48];
	struct stat st;
	long deadline = now_ms() + timeout_ms, pause_us = 1000;
	int fd;

	snprintf(name, sizeof(name), "%s.lock", stem);
	fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	/* Polling with a growing pause keeps the wait bounded without signals. */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return -1;
		}
		if (now_ms() >= deadline) {
			close(fd);
			errno = ETIMEDOUT;
			return -1;
		}
		usleep((useconds_t)pause_us);
		if (pause_us < 20000)
			pause_us *= 2;
	}
	return fd;
}

void ccredi_lock_release(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the only descriptor drops the flock */
}
