#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Client authentication without a shared secret on the wire (SPEC "Client
# authentication"): client_secret_jwt and private_key_jwt against the real
# oidc-provider, whose own log (tests/fixtures/oidc-server.mjs) says which
# method it verified, the assertion's alg and kid, the names of the form
# fields that came on the wire and whether a client secret was among them.
# Keys in files (made by openssl, registered as JWKs computed by node: code
# that is not ccred's) and in the real gnome-keyring; `ccred key generate`
# and `key public`; wrong keys, non-keys, traces, the disk, the hit path.

bats_require_minimum_version 1.5.0

setup() {
	load common
	load setup-helpers
	load ccred-helpers
	load client-auth
	ccred_env
	# 64 bytes at least: what HS512 needs of its key
	HS_SECRET='hs-secret-0123456789-0123456789-0123456789-0123456789-0123456789'
	export HS_SECRET
	CFG=
	KEYS=$BATS_TEST_TMPDIR/keys
	mkdir -p "$KEYS"
	chmod 700 "$KEYS"
}

teardown() {
	ccred_test_teardown
}

# mkkey NAME ec|rsa|ed25519: an unencrypted PKCS#8 key in $KEYS/NAME.pem.
mkkey() {
	case $2 in
	ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEYS/$1.pem" ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEYS/$1.pem" ;;
	ed25519) openssl genpkey -algorithm ed25519 -out "$KEYS/$1.pem" ;;
	esac 2>/dev/null
	chmod 600 "$KEYS/$1.pem"
}

# jwk_of PEM [ALG]: the public JWK of a private key file, kid its RFC 7638
# thumbprint, computed by node's crypto (not by ccred).
jwk_of() {
	node -e '
		const c = require("crypto"), fs = require("fs");
		const j = c.createPublicKey(fs.readFileSync(process.argv[1])).export({ format: "jwk" });
		const req = { EC: ["crv", "kty", "x", "y"], RSA: ["e", "kty", "n"], OKP: ["crv", "kty", "x"] }[j.kty];
		const o = {};
		for (const k of req) o[k] = j[k];
		j.kid = c.createHash("sha256").update(JSON.stringify(o)).digest("base64url");
		if (process.argv[2]) j.alg = process.argv[2];
		console.log(JSON.stringify(j));' "$@"
}

# pk_client ID JWKFILE...: a private_key_jwt client with those public keys.
pk_client() {
	local id=$1
	shift
	printf '{client_id: "%s", token_endpoint_auth_method: "private_key_jwt", jwks: {keys: %s}}' \
		"$id" "$(jq -s -c . "$@")"
}

hs_client() {
	printf '{client_id: "%s", client_secret: env.HS_SECRET, token_endpoint_auth_method: "client_secret_jwt"}' "$1"
}

# assert_verified CLIENT METHOD ALG [KID]: the server's last grant was a
# success for CLIENT, verified with METHOD and an assertion signed with ALG
# (and KID), and no client secret came on the wire.
assert_verified() {
	assert_equal "$(last_seen event)" '"success"'
	assert_equal "$(last_seen client_id)" "\"$1\""
	assert_equal "$(last_seen auth_method)" "\"$2\""
	assert_equal "$(last_seen assertion_alg)" "\"$3\""
	assert_equal "$(last_seen assertion_typ)" '"JWT"'
	[ -z "${4:-}" ] || assert_equal "$(last_seen assertion_kid)" "\"$4\""
	assert_equal "$(last_seen form_fields)" \
		'["client_assertion","client_assertion_type","client_id","grant_type"]'
	assert_equal "$(last_seen authorization)" false
	assert_equal "$(last_seen secret_sent)" false
}

@test "client_secret_jwt: HS256 by default, HS512 by signing_alg; the secret never on the wire" {
	# hs512-client is registered for HS512 only (as Keycloak's "Client
	# authenticator" plus its algorithm setting would have it).
	clients "$(hs_client hs-client)" \
		'{client_id: "hs512-client", client_secret: env.HS_SECRET, token_endpoint_auth_method: "client_secret_jwt", token_endpoint_auth_signing_alg: "HS512"}'
	oidc_start --clients="$CLIENTS_FILE"
	profile hs hs-client client_secret_jwt 'env HS_SECRET'
	profile hs512 hs512-client client_secret_jwt 'env HS_SECRET' signing_alg=HS512
	profile hs512as256 hs512-client client_secret_jwt 'env HS_SECRET' cache=no
	run --separate-stderr "$CCRED" -p hs token
	assert_success
	assert_issued "$output" hs-client
	assert_verified hs-client client_secret_jwt HS256
	assert_equal "$(last_seen assertion_kid)" null
	run --separate-stderr "$CCRED" -p hs512 token
	assert_success
	assert_verified hs512-client client_secret_jwt HS512
	# Without signing_alg that client's server refuses the HS256 assertion.
	run --separate-stderr "$CCRED" -p hs512as256 token
	assert_failure 77
	assert_equal "$(last_seen assertion_alg)" '"HS256"'
	# The same client with the secret sent as client_secret_post is what
	# the log shows when a secret does cross: the check above can fail.
	profile hspost hs-client client_secret_post 'env HS_SECRET' cache=no
	run --separate-stderr "$CCRED" -p hspost token
	assert_failure 77
	assert_equal "$(last_seen secret_sent)" true
}

@test "client_secret_jwt: the secret from a file store and from the real keyring, never on the wire" {
	clients "$(hs_client hs-client)"
	oidc_start --clients="$CLIENTS_FILE"
	(umask 077 && printf '%s\n' "$HS_SECRET" >"$KEYS/hs.secret")
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	profile file hs-client client_secret_jwt "file $KEYS/hs.secret" cache=no
	profile kr hs-client client_secret_jwt libsecret cache=no
	printf '%s' "$HS_SECRET" | "$CCRED" -p kr secret set
	unset HS_SECRET
	local p
	for p in file kr; do
		run --separate-stderr "$CCRED" -p "$p" token
		assert_success
		assert_issued "$output" hs-client
		assert_verified hs-client client_secret_jwt HS256
	done
}

@test "client_secret_jwt: a wrong secret is 77 with the provider's error; a non-HMAC signing_alg is 78" {
	clients "$(hs_client hs-client)"
	oidc_start --clients="$CLIENTS_FILE"
	profile hs hs-client client_secret_jwt 'env WRONG'
	WRONG=not-the-secret run --separate-stderr "$CCRED" -p hs token
	assert_failure 77
	stdout_empty
	[[ $stderr == *invalid_client* ]] || fail "stderr: $stderr"
	profile bad hs-client client_secret_jwt 'env HS_SECRET' signing_alg=ES256
	run --separate-stderr "$CCRED" -p bad token
	assert_failure 78
	stdout_empty
	[[ $stderr == *"signing_alg ES256 does not go with client_secret_jwt"* ]] || fail "$stderr"
}

@test "private_key_jwt from file stores: ES256, RS256, PS256, EdDSA, kid = RFC 7638 thumbprint" {
	mkkey ec ec
	mkkey rsa rsa
	mkkey ed ed25519
	jwk_of "$KEYS/ec.pem" >"$KEYS/ec.jwk"
	jwk_of "$KEYS/rsa.pem" >"$KEYS/rsa.jwk"
	jwk_of "$KEYS/ed.pem" >"$KEYS/ed.jwk"
	clients "$(pk_client ec-client "$KEYS/ec.jwk")" "$(pk_client rsa-client "$KEYS/rsa.jwk")" \
		"$(pk_client ed-client "$KEYS/ed.jwk")"
	oidc_start --clients="$CLIENTS_FILE"
	profile ec ec-client private_key_jwt "file $KEYS/ec.pem"
	profile rsa rsa-client private_key_jwt "file $KEYS/rsa.pem"
	profile ps rsa-client private_key_jwt "file $KEYS/rsa.pem" signing_alg=PS256 cache=no
	profile ed ed-client private_key_jwt "file $KEYS/ed.pem"
	local p alg client
	for p in ec:ES256:ec rsa:RS256:rsa ps:PS256:rsa ed:EdDSA:ed; do
		IFS=: read -r p alg client <<<"$p"
		run --separate-stderr "$CCRED" -p "$p" token
		assert_success
		assert_issued "$output" "$client-client"
		assert_verified "$client-client" private_key_jwt "$alg" "$(jq -r .kid "$KEYS/$client.jwk")"
	done
	# key public agrees with node on the public key and its thumbprint.
	run --separate-stderr "$CCRED" -p ed key public
	assert_success
	assert_equal "$(jq -c '.keys[0] | {crv, kty, x, kid}' <<<"$output")" \
		"$(jq -c '{crv, kty, x, kid}' "$KEYS/ed.jwk")"
	assert_equal "$(jq -r '.keys[0] | .alg + " " + .use' <<<"$output")" "EdDSA sig"
	[[ $output != *'"d"'* ]] || fail "key public printed a private member"
	run --separate-stderr "$CCRED" -p rsa key public --pem
	assert_success
	assert_equal "$output" "$(openssl pkey -in "$KEYS/rsa.pem" -pubout)"
	# key_id replaces the thumbprint as kid (and then the server, which
	# knows the key by its thumbprint, does not find it: 77).
	profile kid ec-client private_key_jwt "file $KEYS/ec.pem" key_id=my-key-1 cache=no
	run --separate-stderr "$CCRED" -p kid token
	assert_failure 77
	assert_equal "$(last_seen assertion_kid)" '"my-key-1"'
}

@test "private_key_jwt: PKCS#1 and SEC1 keys load as PKCS#8 ones do; their bodies under the PKCS#8 label are 78" {
	mkkey ec ec
	mkkey rsa rsa
	jwk_of "$KEYS/ec.pem" >"$KEYS/ec.jwk"
	jwk_of "$KEYS/rsa.pem" >"$KEYS/rsa.jwk"
	# The same keys in their traditional forms (openssl writes them).
	openssl pkey -in "$KEYS/ec.pem" -traditional -out "$KEYS/ec1.pem"
	openssl pkey -in "$KEYS/rsa.pem" -traditional -out "$KEYS/rsa1.pem"
	[ "$(head -n 1 "$KEYS/ec1.pem")" = "-----BEGIN EC PRIVATE KEY-----" ]
	[ "$(head -n 1 "$KEYS/rsa1.pem")" = "-----BEGIN RSA PRIVATE KEY-----" ]
	sed 's/EC PRIVATE KEY/PRIVATE KEY/' "$KEYS/ec1.pem" >"$KEYS/ec-mislabelled.pem"
	sed 's/RSA PRIVATE KEY/PRIVATE KEY/' "$KEYS/rsa1.pem" >"$KEYS/rsa-mislabelled.pem"
	chmod 600 "$KEYS"/*.pem
	clients "$(pk_client ec-client "$KEYS/ec.jwk")" "$(pk_client rsa-client "$KEYS/rsa.jwk")"
	oidc_start --clients="$CLIENTS_FILE"
	profile ec1 ec-client private_key_jwt "file $KEYS/ec1.pem" cache=no
	profile rsa1 rsa-client private_key_jwt "file $KEYS/rsa1.pem" cache=no
	local k alg
	for k in ec:ES256 rsa:RS256; do
		IFS=: read -r k alg <<<"$k"
		run --separate-stderr "$CCRED" -p "${k}1" key public
		assert_success
		assert_equal "$(jq -r '.keys[0].kid' <<<"$output")" "$(jq -r .kid "$KEYS/$k.jwk")"
		run --separate-stderr "$CCRED" -p "${k}1" token
		assert_success
		assert_verified "$k-client" private_key_jwt "$alg" "$(jq -r .kid "$KEYS/$k.jwk")"
	done
	local before
	before=$(wc -l <"$OIDC_LOG")
	for k in ec rsa; do
		CFG=
		profile bad "$k-client" private_key_jwt "file $KEYS/$k-mislabelled.pem"
		run --separate-stderr "$CCRED" -p bad token
		assert_failure 78
		stdout_empty
		[[ $stderr == "ccred: profile bad: the secret store holds "* ]] || fail "$k: $stderr"
	done
	assert_equal "$(wc -l <"$OIDC_LOG")" "$before"
}

@test "private_key_jwt: the key in the keyring, put there whole by secret set from stdin" {
	mkkey rsa rsa
	jwk_of "$KEYS/rsa.pem" >"$KEYS/rsa.jwk"
	clients "$(pk_client rsa-client "$KEYS/rsa.jwk")"
	oidc_start --clients="$CLIENTS_FILE"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	profile kr rsa-client private_key_jwt libsecret
	run --separate-stderr "$CCRED" -p kr secret set <"$KEYS/rsa.pem"
	assert_success
	# The keyring holds the whole multi-line key.
	run cmp <(secret-tool lookup client_id rsa-client token_url "$OIDC_TOKEN_URL") \
		<(head -c -1 "$KEYS/rsa.pem")
	assert_success
	run --separate-stderr "$CCRED" -p kr token
	assert_success
	assert_issued "$output" rsa-client
	assert_verified rsa-client private_key_jwt RS256 "$(jq -r .kid "$KEYS/rsa.jwk")"
}

@test "key generate: JWK Set registered, token; a second generate is 78 and leaves the key; --force" {
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	# (k, not i: bats' run sets i.)  The token URL is only a label for the keyring item until the server runs.
	OIDC_TOKEN_URL=http://127.0.0.1:9/token
	local types=(ec rsa ed25519) algs=(ES256 RS256 EdDSA) k
	for k in 0 1 2; do
		profile "g$k" "gen$k-client" private_key_jwt libsecret
		run --separate-stderr "$CCRED" -p "g$k" key generate --type "${types[k]}"
		assert_success
		printf '%s\n' "$output" >"$KEYS/g$k.jwks"
		assert_equal "$(jq -r '.keys | length' "$KEYS/g$k.jwks")" 1
		assert_equal "$(jq -r '.keys[0] | .alg + " " + .use' "$KEYS/g$k.jwks")" "${algs[k]} sig"
		[[ $output != *'"d"'* && $output != *PRIVATE* ]] || fail "generate printed the private key"
		[[ $stderr == *"stored a new private key of profile 'g$k' in libsecret"* ]] || fail "$stderr"
	done
	# The keyring item is there; a second generate leaves it as it was.
	secret-tool lookup client_id gen0-client token_url "$OIDC_TOKEN_URL" >"$KEYS/g0.before"
	run --separate-stderr "$CCRED" -p g0 key generate
	assert_failure 78
	stdout_empty
	[[ $stderr == *"already holds a key; --force replaces it"* ]] || fail "$stderr"
	run cmp "$KEYS/g0.before" <(secret-tool lookup client_id gen0-client token_url "$OIDC_TOKEN_URL")
	assert_success
	# Register the printed public keys with the server, then get tokens.
	clients "$(printf '{client_id: "gen0-client", token_endpoint_auth_method: "private_key_jwt", jwks: %s}' "$(cat "$KEYS/g0.jwks")")" \
		"$(printf '{client_id: "gen1-client", token_endpoint_auth_method: "private_key_jwt", jwks: %s}' "$(cat "$KEYS/g1.jwks")")" \
		"$(printf '{client_id: "gen2-client", token_endpoint_auth_method: "private_key_jwt", jwks: %s}' "$(cat "$KEYS/g2.jwks")")"
	oidc_start --clients="$CLIENTS_FILE"
	# The items are keyed by token_url: move them to the real one.
	local old=http://127.0.0.1:9/token
	for k in 0 1 2; do
		secret-tool lookup client_id "gen$k-client" token_url "$old" >"$KEYS/k$k"
		CFG=
		profile "g$k" "gen$k-client" private_key_jwt libsecret
		run "$CCRED" -p "g$k" secret set <"$KEYS/k$k"
		assert_success
		rm -f "$KEYS/k$k"
		run --separate-stderr "$CCRED" -p "g$k" token
		assert_success
		assert_issued "$output" "gen$k-client"
		assert_verified "gen$k-client" private_key_jwt "${algs[k]}" "$(jq -r '.keys[0].kid' "$KEYS/g$k.jwks")"
		# key public prints the same JWK Set again.
		run --separate-stderr "$CCRED" -p "g$k" key public
		assert_success
		assert_equal "$(jq -c . <<<"$output")" "$(jq -c . "$KEYS/g$k.jwks")"
	done
	# --force makes a new key: the old registration no longer fits (77).
	run --separate-stderr "$CCRED" -p g2 key generate --force
	assert_success
	[ "$(jq -r '.keys[0].kid' <<<"$output")" != "$(jq -r '.keys[0].kid' "$KEYS/g2.jwks")" ]
	run --separate-stderr "$CCRED" -p g2 token
	assert_failure 77
	stdout_empty
}

@test "key generate: --self-signed-cert writes a certificate for client_id; the key goes to a file store" {
	OIDC_TOKEN_URL=http://127.0.0.1:9/token
	profile f file-client private_key_jwt "file $KEYS/f.pem"
	run --separate-stderr "$CCRED" -p f key generate --type ed25519 --self-signed-cert "$KEYS/f.crt" --days 30
	assert_success
	run openssl x509 -in "$KEYS/f.crt" -noout -subject
	assert_output 'subject=CN = file-client'
	# The certificate's key is the stored key.
	assert_equal "$(openssl x509 -in "$KEYS/f.crt" -noout -pubkey)" "$(openssl pkey -in "$KEYS/f.pem" -pubout)"
	assert_equal "$(stat -c %a "$KEYS/f.pem")" 600
	head -n 1 "$KEYS/f.pem" | grep -qx -- '-----BEGIN PRIVATE KEY-----'
	# A cert path that cannot be written stops it before a key is made.
	run --separate-stderr "$CCRED" -p f key generate --force --self-signed-cert /nonexistent/dir/c.pem
	assert_failure 78
	stdout_empty
	assert_equal "$(openssl x509 -in "$KEYS/f.crt" -noout -pubkey)" "$(openssl pkey -in "$KEYS/f.pem" -pubout)"
	# Bad usage.
	run --separate-stderr "$CCRED" -p f key generate --type dsa
	assert_failure 64
	stdout_empty
	# A secret method has no key pair.
	CFG=
	profile s file-client client_secret_post "file $KEYS/s.secret"
	run --separate-stderr "$CCRED" -p s key generate
	assert_failure 78
	stdout_empty
}

@test "private_key_jwt: a wrong key is 77; a store holding no usable key is 78 and never shown" {
	mkkey ec ec
	mkkey other ec
	jwk_of "$KEYS/ec.pem" >"$KEYS/ec.jwk"
	clients "$(pk_client ec-client "$KEYS/ec.jwk")"
	oidc_start --clients="$CLIENTS_FILE"
	profile wrong ec-client private_key_jwt "file $KEYS/other.pem"
	run --separate-stderr "$CCRED" -p wrong token
	assert_failure 77
	stdout_empty
	[[ $stderr == *invalid_client* ]] || fail "stderr: $stderr"
	local grants_before n
	grants_before=$(wc -l <"$OIDC_LOG")
	# Not a key, an encrypted key, a certificate, a small RSA key, a P-384
	# key: 78, one line naming what is wrong, no byte of it shown, and no
	# request made.
	printf 'SENTINEL-not-a-key-%s\n' "$RANDOM" >"$KEYS/junk"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-128-cbc \
		-pass pass:pw -out "$KEYS/enc" 2>/dev/null
	openssl req -x509 -new -key "$KEYS/ec.pem" -subj /CN=x -days 1 -out "$KEYS/cert" 2>/dev/null
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$KEYS/small" 2>/dev/null
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$KEYS/p384" 2>/dev/null
	chmod 600 "$KEYS"/*
	for n in junk enc cert small p384; do
		CFG=
		profile bad ec-client private_key_jwt "file $KEYS/$n"
		run --separate-stderr "$CCRED" -p bad token
		assert_failure 78
		stdout_empty
		[[ $stderr == "ccred: profile bad: the secret store holds "* ]] || fail "$n: $stderr"
		assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
		[[ $stderr != *SENTINEL* && $stderr != *BEGIN* && $stderr != *MII* && $stderr != *MH* ]] ||
			fail "$n: the message shows the store's content: $stderr"
	done
	assert_equal "$(wc -l <"$OIDC_LOG")" "$grants_before"
}

@test "private_key_jwt: -vv never shows the assertion or the key; ccred writes the key to no disk" {
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	mkkey ec ec
	jwk_of "$KEYS/ec.pem" >"$KEYS/ec.jwk"
	clients "$(pk_client ec-client "$KEYS/ec.jwk")"
	oidc_start --clients="$CLIENTS_FILE"
	profile kr ec-client private_key_jwt libsecret
	run "$CCRED" -p kr secret set <"$KEYS/ec.pem"
	assert_success
	# From here on the key exists only in the keyring (and in the
	# fixture's own directory, which the search below leaves out).
	# (line 3: the first line of a P-256 PKCS#8 key is mostly a fixed header)
	local body
	body=$(sed -n 3p "$KEYS/ec.pem")
	run --separate-stderr "$CCRED" -p kr -vv token
	assert_success
	assert_verified ec-client private_key_jwt ES256
	[[ $stderr == *"client_assertion=<redacted>"* ]] || fail "no trace of the request: $stderr"
	[[ $stderr == *"crypto module"* ]] || fail "stderr: $stderr"
	# A JWS (any base64url JSON object starts eyJ), the key, the token: none.
	[[ $stderr != *eyJ* ]] || fail "the trace shows a JWS: $stderr"
	[[ $stderr != *"${body:0:24}"* && $stderr != *PRIVATE* ]] || fail "the trace shows the key"
	[[ $stderr != *"$output"* ]] || fail "the trace shows the token"
	# key generate and key public too leave no key on disk.
	profile g gen-client private_key_jwt libsecret
	run --separate-stderr "$CCRED" -p g key generate
	assert_success
	run --separate-stderr "$CCRED" -p g key public
	assert_success
	local gbody
	gbody=$(secret-tool lookup client_id gen-client token_url "$OIDC_TOKEN_URL" | sed -n 3p)
	[ -n "$gbody" ]
	# The keyring's own file is encrypted: a plain copy anywhere is ccred's.
	run grep -rslF -e "$body" -e "$gbody" "$HOME" "$XDG_RUNTIME_DIR" \
		"${TMPDIR:-/tmp}" --exclude-dir=keys --exclude-dir=kr
	assert_output ''
}

@test "private_key_jwt: a cache hit maps no crypto module, no libcrypto" {
	# ld.so's own trace of what it maps: memcheck maps its own way.
	[ -z "${CCRED_TEST_VALGRIND:-}" ] || skip "LD_DEBUG of the process itself, not under valgrind"
	mkkey ec ec
	jwk_of "$KEYS/ec.pem" >"$KEYS/ec.jwk"
	clients "$(pk_client ec-client "$KEYS/ec.jwk")"
	oidc_start --clients="$CLIENTS_FILE"
	profile f ec-client private_key_jwt "file $KEYS/ec.pem"
	# A miss loads it (so the check below can fail) ...
	LD_DEBUG=files "$CCRED" -p f token 2>"$BATS_TEST_TMPDIR/miss.ld" >"$BATS_TEST_TMPDIR/t1"
	grep -q 'file=.*crypto-openssl\.so' "$BATS_TEST_TMPDIR/miss.ld"
	grep -q 'file=libcrypto' "$BATS_TEST_TMPDIR/miss.ld"
	# ... a hit does not.
	LD_DEBUG=files "$CCRED" -p f token 2>"$BATS_TEST_TMPDIR/hit.ld" >"$BATS_TEST_TMPDIR/t2"
	cmp "$BATS_TEST_TMPDIR/t1" "$BATS_TEST_TMPDIR/t2"
	grep -q 'file=libc.so' "$BATS_TEST_TMPDIR/hit.ld"
	run grep -E 'file=.*(crypto-openssl|libcrypto|libcurl|json-c)' "$BATS_TEST_TMPDIR/hit.ld"
	assert_output ''
	assert_equal "$(oidc_grants ec-client)" 1
}

@test "logout --revoke: RFC 7009 with the profile's client authentication; introspection then says inactive" {
	mkkey ec ec
	jwk_of "$KEYS/ec.pem" >"$KEYS/ec.jwk"
	clients "$(pk_client ec-client "$KEYS/ec.jwk")"
	oidc_start --clients="$CLIENTS_FILE"
	POST_SECRET=post-secret-1
	export POST_SECRET
	profile pk ec-client private_key_jwt "file $KEYS/ec.pem" "revocation_url=$OIDC_ISSUER/token/revocation"
	profile post post-client client_secret_post 'env POST_SECRET' "revocation_url=$OIDC_ISSUER/token/revocation"
	profile norev post-client client_secret_basic 'env POST_SECRET'
	local p t
	for p in pk post; do
		t=$("$CCRED" -p "$p" token)
		assert_equal "$(introspect_active "$t")" true
		run --separate-stderr "$CCRED" -p "$p" logout --revoke
		assert_success
		assert_output ''
		assert_equal "$(introspect_active "$t")" false
		# The cache is gone: the next token is a new one.
		run --separate-stderr "$CCRED" -p "$p" token
		assert_success
		[ "$output" != "$t" ]
		# Nothing cached: nothing to revoke, exit 0.
		"$CCRED" -p "$p" logout
		run --separate-stderr "$CCRED" -p "$p" logout --revoke
		assert_success
	done
	# With issuer and no revocation_url: the discovered revocation_endpoint.
	profile disc ec-client private_key_jwt "file $KEYS/ec.pem" "issuer=$OIDC_ISSUER"
	sed -i '/^\[profile disc\]/,$ { /^token_url = /d }' "$XDG_CONFIG_HOME/ccred/config"
	t=$("$CCRED" -p disc token)
	assert_equal "$(introspect_active "$t")" true
	run --separate-stderr "$CCRED" -p disc -v logout --revoke
	assert_success
	[[ $stderr == *"discovered revocation_endpoint $OIDC_ISSUER/token/revocation"* ]] || fail "$stderr"
	assert_equal "$(introspect_active "$t")" false
	# No revocation endpoint: the cache is dropped anyway, 78 naming the key.
	t=$("$CCRED" -p norev token)
	run --separate-stderr "$CCRED" -p norev logout --revoke
	assert_failure 78
	[[ $stderr == *"no revocation_url"* ]] || fail "$stderr"
	assert_equal "$(introspect_active "$t")" true
	run "$CCRED" -p norev token
	[ "$output" != "$t" ]
	# A revocation the server refuses (a wrong key): 77, and still dropped.
	mkkey other ec
	t=$("$CCRED" -p pk token)
	CFG=
	profile pk ec-client private_key_jwt "file $KEYS/other.pem" "revocation_url=$OIDC_ISSUER/token/revocation"
	run --separate-stderr "$CCRED" -p pk logout --revoke
	assert_failure 77
	assert_equal "$(introspect_active "$t")" true
	run "$CCRED" -p pk json
	assert_failure 77 # a new fetch with the wrong key: nothing was left cached
	run --separate-stderr "$CCRED" logout --all --revoke
	assert_failure 64
}

@test "configure --auth-method private_key_jwt / client_secret_jwt: the key (or secret) on stdin, proved, stored" {
	mkkey ec ec
	jwk_of "$KEYS/ec.pem" >"$KEYS/ec.jwk"
	clients "$(pk_client ec-client "$KEYS/ec.jwk")" "$(hs_client hs-client)"
	oidc_start --clients="$CLIENTS_FILE"
	run --separate-stderr "$CCRED" configure pk --token-url "$OIDC_TOKEN_URL" --client-id ec-client \
		--auth-method private_key_jwt --store 'file ~/.config/ccred/pk.pem' <"$KEYS/ec.pem"
	assert_success
	assert_verified ec-client private_key_jwt ES256
	grep -qx 'auth_method = private_key_jwt' "$XDG_CONFIG_HOME/ccred/config"
	cmp "$HOME/.config/ccred/pk.pem" "$KEYS/ec.pem"
	run --separate-stderr "$CCRED" configure hs --token-url "$OIDC_TOKEN_URL" --client-id hs-client \
		--auth-method client_secret_jwt --store 'file ~/.config/ccred/hs.secret' < <(printenv HS_SECRET)
	assert_success
	assert_verified hs-client client_secret_jwt HS256
	# Not a key: 78, nothing written, nothing shown.
	run --separate-stderr "$CCRED" configure bad --token-url "$OIDC_TOKEN_URL" --client-id ec-client \
		--auth-method private_key_jwt --store 'file ~/.config/ccred/bad.pem' < <(printf 'SENTINEL-xyz\n')
	assert_failure 78
	[[ $stderr != *SENTINEL* ]] || fail "$stderr"
	[ ! -e "$HOME/.config/ccred/bad.pem" ]
	run grep -c '^\[profile bad\]' "$XDG_CONFIG_HOME/ccred/config"
	assert_output 0
}

@test "doctor: a refused assertion gets advice about the registered key or the secret, in Keycloak's words" {
	mkkey ec ec
	mkkey other ec
	jwk_of "$KEYS/ec.pem" >"$KEYS/ec.jwk"
	clients "$(pk_client ec-client "$KEYS/ec.jwk")" "$(hs_client hs-client)"
	oidc_start --clients="$CLIENTS_FILE"
	profile pk ec-client private_key_jwt "file $KEYS/other.pem"
	run --separate-stderr "$CCRED" -p pk doctor
	assert_failure 77
	[[ $output == *'to fix: check client_id and scope, and that the provider'"'"'s client (Keycloak: "Signed Jwt") has this key'"'"'s public JWK with its kid and signature algorithm registered (ccred -p pk key public)'* ]] ||
		fail "$output"
	profile hs hs-client client_secret_jwt 'env WRONG'
	WRONG=not-the-secret run --separate-stderr "$CCRED" -p hs doctor
	assert_failure 77
	[[ $output == *'uses "Signed Jwt with Client Secret" with the signature algorithm signing_alg names (HS256 unless set), and store the right secret (ccred -p hs secret set)'* ]] ||
		fail "$output"
}

@test "configure --generate-key: private_key_jwt into a file store, the JWK Set registered, token; again 78; a secret method 64" {
	# The server is not up yet: nothing can prove a key it does not know.
	local url=http://127.0.0.1:9/token cfg=$XDG_CONFIG_HOME/ccred/config
	run --separate-stderr "$CCRED" configure gk --token-url "$url" --client-id gk-client \
		--auth-method private_key_jwt --store "file $KEYS/gk.pem" --generate-key --key-type rsa </dev/null
	assert_success
	printf '%s\n' "$output" >"$KEYS/gk.jwks"
	assert_equal "$(jq -r '.keys | length' "$KEYS/gk.jwks")" 1
	assert_equal "$(jq -r '.keys[0] | .alg + " " + .use' "$KEYS/gk.jwks")" "RS256 sig"
	[[ $output$stderr != *'"d"'* && $output$stderr != *PRIVATE* ]] || fail "the private key was shown"
	[[ $stderr == *"stored a new private key of profile 'gk' in file $KEYS/gk.pem"* ]] || fail "$stderr"
	[[ $stderr == *"no token request proved it"*"register the JWK Set printed"*"then run 'ccred -p gk doctor'"* ]] ||
		fail "$stderr"
	assert_equal "$(stat -c %a "$KEYS/gk.pem")" 600
	head -n 1 "$KEYS/gk.pem" | grep -qx -- '-----BEGIN PRIVATE KEY-----'
	# The stored key is the printed key's private half (as node sees it).
	assert_equal "$(jwk_of "$KEYS/gk.pem" | jq -c '{n, e, kid}')" "$(jq -c '.keys[0] | {n, e, kid}' "$KEYS/gk.jwks")"
	grep -qx 'auth_method = private_key_jwt' "$cfg"
	# Again while the store holds the key: 78, nothing written, the key as it was.
	cp "$KEYS/gk.pem" "$KEYS/gk.before"
	cp "$cfg" "$KEYS/config.before"
	run --separate-stderr "$CCRED" configure gk --scope other --generate-key </dev/null
	assert_failure 78
	stdout_empty
	[[ $stderr == *"file $KEYS/gk.pem already holds a key"*"nothing was written"* ]] || fail "$stderr"
	[[ $stderr == *"'ccred -p gk key generate --force'"* ]] || fail "$stderr"
	cmp "$KEYS/gk.pem" "$KEYS/gk.before"
	cmp "$cfg" "$KEYS/config.before"
	# A secret method has no key pair: 64, one line, nothing written.
	run --separate-stderr "$CCRED" configure sp --token-url "$url" --client-id sp-client \
		--auth-method client_secret_post --store "file $KEYS/sp.secret" --generate-key </dev/null
	assert_failure 64
	stdout_empty
	[[ $stderr == *"auth_method client_secret_post uses a shared secret"* ]] || fail "$stderr"
	[ ! -e "$KEYS/sp.secret" ]
	cmp "$cfg" "$KEYS/config.before"
	# Register the printed key; configure with empty stdin then moves the
	# profile to the real endpoint and proves the stored key.
	jq -c '.keys[0]' "$KEYS/gk.jwks" >"$KEYS/gk.jwk"
	clients "$(pk_client gk-client "$KEYS/gk.jwk")"
	oidc_start --clients="$CLIENTS_FILE"
	run --separate-stderr "$CCRED" configure gk --token-url "$OIDC_TOKEN_URL" </dev/null
	assert_success
	cmp "$KEYS/gk.pem" "$KEYS/gk.before"
	run --separate-stderr "$CCRED" -p gk logout
	assert_success
	run --separate-stderr "$CCRED" -p gk token
	assert_success
	assert_issued "$output" gk-client
	assert_verified gk-client private_key_jwt RS256 "$(jq -r '.keys[0].kid' "$KEYS/gk.jwks")"
}
