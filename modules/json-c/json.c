/* SPDX-License-Identifier: MIT */
/*
 * The only file that calls json-c.  Token responses are parsed strictly
 * (one JSON object, valid UTF-8, nothing after it); json-c never wipes its
 * memory, so the token is copied out and the tree released at once.
 *
 * Built into the JSON module (modules/json-c/, loaded by lib/jsonload.c on
 * first use, never on a cache hit) and, for the unit tests and fuzzers,
 * into lib/libccred-internal.la.  It may call only what the module also
 * holds: buf.c and secmem.c (see Makefile.am).
 */
#include "ccred-int.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static json_object *parse_strict(const char *body, size_t len, char *why, size_t whylen)
{
	json_tokener *tok;
	json_object *obj = NULL;
	enum json_tokener_error jerr;

	if (len > INT32_MAX || memchr(body, '\0', len)) {
		snprintf(why, whylen, "the body is not JSON text");
		return NULL;
	}
	if (!(tok = json_tokener_new())) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr != json_tokener_success) {
		snprintf(why, whylen, "the body is not valid JSON (%s)",
		         jerr == json_tokener_continue ? "truncated"
		                                       : json_tokener_error_desc(jerr));
		json_object_put(obj);
		obj = NULL;
	} else if ((size_t)json_tokener_get_parse_end(tok) < len) {
		/* Trailing whitespace is fine, anything else is not. */
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (!strchr(" \t\r\n", body[i])) {
				snprintf(why, whylen, "the body has data after the JSON value");
				json_object_put(obj);
				obj = NULL;
				break;
			}
	}
	json_tokener_free(tok);
	if (obj && !json_object_is_type(obj, json_type_object)) {
		snprintf(why, whylen, "the body is JSON but not an object");
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

/* A string member, or NULL when absent; -1 when present with another type,
 * -2 when a string holding a NUL (which a C string would silently cut: a
 * token_type "Bearer\u0000x" is not Bearer). */
static int get_string(json_object *o, const char *name, char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, name, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = strndup(json_object_get_string(v), (size_t)json_object_get_string_len(v));
	if (*out && strlen(*out) != (size_t)json_object_get_string_len(v)) {
		free(*out);
		*out = NULL;
		return -2;
	}
	return *out ? 0 : -1;
}

/* A token must fit in an HTTP header and a git/docker line unchanged. */
static bool token_chars_ok(const char *t)
{
	if (!*t)
		return false;
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return false;
	return true;
}

ccred_error ccredi_tokresp_parse(const char *body, size_t len, struct ccredi_tokresp *r, char *why,
                                 size_t whylen)
{
	json_object *o, *v;
	ccred_error rc = CCRED_E_PROTOCOL;

	memset(r, 0, sizeof(*r));
	r->expires_in = -1;
	if (!(o = parse_strict(body, len, why, whylen)))
		return CCRED_E_PROTOCOL;

	if (json_object_object_get_ex(o, "error", &v)) {
		if (get_string(o, "error", &r->error) < 0 || !r->error) {
			snprintf(why, whylen, "'error' is not a string");
			goto out;
		}
		/* Descriptions of another type are dropped, not fatal. */
		if (get_string(o, "error_description", &r->error_description) < 0)
			r->error_description = NULL;
		if (get_string(o, "error_uri", &r->error_uri) < 0)
			r->error_uri = NULL;
		rc = CCRED_E_REJECTED;
		goto out;
	}
	if (!json_object_object_get_ex(o, "access_token", &v)) {
		snprintf(why, whylen, "no access_token in the response");
		goto out;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(why, whylen, "access_token is not a string");
		goto out;
	}
	if (!(r->access_token =
	              strndup(json_object_get_string(v), (size_t)json_object_get_string_len(v)))) {
		rc = CCRED_E_NOMEM;
		goto out;
	}
	if (strlen(r->access_token) != (size_t)json_object_get_string_len(v) ||
	    !token_chars_ok(r->access_token)) {
		snprintf(why, whylen,
		         "access_token is empty or has characters a header cannot carry");
		goto out;
	}
	if (get_string(o, "token_type", &r->token_type) < 0) {
		snprintf(why, whylen, "token_type is not a string");
		goto out;
	}
	switch (get_string(o, "scope", &r->scope)) {
	case -1:
		r->scope = NULL; /* a scope of another type is not worth refusing the token */
		break;
	case -2: snprintf(why, whylen, "scope has characters other than printable ASCII"); goto out;
	}
	if (json_object_object_get_ex(o, "expires_in", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		int64_t n;
		if (json_object_is_type(v, json_type_int)) {
			n = json_object_get_int64(v);
		} else if (json_object_is_type(v, json_type_string)) {
			/* Some providers send "3600"; accept a clean number. */
			long l;
			if (!ccredi_parse_long(json_object_get_string(v), 0, INT32_MAX, &l)) {
				snprintf(why, whylen, "expires_in is not a number");
				goto out;
			}
			n = l;
		} else if (json_object_is_type(v, json_type_double)) {
			double d = json_object_get_double(v);
			/* Range first: casting an out-of-range double is undefined
			 * (found by fuzzing: 5.e83782 is infinity). */
			if (!(d >= 0 && d <= INT32_MAX)) {
				snprintf(why, whylen, "expires_in is out of range");
				goto out;
			}
			n = (int64_t)d;
		} else {
			snprintf(why, whylen, "expires_in is not a number");
			goto out;
		}
		if (n < 0 || n > INT32_MAX) {
			snprintf(why, whylen, "expires_in is out of range");
			goto out;
		}
		r->expires_in = (long)n;
	}
	rc = CCRED_OK;
out:
	json_object_put(o);
	if (rc != CCRED_OK && rc != CCRED_E_REJECTED) {
		ccredi_free_secret_str(r->access_token);
		r->access_token = NULL;
	}
	return rc;
}

static int b64url_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-' || c == '+')
		return 62;
	if (c == '_' || c == '/')
		return 63;
	return -1;
}

long long ccredi_jwt_exp(const char *token)
{
	const char *p = strchr(token, '.'), *e;
	char *dec = NULL;
	size_t n = 0, cap;
	unsigned acc = 0;
	int bits = 0;
	long long exp = -1;
	json_object *o = NULL, *v;
	char why[64];

	if (!p || !(e = strchr(p + 1, '.')))
		return -1;
	p++;
	cap = (size_t)(e - p) * 3 / 4 + 3;
	if (cap > CCREDI_LINE_MAX || !(dec = malloc(cap)))
		return -1;
	for (; p < e && *p != '='; p++) {
		int d = b64url_val((unsigned char)*p);
		if (d < 0)
			goto out;
		acc = (acc << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dec[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (!(o = parse_strict(dec, n, why, sizeof(why))))
		goto out;
	if (json_object_object_get_ex(o, "exp", &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		exp = json_object_get_int64(v);
	if (exp <= 0)
		exp = -1;
out:
	json_object_put(o);
	free(dec);
	return exp;
}

ccred_error ccredi_discovery_parse(const char *body, size_t len, char **issuer,
                                   char **token_endpoint, char *why, size_t whylen)
{
	json_object *o;
	ccred_error rc = CCRED_E_PROTOCOL;

	*issuer = *token_endpoint = NULL;
	if (!(o = parse_strict(body, len, why, whylen)))
		return CCRED_E_PROTOCOL;
	if (get_string(o, "issuer", issuer) < 0 || !*issuer) {
		snprintf(why, whylen, "the discovery document has no issuer");
		goto out;
	}
	if (get_string(o, "token_endpoint", token_endpoint) < 0 || !*token_endpoint) {
		snprintf(why, whylen, "the discovery document has no token_endpoint");
		goto out;
	}
	rc = CCRED_OK;
out:
	json_object_put(o);
	if (rc != CCRED_OK) {
		free(*issuer);
		free(*token_endpoint);
		*issuer = *token_endpoint = NULL;
	}
	return rc;
}

ccred_error ccredi_discovery_string(const char *body, size_t len, const char *name, char **out,
                                    char *why, size_t whylen)
{
	json_object *o;
	ccred_error rc = CCRED_OK;

	*out = NULL;
	if (!(o = parse_strict(body, len, why, whylen)))
		return CCRED_E_PROTOCOL;
	if (get_string(o, name, out) < 0) {
		snprintf(why, whylen, "the discovery document's %s is not a string", name);
		rc = CCRED_E_PROTOCOL;
	}
	json_object_put(o);
	return rc;
}
