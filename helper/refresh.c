/* SPDX-License-Identifier: MIT */
/*
 * Refresh ahead, the command's part: the library says a hit's token is due
 * for a refresh (ccred_token_refresh_due); once the caller has its answer,
 * the command starts one detached refresher and exits at once.
 *
 * Nobody may wait for the refresher: git reads the helper's stdout to EOF,
 * a shell's $(...) and a pipe do too, and an `exec` child may wait for any
 * child it has.  So it runs in a session of its own, with stdin, stdout and
 * stderr on /dev/null and no other descriptor of the caller's, and an alarm
 * at the profile's timeout bounds its life.  Before an exec it is a
 * grandchild (double fork: the middle process exits at once and is reaped
 * here), so that the command exec'd has no child it did not start and no
 * zombie to reap.  Otherwise ccred exits right after the fork, and the
 * refresher goes to init: no waiting here for a middle process to be
 * scheduled, which on a busy machine is what a caller would feel.  A crowd
 * of callers starts at most one effective refresh: the library takes the
 * fetch lock without waiting and keeps the 10 s failure record.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

static struct {
	bool due;
	char *profile; /* the profile whose token was handed out */
	long timeout;  /* its timeout, seconds */
} pending;

void refresh_note(struct ccred_ctx *ctx, const struct ccred_token *tok)
{
	const char *name = ccred_profile_current(ctx), *t;
	char *end;

	if (pending.due || !ccred_token_refresh_due(tok) || !name)
		return;
	if (!(pending.profile = strdup(name)))
		return; /* out of memory: no refresh, the caller has its token */
	t = ccred_profile_get(ctx, NULL, "timeout");
	pending.timeout = t ? strtol(t, &end, 10) : 30;
	if (pending.timeout <= 0)
		pending.timeout = 30;
	pending.due = true;
}

static void close_from_3(void)
{
#ifdef HAVE_CLOSEFROM
	closefrom(3);
#else
	struct rlimit rl;
	int max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	                          rl.rlim_cur < 65536
	                  ? (int)rl.rlim_cur
	                  : 65536;
	for (int fd = 3; fd < max; fd++)
		close(fd);
#endif
}

/* The refresher itself: never returns. */
static void refresher(const struct opts *o) __attribute__((noreturn));
static void refresher(const struct opts *o)
{
	struct ccred_ctx *ctx = NULL;
	ccred_refresh_state state;
	sigset_t alrm;
	int fd;

	setsid();
	/* The process dies at the profile's timeout, whatever it waits for
	 * (the refresh record written before the fetch holds the next one
	 * off); a caller may have ignored or blocked SIGALRM. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	signal(SIGALRM, SIG_DFL);
	alarm((unsigned int)pending.timeout);
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		_exit(EXIT_OSERR);
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(EXIT_OSERR);
	close_from_3();
	if (ccred_open(&ctx, o->config, 0) == CCRED_OK) {
		if (o->min_ttl >= 0)
			ccred_set_min_ttl(ctx, o->min_ttl);
		ccred_token_refresh(ctx, pending.profile, &state);
	}
	ccred_close(ctx);
	_exit(0);
}

void refresh_start(const struct opts *o, bool before_exec)
{
	pid_t pid;
	int st;

	if (!pending.due)
		return;
	pending.due = false;
	/* Nothing of ours is left in stdio buffers to be written twice. */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		if (o->verbose)
			errorf("refresh: cannot start one (fork failed)");
		goto out;
	}
	if (pid == 0 && !before_exec)
		refresher(o);
	if (pid == 0) {
		if (fork() == 0)
			refresher(o);
		_exit(0); /* the middle process: the refresher is init's now */
	}
	while (before_exec && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (o->verbose)
		errorf("refresh started: profile '%s', in the background", pending.profile);
out:
	free(pending.profile);
	pending.profile = NULL;
}
