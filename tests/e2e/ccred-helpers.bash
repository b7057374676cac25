# SPDX-License-Identifier: MIT
# Helpers for bats tests that run ccred (load after common):
#
#   setup_file()    { load common; load ccred-helpers; oidc_file_start; }
#   teardown_file() { load common; load ccred-helpers; oidc_file_stop; }
#   setup()         { load common; load ccred-helpers; ccred_env; }
#   teardown()      { ccred_test_teardown; }
#
#   oidc_file_start, oidc_file_stop   one http oidc-provider for the file
#   use_oidc [--https]                count requests from here on (--https:
#                                     a server of the test's own)
#   grants [CLIENT], grant_errors [CLIENT], oidc_requests
#   run_ccred ARGS, run_ccred_in INPUT ARGS   $output is stdout, $stderr apart
#   stderr_has S, stderr_lacks S, stdout_empty
#   introspect TOKEN, assert_live TOKEN CLIENT_ID SCOPE
#
# shellcheck shell=bash disable=SC2154,SC2016
# ($output, $stderr and $status are set by bats' run; bash -c scripts are
# single-quoted on purpose.)

# One http oidc-provider for a whole file: a start costs ~0.5 s of CPU, paid
# once instead of per test.  Tests count only their own requests (use_oidc)
# and keep their own HOME, so no token is shared between them.
oidc_file_start() {
	CCRED_TEST_TMPDIR=$BATS_FILE_TMPDIR oidc_start || return 1
	# Stopped by oidc_file_stop, not by each test's teardown.
	_CCRED_TEST_SERVERS=
}

oidc_file_stop() {
	ccred_test_server_stop OIDC
}

# use_oidc [--https]: the file's http server (or, with --https, a server of
# the test's own, stopped by teardown); requests are counted from here on.
use_oidc() {
	if [ "${1:-}" = --https ]; then
		oidc_start --https || return 1
	fi
	OIDC_BASE=$(wc -l <"$OIDC_LOG")
}

_oidc_since() {
	tail -n "+$((OIDC_BASE + 1))" "$OIDC_LOG"
}

# grants [CLIENT_ID], grant_errors [CLIENT_ID], oidc_requests: token
# requests that succeeded, failed, or were made at all since use_oidc.
grants() {
	_oidc_since | grep -c "^{\"event\":\"success\"${1:+,\"client_id\":\"$1\"}" || :
}

grant_errors() {
	_oidc_since | grep -c "^{\"event\":\"error\"${1:+,\"client_id\":\"$1\"}" || :
}

oidc_requests() {
	_oidc_since | wc -l | tr -d ' '
}

# run_ccred ARGS...: $status, $output (stdout only) and $stderr.
run_ccred() {
	run --separate-stderr "$CCRED" "$@"
}

# run_ccred_in INPUT ARGS...: as run_ccred, with INPUT on stdin.
run_ccred_in() {
	local input=$1
	shift
	run --separate-stderr bash -c 'printf "%s" "$1" | "$CCRED" "${@:2}"' _ "$input" "$@"
}

stderr_has() {
	[[ $stderr == *"$1"* ]] || fail "stderr lacks '$1'; it is: $stderr"
}

stderr_lacks() {
	[[ $stderr != *"$1"* ]] || fail "stderr has '$1': $stderr"
}

stdout_empty() {
	[ -z "$output" ] || fail "stdout is not empty: $output"
}

# introspect TOKEN: the server's RFC 7662 answer, asked as rs-client.  The
# token goes through a pipe, not onto curl's command line.
introspect() {
	printf %s "$1" | curl -sS --fail --max-time 5 ${OIDC_CA:+--cacert "$OIDC_CA"} \
		-u rs-client:rs-secret-1 --data-urlencode token@- "$OIDC_ISSUER/token/introspection"
}

# assert_live TOKEN CLIENT_ID SCOPE: the server says the token is active and
# was issued to CLIENT_ID with SCOPE.
assert_live() {
	local answer
	answer=$(introspect "$1") || fail "introspection request failed"
	assert_equal "$(jq -r '[.active, .client_id, .scope, .token_type] | @tsv' <<<"$answer")" \
		"$(printf 'true\t%s\t%s\tBearer' "$2" "$3")"
}

