/* SPDX-License-Identifier: MIT */
/* Growable buffers, string lists, strict number parsing, word splitting. */
#include "ccred-int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Grows by copying into fresh memory and wiping the old block, so a buffer
 * that holds a secret never leaves a stale copy behind in freed memory. */
static int buf_reserve(struct ccredi_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = malloc(cap);
	if (!p)
		return -1;
	if (b->p) {
		memcpy(p, b->p, b->len + 1);
		ccredi_freezero(b->p, b->cap);
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

int ccredi_buf_add(struct ccredi_buf *b, const char *s, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int ccredi_buf_adds(struct ccredi_buf *b, const char *s)
{
	return ccredi_buf_add(b, s, strlen(s));
}

int ccredi_buf_addf(struct ccredi_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_reserve(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int ccredi_buf_add_urlenc(struct ccredi_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	if (buf_reserve(b, n * 3) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '*') {
			b->p[b->len++] = (char)c;
		} else if (c == ' ') {
			b->p[b->len++] = '+';
		} else {
			b->p[b->len++] = '%';
			b->p[b->len++] = hex[c >> 4];
			b->p[b->len++] = hex[c & 15];
		}
	}
	b->p[b->len] = '\0';
	return 0;
}

/* RFC 4648 section 5, no padding: what JWS and JWK (RFC 7515) use. */
int ccredi_buf_add_b64url(struct ccredi_buf *b, const void *data, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *s = data;
	size_t i;

	if (n > SIZE_MAX / 2 || buf_reserve(b, (n + 2) / 3 * 4) < 0)
		return -1;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned long v =
		        (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 | s[i + 2];
		b->p[b->len++] = a[v >> 18 & 63];
		b->p[b->len++] = a[v >> 12 & 63];
		b->p[b->len++] = a[v >> 6 & 63];
		b->p[b->len++] = a[v & 63];
	}
	if (n - i == 1) {
		b->p[b->len++] = a[s[i] >> 2];
		b->p[b->len++] = a[(s[i] & 3) << 4];
	} else if (n - i == 2) {
		b->p[b->len++] = a[s[i] >> 2];
		b->p[b->len++] = a[(s[i] & 3) << 4 | s[i + 1] >> 4];
		b->p[b->len++] = a[(s[i + 1] & 15) << 2];
	}
	b->p[b->len] = '\0';
	return 0;
}

int ccredi_buf_add_param(struct ccredi_buf *b, const char *name, const char *value)
{
	if (!value)
		return 0;
	if (b->len && ccredi_buf_adds(b, "&") < 0)
		return -1;
	if (ccredi_buf_adds(b, name) < 0 || ccredi_buf_adds(b, "=") < 0)
		return -1;
	return ccredi_buf_add_urlenc(b, value, strlen(value));
}

void ccredi_buf_clear(struct ccredi_buf *b)
{
	ccredi_freezero(b->p, b->cap);
	b->p = NULL;
	b->len = b->cap = 0;
}

int ccredi_strlist_add(struct ccredi_strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	l->v = v;
	if (!(v[l->n] = strdup(s)))
		return -1;
	l->n++;
	return 0;
}

void ccredi_strlist_clear(struct ccredi_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool ccredi_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int ccredi_split_words(const char *s, struct ccredi_strlist *out, char *err, size_t errlen)
{
	struct ccredi_buf w = {0};
	int rc = -1;

	for (;;) {
		bool have = false;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		w.len = 0;
		if (ccredi_buf_add(&w, "", 0) < 0)
			goto nomem;
		while (*s && *s != ' ' && *s != '\t') {
			have = true;
			if (*s == '\'') {
				const char *e = strchr(s + 1, '\'');
				if (!e) {
					snprintf(err, errlen, "unterminated ' quote");
					goto out;
				}
				if (ccredi_buf_add(&w, s + 1, (size_t)(e - s - 1)) < 0)
					goto nomem;
				s = e + 1;
			} else if (*s == '"') {
				s++;
				while (*s && *s != '"') {
					if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
						s++;
					if (ccredi_buf_add(&w, s, 1) < 0)
						goto nomem;
					s++;
				}
				if (*s != '"') {
					snprintf(err, errlen, "unterminated \" quote");
					goto out;
				}
				s++;
			} else {
				if (*s == '\\' && s[1])
					s++;
				if (ccredi_buf_add(&w, s, 1) < 0)
					goto nomem;
				s++;
			}
		}
		if (have && ccredi_strlist_add(out, w.p) < 0)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	ccredi_buf_clear(&w);
	return rc;
}
