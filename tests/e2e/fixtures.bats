#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Smoke tests of the test fixtures themselves: the real OAuth2 server, the
# certificates, the fault server and the keyring/bus helpers.  They use only
# curl, secret-tool and dbus-send, never ccred.

setup() {
	load common
}

teardown() {
	ccred_test_teardown
}

# curl_token URL ARGS...: POST a client_credentials request; $output is the
# body, a newline, then the HTTP status.
curl_token() {
	local url=$1
	shift
	run curl -sS --max-time 5 -w '\n%{http_code}' -d grant_type=client_credentials "$@" "$url"
}

body() { printf '%s\n' "$output" | sed '$d'; }
status() { printf '%s\n' "$output" | tail -n 1; }

# --- the real OAuth2 server -----------------------------------------------

@test "oidc: client_secret_post client gets a token over http" {
	oidc_start
	curl_token "$OIDC_TOKEN_URL" -d client_id=post-client -d client_secret=post-secret-1 -d scope=api:read
	assert_success
	assert_equal "$(status)" 200
	run jq -r '[.token_type, .expires_in, .scope, (.access_token | length)] | @tsv' <<<"$(body)"
	assert_output "$(printf 'Bearer\t300\tapi:read\t43')"
	assert_equal "$(oidc_grants post-client)" 1
}

@test "oidc: client_secret_basic client gets a token over http" {
	oidc_start
	curl_token "$OIDC_TOKEN_URL" -u basic-client:basic-secret-1 -d 'scope=api:read api:write'
	assert_success
	assert_equal "$(status)" 200
	run jq -r '.scope' <<<"$(body)"
	assert_output 'api:read api:write'
	assert_equal "$(oidc_grants basic-client)" 1
}

@test "oidc: issuer, discovery and token URL" {
	oidc_start
	assert_equal "$OIDC_ISSUER" "http://127.0.0.1:$OIDC_PORT"
	assert_equal "$OIDC_TOKEN_URL" "$OIDC_ISSUER/token"
	run curl -sS "$OIDC_ISSUER/.well-known/openid-configuration"
	assert_success
	run jq -r '[.issuer, .token_endpoint, .introspection_endpoint] | @tsv' <<<"$output"
	assert_output "$(printf '%s\t%s\t%s' "$OIDC_ISSUER" "$OIDC_TOKEN_URL" "$OIDC_ISSUER/token/introspection")"
}

@test "oidc: --ttl sets expires_in" {
	oidc_start 42
	curl_token "$OIDC_TOKEN_URL" -d client_id=post-client -d client_secret=post-secret-1
	assert_equal "$(status)" 200
	run jq -r .expires_in <<<"$(body)"
	assert_output 42
}

@test "oidc: wrong secret is 401 invalid_client, and logged as an error" {
	oidc_start
	curl_token "$OIDC_TOKEN_URL" -d client_id=post-client -d client_secret=wrong
	assert_equal "$(status)" 401
	run jq -r .error <<<"$(body)"
	assert_output invalid_client
	curl_token "$OIDC_TOKEN_URL" -u basic-client:wrong
	assert_equal "$(status)" 401
	assert_equal "$(oidc_grants)" 0
	assert_equal "$(oidc_grant_errors post-client)" 1
	assert_equal "$(oidc_grant_errors basic-client)" 1
	run cat "$OIDC_LOG"
	assert_line --index 0 --partial '{"event":"error","client_id":"post-client","error":"invalid_client",'
	# How it authenticated, as the server saw it: the method, the form's
	# field names, and that a secret came on the wire (never its value).
	assert_equal "$(head -n 1 "$OIDC_LOG" | jq -c '[.auth_method, .form_fields, .secret_sent]')" \
		'["client_secret_post",["client_id","client_secret","grant_type"],true]'
	assert_equal "$(sed -n 2p "$OIDC_LOG" | jq -c '[.authorization, .secret_sent]')" '[true,true]'
	refute_output --partial wrong
}

@test "oidc: a scope the client may not have is 400 invalid_scope" {
	oidc_start
	curl_token "$OIDC_TOKEN_URL" -d client_id=limited-client -d client_secret=limited-secret-1 -d scope=admin
	assert_equal "$(status)" 400
	run jq -r .error <<<"$(body)"
	assert_output invalid_scope
	curl_token "$OIDC_TOKEN_URL" -d client_id=limited-client -d client_secret=limited-secret-1 -d scope=api:read
	assert_equal "$(status)" 200
}

@test "oidc: the grant log counts one line per token request" {
	oidc_start
	local i
	for i in 1 2 3; do
		curl_token "$OIDC_TOKEN_URL" -d client_id=post-client -d client_secret=post-secret-1
		assert_equal "$(status)" 200
	done
	curl_token "$OIDC_TOKEN_URL" -u basic-client:basic-secret-1
	curl_token "$OIDC_TOKEN_URL" -d client_id=post-client -d client_secret=nope
	assert_equal "$(oidc_grants)" 4
	assert_equal "$(oidc_grants post-client)" 3
	assert_equal "$(oidc_grant_errors)" 1
	run wc -l <"$OIDC_LOG"
	assert_output 5
	# Secrets never reach the log or the server's stderr.
	run cat "$OIDC_LOG" "$OIDC_STDERR"
	refute_output --partial secret-1
	refute_output --partial nope
}

@test "oidc: introspection by rs-client says the token is active" {
	oidc_start
	curl_token "$OIDC_TOKEN_URL" -d client_id=post-client -d client_secret=post-secret-1 -d scope=api:write
	local token
	token=$(body | jq -r .access_token)
	run curl -sS -u rs-client:rs-secret-1 --data-urlencode "token=$token" "$OIDC_ISSUER/token/introspection"
	assert_success
	run jq -r '[.active, .client_id, .scope] | @tsv' <<<"$output"
	assert_output "$(printf 'true\tpost-client\tapi:write')"
	run curl -sS -u rs-client:rs-secret-1 -d token=not-a-token "$OIDC_ISSUER/token/introspection"
	assert_output '{"active":false}'
}

@test "oidc: https works with the test CA only" {
	oidc_start --https
	assert_equal "$OIDC_ISSUER" "https://127.0.0.1:$OIDC_PORT"
	curl_token "$OIDC_TOKEN_URL" --cacert "$CCRED_TEST_CERTS/ca.pem" -d client_id=post-client -d client_secret=post-secret-1
	assert_success
	assert_equal "$(status)" 200
	curl_token "https://localhost:$OIDC_PORT/token" --cacert "$CCRED_TEST_CERTS/ca.pem" -u basic-client:basic-secret-1
	assert_equal "$(status)" 200
	# Without the CA: curl's exit 60, certificate verification.
	curl_token "$OIDC_TOKEN_URL" -d client_id=post-client -d client_secret=post-secret-1
	assert_failure 60
	assert_output --partial 'unable to get local issuer certificate'
	curl_token "$OIDC_TOKEN_URL" --cacert "$CCRED_TEST_CERTS/other-ca.pem" -d client_id=post-client -d client_secret=post-secret-1
	assert_failure 60
	assert_equal "$(oidc_grants)" 2
}

@test "oidc: loads oidc-provider from CCRED_TEST_NODE_MODULES, not the script's dir" {
	_ccred_need_oidc_provider
	local d=$BATS_TEST_TMPDIR/elsewhere
	mkdir -p "$d"
	cp "$CCRED_TEST_FIXTURES/oidc-server.mjs" "$CCRED_TEST_FIXTURES/serve.mjs" "$d/"
	ccred_test_server_start MOVED node "$d/oidc-server.mjs"
	_CCRED_TEST_SERVERS=MOVED
	curl_token "http://127.0.0.1:$MOVED_PORT/token" -d client_id=post-client -d client_secret=post-secret-1
	assert_equal "$(status)" 200
	ccred_test_server_stop MOVED
	mkdir -p "$d/empty"
	CCRED_TEST_NODE_MODULES=$d/empty run node "$d/oidc-server.mjs" --port-file "$d/port"
	assert_failure 69
	assert_output --partial "cannot load oidc-provider from $d/empty"
}

@test "oidc: SIGTERM stops the server cleanly" {
	oidc_start
	local rc=0
	kill -TERM "$OIDC_PID"
	wait "$OIDC_PID" || rc=$?
	assert_equal "$rc" 0
	run curl -sS --max-time 2 "$OIDC_ISSUER/.well-known/openid-configuration"
	assert_failure 7
}

# --- certificates -----------------------------------------------------------

@test "mkcerts: server cert verifies against ca.pem only; wronghost fails on the name" {
	ccred_test_certs
	run openssl verify -CAfile "$CCRED_TEST_CERTS/ca.pem" "$CCRED_TEST_CERTS/server.pem" "$CCRED_TEST_CERTS/wronghost.pem"
	assert_success
	run openssl verify -CAfile "$CCRED_TEST_CERTS/other-ca.pem" "$CCRED_TEST_CERTS/server.pem"
	assert_failure
	run openssl x509 -in "$CCRED_TEST_CERTS/server.pem" -noout -ext subjectAltName
	assert_output --partial 'IP Address:127.0.0.1, DNS:localhost'
	fault_start ok --https --cert "$CCRED_TEST_CERTS/wronghost.pem" --key "$CCRED_TEST_CERTS/wronghost.key"
	curl_token "$FAULT_URL" --cacert "$CCRED_TEST_CERTS/ca.pem"
	assert_failure 60
	assert_output --partial "no alternative certificate subject name matches"
}

# --- the fault server -------------------------------------------------------

@test "fault: ok answers a token and logs method, path and auth, never the body" {
	fault_start ok
	curl_token "$FAULT_URL" -d client_id=c -d client_secret=body-secret-xyz
	assert_equal "$(status)" 200
	assert_equal "$(body)" '{"access_token":"fault-token-1","token_type":"bearer","expires_in":300}'
	curl_token "$FAULT_ORIGIN/other" -u c:basic-secret-xyz
	run jq -r .access_token <<<"$(body)"
	assert_output fault-token-2
	assert_equal "$(fault_requests)" 2
	run cat "$FAULT_LOG"
	assert_line --index 0 '{"method":"POST","path":"/token","auth":false}'
	assert_line --index 1 '{"method":"POST","path":"/other","auth":true}'
	run cat "$FAULT_LOG" "$FAULT_STDERR"
	refute_output --partial secret-xyz
}

@test "fault: discovery document in every mode" {
	fault_start stall
	run curl -sS --max-time 3 "$FAULT_ORIGIN/.well-known/openid-configuration"
	assert_success
	run jq -r '[.issuer, .token_endpoint] | @tsv' <<<"$output"
	assert_output "$(printf '%s\t%s' "$FAULT_ORIGIN" "$FAULT_URL")"
	run cat "$FAULT_LOG"
	assert_output '{"method":"GET","path":"/.well-known/openid-configuration","auth":false}'
}

@test "fault: https discovery names an https origin" {
	fault_start 500 --https
	run curl -sS --cacert "$FAULT_CA" "$FAULT_ORIGIN/.well-known/openid-configuration"
	assert_success
	run jq -r .token_endpoint <<<"$output"
	assert_output "https://127.0.0.1:$FAULT_PORT/token"
	curl_token "$FAULT_URL" --cacert "$FAULT_CA"
	assert_equal "$(status)" 500
}

@test "fault: 500" {
	fault_start 500
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 500
}

@test "fault: 502html" {
	fault_start 502html
	run curl -sS -D - -o /dev/null -d x=1 "$FAULT_URL"
	assert_line --partial 'HTTP/1.1 502'
	assert_line --partial 'Content-Type: text/html'
	curl_token "$FAULT_URL"
	assert_output --partial '<h1>502 Bad Gateway</h1>'
}

@test "fault: 503-then-ok with --fail-first 2" {
	fault_start 503-then-ok --fail-first 2
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 503
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 503
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 200
	run jq -r .access_token <<<"$(body)"
	assert_output fault-token-3
}

@test "fault: 503-then-ok defaults to one failure" {
	fault_start 503-then-ok
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 503
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 200
}

@test "fault: 429-then-ok sends Retry-After: 1" {
	fault_start 429-then-ok
	run curl -sS -D - -o /dev/null -d x=1 "$FAULT_URL"
	assert_line --partial 'HTTP/1.1 429'
	assert_line 'Retry-After: 1'$'\r'
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 200
}

@test "fault: 429-date sends an HTTP-date 1-2 s ahead" {
	fault_start 429-date
	local before after when
	before=$(date +%s)
	run curl -sS -D - -o /dev/null -d x=1 "$FAULT_URL"
	after=$(date +%s)
	assert_line --partial 'HTTP/1.1 429'
	when=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^Retry-After: //p')
	[[ $when =~ ^[A-Z][a-z][a-z],\ [0-9]{2}\ [A-Z][a-z][a-z]\ [0-9]{4}\ [0-9:]{8}\ GMT$ ]] || fail "not an HTTP-date: $when"
	when=$(date -d "$when" +%s)
	((when >= before + 1 && when <= after + 2)) || fail "Retry-After $when not 1-2 s after $before"
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 200
}

@test "fault: stall sends headers and never the body" {
	fault_start stall
	curl_token "$FAULT_URL" --max-time 3
	assert_failure 28
	assert_equal "$(status)" 200
}

@test "fault: trickle sends a byte a second forever" {
	fault_start trickle
	run curl -s --max-time 3 -o /dev/null -w '%{http_code} %{size_download}' -d x=1 "$FAULT_URL"
	assert_failure 28
	assert_output --regexp '^200 [1-3]$'
}

@test "fault: bigbody is 5 MB" {
	fault_start bigbody
	run curl -sS -o /dev/null -w '%{http_code} %{size_download}' -d x=1 "$FAULT_URL"
	assert_success
	local size=${output#200 }
	assert_equal "${output%% *}" 200
	((size > 5 * 1024 * 1024)) || fail "body only $size bytes"
}

@test "fault: badjson" {
	fault_start badjson
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 200
	assert_equal "$(body)" '{"access_token":'
	run jq . <<<'{"access_token":'
	assert_failure
}

@test "fault: noaccesstoken and numbertoken" {
	fault_start noaccesstoken
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 200
	run jq -r 'has("access_token")' <<<"$(body)"
	assert_output false
	fault_stop
	fault_start numbertoken
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 200
	run jq -r '.access_token | type' <<<"$(body)"
	assert_output number
}

@test "fault: redirect points off-host" {
	fault_start redirect
	run curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -d x=1 "$FAULT_URL"
	assert_output '302 http://127.0.0.2:9/token'
}

@test "fault: 4xx-plain is 403 text/plain" {
	fault_start 4xx-plain
	run curl -sS -w ' %{http_code} %{content_type}' -d x=1 "$FAULT_URL"
	assert_output 'forbidden 403 text/plain'
}

@test "fault: oauth-error is 401 invalid_client" {
	fault_start oauth-error
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 401
	assert_equal "$(body)" '{"error":"invalid_client","error_description":"bad secret"}'
}

@test "fault: keycloak adds its extra fields" {
	fault_start keycloak
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 200
	run jq -r '[.access_token, .token_type, .expires_in, .refresh_expires_in, ."not-before-policy", .scope] | @tsv' <<<"$(body)"
	assert_output "$(printf 'fault-token-1\tBearer\t300\t0\t0\tprofile email')"
}

@test "fault: jwt-noexpiry is a JWT with exp and no expires_in" {
	fault_start jwt-noexpiry
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 200
	local jwt payload exp now
	jwt=$(body | jq -r .access_token)
	run jq -r 'has("expires_in")' <<<"$(body)"
	assert_output false
	[[ $jwt =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] || fail "not a JWT: $jwt"
	payload=$(cut -d. -f2 <<<"$jwt" | tr '_-' '/+')
	while ((${#payload} % 4)); do payload+='='; done
	exp=$(base64 -d <<<"$payload" | jq -r .exp)
	now=$(date +%s)
	((exp >= now + 115 && exp <= now + 121)) || fail "exp $exp is not now+120 ($now)"
}

@test "fault: noexpiry is an opaque token without expires_in" {
	fault_start noexpiry
	curl_token "$FAULT_URL"
	assert_equal "$(status)" 200
	assert_equal "$(body)" '{"access_token":"fault-token-1","token_type":"bearer"}'
}

@test "fault: SIGTERM ends a stalled server promptly" {
	fault_start stall
	curl -s --max-time 10 -d x=1 "$FAULT_URL" 3>&- &
	local cpid=$!
	sleep 0.3
	local t0=${EPOCHREALTIME/./} rc=0
	kill -TERM "$FAULT_PID"
	wait "$FAULT_PID" || rc=$?
	assert_equal "$rc" 0
	wait "$cpid" || :
	t0=$(((${EPOCHREALTIME/./} - t0) / 1000))
	((t0 <= 3000)) || fail "took $t0 ms"
}

# --- D-Bus and the keyring ------------------------------------------------

@test "keyring: unlocked, store and lookup work on a private bus" {
	ccred_test_bus_start "$BATS_TEST_TMPDIR/s"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/s" "test-password-1"
	assert_equal "$HOME" "$BATS_TEST_TMPDIR/s/home"
	assert_equal "$XDG_RUNTIME_DIR" "$BATS_TEST_TMPDIR/s/run"
	[ -z "${DISPLAY:-}" ] || fail "DISPLAY is set"
	[[ $DBUS_SESSION_BUS_ADDRESS == unix:path=$BATS_TEST_TMPDIR/s/* ]] || fail "bus $DBUS_SESSION_BUS_ADDRESS"
	run sh -c 'printf %s "the-secret" | secret-tool store --label="ccred test" client_id c1 token_url http://127.0.0.1/token'
	assert_success
	run secret-tool lookup client_id c1 token_url http://127.0.0.1/token
	assert_success
	assert_output the-secret
	run secret-tool lookup client_id c2 token_url http://127.0.0.1/token
	assert_failure
	assert_output ''
	[ -f "$BATS_TEST_TMPDIR/s/home/.local/share/keyrings/login.keyring" ] || fail "no login.keyring in the test HOME"
}

@test "keyring: locked, lookup is empty and store fails" {
	ccred_test_bus_start "$BATS_TEST_TMPDIR/s"
	ccred_test_keyring_start_locked "$BATS_TEST_TMPDIR/s" "test-password-2"
	# Stored while it was unlocked: a lookup now looks exactly like "not found".
	run secret-tool lookup ccred-test locked
	assert_failure
	assert_output ''
	run sh -c 'printf %s x | secret-tool store --label=x client_id c1 2>&1'
	assert_failure
	assert_output 'secret-tool: Cannot create an item in a locked collection'
	# The collection really is locked.
	run dbus-send --session --print-reply=literal --dest=org.freedesktop.secrets \
		/org/freedesktop/secrets/collection/login org.freedesktop.DBus.Properties.Get \
		string:org.freedesktop.Secret.Collection string:Locked
	assert_success
	assert_output --partial 'boolean true'
}

@test "bus: without service files no Secret Service can be activated" {
	ccred_test_bus_start_noservice "$BATS_TEST_TMPDIR/n"
	run secret-tool lookup a b
	assert_failure
	assert_output 'secret-tool: The name org.freedesktop.secrets was not provided by any .service files'
}

@test "bus: with service files the Secret Service is activated, inside the test dir" {
	ccred_test_bus_start "$BATS_TEST_TMPDIR/a"
	run secret-tool lookup a b
	assert_failure
	assert_output ''
	run dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets
	assert_output --partial true
	# The activated daemon runs with the bus's HOME, never the real one.
	local pid
	pid=$(dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '{print $NF}')
	run sh -c "tr '\\0' '\\n' </proc/$pid/environ | grep '^HOME='"
	assert_output "HOME=$BATS_TEST_TMPDIR/a/home"
}

@test "session: stop leaves no daemon behind" {
	ccred_test_bus_start "$BATS_TEST_TMPDIR/s"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/s" "pw"
	local pids="$CCRED_TEST_BUS_PIDS $CCRED_TEST_KEYRING_PIDS" p
	[ -n "$CCRED_TEST_KEYRING_PIDS" ] || fail "no keyring pid recorded"
	ccred_test_session_stop
	for p in $pids; do
		! _cct_alive "$p" || fail "pid $p still runs"
	done
	assert_equal "${DBUS_SESSION_BUS_ADDRESS:-}" ''
}

@test "server helper: fails fast and clearly when the server dies" {
	run ccred_test_server_start BAD node "$CCRED_TEST_FIXTURES/fault-server.mjs" --mode no-such-mode
	assert_failure
	assert_output --partial 'exited before listening'
	assert_output --partial 'unknown mode no-such-mode'
}
