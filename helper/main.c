/* SPDX-License-Identifier: MIT */
/* ccred: OAuth2 client_credentials tokens for git, curl and friends. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"

const char *progname = "ccred";

static const struct cmd commands[] = {
	{"token", cmd_token, "print the access token"},
	{"header", cmd_header, "print 'Authorization: Bearer TOKEN'"},
	{"json", cmd_json, "print the token and its expiry as JSON"},
	{"get", cmd_git, "git credential helper: answer a 'get'"},
	{"store", cmd_git, "git credential helper: 'store' (changes nothing)"},
	{"erase", cmd_git, "git credential helper: drop the cached token"},
	{"secret", cmd_secret, "set|delete|status: the client secret of a profile"},
	{"logout", cmd_logout, "drop the cached token (--all: of every profile)"},
	{"profiles", cmd_profiles, "list profiles and their cached tokens' life"},
	{"curl-config", cmd_curl_config, "print a curl config line for 'curl -K- URL'"},
	{"env", cmd_env, "print export lines for eval: CCRED_ACCESS_TOKEN, ..."},
	{"exec", cmd_exec, "[--] CMD [ARGS]: run CMD with CCRED_ACCESS_TOKEN set"},
	{"docker", cmd_docker, "get|store|erase|list: docker credential helper"},
	{"kubectl", cmd_kubectl, "print an ExecCredential for kubectl's exec plugin"},
	{"configure", cmd_configure, "set a profile up, store its secret, prove it"},
	{"doctor", cmd_doctor, "check a profile step by step and say what is wrong"},
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ccred [-p PROFILE] [-c CONFIG] [-v] [--min-ttl SECONDS] COMMAND [ARGS]\n"
	        "\n"
	        "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
	        "\n"
	        "Options:\n"
	        "  -p, --profile NAME   use profile NAME (else $CCRED_PROFILE, 'default', the only one)\n"
	        "  -c, --config FILE    read FILE instead of the user config\n"
	        "  -v, --verbose        trace each step to stderr (secrets redacted); twice for HTTP\n"
	        "      --min-ttl SECS   hand out only tokens with at least SECS seconds left\n"
	        "  -h, --help           show this help\n"
	        "      --version        show the version\n"
	        "\n"
	        "Exit status: 0 ok, 64 usage, 65 bad input, 69 no secret, 75 temporary failure,\n"
	        "76 invalid token response, 77 client rejected, 78 configuration error.\n"
	        "See ccred(1) and ccred.conf(5).\n");
}

void errorf(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ccred --help'.\n");
	exit(EXIT_USAGE);
}

int report(struct ccred_ctx *ctx, ccred_error rc)
{
	const char *msg = ctx ? ccred_errmsg(ctx) : "";

	errorf("%s", *msg ? msg : ccred_strerror(rc));
	return ccred_exit_code(rc);
}

struct ccred_ctx *open_ctx(const struct opts *o, int *status)
{
	struct ccred_ctx *ctx = NULL;
	ccred_error rc = ccred_open(&ctx, o->config, 0);

	if (rc != CCRED_OK) {
		*status = report(ctx, rc);
		ccred_close(ctx);
		return NULL;
	}
	ccred_set_verbose(ctx, o->verbose);
	if (o->min_ttl >= 0)
		ccred_set_min_ttl(ctx, o->min_ttl);
	return ctx;
}

/* What harden() changed, for restore_for_child(). */
static struct {
	struct rlimit core;
	bool have_core;
	mode_t umask;
	void (*sigpipe)(int);
} saved;

/* As OpenSSH does first thing: fds 0-2 open (so nothing we open becomes
 * stdout by accident), no core dumps, no ptrace by other processes of the
 * same user, and private files by default. */
static void harden(void)
{
	struct rlimit rl = {0, 0};
	int fd;

	while ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0 && fd <= 2)
		if (fcntl(fd, F_SETFD, 0) < 0)
			break;
	if (fd > 2)
		close(fd);
	/* Only the soft limit, so `exec` can give its command the old one. */
	if (getrlimit(RLIMIT_CORE, &saved.core) == 0) {
		saved.have_core = true;
		rl.rlim_max = saved.core.rlim_max;
	}
	setrlimit(RLIMIT_CORE, &rl);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	saved.umask = umask(077);
	/* A closed pipe is an error we report, not a silent death. */
	saved.sigpipe = signal(SIGPIPE, SIG_IGN);
	/* Input may carry tokens (git's store/erase): no stdio copies of it. */
	setvbuf(stdin, NULL, _IONBF, 0);
}

void restore_for_child(void)
{
	/* execve resets dumpability itself; the rest would be inherited. */
	if (saved.have_core)
		setrlimit(RLIMIT_CORE, &saved.core);
	umask(saved.umask);
	signal(SIGPIPE, saved.sigpipe == SIG_ERR ? SIG_DFL : saved.sigpipe);
}

static const struct cmd *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static long parse_min_ttl(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 366L * 86400)
		die_usage("--min-ttl wants a number of seconds, not '%s'", s);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"profile", required_argument, NULL, 'p'},
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"min-ttl", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {.min_ttl = -1};
	const char *base = argv[0] ? strrchr(argv[0], '/') : NULL;
	const struct cmd *cmd;
	int c;

	harden();
	base = base ? base + 1 : (argv[0] ? argv[0] : "ccred");
	/* Run as git-credential-ccred, git passes the operation directly. */
	if (strcmp(base, "git-credential-ccred") == 0)
		progname = "git-credential-ccred";
	/* Run as docker-credential-ccred, docker passes the operation directly. */
	if (strcmp(base, "docker-credential-ccred") == 0)
		progname = "docker-credential-ccred";

	while ((c = getopt_long(argc, argv, "+p:c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o.profile = optarg; break;
		case 'c': o.config = optarg; break;
		case 'v': o.verbose++; break;
		case 'm': o.min_ttl = parse_min_ttl(optarg); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("ccred %s\n", PACKAGE_VERSION); return 0;
		default: fprintf(stderr, "Try 'ccred --help'.\n"); return EXIT_USAGE;
		}
	}
	if (strcmp(progname, "docker-credential-ccred") == 0)
		return docker_run(&o, argc - optind, argv + optind);
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!(cmd = find_command(argv[optind]))) {
		/* git ignores helpers' unknown operations; so do we as git's helper */
		if (strcmp(progname, "git-credential-ccred") == 0)
			return 0;
		die_usage("unknown command '%s'", argv[optind]);
	}
	return cmd->run(&o, argc - optind, argv + optind);
}
