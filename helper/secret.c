/* SPDX-License-Identifier: MIT */
/*
 * ccred secret set|delete|status.  The secret is read from the terminal
 * without echo, or from stdin when that is not a terminal; never from argv.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "helper.h"

#define SECRET_MAX INPUT_MAX

/* Reads up to SECRET_MAX bytes from fd into a fresh buffer; -1 on overflow. */
static ssize_t read_all(int fd, char *buf, size_t cap, bool one_line)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read_retry(fd, buf + len, one_line ? 1 : cap - len);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
		if (one_line && buf[len - 1] == '\n')
			break;
		if (len >= cap)
			return -2;
	}
	return (ssize_t)len;
}

static struct termios saved_tty;

/* Ctrl-C at the secret prompt must not leave the terminal without echo. */
static void restore_tty(int sig)
{
	tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * One secret from the terminal, in non-canonical mode: a canonical read
 * stops at the terminal's line buffer (4095 bytes on Linux) and silently
 * drops the rest of a longer paste.  The line editing that mode loses is
 * done here: erase, kill, and end-of-file on an empty line.  A PEM key
 * (the key methods) is read through its -----END ... line.  -2 when over
 * cap; what is left of such a paste is read and thrown away, so that it
 * never reaches the shell.
 */
static ssize_t read_tty(int fd, char *buf, size_t cap, const struct termios *t)
{
	size_t len = 0, line_start = 0;
	bool pem = false, over = false;
	unsigned char c;

	for (;;) {
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0 || (c == t->c_cc[VEOF] && len == line_start))
			break;
		if (c == t->c_cc[VERASE] || c == '\b') {
			if (len > line_start)
				len--;
			continue;
		}
		if (c == t->c_cc[VKILL]) {
			len = line_start;
			continue;
		}
		if (c == '\r')
			c = '\n';
		if (len + 1 >= cap) {
			over = true;
			break;
		}
		buf[len++] = (char)c;
		if (c != '\n')
			continue;
		if (line_start == 0 && len > 11 && memcmp(buf, "-----BEGIN ", 11) == 0)
			pem = true;
		if (!pem || (len - line_start > 9 && memcmp(buf + line_start, "-----END ", 9) == 0))
			break;
		line_start = len;
	}
	if (over) {
		struct termios drain;
		/* The rest of the paste: until a pause of half a second.  (t
		 * holds the terminal's own settings, canonical: not those.) */
		if (tcgetattr(fd, &drain) == 0) {
			drain.c_cc[VMIN] = 0;
			drain.c_cc[VTIME] = 5;
			tcsetattr(fd, TCSANOW, &drain);
		}
		while (read(fd, &c, 1) > 0)
			;
		ccred_wipe(&c, 1);
		tcflush(fd, TCIFLUSH);
		return -2;
	}
	ccred_wipe(&c, 1);
	return (ssize_t)len;
}

ssize_t read_secret(const char *profile, char *buf, size_t cap)
{
	struct sigaction sa = {.sa_handler = restore_tty}, oint, oterm, oquit;
	struct termios old, raw;
	ssize_t n;
	int tty;

	if (!isatty(STDIN_FILENO))
		return read_all(STDIN_FILENO, buf, cap, false);
	tty = STDIN_FILENO;
	if (tcgetattr(tty, &old) < 0)
		return -1;
	/* No echo, no line buffer; signals (Ctrl-C) still work. */
	raw = old;
	raw.c_lflag &= ~(tcflag_t)(ECHO | ICANON);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	saved_tty = old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGTERM, &sa, &oterm);
	sigaction(SIGQUIT, &sa, &oquit);
	/* Echo goes off before the prompt shows: what is typed (or pasted) the
	 * moment the prompt appears is neither echoed nor flushed away. */
	if (tcsetattr(tty, TCSAFLUSH, &raw) < 0) {
		n = -1;
		goto out;
	}
	fprintf(stderr, "Client secret for profile '%s': ", profile);
	fflush(stderr);
	n = read_tty(tty, buf, cap, &old);
	tcsetattr(tty, TCSANOW, &old);
	fputc('\n', stderr); /* the newline that was not echoed */
out:
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	return n;
}

int read_secret_said(const char *profile, char *buf, size_t cap, const char *tail, size_t *len)
{
	ssize_t n = read_secret(profile, buf, cap);

	*len = 0;
	/* cap holds the 64 KiB, a newline and one byte more: a byte more is over */
	if (n == -2 || (n >= 0 && (size_t)n >= cap)) {
		errorf("the secret is longer than 64 KiB%s", tail);
		return EXIT_DATAERR;
	}
	if (n < 0) {
		errorf("cannot read the secret: %s%s", strerror(errno), tail);
		return EXIT_IOERR;
	}
	*len = (size_t)n;
	return 0;
}

void print_notes(FILE *f, const char *prefix, const char *notes)
{
	while (*notes) {
		size_t len = strcspn(notes, "\n");
		fprintf(f, "%s%.*s\n", prefix, (int)len, notes);
		notes += len + (notes[len] == '\n');
	}
}

/* secret set: the secret from the terminal or stdin into the first store
 * that takes it. */
static int secret_set(struct ccred_ctx *ctx, bool json)
{
	const char *where = NULL;
	char names[512], *buf;
	bool shared;
	ccred_error rc;
	size_t n;
	int status;

	(void)json;
	if (!(buf = malloc(SECRET_MAX + 2))) {
		errorf("out of memory");
		return EXIT_OSERR;
	}
	if ((status = read_secret_said(ccred_profile_current(ctx), buf, SECRET_MAX + 2, "", &n)) !=
	    0)
		goto out;
	/* Items belong to the client: say when another profile's changes. */
	shared = secret_shared_with(ctx, names, sizeof(names)) &&
	         ccred_secret_status(ctx, NULL) == CCRED_OK;
	rc = ccred_secret_set(ctx, buf, n, &where);
	if (rc == CCRED_E_USAGE) {
		errorf("%s", ccred_errmsg(ctx));
		status = EXIT_DATAERR;
	} else if (rc != CCRED_OK) {
		status = report(ctx, rc);
	} else {
		/* The stored secret may be new: tokens of the old one go. */
		ccred_cache_drop(ctx, 0);
		print_notes(stderr, "ccred: passed over ", ccred_secret_notes(ctx));
		fprintf(stderr, "ccred: stored the client secret of profile '%s' in %s\n",
		        ccred_profile_current(ctx), where);
		if (shared)
			say_replaced_shared(names);
	}
out:
	/* every path: the secret, or part of it, may be in it */
	ccred_wipe(buf, SECRET_MAX + 2);
	free(buf);
	return status;
}

static int secret_delete(struct ccred_ctx *ctx, bool json)
{
	const char *where = NULL;
	ccred_error rc;

	(void)json;
	if ((rc = ccred_secret_delete(ctx, &where)) != CCRED_OK)
		return report(ctx, rc);
	fprintf(stderr, "ccred: deleted the client secret of profile '%s' from %s\n",
	        ccred_profile_current(ctx), where);
	return 0;
}

/* secret status [--json]: where the secret is found, never what it is. */
static int secret_status(struct ccred_ctx *ctx, bool json)
{
	const char *where = NULL, *n;
	struct out out = {0};
	ccred_error rc;

	if ((rc = ccred_secret_status(ctx, &where)) != CCRED_OK)
		return report(ctx, rc);
	n = ccred_secret_notes(ctx);
	if (json) {
		/* Field names in ccred(1). */
		out_adds(&out, "{\"profile\":");
		out_json_string(&out, ccred_profile_current(ctx));
		out_adds(&out, ",\"found\":true,\"store\":");
		out_json_string(&out, where);
		out_adds(&out, ",\"passed_over\":[");
		for (bool first = true; *n; first = false) {
			size_t len = strcspn(n, "\n");
			char *one = strndup(n, len);
			if (!one) {
				errorf("out of memory");
				exit(EXIT_OSERR);
			}
			out_adds(&out, first ? "" : ",");
			out_json_string(&out, one);
			free(one);
			n += len + (n[len] == '\n');
		}
		out_adds(&out, "]}\n");
	} else {
		out_addf(&out, "profile '%s': client secret found in %s\n",
		         ccred_profile_current(ctx), where);
		/* Stores passed over first, e.g. a locked keyring. */
		while (*n) {
			size_t len = strcspn(n, "\n");
			out_addf(&out, "  passed over %.*s\n", (int)len, n);
			n += len + (n[len] == '\n');
		}
	}
	return out_flush(&out);
}

/* The sub-commands, git style: a name, what runs it, whether it takes
 * --json.  A new one is a row here (and its line in ccred(1), --help and
 * the completions). */
static const struct secret_cmd {
	const char *name;
	int (*run)(struct ccred_ctx *ctx, bool json);
	bool json;
} secret_cmds[] = {
        {"set", secret_set, false},
        {"delete", secret_delete, false},
        {"status", secret_status, true},
};

int cmd_secret(const struct opts *o, int argc, char **argv)
{
	const struct secret_cmd *c = NULL;
	struct ccred_ctx *ctx;
	ccred_error rc;
	bool json = false;
	int status = 0;

	for (size_t i = 0; argc > 1 && i < sizeof(secret_cmds) / sizeof(secret_cmds[0]); i++)
		if (strcmp(argv[1], secret_cmds[i].name) == 0)
			c = &secret_cmds[i];
	if (c && c->json && argc == 3 && strcmp(argv[2], "--json") == 0)
		json = true;
	if (!c || argc > 2 + json)
		die_usage("usage: ccred [-p PROFILE] secret set|delete|status [--json] "
		          "(the secret is read from the terminal or stdin, never from arguments)");
	if (!(ctx = open_ctx(o, &status)))
		return status;
	if ((rc = ccred_profile_select(ctx, o->profile, NULL)) != CCRED_OK)
		status = report(ctx, rc);
	else
		status = c->run(ctx, json);
	ccred_close(ctx);
	return status;
}
