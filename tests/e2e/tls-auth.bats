#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Mutual TLS client authentication (RFC 8705, SPEC "Client authentication"):
# tls_client_auth and self_signed_tls_client_auth against the real
# oidc-provider with features.mTLS (tests/fixtures/oidc-server.mjs --mtls),
# whose own log says which method it verified and which certificate the TLS
# handshake brought (subject, SHA-256 thumbprint, whether it chains to the
# client CA).  Keys made by `ccred key generate --self-signed-cert` in a
# file store and in the real gnome-keyring, a key signed by a test CA;
# wrong certificates, a missing tls_cert, junk in the store, traces, the
# disk.

bats_require_minimum_version 1.5.0

setup() {
	load common
	load setup-helpers
	load ccred-helpers
	load client-auth
	ccred_env
	ccred_test_certs
	CFG=
	KEYS=$BATS_TEST_TMPDIR/keys
	mkdir -p "$KEYS"
	chmod 700 "$KEYS"
}

teardown() {
	ccred_test_teardown
}

# der_b64 CERT: the certificate's DER in base64 (an x5c member).
der_b64() {
	openssl x509 -in "$1" -outform DER | base64 -w0
}

# x5t CERT: its SHA-256 thumbprint, base64url without padding (x5t#S256).
x5t() {
	openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | basenc --base64url | tr -d =
}

# ss_client ID JWKS CERT: a self_signed_tls_client_auth client whose one
# key is JWKS's first with CERT as its x5c.
ss_client() {
	local jwk
	jwk=$(jq -ce --arg c "$(der_b64 "$3")" '.keys[0] + {x5c: [$c]}' "$2") || return 1
	printf '{client_id: "%s", token_endpoint_auth_method: "self_signed_tls_client_auth", jwks: {keys: [%s]}}' \
		"$1" "$jwk"
}

# ca_client ID: a tls_client_auth client known by the subject CN=ID.
ca_client() {
	printf '{client_id: "%s", token_endpoint_auth_method: "tls_client_auth", tls_client_auth_subject_dn: "CN=%s"}' "$1" "$1"
}

# ca_signed NAME CN [CA]: an EC key ($KEYS/NAME.pem, 0600) and its
# certificate for client authentication ($KEYS/NAME.crt), subject CN,
# issued by the test CA (or by CA: other-ca).
ca_signed() {
	local ca=${3:-ca}
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$KEYS/$1.pem" 2>/dev/null
	chmod 600 "$KEYS/$1.pem"
	printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=clientAuth" >"$KEYS/$1.ext"
	openssl req -new -key "$KEYS/$1.pem" -subj "/CN=$2" -out "$KEYS/$1.csr" 2>/dev/null
	openssl x509 -req -in "$KEYS/$1.csr" -CA "$CCRED_TEST_CERTS/$ca.pem" \
		-CAkey "$CCRED_TEST_CERTS/$ca.key" -set_serial "0x$(openssl rand -hex 8)" -days 2 \
		-extfile "$KEYS/$1.ext" -out "$KEYS/$1.crt" 2>/dev/null
	rm -f "$KEYS/$1.csr" "$KEYS/$1.ext"
}

# ss_key NAME CLIENT: a key in a file store ($KEYS/NAME.pem) and its
# self-signed certificate ($KEYS/NAME.crt), both from `key generate
# --self-signed-cert`; its JWK Set in $KEYS/NAME.jwks.  Before oidc_start:
# generate needs no token endpoint (the profile's is a dead port).
ss_key() {
	OIDC_TOKEN_URL=https://127.0.0.1:9/token OIDC_CA=
	CFG=
	profile "$1" "$2" self_signed_tls_client_auth "file $KEYS/$1.pem" "tls_cert=$KEYS/$1.crt"
	run --separate-stderr "$CCRED" -p "$1" key generate --self-signed-cert "$KEYS/$1.crt"
	assert_success
	printf '%s\n' "$output" >"$KEYS/$1.jwks"
}

# assert_verified CLIENT METHOD CERT: the server's last grant was a success
# for CLIENT, verified with METHOD, with CERT's certificate in the TLS
# handshake; only client_id and grant_type in the form, no Authorization.
assert_verified() {
	assert_equal "$(last_seen event)" '"success"'
	assert_equal "$(last_seen client_id)" "\"$1\""
	assert_equal "$(last_seen auth_method)" "\"$2\""
	assert_equal "$(last_seen client_cert.x5t_s256)" "\"$(x5t "$3")\""
	assert_equal "$(last_seen form_fields)" '["client_id","grant_type"]'
	assert_equal "$(last_seen authorization)" false
	assert_equal "$(last_seen secret_sent)" false
}

@test "self_signed_tls_client_auth: key generate --self-signed-cert into a file store, its x5c registered, token" {
	ss_key ss ss-client
	run openssl x509 -in "$KEYS/ss.crt" -noout -subject
	assert_output 'subject=CN = ss-client'
	clients "$(ss_client ss-client "$KEYS/ss.jwks" "$KEYS/ss.crt")"
	oidc_start --mtls --clients="$CLIENTS_FILE"
	CFG=
	profile ss ss-client self_signed_tls_client_auth "file $KEYS/ss.pem" "tls_cert=$KEYS/ss.crt" \
		"revocation_url=$OIDC_ISSUER/token/revocation"
	run --separate-stderr "$CCRED" -p ss token
	assert_success
	assert_issued "$output" ss-client
	assert_verified ss-client self_signed_tls_client_auth "$KEYS/ss.crt"
	assert_equal "$(last_seen client_cert.subject)" '"CN=ss-client"'
	# A cache hit: no second request.
	local t=$output
	run --separate-stderr "$CCRED" -p ss token
	assert_success
	assert_equal "$output" "$t"
	assert_equal "$(oidc_grants ss-client)" 1
	# The revocation request authenticates the same way.
	run --separate-stderr "$CCRED" -p ss logout --revoke
	assert_success
	assert_equal "$(introspect_active "$t")" false
}

@test "self_signed_tls_client_auth: the key made by key generate in the real gnome-keyring" {
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	# The token URL is only a label for the keyring item until the server runs.
	local old=https://127.0.0.1:9/token
	OIDC_TOKEN_URL=$old OIDC_CA=
	profile kr kr-client self_signed_tls_client_auth libsecret "tls_cert=~/kr.crt"
	run --separate-stderr "$CCRED" -p kr key generate --type rsa --self-signed-cert "$HOME/kr.crt"
	assert_success
	[[ $stderr == *"stored a new private key of profile 'kr' in libsecret"* ]] || fail "$stderr"
	printf '%s\n' "$output" >"$KEYS/kr.jwks"
	clients "$(ss_client kr-client "$KEYS/kr.jwks" "$HOME/kr.crt")"
	oidc_start --mtls --clients="$CLIENTS_FILE"
	# The item is keyed by token_url: move it to the real one.
	secret-tool lookup client_id kr-client token_url "$old" >"$KEYS/k"
	CFG=
	profile kr kr-client self_signed_tls_client_auth libsecret "tls_cert=~/kr.crt"
	run "$CCRED" -p kr secret set <"$KEYS/k"
	assert_success
	rm -f "$KEYS/k"
	run --separate-stderr "$CCRED" -p kr token
	assert_success
	assert_issued "$output" kr-client
	assert_verified kr-client self_signed_tls_client_auth "$HOME/kr.crt"
}

@test "tls_client_auth: a certificate from the client CA with the registered subject; other CA, subject: 77" {
	ca_signed good ca-client
	ca_signed wrongcn someone-else
	ca_signed otherca ca-client other-ca
	clients "$(ca_client ca-client)"
	oidc_start --mtls --client-ca="$CCRED_TEST_CERTS/ca.pem" --clients="$CLIENTS_FILE"
	profile ca ca-client tls_client_auth "file $KEYS/good.pem" "tls_cert=$KEYS/good.crt"
	run --separate-stderr "$CCRED" -p ca token
	assert_success
	assert_issued "$output" ca-client
	assert_verified ca-client tls_client_auth "$KEYS/good.crt"
	assert_equal "$(last_seen client_cert.authorized)" true
	assert_equal "$(last_seen client_cert.subject)" '"CN=ca-client"'
	# A certificate the provider does not take: 77 with its error, and the
	# log shows the certificate did arrive (so the refusal is the server's).
	local n
	for n in wrongcn otherca; do
		CFG=
		profile ca ca-client tls_client_auth "file $KEYS/$n.pem" "tls_cert=$KEYS/$n.crt" cache=no
		run --separate-stderr "$CCRED" -p ca token
		assert_failure 77
		stdout_empty
		[[ $stderr == *invalid_client* ]] || fail "$n: $stderr"
		assert_equal "$(last_seen event)" '"error"'
		assert_equal "$(last_seen client_cert.x5t_s256)" "\"$(x5t "$KEYS/$n.crt")\""
	done
	assert_equal "$(last_seen client_cert.authorized)" false
}

@test "self_signed_tls_client_auth: a certificate not registered is 77; a certificate that is not the key's is 78" {
	ss_key a a-client
	ss_key b b-client
	clients "$(ss_client a-client "$KEYS/a.jwks" "$KEYS/a.crt")"
	oidc_start --mtls --clients="$CLIENTS_FILE"
	# a's own key and certificate: the registration is good.
	CFG=
	profile a a-client self_signed_tls_client_auth "file $KEYS/a.pem" "tls_cert=$KEYS/a.crt" cache=no
	run --separate-stderr "$CCRED" -p a token
	assert_success
	assert_verified a-client self_signed_tls_client_auth "$KEYS/a.crt"
	# b's own key and certificate, which a-client has not registered.
	CFG=
	profile a a-client self_signed_tls_client_auth "file $KEYS/b.pem" "tls_cert=$KEYS/b.crt"
	run --separate-stderr "$CCRED" -p a token
	assert_failure 77
	stdout_empty
	[[ $stderr == *invalid_client* ]] || fail "$stderr"
	assert_equal "$(last_seen client_cert.x5t_s256)" "\"$(x5t "$KEYS/b.crt")\""
	# a's certificate with b's key: the TLS library refuses the pair
	# before anything is sent.  78, naming tls_cert.
	local before
	before=$(wc -l <"$OIDC_LOG")
	CFG=
	profile a a-client self_signed_tls_client_auth "file $KEYS/b.pem" "tls_cert=$KEYS/a.crt"
	run --separate-stderr "$CCRED" -p a token
	assert_failure 78
	stdout_empty
	[[ $stderr == "ccred: profile a: tls_cert $KEYS/a.crt and the key in the secret store cannot be used together"* ]] ||
		fail "$stderr"
	assert_equal "$(wc -l <"$OIDC_LOG")" "$before"
}

@test "TLS methods: no tls_cert, a missing or non-certificate tls_cert, plain http: 78 naming it, nothing sent" {
	ss_key ss ss-client
	clients "$(ss_client ss-client "$KEYS/ss.jwks" "$KEYS/ss.crt")"
	oidc_start --mtls --clients="$CLIENTS_FILE"
	local m
	for m in tls_client_auth self_signed_tls_client_auth; do
		CFG=
		profile nocert ss-client "$m" "file $KEYS/ss.pem"
		run --separate-stderr "$CCRED" -p nocert token
		assert_failure 78
		stdout_empty
		[[ $stderr == *"profile 'nocert' has no tls_cert (auth_method $m needs one)"* ]] || fail "$stderr"
	done
	CFG=
	profile missing ss-client self_signed_tls_client_auth "file $KEYS/ss.pem" "tls_cert=$KEYS/nope.crt"
	run --separate-stderr "$CCRED" -p missing token
	assert_failure 78
	stdout_empty
	assert_equal "$stderr" "ccred: profile missing: tls_cert $KEYS/nope.crt: No such file or directory"
	cp "$KEYS/ss.jwks" "$KEYS/notcert"
	profile notcert ss-client self_signed_tls_client_auth "file $KEYS/ss.pem" "tls_cert=$KEYS/notcert"
	run --separate-stderr "$CCRED" -p notcert token
	assert_failure 78
	stdout_empty
	assert_equal "$stderr" "ccred: profile notcert: tls_cert $KEYS/notcert holds no PEM certificate"
	profile rel ss-client self_signed_tls_client_auth "file $KEYS/ss.pem" "tls_cert=ss.crt"
	run --separate-stderr "$CCRED" -p rel token
	assert_failure 78
	[[ $stderr == *"tls_cert must be an absolute path or start with ~/"* ]] || fail "$stderr"
	# The handshake is the proof: over plain http there is none.
	CFG="[profile plain]
token_url = http://127.0.0.1:9/token
client_id = ss-client
auth_method = self_signed_tls_client_auth
secret_store = file $KEYS/ss.pem
tls_cert = $KEYS/ss.crt
"
	ccred_config "$CFG"
	run --separate-stderr "$CCRED" -p plain token
	assert_failure 78
	stdout_empty
	[[ $stderr == *"self_signed_tls_client_auth proves the client in a TLS handshake, and http://127.0.0.1:9/token is not https"* ]] ||
		fail "$stderr"
	assert_equal "$(wc -l <"$OIDC_LOG")" 0
}

@test "TLS methods: a store holding no usable key is 78, never shown, nothing sent" {
	ca_signed good ca-client
	clients "$(ca_client ca-client)"
	oidc_start --mtls --client-ca="$CCRED_TEST_CERTS/ca.pem" --clients="$CLIENTS_FILE"
	printf 'SENTINEL-not-a-key-%s\n' "$RANDOM" >"$KEYS/junk"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-128-cbc \
		-pass pass:pw -out "$KEYS/enc" 2>/dev/null
	cp "$KEYS/good.crt" "$KEYS/cert"
	chmod 600 "$KEYS"/*
	local n
	for n in junk enc cert; do
		CFG=
		profile bad ca-client tls_client_auth "file $KEYS/$n" "tls_cert=$KEYS/good.crt"
		run --separate-stderr "$CCRED" -p bad token
		assert_failure 78
		stdout_empty
		[[ $stderr == "ccred: profile bad: the secret store holds "* ]] || fail "$n: $stderr"
		assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
		[[ $stderr != *SENTINEL* && $stderr != *BEGIN* && $stderr != *MII* && $stderr != *MH* ]] ||
			fail "$n: the message shows the store's content: $stderr"
	done
	assert_equal "$(wc -l <"$OIDC_LOG")" 0
}

@test "TLS methods: -vv never shows the key; ccred writes the key to no disk" {
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	ca_signed good ca-client
	clients "$(ca_client ca-client)"
	oidc_start --mtls --client-ca="$CCRED_TEST_CERTS/ca.pem" --clients="$CLIENTS_FILE"
	profile kr ca-client tls_client_auth libsecret "tls_cert=$KEYS/good.crt"
	run "$CCRED" -p kr secret set <"$KEYS/good.pem"
	assert_success
	# From here on the key exists only in the keyring (and in the
	# test's own directory, which the search below leaves out).
	# (line 3: the first line of a P-256 PKCS#8 key is mostly a fixed header)
	local body
	body=$(sed -n 3p "$KEYS/good.pem")
	[ -n "$body" ]
	run --separate-stderr "$CCRED" -p kr -vv token
	assert_success
	assert_verified ca-client tls_client_auth "$KEYS/good.crt"
	[[ $stderr == *"tls_key=<redacted>"* ]] || fail "no trace of the request: $stderr"
	[[ $stderr == *"client certificate $KEYS/good.crt"* ]] || fail "$stderr"
	[[ $stderr != *"${body:0:24}"* && $stderr != *PRIVATE* ]] || fail "the trace shows the key"
	[[ $stderr != *"$output"* ]] || fail "the trace shows the token"
	# The keyring's own file is encrypted: a plain copy anywhere is ccred's.
	run grep -rslF -e "$body" "$HOME" "$XDG_RUNTIME_DIR" "${TMPDIR:-/tmp}" \
		--exclude-dir=keys --exclude-dir=kr
	assert_output ''
}

@test "configure --auth-method tls_client_auth --tls-cert: the key on stdin, proved, stored; no tls_cert: 78" {
	ca_signed good ca-client
	clients "$(ca_client ca-client)"
	oidc_start --mtls --client-ca="$CCRED_TEST_CERTS/ca.pem" --clients="$CLIENTS_FILE"
	run --separate-stderr "$CCRED" configure tc --token-url "$OIDC_TOKEN_URL" --client-id ca-client \
		--auth-method tls_client_auth --tls-cert "$KEYS/good.crt" --ca-file "$OIDC_CA" \
		--store 'file ~/.config/ccred/tc.pem' <"$KEYS/good.pem"
	assert_success
	assert_verified ca-client tls_client_auth "$KEYS/good.crt"
	grep -qx "tls_cert = $KEYS/good.crt" "$XDG_CONFIG_HOME/ccred/config"
	grep -qx 'auth_method = tls_client_auth' "$XDG_CONFIG_HOME/ccred/config"
	cmp "$HOME/.config/ccred/tc.pem" "$KEYS/good.pem"
	# Without --tls-cert: 78 naming it, nothing stored or written.
	run --separate-stderr "$CCRED" configure nc --token-url "$OIDC_TOKEN_URL" --client-id ca-client \
		--auth-method tls_client_auth --ca-file "$OIDC_CA" \
		--store 'file ~/.config/ccred/nc.pem' <"$KEYS/good.pem"
	assert_failure 78
	[[ $stderr == *"has no tls_cert"* ]] || fail "$stderr"
	[ ! -e "$HOME/.config/ccred/nc.pem" ]
	run grep -c '^\[profile nc\]' "$XDG_CONFIG_HOME/ccred/config"
	assert_output 0
}

@test "doctor: a refused certificate gets advice about the certificate, in Keycloak's words" {
	ca_signed good ca-client
	ca_signed otherca ca-client other-ca
	clients "$(ca_client ca-client)"
	oidc_start --mtls --client-ca="$CCRED_TEST_CERTS/ca.pem" --clients="$CLIENTS_FILE"
	profile ca ca-client tls_client_auth "file $KEYS/otherca.pem" "tls_cert=$KEYS/otherca.crt"
	run --separate-stderr "$CCRED" -p ca doctor
	assert_failure 77
	[[ $output == *"FAIL  token: the provider rejected the request: invalid_client"* ]] || fail "$output"
	[[ $output == *'to fix: check client_id and scope, and that the provider'"'"'s client (Keycloak: "X509 Certificate") takes the certificate in tls_cert: issued by a CA it trusts, with the subject it expects'* ]] ||
		fail "$output"
	# The certificate that is the client's: doctor passes.
	CFG=
	profile ca ca-client tls_client_auth "file $KEYS/good.pem" "tls_cert=$KEYS/good.crt"
	run --separate-stderr "$CCRED" -p ca doctor
	assert_success
}

@test "configure --generate-key: self_signed_tls_client_auth writes the key and --tls-cert's certificate; registered, token; tls_client_auth 64" {
	# The server is not up yet: nothing can prove a key it does not know.
	local url=https://127.0.0.1:9/token cfg=$XDG_CONFIG_HOME/ccred/config
	run --separate-stderr "$CCRED" configure gs --token-url "$url" --client-id gs-client \
		--auth-method self_signed_tls_client_auth --tls-cert "$KEYS/gs.crt" --days 5 \
		--store "file $KEYS/gs.pem" --generate-key </dev/null
	assert_success
	printf '%s\n' "$output" >"$KEYS/gs.jwks"
	assert_equal "$(jq -r '.keys[0] | .alg + " " + .use' "$KEYS/gs.jwks")" "ES256 sig"
	[[ $output$stderr != *'"d"'* && $output$stderr != *PRIVATE* ]] || fail "the private key was shown"
	[[ $stderr == *"wrote the self-signed certificate $KEYS/gs.crt"* ]] || fail "$stderr"
	[[ $stderr == *"register the certificate $KEYS/gs.crt"*"then run 'ccred -p gs doctor'"* ]] || fail "$stderr"
	run openssl x509 -in "$KEYS/gs.crt" -noout -subject
	assert_output 'subject=CN = gs-client'
	# The certificate's key is the stored key, valid --days 5.
	assert_equal "$(openssl x509 -in "$KEYS/gs.crt" -noout -pubkey)" "$(openssl pkey -in "$KEYS/gs.pem" -pubout)"
	assert_equal "$(stat -c %a "$KEYS/gs.pem")" 600
	openssl x509 -in "$KEYS/gs.crt" -noout -checkend $((4 * 86400)) >/dev/null
	run openssl x509 -in "$KEYS/gs.crt" -noout -checkend $((6 * 86400))
	assert_failure
	grep -qx "tls_cert = $KEYS/gs.crt" "$cfg"
	cp "$cfg" "$KEYS/config.before"
	# A certificate that cannot be written: 78 before a key is made.
	run --separate-stderr "$CCRED" configure nw --token-url "$url" --client-id nw-client \
		--auth-method self_signed_tls_client_auth --tls-cert /proc/gk.crt \
		--store "file $KEYS/nw.pem" --generate-key </dev/null
	assert_failure 78
	stdout_empty
	[ ! -e "$KEYS/nw.pem" ]
	cmp "$cfg" "$KEYS/config.before"
	# A profile that cannot be written (no file can be made in /proc) takes
	# the new key back out, and the certificate is not left either.
	run --separate-stderr "$CCRED" -c /proc/ccred-gk-config configure nw --token-url "$url" \
		--client-id nw-client --auth-method self_signed_tls_client_auth --tls-cert "$KEYS/nw.crt" \
		--store "file $KEYS/nw.pem" --generate-key </dev/null
	assert_failure
	stdout_empty
	[[ $stderr == *"nothing was written"* ]] || fail "$stderr"
	[ ! -e "$KEYS/nw.pem" ]
	run find "$KEYS" -name 'nw.crt*'
	assert_output ''
	# tls_client_auth: a CA certifies a key that exists; 64 saying how.
	run --separate-stderr "$CCRED" configure tc --token-url "$url" --client-id tc-client \
		--auth-method tls_client_auth --tls-cert "$KEYS/gs.crt" \
		--store "file $KEYS/tc.pem" --generate-key </dev/null
	assert_failure 64
	stdout_empty
	[[ $stderr == *"cannot go with tls_client_auth"*"--tls-cert and the key on stdin"* ]] || fail "$stderr"
	[ ! -e "$KEYS/tc.pem" ]
	cmp "$cfg" "$KEYS/config.before"
	# Register the certificate; configure with empty stdin then moves the
	# profile to the real endpoint and proves the stored key over mTLS.
	clients "$(ss_client gs-client "$KEYS/gs.jwks" "$KEYS/gs.crt")"
	oidc_start --mtls --clients="$CLIENTS_FILE"
	run --separate-stderr "$CCRED" configure gs --token-url "$OIDC_TOKEN_URL" --ca-file "$OIDC_CA" </dev/null
	assert_success
	run --separate-stderr "$CCRED" -p gs logout
	assert_success
	run --separate-stderr "$CCRED" -p gs token
	assert_success
	assert_issued "$output" gs-client
	assert_verified gs-client self_signed_tls_client_auth "$KEYS/gs.crt"
}
