/* SPDX-License-Identifier: MIT */
/* stdin-from FILE CMD [ARGS...]: run CMD with FILE on its stdin.  hyperfine
 * 1.15 cannot feed stdin without a shell, and git's credential helpers read
 * their request there.  Built static, so its own start costs little; the
 * benchmark measures that cost (stdin-from FILE floor) and subtracts it. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc < 3) {
		fputs("usage: stdin-from FILE CMD [ARGS...]\n", stderr);
		return 64;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0 || dup2(fd, 0) < 0) {
		perror(argv[1]);
		return 66;
	}
	if (fd != 0)
		close(fd);
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
