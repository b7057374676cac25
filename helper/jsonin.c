/* SPDX-License-Identifier: MIT */
/*
 * The command's one reader of JSON from a caller (cargo's request lines,
 * kubectl's KUBERNETES_EXEC_INFO): bounded and strict (RFC 8259: no
 * trailing commas, no comments, no leading zeros, escapes checked, UTF-8
 * checked, control characters and \u0000 refused, nesting at most
 * JSONIN_DEPTH_MAX).  It keeps json-c off the hit path and keeps protocol
 * details out of libccred's ABI: only the members a protocol asks for are
 * copied out, everything else is checked and skipped in place.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccred/ccred.h>

#include "jsonin.h"

int jsonin_fail(struct jsonin *j, const char *why)
{
	if (!j->why)
		j->why = why;
	return -1;
}

static void ws(struct jsonin *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hex4(struct jsonin *j, unsigned *v)
{
	*v = 0;
	if (j->end - j->p < 4)
		return jsonin_fail(j, "a short \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = *j->p++;
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return jsonin_fail(j, "a bad \\u escape");
	}
	return 0;
}

static size_t utf8_put(unsigned cp, char *o)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong, surrogate or beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * A string at j->p (the opening quote).  With out, the decoded value is
 * returned in a new NUL-terminated buffer (never longer than the input).
 */
static int string(struct jsonin *j, char **out)
{
	const char *start, *why = NULL;
	char *buf = NULL, *o = NULL;

	if (j->p >= j->end || *j->p != '"')
		return jsonin_fail(j, "a string expected");
	start = ++j->p;
	if (out) {
		/* decoding never grows: \uXXXX (6 bytes) gives at most 3, a pair at most 4 */
		if (!(o = buf = malloc((size_t)(j->end - start) + 1)))
			return jsonin_fail(j, "out of memory");
	}
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;
		if (c < 0x20) {
			why = "a control character in a string";
			goto bad;
		}
		if (c == '\\') {
			char e;
			unsigned cp, lo;
			if (++j->p >= j->end) {
				why = "a bad escape in a string";
				goto bad;
			}
			e = *j->p++;
			switch (e) {
			case '"': cp = '"'; break;
			case '\\': cp = '\\'; break;
			case '/': cp = '/'; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				if (hex4(j, &cp) < 0)
					goto out;
				if (cp >= 0xdc00 && cp <= 0xdfff) {
					why = "a lone surrogate in a \\u escape";
					goto bad;
				}
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (j->end - j->p < 2 || j->p[0] != '\\' ||
					    j->p[1] != 'u') {
						why = "a lone surrogate in a \\u escape";
						goto bad;
					}
					j->p += 2;
					if (hex4(j, &lo) < 0)
						goto out;
					if (lo < 0xdc00 || lo > 0xdfff) {
						why = "a lone surrogate in a \\u escape";
						goto bad;
					}
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				if (cp == 0) {
					why = "\\u0000 in a string";
					goto bad;
				}
				break;
			default: why = "a bad escape in a string"; goto bad;
			}
			if (o)
				o += utf8_put(cp, o);
			continue;
		}
		size_t n = utf8_len((const unsigned char *)j->p, (size_t)(j->end - j->p));
		if (!n) {
			why = "a string that is not UTF-8";
			goto bad;
		}
		if (o) {
			memcpy(o, j->p, n);
			o += n;
		}
		j->p += n;
	}
	if (j->p >= j->end) {
		jsonin_fail(j, "an unterminated string");
		goto out;
	}
	j->p++;
	if (out) {
		*o = '\0';
		*out = buf;
	}
	return 0;
bad:
	jsonin_fail(j, why);
out:
	if (buf) {
		ccred_wipe(buf, (size_t)(o - buf));
		free(buf);
	}
	return -1;
}

/* A JSON number; with v, it must be a small non-negative integer. */
static int number(struct jsonin *j, long *v, const char *not_uint)
{
	const char *s = j->p;
	bool integer = true;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return jsonin_fail(j, "a bad value");
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		integer = false;
		if (++j->p >= j->end || *j->p < '0' || *j->p > '9')
			return jsonin_fail(j, "a bad number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		integer = false;
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return jsonin_fail(j, "a bad number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (v) {
		long n = 0;
		if (!integer || *s == '-' || j->p - s > 9)
			return jsonin_fail(j, not_uint);
		for (const char *q = s; q < j->p; q++)
			n = n * 10 + (*q - '0');
		*v = n;
	}
	return 0;
}

static int literal(struct jsonin *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return jsonin_fail(j, "a bad value");
	j->p += n;
	return 0;
}

/* Entering an object or array: one level deeper. */
static int enter(struct jsonin *j)
{
	if (++j->depth > JSONIN_DEPTH_MAX)
		return jsonin_fail(j, "nesting too deep");
	j->p++; /* { or [ */
	ws(j);
	return 0;
}

/* What reads one element of an object (a member) or of an array. */
struct elem {
	jsonin_member_fn member;
	jsonin_elem_fn value;
	void *arg;
};

static int one_member(struct jsonin *j, const struct elem *e)
{
	char *key = NULL;
	int rc;

	if (string(j, &key) < 0)
		return -1;
	ws(j);
	if (j->p >= j->end || *j->p != ':') {
		free(key);
		return jsonin_fail(j, "':' expected");
	}
	j->p++;
	ws(j);
	rc = e->member ? e->member(j, key, e->arg) : jsonin_skip(j);
	free(key);
	return rc;
}

static int one_value(struct jsonin *j, const struct elem *e)
{
	return e->value ? e->value(j, e->arg) : jsonin_skip(j);
}

/* The elements of the object or array at j->p, up to close, each read by
 * one; after names what may follow an element. */
static int list(struct jsonin *j, char close, const char *after,
                int (*one)(struct jsonin *j, const struct elem *e), const struct elem *e)
{
	if (enter(j) < 0)
		return -1;
	if (j->p < j->end && *j->p == close)
		goto done;
	for (;;) {
		ws(j);
		if (one(j, e) < 0)
			return -1;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close)
			goto done;
		return jsonin_fail(j, after);
	}
done:
	j->p++;
	j->depth--;
	return 0;
}

int jsonin_object(struct jsonin *j, jsonin_member_fn each, void *arg)
{
	const struct elem e = {each, NULL, arg};

	if (j->p >= j->end || *j->p != '{')
		return jsonin_fail(j, "an object expected");
	return list(j, '}', "',' or '}' expected", one_member, &e);
}

int jsonin_array(struct jsonin *j, jsonin_elem_fn each, void *arg)
{
	const struct elem e = {NULL, each, arg};

	if (j->p >= j->end || *j->p != '[')
		return jsonin_fail(j, "an array expected");
	return list(j, ']', "',' or ']' expected", one_value, &e);
}

int jsonin_skip(struct jsonin *j)
{
	if (j->p >= j->end)
		return jsonin_fail(j, "a value expected");
	switch (*j->p) {
	case '{': return jsonin_object(j, NULL, NULL);
	case '[': return jsonin_array(j, NULL, NULL);
	case '"': return string(j, NULL);
	case 't': return literal(j, "true");
	case 'f': return literal(j, "false");
	case 'n': return literal(j, "null");
	default: return number(j, NULL, NULL);
	}
}

int jsonin_string(struct jsonin *j, char **out)
{
	return string(j, out);
}

int jsonin_str_member(struct jsonin *j, char **dst)
{
	if (*dst)
		return jsonin_fail(j, "a repeated member");
	if (j->p < j->end && *j->p == 'n')
		return literal(j, "null"); /* as absent */
	return string(j, dst);
}

int jsonin_uint(struct jsonin *j, long *v, const char *why)
{
	return number(j, v, why);
}

int jsonin_parse(const char *s, size_t len, jsonin_member_fn each, void *arg, char *err,
                 size_t errlen)
{
	struct jsonin j = {s, s + len, NULL, 0};

	ws(&j);
	if (j.p >= j.end || *j.p != '{')
		jsonin_fail(&j, "not a JSON object");
	else if (jsonin_object(&j, each, arg) == 0) {
		ws(&j);
		if (j.p != j.end)
			jsonin_fail(&j, "text after the object");
	}
	if (j.why) {
		snprintf(err, errlen, "%s", j.why);
		return -1;
	}
	return 0;
}

void jsonin_free(char *s)
{
	if (s) {
		ccred_wipe(s, strlen(s));
		free(s);
	}
}
