/* SPDX-License-Identifier: MIT */
/* cargo's request line: the members ccred uses, read by the command's JSON
 * reader (jsonin.c).  A login's "token" is checked and skipped, never
 * copied. */
#include "config.h"

#include <string.h>

#include "cargo.h"
#include "jsonin.h"

static int registry_member(struct jsonin *j, const char *key, void *arg)
{
	struct cargo_req *r = arg;

	if (strcmp(key, "index-url") == 0)
		return jsonin_str_member(j, &r->index_url);
	if (strcmp(key, "name") == 0)
		return jsonin_str_member(j, &r->name);
	return jsonin_skip(j);
}

static int arg_elem(struct jsonin *j, void *arg)
{
	struct cargo_req *r = arg;

	if (r->nargs >= CARGO_ARGS_MAX)
		return jsonin_fail(j, "too many args");
	if (jsonin_string(j, &r->args[r->nargs]) < 0)
		return -1;
	r->nargs++;
	return 0;
}

static int top_member(struct jsonin *j, const char *key, void *arg)
{
	struct cargo_req *r = arg;

	if (strcmp(key, "v") == 0) {
		if (r->v >= 0)
			return jsonin_fail(j, "a repeated member");
		return jsonin_uint(j, &r->v, "a bad protocol version");
	}
	if (strcmp(key, "registry") == 0) {
		if (j->p >= j->end || *j->p != '{')
			return jsonin_fail(j, "registry is not an object");
		if (r->index_url || r->name)
			return jsonin_fail(j, "a repeated member");
		return jsonin_object(j, registry_member, r);
	}
	if (strcmp(key, "kind") == 0)
		return jsonin_str_member(j, &r->kind);
	if (strcmp(key, "operation") == 0)
		return jsonin_str_member(j, &r->operation);
	if (strcmp(key, "args") == 0) {
		if (j->p >= j->end || *j->p != '[')
			return jsonin_fail(j, "args is not an array");
		if (r->nargs)
			return jsonin_fail(j, "a repeated member");
		return jsonin_array(j, arg_elem, r);
	}
	/* "token" (login), "headers", "cargo_version", ...: checked, not kept */
	return jsonin_skip(j);
}

int cargo_req_parse(const char *s, size_t len, struct cargo_req *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	r->v = -1;
	if (jsonin_parse(s, len, top_member, r, err, errlen) < 0) {
		cargo_req_free(r);
		return -1;
	}
	return 0;
}

void cargo_req_free(struct cargo_req *r)
{
	jsonin_free(r->index_url);
	jsonin_free(r->name);
	jsonin_free(r->kind);
	jsonin_free(r->operation);
	for (size_t i = 0; i < r->nargs; i++)
		jsonin_free(r->args[i]);
	memset(r, 0, sizeof(*r));
	r->v = -1;
}
