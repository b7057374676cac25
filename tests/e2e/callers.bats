#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Every caller served, each proven with the real tool against the real
# oidc-provider: git over HTTP (git http-backend behind a resource server that
# checks tokens by introspection), curl, kubectl (an https API server), the
# docker CLI and the docker credential-helper protocol, exec and env; and the
# bash completion.

bats_require_minimum_version 1.5.0

setup() {
	load common
	ccred_caller_env
	export GIT_ASKPASS=/bin/false
}

teardown() {
	ccred_test_teardown
}

# --- helpers ----------------------------------------------------------------

# rs_start [--https]: the resource server, checking tokens with the oidc
# server's introspection; exports RS_ORIGIN and RS_LOG.
rs_start() {
	local args=(node "$CCRED_TEST_FIXTURES/resource-server.mjs" --issuer "$OIDC_ISSUER"
		--log "$BATS_TEST_TMPDIR/rs.log" --git-root "$BATS_TEST_TMPDIR/repos")
	local scheme=http
	mkdir -p "$BATS_TEST_TMPDIR/repos"
	if [ "${1:-}" = --https ]; then
		ccred_test_certs
		scheme=https
		args+=(--https --cert "$CCRED_TEST_CERTS/server.pem" --key "$CCRED_TEST_CERTS/server.key")
	fi
	ccred_test_server_start RS "${args[@]}"
	_CCRED_TEST_SERVERS="${_CCRED_TEST_SERVERS:-} RS"
	RS_ORIGIN=$scheme://127.0.0.1:$RS_PORT
	RS_LOG=$BATS_TEST_TMPDIR/rs.log
}

# Authorization headers the resource server saw on requests it let in.
rs_accepted_auth() {
	jq -r 'select(.status < 400 and .authorization != null) | .authorization' "$RS_LOG"
}

# basic_password HEADER: the password of an "Authorization: Basic ..." value.
basic_password() {
	local decoded
	decoded=$(printf '%s' "${1#Basic }" | base64 -d)
	printf '%s\n' "${decoded#*:}"
}

# A bare repository NAME.git under the server's root, with one commit on main.
make_repo() {
	local bare=$BATS_TEST_TMPDIR/repos/$1.git seed=$BATS_TEST_TMPDIR/seed-$1
	git init -q --bare -b main "$bare"
	git init -q -b main "$seed"
	git -C "$seed" -c user.name=seed -c user.email=seed@example.invalid \
		commit -q --allow-empty -m "first commit of $1"
	git -C "$seed" push -q "$bare" main
}

# git with ccred as its only credential helper; every operation git asks of
# the helper is logged to $BATS_TEST_TMPDIR/helper-ops.
cgit() {
	local helper="!f() { echo \"\$1\" >>'$BATS_TEST_TMPDIR/helper-ops'; exec '$CCRED' \"\$@\"; }; f"
	git -c credential.helper= -c "credential.helper=$helper" \
		-c user.name=tester -c user.email=tester@example.invalid "$@"
}

# A link to the binary under the name docker runs it by, as installed.
# ($CCRED is the binary itself: it links libccred's code statically, so the
# build tree has no libtool wrapper script whose link would lose argv[0].)
docker_helper_link() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -sf "$CCRED" "$BATS_TEST_TMPDIR/bin/docker-credential-ccred"
	export PATH=$BATS_TEST_TMPDIR/bin:$PATH
}

# The token ccred has cached now (a cache hit: no new grant).
cached_token() {
	"$CCRED" -p "${1:-rs}" token
}

# --- curl-config and curl -----------------------------------------------------

@test "curl-config: one curl config line carrying the token" {
	ccred_profile rs
	run "$CCRED" -p rs curl-config
	assert_success
	local token
	token=$(cached_token)
	assert_output "header = \"Authorization: Bearer $token\""
	assert_equal "${#token}" 43
	assert_equal "$(oidc_grants)" 1
}

@test "curl: ccred curl-config | curl -K- is let in; the token is on no command line" {
	rs_start
	ccred_profile rs
	local out=$BATS_TEST_TMPDIR/curl.out pattern=$BATS_TEST_TMPDIR/token.pattern
	local token pid seen=0 found=''
	token=$(cached_token)
	# grep reads the token from a file: on its own command line it would
	# be a token on a command line.
	(umask 077 && printf '%s\n' "$token" >"$pattern")
	# The server holds the answer back 1.5 s, while /proc is searched.
	"$CCRED" -p rs curl-config | curl -sS --fail -K- "$RS_ORIGIN/hello?delay=1500" >"$out" 2>&1 3>&- &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if grep -lFf "$pattern" /proc/[0-9]*/cmdline 2>/dev/null; then
			found=1
		fi
		seen=$((seen + 1))
		sleep 0.05
	done
	wait "$pid"
	assert_equal "$(cat "$out")" "hello post-client"
	# (Each look greps every process's cmdline: on a loaded machine one
	# takes 200 ms, so 1.5 s gives fewer than ten.)
	((seen >= 3)) || fail "curl ran too briefly to be watched ($seen looks)"
	[ -z "$found" ] || fail "the token was on a command line"
	run rs_accepted_auth
	assert_output "Bearer $token"
}

@test "curl: without ccred the resource server says 401; with a stale token too" {
	rs_start
	run curl -sS -o /dev/null -w '%{http_code}' "$RS_ORIGIN/hello"
	assert_output 401
	printf 'header = "Authorization: Bearer not-a-real-token"\n' >"$BATS_TEST_TMPDIR/cfg"
	run curl -sS -o /dev/null -w '%{http_code}' -K "$BATS_TEST_TMPDIR/cfg" "$RS_ORIGIN/hello"
	assert_output 401
}

# --- env and exec -----------------------------------------------------------

@test "env: eval \"\$(ccred env)\" exports the token and its expiry" {
	ccred_profile rs
	run "$CCRED" -p rs env
	assert_success
	local token exp
	token=$(cached_token)
	exp=$("$CCRED" -p rs json | jq -r '.expires_at | fromdateiso8601')
	assert_line --index 0 "export CCRED_ACCESS_TOKEN='$token'"
	assert_line --index 1 "export CCRED_TOKEN_EXPIRES_AT=$exp"
	assert_equal "${#lines[@]}" 2
	unset CCRED_ACCESS_TOKEN CCRED_TOKEN_EXPIRES_AT
	eval "$("$CCRED" -p rs env)"
	assert_equal "$CCRED_ACCESS_TOKEN" "$token"
	assert_equal "$CCRED_TOKEN_EXPIRES_AT" "$exp"
	# exported: a child sees them
	run sh -c 'printf "%s %s" "$CCRED_ACCESS_TOKEN" "$CCRED_TOKEN_EXPIRES_AT"'
	assert_output "$token $exp"
	assert_equal "$(oidc_grants)" 1
}

@test "env: on failure stdout is empty, so eval does nothing" {
	ccred_profile rs
	run --separate-stderr "$CCRED" -p nosuch env
	assert_failure 78
	assert_output ''
	run --separate-stderr "$CCRED" -p rs env extra
	assert_failure 64
	assert_output ''
}

@test "exec: the command sees the token in its environment, and only there" {
	ccred_profile rs
	run "$CCRED" -p rs exec -- sh -c 'printf "%s %s\n" "$CCRED_ACCESS_TOKEN" "$CCRED_TOKEN_EXPIRES_AT"'
	assert_success
	local token exp
	token=$(cached_token)
	exp=$("$CCRED" -p rs json | jq -r '.expires_at | fromdateiso8601')
	assert_output "$token $exp"
	# without the --, and with arguments passed through untouched
	run "$CCRED" -p rs exec printf '%s|' a 'b c' '$HOME'
	assert_output 'a|b c|$HOME|'
	# stdin goes through to the command
	run sh -c 'printf "piped input" | "$CCRED" -p rs exec cat'
	assert_output 'piped input'
	[ -z "${CCRED_ACCESS_TOKEN:-}" ] || fail "the token leaked into the caller"
	assert_equal "$(oidc_grants)" 1
}

@test "exec: the command's environment holds no variable an env store of the profile reads" {
	# Stores from [defaults] and the profile's own, one quoted; the secret
	# is in the first env store read, the others are only named.
	{
		printf '[defaults]\nsecret_store = env CI_SECRET\n'
		printf '[profile rs]\ntoken_url = %s\nclient_id = post-client\n' "$OIDC_TOKEN_URL"
		printf 'secret_store = env CI_SECRET\nsecret_store = env "OTHER_SECRET"\n'
		printf 'secret_store = file %s\n' "$SECRET_FILE"
		printf '[profile d]\ntoken_url = %s\nclient_id = post-client\nscope = api:write\n' "$OIDC_TOKEN_URL"
	} >"$CONFIG"
	export CI_SECRET=post-secret-1 OTHER_SECRET=unused KEEP_ME=kept
	run "$CCRED" -p rs exec -- sh -c 'printf "%s|%s|%s|%s\n" "${CI_SECRET-unset}" "${OTHER_SECRET-unset}" "$KEEP_ME" "${#CCRED_ACCESS_TOKEN}"'
	assert_success
	[[ $output == "unset|unset|kept|"[1-9]* ]] || fail "child saw: $output"
	# The same when the token comes from the cache, and for a profile that
	# inherits its env store from [defaults].
	run "$CCRED" -p rs exec -- sh -c 'printf "%s\n" "${CI_SECRET-unset}"'
	assert_output unset
	run "$CCRED" -p d exec -- sh -c 'printf "%s\n" "${CI_SECRET-unset}"'
	assert_output unset
	assert_equal "$(oidc_grants)" 2
}

@test "exec: ccred's status is the command's" {
	ccred_profile rs
	run "$CCRED" -p rs exec -- sh -c 'exit 3'
	assert_failure 3
	run "$CCRED" -p rs exec -- true
	assert_success
	run "$CCRED" -p rs exec -- sh -c 'exit 77'
	assert_failure 77
	# killed by SIGTERM: a shell reports 128 + 15
	run "$CCRED" -p rs exec -- sh -c 'kill -TERM $$'
	assert_failure 143
	run "$CCRED" -p rs exec -- sh -c 'kill -KILL $$'
	assert_failure 137
}

@test "exec: command not found is 127, not runnable 126, with a clear message" {
	ccred_profile rs
	run --separate-stderr "$CCRED" -p rs exec -- no-such-command-ccred-test arg
	assert_failure 127
	assert_output ''
	assert_equal "$stderr" "ccred: exec: no-such-command-ccred-test: command not found"
	printf 'not executable\n' >"$BATS_TEST_TMPDIR/plain"
	chmod 644 "$BATS_TEST_TMPDIR/plain"
	run --separate-stderr "$CCRED" -p rs exec "$BATS_TEST_TMPDIR/plain"
	assert_failure 126
	[[ $stderr == *"cannot run $BATS_TEST_TMPDIR/plain: Permission denied" ]] || fail "stderr: $stderr"
	run --separate-stderr "$CCRED" -p rs exec
	assert_failure 64
	run --separate-stderr "$CCRED" -p rs exec --
	assert_failure 64
	run --separate-stderr "$CCRED" -p rs exec -x
	assert_failure 64
}

@test "exec: no ccred process stays behind, and the command gets the caller's umask" {
	ccred_profile rs
	# The command runs in ccred's own process: its parent is this shell.
	run "$CCRED" -p rs exec -- sh -c 'cat /proc/$PPID/comm; umask'
	assert_success
	refute_line --partial ccred
	assert_line --index 1 "$(umask)"
	run sh -c 'umask 027 && "$CCRED" -p rs exec -- sh -c umask'
	assert_output 0027
	# SIGPIPE is not left ignored: yes(1) dies of it quietly, as usual
	run sh -c '"$CCRED" -p rs exec -- yes | head -n 1'
	assert_success
	assert_output y
}

@test "exec: a failed token fetch runs nothing" {
	ccred_profile rs client_id=nobody
	run --separate-stderr "$CCRED" -p rs exec -- touch "$BATS_TEST_TMPDIR/ran"
	assert_failure 77
	[ ! -e "$BATS_TEST_TMPDIR/ran" ] || fail "the command ran"
}

@test "env, exec, kubectl: a token whose expiry is unknown leaves no expiry behind" {
	# No real server leaves expires_in out on demand: the fault server does.
	fault_start noexpiry
	printf '[profile odd]\ntoken_url = %s\nclient_id = c\nsecret_store = file %s\n' \
		"$FAULT_URL" "$SECRET_FILE" >>"$CONFIG"
	run "$CCRED" -p odd env
	assert_success
	assert_line --index 0 "export CCRED_ACCESS_TOKEN='fault-token-1'"
	assert_line --index 1 "unset CCRED_TOKEN_EXPIRES_AT"
	CCRED_TOKEN_EXPIRES_AT=123 run "$CCRED" -p odd exec -- sh -c 'echo "$CCRED_ACCESS_TOKEN ${CCRED_TOKEN_EXPIRES_AT-unset}"'
	assert_output "fault-token-2 unset"
	run "$CCRED" -p odd kubectl
	assert_success
	run jq -c . <<<"$output"
	assert_output '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"fault-token-3"}}'
}

# --- git over HTTP ----------------------------------------------------------

@test "git: clone and push through the resource server with ccred's token (secret in the keyring)" {
	ccred_test_bus_start "$BATS_TEST_TMPDIR/s"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/s" "callers-keyring-pw"
	mkdir -p "$XDG_CONFIG_HOME/ccred"
	CONFIG=$XDG_CONFIG_HOME/ccred/config
	rs_start
	make_repo project
	ccred_profile rs "url=$RS_ORIGIN" secret_store=libsecret
	printf 'post-secret-1\n' | "$CCRED" -p rs secret set
	cd "$BATS_TEST_TMPDIR"
	run cgit clone "$RS_ORIGIN/git/project.git" work
	assert_success
	run git -C work log --format=%s
	assert_output "first commit of project"
	echo change >work/file
	git -C work add file
	git -C work -c user.name=t -c user.email=t@example.invalid commit -q -m "pushed through ccred"
	run cgit -C work push origin main
	assert_success
	run git -C repos/project.git log --format=%s main
	assert_line --index 0 "pushed through ccred"
	# git asked ccred each time, and got the one cached token
	run cat helper-ops
	assert_line --index 0 get
	refute_line erase
	local token
	token=$(cached_token)
	run rs_accepted_auth
	assert_success
	local a
	for a in "${lines[@]}"; do
		assert_equal "$(basic_password "$a")" "$token"
		[[ $a == Basic\ * ]] || fail "not Basic: $a"
	done
	assert_equal "$(basic_password "${lines[0]}" | wc -c)" 44
	assert_equal "$(printf '%s' "${lines[0]#Basic }" | base64 -d | cut -d: -f1)" post-client
	assert_equal "$(oidc_grants)" 1
}

@test "git: after a 401 git calls erase, and the next run gets a fresh token" {
	rs_start
	make_repo project
	ccred_profile rs "url=$RS_ORIGIN"
	cd "$BATS_TEST_TMPDIR"
	run cgit clone "$RS_ORIGIN/git/project.git" work
	assert_success
	local first
	first=$(cached_token)
	assert_equal "$(oidc_grants)" 1
	# The server turns the current token away once, as after a revocation.
	run curl -sS --fail -X POST "$RS_ORIGIN/control/reject-once"
	assert_success
	run cgit -C work fetch
	assert_failure
	assert_output --partial "Authentication failed"
	run cat helper-ops
	assert_line erase
	# erase dropped the token, never the secret
	run "$CCRED" -p rs profiles
	assert_output --partial "none cached"
	run cgit -C work fetch
	assert_success
	local second
	second=$(cached_token)
	[ "$first" != "$second" ] || fail "the retry got the old token"
	assert_equal "$(oidc_grants)" 2
	run rs_accepted_auth
	assert_equal "$(basic_password "${lines[-1]}")" "$second"
}

@test "git: a profile url with a path answers only under it (credential.useHttpPath)" {
	rs_start
	make_repo project
	make_repo other
	ccred_profile rs "url=$RS_ORIGIN/git/project.git"
	cd "$BATS_TEST_TMPDIR"
	run cgit -c credential.useHttpPath=true clone "$RS_ORIGIN/git/project.git" a
	assert_success
	# Not ours: ccred says nothing, git has no credentials and gives up.
	run cgit -c credential.useHttpPath=true clone "$RS_ORIGIN/git/other.git" b
	assert_failure
	assert_output --partial "could not read Username"
	assert_equal "$(oidc_grants)" 1
}

@test "git: a host no profile names gets no answer and no token is fetched" {
	rs_start
	make_repo project
	ccred_profile rs url=http://127.0.0.2:1 url=https://127.0.0.1
	ccred_profile default
	cd "$BATS_TEST_TMPDIR"
	run cgit clone "$RS_ORIGIN/git/project.git" work
	assert_failure
	assert_output --partial "could not read Username"
	printf 'protocol=http\nhost=127.0.0.1:%s\n\n' "$RS_PORT" >req
	run --separate-stderr "$CCRED" get <req
	assert_success
	assert_output ''
	assert_equal "$(oidc_grants)" 0
}

# fill HELPER HOST: `git credential fill` for https://HOST/repo.git with
# credential.helper HELPER (words after ccred); sets $output and $status.
fill() {
	local helper="!f() { exec '$CCRED' $1 \"\$@\"; }; f"
	run --separate-stderr git -c credential.helper= -c "credential.helper=$helper" \
		credential fill <<<"$(printf 'protocol=https\nhost=%s\npath=repo.git\n' "$2")"
}

@test "git: \$CCRED_PROFILE, 'default' and the only profile never answer for a host their urls do not name" {
	ccred_profile g url=https://git.example.com
	local token
	token=$(cached_token g)
	# The one profile, named by $CCRED_PROFILE: evil.example gets nothing,
	# git has no credential (it may not prompt) and fails.
	CCRED_PROFILE=g fill '' evil.example
	assert_failure
	refute_output --partial "$token"
	refute_output --partial password=
	[[ $stderr != *"$token"* ]]
	# Its own host still gets the token, $CCRED_PROFILE or not.
	CCRED_PROFILE=g fill '' git.example.com
	assert_success
	assert_line "password=$token"
	# A profile called default, with no url at all: never for a URL caller.
	ccred_profile default
	fill '' evil.example
	assert_failure
	refute_output --partial password=
	assert_equal "$(oidc_grants)" 1
}

@test "git: -p NAME answers only for a URL one of its url lines matches, or any when it has none" {
	ccred_profile g url=https://git.example.com
	ccred_profile n scope=api:write
	local token ntoken
	token=$(cached_token g)
	ntoken=$(cached_token n)
	fill '-p g' evil.example
	assert_failure
	refute_output --partial password=
	fill '-p g' git.example.com.evil.example
	assert_failure
	refute_output --partial password=
	fill '-p g' git.example.com
	assert_success
	assert_line "password=$token"
	# A profile with no url lines, named on the helper line, answers for
	# whatever host that helper line is configured for.
	fill '-p n' anything.example
	assert_success
	assert_line "password=$ntoken"
	# -v says why a named profile did not answer.
	run --separate-stderr "$CCRED" -v -p g get <<<$'protocol=https\nhost=evil.example\n'
	assert_success
	assert_output ''
	[[ $stderr == *"profile 'g' does not answer for https://evil.example/"* ]]
	assert_equal "$(oidc_grants)" 2
}

@test "git protocol: capability[]=authtype gets a Bearer credential" {
	ccred_profile rs url=https://git.example.com
	run "$CCRED" get <<<$'capability[]=authtype\nprotocol=https\nhost=git.example.com\npath=org/repo.git\n'
	assert_success
	local token exp
	token=$(cached_token)
	exp=$("$CCRED" -p rs json | jq -r '.expires_at | fromdateiso8601')
	assert_equal "${#lines[@]}" 5
	assert_line --index 0 'capability[]=authtype'
	assert_line --index 1 'authtype=Bearer'
	assert_line --index 2 "credential=$token"
	assert_line --index 3 'ephemeral=1'
	assert_line --index 4 "password_expiry_utc=$exp"
	refute_output --partial password=
	# the same with git's url= form and CRLF line ends
	run "$CCRED" get <<<$'capability[]=authtype\r\nurl=https://git.example.com/x\r\n\r\n'
	assert_line --index 2 "credential=$token"
	assert_equal "$(oidc_grants)" 1
}

@test "git protocol: without authtype, username and password; username from the profile" {
	ccred_profile rs url=https://git.example.com
	ccred_profile bot url=https://bot.example.com username=ci-bot
	run "$CCRED" get <<<$'protocol=https\nhost=git.example.com\n'
	assert_success
	local token exp
	token=$(cached_token rs)
	exp=$("$CCRED" -p rs json | jq -r '.expires_at | fromdateiso8601')
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 'username=post-client'
	assert_line --index 1 "password=$token"
	assert_line --index 2 "password_expiry_utc=$exp"
	run "$CCRED" get <<<$'protocol=https\nhost=bot.example.com\n'
	assert_line --index 0 'username=ci-bot'
}

@test "git protocol: store changes nothing, erase drops only the cached token" {
	ccred_profile rs url=https://git.example.com
	local token
	token=$(cached_token)
	run "$CCRED" store <<<$'protocol=https\nhost=git.example.com\nusername=x\npassword=other\n'
	assert_success
	assert_output ''
	assert_equal "$(cached_token)" "$token"
	# erase for a host no profile answers touches nothing
	run "$CCRED" erase <<<$'protocol=https\nhost=elsewhere.example.com\n'
	assert_success
	assert_equal "$(cached_token)" "$token"
	run "$CCRED" erase <<<$'protocol=https\nhost=git.example.com\npassword='"$token"$'\n'
	assert_success
	assert_output ''
	assert_equal "$(oidc_grants)" 1
	run "$CCRED" -p rs secret status
	assert_success
	[ "$(cached_token)" != "$token" ] || fail "erase kept the token"
	assert_equal "$(oidc_grants)" 2
}

@test "git protocol: malformed input is 65 with nothing on stdout" {
	ccred_profile rs url=https://git.example.com
	run --separate-stderr "$CCRED" get <<<$'protocol=https\nhost\n'
	assert_failure 65
	assert_output ''
	run --separate-stderr sh -c 'printf "protocol=https\nhost=git.exa\000mple.com\n\n" | "$CCRED" get'
	assert_failure 65
	assert_output ''
	run --separate-stderr sh -c '{ printf "host="; head -c 70000 /dev/zero | tr "\0" a; printf "\n\n"; } | "$CCRED" get'
	assert_failure 65
	assert_output ''
	assert_equal "$(oidc_grants)" 0
}

# --- kubectl --------------------------------------------------------------------

# kubeconfig APIVERSION: a kubeconfig whose user runs `ccred kubectl` through
# a wrapper that keeps a copy of the KUBERNETES_EXEC_INFO kubectl passed.
kubeconfig() {
	local v=$1 wrapper=$BATS_TEST_TMPDIR/ccred-kubectl
	cat >"$wrapper" <<EOF
#!/bin/sh
printf '%s' "\$KUBERNETES_EXEC_INFO" >'$BATS_TEST_TMPDIR/exec-info'
exec '$CCRED' "\$@"
EOF
	chmod 755 "$wrapper"
	cat >"$BATS_TEST_TMPDIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: $RS_ORIGIN
    certificate-authority: $CCRED_TEST_CERTS/ca.pem
users:
- name: ccred
  user:
    exec:
      apiVersion: client.authentication.k8s.io/$v
      command: $wrapper
      args: ["-p", "rs", "kubectl"]
      interactiveMode: Never
contexts:
- name: test
  context:
    cluster: test
    user: ccred
current-context: test
EOF
	export KUBECONFIG=$BATS_TEST_TMPDIR/kubeconfig
}

# The ExecCredential schema (client.authentication.k8s.io, status part):
# apiVersion and kind strings, status.token a non-empty string,
# expirationTimestamp RFC 3339, no clientCertificate* when a token is given.
exec_credential_valid() {
	jq -e --arg v "$1" '
		type == "object"
		and (.apiVersion | type) == "string" and .apiVersion == $v
		and .kind == "ExecCredential"
		and (.status | type) == "object"
		and (.status.token | type) == "string" and (.status.token | length) > 0
		and (.status.expirationTimestamp | type) == "string"
		and (.status.expirationTimestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
		and ((.status.expirationTimestamp | fromdateiso8601) > now)
		and (.status | has("clientCertificateData") | not)
		and (keys - ["apiVersion", "kind", "spec", "status"] | length) == 0
		and (.status | keys - ["token", "expirationTimestamp", "clientCertificateData", "clientKeyData"] | length) == 0
	' >/dev/null
}

kubectl_minor() {
	kubectl version --client -o json 2>/dev/null | jq -r '.clientVersion.minor' | tr -dc 0-9
}

@test "kubectl: get --raw /api sends ccred's token as Bearer (exec plugin v1beta1)" {
	command -v kubectl >/dev/null || fail "kubectl is not installed (tests/setup-debian.sh installs it)"
	rs_start --https
	ccred_profile rs
	kubeconfig v1beta1
	run kubectl get --raw /api
	assert_success
	run jq -r .kind <<<"$output"
	assert_output APIVersions
	local token
	token=$(cached_token)
	run rs_accepted_auth
	assert_line "Bearer $token"
	run jq -r .apiVersion "$BATS_TEST_TMPDIR/exec-info"
	assert_output client.authentication.k8s.io/v1beta1
	# What kubectl got, in the version it asked for, is a valid ExecCredential.
	KUBERNETES_EXEC_INFO=$(cat "$BATS_TEST_TMPDIR/exec-info") run "$CCRED" -p rs kubectl
	assert_success
	exec_credential_valid client.authentication.k8s.io/v1beta1 <<<"$output" || fail "invalid: $output"
	run jq -r .status.token <<<"$output"
	assert_output "$token"
	assert_equal "$(oidc_grants)" 1
}

@test "kubectl: get --raw /api with exec plugin apiVersion v1" {
	command -v kubectl >/dev/null || fail "kubectl is not installed (tests/setup-debian.sh installs it)"
	local minor
	minor=$(kubectl_minor)
	# exec plugins speak v1 from kubectl 1.22 on (Debian 12's kubernetes-client is 1.20)
	((minor >= 22)) || skip "kubectl 1.$minor predates exec plugin v1"
	rs_start --https
	ccred_profile rs
	kubeconfig v1
	run kubectl get --raw /api
	assert_success
	local token
	token=$(cached_token)
	run rs_accepted_auth
	assert_line "Bearer $token"
	run jq -r .apiVersion "$BATS_TEST_TMPDIR/exec-info"
	assert_output client.authentication.k8s.io/v1
	KUBERNETES_EXEC_INFO=$(cat "$BATS_TEST_TMPDIR/exec-info") run "$CCRED" -p rs kubectl
	exec_credential_valid client.authentication.k8s.io/v1 <<<"$output" || fail "invalid: $output"
}

@test "kubectl: answers in the apiVersion asked for, v1 when none is" {
	ccred_profile rs
	local v exp
	for v in v1 v1beta1 v1alpha1; do
		KUBERNETES_EXEC_INFO='{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/'$v'","spec":{"interactive":false}}' \
			run "$CCRED" -p rs kubectl
		assert_success
		exec_credential_valid "client.authentication.k8s.io/$v" <<<"$output" || fail "invalid: $output"
	done
	run "$CCRED" -p rs kubectl
	exec_credential_valid client.authentication.k8s.io/v1 <<<"$output" || fail "invalid: $output"
	exp=$("$CCRED" -p rs json | jq -r .expires_at)
	run jq -r .status.expirationTimestamp <<<"$output"
	assert_output "$exp"
	assert_equal "$(oidc_grants)" 1
}

@test "kubectl: malformed KUBERNETES_EXEC_INFO is 65, with nothing on stdout and no token fetched" {
	ccred_profile rs
	local bad
	for bad in '{' 'not json' '[]' '{"kind":"ExecCredential"}' '{"apiVersion":7}' \
		'{"apiVersion":"client.authentication.k8s.io/v9"}' \
		'{"apiVersion":"client.authentication.k8s.io/v1","kind":"Pod"}'; do
		KUBERNETES_EXEC_INFO=$bad run --separate-stderr "$CCRED" -p rs kubectl
		assert_failure 65
		assert_output ''
		[[ $stderr == "ccred: malformed KUBERNETES_EXEC_INFO: "* ]] || fail "stderr for $bad: $stderr"
	done
	assert_equal "$(oidc_grants)" 0
}

# --- docker -----------------------------------------------------------------

@test "docker: docker-credential-ccred get answers a registry URL with the token" {
	ccred_profile rs url=registry.example.com url=https://other.example.com/v1/
	docker_helper_link
	# docker writes the bare URL, no newline
	run --separate-stderr sh -c 'printf %s registry.example.com | docker-credential-ccred get'
	assert_success
	local token
	token=$(cached_token)
	run jq -r '[.ServerURL, .Username, .Secret] | @tsv' <<<"$output"
	assert_output "$(printf 'registry.example.com\tpost-client\t%s' "$token")"
	run jq -r 'keys | join(",")' <<<"$(printf %s registry.example.com | docker-credential-ccred get)"
	assert_output Secret,ServerURL,Username
	# a full URL, and ccred docker get, answer the same
	run sh -c 'printf "https://registry.example.com\n" | "$CCRED" docker get'
	run jq -r .Secret <<<"$output"
	assert_output "$token"
	run sh -c 'printf "https://other.example.com/v1/" | docker-credential-ccred get'
	run jq -r .ServerURL <<<"$output"
	assert_output https://other.example.com/v1/
	assert_equal "$(oidc_grants)" 1
}

@test "docker: a registry no profile answers for gets docker's not-found text on stdout, exit 1" {
	ccred_profile rs url=registry.example.com
	ccred_profile default
	docker_helper_link
	run --separate-stderr sh -c 'printf %s registry.example.com.evil.org | docker-credential-ccred get'
	assert_failure 1
	assert_output 'credentials not found in native keychain'
	run --separate-stderr sh -c 'printf %s http://registry.example.com | docker-credential-ccred get'
	assert_failure 1
	assert_output 'credentials not found in native keychain'
	run --separate-stderr sh -c 'printf "" | docker-credential-ccred get'
	assert_failure 65
	assert_output 'no credentials server URL'
	assert_equal "$(oidc_grants)" 0
}

@test "docker: \$CCRED_PROFILE and -p NAME never answer for a registry the profile's urls do not name" {
	ccred_profile g url=registry.example.com
	ccred_profile n scope=api:write
	docker_helper_link
	local token ntoken
	token=$(cached_token g)
	ntoken=$(cached_token n)
	CCRED_PROFILE=g run --separate-stderr sh -c 'printf %s evil.example | docker-credential-ccred get'
	assert_failure 1
	assert_output 'credentials not found in native keychain'
	CCRED_PROFILE=n run --separate-stderr sh -c 'printf %s evil.example | docker-credential-ccred get'
	assert_failure 1
	assert_output 'credentials not found in native keychain'
	run --separate-stderr sh -c 'printf %s evil.example | "$CCRED" -p g docker get'
	assert_failure 1
	assert_output 'credentials not found in native keychain'
	run --separate-stderr sh -c 'printf %s registry.example.com | "$CCRED" -p g docker get'
	assert_success
	run jq -r .Secret <<<"$output"
	assert_output "$token"
	# A profile with no url lines, named: it answers.
	run --separate-stderr sh -c 'printf %s evil.example | "$CCRED" -p n docker get'
	assert_success
	run jq -r .Secret <<<"$output"
	assert_output "$ntoken"
	assert_equal "$(oidc_grants)" 2
}

@test "docker: errors go to stdout too, where docker reads them" {
	ccred_profile rs url=registry.example.com client_id=nobody
	docker_helper_link
	run --separate-stderr sh -c 'printf %s registry.example.com | docker-credential-ccred get'
	assert_failure 77
	assert_output --partial invalid_client
	[[ $stderr == "docker-credential-ccred: "*invalid_client* ]] || fail "stderr: $stderr"
}

@test "docker: list, store and erase" {
	ccred_profile rs url=registry.example.com url=https://ghcr.example.com
	ccred_profile bot url=https://bot.example.com username=ci-bot url=registry.example.com
	docker_helper_link
	run --separate-stderr sh -c 'printf unused | docker-credential-ccred list'
	assert_success
	run jq -cS . <<<"$output"
	assert_output '{"https://bot.example.com":"ci-bot","https://ghcr.example.com":"post-client","registry.example.com":"post-client"}'
	local token
	token=$(cached_token)
	run sh -c 'printf %s "{\"ServerURL\":\"registry.example.com\",\"Username\":\"u\",\"Secret\":\"s\"}" | docker-credential-ccred store'
	assert_success
	assert_output ''
	assert_equal "$(cached_token)" "$token"
	run sh -c 'printf %s registry.example.com | docker-credential-ccred erase'
	assert_success
	assert_output ''
	run "$CCRED" -p rs profiles
	assert_output --partial "none cached"
	run sh -c 'printf %s registry.example.com | docker-credential-ccred get'
	run jq -r .Secret <<<"$output"
	[ "$output" != "$token" ] || fail "erase kept the token"
	assert_equal "$(oidc_grants)" 2
	run --separate-stderr sh -c 'printf %s unknown.example.com | docker-credential-ccred erase'
	assert_failure 1
	assert_output 'credentials not found in native keychain'
}

@test "docker: the real docker CLI pulls a manifest with ccred's token, and logout erases it" {
	command -v docker >/dev/null || skip "no docker CLI on this machine"
	rs_start
	ccred_profile rs "url=127.0.0.1:$RS_PORT"
	docker_helper_link
	export DOCKER_CONFIG=$BATS_TEST_TMPDIR/docker
	mkdir -p "$DOCKER_CONFIG"
	printf '{"credHelpers":{"127.0.0.1:%s":"ccred"}}\n' "$RS_PORT" >"$DOCKER_CONFIG/config.json"
	run docker manifest inspect --insecure "127.0.0.1:$RS_PORT/demo/app:1.0"
	assert_success
	run jq -r .mediaType <<<"$output"
	assert_output application/vnd.docker.distribution.manifest.v2+json
	local token
	token=$(cached_token)
	run rs_accepted_auth
	assert_success
	assert_equal "$(basic_password "${lines[0]}")" "$token"
	run docker logout "127.0.0.1:$RS_PORT"
	assert_success
	run "$CCRED" -p rs profiles
	assert_output --partial "none cached"
	assert_equal "$(oidc_grants)" 1
}

# --- completions ----------------------------------------------------------------

# complete WORDS...: run the bash completion function on a command line whose
# last word is being completed; COMPREPLY one per line in $output.
complete_words() {
	# shellcheck source=/dev/null
	. "$CCRED_SRCDIR/completions/ccred"
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_ccred
	printf '%s\n' "${COMPREPLY[@]}"
}

@test "completion: bash loads cleanly and completes commands, options and profile names" {
	ccred_profile layer1
	ccred_profile staging
	ccred_profile prod-eu
	run bash -c '. "$CCRED_SRCDIR/completions/ccred" && complete -p ccred'
	assert_success
	assert_output 'complete -F _ccred ccred'
	run complete_words "$CCRED" ''
	assert_success
	local c
	for c in token header json get store erase secret logout profiles curl-config env exec docker kubectl \
		configure doctor; do
		assert_line "$c"
	done
	run complete_words "$CCRED" cu
	assert_output curl-config
	run complete_words "$CCRED" -p ''
	assert_output "$(printf '%s\n' layer1 staging prod-eu)"
	run complete_words "$CCRED" --profile st
	assert_output staging
	run complete_words "$CCRED" -p staging do
	assert_output "$(printf '%s\n' docker doctor)"
	run complete_words "$CCRED" configure --to
	assert_output --token-url
	run complete_words "$CCRED" docker ''
	assert_output "$(printf '%s\n' get store erase list)"
	run complete_words "$CCRED" -v secret s
	assert_output "$(printf '%s\n' set status)"
	run complete_words "$CCRED" --min
	assert_output --min-ttl
	# profile names come from the config named on the line
	printf '[profile elsewhere]\ntoken_url = https://a.example/t\nclient_id = c\n' >"$BATS_TEST_TMPDIR/other.conf"
	run complete_words "$CCRED" -c "$BATS_TEST_TMPDIR/other.conf" -p ''
	assert_output elsewhere
	# exec completes a command name, then files
	run complete_words "$CCRED" exec -- bat
	assert_line bats
}

@test "completion: zsh and fish files parse, and fish completes profile names" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	command -v fish >/dev/null || skip "fish is not installed"
	run zsh -n "$CCRED_SRCDIR/completions/_ccred"
	assert_success
	run fish -n "$CCRED_SRCDIR/completions/ccred.fish"
	assert_success
	ccred_profile layer1
	ccred_profile staging
	run fish -c "source '$CCRED_SRCDIR/completions/ccred.fish'; complete -C '$CCRED -p '; complete -C '$CCRED docker '"
	assert_success
	assert_line --partial layer1
	assert_line --partial staging
	assert_line get
	assert_line list
}
