/* SPDX-License-Identifier: MIT */
/* The built-in stores (env, file, command, systemd), driven through their
 * vtables exactly as the host drives them. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "stores/builtin.h"

static void t_trace(void *host, int level, const char *fmt, ...)
{
	(void)host;
	(void)level;
	(void)fmt;
}

static int wiped;
static void t_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
	wiped++;
}

static struct ccred_store_services svc = {
        .version = CCRED_STORE_SERVICES_VERSION,
        .trace = t_trace,
        .wipe = t_wipe,
        .timeout_ms = 5000,
        .host = NULL,
};

static const struct ccred_store_key key = {
        .profile = "test",
        .client_id = "cid",
        .endpoint_attr = "token_url",
        .endpoint = "http://127.0.0.1/token",
};

static char tmpdir[] = "/tmp/ccred-test-stores-XXXXXX";
static char err[512];
static char buf[CCRED_STORE_SECRET_MAX];
static size_t buflen;

struct inst {
	struct ccred_store_vtable vt;
	void *state;
};

static int open_store(struct inst *in, ccred_store_initvt_fn initvt, int argc, char **argv)
{
	int rc;

	memset(in, 0, sizeof(*in));
	rc = initvt(CCRED_STORE_ABI_MAJOR, CCRED_STORE_ABI_MINOR, &in->vt);
	if (rc != CCRED_STORE_OK)
		return rc;
	err[0] = '\0';
	return in->vt.open(&svc, argc, argv, &in->state, err, sizeof(err));
}

static int get(struct inst *in)
{
	err[0] = '\0';
	buflen = 12345;
	return in->vt.get(in->state, &key, buf, sizeof(buf), &buflen, err, sizeof(err));
}

/* buf holds exactly s */
static int got(const char *s)
{
	return buflen == strlen(s) && memcmp(buf, s, buflen) == 0;
}

static void close_store(struct inst *in)
{
	if (in->state)
		in->vt.close(in->state);
	in->state = NULL;
}

static char *path_in(const char *name)
{
	static char p[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, name);
	return p[i];
}

static void write_file(const char *path, const char *content, size_t n, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, content, n) == (ssize_t)n);
	CHECK(fchmod(fd, mode) == 0);
	close(fd);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ env */

static void test_env(void)
{
	struct inst in;
	char *a1[] = {"CCRED_TEST_SECRET"}, *a2[] = {"A", "B"}, *a3[] = {"A=B"};
	struct ccred_store_vtable vt = {0};

	CHECK_INT(ccredi_store_env_initvt(2, 0, &vt), CCRED_STORE_ERR_VERSION);
	CHECK_INT(open_store(&in, ccredi_store_env_initvt, 0, NULL), CCRED_STORE_ERR_ARGS);
	CHECK_INT(open_store(&in, ccredi_store_env_initvt, 2, a2), CCRED_STORE_ERR_ARGS);
	CHECK_INT(open_store(&in, ccredi_store_env_initvt, 1, a3), CCRED_STORE_ERR_ARGS);

	CHECK_INT(open_store(&in, ccredi_store_env_initvt, 1, a1), CCRED_STORE_OK);
	CHECK(in.vt.set == NULL && in.vt.erase == NULL);
	CHECK_STR(in.vt.describe(in.state), "env CCRED_TEST_SECRET");
	unsetenv("CCRED_TEST_SECRET");
	CHECK_INT(get(&in), CCRED_STORE_NOTFOUND);
	CHECK_STR(err, "env CCRED_TEST_SECRET: not set");
	setenv("CCRED_TEST_SECRET", "", 1);
	CHECK_INT(get(&in), CCRED_STORE_NOTFOUND);
	setenv("CCRED_TEST_SECRET", "s3 cret\n", 1);
	CHECK_INT(get(&in), CCRED_STORE_OK);
	CHECK(got("s3 cret\n")); /* taken as it is */
	unsetenv("CCRED_TEST_SECRET");
	close_store(&in);
}

/* ------------------------------------------------------------ file */

static int file_get(const char *path)
{
	struct inst in;
	char *argv[] = {(char *)path};
	int rc;

	rc = open_store(&in, ccredi_store_file_initvt, 1, argv);
	CHECK_INT(rc, CCRED_STORE_OK);
	if (rc != CCRED_STORE_OK)
		return -1;
	rc = get(&in);
	close_store(&in);
	return rc;
}

static void test_file(void)
{
	struct inst in;
	char big[4096 + 2], *p, *a0[] = {"rel/path"}, *a2[] = {"/a", "/b"};
	char *home_arg[] = {"~/sub/dir/secret"};
	const char *uni = "p\xc3\xa4ssw\xc3\xb6rd \xe2\x9c\x93 \xf0\x9f\x94\x91";
	char script_desc[600];
	struct stat st;
	int wiped_before, fd;
	long t0;

	CHECK_INT(open_store(&in, ccredi_store_file_initvt, 1, a0), CCRED_STORE_ERR_ARGS);
	CHECK_STR(err, "file rel/path: PATH must be absolute or start with ~/");
	CHECK_INT(open_store(&in, ccredi_store_file_initvt, 2, a2), CCRED_STORE_ERR_ARGS);
	{
		/* ~/ with a $HOME that is not an absolute path */
		char *saved = strdup(getenv("HOME"));
		CHECK(saved && setenv("HOME", "relative", 1) == 0);
		CHECK_INT(open_store(&in, ccredi_store_file_initvt, 1, home_arg),
		          CCRED_STORE_ERR_ARGS);
		CHECK_STR(err, "file ~/sub/dir/secret: $HOME is not set to an absolute path");
		CHECK(setenv("HOME", saved, 1) == 0);
		free(saved);
	}
	CHECK_INT(open_store(&in, ccredi_store_file_initvt, 0, NULL), CCRED_STORE_ERR_ARGS);

	p = path_in("s");
	write_file(p, "abc\n", 4, 0600);
	wiped_before = wiped;
	CHECK_INT(file_get(p), CCRED_STORE_OK);
	CHECK(got("abc"));
	CHECK(wiped > wiped_before);

	write_file(p, "abc\r\n", 5, 0600);
	CHECK_INT(file_get(p), CCRED_STORE_OK);
	CHECK(got("abc"));
	write_file(p, "abc\n\n", 5, 0600); /* only one newline goes */
	CHECK_INT(file_get(p), CCRED_STORE_OK);
	CHECK(got("abc\n"));
	write_file(p, "abc\r\n\r\n", 7, 0600);
	CHECK_INT(file_get(p), CCRED_STORE_OK);
	CHECK(got("abc\r\n"));
	write_file(p, "abc  ", 5, 0600);
	CHECK_INT(file_get(p), CCRED_STORE_OK);
	CHECK(got("abc  "));
	write_file(p, "abc", 3, 0400);
	CHECK_INT(file_get(p), CCRED_STORE_OK);
	CHECK(got("abc"));

	memset(big, 'x', 4096);
	big[0] = 'A';
	big[4095] = 'Z';
	big[4096] = '\n';
	write_file(p, big, 4097, 0600);
	CHECK_INT(file_get(p), CCRED_STORE_OK);
	CHECK(buflen == 4096 && memcmp(buf, big, 4096) == 0);

	write_file(p, uni, strlen(uni), 0600);
	CHECK_INT(file_get(p), CCRED_STORE_OK);
	CHECK(got(uni));

	write_file(p, "", 0, 0600);
	CHECK_INT(file_get(p), CCRED_STORE_NOTFOUND);
	write_file(p, "\n", 1, 0600);
	CHECK_INT(file_get(p), CCRED_STORE_NOTFOUND);

	/* too open */
	write_file(p, "abc\n", 4, 0644);
	CHECK_INT(file_get(p), CCRED_STORE_INSECURE);
	CHECK(strstr(err, "permissions 0644 are too open; run chmod 600 ") != NULL);
	CHECK(strstr(err, p) != NULL);
	write_file(p, "abc\n", 4, 0640);
	CHECK_INT(file_get(p), CCRED_STORE_INSECURE);
	write_file(p, "abc\n", 4, 0601);
	CHECK_INT(file_get(p), CCRED_STORE_INSECURE);
	write_file(p, "abc\n", 4, 0610);
	CHECK_INT(file_get(p), CCRED_STORE_INSECURE);
	/* not ours */
	if (geteuid() == 0) {
		write_file(p, "abc\n", 4, 0600);
		CHECK(chown(p, 1, 1) == 0);
		CHECK_INT(file_get(p), CCRED_STORE_INSECURE);
		CHECK(strstr(err, "owned by uid 1, not you") != NULL);
	}
	/* a symlink of ours to a good file is followed (a Kubernetes secret
	 * volume is links); one of another user's is refused */
	write_file(p, "abc\n", 4, 0600);
	if (geteuid() == 0)
		CHECK(chown(p, 0, 0) == 0);
	unlink(path_in("link"));
	CHECK(symlink(p, path_in("link")) == 0);
	CHECK_INT(file_get(path_in("link")), CCRED_STORE_OK);
	if (geteuid() == 0) {
		CHECK(lchown(path_in("link"), 1, 1) == 0);
		CHECK_INT(file_get(path_in("link")), CCRED_STORE_INSECURE);
		CHECK(strstr(err, "symbolic link") != NULL);
	}
	/* a directory, a FIFO (must not hang) */
	CHECK_INT(file_get(tmpdir), CCRED_STORE_INSECURE);
	CHECK(mkfifo(path_in("fifo"), 0600) == 0);
	t0 = now_ms();
	CHECK_INT(file_get(path_in("fifo")), CCRED_STORE_INSECURE);
	CHECK(now_ms() - t0 < 1000);
	/* missing */
	CHECK_INT(file_get(path_in("missing")), CCRED_STORE_NOTFOUND);
	CHECK(strstr(err, ": no such file") != NULL);
	/* too big */
	fd = open(path_in("huge"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, CCRED_STORE_SECRET_MAX + 3) == 0);
	close(fd);
	CHECK_INT(file_get(path_in("huge")), CCRED_STORE_ERR);
	/* exactly the largest secret, with CRLF */
	fd = open(path_in("max"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, CCRED_STORE_SECRET_MAX) == 0);
	CHECK(lseek(fd, 0, SEEK_END) >= 0 && write(fd, "\r\n", 2) == 2);
	close(fd);
	CHECK_INT(file_get(path_in("max")), CCRED_STORE_OK);
	CHECK_INT(buflen, CCRED_STORE_SECRET_MAX);

	/* set / get / erase, under ~/ with directories to create */
	setenv("HOME", tmpdir, 1);
	CHECK_INT(open_store(&in, ccredi_store_file_initvt, 1, home_arg), CCRED_STORE_OK);
	snprintf(script_desc, sizeof(script_desc), "file %s", path_in("sub/dir/secret"));
	CHECK_STR(in.vt.describe(in.state), script_desc);
	err[0] = '\0';
	CHECK_INT(in.vt.set(in.state, &key, uni, strlen(uni), err, sizeof(err)), CCRED_STORE_OK);
	CHECK(stat(path_in("sub/dir/secret"), &st) == 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK(stat(path_in("sub/dir"), &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0700);
	CHECK_INT(get(&in), CCRED_STORE_OK);
	CHECK(got(uni));
	/* replace, even when the old file was too open */
	CHECK(chmod(path_in("sub/dir/secret"), 0644) == 0);
	CHECK_INT(in.vt.set(in.state, &key, "new  ", 5, err, sizeof(err)), CCRED_STORE_OK);
	CHECK(stat(path_in("sub/dir/secret"), &st) == 0);
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK_INT(get(&in), CCRED_STORE_OK);
	CHECK(got("new  "));
	CHECK_INT(in.vt.set(in.state, &key, "a\nb", 3, err, sizeof(err)), CCRED_STORE_ERR);
	CHECK_INT(in.vt.erase(in.state, &key, err, sizeof(err)), CCRED_STORE_OK);
	CHECK_INT(in.vt.erase(in.state, &key, err, sizeof(err)), CCRED_STORE_NOTFOUND);
	CHECK_INT(get(&in), CCRED_STORE_NOTFOUND);
	close_store(&in);
}

/* ------------------------------------------------------------ command */

static int cmd_get(long timeout_ms, int argc, char **argv)
{
	struct inst in;
	int rc;

	svc.timeout_ms = timeout_ms;
	rc = open_store(&in, ccredi_store_command_initvt, argc, argv);
	CHECK_INT(rc, CCRED_STORE_OK);
	if (rc != CCRED_STORE_OK)
		return -1;
	rc = get(&in);
	close_store(&in);
	return rc;
}

#define SH(script) cmd_get(3000, 3, (char *[]){"sh", "-c", script, NULL})

/* true when no child of ours is left, zombie or alive */
static int no_children(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

/* true when pid is gone or a zombie (an orphan waiting for init) */
static int gone(pid_t pid)
{
	char path[64], st[256];
	long t0 = now_ms();
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	while (now_ms() - t0 < 2000) {
		f = fopen(path, "r");
		if (!f)
			return 1;
		if (fgets(st, sizeof(st), f) && strstr(st, ") Z"))
			return fclose(f), 1;
		fclose(f);
		usleep(20000);
	}
	return 0;
}

static void test_command(void)
{
	struct inst in;
	char script[512], line[64];
	long t0, el;
	FILE *f;
	int leak, n;

	CHECK_INT(open_store(&in, ccredi_store_command_initvt, 0, NULL), CCRED_STORE_ERR_ARGS);
	CHECK_INT(open_store(&in, ccredi_store_command_initvt, 3,
	                     (char *[]){"sh", "-c", "echo", NULL}),
	          CCRED_STORE_OK);
	CHECK(in.vt.set == NULL && in.vt.erase == NULL);
	CHECK_STR(in.vt.describe(in.state), "command sh -c echo");
	close_store(&in);

	CHECK_INT(SH("printf 's3cret\\n'"), CCRED_STORE_OK);
	CHECK(got("s3cret"));
	CHECK_INT(SH("printf 's3cret'"), CCRED_STORE_OK);
	CHECK(got("s3cret"));
	CHECK_INT(SH("printf 'abc  \\t\\nsecond line\\n'"), CCRED_STORE_OK);
	CHECK(got("abc  \t")); /* trailing blanks are the secret's */
	CHECK_INT(SH("printf 'abc\\r\\nsecond\\r\\n'"), CCRED_STORE_OK);
	CHECK(got("abc"));
	CHECK_INT(SH("printf '\\342\\234\\223 s\\n'"), CCRED_STORE_OK);
	CHECK(got("\xe2\x9c\x93 s"));
	CHECK_INT(SH("true"), CCRED_STORE_NOTFOUND);
	CHECK(strstr(err, "command sh: ") == err);
	CHECK_INT(SH("echo; echo later"), CCRED_STORE_NOTFOUND);
	CHECK_INT(SH("echo 'oops: no such entry' >&2; echo second >&2; exit 3"),
	          CCRED_STORE_UNAVAILABLE);
	CHECK_STR(err, "command sh: exited with status 3: oops: no such entry");
	CHECK_INT(SH("echo secret; exit 1"), CCRED_STORE_UNAVAILABLE);
	CHECK_STR(err, "command sh: exited with status 1");
	CHECK_INT(SH("kill -TERM $$"), CCRED_STORE_UNAVAILABLE);
	CHECK(strstr(err, "killed by signal 15") != NULL);
	CHECK_INT(cmd_get(3000, 1, (char *[]){"/nonexistent/ccred-cmd", NULL}),
	          CCRED_STORE_UNAVAILABLE);
	CHECK(strstr(err, "cannot run: No such file or directory") != NULL);
	CHECK_INT(cmd_get(3000, 1, (char *[]){"ccred-no-such-command-anywhere", NULL}),
	          CCRED_STORE_UNAVAILABLE);
	/* stdin is /dev/null: cat ends at once */
	CHECK_INT(cmd_get(3000, 1, (char *[]){"cat", NULL}), CCRED_STORE_NOTFOUND);
	/* a 4 KiB line and a line over the limit */
	CHECK_INT(SH("head -c 4096 /dev/zero | tr '\\0' x; echo"), CCRED_STORE_OK);
	CHECK_INT(buflen, 4096);
	CHECK_INT(SH("head -c 70000 /dev/zero | tr '\\0' x"), CCRED_STORE_ERR);
	CHECK(no_children());

	/* Endless output, with SIGPIPE ignored here (the child must get it
	 * back): the first line is taken, the writer is cut off. */
	signal(SIGPIPE, SIG_IGN);
	t0 = now_ms();
	CHECK_INT(cmd_get(3000, 1, (char *[]){"yes", NULL}), CCRED_STORE_OK);
	CHECK(got("y"));
	CHECK(now_ms() - t0 < 2000);
	/* more lines than fit a pipe, but finite: drained, status 0 */
	CHECK_INT(SH("echo first; seq 1 100000"), CCRED_STORE_OK);
	CHECK(got("first"));

	/* No unrelated descriptor reaches the child. */
	leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
	CHECK(leak > 2);
	snprintf(script, sizeof(script),
	         "if [ -e /proc/self/fd/%d ]; then echo leaked; else echo clean; fi", leak);
	CHECK_INT(SH(script), CCRED_STORE_OK);
	CHECK(got("clean"));
	close(leak);

	/* A grandchild that keeps stdout open does not hold us up. */
	t0 = now_ms();
	CHECK_INT(SH("sleep 3 & echo quick"), CCRED_STORE_OK);
	CHECK(got("quick"));
	CHECK(now_ms() - t0 < 1000);

	/* Hangs: killed at the timeout, with its whole process group. */
	snprintf(script, sizeof(script), "sleep 30 & echo $! > %s/sleeper; wait", tmpdir);
	t0 = now_ms();
	CHECK_INT(cmd_get(300, 3, (char *[]){"sh", "-c", script, NULL}), CCRED_STORE_UNAVAILABLE);
	el = now_ms() - t0;
	CHECK(el >= 290 && el < 1000);
	CHECK_STR(err, "command sh: timed out after 0.3 s");
	CHECK(no_children());
	f = fopen(path_in("sleeper"), "r");
	CHECK(f != NULL);
	if (f) {
		CHECK(fgets(line, sizeof(line), f) != NULL);
		fclose(f);
		n = (int)strtol(line, NULL, 10);
		CHECK(n > 1 && gone(n));
	}
	t0 = now_ms();
	CHECK_INT(cmd_get(1000, 2, (char *[]){"sleep", "30", NULL}), CCRED_STORE_UNAVAILABLE);
	CHECK_STR(err, "command sleep: timed out after 1 s");
	CHECK(now_ms() - t0 < 1500);
	/* prints the secret, then hangs: still a timeout */
	CHECK_INT(cmd_get(300, 3, (char *[]){"sh", "-c", "echo s; exec sleep 30", NULL}),
	          CCRED_STORE_UNAVAILABLE);
	CHECK(no_children());
	signal(SIGPIPE, SIG_DFL);
	svc.timeout_ms = 5000;
}

/* ------------------------------------------------------------ systemd */

static void test_systemd(void)
{
	struct inst in;
	char *a[] = {"cred"}, *bad1[] = {"a/b"}, *bad2[] = {"."}, *bad3[] = {".."};
	char *bad4[] = {""}, *two[] = {"a", "b"};

	CHECK_INT(open_store(&in, ccredi_store_systemd_initvt, 1, bad1), CCRED_STORE_ERR_ARGS);
	CHECK_INT(open_store(&in, ccredi_store_systemd_initvt, 1, bad2), CCRED_STORE_ERR_ARGS);
	CHECK_INT(open_store(&in, ccredi_store_systemd_initvt, 1, bad3), CCRED_STORE_ERR_ARGS);
	CHECK_INT(open_store(&in, ccredi_store_systemd_initvt, 1, bad4), CCRED_STORE_ERR_ARGS);
	CHECK_INT(open_store(&in, ccredi_store_systemd_initvt, 2, two), CCRED_STORE_ERR_ARGS);
	CHECK_INT(open_store(&in, ccredi_store_systemd_initvt, 0, NULL), CCRED_STORE_ERR_ARGS);

	CHECK_INT(open_store(&in, ccredi_store_systemd_initvt, 1, a), CCRED_STORE_OK);
	CHECK(in.vt.set == NULL && in.vt.erase == NULL);
	unsetenv("CREDENTIALS_DIRECTORY");
	CHECK_INT(get(&in), CCRED_STORE_UNAVAILABLE);
	CHECK_STR(err, "systemd cred: $CREDENTIALS_DIRECTORY is not set (not running under "
	               "systemd with LoadCredential=)");
	CHECK(mkdir(path_in("creds"), 0500) == 0);
	setenv("CREDENTIALS_DIRECTORY", path_in("creds"), 1);
	CHECK_INT(get(&in), CCRED_STORE_NOTFOUND);
	CHECK(strstr(err, "no credential cred in") != NULL);
	CHECK(chmod(path_in("creds"), 0700) == 0);
	write_file(path_in("creds/cred"), "sys secret\n", 11, 0400);
	CHECK_INT(get(&in), CCRED_STORE_OK);
	CHECK(got("sys secret"));
	write_file(path_in("creds/cred"), "sys secret\r\n", 12, 0440); /* ACL mask */
	CHECK_INT(get(&in), CCRED_STORE_OK);
	CHECK(got("sys secret"));
	if (geteuid() != 0) {
		/* root-owned is accepted, another user's not: only testable as
		 * root (below) */
	} else {
		CHECK(chown(path_in("creds/cred"), 1, 1) == 0);
		CHECK_INT(get(&in), CCRED_STORE_INSECURE);
		CHECK(chown(path_in("creds/cred"), 0, 0) == 0);
	}
	write_file(path_in("creds/cred"), "x\n", 2, 0444);
	CHECK_INT(get(&in), CCRED_STORE_INSECURE);
	write_file(path_in("creds/cred"), "x\n", 2, 0460);
	CHECK_INT(get(&in), CCRED_STORE_INSECURE);
	unlink(path_in("creds/cred"));
	CHECK(symlink(path_in("s"), path_in("creds/cred")) == 0);
	CHECK_INT(get(&in), CCRED_STORE_INSECURE);
	close_store(&in);
	unsetenv("CREDENTIALS_DIRECTORY");
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 99;
	}
	test_env();
	test_file();
	test_command();
	test_systemd();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_done();
}
