#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ccred as Terraform's (and OpenTofu's) credentials helper: the real
# terraform running `terraform init` against a module registry over https
# (tests/fixtures/registry-server.mjs with a certificate for
# registry.localhost from the test CA; it lets in only tokens the real
# oidc-provider introspects as active), and the protocol spoken directly.

bats_require_minimum_version 1.5.0

setup() {
	load common
	ccred_caller_env
	# this machine's environment names its own CLI config: never read it
	export TF_CLI_CONFIG_FILE=$BATS_TEST_TMPDIR/terraformrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
}

teardown() {
	ccred_test_teardown
}

# A private /etc/hosts naming registry.localhost (Terraform wants a dot in a
# registry host), bound over the real one in a mount namespace of its own.
HOSTS_NOTE="needs unshare -m and mount --bind (root in a mount namespace)"
need_terraform() {
	command -v terraform >/dev/null || skip "terraform is not installed"
	HOSTS=$BATS_TEST_TMPDIR/hosts
	printf '127.0.0.1 localhost registry.localhost\n' >"$HOSTS"
	unshare -m sh -c 'mount --bind "$1" /etc/hosts' _ "$HOSTS" 2>/dev/null ||
		skip "$HOSTS_NOTE"
}

# reg_start: the registry over https with a certificate for registry.localhost.
reg_start() {
	local c
	ccred_test_certs
	c=$BATS_TEST_TMPDIR/regcert
	mkdir -p "$c"
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" "subjectAltName=DNS:registry.localhost" >"$c/ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$c/reg.key" -out "$c/reg.csr" -subj /CN=registry.localhost 2>/dev/null
	openssl x509 -req -in "$c/reg.csr" -CA "$CCRED_TEST_CERTS/ca.pem" \
		-CAkey "$CCRED_TEST_CERTS/ca.key" -CAcreateserial -CAserial "$c/ca.srl" -days 2 \
		-extfile "$c/ext" -out "$c/reg.pem" 2>/dev/null
	REG_ROOT=$BATS_TEST_TMPDIR/reg
	REG_LOG=$BATS_TEST_TMPDIR/reg.log
	mkdir -p "$REG_ROOT/archive"
	ccred_test_server_start REG node "$CCRED_TEST_FIXTURES/registry-server.mjs" \
		--issuer "$OIDC_ISSUER" --log "$REG_LOG" --root "$REG_ROOT" \
		--https --cert "$c/reg.pem" --key "$c/reg.key"
	_CCRED_TEST_SERVERS="${_CCRED_TEST_SERVERS:-} REG"
	REG_HOST=registry.localhost:$REG_PORT
}

# A module acme/hello/null in the registry, and a root module using it.
tf_project() {
	local m=$BATS_TEST_TMPDIR/module
	mkdir -p "$m" "$BATS_TEST_TMPDIR/root"
	printf 'output "greeting" {\n  value = "hello from the registry"\n}\n' >"$m/main.tf"
	tar -czf "$REG_ROOT/archive/acme-hello-null.tgz" -C "$m" main.tf
	printf 'module "hello" {\n  source  = "%s/acme/hello/null"\n  version = "1.0.0"\n}\n' \
		"$REG_HOST" >"$BATS_TEST_TMPDIR/root/main.tf"
	printf 'credentials_helper "ccred" {}\n' >"$TF_CLI_CONFIG_FILE"
}

tf_init() {
	run unshare -m sh -c 'mount --bind "$1" /etc/hosts && cd "$2" &&
		SSL_CERT_FILE="$3" exec terraform init -input=false -no-color' _ \
		"$HOSTS" "$BATS_TEST_TMPDIR/root" "$CCRED_TEST_CERTS/ca.pem"
}

# --- the real terraform ------------------------------------------------------

@test "terraform: init fetches a module from a registry that wants a bearer token, through ccred; one grant" {
	need_terraform
	reg_start
	tf_project
	ccred_profile reg "url=https://$REG_HOST/"
	# the helper where terraform looks for it, made by ccred itself
	run "$CCRED" terraform setup
	assert_success
	tf_init
	assert_success
	assert_output --partial "Terraform has been successfully initialized"
	[ -f "$BATS_TEST_TMPDIR/root/.terraform/modules/hello/main.tf" ]
	tok=$("$CCRED" -p reg token)
	# the registry API calls carried ccred's token; the archive none
	run jq -r 'select(.path | startswith("/v1/modules/")) | "\(.status) \(.authorization)"' "$REG_LOG"
	assert_line "200 Bearer $tok"
	assert_line "204 Bearer $tok"
	refute_line --partial 401
	# (go-getter may ask for it more than once)
	run bash -c 'jq -r "select(.path | startswith(\"/archive/\")) | \"\(.status) \(.authorization)\"" "$1" | sort -u' _ "$REG_LOG"
	assert_output "200 null"
	assert_equal "$(oidc_grants post-client)" 1
}

@test "terraform: without a profile for the host, init fails at the registry (no token sent)" {
	need_terraform
	reg_start
	tf_project
	ccred_profile other "url=https://registry.localhost/"
	run "$CCRED" terraform setup
	assert_success
	tf_init
	assert_failure
	run jq -r 'select(.path | startswith("/v1/modules/")) | "\(.status) \(.authorization)"' "$REG_LOG"
	assert_line "401 null"
	assert_equal "$(oidc_grants)" 0
}

# --- the protocol, spoken directly -------------------------------------------

@test "terraform protocol: get HOST answers {\"token\":TOKEN} for https://HOST, as the link name too" {
	ccred_profile reg "url=https://reg.example:8443/"
	run --separate-stderr "$CCRED" terraform get reg.example:8443
	assert_success
	tok=$("$CCRED" -p reg token)
	assert_output "{\"token\":\"$tok\"}"
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -s "$CCRED" "$BATS_TEST_TMPDIR/bin/terraform-credentials-ccred"
	run --separate-stderr "$BATS_TEST_TMPDIR/bin/terraform-credentials-ccred" get reg.example:8443
	assert_success
	assert_output "{\"token\":\"$tok\"}"
	assert_equal "$(oidc_grants post-client)" 1
	# HOST without the port is https://reg.example/ (port 443): not this profile
	run --separate-stderr "$CCRED" terraform get reg.example
	assert_success
	assert_output '{}'
}

@test "terraform protocol: no profile for the host, \$CCRED_PROFILE, the only profile: {}" {
	ccred_profile only
	CCRED_PROFILE=only run --separate-stderr "$CCRED" terraform get app.terraform.io
	assert_success
	assert_output '{}'
	assert_equal "$(oidc_grants)" 0
}

@test "terraform protocol: -p naming a profile whose url does not match the host answers {}" {
	ccred_profile reg "url=https://reg.example/"
	ccred_profile other "url=https://other.example/"
	run --separate-stderr "$CCRED" -p other terraform get reg.example
	assert_success
	assert_output '{}'
	assert_equal "$(oidc_grants)" 0
}

@test "terraform protocol: unknown verbs, a missing or bad HOST are usage errors (64), stdout empty" {
	ccred_profile reg "url=https://reg.example/"
	# the well-formed call beside them is served
	run --separate-stderr "$CCRED" terraform forget reg.example
	assert_success
	for args in "list reg.example" "get" "get a b" "get reg.example/path" "get user@reg.example" \
		"forget" "setup x"; do
		# shellcheck disable=SC2086 # the words are the arguments
		run --separate-stderr "$CCRED" terraform $args
		assert_equal "$status" 64
		assert_equal "$output" ''
		[[ $stderr == "ccred: "* ]]
	done
	assert_equal "$(oidc_grants)" 0
}

@test "terraform protocol: store reads and drops its JSON; forget drops the cached token" {
	ccred_profile reg "url=https://reg.example/"
	run --separate-stderr bash -c 'printf "{\"token\":\"pasted-login-token\"}\n" | "$1" terraform store reg.example' _ "$CCRED"
	assert_success
	assert_output ''
	run "$CCRED" terraform get reg.example
	assert_success
	refute_output --partial pasted-login-token
	run "$CCRED" terraform get reg.example
	assert_equal "$(oidc_grants post-client)" 1
	run "$CCRED" terraform forget reg.example
	assert_success
	assert_output ''
	run "$CCRED" terraform get reg.example
	assert_success
	assert_equal "$(oidc_grants post-client)" 2
	# forgetting a host nobody answers for is fine
	run "$CCRED" terraform forget nobody.example
	assert_success
}

@test "terraform setup: links for Terraform and OpenTofu, idempotent, prints the CLI config block" {
	run "$CCRED" terraform setup
	assert_success
	assert_line 'credentials_helper "ccred" {}'
	tf=$HOME/.terraform.d/plugins/terraform-credentials-ccred
	tofu=$XDG_DATA_HOME/opentofu/plugins/terraform-credentials-ccred
	[ -L "$tf" ] && [ -L "$tofu" ]
	target=$(readlink "$tf")
	assert_equal "$(readlink "$tofu")" "$target"
	# The binary that runs: under valgrind $CCRED is the memcheck wrapper
	# (tests/valgrind/ccred.sh), which runs $CCRED_BUILDDIR/ccred.
	local runs=$CCRED
	[ -z "${CCRED_TEST_VALGRIND:-}" ] || runs=$CCRED_BUILDDIR/ccred
	assert_equal "$(readlink -f "$target")" "$(readlink -f "$runs")"
	run "$CCRED" terraform setup
	assert_success
	assert_line --partial "already links to"
	assert_equal "$(readlink "$tf")" "$target"
	# a stale link is replaced; someone's own file is left alone
	ln -sfn /nonexistent/ccred "$tf"
	run "$CCRED" terraform setup
	assert_success
	assert_equal "$(readlink "$tf")" "$target"
	rm "$tofu" && printf '#!/bin/sh\n' >"$tofu"
	run --separate-stderr "$CCRED" terraform setup
	assert_failure
	assert_equal "$(cat "$tofu")" '#!/bin/sh'
	[[ $stderr == *"is not a link"* ]]
}
