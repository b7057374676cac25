/* SPDX-License-Identifier: MIT */
/* The ccred command: shared declarations of its parts (one file per
 * protocol).  The command sees libccred only through <ccred/ccred.h>. */
#ifndef CCRED_HELPER_H
#define CCRED_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include <ccred/ccred.h>

/* sysexits used directly by the command */
#define EX_OK_        0
#define EXIT_USAGE    64
#define EXIT_DATAERR  65
#define EXIT_SOFTWARE 70
#define EXIT_OSERR    71
#define EXIT_IOERR    74

struct opts {
	const char *profile;
	const char *config;
	int verbose;
	long min_ttl; /* -1 unset */
};

struct cmd {
	const char *name;
	int (*run)(const struct opts *o, int argc, char **argv);
	const char *help;
	/* `ccred help NAME` and `NAME --help`: the arguments after the command
	 * word, then what it does.  NULL: the command answers --help itself. */
	const char *args, *usage;
};

/* main.c */
extern const char *progname;
void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Opens a context with the global options applied; on failure prints the
 * error and returns NULL with *status set. */
struct ccred_ctx *open_ctx(const struct opts *o, int *status);
/* "ccred [-c FILE] [-p NAME]": the start of a command suggested in a
 * message, carrying the -c and -p the user gave (profile overrides -p;
 * "" leaves -p out, for a command that names the profile as its argument). */
const char *suggest(const struct opts *o, const char *profile);
/* Prints ccred's error for rc on stderr and returns its exit status. */
int report(struct ccred_ctx *ctx, ccred_error rc);

/* io.c: output is collected and written in one go, only on success. */
struct out {
	char *p;
	size_t len, cap;
};
void out_add(struct out *o, const char *s, size_t n);
void out_adds(struct out *o, const char *s);
void out_addf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes o to stdout and wipes it; EXIT_IOERR when stdout fails. */
int out_flush(struct out *o);
void out_wipe(struct out *o);
void out_json_string(struct out *o, const char *s);
/* RFC 3339 UTC, e.g. 2026-11-28T07:13:49Z. */
void fmt_rfc3339(long long t, char buf[32]);
/* Reads one line of at most max bytes from f (no newline); 1 line, 0 EOF,
 * -1 too long or NUL byte. Caller frees *line (wiping when it may hold a
 * secret). */
int read_line(FILE *f, char **line, size_t max);
/* SPEC: a secret, a caller's line or other input over 64 KiB is refused. */
#define INPUT_MAX 65536
/* The EINTR policy, as the library's (lib/sys.h): a call a signal
 * interrupted is made again.  read(2) so retried, and a whole write. */
ssize_t read_retry(int fd, void *p, size_t n);
int write_all(int fd, const void *p, size_t n);

/* output.c */
struct tokview;
/* Gets a token with the global options; prints the error itself (output.c). */
struct ccred_token *get_token(const struct opts *o, struct ccred_ctx **ctxp, int *status);
/* Gets a token and prints it through write, refusing what write cannot
 * carry unchanged (76); argv takes no arguments. */
int emit(const struct opts *o, int argc, char **argv,
         int (*write)(struct out *, const struct tokview *));
int cmd_token(const struct opts *o, int argc, char **argv);
int cmd_header(const struct opts *o, int argc, char **argv);
int cmd_json(const struct opts *o, int argc, char **argv);
int cmd_logout(const struct opts *o, int argc, char **argv);
int cmd_profiles(const struct opts *o, int argc, char **argv);
/* urlcall.c: the callers that name a URL (git, docker, cargo, terraform),
 * each a row in its own file, run by one driver. */
struct url_caller {
	bool progress; /* the progress line on a terminal (not docker's, cargo's) */
	/* No profile answers for the URL: the caller's "not mine" (get or erase);
	 * writes what it says itself and returns the exit status. */
	int (*pass)(bool erase);
	/* libccred's error rc (ctx may be NULL): told the caller's way; returns
	 * the exit status. */
	int (*fail)(struct ccred_ctx *ctx, ccred_error rc);
	/* The answer for url with tok, into out (flushed when it returns 0);
	 * else the exit status, having said why.  req: the caller's request. */
	int (*answer)(struct out *out, struct ccred_ctx *ctx, const struct ccred_token *tok,
	              const char *url, const void *req);
};
/* Opens the context, selects the profile for url by the stricter rule, and
 * answers (or, with erase, drops the cached token) through c. */
int url_call(const struct url_caller *c, const struct opts *o, const char *url, bool erase,
             const void *req);
/* git.c */
int cmd_git(const struct opts *o, int argc, char **argv);
/* secret.c */
int cmd_secret(const struct opts *o, int argc, char **argv);
/* key.c */
int cmd_key(const struct opts *o, int argc, char **argv);
/*
 * A new key pair, stored as `key generate` stores it; `configure
 * --generate-key` shares it.  keygen_begin checks type (die_usage naming
 * cmd and type_opt) and opens the certificate's temporary file, so that a
 * cert_path that cannot be written stops it before a key is made;
 * keygen_store makes the key, puts it into the profile's first writable
 * store (k->where; k->stored) and drops the profile's cached token, and
 * writes the certificate to the temporary file; keygen_cert_commit moves it
 * to cert_path.  Each returns 0 or the exit status, having said why;
 * keygen_end removes a temporary file left and frees.  k->jwks: the public
 * key as a JWK Set, to print.
 */
struct keygen {
	const char *type;      /* ec (NULL), rsa or ed25519 */
	const char *cert_path; /* a self-signed certificate to write; NULL: none */
	int days;              /* its validity; 0: 365 */
	bool force;            /* over a key the stores hold */
	bool stored, tmp_made;
	const char *where;
	char *jwks, *cert;
	int fd;
	char tmp[4096 + 32];
};
/* --days N's value, or die_usage naming cmd. */
int keygen_days(const char *cmd, const char *arg);
int keygen_begin(struct keygen *k, const char *cmd, const char *type_opt);
int keygen_store(struct keygen *k, struct ccred_ctx *ctx);
int keygen_cert_commit(struct keygen *k);
void keygen_end(struct keygen *k);
/* main.c: undo harden() (umask, core limit, SIGPIPE) for a command ccred
 * is about to exec, so it starts as it would have without ccred. */
void restore_for_child(void);
/* exec.c */
int cmd_curl_config(const struct opts *o, int argc, char **argv);
int cmd_env(const struct opts *o, int argc, char **argv);
int cmd_exec(const struct opts *o, int argc, char **argv);
/* docker.c: `ccred docker OP` and docker_run() for docker-credential-ccred
 * (argv[0] is the operation). */
int cmd_docker(const struct opts *o, int argc, char **argv);
int docker_run(const struct opts *o, int argc, char **argv);
/* kubectl.c */
int cmd_kubectl(const struct opts *o, int argc, char **argv);
/* The apiVersion KUBERNETES_EXEC_INFO's text info asks for, when it is one
 * ccred answers (*version then points to a constant); -1 otherwise, with a
 * one-line reason in why. */
int kube_exec_info_version(const char *info, const char **version, char *why, size_t whylen);
/* cargo.c: the credential-provider protocol (`ccred --cargo-plugin`). */
int cmd_cargo(const struct opts *o, int argc, char **argv);
int cargo_run(const struct opts *o);
/* terraform.c: `ccred terraform VERB` and terraform_run() for
 * terraform-credentials-ccred (argv[0] is the verb). */
int cmd_terraform(const struct opts *o, int argc, char **argv);
int terraform_run(const struct opts *o, int argc, char **argv);
/* Reads a secret from the terminal without echo (prompting on stderr), or all
 * of stdin when it is not a terminal; -2 when over cap, -1 on error. */
ssize_t read_secret(const char *profile, char *buf, size_t cap);
/* read_secret, saying what went wrong (with tail after it, e.g. "; nothing
 * was written"): 0 with *len set, else the exit status. */
int read_secret_said(const char *profile, char *buf, size_t cap, const char *tail, size_t *len);
/* Writes each line of notes to f after prefix. */
void print_notes(FILE *f, const char *prefix, const char *notes);
/* writers.c: the texts that carry a token, from its fields alone; each
 * returns -1 (writing nothing) for a field its format cannot carry. */
struct tokview {
	const char *value, *type, *scope, *profile;
	long long expires; /* 0: unknown */
	long long now;     /* for json's expires_in */
};
void tokview_of(struct tokview *v, struct ccred_ctx *ctx, const struct ccred_token *t);
int write_token(struct out *out, const struct tokview *t);
int write_header(struct out *out, const struct tokview *t);
int write_json(struct out *out, const struct tokview *t);
int write_curl_config(struct out *out, const struct tokview *t);
int write_env(struct out *out, const struct tokview *t);
int write_git(struct out *out, const struct tokview *t, bool authtype, const char *username);
int write_docker(struct out *out, const struct tokview *t, const char *server_url,
                 const char *username);
int write_kubectl(struct out *out, const struct tokview *t, const char *api_version);
/* What a command exits with when a writer refuses (EX_PROTOCOL, as the
 * library's invalid token response). */
#define EXIT_PROTOCOL 76

/* configure.c */
int cmd_configure(const struct opts *o, int argc, char **argv);
/* The auth method named method (canonical): its Keycloak label and its
 * CCRED_AUTH_F_ flags, through the pointers that are not NULL; false when
 * the library has no such method. */
bool auth_method_traits(const char *method, const char **label, unsigned *flags);
/* progress.c: the progress line of a slow token request on ctx, when
 * stderr is a terminal (and no -v). */
void progress_install(struct ccred_ctx *ctx, const struct opts *o);
/* shared.c: the other profiles ('a', 'b') that read the secret the selected
 * profile's `secret set` writes; false when none.  say_replaced_shared
 * tells the user that secret was replaced. */
bool secret_shared_with(struct ccred_ctx *ctx, char *names, size_t len);
void say_replaced_shared(const char *names);
/* refresh.c: refresh ahead.  refresh_note, right after a token is got,
 * remembers whether the library said a refresh is due; refresh_start, once
 * the caller has its answer and just before ccred exits (or, before_exec,
 * before exec), starts the one detached refresher and returns at once. */
void refresh_note(struct ccred_ctx *ctx, const struct ccred_token *tok);
void refresh_start(const struct opts *o, bool before_exec);
/* doctor.c */
int cmd_doctor(const struct opts *o, int argc, char **argv);

#endif
