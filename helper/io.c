/* SPDX-License-Identifier: MIT */
/* Output collected in memory and written only on success; bounded input. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

static void out_grow(struct out *o, size_t extra)
{
	size_t cap = o->cap ? o->cap : 256;
	char *p;

	if (o->len + extra + 1 <= o->cap)
		return;
	while (cap < o->len + extra + 1)
		cap *= 2;
	if (!(p = malloc(cap))) {
		errorf("out of memory");
		exit(EXIT_OSERR);
	}
	if (o->p) {
		memcpy(p, o->p, o->len);
		ccred_wipe(o->p, o->cap);
		free(o->p);
	}
	o->p = p;
	o->cap = cap;
}

void out_add(struct out *o, const char *s, size_t n)
{
	out_grow(o, n);
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

void out_adds(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

void out_addf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out_grow(o, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(o->p + o->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o->len += (size_t)n;
}

void out_json_string(struct out *o, const char *s)
{
	out_adds(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			out_addf(o, "\\%c", c);
		else if (c < 0x20)
			out_addf(o, "\\u%04x", c);
		else
			out_add(o, (const char *)&c, 1);
	}
	out_adds(o, "\"");
}

void out_wipe(struct out *o)
{
	if (o->p) {
		ccred_wipe(o->p, o->cap);
		free(o->p);
	}
	o->p = NULL;
	o->len = o->cap = 0;
}

ssize_t read_retry(int fd, void *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		do
			w = write(fd, c, n);
		while (w < 0 && errno == EINTR);
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int out_flush(struct out *o)
{
	int rc = 0;

	if (write_all(STDOUT_FILENO, o->p, o->len) < 0) {
		errorf("cannot write to stdout: %s", strerror(errno));
		rc = EXIT_IOERR;
	}
	out_wipe(o);
	return rc;
}

void fmt_rfc3339(long long t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "1970-01-01T00:00:00Z");
}

int read_line(FILE *f, char **line, size_t max)
{
	size_t len = 0, cap = 128;
	char *p = malloc(cap);
	int c, rc = 1;

	*line = NULL;
	if (!p) {
		errorf("out of memory");
		exit(EXIT_OSERR);
	}
	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0' || len >= max) {
			rc = -1;
			break;
		}
		if (len + 2 > cap) {
			char *np = malloc(cap * 2);
			if (!np) {
				errorf("out of memory");
				exit(EXIT_OSERR);
			}
			memcpy(np, p, len);
			ccred_wipe(p, cap);
			free(p);
			p = np;
			cap *= 2;
		}
		p[len++] = (char)c;
	}
	if (rc == 1 && c == EOF && len == 0)
		rc = 0;
	p[len] = '\0';
	if (rc != 1) {
		ccred_wipe(p, cap);
		free(p);
		return rc;
	}
	*line = p;
	return 1;
}
