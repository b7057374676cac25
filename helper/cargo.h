/* SPDX-License-Identifier: MIT */
/* cargo's credential-provider protocol: the request reader (cargo-req.c,
 * on the command's JSON reader jsonin.c), kept apart from the protocol
 * (cargo.c) so the fuzz harness can run it alone. */
#ifndef CCRED_CARGO_H
#define CCRED_CARGO_H

#include <stddef.h>

#define CARGO_LINE_MAX 65536
#define CARGO_ARGS_MAX 64

/* What ccred uses of one request line; every string NUL-free UTF-8 as
 * sent, NULL when absent.  login's "token" is skipped, never copied. */
struct cargo_req {
	long v; /* -1 when absent */
	char *index_url;
	char *name;
	char *kind;
	char *operation;
	char *args[CARGO_ARGS_MAX];
	size_t nargs;
};

/*
 * Parses one request line of len bytes (strict JSON: one object, nothing
 * after it but white space).  0 on success; -1 on malformed input with a
 * short reason in err (never quoting the input, which may hold a token).
 * r is always safe to cargo_req_free() afterwards.
 */
int cargo_req_parse(const char *s, size_t len, struct cargo_req *r, char *err, size_t errlen);
void cargo_req_free(struct cargo_req *r);

#endif
