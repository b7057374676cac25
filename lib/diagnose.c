/* SPDX-License-Identifier: MIT */
/*
 * ccred doctor's steps, one layer at a time: name resolution, a TCP
 * connection, the TLS handshake with certificate verification, a real token
 * request, and the cache directory.  Each step fails with the error a token
 * request would meet at that layer, and a message that says what is wrong.
 *
 * DNS and TCP are plain getaddrinfo and connect here; TLS goes through the
 * HTTP module, so libcurl stays there.  When a proxy applies (the profile's
 * `proxy`, else the environment's, as curl reads it), DNS and TCP are checked
 * for the proxy, which is what ccred actually connects to.
 */
#include "ccred-int.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ADDRS 8

static const char *endpoint(const struct ccred_ctx *ctx)
{
	return ctx->prof.token_url ? ctx->prof.token_url : ctx->prof.issuer;
}

static const char *env2(const char *a, const char *b)
{
	const char *v = getenv(a);

	if (!v || !*v)
		v = b ? getenv(b) : NULL;
	return v && *v ? v : NULL;
}

/* no_proxy as curl reads it: "*", or a comma list of names that match the
 * host itself or as a domain suffix (a leading dot is optional). */
static bool no_proxy_matches(const char *host)
{
	const char *np = env2("no_proxy", "NO_PROXY"), *s;
	size_t hlen = strlen(host);

	if (!np)
		return false;
	for (s = np; *s;) {
		size_t n;
		while (*s == ' ' || *s == ',')
			s++;
		n = strcspn(s, ", ");
		if (n == 1 && *s == '*')
			return true;
		if (n && *s == '.') {
			s++;
			n--;
		}
		if (n && (hlen == n || (hlen > n && host[hlen - n - 1] == '.')) &&
		    strncasecmp(host + hlen - n, s, n) == 0)
			return true;
		s += n;
	}
	return false;
}

/* The proxy ccred would use to reach url, or NULL. */
static const char *proxy_for(const struct ccred_ctx *ctx, const struct ccredi_url *u)
{
	const char *p;

	/* Plain http never goes through a proxy (modules/http-curl). */
	if (strcmp(u->scheme, "http") == 0)
		return NULL;
	if (ctx->prof.proxy)
		return ctx->prof.proxy;
	if (no_proxy_matches(u->host))
		return NULL;
	/* curl reads http_proxy in lower case only (HTTP_PROXY can be set by a
	 * CGI request header). */
	p = env2("https_proxy", "HTTPS_PROXY");
	return p ? p : env2("all_proxy", "ALL_PROXY");
}

/* Whether the authority of url names a port ("h:1", "[::1]:1"). */
static bool has_port(const char *url)
{
	const char *a = strstr(url, "://"), *e, *c;

	a = a ? a + 3 : url;
	e = a + strcspn(a, "/?#");
	if ((c = memchr(a, '@', (size_t)(e - a))))
		a = c + 1;
	if (*a == '[' && (c = memchr(a, ']', (size_t)(e - a))))
		a = c + 1;
	return memchr(a, ':', (size_t)(e - a)) != NULL;
}

/* Host and port to resolve and connect to: the endpoint's, or its proxy's.
 * *via is set to the proxy's URL when one applies. */
static ccred_error target(struct ccred_ctx *ctx, struct ccredi_url *u, const char **via)
{
	const char *url = endpoint(ctx), *proxy;
	struct ccredi_url pu;
	char *withscheme = NULL;

	*via = NULL;
	if (ccredi_url_parse(url, u) < 0 || !u->host || !*u->host)
		return ccredi_err(ctx, CCRED_E_CONFIG, "'%s' is not a URL", url);
	if (!(proxy = proxy_for(ctx, u)))
		return CCRED_OK;
	/* A proxy without a scheme is an http proxy, on port 1080 by default. */
	if (!strstr(proxy, "://") && asprintf(&withscheme, "http://%s", proxy) < 0)
		return ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
	if (ccredi_url_parse(withscheme ? withscheme : proxy, &pu) < 0 || !pu.host || !*pu.host) {
		free(withscheme);
		return ccredi_err(ctx, CCRED_E_CONFIG, "proxy '%s' is not a URL", proxy);
	}
	/* curl's default proxy port is 1080 (443 for an https proxy). */
	if (!has_port(withscheme ? withscheme : proxy))
		pu.port = strcmp(pu.scheme, "https") == 0 ? 443 : 1080;
	free(withscheme);
	ccredi_url_clear(u);
	*u = pu;
	*via = proxy;
	return CCRED_OK;
}

static ccred_error resolve(struct ccred_ctx *ctx, const struct ccredi_url *u, struct addrinfo **res)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC};
	char port[16];
	int r;

	snprintf(port, sizeof(port), "%d", u->port);
	r = getaddrinfo(u->host, port, &hints, res);
	if (r == 0)
		return CCRED_OK;
	*res = NULL;
	return ccredi_err(ctx, CCRED_E_TEMPFAIL, "cannot resolve %s: %s", u->host,
	                  r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
}

static void numeric(const struct addrinfo *ai, char *buf, size_t len)
{
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, (socklen_t)len, NULL, 0,
	                NI_NUMERICHOST) != 0)
		snprintf(buf, len, "?");
}

static ccred_error check_dns(struct ccred_ctx *ctx, struct ccredi_buf *d)
{
	struct ccredi_url u = {0};
	struct addrinfo *res = NULL;
	char seen[MAX_ADDRS][64];
	const char *via;
	ccred_error rc;
	int n = 0;

	if ((rc = target(ctx, &u, &via)) != CCRED_OK)
		goto out;
	if ((rc = resolve(ctx, &u, &res)) != CCRED_OK) {
		if (via)
			ccredi_err(ctx, rc, "%s (the proxy %s)", ctx->errmsg, via);
		goto out;
	}
	ccredi_buf_addf(d, "%s%s resolves to", via ? "proxy " : "", u.host);
	for (struct addrinfo *ai = res; ai && n < MAX_ADDRS; ai = ai->ai_next) {
		bool dup = false;
		numeric(ai, seen[n], sizeof(seen[n]));
		for (int i = 0; i < n; i++) /* one per address, not per socket type */
			dup |= strcmp(seen[i], seen[n]) == 0;
		if (dup)
			continue;
		ccredi_buf_addf(d, "%s %s", n ? "," : "", seen[n]);
		n++;
	}
out:
	if (res)
		freeaddrinfo(res);
	ccredi_url_clear(&u);
	return rc;
}

/* One non-blocking connect, bounded by the deadline; 0 or an errno. */
static int try_connect(const struct addrinfo *ai, long deadline)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		goto out;
	if (errno != EINPROGRESS) {
		err = errno;
		goto out;
	}
	pfd = (struct pollfd){.fd = fd, .events = POLLOUT};
	for (;;) {
		long left = deadline - ccredi_now_ms();
		int r;
		if (left <= 0) {
			err = ETIMEDOUT;
			break;
		}
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = errno;
		else if (r == 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		break;
	}
out:
	close(fd);
	return err;
}

static ccred_error check_tcp(struct ccred_ctx *ctx, struct ccredi_buf *d)
{
	struct ccredi_url u = {0};
	struct ccredi_buf why = {0};
	struct addrinfo *res = NULL;
	long deadline = ccredi_now_ms() + ctx->prof.timeout * 1000;
	const char *via;
	ccred_error rc;
	int n = 0;

	if ((rc = target(ctx, &u, &via)) != CCRED_OK)
		goto out;
	if ((rc = resolve(ctx, &u, &res)) != CCRED_OK)
		goto out;
	for (struct addrinfo *ai = res; ai && n < MAX_ADDRS; ai = ai->ai_next, n++) {
		char a[64];
		int err = try_connect(ai, deadline);
		numeric(ai, a, sizeof(a));
		if (err == 0) {
			ccredi_buf_addf(d, "connected to %s%s%s%s%s port %d", via ? "proxy " : "",
			                u.host, strcmp(u.host, a) ? " (" : "",
			                strcmp(u.host, a) ? a : "", strcmp(u.host, a) ? ")" : "",
			                u.port);
			goto out;
		}
		ccredi_buf_addf(&why, "%s%s: %s", why.len ? "; " : "", a, strerror(err));
	}
	rc = ccredi_err(ctx, CCRED_E_TEMPFAIL, "cannot connect to %s%s port %d: %s",
	                via ? "the proxy " : "", u.host, u.port, why.len ? why.p : "no address");
out:
	if (res)
		freeaddrinfo(res);
	ccredi_url_clear(&u);
	ccredi_buf_clear(&why);
	return rc;
}

static ccred_error check_tls(struct ccred_ctx *ctx, struct ccredi_buf *d)
{
	struct ccredi_http_request req = {0};
	struct ccredi_http_response resp = {.retry_after = -1};
	struct ccredi_url u = {0};
	const char *url = endpoint(ctx);
	ccred_error rc = CCRED_OK;
	int r;

	if (ccredi_url_parse(url, &u) < 0)
		return ccredi_err(ctx, CCRED_E_CONFIG, "'%s' is not a URL", url);
	if (strcmp(u.scheme, "https") != 0) {
		ccredi_buf_addf(d, "not used: plain %s to a loopback host", u.scheme);
		goto out;
	}
	if ((rc = ccredi_http_load(ctx)) != CCRED_OK)
		goto out;
	/* Any HTTP answer at all means the handshake and the verification of
	 * the certificate succeeded; the body is of no interest. */
	req.url = url;
	req.ca_file = ctx->prof.ca_file;
	req.ca_path = ctx->prof.ca_path;
	req.proxy = ctx->prof.proxy;
	req.timeout_ms = ctx->prof.timeout * 1000;
	r = ctx->http->perform(&req, &resp);
	if (r == CCREDI_HTTP_TLS) {
		rc = ccredi_err(ctx, CCRED_E_TEMPFAIL, "TLS verification failed for %s: %s", u.host,
		                resp.error);
	} else if (r == CCREDI_HTTP_OK || r == CCREDI_HTTP_TOOBIG) {
		ccredi_buf_addf(
		        d, "certificate of %s verified against %s%s%s%s", u.host,
		        ctx->prof.ca_file ? ctx->prof.ca_file : "",
		        ctx->prof.ca_file && ctx->prof.ca_path ? " and " : "",
		        ctx->prof.ca_path ? ctx->prof.ca_path : "",
		        ctx->prof.ca_file || ctx->prof.ca_path ? "" : "the system's trust store");
	} else {
		rc = ccredi_err(ctx, CCRED_E_TEMPFAIL, "TLS connection to %s failed: %s", u.host,
		                resp.error);
	}
out:
	if (resp.body)
		ccredi_freezero(resp.body, resp.body_len);
	free(resp.location);
	ccredi_url_clear(&u);
	return rc;
}

static ccred_error check_token(struct ccred_ctx *ctx, struct ccredi_buf *d)
{
	struct ccredi_tokresp tr;
	time_t started = 0;
	ccred_error rc;

	/* A staged secret is proved before it replaces what the stores hold. */
	rc = ctx->staged ? ccredi_fetch(ctx, ctx->staged, &tr, &started)
	                 : ccredi_fetch_stored(ctx, &tr, &started);
	if (rc != CCRED_OK)
		return rc;
	ccredi_buf_addf(d, "the endpoint issued a %s token",
	                tr.token_type && strcasecmp(tr.token_type, "bearer") != 0 ? tr.token_type
	                                                                          : "Bearer");
	if (tr.expires_in >= 0)
		ccredi_buf_addf(d, " valid %ld s", tr.expires_in);
	if (tr.scope && *tr.scope)
		ccredi_buf_addf(d, ", scope '%s'", tr.scope);
	ccredi_tokresp_clear(&tr);
	return CCRED_OK;
}

/* Owner and mode of one cache file; -1 with why when unsafe. */
static int entry_ok(int dirfd, const char *name, char *why, size_t whylen)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* gone meanwhile */
	if (!S_ISREG(st.st_mode))
		snprintf(why, whylen, "%s is not a regular file", name);
	else if (st.st_uid != geteuid())
		snprintf(why, whylen, "%s is owned by uid %u", name, (unsigned)st.st_uid);
	else if (st.st_mode & 077)
		snprintf(why, whylen, "%s has mode %04o", name, (unsigned)(st.st_mode & 07777));
	else
		return 0;
	return -1;
}

static ccred_error check_cache(struct ccred_ctx *ctx, struct ccredi_buf *d)
{
	char *path = ccredi_cache_dir_path(), why[512] = "";
	struct stat st;
	struct dirent *de;
	DIR *dir = NULL;
	int fd = -1, files = 0;
	ccred_error rc = CCRED_E_CONFIG;

	if (!ctx->prof.cache) {
		ccredi_buf_addf(d, "not used: the profile says cache = no");
		rc = CCRED_OK;
		goto out;
	}
	if (!path) {
		ccredi_err(ctx, rc,
		           "no place for the cache: neither XDG_RUNTIME_DIR nor HOME is set");
		goto out;
	}
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT) {
			ccredi_err(ctx, rc, "%s: %s", path, strerror(errno));
			goto out;
		}
		ccredi_buf_addf(d, "%s does not exist yet; it is made (mode 0700) on first use",
		                path);
		rc = CCRED_OK;
		goto out;
	}
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
		ccredi_err(ctx, rc,
		           "%s is %s, not a directory; remove it (ccred replaces it, never "
		           "following it, on its next fetch)",
		           path, S_ISLNK(st.st_mode) ? "a symbolic link" : "a file");
		goto out;
	}
	if (st.st_uid != geteuid()) {
		ccredi_err(ctx, rc, "%s is owned by uid %u, not by you (uid %u); remove it", path,
		           (unsigned)st.st_uid, (unsigned)geteuid());
		goto out;
	}
	if (st.st_mode & 077) {
		ccredi_err(ctx, rc, "%s has mode %04o; run chmod 700 %s", path,
		           (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		ccredi_err(ctx, rc, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	while ((de = readdir(dir))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (entry_ok(dirfd(dir), de->d_name, why, sizeof(why)) < 0) {
			ccredi_err(ctx, rc, "in %s: %s; remove it (ccred ignores it)", path, why);
			goto out;
		}
		files++;
	}
	ccredi_buf_addf(d, "%s is yours, mode 0700, %d file%s of mode 0600", path, files,
	                files == 1 ? "" : "s");
	rc = CCRED_OK;
out:
	if (dir)
		closedir(dir);
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

CCRED_API ccred_error ccred_check(struct ccred_ctx *ctx, ccred_check_step step, const char **detail)
{
	struct ccredi_buf d = {0};
	ccred_error rc;

	if ((rc = ccredi_need_profile(ctx)) != CCRED_OK)
		return rc;
	switch (step) {
	case CCRED_CHECK_DNS: rc = check_dns(ctx, &d); break;
	case CCRED_CHECK_TCP: rc = check_tcp(ctx, &d); break;
	case CCRED_CHECK_TLS: rc = check_tls(ctx, &d); break;
	case CCRED_CHECK_TOKEN: rc = check_token(ctx, &d); break;
	case CCRED_CHECK_CACHE: rc = check_cache(ctx, &d); break;
	default: rc = ccredi_err(ctx, CCRED_E_USAGE, "no such check: %d", (int)step); break;
	}
	if (rc == CCRED_OK) {
		if (!ccredi_set_str(&ctx->detail, d.p ? d.p : ""))
			rc = ccredi_err(ctx, CCRED_E_NOMEM, "out of memory");
		else if (detail)
			*detail = ctx->detail;
	}
	ccredi_buf_clear(&d);
	return rc;
}
