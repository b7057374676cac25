/* SPDX-License-Identifier: MIT */
/* ccred_config_write_profile: the text edit, line by line, in the cases a
 * hand-written file brings (CRLF, no final newline, a byte order mark, a
 * profile in two sections, lists), and what it refuses.  ccred_profile_preview,
 * ccred_config_check_value and the staged secret: what configure proves
 * before it writes. */
#include "ccred-int.h"
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/ccred-test-configure-XXXXXX";
static char path[256];

static void put(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static char *get(void)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Writes settings into `before` and compares the file with `after`. */
static void edit(int line, const char *before, const char *name, const char *const *settings,
                 const char *after)
{
	struct ccred_ctx *ctx = NULL;
	const char *written = NULL;
	ccred_error rc;

	if (before)
		put(before);
	else
		unlink(path);
	CHECK_INT(ccred_open(&ctx, path, CCRED_OPEN_NO_SYSTEM | CCRED_OPEN_MISSING_OK), CCRED_OK);
	rc = ccred_config_write_profile(ctx, path, name, settings, &written);
	if (rc != CCRED_OK)
		fprintf(stderr, "line %d: %s\n", line, ccred_errmsg(ctx));
	CHECK_INT(rc, CCRED_OK);
	CHECK_STR(written, path);
	if (strcmp(get(), after) != 0)
		fprintf(stderr, "line %d: got\n---\n%s---\nwanted\n---\n%s---\n", line, get(),
		        after);
	CHECK_STR(get(), after);
	ccred_close(ctx);
}

static void refused(const char *before, const char *name, const char *const *settings,
                    ccred_error want, const char *needle)
{
	struct ccred_ctx *ctx = NULL;

	put(before);
	CHECK_INT(ccred_open(&ctx, path, CCRED_OPEN_NO_SYSTEM), CCRED_OK);
	CHECK_INT(ccred_config_write_profile(ctx, path, name, settings, NULL), want);
	if (!strstr(ccred_errmsg(ctx), needle))
		fprintf(stderr, "error '%s' lacks '%s'\n", ccred_errmsg(ctx), needle);
	CHECK(strstr(ccred_errmsg(ctx), needle) != NULL);
	CHECK_STR(get(), before);
	ccred_close(ctx);
}

int main(void)
{
	static const char *const basic[] = {"token_url", "https://a/t", "client_id", "c", NULL};
	static const char *const more[] = {
	        "scope", "x y", "secret_store", "file ~/s", "secret_store", "env E", "issuer",
	        "",      NULL};
	struct stat st;

	if (!mkdtemp(dir))
		return 2;
	snprintf(path, sizeof(path), "%s/sub/dir/config", dir);

	/* A new file, its directories 0700, the file 0600. */
	edit(__LINE__, NULL, "p", basic, "[profile p]\ntoken_url = https://a/t\nclient_id = c\n");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(path, sizeof(path), "%s/sub/dir", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	snprintf(path, sizeof(path), "%s/sub/dir/config", dir);

	/* Appended after a blank line; the last line had no newline. */
	edit(__LINE__, "# top\n[profile q]\nclient_id = q", "p", basic,
	     "# top\n[profile q]\nclient_id = q\n\n[profile p]\ntoken_url = https://a/t\n"
	     "client_id = c\n");

	/* Keys replaced where they were; comments and other keys stay; a
	 * trailing comment stays with what follows. */
	edit(__LINE__,
	     "[profile p]\n# mine\nscope = old\nclient_id = old\nurl = https://u\n"
	     "# about q\n[profile q]\nclient_id = q\n",
	     "p", more,
	     "[profile p]\n# mine\nscope = x y\nsecret_store = file ~/s\nsecret_store = env E\n"
	     "client_id = old\nurl = https://u\n# about q\n[profile q]\nclient_id = q\n");

	/* Nothing named yet: after the section's last key line. */
	edit(__LINE__, "[profile p]\nclient_id = c\n; note on q\n\n[profile q]\nclient_id = q\n",
	     "p", (const char *const[]){"scope", "s", NULL},
	     "[profile p]\nclient_id = c\nscope = s\n; note on q\n\n[profile q]\nclient_id = q\n");

	/* Two sections of one profile: keys go from both, new lines into the
	 * last, which is what wins. */
	edit(__LINE__,
	     "[profile p]\nscope = a\n[profile q]\nclient_id = q\n[profile p]\nurl = https://v\n",
	     "p", (const char *const[]){"scope", "b", "url", "https://w", NULL},
	     "[profile p]\n[profile q]\nclient_id = q\n[profile p]\nscope = b\nurl = https://w\n");

	/* CRLF files get CRLF lines; a byte order mark stays and is seen past. */
	edit(__LINE__, "\xEF\xBB\xBF[profile p]\r\nscope = a\r\n", "p",
	     (const char *const[]){"scope", "b", NULL}, "\xEF\xBB\xBF[profile p]\r\nscope = b\r\n");

	/* Blank values remove only; a name that only looks alike is another. */
	edit(__LINE__, "[profile pp]\nscope = a\n[profile  p ]\nscope = a\nissuer = https://i\n",
	     "p", (const char *const[]){"scope", "", "issuer", "", NULL},
	     "[profile pp]\nscope = a\n[profile  p ]\n");

	/* Refused, the file untouched. */
	refused("[profile p]\nclient_id = c\n", "p",
	        (const char *const[]){"token_url", "http://example.com/t", NULL}, CCRED_E_CONFIG,
	        "would not parse");
	refused("[profile p]\n", "p", (const char *const[]){"nosuchkey", "v", NULL}, CCRED_E_USAGE,
	        "unknown key");
	refused("[profile p]\n", "p", (const char *const[]){"scope", "a\nclient_id = evil", NULL},
	        CCRED_E_USAGE, "newline");
	refused("[profile p]\n", "p", (const char *const[]){"scope", " a", NULL}, CCRED_E_USAGE,
	        "blank");
	refused("[profile p]\n", "bad name", basic, CCRED_E_USAGE, "bad profile name");
	refused("[profile p]\n", "p", (const char *const[]){NULL}, CCRED_E_USAGE, "nothing");

	/* No temporary file is left next to it. */
	{
		char d[256];
		struct dirent *de;
		DIR *dp;
		int n = 0;
		snprintf(d, sizeof(d), "%s/sub/dir", dir);
		if ((dp = opendir(d))) {
			while ((de = readdir(dp)))
				n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
			closedir(dp);
		}
		CHECK_INT(n, 1); /* config alone */
	}

	/* A file of someone else's is not rewritten (only testable as root). */
	if (geteuid() == 0) {
		put("[profile p]\n");
		if (chown(path, 1, 1) == 0) {
			struct ccred_ctx *ctx = NULL;
			CHECK_INT(ccred_open(&ctx, "/nonexistent/ccred-test",
			                     CCRED_OPEN_NO_SYSTEM | CCRED_OPEN_MISSING_OK),
			          CCRED_OK);
			CHECK_INT(ccred_config_write_profile(ctx, path, "p", basic, NULL),
			          CCRED_E_CONFIG);
			CHECK(strstr(ccred_errmsg(ctx), "not by you") != NULL);
			ccred_close(ctx);
		}
	}

	/* ccred_profile_preview: the settings as the file would read once
	 * written, in memory only; the file stays as it was. */
	{
		static const char *const moved[] = {
		        "issuer", "https://i.example", "token_url", "",  "client_id",
		        "new-id", "secret_store",      "file ~/x",  NULL};
		static const char *const plain[] = {"token_url", "http://auth.example.com/t", NULL};
		static const char *const fresh[] = {"scope", "s", NULL};
		const char *text = "[defaults]\nscope = d\n[profile p]\ntoken_url = "
		                   "https://a.example/t\nclient_id = old\n";
		struct ccred_ctx *ctx = NULL;

		snprintf(path, sizeof(path), "%s/preview", dir);
		put(text);
		if (ccred_open(&ctx, path, CCRED_OPEN_NO_SYSTEM) != CCRED_OK)
			fprintf(stderr, "%s\n", ccred_errmsg(ctx));
		CHECK_INT(ccred_profile_preview(ctx, "p", moved), CCRED_OK);
		CHECK_STR(ccred_profile_current(ctx), "p");
		CHECK(ccred_profile_get(ctx, NULL, "token_url") == NULL);
		CHECK_STR(ccred_profile_get(ctx, NULL, "issuer"), "https://i.example");
		CHECK_STR(ccred_profile_get(ctx, NULL, "client_id"), "new-id");
		CHECK_STR(ccred_profile_get(ctx, NULL, "scope"), "d");
		CHECK_STR(ccred_profile_list(ctx, NULL, "secret_store", 0), "file ~/x");
		CHECK(ccred_profile_list(ctx, NULL, "secret_store", 1) == NULL);
		CHECK_INT(ccred_profile_preview(ctx, "p", plain), CCRED_E_CONFIG);
		CHECK(strstr(ccred_errmsg(ctx), "token_url: plain http to 'auth.example.com'") !=
		      NULL);
		/* A new profile without a token URL and client id is not one. */
		CHECK_INT(ccred_profile_preview(ctx, "q", fresh), CCRED_E_CONFIG);
		CHECK_INT(ccred_profile_preview(ctx, "bad name", fresh), CCRED_E_USAGE);
		CHECK_STR(get(), text);

		CHECK_INT(ccred_config_check_value(ctx, "timeout", "0"), CCRED_E_CONFIG);
		CHECK(strstr(ccred_errmsg(ctx), "from 1 to 3600") != NULL);
		CHECK_INT(ccred_config_check_value(ctx, "timeout", "30"), CCRED_OK);
		CHECK_INT(ccred_config_check_value(ctx, "issuer", "http://127.0.0.1:9/"), CCRED_OK);
		CHECK_INT(ccred_config_check_value(ctx, "issuer", "ftp://x/"), CCRED_E_CONFIG);
		CHECK_INT(ccred_config_check_value(ctx, "auth_method", "md5"), CCRED_E_CONFIG);
		CHECK_INT(ccred_config_check_value(ctx, "tokenurl", "x"), CCRED_E_USAGE);

		/* Staging checks as secret_set does; commit needs one staged. */
		CHECK_INT(ccred_secret_stage(ctx, "\n", 1), CCRED_E_USAGE);
		CHECK_INT(ccred_secret_stage(ctx, "a\0b", 3), CCRED_E_USAGE);
		CHECK_INT(ccred_secret_stage(ctx, "s3cret\r\n", 8), CCRED_OK);
		CHECK_INT(ccred_secret_stage(ctx, NULL, 0), CCRED_OK);
		CHECK_INT(ccred_secret_commit(ctx, NULL), CCRED_E_USAGE);
		CHECK_INT(ccred_secret_stage(ctx, "s3cret", 6), CCRED_OK);
		ccred_close(ctx); /* wipes the staged secret */
	}

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 2;
	return check_done();
}
