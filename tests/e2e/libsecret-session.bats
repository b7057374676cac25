#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The libsecret store's own transport session (modules/libsecret, "our own
# session"): a get opens a dh-ietf1024-sha256-aes128-cbc-pkcs7 session on
# the Secret Service itself and decrypts the secret with libcrypto, instead
# of letting libsecret do it.  Against a real gnome-keyring and the real
# oidc-provider, which accepts only the exact secret: every secret below is
# a registered client's, so a byte lost or added in the decryption (a
# padding edge, a long secret) is a rejected token request.

bats_require_minimum_version 1.5.0

setup() {
	load common
	load setup-helpers
	ccred_env
}

teardown() {
	ccred_test_teardown
}

# The lengths around AES's 16-byte blocks, where PKCS#7 padding changes
# (a whole block of padding at 16 and 32), and 4 KiB.
LENGTHS='1 15 16 17 31 32 33 4096'

# random_secret N: N random letters and digits on stdout (what a form
# sends as they are, so that the trace below can find them; the characters
# that need escaping are stores.bats's business).
random_secret() {
	LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1"
}

# size_clients: register client len-N for each N in $LENGTHS, its secret in
# $BATS_TEST_TMPDIR/len-N.secret (0600); sets CLIENTS_FILE.
size_clients() {
	local n f list=()
	for n in $LENGTHS; do
		f=$BATS_TEST_TMPDIR/len-$n.secret
		(umask 077 && random_secret "$n" >"$f")
		[ "$(wc -c <"$f")" -eq "$n" ]
		list+=("$f")
	done
	CLIENTS_FILE=$BATS_TEST_TMPDIR/clients.json
	# The secrets go from the files into jq's input, never onto a command line.
	for f in "${list[@]}"; do
		n=${f##*/len-}
		n=${n%.secret}
		jq -Rs --arg id "len-$n" '{client_id: $id, client_secret: .}' <"$f"
	done | jq -s . >"$CLIENTS_FILE"
	chmod 600 "$CLIENTS_FILE"
}

# profile_len N: profile t for client len-N, secret in libsecret.
profile_len() {
	ccred_config "[profile t]
token_url = $OIDC_TOKEN_URL
client_id = len-$1
timeout = 5
secret_store = libsecret"
}

@test "secrets of every padding length and 4 KiB, stored by ccred, reach the server intact" {
	size_clients
	oidc_start --clients="$CLIENTS_FILE"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	local n
	for n in $LENGTHS; do
		profile_len "$n"
		run "$CCRED" -p t secret set <"$BATS_TEST_TMPDIR/len-$n.secret"
		assert_success
		run cmp <(secret-tool lookup client_id "len-$n" token_url "$OIDC_TOKEN_URL") \
			"$BATS_TEST_TMPDIR/len-$n.secret"
		assert_success
		run --separate-stderr "$CCRED" -p t token
		assert_success
		assert_equal "${#output}" 43
		assert_equal "$(oidc_grants "len-$n")" 1
	done
	assert_equal "$(oidc_grant_errors)" 0
}

@test "secrets stored by secret-tool, of every padding length, reach the server intact" {
	size_clients
	oidc_start --clients="$CLIENTS_FILE"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	local n
	for n in $LENGTHS; do
		secret-tool store --label="len-$n" client_id "len-$n" token_url "$OIDC_TOKEN_URL" \
			<"$BATS_TEST_TMPDIR/len-$n.secret"
		profile_len "$n"
		run --separate-stderr "$CCRED" -p t token
		assert_success
		assert_equal "$(oidc_grants "len-$n")" 1
	done
	# A secret one byte off is refused by the server: the check above can fail.
	profile_len 16
	run "$CCRED" -p t logout
	head -c 15 "$BATS_TEST_TMPDIR/len-16.secret" |
		secret-tool store --label=len-16 client_id len-16 token_url "$OIDC_TOKEN_URL"
	run --separate-stderr "$CCRED" -p t token
	assert_failure 77
	assert_output ''
	assert_equal "$(oidc_grant_errors len-16)" 1
}

@test "a get opens its own encrypted session after the search, and the secret never crosses the bus in clear" {
	command -v strace >/dev/null || skip "strace is not installed (tests/setup-debian.sh)"
	size_clients
	oidc_start --clients="$CLIENTS_FILE"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	profile_len 33
	run "$CCRED" -p t secret set <"$BATS_TEST_TMPDIR/len-33.secret"
	assert_success
	local trace=$BATS_TEST_TMPDIR/trace
	# Every byte ccred's threads send to and receive from the bus (and the
	# server); strace prints printable bytes as they are.
	# (LeakSanitizer cannot run under ptrace: the ASan stage of run.sh.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		run --separate-stderr strace -f -qq -o "$trace" -s 65536 \
		-e trace=sendmsg,recvmsg,read,write,sendto,recvfrom "$CCRED" -p t token
	assert_success
	assert_equal "$(oidc_grants len-33)" 1
	# The D-Bus calls of the get, in order: the search first, then the
	# session with the DH algorithm, GetSecrets in it, and its Close.
	# (libsecret's own session would come before the search.)
	run grep -o -E 'SearchItems|OpenSession|dh-ietf1024-sha256-aes128-cbc-pkcs7|GetSecrets|Close' \
		<(grep -F 'sendmsg(' "$trace")
	assert_success
	local calls
	calls=$(printf '%s\n' "$output" | awk '!seen[$0]++' | tr '\n' ' ')
	assert_equal "$calls" 'SearchItems OpenSession dh-ietf1024-sha256-aes128-cbc-pkcs7 GetSecrets Close '
	# The secret went to the token endpoint (a write to its socket)...
	grep -F -q -f "$BATS_TEST_TMPDIR/len-33.secret" "$trace"
	# ...but nothing read from the bus held it in clear.
	run grep -F -f "$BATS_TEST_TMPDIR/len-33.secret" "$trace"
	refute_output --regexp 'recvmsg\(|^[0-9]+ +read\('
}
