#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Proxies: a profile's `proxy` is used for an https token endpoint; without
# one the usual https_proxy / no_proxy variables apply (libcurl reads them).
# A plain-http endpoint (loopback only) never goes through any proxy: the
# form would carry the client secret to it in clear.  The proxy is a
# loopback fixture that logs each request; the token comes from the real
# oidc-provider through it.

setup() {
	load common
	load hardening
	hx_home
	HX_POST=$(hx_secret_file post post-secret-1)
}

teardown() {
	ccred_test_teardown
}

@test "plain http never goes through a proxy: not the profile's, not http_proxy's or all_proxy's" {
	oidc_start
	proxy_start
	ccred_profile o token_url="$OIDC_TOKEN_URL" client_id=post-client \
		secret_store="file $HX_POST" proxy="$PROXY_URL" cache=no
	ccred_profile e token_url="$OIDC_TOKEN_URL" client_id=post-client \
		secret_store="file $HX_POST" cache=no
	hx_run -p o token
	assert_equal "$HX_RC" 0
	http_proxy=$PROXY_URL hx_run -p e token
	assert_equal "$HX_RC" 0
	HTTP_PROXY=$PROXY_URL ALL_PROXY=$PROXY_URL all_proxy=$PROXY_URL hx_run -p e token
	assert_equal "$HX_RC" 0
	# The server saw every request; the proxy saw none.
	assert_equal "$(oidc_grants post-client)" 3
	assert_equal "$(proxy_requests)" 0
	# Even a dead proxy changes nothing for plain http.
	http_proxy=http://127.0.0.1:9 hx_run -p e token
	assert_equal "$HX_RC" 0
}

@test "profile proxy over https: a CONNECT tunnel, TLS still verified end to end" {
	oidc_start --https
	proxy_start
	ccred_profile o token_url="$OIDC_TOKEN_URL" client_id=post-client \
		secret_store="file $HX_POST" proxy="$PROXY_URL" ca_file="$OIDC_CA"
	hx_run -p o token
	assert_equal "$HX_RC" 0
	assert_equal "$(oidc_grants post-client)" 1
	run jq -r '[.method, .target] | @tsv' "$PROXY_LOG"
	assert_output "$(printf 'CONNECT\t127.0.0.1:%s' "$OIDC_PORT")"
	# Without the CA the tunnel changes nothing: verification fails.
	ccred_test_certs
	sed -i "s|^ca_file = .*|ca_file = $CCRED_TEST_CERTS/other-ca.pem|" "$HX_CONFIG"
	hx_run -p o logout
	hx_run -p o token
	hx_assert_failure 75
	[[ $HX_ERR == *"TLS verification failed"* ]]
}

@test "https_proxy from the environment, and no_proxy skips it" {
	oidc_start --https
	proxy_start
	ccred_profile o token_url="$OIDC_TOKEN_URL" client_id=post-client \
		secret_store="file $HX_POST" ca_file="$OIDC_CA" cache=no
	https_proxy=$PROXY_URL hx_run -p o token
	assert_equal "$HX_RC" 0
	assert_equal "$(proxy_requests)" 1
	https_proxy=$PROXY_URL no_proxy=127.0.0.1 hx_run -p o token
	assert_equal "$HX_RC" 0
	assert_equal "$(proxy_requests)" 1
	assert_equal "$(oidc_grants post-client)" 2
}

@test "the profile's proxy wins over the environment's" {
	oidc_start --https
	proxy_start
	ccred_profile o token_url="$OIDC_TOKEN_URL" client_id=post-client \
		secret_store="file $HX_POST" proxy="$PROXY_URL" ca_file="$OIDC_CA"
	# A proxy on a closed port: used, it would fail the request.
	https_proxy=http://127.0.0.1:9 hx_run -p o token
	assert_equal "$HX_RC" 0
	assert_equal "$(proxy_requests)" 1
}

@test "a dead proxy: 75 within the timeout, naming the proxy" {
	oidc_start --https
	ccred_profile o token_url="$OIDC_TOKEN_URL" client_id=post-client \
		secret_store="file $HX_POST" proxy=http://127.0.0.1:9 timeout=3 ca_file="$OIDC_CA"
	hx_run -p o token
	hx_assert_failure 75
	hx_assert_within 3
	[[ $HX_ERR == *"127.0.0.1 port 9"* ]]
	assert_equal "$(oidc_grants)" 0
}
