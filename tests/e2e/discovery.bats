#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# `issuer` profiles: the token endpoint found by OIDC discovery (then RFC
# 8414), cached beside the tokens for an hour, and a document that names
# another issuer refused.  The real oidc-provider proves discovery works; the
# fault server (which logs every GET) counts discovery requests.

setup() {
	load common
	load hardening
	hx_home
	HX_SECRET=$(hx_secret_file fault fault-secret-x)
}

teardown() {
	ccred_test_teardown
}

gets() { grep -c '"method":"GET"' "$FAULT_LOG" || true; }
posts() { grep -c '"method":"POST"' "$FAULT_LOG" || true; }

@test "real oidc-provider: a token through discovery of its issuer" {
	oidc_start
	local sec
	sec=$(hx_secret_file post post-secret-1)
	ccred_profile o issuer="$OIDC_ISSUER" client_id=post-client secret_store="file $sec" \
		scope=api:read
	hx_run -v -p o json
	assert_equal "$HX_RC" 0
	[[ $HX_ERR == *"discovered token endpoint $OIDC_TOKEN_URL"* ]]
	run jq -r '[.scope, (.access_token | length)] | @tsv' <<<"$HX_OUT"
	assert_output "$(printf 'api:read\t43')"
	assert_equal "$(oidc_grants post-client)" 1
}

@test "real oidc-provider over https: discovery with the profile's CA" {
	oidc_start --https
	local sec
	sec=$(hx_secret_file basic basic-secret-1)
	ccred_profile o issuer="$OIDC_ISSUER" client_id=basic-client secret_store="file $sec" \
		auth_method=client_secret_basic ca_file="$OIDC_CA"
	hx_run -p o token
	assert_equal "$HX_RC" 0
	assert_equal "$(oidc_grants basic-client)" 1
}

@test "the discovered endpoint is cached: a cold fetch after logout does not discover again" {
	fault_start ok
	ccred_profile f issuer="$FAULT_ORIGIN" client_id=c secret_store="file $HX_SECRET"
	hx_run -p f token
	assert_equal "$HX_RC" 0
	assert_equal "$HX_OUT" fault-token-1
	assert_equal "$(gets)" 1
	assert_equal "$(posts)" 1
	hx_run -p f logout
	assert_equal "$HX_RC" 0
	hx_run -v -p f token
	assert_equal "$HX_RC" 0
	assert_equal "$HX_OUT" fault-token-2
	[[ $HX_ERR == *"discovery cache: token endpoint $FAULT_URL"* ]]
	assert_equal "$(gets)" 1
	assert_equal "$(posts)" 2
	# Its own entry, 0600, living one hour.
	local f
	f=$(grep -l '^type token_endpoint$' "$XDG_RUNTIME_DIR"/ccred/*.tok)
	assert_equal "$(stat -c %a "$f")" 600
	local o e
	o=$(sed -n 's/^obtained //p' "$f")
	e=$(sed -n 's/^expires //p' "$f")
	assert_equal "$((e - o))" 3600
	# With cache = no nothing is kept: every call discovers.
	sed -i '$a cache = no' "$HX_CONFIG"
	rm -f "$f"
	hx_run -p f token
	hx_run -p f token
	assert_equal "$(gets)" 3
}

@test "a document naming another issuer: 76, and the secret is never sent" {
	fault_start ok --discovery mismatch
	ccred_profile f issuer="$FAULT_ORIGIN" client_id=c secret_store="file $HX_SECRET"
	hx_run -p f token
	hx_assert_failure 76
	[[ $HX_ERR == *"names issuer https://issuer.invalid, not $FAULT_ORIGIN"* ]]
	assert_equal "$(posts)" 0
	# Nothing was cached: the next call asks again.
	hx_run -p f token
	assert_equal "$(gets)" 2
}

@test "RFC 8414 fallback when openid-configuration is 404" {
	fault_start ok --discovery rfc8414
	ccred_profile f issuer="$FAULT_ORIGIN" client_id=c secret_store="file $HX_SECRET"
	hx_run -p f token
	assert_equal "$HX_RC" 0
	assert_equal "$HX_OUT" fault-token-1
	run jq -r '.path' "$FAULT_LOG"
	assert_output "$(printf '%s\n' /.well-known/openid-configuration \
		/.well-known/oauth-authorization-server /token)"
}

@test "RFC 8414 with an issuer path: the well-known part goes before the path" {
	fault_start ok --discovery rfc8414 --issuer-path /realms/l1
	ccred_profile f issuer="$FAULT_ORIGIN/realms/l1" client_id=c secret_store="file $HX_SECRET"
	hx_run -p f token
	assert_equal "$HX_RC" 0
	run jq -r '.path' "$FAULT_LOG"
	assert_output "$(printf '%s\n' /realms/l1/.well-known/openid-configuration \
		/.well-known/oauth-authorization-server/realms/l1 /token)"
}

@test "OIDC with an issuer path (Keycloak realms): appended" {
	fault_start ok --issuer-path /realms/l1
	ccred_profile f issuer="$FAULT_ORIGIN/realms/l1/" client_id=c secret_store="file $HX_SECRET"
	hx_run -p f token
	assert_equal "$HX_RC" 0
	run jq -r '.path' "$FAULT_LOG"
	assert_output "$(printf '%s\n' /realms/l1/.well-known/openid-configuration /token)"
}

@test "no discovery document at all: 76 naming both tries" {
	fault_start ok --discovery none
	ccred_profile f issuer="$FAULT_ORIGIN" client_id=c secret_store="file $HX_SECRET"
	hx_run -p f token
	hx_assert_failure 76
	[[ $HX_ERR == *"HTTP 404"* ]]
	assert_equal "$(gets)" 2
	assert_equal "$(posts)" 0
}
