# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Helpers of the client authentication tests (auth-methods.bats,
# tls-auth.bats; load after common and ccred-helpers, whose introspect and
# stdout_empty they use): registered clients, profiles, and what the real
# oidc-provider says it saw.  $OIDC_CA, when set, is the server's CA (the
# mTLS server speaks https); $CFG accumulates the config's profiles.

# clients JSON...: writes $CLIENTS_FILE from client objects (jq syntax, env
# in scope: an HMAC secret comes from the environment, never an argument).
clients() {
	local c
	for c in "$@"; do
		[ -n "$c" ] || fail "clients: an empty client (a helper failed)"
	done
	CLIENTS_FILE=$BATS_TEST_TMPDIR/clients.json
	jq -n "[$(
		IFS=,
		echo "$*"
	)]" >"$CLIENTS_FILE"
}

# profile NAME CLIENT METHOD STORE [KEY=VALUE...]: adds a profile to $CFG
# and writes the config.
profile() {
	local name=$1 client=$2 method=$3 store=$4 kv
	shift 4
	CFG+="[profile $name]
token_url = $OIDC_TOKEN_URL
client_id = $client
auth_method = $method
secret_store = $store
timeout = 10
"
	[ -z "${OIDC_CA:-}" ] || CFG+="ca_file = $OIDC_CA"$'\n'
	for kv in "$@"; do
		CFG+="${kv%%=*} = ${kv#*=}"$'\n'
	done
	ccred_config "$CFG"
}

# introspect_active TOKEN: its "active".
introspect_active() {
	introspect "$1" | jq -r .active
}

# assert_issued TOKEN CLIENT_ID: active and issued to CLIENT_ID (whatever
# its scope: ccred-helpers' assert_live checks that too).
assert_issued() {
	local answer
	answer=$(introspect "$1") || fail "introspection request failed"
	assert_equal "$(jq -r '[.active, .client_id] | @tsv' <<<"$answer")" "$(printf 'true\t%s' "$2")"
}

# last_seen FIELD: that field of the server's last log line.
last_seen() {
	tail -n 1 "$OIDC_LOG" | jq -c ".$1"
}
