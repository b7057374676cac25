/* SPDX-License-Identifier: MIT */
/*
 * URLs as ccred needs them: parsing enough to match a caller's URL against
 * a profile's `url` the way git matches credential.<url>, and deciding from
 * the literal host (no DNS) whether plain http is allowed.
 */
#include "ccred-int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ccredi_url_clear(struct ccredi_url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

static int default_port(const char *scheme)
{
	if (strcmp(scheme, "https") == 0)
		return 443;
	if (strcmp(scheme, "http") == 0)
		return 80;
	return 0;
}

static char *lower_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	d[n] = '\0';
	return d;
}

/* scheme://[user@]host[:port][/path][?query][#frag]; a bare host[:port][/path]
 * is read as https (docker sends registry hosts that way). */
int ccredi_url_parse(const char *s, struct ccredi_url *u)
{
	const char *p = strstr(s, "://"), *h, *hend, *end;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (p) {
		for (const char *c = s; c < p; c++)
			if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.')
				return -1;
		if (p == s || !(u->scheme = lower_dup(s, (size_t)(p - s))))
			goto fail;
		h = p + 3;
	} else {
		if (!(u->scheme = strdup("https")))
			goto fail;
		h = s;
	}
	end = h + strcspn(h, "/?#");
	/* userinfo is not part of the host */
	for (const char *at = h; at < end; at++)
		if (*at == '@')
			h = at + 1;
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (!rb)
			goto fail;
		if (!(u->host = lower_dup(h + 1, (size_t)(rb - h - 1))))
			goto fail;
		hend = rb + 1;
	} else {
		hend = h;
		while (hend < end && *hend != ':')
			hend++;
		if (!(u->host = lower_dup(h, (size_t)(hend - h))))
			goto fail;
	}
	if (!*u->host)
		goto fail;
	for (const char *c = u->host; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '\\' || *c == '%' || *c == '"')
			goto fail;
	if (hend < end && *hend == ':' && hend + 1 < end) {
		long port = 0;
		for (const char *c = hend + 1; c < end; c++) {
			if (!isdigit((unsigned char)*c))
				goto fail;
			port = port * 10 + (*c - '0');
			if (port > 65535)
				goto fail;
		}
		if (port == 0)
			goto fail;
		u->port = (int)port;
	} else if (hend < end && !(*hend == ':' && hend + 1 == end)) {
		goto fail;
	} else {
		u->port = default_port(u->scheme);
	}
	n = *end == '/' ? strcspn(end, "?#") : 0;
	if (!(u->path = malloc(n + 1)))
		goto fail;
	memcpy(u->path, end, n);
	u->path[n] = '\0';
	return 0;
fail:
	ccredi_url_clear(u);
	return -1;
}

bool ccredi_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* git: the pattern's path is a prefix of the URL's on '/' boundaries; a
 * pattern without a path matches every path.  Trailing '/' is ignored. */
static int path_match(const char *pat, const char *path)
{
	size_t n = strlen(pat);

	while (n > 0 && pat[n - 1] == '/')
		n--;
	if (n == 0)
		return 0;
	if (strncmp(pat, path, n) != 0)
		return -1;
	if (path[n] != '\0' && path[n] != '/')
		return -1;
	return (int)n;
}

int ccredi_url_match(const struct ccredi_url *pat, const struct ccredi_url *url)
{
	int pm;

	if (strcmp(pat->scheme, url->scheme) != 0 || strcmp(pat->host, url->host) != 0 ||
	    pat->port != url->port)
		return -1;
	if ((pm = path_match(pat->path, url->path)) < 0)
		return -1;
	/* Scheme, host and port are equal for all candidates: the longer path wins. */
	return pm + 1;
}

bool ccredi_url_secure_enough(const char *s, char *why, size_t whylen)
{
	struct ccredi_url u;
	bool ok = false;

	if (!strstr(s, "://") || ccredi_url_parse(s, &u) < 0) {
		snprintf(why, whylen, "'%s' is not an http(s) URL", s);
		return false;
	}
	if (strcmp(u.scheme, "https") == 0)
		ok = true;
	else if (strcmp(u.scheme, "http") == 0) {
		ok = ccredi_host_is_loopback(u.host);
		if (!ok)
			snprintf(why, whylen,
			         "plain http to '%s' would send the client secret in clear; use "
			         "https "
			         "(http is allowed only for loopback hosts)",
			         u.host);
	} else {
		snprintf(why, whylen, "'%s': scheme must be https (or http on loopback)", s);
	}
	ccredi_url_clear(&u);
	return ok;
}
