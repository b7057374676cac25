/* SPDX-License-Identifier: MIT */
/*
 * The internal ABI between libccred and its JSON module
 * ($(pkglibdir)/json-c.so), which holds modules/json-c/json.c, the only
 * code that calls json-c.  It is loaded with dlopen the first time JSON must be read
 * (a token response, a discovery document), so a
 * cache hit never maps json-c nor pays for its relocation.
 *
 * lib/jsonload.c gives the rest of the library the ccredi_* functions
 * below as wrappers over the module; the unit tests and fuzzers link
 * modules/json-c/json.c itself (lib/libccred-internal.la) and need no
 * module.
 *
 * Not installed: the module ships with the library and both carry the same
 * CCREDI_JSON_ABI, checked at load.  struct ccredi_tokresp is part of it.
 */
#ifndef CCRED_JSONMOD_H
#define CCRED_JSONMOD_H

#include <stddef.h>

#include <ccred/ccred.h>

/* 2: the KUBERNETES_EXEC_INFO parser left the table for the command.
 * 3: discovery_string (revocation_endpoint). */
#define CCREDI_JSON_ABI 3

struct ccredi_tokresp {
	char *access_token; /* secret: ccredi_free_secret_str */
	char *token_type;   /* as given, or NULL */
	char *scope;        /* or NULL */
	long expires_in;    /* -1 when absent */
	char *error, *error_description, *error_uri;
};

/* Parses a token endpoint body strictly.  Returns CCRED_OK when access_token
 * is a string; CCRED_E_REJECTED when an OAuth2 error object; CCRED_E_PROTOCOL
 * otherwise, with why filled.  (Through the module: CCRED_E_INTERNAL when it
 * cannot be loaded.) */
ccred_error ccredi_tokresp_parse(const char *body, size_t len, struct ccredi_tokresp *out,
                                 char *why, size_t whylen);
/* `exp` claim of a JWT, or -1. */
long long ccredi_jwt_exp(const char *token);
/* token_endpoint (and issuer) from a discovery document. */
ccred_error ccredi_discovery_parse(const char *body, size_t len, char **issuer,
                                   char **token_endpoint, char *why, size_t whylen);
/* Another string member of a discovery document (revocation_endpoint):
 * malloc'd into *out, NULL when absent; CCRED_E_PROTOCOL when it is there
 * and not a string. */
ccred_error ccredi_discovery_string(const char *body, size_t len, const char *name, char **out,
                                    char *why, size_t whylen);

struct ccredi_json_vtable {
	int abi;
	ccred_error (*tokresp_parse)(const char *body, size_t len, struct ccredi_tokresp *out,
	                             char *why, size_t whylen);
	long long (*jwt_exp)(const char *token);
	ccred_error (*discovery_parse)(const char *body, size_t len, char **issuer,
	                               char **token_endpoint, char *why, size_t whylen);
	ccred_error (*discovery_string)(const char *body, size_t len, const char *name, char **out,
	                                char *why, size_t whylen);
};

/* The module's only export. */
typedef const struct ccredi_json_vtable *(*ccredi_json_entry_fn)(void);
#define CCREDI_JSON_ENTRY "ccred_json_module"

#endif
