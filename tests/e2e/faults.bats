#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Every fault a token endpoint can show, against the fault server (what the
# real oidc-provider cannot do on demand).  For each failure: the exit status
# SPEC.md names, nothing on stdout, one line on stderr, done within
# timeout + 1 s, the cache exactly as it was (a valid entry of another
# profile, fetched from the real oidc-provider in setup_file, untouched and
# still served), and no more requests than the retry bound (4 attempts).

# The profile timeout of most tests; slower runs (valgrind) raise it.
TIMEOUT=${CCRED_TEST_FAULT_TIMEOUT:-4}

setup_file() {
	load common
	load hardening
	# A valid cache entry of profile "other", from the real server.
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR/seed
	mkdir -p "$BATS_TEST_TMPDIR"
	hx_home
	oidc_start
	local sec
	sec=$(hx_secret_file other post-secret-1)
	ccred_profile other token_url="$OIDC_TOKEN_URL" client_id=post-client \
		secret_store="file $sec" scope=api:read
	hx_run -p other token
	oidc_stop
	[ "$HX_RC" = 0 ] || {
		echo "seeding the cache failed: $HX_ERR" >&2
		return 1
	}
	HX_SEED_TOKEN=$HX_OUT
	HX_SEED_URL=$OIDC_TOKEN_URL
	HX_SEED_CACHE=$BATS_FILE_TMPDIR/seed-cache
	cp -a "$XDG_RUNTIME_DIR/ccred" "$HX_SEED_CACHE"
	export HX_SEED_TOKEN HX_SEED_URL HX_SEED_CACHE
}

setup() {
	load common
	load hardening
	hx_home
	cp -a "$HX_SEED_CACHE" "$XDG_RUNTIME_DIR/ccred"
	local sec
	sec=$(hx_secret_file other post-secret-1)
	ccred_profile other token_url="$HX_SEED_URL" client_id=post-client \
		secret_store="file $sec" scope=api:read
	HX_SECRET=$(hx_secret_file fault fault-secret-x)
}

teardown() {
	ccred_test_teardown
}

# fault_profile URL [KEY=VAL...]: profile "f" against URL, timeout 4 s.
fault_profile() {
	local url=$1
	shift
	ccred_profile f token_url="$url" client_id=fault-client secret_store="file $HX_SECRET" \
		timeout=$TIMEOUT "$@"
}

# expect_fault RC MIN MAX PATTERN: run `ccred -p f token` against the fault
# server, then check everything a failure must be.
expect_fault() {
	local rc=$1 min=$2 max=$3 pattern=$4 before n
	before=$(hx_cache_sum)
	hx_run -p f token
	hx_assert_failure "$rc"
	hx_assert_within "$TIMEOUT"
	[[ $HX_ERR == *$pattern* ]] || {
		echo "stderr lacks '$pattern': $HX_ERR" >&2
		return 1
	}
	n=$(fault_requests)
	if [ "$n" -lt "$min" ] || [ "$n" -gt "$max" ]; then
		echo "the server saw $n requests, expected $min..$max" >&2
		return 1
	fi
	assert_equal "$(hx_cache_sum)" "$before"
	FAULT_ERR=$HX_ERR
	expect_other_intact
}

# The other profile's entry is still served from the cache (no server runs).
expect_other_intact() {
	hx_run -p other token
	assert_equal "$HX_RC" 0
	assert_equal "$HX_OUT" "$HX_SEED_TOKEN"
}

# ---------------------------------------------------------------- failures

@test "500: retried, then 75 after at most 4 attempts" {
	fault_start 500
	fault_profile "$FAULT_URL"
	expect_fault 75 2 4 "HTTP 500"
	[[ $FAULT_ERR == *"gave up after"* ]]
}

@test "502 with an HTML page: retried, then 75; the page is not shown" {
	fault_start 502html
	fault_profile "$FAULT_URL"
	expect_fault 75 2 4 "HTTP 502"
	[[ $FAULT_ERR != *"<html>"* ]]
}

@test "stall after headers: 75 within the timeout" {
	fault_start stall
	fault_profile "$FAULT_URL"
	expect_fault 75 1 4 "timed out"
}

@test "trickle of a byte a second: 75 within the timeout" {
	fault_start trickle
	fault_profile "$FAULT_URL"
	expect_fault 75 1 4 "timed out"
}

@test "trickle with a longer timeout: cut off by the low-speed limit and retried" {
	[ -z "${CCRED_TEST_VALGRIND:-}" ] || skip "the cut-off's timing needs full speed"
	fault_start trickle
	fault_profile "$FAULT_URL"
	sed -i "s/^timeout = $TIMEOUT\$/timeout = 12/" "$HX_CONFIG"
	hx_run -p f token
	hx_assert_failure 75
	hx_assert_within 12
	# 5 s per attempt at 1 B/s: the limit, not the timeout, ended the first.
	[ "$(fault_requests)" -ge 2 ]
}

@test "5 MB body: 76, refused at 1 MiB" {
	fault_start bigbody
	fault_profile "$FAULT_URL"
	expect_fault 76 1 1 "larger than 1 MiB"
}

@test "200 KB of headers: 76, refused at 64 KiB" {
	fault_start bigheader
	fault_profile "$FAULT_URL"
	expect_fault 76 1 1 "headers larger than 64 KiB"
}

@test "invalid JSON: 76, not retried" {
	fault_start badjson
	fault_profile "$FAULT_URL"
	expect_fault 76 1 1 "not valid JSON"
}

@test "JSON without access_token: 76" {
	fault_start noaccesstoken
	fault_profile "$FAULT_URL"
	expect_fault 76 1 1 "no access_token"
}

@test "access_token as a number: 76" {
	fault_start numbertoken
	fault_profile "$FAULT_URL"
	expect_fault 76 1 1 "access_token is not a string"
}

@test "302 to another host: 76, the redirect is not followed" {
	fault_start redirect
	fault_profile "$FAULT_URL"
	expect_fault 76 1 1 "redirects are not followed"
	[[ $FAULT_ERR == *"127.0.0.2:9"* ]]
}

@test "403 without an OAuth2 body: 76 with the HTTP status" {
	fault_start 4xx-plain
	fault_profile "$FAULT_URL"
	expect_fault 76 1 1 "HTTP 403"
}

@test "401 invalid_client: 77 with the provider's words, never retried" {
	fault_start oauth-error
	fault_profile "$FAULT_URL"
	expect_fault 77 1 1 "invalid_client: bad secret"
}

@test "connection refused: 75 after the retries" {
	fault_start ok
	local url=$FAULT_URL
	fault_stop
	fault_profile "$url"
	before=$(hx_cache_sum)
	hx_run -p f token
	hx_assert_failure 75
	hx_assert_within "$TIMEOUT"
	[[ $HX_ERR == *"gave up after 4 attempts"* ]]
	[[ $HX_ERR == *"onnect"* ]]
	assert_equal "$(hx_cache_sum)" "$before"
	expect_other_intact
}

@test "TLS certificate for another host: 75 naming the cause, nothing sent" {
	ccred_test_certs
	fault_start ok --https --cert "$CCRED_TEST_CERTS/wronghost.pem" --key "$CCRED_TEST_CERTS/wronghost.key"
	fault_profile "$FAULT_URL" ca_file="$CCRED_TEST_CERTS/ca.pem"
	expect_fault 75 0 0 "TLS verification failed"
	[[ $FAULT_ERR == *"host name '127.0.0.1'"* ]]
}

@test "TLS certificate from an unknown CA: 75, nothing sent" {
	ccred_test_certs
	fault_start ok --https
	fault_profile "$FAULT_URL" ca_file="$CCRED_TEST_CERTS/other-ca.pem"
	expect_fault 75 0 0 "TLS verification failed"
	[[ $FAULT_ERR == *"certificate problem"* ]]
}

@test "429 whose Retry-After is beyond the timeout: 75 at once, not after a sleep" {
	[ -z "${CCRED_TEST_VALGRIND:-}" ] || skip "a 1 s timeout needs full speed"
	fault_start 429-then-ok --fail-first 9
	# Retry-After: 1 with a 1 s timeout cannot fit.
	fault_profile "$FAULT_URL"
	sed -i "s/^timeout = $TIMEOUT\$/timeout = 1/" "$HX_CONFIG"
	hx_run -p f token
	hx_assert_failure 75
	hx_assert_within 1
	[[ $HX_ERR == *"HTTP 429"*"would not fit"* ]]
	assert_equal "$(fault_requests)" 1
}

# ---------------------------------------------------------------- survived

@test "503 then ok: the retry gets the token, which is cached" {
	fault_start 503-then-ok
	fault_profile "$FAULT_URL"
	hx_run -p f token
	assert_equal "$HX_RC" 0
	assert_equal "$HX_OUT" fault-token-2
	assert_equal "$(fault_requests)" 2
	hx_assert_within "$TIMEOUT"
	hx_run -p f token
	assert_equal "$HX_OUT" fault-token-2
	assert_equal "$(fault_requests)" 2
	expect_other_intact
}

# gap_ms N: milliseconds between request N-1 and request N in the fault log.
gap_ms() {
	local a b
	a=$(sed -n "$(($1 - 1))p" "$FAULT_LOG" | jq -r .t)
	b=$(sed -n "$1p" "$FAULT_LOG" | jq -r .t)
	echo $((b - a))
}

@test "429 with Retry-After: 1: the retry waits at least 1 s" {
	fault_start 429-then-ok --times
	fault_profile "$FAULT_URL"
	hx_run -p f token
	assert_equal "$HX_RC" 0
	assert_equal "$HX_OUT" fault-token-2
	assert_equal "$(fault_requests)" 2
	local gap
	gap=$(gap_ms 2)
	[ "$gap" -ge 1000 ] || {
		echo "the retry came after $gap ms" >&2
		return 1
	}
	hx_assert_within "$TIMEOUT"
}

@test "429 with Retry-After as an HTTP-date: honoured" {
	fault_start 429-date --times
	fault_profile "$FAULT_URL"
	hx_run -p f token
	assert_equal "$HX_RC" 0
	assert_equal "$HX_OUT" fault-token-2
	local gap
	gap=$(gap_ms 2)
	[ "$gap" -ge 1000 ] || {
		echo "the retry came after $gap ms" >&2
		return 1
	}
}

@test "keycloak's extra fields are ignored" {
	fault_start keycloak
	fault_profile "$FAULT_URL"
	hx_run -p f json
	assert_equal "$HX_RC" 0
	run jq -r '[.access_token, .token_type, .scope] | @tsv' <<<"$HX_OUT"
	assert_output "$(printf 'fault-token-1\tBearer\tprofile email')"
}

@test "JWT without expires_in: cached until the JWT's exp" {
	fault_start jwt-noexpiry
	fault_profile "$FAULT_URL"
	hx_run -p f json
	assert_equal "$HX_RC" 0
	local tok exp at
	tok=$(jq -r .access_token <<<"$HX_OUT")
	exp=$(cut -d. -f2 <<<"$tok" | tr '_-' '/+' | base64 -d 2>/dev/null | jq -r .exp)
	at=$(jq -r .expires_at <<<"$HX_OUT")
	assert_equal "$(date -u -d "@$exp" +%Y-%m-%dT%H:%M:%SZ)" "$at"
	hx_run -p f token
	assert_equal "$HX_OUT" "$tok"
	assert_equal "$(fault_requests)" 1
}

@test "no expires_in and no JWT: handed out, not cached" {
	fault_start noexpiry
	fault_profile "$FAULT_URL"
	before=$(hx_cache_sum)
	hx_run -p f token
	assert_equal "$HX_RC" 0
	assert_equal "$HX_OUT" fault-token-1
	assert_equal "$(hx_cache_sum)" "$before"
	hx_run -p f token
	assert_equal "$HX_OUT" fault-token-2
	assert_equal "$(fault_requests)" 2
}

@test "crowd: 30 callers while the first 3 requests fail get one token" {
	fault_start 503-then-ok --fail-first 3
	fault_profile "$FAULT_URL"
	sed -i "s/^timeout = $TIMEOUT\$/timeout = 20/" "$HX_CONFIG"
	local d=$BATS_TEST_TMPDIR/crowd i pids=()
	mkdir -p "$d"
	for i in $(seq 1 30); do
		("$CCRED" -p f token >"$d/$i.out" 2>"$d/$i.err"; echo $? >"$d/$i.rc") &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 30); do
		assert_equal "$(cat "$d/$i.rc")" 0
		assert_equal "$(cat "$d/$i.out")" fault-token-4
	done
	# Three 503s and exactly one successful token request.
	assert_equal "$(fault_requests)" 4
	expect_other_intact
}
