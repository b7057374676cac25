/* SPDX-License-Identifier: MIT */
/*
 * The command's reader of JSON a caller sends (helper/jsonin.c): strict,
 * bounded, no allocation but the strings a protocol keeps.  A protocol
 * walks one object with a callback per member: the callback consumes the
 * value, keeping it (jsonin_str_member, jsonin_uint, a nested
 * jsonin_object or jsonin_array) or checking and skipping it (jsonin_skip).
 */
#ifndef CCRED_JSONIN_H
#define CCRED_JSONIN_H

#include <stddef.h>

#define JSONIN_DEPTH_MAX 32

struct jsonin {
	const char *p, *end;
	const char *why; /* the first error, a fixed text */
	int depth;
};

/* Called with j at the member's value, which it must consume. */
typedef int (*jsonin_member_fn)(struct jsonin *j, const char *key, void *arg);
typedef int (*jsonin_elem_fn)(struct jsonin *j, void *arg);

/*
 * Reads s (len bytes) as one JSON object and nothing after it but white
 * space, calling each for every member.  0 on success; -1 with a short
 * reason in err that never quotes the input (which may hold a token).
 */
int jsonin_parse(const char *s, size_t len, jsonin_member_fn each, void *arg, char *err,
                 size_t errlen);

/* Each returns 0, or -1 having recorded why in j. */
int jsonin_object(struct jsonin *j, jsonin_member_fn each, void *arg); /* NULL each: skip */
int jsonin_array(struct jsonin *j, jsonin_elem_fn each, void *arg);
int jsonin_skip(struct jsonin *j); /* any value, checked */
/* A string, decoded into a new NUL-terminated *out (free with jsonin_free). */
int jsonin_string(struct jsonin *j, char **out);
/* A string member kept in *dst, or null as absent; a repeat is an error. */
int jsonin_str_member(struct jsonin *j, char **dst);
/* A non-negative integer of at most 9 digits; otherwise the error why. */
int jsonin_uint(struct jsonin *j, long *v, const char *why);
int jsonin_fail(struct jsonin *j, const char *why);
/* Wipes (it may have held a secret) and frees a string the reader made. */
void jsonin_free(char *s);

#endif
