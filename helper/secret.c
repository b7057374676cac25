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

ssize_t read_secret(const char *profile, char *buf, size_t cap)
{
	struct sigaction sa = {.sa_handler = restore_tty}, oint, oterm, oquit;
	struct termios old, noecho;
	ssize_t n;
	int tty;

	if (!isatty(STDIN_FILENO))
		return read_all(STDIN_FILENO, buf, cap, false);
	tty = STDIN_FILENO;
	if (tcgetattr(tty, &old) < 0)
		return -1;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ECHONL;
	saved_tty = old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &oint);
	sigaction(SIGTERM, &sa, &oterm);
	sigaction(SIGQUIT, &sa, &oquit);
	/* Echo goes off before the prompt shows: what is typed (or pasted) the
	 * moment the prompt appears is neither echoed nor flushed away. */
	if (tcsetattr(tty, TCSAFLUSH, &noecho) < 0) {
		n = -1;
		goto out;
	}
	fprintf(stderr, "Client secret for profile '%s': ", profile);
	fflush(stderr);
	n = read_all(tty, buf, cap, true);
	tcsetattr(tty, TCSANOW, &old);
out:
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGTERM, &oterm, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	return n;
}

void print_notes(FILE *f, const char *prefix, const char *notes)
{
	while (*notes) {
		size_t len = strcspn(notes, "\n");
		fprintf(f, "%s%.*s\n", prefix, (int)len, notes);
		notes += len + (notes[len] == '\n');
	}
}

int cmd_secret(const struct opts *o, int argc, char **argv)
{
	struct ccred_ctx *ctx;
	const char *where = NULL, *sub = argc > 1 ? argv[1] : NULL;
	ccred_error rc;
	char *buf = NULL;
	int status = 0;

	if (!sub || argc > 2 ||
	    (strcmp(sub, "set") && strcmp(sub, "delete") && strcmp(sub, "status")))
		die_usage("usage: ccred [-p PROFILE] secret set|delete|status "
		          "(the secret is read from the terminal or stdin, never from arguments)");
	if (!(ctx = open_ctx(o, &status)))
		return status;
	if ((rc = ccred_profile_select(ctx, o->profile, NULL)) != CCRED_OK) {
		status = report(ctx, rc);
		goto out;
	}
	if (strcmp(sub, "set") == 0) {
		ssize_t n;
		if (!(buf = malloc(SECRET_MAX + 2))) {
			errorf("out of memory");
			status = EXIT_OSERR;
			goto out;
		}
		n = read_secret(ccred_profile_current(ctx), buf, SECRET_MAX + 2);
		if (n == -2 || n > SECRET_MAX + 1) {
			errorf("the secret is longer than 64 KiB");
			status = EXIT_DATAERR;
			goto out;
		}
		if (n < 0) {
			errorf("cannot read the secret: %s", strerror(errno));
			status = EXIT_IOERR;
			goto out;
		}
		rc = ccred_secret_set(ctx, buf, (size_t)n, &where);
		ccred_wipe(buf, SECRET_MAX + 2);
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
		}
	} else if (strcmp(sub, "delete") == 0) {
		rc = ccred_secret_delete(ctx, &where);
		if (rc != CCRED_OK)
			status = report(ctx, rc);
		else
			fprintf(stderr, "ccred: deleted the client secret of profile '%s' from %s\n",
			        ccred_profile_current(ctx), where);
	} else {
		struct out out = {0};
		rc = ccred_secret_status(ctx, &where);
		if (rc != CCRED_OK) {
			status = report(ctx, rc);
		} else {
			const char *n = ccred_secret_notes(ctx);
			out_addf(&out, "profile '%s': client secret found in %s\n",
			         ccred_profile_current(ctx), where);
			/* Stores passed over first, e.g. a locked keyring. */
			while (*n) {
				size_t len = strcspn(n, "\n");
				out_addf(&out, "  passed over %.*s\n", (int)len, n);
				n += len + (n[len] == '\n');
			}
			status = out_flush(&out);
		}
	}
out:
	free(buf);
	ccred_close(ctx);
	return status;
}
