#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ccred doctor against real failures: the real oidc-provider over https with
# the test CA, a real gnome-keyring (unlocked, locked, absent), a port nobody
# listens on.  Each failure must be named on its own FAIL line, the exit
# status must be the failing step's, and neither the secret nor a token may
# ever be printed.

bats_require_minimum_version 1.5.0

setup() {
	load common
	load setup-helpers
	ccred_env
}

teardown() {
	ccred_test_teardown
}

# profile_t URL STORE_LINE... [-- EXTRA_LINES]
profile_t() {
	local url=$1 l cfg
	shift
	cfg="[profile t]
token_url = $url
client_id = post-client
scope = api:read
timeout = 5"
	[ -z "${OIDC_CA:-}" ] || cfg+=$'\n'"ca_file = $OIDC_CA"
	for l in "$@"; do
		cfg+=$'\n'"secret_store = $l"
	done
	ccred_config "$cfg"
}

secret_file() {
	printf '%s\n' "$1" >"$HOME/.config/ccred/t.secret"
	chmod 600 "$HOME/.config/ccred/t.secret"
}

# doctor: run `ccred -p t doctor`; $output is its report, which goes to
# stdout failing or not (`ccred doctor | less`); stderr stays empty without -v.
doctor() {
	run --separate-stderr "$CCRED" -p t doctor "$@"
	[ -z "$stderr" ] || {
		echo "doctor wrote to stderr: $stderr" >&2
		return 1
	}
	mapfile -t lines <<<"$output"
	# Never a secret, never anything shaped like one of the server's tokens.
	[[ $output != *post-secret-1* && $output != *wrong-secret* ]]
	! grep -qE '[A-Za-z0-9_-]{43}' <<<"$output"
}

@test "doctor: a healthy https profile is ok on every line, exit 0" {
	oidc_start --https
	profile_t "$OIDC_TOKEN_URL" 'file ~/.config/ccred/t.secret'
	secret_file post-secret-1
	doctor
	assert_equal "$status" 0
	assert_line --index 0 "ok    config: read $XDG_CONFIG_HOME/ccred/config"
	assert_line --index 1 "ok    profile: 't': token_url $OIDC_TOKEN_URL, client_id post-client, client_secret_post, scope api:read"
	assert_line --index 2 "ok    store 1 'file ~/.config/ccred/t.secret': holds the secret; token requests read it from here"
	assert_line --index 3 "ok    dns: 127.0.0.1 resolves to 127.0.0.1"
	assert_line --index 4 "ok    tcp: connected to 127.0.0.1 port $OIDC_PORT"
	assert_line --index 5 "ok    tls: certificate of 127.0.0.1 verified against $OIDC_CA"
	assert_line --index 6 "ok    token: the endpoint issued a Bearer token valid 300 s, scope 'api:read'"
	assert_line --index 7 --regexp "^ok    cache: $XDG_RUNTIME_DIR/ccred "
	assert_line --index 8 "ccred doctor: all good"
	refute_output --partial FAIL
	# A real request each time, past the cache.
	assert_equal "$(oidc_grants post-client)" 1
	doctor
	assert_equal "$status" 0
	assert_equal "$(oidc_grants post-client)" 2
}

@test "doctor: a wrong secret fails the token step with the provider's error (77)" {
	oidc_start --https
	profile_t "$OIDC_TOKEN_URL" 'file ~/.config/ccred/t.secret'
	secret_file wrong-secret
	doctor
	assert_equal "$status" 77
	assert_line "ok    tls: certificate of 127.0.0.1 verified against $OIDC_CA"
	assert_line "FAIL  token: the provider rejected the request: invalid_client: client authentication failed"
	assert_line --partial "      to fix: check client_id, scope and auth_method, and store the right secret (ccred -p t secret set)"
	assert_equal "$(grep -c '^FAIL' <<<"$output")" 1
	assert_line "ccred doctor: 1 problem found"
}

@test "doctor: a wrong CA fails the TLS step (75) and skips the token" {
	oidc_start --https
	profile_t "$OIDC_TOKEN_URL" 'file ~/.config/ccred/t.secret'
	sed -i "s|^ca_file = .*|ca_file = $CCRED_TEST_CERTS/other-ca.pem|" "$XDG_CONFIG_HOME/ccred/config"
	secret_file post-secret-1
	doctor
	assert_equal "$status" 75
	assert_line "ok    tcp: connected to 127.0.0.1 port $OIDC_PORT"
	assert_line --regexp "^FAIL  tls: TLS verification failed for 127.0.0.1: .*certificate"
	assert_line --partial "      to fix: set ca_file to the CA that signed the endpoint's certificate"
	assert_line "--    token: skipped: tls failed"
	assert_equal "$(grep -c '^FAIL' <<<"$output")" 1
	assert_equal "$(oidc_grants)" 0
}

@test "doctor: a dead port fails the TCP step (75)" {
	oidc_start
	local port=$OIDC_PORT
	oidc_stop
	OIDC_CA=
	profile_t "http://127.0.0.1:$port/token" 'file ~/.config/ccred/t.secret'
	secret_file post-secret-1
	doctor
	assert_equal "$status" 75
	assert_line "ok    dns: 127.0.0.1 resolves to 127.0.0.1"
	assert_line "FAIL  tcp: cannot connect to 127.0.0.1 port $port: 127.0.0.1: Connection refused"
	assert_line --partial "      to fix: is the token endpoint running"
	assert_line "--    tls: skipped: tcp failed"
	assert_line "--    token: skipped: tcp failed"
	assert_equal "$(grep -c '^FAIL' <<<"$output")" 1
}

@test "doctor: a name that does not resolve fails the DNS step (75)" {
	profile_t "https://ccred-doctor-test.invalid/token" 'file ~/.config/ccred/t.secret'
	secret_file post-secret-1
	# Bound the resolver's own retries: the step must fail, not stall.
	RES_OPTIONS='timeout:1 attempts:1' doctor
	assert_equal "$status" 75
	assert_line --regexp "^FAIL  dns: cannot resolve ccred-doctor-test.invalid: "
	assert_line "--    tcp: skipped: dns failed"
	assert_line "--    token: skipped: dns failed"
}

@test "doctor: a locked keyring fails its store line and the secret (69)" {
	oidc_start
	ccred_test_keyring_start_locked "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	profile_t "$OIDC_TOKEN_URL" libsecret
	doctor
	assert_equal "$status" 69
	assert_line --regexp "^FAIL  store 1 'libsecret': libsecret: the keyring \(collection 'login'\) is locked"
	assert_line --partial "      to fix: unlock the keyring"
	assert_line "FAIL  secret: no store of profile 't' holds its client secret"
	assert_line "ok    tcp: connected to 127.0.0.1 port $OIDC_PORT"
	assert_line "--    token: skipped: no client secret to send"
	assert_equal "$(oidc_grants)" 0
}

@test "doctor: a locked keyring before a file that holds the secret is passed over" {
	oidc_start
	ccred_test_keyring_start_locked "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	profile_t "$OIDC_TOKEN_URL" libsecret 'file ~/.config/ccred/t.secret'
	secret_file post-secret-1
	doctor
	assert_equal "$status" 0
	assert_line --regexp "^--    store 1 'libsecret': passed over, locked \(libsecret: the keyring"
	assert_line "ok    store 2 'file ~/.config/ccred/t.secret': holds the secret; token requests read it from here"
	assert_line "ok    token: the endpoint issued a Bearer token valid 300 s, scope 'api:read'"
}

@test "doctor: no session bus fails the libsecret store (69)" {
	oidc_start
	profile_t "$OIDC_TOKEN_URL" libsecret 'env CCRED_TEST_UNSET'
	doctor
	assert_equal "$status" 69
	assert_line --regexp "^FAIL  store 1 'libsecret': libsecret: no D-Bus session bus"
	assert_line --partial "      to fix: run a Secret Service"
	assert_line "FAIL  store 2 'env CCRED_TEST_UNSET': env CCRED_TEST_UNSET: not set"
	assert_line "FAIL  secret: no store of profile 't' holds its client secret"
}

@test "doctor: an unlocked keyring holding the secret is ok" {
	oidc_start
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	profile_t "$OIDC_TOKEN_URL" libsecret
	printf '%s\n' post-secret-1 | "$CCRED" -p t secret set
	doctor
	assert_equal "$status" 0
	assert_line "ok    store 1 'libsecret': holds the secret; token requests read it from here"
}

@test "doctor: a broken config is named with its file and line (78)" {
	ccred_config "[defaults]
tokn_url = https://auth.example.com/token"
	doctor
	assert_equal "$status" 78
	assert_line "FAIL  config: $XDG_CONFIG_HOME/ccred/config:2: unknown key 'tokn_url' (did you mean 'token_url'?)"
	assert_line --partial "      to fix: fix that line"
}

@test "doctor: a profile's unknown key fails the profile step, with did-you-mean (78)" {
	ccred_config "[profile t]
tokn_url = https://auth.example.com/token"
	doctor
	assert_equal "$status" 78
	assert_line "ok    config: read $XDG_CONFIG_HOME/ccred/config"
	assert_line "FAIL  profile: $XDG_CONFIG_HOME/ccred/config:2: unknown key 'tokn_url' (did you mean 'token_url'?)"
}

@test "doctor: an unsafe cache directory is named, and the exit is 0: a token came" {
	oidc_start
	profile_t "$OIDC_TOKEN_URL" 'file ~/.config/ccred/t.secret'
	secret_file post-secret-1
	mkdir -m 755 "$XDG_RUNTIME_DIR/ccred"
	chmod 755 "$XDG_RUNTIME_DIR/ccred"
	doctor
	# SPEC: doctor's exit status says whether a token was obtained.
	assert_equal "$status" 0
	assert_line "ok    token: the endpoint issued a Bearer token valid 300 s, scope 'api:read'"
	assert_line "FAIL  cache: $XDG_RUNTIME_DIR/ccred has mode 0755; run chmod 700 $XDG_RUNTIME_DIR/ccred"
	# The doctor only looks.
	run stat -c %a "$XDG_RUNTIME_DIR/ccred"
	assert_output 755
}

@test "doctor: an insecure secret file is the stack's answer, and a failure (78)" {
	oidc_start
	profile_t "$OIDC_TOKEN_URL" 'file ~/.config/ccred/t.secret' 'env CCRED_TEST_SECRET'
	secret_file post-secret-1
	chmod 644 "$HOME/.config/ccred/t.secret"
	CCRED_TEST_SECRET=post-secret-1 doctor
	assert_equal "$status" 78
	assert_line --regexp "^FAIL  store 1 'file ~/.config/ccred/t.secret': .*permissions 0644 are too open"
	assert_line --regexp "^--    store 2 'env CCRED_TEST_SECRET': not reached, holds the secret"
	assert_line "--    token: skipped: no client secret to send"
}

@test "doctor: a store whose module is not installed says to install it (69)" {
	oidc_start
	profile_t "$OIDC_TOKEN_URL" nosuchstore
	doctor
	assert_equal "$status" 69
	assert_line --regexp "^FAIL  store 1 'nosuchstore': nosuchstore: store module not installed \(.*/stores/nosuchstore.so\)$"
	assert_line --partial "      to fix: install the store's module"
}
