/* SPDX-License-Identifier: MIT */
/* The cache entry format, the cache key, and the lock, below the command:
 * an entry cut at any byte (a torn write) is never taken for a token. */
#include "ccred-int.h"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct ccredi_profile base = {
        .name = "p",
        .token_url = "https://auth.example/token",
        .client_id = "cid",
        .scope = "a b",
        .auth_method = "client_secret_post",
};

static void key_of(const struct ccredi_profile *p, struct ccredi_buf *key, char stem[33])
{
	memset(key, 0, sizeof(*key));
	CHECK_INT(ccredi_cache_key(p, key, stem), 0);
	CHECK_INT(strlen(stem), 32);
}

/* Every field of the key changes the stem. */
static void test_key(void)
{
	struct ccredi_profile v[7];
	struct ccredi_buf k0, k;
	char s0[33], s[33];

	for (int i = 0; i < 7; i++)
		v[i] = base;
	v[0].token_url = "https://auth.example/token2";
	v[1].client_id = "cid2";
	v[2].scope = "a";
	v[3].audience = "aud";
	v[4].resource = "https://api.example";
	v[5].auth_method = "client_secret_basic";
	v[6].token_url = NULL;
	v[6].issuer = "https://auth.example/token"; /* same URL, but an issuer */
	key_of(&base, &k0, s0);
	for (int i = 0; i < 7; i++) {
		key_of(&v[i], &k, s);
		CHECK(strcmp(s, s0) != 0);
		CHECK(strcmp(k.p, k0.p) != 0);
		ccredi_buf_clear(&k);
	}
	ccredi_buf_clear(&k0);
	/* An empty scope and no scope are the same request. */
	v[0] = base;
	v[0].scope = NULL;
	v[1] = base;
	v[1].scope = "";
	key_of(&v[0], &k0, s0);
	key_of(&v[1], &k, s);
	CHECK_STR(s, s0);
	ccredi_buf_clear(&k0);
	ccredi_buf_clear(&k);
}

static int tmpdir(char *path)
{
	snprintf(path, 64, "/tmp/ccred-test-cache.XXXXXX");
	CHECK(mkdtemp(path) != NULL);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void rm_dir(int dirfd, const char *path, const char *stem)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.tok", stem);
	unlinkat(dirfd, name, 0);
	snprintf(name, sizeof(name), "%s.lock", stem);
	unlinkat(dirfd, name, 0);
	close(dirfd);
	CHECK_INT(rmdir(path), 0);
}

/* Write, read back; then every prefix of the file is refused. */
static void test_entry(void)
{
	struct ccredi_cache_entry e =
	                                  {
	                                          .token = "tok-123",
	                                          .token_type = "Bearer",
	                                          .scope = "a b",
	                                          .obtained = 1700000000,
	                                          .expires = 1700000300,
	                                  },
	                          got;
	struct ccredi_buf key;
	char stem[33], why[256], path[64], name[64], *text;
	struct stat st;
	int dirfd, fd;

	key_of(&base, &key, stem);
	dirfd = tmpdir(path);
	CHECK(dirfd >= 0);
	CHECK_INT(ccredi_cache_write(dirfd, stem, key.p, &e, why, sizeof(why)), 0);
	CHECK_INT(ccredi_cache_read(dirfd, stem, key.p, &got, why, sizeof(why)), 0);
	CHECK_STR(got.token, "tok-123");
	CHECK_STR(got.token_type, "Bearer");
	CHECK_STR(got.scope, "a b");
	CHECK_INT(got.obtained, 1700000000);
	CHECK_INT(got.expires, 1700000300);
	ccredi_cache_entry_clear(&got);

	snprintf(name, sizeof(name), "%s.tok", stem);
	CHECK_INT(fstatat(dirfd, name, &st, 0), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	fd = openat(dirfd, name, O_RDONLY);
	text = malloc((size_t)st.st_size);
	CHECK(text && read(fd, text, (size_t)st.st_size) == st.st_size);
	close(fd);
	for (off_t n = 0; n < st.st_size; n++) {
		int r = ccredi_cache_parse(text, (size_t)n, key.p, &got, why, sizeof(why));
		CHECK_INT(r, 1);
		CHECK(got.token == NULL);
	}
	CHECK_INT(ccredi_cache_parse(text, (size_t)st.st_size, key.p, &got, why, sizeof(why)), 0);
	ccredi_cache_entry_clear(&got);

	/* Another key, another version, trailing data, a NUL, a CR. */
	{
		struct ccredi_profile other = base;
		struct ccredi_buf k2;
		char s2[33];
		other.client_id = "someone-else";
		key_of(&other, &k2, s2);
		CHECK_INT(
		        ccredi_cache_parse(text, (size_t)st.st_size, k2.p, &got, why, sizeof(why)),
		        1);
		CHECK_STR(why, "entry belongs to another key");
		ccredi_buf_clear(&k2);
	}
	text[12] = '2'; /* "ccred-cache 2" */
	CHECK_INT(ccredi_cache_parse(text, (size_t)st.st_size, key.p, &got, why, sizeof(why)), 1);
	CHECK_STR(why, "not a cache entry of this version");
	text[12] = '1';
	{
		char *more = malloc((size_t)st.st_size + 4);
		memcpy(more, text, (size_t)st.st_size);
		memcpy(more + st.st_size, "x\n", 2);
		CHECK_INT(ccredi_cache_parse(more, (size_t)st.st_size + 2, key.p, &got, why,
		                             sizeof(why)),
		          1);
		free(more);
	}
	text[st.st_size - 6] = '\0'; /* inside the token line */
	CHECK_INT(ccredi_cache_parse(text, (size_t)st.st_size, key.p, &got, why, sizeof(why)), 1);
	text[st.st_size - 6] = '\r';
	CHECK_INT(ccredi_cache_parse(text, (size_t)st.st_size, key.p, &got, why, sizeof(why)), 1);
	free(text);

	/* A mode other than 0600 is refused on read. */
	CHECK_INT(fchmodat(dirfd, name, 0640, 0), 0);
	CHECK_INT(ccredi_cache_read(dirfd, stem, key.p, &got, why, sizeof(why)), 1);
	CHECK(strstr(why, "mode 0640") != NULL);

	/* No temp file is left behind. */
	CHECK_INT(ccredi_cache_remove(dirfd, stem), 0);
	CHECK_INT(ccredi_cache_remove(dirfd, stem), 0); /* gone is fine */
	rm_dir(dirfd, path, stem);
	ccredi_buf_clear(&key);
}

/* A field's value can never carry another field: the writer refuses what
 * its line cannot hold, and the reader takes the fields exactly once, in
 * order, with the characters the writer allows (issue 10: a token_type of
 * "Bearer\nexpires 9999999999" extended a token's life). */
static void test_entry_injection(void)
{
	struct ccredi_cache_entry e =
	                                  {
	                                          .token = "tok-123",
	                                          .token_type = "Bearer\nexpires 9999999999",
	                                          .scope = "a b",
	                                          .obtained = 1700000000,
	                                          .expires = 1700000300,
	                                  },
	                          got;
	struct ccredi_buf key, b = {0};
	char stem[33], why[256], *text;
	const char *hex;

	key_of(&base, &key, stem);
	CHECK_INT(ccredi_cache_format(&b, key.p, &e, why, sizeof(why)), -1);
	ccredi_buf_clear(&b);
	e.token_type = "Bearer";
	e.scope = "a\nexpires 9999999999";
	CHECK_INT(ccredi_cache_format(&b, key.p, &e, why, sizeof(why)), -1);
	ccredi_buf_clear(&b);
	e.scope = "a b";
	e.token = "tok\x1b[31m";
	CHECK_INT(ccredi_cache_format(&b, key.p, &e, why, sizeof(why)), -1);
	ccredi_buf_clear(&b);
	e.token = "tok-123";
	CHECK_INT(ccredi_cache_format(&b, key.p, &e, why, sizeof(why)), 0);
	CHECK_INT(ccredi_cache_parse(b.p, b.len, key.p, &got, why, sizeof(why)), 0);
	ccredi_cache_entry_clear(&got);

	/* What an older ccred wrote for such a type: the extra line is refused. */
	hex = strstr(b.p, "\nkey ") + 5;
	CHECK(asprintf(&text,
	               "ccred-cache 1\nkey %.*s\nobtained 1700000000\nexpires 1700000300\n"
	               "type Bearer\nexpires 9999999999\nscope a b\ntoken tok-123\nend\n",
	               (int)strcspn(hex, "\n"), hex) > 0);
	CHECK_INT(ccredi_cache_parse(text, strlen(text), key.p, &got, why, sizeof(why)), 1);
	CHECK(got.token == NULL);
	free(text);
	/* A field twice, out of order, or unknown: refused. */
	CHECK(asprintf(&text,
	               "ccred-cache 1\nkey %.*s\nobtained 1700000000\nexpires 1700000300\n"
	               "type Bearer\nscope a b\ntoken tok-123\nexpires 9999999999\nend\n",
	               (int)strcspn(hex, "\n"), hex) > 0);
	CHECK_INT(ccredi_cache_parse(text, strlen(text), key.p, &got, why, sizeof(why)), 1);
	free(text);
	CHECK(asprintf(&text,
	               "ccred-cache 1\nkey %.*s\nexpires 1700000300\nobtained 1700000000\n"
	               "type Bearer\nscope a b\ntoken tok-123\nend\n",
	               (int)strcspn(hex, "\n"), hex) > 0);
	CHECK_INT(ccredi_cache_parse(text, strlen(text), key.p, &got, why, sizeof(why)), 1);
	free(text);
	/* An older ccred's entry of another type still parses (the library
	 * then refuses to hand it out, and fetches anew: tests/e2e/hostile.bats). */
	CHECK(asprintf(&text,
	               "ccred-cache 1\nkey %.*s\nobtained 1700000000\nexpires 1700000300\n"
	               "type mac\nscope a b\ntoken tok-123\nend\n",
	               (int)strcspn(hex, "\n"), hex) > 0);
	CHECK_INT(ccredi_cache_parse(text, strlen(text), key.p, &got, why, sizeof(why)), 0);
	CHECK_STR(got.token_type, "mac");
	ccredi_cache_entry_clear(&got);
	free(text);
	ccredi_buf_clear(&b);
	ccredi_buf_clear(&key);
}

/* Server text for a person: escaped, one line, at most 512 bytes. */
static void test_shown(void)
{
	char out[CCREDI_SHOWN_MAX + 1], big[2000];
	struct ccredi_tokresp r = {.expires_in = -1};

	CHECK_STR(ccredi_shown(out, sizeof(out), "bad\x1b[2J\r\nx\\y\x7f\xc3\xa9"),
	          "bad\\x1b[2J\\x0d\\x0ax\\\\y\\x7f\\xc3\\xa9");
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ccredi_shown(out, sizeof(out), big);
	CHECK(strlen(out) <= CCREDI_SHOWN_MAX);
	CHECK(strcmp(out + strlen(out) - 3, "...") == 0);
	CHECK(strchr(out, '\n') == NULL);

	r.access_token = strdup("tok");
	r.token_type = strdup("Bearer\nurl = http://evil/");
	CHECK_INT(ccredi_tokresp_vet(&r, big, sizeof(big)), CCRED_E_PROTOCOL);
	CHECK_STR(big, "token_type \"Bearer\\x0aurl = http://evil/\"; ccred hands out only "
	               "Bearer tokens");
	free(r.token_type);
	r.token_type = strdup("bEARER");
	r.scope = strdup("a\tb");
	CHECK_INT(ccredi_tokresp_vet(&r, big, sizeof(big)), CCRED_E_PROTOCOL);
	free(r.scope);
	r.scope = strdup("a \"b\" \\c");
	CHECK_INT(ccredi_tokresp_vet(&r, big, sizeof(big)), CCRED_OK);
	CHECK(r.token_type == NULL);
	ccredi_tokresp_clear(&r);
}

/* The lock: a second taker times out while it is held and gets it once the
 * holder's descriptor is closed (as when the holder dies). */
static void test_lock(void)
{
	char path[64];
	bool waited;
	int dirfd = tmpdir(path), fd, status = 0;
	pid_t pid;

	fd = ccredi_lock_take(dirfd, "0123", 1000, &waited);
	CHECK(fd >= 0);
	CHECK(!waited);
	pid = fork();
	if (pid == 0) {
		bool w;
		int f;
		close(fd); /* (fork shares the flock; a separate process has its own open) */
		f = ccredi_lock_take(dirfd, "0123", 200, &w);
		if (f >= 0 || errno != ETIMEDOUT)
			_exit(1);
		f = ccredi_lock_take(dirfd, "0123", 5000, &w);
		_exit(f >= 0 && w ? 0 : 2);
	}
	usleep(500 * 1000); /* the child's first try times out meanwhile */
	ccredi_lock_release(fd);
	CHECK_INT(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), 0);
	rm_dir(dirfd, path, "0123");
}

/* The refresh record: read back as written, 0600; a record cut short, with
 * junk after it, or of a wider mode is no record (refreshes go on). */
static void test_refresh_record(void)
{
	static const char stem[] = "0123456789abcdef0123456789abcdef";
	char path[64], name[64], why[256], text[96];
	long long nb = 0;
	struct stat st;
	ssize_t n;
	int dirfd = tmpdir(path), fd;

	CHECK_INT(ccredi_refresh_record_read(dirfd, stem, &nb), -1);
	CHECK_INT(ccredi_refresh_record_write(dirfd, stem, 1700000012345LL, why, sizeof(why)), 0);
	CHECK_INT(ccredi_refresh_record_read(dirfd, stem, &nb), 0);
	CHECK(nb == 1700000012345LL);
	snprintf(name, sizeof(name), "%s.refresh", stem);
	CHECK_INT(fstatat(dirfd, name, &st, 0), 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	fd = openat(dirfd, name, O_RDONLY);
	n = read(fd, text, sizeof(text));
	close(fd);
	CHECK(n > 0);
	for (ssize_t cut = 0; cut < n; cut++) {
		fd = openat(dirfd, name, O_WRONLY | O_TRUNC);
		CHECK(write(fd, text, (size_t)cut) == cut);
		close(fd);
		CHECK_INT(ccredi_refresh_record_read(dirfd, stem, &nb), -1);
	}
	fd = openat(dirfd, name, O_WRONLY | O_TRUNC);
	CHECK(write(fd, text, (size_t)n) == n && write(fd, "x\n", 2) == 2);
	close(fd);
	CHECK_INT(ccredi_refresh_record_read(dirfd, stem, &nb), -1);
	CHECK_INT(ccredi_refresh_record_write(dirfd, stem, 5, why, sizeof(why)), 0);
	CHECK_INT(fchmodat(dirfd, name, 0644, 0), 0);
	CHECK_INT(ccredi_refresh_record_read(dirfd, stem, &nb), -1);
	ccredi_refresh_record_remove(dirfd, stem);
	CHECK(faccessat(dirfd, name, F_OK, 0) < 0 && errno == ENOENT);
	rm_dir(dirfd, path, stem);
}

int main(void)
{
	test_key();
	test_entry();
	test_entry_injection();
	test_shown();
	test_lock();
	test_refresh_record();
	return check_done();
}
