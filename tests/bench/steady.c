/* SPDX-License-Identifier: MIT */
/*
 * The steady-state driver of tests/bench/bench.sh: one caller every
 * INTERVAL ms for SECONDS s, each `CMD ARGS...` (ccred json) run as a shell's
 * $(...) runs it: its stdout a pipe read to EOF, then waited for.  A call's
 * latency is from fork to EOF and exit, so a caller that had to wait for a
 * refresher, or for the token endpoint, shows.  stderr goes into the same
 * pipe, so that with -v the calls that started a refresh ("refresh
 * started") are counted apart: what starting one costs its caller.
 *
 *   steady INTERVAL_MS SECONDS MIN_TTL CMD [ARGS...]
 *
 * Prints one line: calls, failures, p50/p99/max latency in microseconds,
 * tokens handed out with fewer than MIN_TTL seconds left (from the JSON's
 * expires_in), the number of distinct tokens seen (a hash of each; no
 * token is printed), and the calls that started a refresh with their
 * slowest latency.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* A whole decimal number, or -1: a typo in the driver's arguments or a
 * mangled "expires_in" must not read as 0 and pass for a figure. */
static long number(const char *s, char **endp)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	if (endp)
		*endp = end;
	else if (*end)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	long interval_ms, seconds, min_ttl;
	long long *lat, t_start, next, refresh_max = 0;
	uint64_t *seen;
	size_t n = 0, cap, nseen = 0, under = 0, failures = 0, refreshes = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: steady INTERVAL_MS SECONDS MIN_TTL CMD [ARGS...]\n");
		return 64;
	}
	interval_ms = number(argv[1], NULL);
	seconds = number(argv[2], NULL);
	min_ttl = number(argv[3], NULL);
	if (interval_ms <= 0 || seconds <= 0 || min_ttl < 0) {
		fprintf(stderr, "steady: INTERVAL_MS, SECONDS and MIN_TTL are whole numbers\n");
		return 64;
	}
	cap = (size_t)(seconds * 1000 / interval_ms) + 2;
	lat = calloc(cap, sizeof(*lat));
	seen = calloc(cap, sizeof(*seen));
	if (!lat || !seen)
		return 71;
	t_start = now_us();
	next = t_start;
	while (n < cap && now_us() - t_start < seconds * 1000000LL) {
		char buf[8192];
		size_t got = 0;
		int fds[2], st;
		long long t0;
		pid_t pid;
		ssize_t r;

		while (now_us() < next)
			usleep((useconds_t)(next - now_us()));
		next += interval_ms * 1000;
		if (pipe(fds) < 0)
			return 71;
		t0 = now_us();
		pid = fork();
		if (pid < 0)
			return 71;
		if (pid == 0) {
			dup2(fds[1], 1);
			dup2(fds[1], 2);
			close(fds[0]);
			close(fds[1]);
			execvp(argv[4], argv + 4);
			_exit(127);
		}
		close(fds[1]);
		while ((r = read(fds[0], buf + got, sizeof(buf) - 1 - got)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				break;
			got += (size_t)r;
			if (got == sizeof(buf) - 1)
				got = 0; /* keep reading to EOF; the answer is short */
		}
		close(fds[0]);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		lat[n++] = now_us() - t0;
		buf[got] = '\0';
		{
			const char *e = strstr(buf, "\"expires_in\":");
			const char *a = strstr(buf, "\"access_token\":\"");
			const char *q = a ? strchr(a + 16, '"') : NULL;
			uint64_t h;
			size_t i;

			if (strstr(buf, "refresh started")) {
				refreshes++;
				if (lat[n - 1] > refresh_max)
					refresh_max = lat[n - 1];
			}
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !e || !q) {
				failures++;
				continue;
			}
			char *end;
			long left = number(e + 13, &end);
			/* an unreadable expires_in counts as a token under min_ttl */
			if (left < 0 || left < min_ttl)
				under++;
			h = fnv1a(a + 16, (size_t)(q - (a + 16)));
			for (i = 0; i < nseen && seen[i] != h; i++)
				;
			if (i == nseen)
				seen[nseen++] = h;
		}
	}
	qsort(lat, n, sizeof(*lat), cmp_ll);
	printf("calls %zu failures %zu p50_us %lld p99_us %lld max_us %lld under_min_ttl %zu "
	       "tokens %zu refreshes %zu refresh_max_us %lld\n",
	       n, failures, n ? lat[n / 2] : 0, n ? lat[(n * 99) / 100] : 0, n ? lat[n - 1] : 0,
	       under, nseen, refreshes, refresh_max);
	return 0;
}
