# SPDX-License-Identifier: MIT
# Shared setup for ccred's end-to-end tests.  In a .bats file:
#
#   setup()    { load common; }
#   teardown() { ccred_test_teardown; }
#
# Provides (besides everything in ../fixtures/session.sh):
#   CCRED_TEST_FIXTURES        absolute path of tests/fixtures
#   CCRED_TEST_NODE_MODULES    node_modules holding oidc-provider (kept if set;
#                              default: tests/fixtures/node_modules)
#   ccred_test_certs           make certs once per file; exports CCRED_TEST_CERTS
#                              (dir with ca.pem, server.pem/.key, other-ca.pem,
#                              wronghost.pem/.key)
#   oidc_start [TTL] [--https|--http2|--mtls [--client-ca=CA]] [--clients=FILE]
#                              real oidc-provider (FILE: extra clients, see
#                              oidc-server.mjs); exports OIDC_ISSUER,
#                              OIDC_TOKEN_URL, OIDC_LOG, OIDC_PORT, OIDC_PID,
#                              OIDC_CA (ca.pem with --https, else empty)
#   oidc_grants [CLIENT_ID]    number of successful token requests so far
#   oidc_grant_errors [CLIENT_ID]  number of failed token requests so far
#   oidc_stop
#   fault_start MODE [ARGS]    fault server (ARGS go to fault-server.mjs, e.g.
#                              --fail-first 2, --https [--cert F --key F]);
#                              exports FAULT_URL (origin + /token), FAULT_ORIGIN,
#                              FAULT_LOG, FAULT_PORT, FAULT_PID, FAULT_CA
#   fault_requests             number of requests the fault server has seen
#   fault_stop
#   ccred_test_teardown        stop every server, keyring and bus started here
#   ccred_env, ccred_config, ccred_profile, ccred_secret_file, ccred_caller_env
#                              the test's HOME, config and profiles (env.bash)
#   ccred_time_bound_ms SECS   the most milliseconds a ccred run bounded by a
#                              SECS-second timeout may take in this stage:
#                              SECS plus a slack that scales with the stage
#                              (below)
# Temp files go under $BATS_TEST_TMPDIR (or $BATS_FILE_TMPDIR in setup_file).

bats_load_library bats-support
bats_load_library bats-assert

CCRED_TEST_FIXTURES=$(cd "$BATS_TEST_DIRNAME/../fixtures" && pwd)
export CCRED_TEST_FIXTURES
: "${CCRED_TEST_NODE_MODULES:=$CCRED_TEST_FIXTURES/node_modules}"
export CCRED_TEST_NODE_MODULES

# shellcheck source=SCRIPTDIR/../fixtures/session.sh
. "$CCRED_TEST_FIXTURES/session.sh"
# The one test environment: ccred_env, ccred_config, ccred_profile, ...
# shellcheck source=SCRIPTDIR/env.bash
. "${BASH_SOURCE[0]%/*}/env.bash"

# A time bound for "ccred gave up at its timeout": SECS s plus slack.  The
# slack is $CCRED_TEST_SLACK_MS when the stage sets it (valgrind: 20 s),
# else 1 s plus four times what this stage and this machine's load take to
# start and stop a ccred that does nothing (`ccred --version`, the slower of
# two runs): under ASan, valgrind or a busy machine every ccred run is that
# much slower, and a fixed bound would fail on a slow day without ccred
# having waited any longer.
ccred_time_bound_ms() {
	local slack=${CCRED_TEST_SLACK_MS:-} i t0 t worst=0
	if [ -z "$slack" ]; then
		for i in 1 2; do
			t0=${EPOCHREALTIME/./}
			"$CCRED" --version >/dev/null 2>&1 || :
			t=$(((${EPOCHREALTIME/./} - t0) / 1000))
			((t > worst)) && worst=$t
		done
		slack=$((1000 + 4 * worst))
	fi
	printf '%s\n' "$(($1 * 1000 + slack))"
}

_ccred_tmp() {
	printf '%s\n' "${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:?not running under bats}}"
}

ccred_test_certs() {
	CCRED_TEST_CERTS=${BATS_FILE_TMPDIR:-$(_ccred_tmp)}/certs
	export CCRED_TEST_CERTS
	if [ ! -f "$CCRED_TEST_CERTS/wronghost.pem" ]; then
		sh "$CCRED_TEST_FIXTURES/mkcerts.sh" "$CCRED_TEST_CERTS" || return 1
	fi
}

# Fail early and clearly when the fixtures' npm packages are missing.
_ccred_need_oidc_provider() {
	if [ ! -f "$CCRED_TEST_NODE_MODULES/oidc-provider/package.json" ]; then
		echo "oidc-provider is not installed in $CCRED_TEST_NODE_MODULES;" \
			"run: npm ci --prefix tests/fixtures (or set CCRED_TEST_NODE_MODULES)" >&2
		return 1
	fi
}

oidc_start() {
	local ttl=300 https='' a scheme=http extra=()
	for a in "$@"; do
		case $a in
		--https) https=1 ;;
		--http2) https=1; extra+=(--http2) ;;
		--clients=*) extra+=(--clients "${a#--clients=}") ;;
		--mtls) https=1; extra+=(--mtls) ;;
		--client-ca=*) extra+=(--client-ca "${a#--client-ca=}") ;;
		[0-9]*) ttl=$a ;;
		*) echo "oidc_start: bad argument $a" >&2; return 64 ;;
		esac
	done
	_ccred_need_oidc_provider || return 1
	local tmp
	tmp=$(_ccred_tmp)
	OIDC_LOG=$tmp/oidc-grants.log
	: >"$OIDC_LOG"
	local args=(node "$CCRED_TEST_FIXTURES/oidc-server.mjs" --log "$OIDC_LOG" --ttl "$ttl" "${extra[@]}")
	OIDC_CA=
	if [ -n "$https" ]; then
		ccred_test_certs || return 1
		scheme=https
		OIDC_CA=$CCRED_TEST_CERTS/ca.pem
		args+=(--https --cert "$CCRED_TEST_CERTS/server.pem" --key "$CCRED_TEST_CERTS/server.key")
	fi
	ccred_test_server_start OIDC "${args[@]}" || return 1
	_CCRED_TEST_SERVERS="${_CCRED_TEST_SERVERS:-} OIDC"
	OIDC_ISSUER=$scheme://127.0.0.1:$OIDC_PORT
	local disco endpoint
	disco=$(curl -sS --fail --max-time 5 ${OIDC_CA:+--cacert "$OIDC_CA"} \
		"$OIDC_ISSUER/.well-known/openid-configuration") || {
		echo "oidc_start: discovery failed" >&2
		return 1
	}
	endpoint=$(printf '%s' "$disco" | jq -er .token_endpoint) || return 1
	# The issuer plus the token endpoint's path ("/token" for oidc-provider).
	OIDC_TOKEN_URL=$OIDC_ISSUER/${endpoint#"$OIDC_ISSUER"/}
	export OIDC_ISSUER OIDC_TOKEN_URL OIDC_LOG OIDC_CA
}

oidc_grants() {
	if [ -n "${1:-}" ]; then
		grep -c "^{\"event\":\"success\",\"client_id\":\"$1\"" "$OIDC_LOG"
	else
		grep -c '^{"event":"success"' "$OIDC_LOG"
	fi
	return 0
}

oidc_grant_errors() {
	if [ -n "${1:-}" ]; then
		grep -c "^{\"event\":\"error\",\"client_id\":\"$1\"" "$OIDC_LOG"
	else
		grep -c '^{"event":"error"' "$OIDC_LOG"
	fi
	return 0
}

oidc_stop() {
	ccred_test_server_stop OIDC
}

fault_start() {
	local mode=${1:?fault_start MODE [ARGS]}
	shift
	local tmp scheme=http a https='' cert=''
	tmp=$(_ccred_tmp)
	FAULT_LOG=$tmp/fault-requests.log
	: >"$FAULT_LOG"
	for a in "$@"; do
		case $a in
		--https) https=1 ;;
		--cert) cert=1 ;;
		esac
	done
	local args=(node "$CCRED_TEST_FIXTURES/fault-server.mjs" --mode "$mode" --log "$FAULT_LOG" "$@")
	FAULT_CA=
	if [ -n "$https" ]; then
		ccred_test_certs || return 1
		scheme=https
		FAULT_CA=$CCRED_TEST_CERTS/ca.pem
		if [ -z "$cert" ]; then
			args+=(--cert "$CCRED_TEST_CERTS/server.pem" --key "$CCRED_TEST_CERTS/server.key")
		fi
	fi
	ccred_test_server_start FAULT "${args[@]}" || return 1
	_CCRED_TEST_SERVERS="${_CCRED_TEST_SERVERS:-} FAULT"
	FAULT_ORIGIN=$scheme://127.0.0.1:$FAULT_PORT
	FAULT_URL=$FAULT_ORIGIN/token
	export FAULT_ORIGIN FAULT_URL FAULT_LOG FAULT_CA
}

fault_requests() {
	wc -l <"$FAULT_LOG" | tr -d ' '
}

fault_stop() {
	ccred_test_server_stop FAULT
}

ccred_test_teardown() {
	local s
	for s in ${_CCRED_TEST_SERVERS:-}; do
		ccred_test_server_stop "$s"
	done
	_CCRED_TEST_SERVERS=
	ccred_test_session_stop
}

# ---------------------------------------------------------------- proxy
#   proxy_start                forward proxy (tests/fixtures/proxy-server.mjs);
#                              exports PROXY_URL (http://127.0.0.1:PORT),
#                              PROXY_LOG, PROXY_PORT, PROXY_PID
#   proxy_requests             number of requests the proxy has seen
proxy_start() {
	local tmp
	tmp=$(_ccred_tmp)
	PROXY_LOG=$tmp/proxy-requests.log
	: >"$PROXY_LOG"
	ccred_test_server_start PROXY node "$CCRED_TEST_FIXTURES/proxy-server.mjs" --log "$PROXY_LOG" || return 1
	_CCRED_TEST_SERVERS="${_CCRED_TEST_SERVERS:-} PROXY"
	PROXY_URL=http://127.0.0.1:$PROXY_PORT
	export PROXY_URL PROXY_LOG
}

proxy_requests() {
	wc -l <"$PROXY_LOG" | tr -d ' '
}
