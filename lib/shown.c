/* SPDX-License-Identifier: MIT */
/*
 * What a server sends is data, never syntax.  The token, its type and its
 * scope end up in lines that git, curl, shells and HTTP servers parse, so
 * they are held to the characters those lines can carry unchanged; text
 * meant for a person (an OAuth2 error, a Location) is escaped and cut, so
 * no terminal control sequence and no extra line reaches the terminal.
 */
#include "ccred-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool ccredi_visible_ascii(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

bool ccredi_printable_ascii(const char *s)
{
	if (!s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

CCRED_API int ccred_ascii_is(const char *s, unsigned int cls)
{
	switch (cls) {
	case CCRED_ASCII_VISIBLE: return ccredi_visible_ascii(s);
	case CCRED_ASCII_PRINTABLE: return ccredi_printable_ascii(s);
	default: return 0;
	}
}

bool ccredi_is_bearer(const char *type)
{
	return !type || strcasecmp(type, "bearer") == 0;
}

const char *ccredi_shown(char *dst, size_t dstlen, const char *s)
{
	size_t max = dstlen - 1 < CCREDI_SHOWN_MAX ? dstlen - 1 : CCREDI_SHOWN_MAX, n = 0;

	/* RFC 6749 5.2 allows only printable ASCII in error texts anyway:
	 * anything else (controls, DEL, every byte of UTF-8) is shown as \xNN,
	 * and a backslash doubled, so the escaping cannot be forged. */
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char piece[5];
		size_t len;

		if (c == '\\')
			len = (size_t)snprintf(piece, sizeof(piece), "\\\\");
		else if (c < 0x20 || c > 0x7e)
			len = (size_t)snprintf(piece, sizeof(piece), "\\x%02x", c);
		else
			len = (size_t)snprintf(piece, sizeof(piece), "%c", c);
		/* Cut whole pieces, leaving room for the "..." that says so. */
		if (n + len > max || (s[1] && n + len > max - 3)) {
			memcpy(dst + n, "...", 3);
			n += 3;
			break;
		}
		memcpy(dst + n, piece, len);
		n += len;
	}
	dst[n] = '\0';
	return dst;
}

ccred_error ccredi_tokresp_vet(struct ccredi_tokresp *tr, char *why, size_t whylen)
{
	char shown[CCREDI_SHOWN_MAX + 1];

	if (!ccredi_visible_ascii(tr->access_token)) {
		snprintf(why, whylen,
		         "access_token is empty or has characters a header cannot carry");
		return CCRED_E_PROTOCOL;
	}
	if (!ccredi_is_bearer(tr->token_type)) {
		snprintf(why, whylen, "token_type \"%s\"; ccred hands out only Bearer tokens",
		         ccredi_shown(shown, sizeof(shown), tr->token_type));
		return CCRED_E_PROTOCOL;
	}
	if (tr->scope && !ccredi_printable_ascii(tr->scope)) {
		snprintf(why, whylen,
		         "scope has characters other than printable ASCII (RFC 6749 section 3.3)");
		return CCRED_E_PROTOCOL;
	}
	free(tr->token_type);
	tr->token_type = NULL;
	return CCRED_OK;
}
