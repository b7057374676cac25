/* SPDX-License-Identifier: MIT */
/* ccred: OAuth2 client_credentials tokens for git, curl and friends. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
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

#define GLOBALS "[-p PROFILE] [-c CONFIG] [-v] [--min-ttl SECONDS]"

static int cmd_help(const struct opts *o, int argc, char **argv);

static const struct cmd commands[] = {
        {"token", cmd_token, "print the access token", "", "Print the access token and a newline."},
        {"header", cmd_header, "print 'Authorization: Bearer TOKEN'", "",
         "Print 'Authorization: Bearer TOKEN' and a newline."},
        {"json", cmd_json, "print the token and its expiry as JSON", "",
         "Print "
         "{\"access_token\",\"token_type\",\"expires_at\",\"expires_in\",\"scope\",\"profile\"}."},
        {"get", cmd_git, "git credential helper: answer a 'get'", "",
         "The git credential-helper protocol (git runs it: credential.helper = ccred).\n"
         "Reads git's key=value lines on stdin; answers for the profile whose url matches."},
        {"store", cmd_git, "git credential helper: 'store' (changes nothing)", "",
         "The git credential-helper protocol: 'store' reads git's lines and changes nothing."},
        {"erase", cmd_git, "git credential helper: drop the cached token", "",
         "The git credential-helper protocol: 'erase' drops the cached token (never the secret)."},
        {"secret", cmd_secret, "set|delete|status: the client secret of a profile",
         " set|delete|status [--json]",
         "set: store the client secret (read from the terminal without echo, or stdin).\n"
         "delete: remove it.  status: say which store holds it (--json for scripts).\n"
         "The secret is never read from arguments and never printed."},
        {"key", cmd_key, "generate|public: the key pair of a private_key_jwt or TLS profile",
         " generate [--type ec|rsa|ed25519] [--force] [--self-signed-cert PATH [--days N]]"
         " | public [--pem]",
         "generate: make a key pair (EC P-256 unless --type), put the private key into the\n"
         "profile's first writable store (never over one it holds, unless --force), and print\n"
         "the public key as a JWK Set for the provider; --self-signed-cert also writes a\n"
         "certificate (CN = client_id, --days, default 365).  public: print the stored key's\n"
         "public half again (--pem: as PEM).  The private key is never printed."},
        {"logout", cmd_logout, "drop the cached token (--all: of every profile)",
         " [--all | --revoke]",
         "Drop the cached token of the profile (--all: of every profile); the secret stays.\n"
         "--revoke: first revoke it at the profile's revocation_url or its issuer's (RFC 7009);\n"
         "the token is dropped even when that fails, and the exit status says why."},
        {"profiles", cmd_profiles, "list profiles and their cached tokens' life",
         " [--json | --names]",
         "List each profile: endpoint, client_id, stores, urls, the cached token's life,\n"
         "or the profile's configuration error.  --json: a JSON array (see ccred(1));\n"
         "--names: one name a line."},
        {"curl-config", cmd_curl_config, "print a curl config line for 'curl -K- URL'", "",
         "Print 'header = \"Authorization: Bearer TOKEN\"' for curl -K- URL."},
        {"env", cmd_env, "print export lines for eval: CCRED_ACCESS_TOKEN, ...", "",
         "Print export lines for eval: CCRED_ACCESS_TOKEN and CCRED_TOKEN_EXPIRES_AT."},
        {"exec", cmd_exec, "[--] CMD [ARGS]: run CMD with CCRED_ACCESS_TOKEN set",
         " [--] CMD [ARGS]",
         "Run CMD with CCRED_ACCESS_TOKEN and CCRED_TOKEN_EXPIRES_AT set; the exit status\n"
         "is CMD's.  Global options go before CMD: what follows CMD is CMD's."},
        {"docker", cmd_docker, "get|store|erase|list: docker credential helper",
         " get|store|erase|list|version",
         "The docker credential-helper protocol (also as docker-credential-ccred)."},
        {"kubectl", cmd_kubectl, "print an ExecCredential for kubectl's exec plugin", "",
         "Print a client.authentication.k8s.io ExecCredential for kubectl's exec plugin."},
        {"cargo", cmd_cargo, "--cargo-plugin: cargo credential provider", " --cargo-plugin",
         "The cargo credential-provider protocol, version 1 (cargo runs 'ccred --cargo-plugin'\n"
         "for credential-provider = [\"ccred\"]); JSON lines on stdin and stdout."},
        {"terraform", cmd_terraform, "get|store|forget HOST, setup: Terraform/OpenTofu helper",
         " get|store|forget HOST | setup",
         "The Terraform/OpenTofu credentials-helper protocol (also as\n"
         "terraform-credentials-ccred).  setup links the helper where both tools look and\n"
         "prints the credentials_helper block for the CLI config."},
        {"configure", cmd_configure, "set a profile up, store its secret, prove it", NULL, NULL},
        {"doctor", cmd_doctor, "check a profile step by step and say what is wrong", " [--json]",
         "Check the config, the secret stores, DNS, TCP, TLS, a real token request and the\n"
         "cache, and say what to do about each failure.  The report goes to stdout (--json\n"
         "for scripts, see ccred(1)); the exit status is 0 only when a token was obtained.\n"
         "Never prints a secret or token."},
        {"help", cmd_help, "show this help, or a command's: help COMMAND", " [COMMAND]",
         "Show ccred's usage, or COMMAND's."},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char exit_status_help[] =
        "Exit status: 0 ok, 64 usage, 65 bad input, 69 no secret, 70 internal error (a\n"
        "module missing or broken), 75 temporary failure, 76 invalid token response,\n"
        "77 client rejected, 78 configuration error.\n";

static void usage(FILE *f)
{
	fprintf(f, "usage: ccred " GLOBALS " COMMAND [ARGS]\n"
	           "\n"
	           "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
	        "\n"
	        "Options (also after the command word, up to -- or exec's CMD):\n"
	        "  -p, --profile NAME   use profile NAME (else $CCRED_PROFILE, 'default', the only "
	        "one)\n"
	        "  -c, --config FILE    read FILE instead of the user config\n"
	        "  -v, --verbose        trace each step to stderr (secrets redacted); twice for "
	        "HTTP\n"
	        "      --min-ttl SECS   hand out only tokens with at least SECS seconds left\n"
	        "  -h, --help           show this help (ccred help COMMAND: a command's)\n"
	        "      --version        show the version\n"
	        "\n"
	        "%s"
	        "See ccred(1) and ccred.conf(5).\n",
	        exit_status_help);
}

/* A command's usage on stdout, exit 0 (SPEC "Commands": help, --help). */
static int command_usage(const struct opts *o, const struct cmd *cmd)
{
	if (!cmd->usage) {
		/* It has options of its own and says them itself. */
		char *argv[] = {(char *)cmd->name, "--help", NULL};
		return cmd->run(o, 2, argv);
	}
	printf("usage: ccred " GLOBALS " %s%s\n\n%s\n\n%s", cmd->name, cmd->args, cmd->usage,
	       exit_status_help);
	printf("See ccred(1).\n");
	return 0;
}

static const struct cmd *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void unknown_command(const char *name) __attribute__((noreturn));
static void unknown_command(const char *name)
{
	const char *names[NCOMMANDS], *near;

	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	if ((near = ccred_nearest(name, names, NCOMMANDS)))
		die_usage("unknown command '%s' (did you mean '%s'?)", name, near);
	die_usage("unknown command '%s'", name);
}

static int cmd_help(const struct opts *o, int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc > 2)
		die_usage("help takes one COMMAND at most");
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (!(cmd = find_command(argv[1])))
		unknown_command(argv[1]);
	return command_usage(o, cmd);
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
	progress_install(ctx, o);
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

const char *suggest(const struct opts *o, const char *profile)
{
	/* Two buffers: a message may suggest two commands. */
	static char bufs[2][1200];
	static int next;
	char *buf = bufs[next++ % 2];

	/* "" leaves -p out: the command names the profile itself. */
	return ccred_suggest_command(buf, sizeof(bufs[0]), o->config,
	                             profile ? (*profile ? profile : NULL) : o->profile);
}

/* "-p NAME", "-pNAME", "--profile NAME", "--profile=NAME": the value, with
 * *i moved past it; NULL when a is not that option. */
static const char *option_value(const char *sopt, const char *lopt, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	size_t ll = strlen(lopt);

	if ((sopt && strcmp(a, sopt) == 0) || strcmp(a, lopt) == 0) {
		if (*i + 1 >= argc)
			die_usage("%s needs a value", a);
		return argv[++*i];
	}
	if (sopt && strncmp(a, sopt, 2) == 0 && a[2])
		return a + 2;
	if (strncmp(a, lopt, ll) == 0 && a[ll] == '=')
		return a + ll + 1;
	return NULL;
}

/* Global options that follow the command word (`ccred token -p work`) are
 * taken out of argv, up to "--" and, for exec, up to its CMD: what follows
 * belongs to the command run.  Returns the new argc; *help: -h/--help. */
static int take_globals(struct opts *o, const struct cmd *cmd, int argc, char **argv, bool *help)
{
	bool exec = cmd->run == cmd_exec;
	int out = 1, i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;

		if (strcmp(a, "--") == 0 || (exec && a[0] != '-'))
			break;
		if ((v = option_value("-p", "--profile", argc, argv, &i)))
			o->profile = v;
		else if ((v = option_value("-c", "--config", argc, argv, &i)))
			o->config = v;
		else if ((v = option_value(NULL, "--min-ttl", argc, argv, &i)))
			o->min_ttl = parse_min_ttl(v);
		else if (strcmp(a, "--verbose") == 0)
			o->verbose++;
		else if (a[0] == '-' && a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1))
			o->verbose += (int)strlen(a + 1);
		else if (cmd->usage && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0))
			*help = true;
		else
			argv[out++] = argv[i];
	}
	while (i < argc)
		argv[out++] = argv[i++];
	argv[out] = NULL;
	return out;
}

/* The caller has its answer: now the refresh ahead, if one is due. */
static int finish(const struct opts *o, int status)
{
	refresh_start(o, false);
	return status;
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
	bool help = false;
	int c, n;

	harden();
	base = base ? base + 1 : (argv[0] ? argv[0] : "ccred");
	/* Run as git-credential-ccred, git passes the operation directly. */
	if (strcmp(base, "git-credential-ccred") == 0)
		progname = "git-credential-ccred";
	/* Run as docker-credential-ccred, docker passes the operation directly. */
	if (strcmp(base, "docker-credential-ccred") == 0)
		progname = "docker-credential-ccred";
	if (strcmp(base, "terraform-credentials-ccred") == 0)
		progname = "terraform-credentials-ccred";
	/* cargo runs `ccred --cargo-plugin`, its config's words in the request */
	if (argc > 1 && strcmp(argv[1], "--cargo-plugin") == 0 && strcmp(progname, "ccred") == 0)
		return finish(&o, cargo_run(&o));

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
		return finish(&o, docker_run(&o, argc - optind, argv + optind));
	if (strcmp(progname, "terraform-credentials-ccred") == 0)
		return finish(&o, terraform_run(&o, argc - optind, argv + optind));
	if (optind >= argc && strcmp(progname, "git-credential-ccred") == 0) {
		/* Someone ran git's helper by hand: say what it is for. */
		fprintf(stderr,
		        "git-credential-ccred: a git credential helper; git runs it as\n"
		        "  git-credential-ccred get|store|erase\n"
		        "with the request on stdin.  Set it up with\n"
		        "  git config --global credential.https://HOST.helper ccred\n"
		        "and a profile whose url answers for https://HOST (see ccred(1), GIT).\n"
		        "For a token by hand: ccred token.\n");
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!(cmd = find_command(argv[optind]))) {
		/* git ignores helpers' unknown operations; so do we as git's helper */
		if (strcmp(progname, "git-credential-ccred") == 0)
			return 0;
		unknown_command(argv[optind]);
	}
	n = take_globals(&o, cmd, argc - optind, argv + optind, &help);
	if (help)
		return command_usage(&o, cmd);
	return finish(&o, cmd->run(&o, n, argv + optind));
}
