/* SPDX-License-Identifier: MIT */
/*
 * The progress line of a slow token request.  The library never writes to
 * the terminal: it reports each attempt through ccred_set_progress(), and
 * this file decides what the user sees.  A thread, started by the first
 * attempt (so a cache hit never starts one), waits until the exchange has
 * taken 2 s, then keeps one line on stderr saying what ccred waits for,
 * redrawn each second and erased ("\r\033[K") when the exchange is over,
 * before any other message.  Only when stderr is a terminal and -v is off
 * (the trace says it all, line by line).  Installing the hook costs a cache
 * hit nothing: whether stderr is a terminal is asked on the first attempt.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

#define SHOW_AFTER_MS 2000

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, active, shown;
	long since, deadline; /* monotonic ms */
	int attempt, max;
	char endpoint[256]; /* printable: control bytes escaped */
} P = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The URL with every byte that is not printable ASCII as \xHH, cut to fit. */
static void escape(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", c);
	}
	out[o] = '\0';
}

static void put(const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void draw(long now)
{
	char line[512];
	long left = (P.deadline - now + 999) / 1000;
	int n = snprintf(line, sizeof(line),
	                 "\r\033[Kccred: waiting for %s (attempt %d of %d, %ld s left)", P.endpoint,
	                 P.attempt, P.max, left > 0 ? left : 0);

	if (n > 0)
		put(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	P.shown = true;
}

static void *run(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&P.mu);
	for (;;) {
		struct timespec until;
		long now = now_ms(), next;

		if (!P.active) {
			pthread_cond_wait(&P.cv, &P.mu);
			continue;
		}
		if (now - P.since >= SHOW_AFTER_MS) {
			draw(now);
			next = now + 1000 - (now - P.since) % 1000;
		} else {
			next = P.since + SHOW_AFTER_MS;
		}
		/* The condition variable's clock is the realtime one. */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (next - now) / 1000;
		until.tv_nsec += ((next - now) % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&P.cv, &P.mu, &until);
	}
	return NULL;
}

static void hook(void *data, const char *endpoint, int attempt, int max_attempts, long ms_left)
{
	static int tty = -1;

	(void)data;
	/* Asked here, on the first attempt, so a cache hit makes no syscall
	 * for it. */
	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty)
		return;
	pthread_mutex_lock(&P.mu);
	if (attempt == 0) {
		/* Over: erase the line before anyone writes another. */
		if (P.shown)
			put("\r\033[K", 4);
		P.shown = P.active = false;
	} else {
		long now = now_ms();
		if (!P.active)
			P.since = now;
		P.active = true;
		P.attempt = attempt;
		P.max = max_attempts;
		P.deadline = now + ms_left;
		escape(P.endpoint, sizeof(P.endpoint), endpoint ? endpoint : "");
		if (!P.started)
			P.started = pthread_create(&P.thread, NULL, run, NULL) == 0;
		if (P.shown)
			draw(now);
	}
	pthread_cond_signal(&P.cv);
	pthread_mutex_unlock(&P.mu);
}

void progress_install(struct ccred_ctx *ctx, const struct opts *o)
{
	if (o->verbose)
		return;
	ccred_set_progress(ctx, hook, NULL);
}
