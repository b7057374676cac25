/* SPDX-License-Identifier: MIT */
/*
 * The `command CMD ARGS...` store: the secret is the first line of a
 * command's standard output, for pass, vault, op, systemd-creds and other
 * secret managers.  Read-only.
 *
 * The host has split the words already; no shell runs.  The child gets
 * /dev/null on stdin, our pipes on stdout and stderr, no other descriptor of
 * ours, default SIGPIPE and an empty signal mask, and its own process group
 * so that a timeout kills everything it started.  (A consequence: the command
 * is not in the terminal's foreground group, so it cannot read the terminal;
 * a tool that prompts there, like gpg with pinentry-tty, stops and times out.)
 *
 * The secret is the first line exactly: one LF or CRLF ending it is dropped,
 * nothing else.  Trailing spaces and tabs are part of the secret and are NOT
 * trimmed: a secret may end in a space, and trimming would change it silently.
 *
 * The rest of stdout is read and thrown away (up to DRAIN_MAX bytes), so that
 * a tool printing more than one line is not killed by SIGPIPE; beyond that
 * the pipe is closed and a death by SIGPIPE is not counted as a failure.  The
 * whole call, from fork to reaping the child, is bounded by svc->timeout_ms.
 * ccred itself never writes to the child, so it cannot get SIGPIPE here.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stores/builtin.h"

#define DRAIN_MAX          (1024 * 1024)
#define ERRLINE_MAX        200
#define DEFAULT_TIMEOUT_MS 30000L

struct command_store {
	const struct ccred_store_services *svc;
	char **argv; /* NULL-terminated copy */
	int argc;
	char *what; /* "command ARGV0", the prefix of every message */
	char *desc; /* "command ARGV0 ARGS..." */
};

/* What one run of the command produced. */
struct run {
	char *line; /* first line of stdout, capacity LINE_CAP */
	size_t used;
	size_t linelen;
	bool line_done, line_overflow, out_cut;
	char errline[ERRLINE_MAX + 1];
	size_t errused;
	bool errline_done;
	size_t out_drained, err_drained;
	int exec_errno;
	size_t ex_used;
	unsigned char ex_buf[sizeof(int)];
};
#define LINE_CAP ((size_t)CCRED_STORE_SECRET_MAX + 2)

/* ------------------------------------------------------------ the child */

/* Make `from` the descriptor `to`, without the close-on-exec flag. */
static int move_fd(int from, int to)
{
	if (from == to)
		return fcntl(to, F_SETFD, 0);
	return dup2(from, to) < 0 ? -1 : 0;
}

static void close_from(unsigned int lo, unsigned int hi, long maxfd)
{
	unsigned int fd;

	if (lo > hi)
		return;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
#endif
	for (fd = lo; fd <= hi && (long)fd < maxfd; fd++)
		(void)close((int)fd);
}

/* After fork: only async-signal-safe calls (the host may have threads). */
__attribute__((noreturn)) static void run_child(char **argv, int devnull, int outfd, int errfd,
                                                int exfd, long maxfd)
{
	struct sigaction sa;
	sigset_t none;
	int e;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)setpgid(0, 0);
	if (move_fd(devnull, 0) != 0 || move_fd(outfd, 1) != 0 || move_fd(errfd, 2) != 0)
		goto fail;
	/* exfd is close-on-exec: it closes itself when execvp succeeds. */
	close_from(3, (unsigned int)exfd - 1, maxfd);
	close_from((unsigned int)exfd + 1, UINT_MAX, maxfd);
	execvp(argv[0], argv);
fail:
	e = errno;
	(void)!write(exfd, &e, sizeof(e));
	_exit(127);
}

/* ------------------------------------------------------------ the parent */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Read what is there on the child's stdout; false at EOF or when cut. */
static bool read_stdout(const struct ccred_store_services *svc, struct run *r, int fd)
{
	char scratch[4096];
	ssize_t n;
	char *nl;

	for (;;) {
		if (!r->line_done)
			n = CCREDI_RETRY(read(fd, r->line + r->used, LINE_CAP - r->used));
		else
			n = CCREDI_RETRY(read(fd, scratch, sizeof(scratch)));
		if (n < 0) /* EAGAIN, or an error: poll tells us the rest */
			break;
		if (n == 0) {
			if (!r->line_done) {
				r->linelen = r->used;
				r->line_done = true;
			}
			svc->wipe(scratch, sizeof(scratch));
			return false;
		}
		if (r->line_done) {
			r->out_drained += (size_t)n;
			if (r->out_drained > DRAIN_MAX) {
				r->out_cut = true;
				svc->wipe(scratch, sizeof(scratch));
				return false;
			}
			continue;
		}
		nl = memchr(r->line + r->used, '\n', (size_t)n);
		r->used += (size_t)n;
		if (nl) {
			r->linelen = (size_t)(nl - r->line);
			if (r->linelen > 0 && r->line[r->linelen - 1] == '\r')
				r->linelen--;
			r->line_done = true;
		} else if (r->used == LINE_CAP) {
			r->line_overflow = true;
			r->line_done = true;
		}
	}
	svc->wipe(scratch, sizeof(scratch));
	return true;
}

/* Keep the first line of stderr for the error message, drop the rest. */
static bool read_stderr(struct run *r, int fd)
{
	char scratch[1024];
	ssize_t n;
	char *nl;

	for (;;) {
		if (!r->errline_done)
			n = CCREDI_RETRY(
			        read(fd, r->errline + r->errused, ERRLINE_MAX - r->errused));
		else
			n = CCREDI_RETRY(read(fd, scratch, sizeof(scratch)));
		if (n < 0)
			return true;
		if (n == 0)
			return false;
		if (r->errline_done) {
			r->err_drained += (size_t)n;
			if (r->err_drained > DRAIN_MAX)
				return false;
			continue;
		}
		nl = memchr(r->errline + r->errused, '\n', (size_t)n);
		r->errused += (size_t)n;
		if (nl) {
			r->errused = (size_t)(nl - r->errline);
			r->errline_done = true;
		} else if (r->errused == ERRLINE_MAX) {
			r->errline_done = true;
		}
	}
}

/* The child writes errno here when execvp fails. */
static bool read_exec_status(struct run *r, int fd)
{
	ssize_t n;

	for (;;) {
		n = CCREDI_RETRY(read(fd, r->ex_buf + r->ex_used, sizeof(r->ex_buf) - r->ex_used));
		if (n < 0)
			return true;
		if (n == 0)
			break;
		r->ex_used += (size_t)n;
		if (r->ex_used == sizeof(r->ex_buf)) {
			memcpy(&r->exec_errno, r->ex_buf, sizeof(int));
			break;
		}
	}
	return false;
}

/* One printable line for an error message. */
static void sanitize_line(char *s, size_t n)
{
	size_t i;

	s[n] = '\0';
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			s[i] = '?';
}

static void kill_and_reap(pid_t pid, int *status)
{
	(void)kill(-pid, SIGKILL);
	(void)kill(pid, SIGKILL);
	(void)CCREDI_RETRY(waitpid(pid, status, 0));
}

/* One run's child, and our ends of its pipes. */
struct child {
	pid_t pid;        /* -1 before the fork */
	int pidfd;        /* -1 without pidfd_open */
	int out, err, ex; /* read ends of stdout, stderr, exec status; -1 closed */
	int status;       /* from waitpid, once reaped */
	bool reaped;
	long timeout;  /* ms, for the message */
	long deadline; /* ccredi_now_ms() at which it is killed */
};

/* Starts the command with its pipes, in its own process group. */
static int spawn(struct command_store *cs, struct child *c, char *err, size_t errlen)
{
	const struct ccred_store_services *svc = cs->svc;
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, exp[2] = {-1, -1};
	int devnull, rc = CCRED_STORE_ERR;
	long maxfd;

	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
	    pipe2(exp, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "%s: cannot set up pipes: %s", cs->what, strerror(errno));
		goto out;
	}
	maxfd = sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	svc->trace(svc->host, 2, "%s: running", cs->desc);
	c->deadline = ccredi_now_ms() + c->timeout;
	c->pid = fork();
	if (c->pid < 0) {
		snprintf(err, errlen, "%s: fork: %s", cs->what, strerror(errno));
		goto out;
	}
	if (c->pid == 0)
		run_child(cs->argv, devnull, outp[1], errp[1], exp[1], maxfd);
	/* Also here, so a kill(-pid) right away cannot miss the group. */
	(void)setpgid(c->pid, c->pid);
	(void)fcntl(outp[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(errp[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(exp[0], F_SETFL, O_NONBLOCK);
#ifdef SYS_pidfd_open
	/* Wake up when the child exits even if a grandchild keeps our pipes
	 * open; without pidfd we look every 20 ms. */
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
#endif
	rc = CCRED_STORE_OK;
out:
	/* Our read ends go to c (closed by child_end); the rest is the child's. */
	c->out = outp[0];
	c->err = errp[0];
	c->ex = exp[0];
	close_fd(&outp[1]);
	close_fd(&errp[1]);
	close_fd(&exp[1]);
	close_fd(&devnull);
	return rc;
}

/* Reads the pipes into r until the child is reaped or the deadline
 * passes, then what is still in them. */
static int pump(struct command_store *cs, struct child *c, struct run *r, char *err, size_t errlen)
{
	const struct ccred_store_services *svc = cs->svc;
	struct pollfd pfd[4];
	long left;
	int nfd, i;
	pid_t w;

	while (!c->reaped) {
		if (c->pidfd < 0) {
			w = waitpid(c->pid, &c->status, WNOHANG);
			if (w == c->pid || (w < 0 && errno != EINTR)) {
				c->reaped = (w == c->pid);
				if (!c->reaped) {
					snprintf(err, errlen, "%s: waitpid: %s", cs->what,
					         strerror(errno));
					return CCRED_STORE_ERR;
				}
				break;
			}
		}
		left = c->deadline - ccredi_now_ms();
		if (left <= 0) {
			kill_and_reap(c->pid, &c->status);
			c->reaped = true;
			if (c->timeout % 1000 == 0)
				snprintf(err, errlen, "%s: timed out after %ld s", cs->what,
				         c->timeout / 1000);
			else
				snprintf(err, errlen, "%s: timed out after %ld.%ld s", cs->what,
				         c->timeout / 1000, (c->timeout % 1000) / 100);
			return CCRED_STORE_UNAVAILABLE;
		}
		nfd = 0;
		if (c->out >= 0)
			pfd[nfd++] = (struct pollfd){.fd = c->out, .events = POLLIN};
		if (c->err >= 0)
			pfd[nfd++] = (struct pollfd){.fd = c->err, .events = POLLIN};
		if (c->ex >= 0)
			pfd[nfd++] = (struct pollfd){.fd = c->ex, .events = POLLIN};
		if (c->pidfd >= 0)
			pfd[nfd++] = (struct pollfd){.fd = c->pidfd, .events = POLLIN};
		if (c->pidfd < 0 && left > 20)
			left = 20;
		if (poll(pfd, (nfds_t)nfd, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: poll: %s", cs->what, strerror(errno));
			return CCRED_STORE_ERR;
		}
		for (i = 0; i < nfd; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == c->out && !read_stdout(svc, r, c->out))
				close_fd(&c->out);
			else if (pfd[i].fd == c->err && !read_stderr(r, c->err))
				close_fd(&c->err);
			else if (pfd[i].fd == c->ex && !read_exec_status(r, c->ex))
				close_fd(&c->ex);
			else if (pfd[i].fd == c->pidfd) {
				w = CCREDI_RETRY(waitpid(c->pid, &c->status, 0));
				c->reaped = true; /* if not by us, someone else reaped it */
				if (w != c->pid) {
					snprintf(err, errlen, "%s: waitpid: %s", cs->what,
					         strerror(errno));
					return CCRED_STORE_ERR;
				}
			}
		}
	}
	/* The child is gone: take what is still in the pipes, without waiting
	 * for a grandchild that may hold them open. */
	if (c->out >= 0 && !read_stdout(svc, r, c->out))
		close_fd(&c->out);
	if (c->out >= 0 && !r->line_done) {
		/* still open: a grandchild holds it; the output so far is all */
		r->linelen = r->used;
		r->line_done = true;
	}
	if (c->err >= 0)
		(void)read_stderr(r, c->err);
	if (c->ex >= 0)
		(void)read_exec_status(r, c->ex);
	sanitize_line(r->errline, r->errused);
	return CCRED_STORE_OK;
}

/* What the run says: the secret into buf, or why not. */
static int verdict(struct command_store *cs, const struct child *c, const struct run *r, char *buf,
                   size_t bufsize, size_t *len, char *err, size_t errlen)
{
	int status = c->status;

	if (r->exec_errno) {
		snprintf(err, errlen, "%s: cannot run: %s", cs->what, strerror(r->exec_errno));
		return CCRED_STORE_UNAVAILABLE;
	}
	if (WIFSIGNALED(status) && !(WTERMSIG(status) == SIGPIPE && r->out_cut)) {
		snprintf(err, errlen, "%s: killed by signal %d%s%s", cs->what, WTERMSIG(status),
		         r->errline[0] ? ": " : "", r->errline);
		return CCRED_STORE_UNAVAILABLE;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "%s: exited with status %d%s%s", cs->what,
		         WEXITSTATUS(status), r->errline[0] ? ": " : "", r->errline);
		return CCRED_STORE_UNAVAILABLE;
	}
	if (r->line_overflow) {
		snprintf(err, errlen, "%s: first line of output longer than %d bytes", cs->what,
		         CCRED_STORE_SECRET_MAX);
		return CCRED_STORE_ERR;
	}
	if (r->linelen == 0) {
		snprintf(err, errlen, "%s: printed no secret (first line of output is empty)",
		         cs->what);
		return CCRED_STORE_NOTFOUND;
	}
	if (r->linelen > bufsize || r->linelen > CCRED_STORE_SECRET_MAX) {
		snprintf(err, errlen, "%s: secret longer than %zu bytes", cs->what, bufsize);
		return CCRED_STORE_ERR;
	}
	memcpy(buf, r->line, r->linelen);
	*len = r->linelen;
	return CCRED_STORE_OK;
}

/* Kills and reaps a child still running; closes our ends. */
static void child_end(struct child *c)
{
	if (c->pid > 0 && !c->reaped)
		kill_and_reap(c->pid, &c->status);
	close_fd(&c->pidfd);
	close_fd(&c->out);
	close_fd(&c->err);
	close_fd(&c->ex);
}

static int command_get(void *state, const struct ccred_store_key *key, char *buf, size_t bufsize,
                       size_t *len, char *err, size_t errlen)
{
	struct command_store *cs = state;
	const struct ccred_store_services *svc = cs->svc;
	struct child c = {.pid = -1, .pidfd = -1, .out = -1, .err = -1, .ex = -1};
	struct run r;
	int rc = CCRED_STORE_ERR;

	(void)key;
	*len = 0;
	c.timeout = svc->timeout_ms > 0 ? svc->timeout_ms : DEFAULT_TIMEOUT_MS;
	memset(&r, 0, sizeof(r));
	r.line = malloc(LINE_CAP);
	if (!r.line)
		snprintf(err, errlen, "%s: out of memory", cs->what);
	else if ((rc = spawn(cs, &c, err, errlen)) == CCRED_STORE_OK &&
	         (rc = pump(cs, &c, &r, err, errlen)) == CCRED_STORE_OK)
		rc = verdict(cs, &c, &r, buf, bufsize, len, err, errlen);
	child_end(&c);
	if (r.line) {
		svc->wipe(r.line, LINE_CAP);
		free(r.line);
	}
	svc->wipe(&r, sizeof(r));
	return rc;
}

/* ------------------------------------------------------------ the store */

static void command_free(struct command_store *cs)
{
	int i;

	if (!cs)
		return;
	for (i = 0; cs->argv && i < cs->argc; i++)
		free(cs->argv[i]);
	free(cs->argv);
	free(cs->what);
	free(cs->desc);
	free(cs);
}

static int command_open(const struct ccred_store_services *svc, int argc, char *const *argv,
                        void **state, char *err, size_t errlen)
{
	struct command_store *cs = NULL;
	size_t need = sizeof("command"), off;
	int i, rc;

	rc = ccredi_store_open_check(svc, "command",
	                             CCREDI_STORE_NEEDS_WIPE | CCREDI_STORE_NEEDS_TRACE, state, err,
	                             errlen);
	if (rc != CCRED_STORE_OK)
		return rc;
	rc = CCRED_STORE_ERR_ARGS;
	if (argc < 1 || !argv[0][0]) {
		snprintf(err, errlen, "command: expects the command to run, CMD [ARGS...]");
		goto out;
	}
	/* A relative path would run from whatever directory the caller (git,
	 * a build) happens to be in: only an absolute path or a bare name
	 * looked up on PATH says which program gets to hand over the secret. */
	if (argv[0][0] != '/' && strchr(argv[0], '/')) {
		snprintf(err, errlen,
		         "command %s: a relative path; give an absolute path or a bare name "
		         "found on PATH",
		         argv[0]);
		goto out;
	}
	rc = CCRED_STORE_ERR;
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		goto out;
	cs->svc = svc;
	cs->argv = calloc((size_t)argc + 1, sizeof(char *));
	if (!cs->argv)
		goto out;
	for (i = 0; i < argc; i++) {
		cs->argv[i] = strdup(argv[i]);
		if (!cs->argv[i])
			goto out;
		cs->argc = i + 1;
		need += strlen(argv[i]) + 1;
	}
	cs->desc = malloc(need);
	off = sizeof("command ") + strlen(argv[0]);
	cs->what = malloc(off);
	if (!cs->desc || !cs->what)
		goto out;
	snprintf(cs->what, off, "command %s", argv[0]);
	off = (size_t)snprintf(cs->desc, need, "command");
	for (i = 0; i < argc; i++)
		off += (size_t)snprintf(cs->desc + off, need - off, " %s", argv[i]);
	*state = cs;
	cs = NULL;
	rc = CCRED_STORE_OK;
out:
	/* The only failure after the argument checks. */
	if (rc == CCRED_STORE_ERR)
		snprintf(err, errlen, "command: out of memory");
	command_free(cs);
	return rc;
}

static void command_close(void *state)
{
	command_free(state);
}

static const char *command_describe(void *state)
{
	return ((struct command_store *)state)->desc;
}

static const struct ccred_store_vtable command_vt = {
        .name = "command",
        .open = command_open,
        .get = command_get,
        /* read-only: no set, no erase */
        .close = command_close,
        .describe = command_describe,
};

int ccredi_store_command_initvt(int major, int minor, struct ccred_store_vtable *vt)
{
	(void)minor; /* everything we have is minor 0 */
	return ccredi_store_builtin_initvt(major, vt, &command_vt);
}
