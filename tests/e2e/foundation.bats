#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# End-to-end tests of the foundation: the ccred command against the real
# oidc-provider (http and https), the real gnome-keyring, real git, and the
# fault server only for a redirect.  Tokens are proven live by introspecting
# them at the server, never only by being non-empty.
#
# shellcheck disable=SC2030,SC2031,SC2016,SC2154
# (each @test is a subshell, so its exports are local on purpose; bash -c
# scripts are single-quoted on purpose; $stderr is set by bats' run.)

bats_require_minimum_version 1.5.0

setup_file() {
	load common
	load ccred-helpers
	oidc_file_start
}

teardown_file() {
	load common
	load ccred-helpers
	oidc_file_stop
}

setup() {
	load common
	load ccred-helpers
	ccred_env
	unset BASIC_SECRET LIMITED_SECRET
}

teardown() {
	ccred_test_teardown
}

# --- helpers ----------------------------------------------------------------

# Profiles for the oidc-provider's post-client and basic-client; secrets in
# the environment (env store).  Extra lines for every profile in $1.
oidc_config() {
	ccred_config <<EOF
[defaults]
token_url = $OIDC_TOKEN_URL
${1:-}

[profile post]
client_id = post-client
scope = api:read
secret_store = env POST_SECRET

[profile basic]
client_id = basic-client
auth_method = client_secret_basic
scope = api:read api:write
secret_store = env BASIC_SECRET

[profile limited]
client_id = limited-client
scope = admin
secret_store = env LIMITED_SECRET
EOF
}

# --- tokens over http from the real oidc-provider ---------------------------

@test "token: client_secret_post client gets a live token" {
	use_oidc
	oidc_config
	export POST_SECRET=post-secret-1
	run_ccred -p post token
	assert_success
	assert_equal "${#output}" 43
	[[ $output =~ ^[A-Za-z0-9_-]+$ ]] || fail "not one token line: $output"
	assert_live "$output" post-client api:read
	# The check can fail: a token the server never issued is not active.
	run introspect "${output}x"
	assert_output '{"active":false}'
	assert_equal "$(grants post-client)" 1
}

@test "token: client_secret_basic client gets a live token, sent with HTTP Basic" {
	use_oidc
	oidc_config
	export BASIC_SECRET=basic-secret-1
	run_ccred -p basic token
	assert_success
	assert_live "$output" basic-client 'api:read api:write'
	assert_equal "$(grants basic-client)" 1
}

@test "auth_method decides where the secret goes: Basic header or form body" {
	# oidc-provider accepts either method from either client, so what ccred
	# sent is read off the fault server's log (auth: Authorization present).
	fault_start ok
	ccred_config <<EOF
[defaults]
token_url = $FAULT_URL
secret_store = env POST_SECRET
[profile basic]
client_id = c1
auth_method = client_secret_basic
[profile post]
client_id = c2
EOF
	export POST_SECRET=s
	run_ccred -p basic token
	assert_success
	run_ccred -p post token
	assert_success
	run cat "$FAULT_LOG"
	assert_output "$(printf '%s\n' '{"method":"POST","path":"/token","auth":true}' \
		'{"method":"POST","path":"/token","auth":false}')"
}

@test "header: Authorization: Bearer with a live token, post and basic" {
	use_oidc
	oidc_config
	export POST_SECRET=post-secret-1 BASIC_SECRET=basic-secret-1
	run_ccred -p post header
	assert_success
	[[ $output =~ ^Authorization:\ Bearer\ ([A-Za-z0-9_-]+)$ ]] || fail "not a header: $output"
	assert_live "${BASH_REMATCH[1]}" post-client api:read
	run_ccred -p basic header
	assert_success
	[[ $output =~ ^Authorization:\ Bearer\ ([A-Za-z0-9_-]+)$ ]] || fail "not a header: $output"
	assert_live "${BASH_REMATCH[1]}" basic-client 'api:read api:write'
}

@test "json: fields, RFC 3339 UTC expiry, ~300 s left, live token (post and basic)" {
	use_oidc
	oidc_config
	export POST_SECRET=post-secret-1 BASIC_SECRET=basic-secret-1
	local p client scope now then at
	for p in post basic; do
		now=$(date +%s)
		run_ccred -p "$p" json
		assert_success
		# The token was issued between now and then (seconds apart under valgrind).
		then=$(date +%s)
		case $p in
		post) client=post-client scope=api:read ;;
		basic) client=basic-client scope='api:read api:write' ;;
		esac
		local j=$output
		assert_equal "$(jq -r 'keys_unsorted | join(",")' <<<"$j")" \
			access_token,token_type,expires_at,expires_in,scope,profile
		assert_equal "$(jq -r .token_type <<<"$j")" Bearer
		assert_equal "$(jq -r .profile <<<"$j")" "$p"
		assert_equal "$(jq -r .scope <<<"$j")" "$scope"
		assert_equal "$(jq -r '.expires_in | type' <<<"$j")" number
		local left
		left=$(jq -r .expires_in <<<"$j")
		((left >= 295 && left <= 300)) || fail "expires_in $left, not ~300"
		at=$(jq -r .expires_at <<<"$j")
		[[ $at =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
			fail "expires_at not RFC 3339 UTC: $at"
		at=$(date -u -d "$at" +%s)
		((at >= now + 298 && at <= then + 302)) ||
			fail "expires_at $at is not 300 s after the request ($now to $then)"
		assert_live "$(jq -r .access_token <<<"$j")" "$client" "$scope"
	done
	assert_equal "$(grants)" 2
}

@test "token, header and json hand out the one cached token" {
	use_oidc
	oidc_config
	export POST_SECRET=post-secret-1
	run_ccred -p post token
	assert_success
	local tok=$output
	run_ccred -p post header
	assert_output "Authorization: Bearer $tok"
	run_ccred -p post json
	assert_equal "$(jq -r .access_token <<<"$output")" "$tok"
	assert_equal "$(grants)" 1
}

# --- https with the throwaway CA ---------------------------------------------

@test "https: ca_file with the right CA gets a live token" {
	use_oidc --https
	oidc_config "ca_file = $OIDC_CA"
	export POST_SECRET=post-secret-1
	run_ccred -p post token
	assert_success
	assert_live "$output" post-client api:read
}

@test "https: without ca_file, or with another CA, TLS fails: 75, reason on stderr" {
	use_oidc --https
	export POST_SECRET=post-secret-1
	oidc_config
	run_ccred -p post token
	assert_failure 75
	stdout_empty
	stderr_has "TLS verification failed for $OIDC_TOKEN_URL"
	[[ $stderr == *certificate* ]] || fail "no certificate reason: $stderr"
	oidc_config "ca_file = $CCRED_TEST_CERTS/other-ca.pem"
	run_ccred -p post token
	assert_failure 75
	stdout_empty
	stderr_has "TLS verification failed for $OIDC_TOKEN_URL"
	[[ $stderr == *certificate* ]] || fail "no certificate reason: $stderr"
	# The secret never left: no request reached the server.
	assert_equal "$(oidc_requests)" 0
}

# --- the provider says no ----------------------------------------------------

@test "wrong secret: 77 with invalid_client from the provider, not retried" {
	use_oidc
	oidc_config
	export POST_SECRET=not-the-secret BASIC_SECRET=not-the-secret
	run_ccred -p post token
	assert_failure 77
	stdout_empty
	stderr_has invalid_client
	stderr_lacks not-the-secret
	run_ccred -p basic token
	assert_failure 77
	stdout_empty
	stderr_has invalid_client
	assert_equal "$(grant_errors post-client)" 1
	assert_equal "$(grant_errors basic-client)" 1
	assert_equal "$(grants)" 0
}

@test "forbidden scope: 77 invalid_scope" {
	use_oidc
	oidc_config
	export LIMITED_SECRET=limited-secret-1
	run_ccred -p limited token
	assert_failure 77
	stdout_empty
	stderr_has invalid_scope
	assert_equal "$(grant_errors limited-client)" 1
}

@test "no secret (env store unset): 69, and nothing is sent" {
	use_oidc
	oidc_config
	run_ccred -p post token
	assert_failure 69
	stdout_empty
	stderr_has "no client secret for profile 'post'"
	stderr_has POST_SECRET
	assert_equal "$(oidc_requests)" 0
}

# --- the keyring: real gnome-keyring on a private bus ------------------------

# The kr profile's timeout: 3 s, or 10 s under valgrind (memcheck alone
# takes seconds to start ccred and GLib).
KR_TIMEOUT=${CCRED_TEST_VALGRIND:+10}
KR_TIMEOUT=${KR_TIMEOUT:-3}

# keyring_config [EXTRA]: profile kr for post-client, secret in libsecret.
keyring_config() {
	ccred_config <<EOF
[profile kr]
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read
secret_store = libsecret
timeout = $KR_TIMEOUT
EOF
}

@test "keyring: secret set/status/delete through libsecret; secret-tool sees it; token" {
	[ -e "$CCRED_MODULE_DIR/stores/libsecret.so" ] || skip "built --without-libsecret"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/k" keyring-pw-1
	use_oidc
	keyring_config
	run_ccred -p kr secret status
	assert_failure 69
	stdout_empty
	run_ccred_in "post-secret-1"$'\n' -p kr secret set
	assert_success
	stdout_empty
	stderr_has "stored the client secret of profile 'kr' in libsecret"
	run secret-tool lookup client_id post-client token_url "$OIDC_TOKEN_URL"
	assert_success
	assert_output post-secret-1 # the trailing newline was dropped
	run_ccred -p kr secret status
	assert_success
	assert_output --partial "profile 'kr': client secret found in libsecret"
	refute_output --partial post-secret-1
	run_ccred -p kr token
	assert_success
	assert_live "$output" post-client api:read
	run_ccred -p kr secret delete
	assert_success
	run secret-tool lookup client_id post-client token_url "$OIDC_TOKEN_URL"
	assert_failure
	run_ccred -p kr secret status
	assert_failure 69
	# And the other way round: what secret-tool stores, ccred finds.
	printf %s post-secret-1 | secret-tool store --label=x client_id post-client \
		token_url "$OIDC_TOKEN_URL"
	run_ccred -p kr logout
	run_ccred -p kr token
	assert_success
	assert_live "$output" post-client api:read
	assert_equal "$(grants)" 2
}

# Each way the keyring can be out of reach: exit 69, its own message, and
# back within the profile's timeout (3 s; 10 s under valgrind).
keyring_unreachable() {
	local t0=${EPOCHREALTIME/./}
	run_ccred -p kr token
	local took=$(((${EPOCHREALTIME/./} - t0) / 1000))
	assert_failure 69
	stdout_empty
	((took < KR_TIMEOUT * 1000)) || fail "took $took ms, not under the $KR_TIMEOUT s timeout"
}

@test "keyring: no D-Bus session bus at all: 69 saying so, fast" {
	[ -e "$CCRED_MODULE_DIR/stores/libsecret.so" ] || skip "built --without-libsecret"
	use_oidc
	keyring_config
	unset DBUS_SESSION_BUS_ADDRESS
	[ ! -e "$XDG_RUNTIME_DIR/bus" ] || fail "test setup: $XDG_RUNTIME_DIR/bus exists"
	keyring_unreachable
	stderr_has "no D-Bus session bus"
	stderr_lacks "Secret Service"
	stderr_lacks locked
}

@test "keyring: a bus without a Secret Service: 69 saying so, fast" {
	[ -e "$CCRED_MODULE_DIR/stores/libsecret.so" ] || skip "built --without-libsecret"
	ccred_test_bus_start_noservice "$BATS_TEST_TMPDIR/nb"
	use_oidc
	keyring_config
	keyring_unreachable
	stderr_has "no Secret Service on the session bus"
	stderr_lacks "no D-Bus session bus"
	stderr_lacks locked
}

@test "keyring: a locked keyring: 69 saying locked (not 'not found'), fast" {
	[ -e "$CCRED_MODULE_DIR/stores/libsecret.so" ] || skip "built --without-libsecret"
	ccred_test_keyring_start_locked "$BATS_TEST_TMPDIR/lk" keyring-pw-2
	use_oidc
	keyring_config
	keyring_unreachable
	stderr_has "is locked"
	stderr_lacks "no item"
	stderr_lacks "no D-Bus session bus"
	stderr_lacks "no Secret Service"
	# Writing into it is refused too, without a prompt.
	local t0=${EPOCHREALTIME/./}
	run_ccred_in post-secret-1 -p kr secret set
	assert_failure 69
	stderr_has "is locked"
	t0=$(((${EPOCHREALTIME/./} - t0) / 1000))
	((t0 < KR_TIMEOUT * 1000)) || fail "secret set took $t0 ms"
}

@test "keyring: the item is there but its collection got locked: 69 locked" {
	[ -e "$CCRED_MODULE_DIR/stores/libsecret.so" ] || skip "built --without-libsecret"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/k" keyring-pw-3
	use_oidc
	keyring_config
	run_ccred_in post-secret-1 -p kr secret set
	assert_success
	# Lock the login collection the way a screen locker does (no prompt).
	run dbus-send --session --print-reply --dest=org.freedesktop.secrets \
		/org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
		array:objpath:/org/freedesktop/secrets/collection/login
	assert_success
	keyring_unreachable
	stderr_has "is locked"
	stderr_lacks "no item"
	assert_equal "$(oidc_requests)" 0
}

# --- configuration errors and usage ------------------------------------------

# bad_config MESSAGE: stdin is the config; ccred must exit 78 naming it.
bad_config() {
	ccred_config
	run_ccred -p p token
	assert_failure 78
	stdout_empty
	assert_equal "$stderr" "ccred: ${1//@CONFIG@/$CONFIG}"
}

@test "config: unknown key is 78 with file and line" {
	bad_config "@CONFIG@:4: unknown key 'colour'" <<EOF
[profile p]
token_url = http://127.0.0.1:1/token
client_id = c
colour = blue
EOF
}

@test "config: missing token_url is 78 with file and line" {
	bad_config "@CONFIG@:3: profile 'p' has no token_url (or issuer)" <<EOF
# a comment
; and another
[profile p]
client_id = c
EOF
}

@test "config: missing client_id is 78 with file and line" {
	bad_config "@CONFIG@:2: profile 'p' has no client_id" <<EOF

[profile p]
token_url = http://127.0.0.1:1/token
EOF
}

@test "config: bad numbers are 78 with file and line" {
	bad_config "@CONFIG@:4: timeout must be a number of seconds from 1 to 3600" <<EOF
[profile p]
token_url = http://127.0.0.1:1/token
client_id = c
timeout = 10s
EOF
	bad_config "@CONFIG@:2: min_ttl must be a number of seconds (0 or more)" <<EOF
[defaults]
min_ttl = -5
[profile p]
token_url = http://127.0.0.1:1/token
client_id = c
EOF
}

@test "config: plain http to a host that is not loopback is 78 with file and line" {
	local h clear="would send the client secret in clear; use https (http is allowed only for loopback hosts)"
	for h in auth.example.com 127.0.0.1.nip.io localhost.example.com 128.0.0.1; do
		bad_config "@CONFIG@:3: plain http to '$h' $clear" <<EOF
[profile p]
client_id = c
token_url = http://$h:8080/token
EOF
	done
	# The same for an issuer, whose discovery would go out in clear.
	bad_config "@CONFIG@:2: plain http to 'auth.example.com' $clear" <<EOF
[profile p]
issuer = http://auth.example.com
client_id = c
EOF
}

@test "config: a group-writable config file is 78 naming the file" {
	ccred_config <<EOF
[profile p]
token_url = http://127.0.0.1:1/token
client_id = c
EOF
	chmod 620 "$CONFIG"
	run_ccred -p p token
	assert_failure 78
	stdout_empty
	stderr_has "$CONFIG: writable by group or others (mode 0620)"
}

@test "config: an unknown profile is 78" {
	ccred_config <<EOF
[profile p]
token_url = http://127.0.0.1:1/token
client_id = c
EOF
	run_ccred -p nosuch token
	assert_failure 78
	stdout_empty
	stderr_has "no profile 'nosuch'"
	CCRED_PROFILE=nosuch run_ccred token
	assert_failure 78
	stderr_has "no profile 'nosuch'"
}

@test "usage errors are 64 with empty stdout" {
	ccred_config <<EOF
[profile p]
token_url = http://127.0.0.1:1/token
client_id = c
EOF
	local args
	for args in '' 'frobnicate' '--bogus token' '-p' '--min-ttl abc token' \
		'--min-ttl -1 token' 'token extra' 'header extra' 'secret' 'secret show' \
		'secret set extra' 'logout --everything'; do
		# shellcheck disable=SC2086 # the words of each case are wanted
		run_ccred $args
		[ "$status" -eq 64 ] || fail "ccred $args: exit $status, not 64 ($stderr)"
		stdout_empty
		[ -n "$stderr" ] || fail "ccred $args: nothing on stderr"
	done
}

# --- redirects ---------------------------------------------------------------

@test "a redirect from the token endpoint is not followed: 76, one request, none at the target" {
	local tmp=$BATS_TEST_TMPDIR
	: >"$tmp/target.log"
	ccred_test_server_start TARGET node "$CCRED_TEST_FIXTURES/fault-server.mjs" --mode ok \
		--log "$tmp/target.log"
	_CCRED_TEST_SERVERS="${_CCRED_TEST_SERVERS:-} TARGET"
	fault_start redirect --location "http://127.0.0.1:$TARGET_PORT/token"
	ccred_config <<EOF
[profile p]
token_url = $FAULT_URL
client_id = c
secret_store = env POST_SECRET
EOF
	export POST_SECRET=redirect-secret
	run_ccred -p p token
	assert_failure 76
	stdout_empty
	stderr_has "redirect"
	stderr_has "127.0.0.1:$TARGET_PORT"
	assert_equal "$(fault_requests)" 1
	assert_equal "$(wc -l <"$tmp/target.log")" 0
	# The target does answer when asked: the check above can fail.
	curl -sS -o /dev/null -d x=1 "http://127.0.0.1:$TARGET_PORT/token"
	assert_equal "$(wc -l <"$tmp/target.log")" 1
}

# --- git ---------------------------------------------------------------------

git_config_profile() {
	ccred_config <<EOF
[profile default]
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read
secret_store = env POST_SECRET
url = https://git.example.com
EOF
	git config --global credential.helper "$CCRED"
}

@test "git credential fill gets the token for a matching URL" {
	use_oidc
	git_config_profile
	export POST_SECRET=post-secret-1
	run --separate-stderr bash -c 'printf "url=https://git.example.com/team/repo.git\n\n" |
		GIT_TERMINAL_PROMPT=0 git credential fill'
	assert_success
	assert_line protocol=https
	assert_line host=git.example.com
	assert_line username=post-client
	local pw
	pw=$(sed -n 's/^password=//p' <<<"$output")
	assert_live "$pw" post-client api:read
}

@test "git credential fill: lookalike hosts get nothing, so git fails without a prompt" {
	use_oidc
	git_config_profile
	export POST_SECRET=post-secret-1
	local u
	for u in https://git.example.com.evil.org/repo.git https://evilgit.example.com/repo.git \
		https://git.example.com@evil.org/repo.git http://git.example.com/repo.git \
		https://git.example.com:8443/repo.git https://evil.org/git.example.com/repo.git; do
		run --separate-stderr bash -c 'printf "url=%s\n\n" "$1" |
			GIT_TERMINAL_PROMPT=0 git credential fill' _ "$u"
		assert_failure
		stdout_empty
		[[ $stderr == *"terminal prompts disabled"* ]] || fail "$u: $stderr"
		# ccred itself answers nothing, successfully, so git asks the next helper.
		run_ccred_in "url=$u"$'\n\n' get
		assert_success
		stdout_empty
	done
	assert_equal "$(oidc_requests)" 0
}

@test "git credential reject runs erase: the cached token goes, the next fill fetches anew" {
	use_oidc
	git_config_profile
	export POST_SECRET=post-secret-1
	local fill='printf "url=https://git.example.com/r.git\n\n" | GIT_TERMINAL_PROMPT=0 git credential fill'
	run --separate-stderr bash -c "$fill"
	assert_success
	local pw1
	pw1=$(sed -n 's/^password=//p' <<<"$output")
	run --separate-stderr bash -c "$fill"
	assert_line "password=$pw1"
	assert_equal "$(grants)" 1
	run --separate-stderr bash -c 'printf "url=https://git.example.com/r.git\nusername=post-client\npassword=%s\n\n" "$1" |
		git credential reject' _ "$pw1"
	assert_success
	[ -z "$stderr" ] || fail "reject said: $stderr"
	run --separate-stderr bash -c "$fill"
	assert_success
	refute_line "password=$pw1"
	assert_live "$(sed -n 's/^password=//p' <<<"$output")" post-client api:read
	assert_equal "$(grants)" 2
}

@test "git protocol: a line without '=' is 65; a line over 64 KiB is 65; 64 KiB - 1 is fine" {
	use_oidc
	git_config_profile
	export POST_SECRET=post-secret-1
	run_ccred_in $'protocol=https\nhostgit.example.com\n\n' get
	assert_failure 65
	stdout_empty
	stderr_has "without '='"
	local long
	long=$(head -c 70000 /dev/zero | tr '\0' a)
	run_ccred_in "protocol=https"$'\n'"host=$long"$'\n\n' get
	assert_failure 65
	stdout_empty
	stderr_has "64 KiB"
	# The cap is on the line (key, '=', value), not lower.
	long=${long:0:65530}
	run_ccred_in "protocol=https"$'\n'"host=$long"$'\n\n' get
	assert_success
	stdout_empty
	assert_equal "$(oidc_requests)" 0
}

# --- the secret stays off command lines and environments ----------------------

# scan_during PID PATTERN_FILE MARKER_FILE: while PID runs, look at every
# process's cmdline and environ for the secret (grep -f, so the secret is not
# on grep's own command line).  Sets LEAKS (files that held it), SCANS,
# SAW_MARKER (scans that saw a process whose cmdline holds MARKER_FILE's
# text), SAW_ENVIRON (scans that read PID's environ).
scan_during() {
	local pid=$1 pat=$2 marker=$3 hit
	LEAKS='' SCANS=0 SAW_MARKER=0 SAW_ENVIRON=0
	while _cct_alive "$pid"; do
		SCANS=$((SCANS + 1))
		# grep exits 2 when any process vanished mid-scan, matches or not:
		# judge by what it printed.
		hit=$(grep -l -a -F -f "$pat" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null) || :
		[ -z "$hit" ] || LEAKS+="$hit "
		if grep -q -a -F -f "$marker" /proc/[0-9]*/cmdline 2>/dev/null; then
			SAW_MARKER=$((SAW_MARKER + 1))
		fi
		if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -q '^HOME='; then
			SAW_ENVIRON=$((SAW_ENVIRON + 1))
		fi
	done
}

@test "the secret is in no process's cmdline or environ while a command store fetches" {
	[ "$(id -u)" = 0 ] || skip "reading a non-dumpable process's environ needs root"
	local tmp=$BATS_TEST_TMPDIR secret
	secret=ccred-scan-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$secret" >"$tmp/secret"
	chmod 600 "$tmp/secret"
	cp "$tmp/secret" "$tmp/pattern"
	printf '%s\n' "cat $tmp/secret" >"$tmp/marker"
	# A real token endpoint that takes any secret: the fault server, mode ok.
	fault_start ok
	ccred_config <<EOF
[profile scan]
token_url = $FAULT_URL
client_id = scan-client
secret_store = command sh -c 'sleep 1; cat $tmp/secret'
EOF
	"$CCRED" -p scan token >"$tmp/out" 2>"$tmp/err" 3>&- &
	local pid=$!
	scan_during "$pid" "$tmp/pattern" "$tmp/marker"
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	assert_equal "$(cat "$tmp/out")" fault-token-1
	((SAW_MARKER > 0)) || fail "no scan ran while the store command ran ($SCANS scans)"
	((SAW_ENVIRON > 0)) || fail "ccred's environ was never read ($SCANS scans)"
	[ -z "$LEAKS" ] || fail "the secret was in: $(tr " " "\n" <<<"$LEAKS" | sort -u)"
	run cat "$tmp/err"
	refute_output --partial "$secret"
}

@test "the secret is in no process's cmdline or environ while a file store's request hangs" {
	[ "$(id -u)" = 0 ] || skip "reading a non-dumpable process's environ needs root"
	local tmp=$BATS_TEST_TMPDIR secret
	secret=ccred-scan-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	printf '%s\n' "$secret" >"$tmp/secret"
	chmod 600 "$tmp/secret"
	cp "$tmp/secret" "$tmp/pattern"
	# The request (secret in its body) is sent; the answer never comes.
	fault_start stall
	ccred_config <<EOF
[profile scan]
token_url = $FAULT_URL
client_id = scan-client
secret_store = file $tmp/secret
timeout = 2
EOF
	"$CCRED" -p scan token >"$tmp/out" 2>"$tmp/err" 3>&- &
	local pid=$!
	scan_during "$pid" "$tmp/pattern" /dev/null
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 75
	assert_equal "$(fault_requests)" 1
	((SAW_ENVIRON > 0)) || fail "ccred's environ was never read ($SCANS scans)"
	((SCANS > 3)) || fail "only $SCANS scans during the request"
	[ -z "$LEAKS" ] || fail "the secret was in: $(tr " " "\n" <<<"$LEAKS" | sort -u)"
	[ ! -s "$tmp/out" ] || fail "stdout: $(cat "$tmp/out")"
}

# --- the hit path --------------------------------------------------------------

# trace_opens FILE CMD...: run CMD, recording the files it and its children
# open (strace; LD_DEBUG=files where strace cannot trace) and the sockets
# it connects to.
trace_opens() {
	local f=$1
	shift
	if strace -f -o /dev/null true 2>/dev/null; then
		# LeakSanitizer cannot run under ptrace (the ASan stage of run.sh).
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
			strace -f -e trace=execve,openat,open,connect -o "$f" "$@"
	else
		LD_DEBUG=files LD_DEBUG_OUTPUT=$f.ld "$@" && cat "$f".ld.* >"$f"
	fi
}

@test "hit path: a cached token opens neither libcurl, json-c nor libsecret and no D-Bus; a miss does" {
	[ -e "$CCRED_MODULE_DIR/stores/libsecret.so" ] || skip "built --without-libsecret"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/k" keyring-pw-4
	use_oidc
	keyring_config
	run_ccred_in post-secret-1 -p kr secret set
	assert_success
	local tmp=$BATS_TEST_TMPDIR
	trace_opens "$tmp/miss" "$CCRED" -p kr token >"$tmp/miss.out"
	trace_opens "$tmp/hit" "$CCRED" -p kr token >"$tmp/hit.out"
	assert_equal "$(cat "$tmp/hit.out")" "$(cat "$tmp/miss.out")"
	assert_live "$(cat "$tmp/hit.out")" post-client api:read
	assert_equal "$(grants)" 1
	# The miss loads the modules and their libraries, and talks to the bus.
	grep -q 'libcurl\.so' "$tmp/miss" || fail "the miss did not open libcurl"
	grep -q 'libsecret-1\.so' "$tmp/miss" || fail "the miss did not open libsecret"
	grep -q 'http-curl\.so' "$tmp/miss" || fail "the miss did not open the HTTP module"
	grep -q '/json-c\.so' "$tmp/miss" || fail "the miss did not open the JSON module"
	grep -q 'libjson-c\.so' "$tmp/miss" || fail "the miss did not open libjson-c"
	local bus=${DBUS_SESSION_BUS_ADDRESS#unix:path=}
	bus=${bus%%,*}
	if grep -q 'connect(' "$tmp/miss"; then
		grep -q "connect(.*$bus" "$tmp/miss" || fail "the miss did not connect to the bus at $bus"
	fi
	# The hit: none of it.  Only what ccred itself does counts, from its
	# last exec on (the build tree's libtool wrapper runs sed and ls first).
	local from
	from=$(grep -n 'execve(' "$tmp/hit" | tail -n 1 | cut -d: -f1)
	sed -n "${from:-1},\$p" "$tmp/hit" >"$tmp/hit.ccred"
	run grep -c -E 'openat\(|file=' "$tmp/hit.ccred"
	((output > 5)) || fail "the trace of the hit shows no opens: $(cat "$tmp/hit.ccred")"
	run grep -E 'libcurl|libsecret|http-curl|json-c|stores/|libgio|libglib' "$tmp/hit.ccred"
	assert_failure
	run grep 'connect(' "$tmp/hit.ccred"
	assert_failure
}
