#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ccred as cargo's credential provider (protocol v1): the real cargo fetching
# a crate from a sparse registry with auth-required (tests/fixtures/
# registry-server.mjs, which lets in only tokens the real oidc-provider
# introspects as active), and the protocol's edge cases spoken directly.

bats_require_minimum_version 1.5.0

setup() {
	load common
	# Found before HOME moves: rustup's cargo finds its toolchains by HOME.
	CARGO_BIN=$(command -v cargo || true)
	[ -n "$CARGO_BIN" ] || [ ! -x "$HOME/.cargo/bin/cargo" ] || CARGO_BIN=$HOME/.cargo/bin/cargo
	if [ -n "$CARGO_BIN" ] && [ -z "${RUSTUP_HOME:-}" ] && [ -d "$HOME/.rustup" ]; then
		export RUSTUP_HOME=$HOME/.rustup
	fi
	ccred_caller_env
}

teardown() {
	ccred_test_teardown
}

need_cargo() {
	[ -n "$CARGO_BIN" ] || skip "cargo is not installed (looked on PATH and in ~/.cargo/bin)"
	"$CARGO_BIN" --version >/dev/null 2>&1 || skip "cargo does not run here: $("$CARGO_BIN" --version 2>&1 | head -n 1)"
}

# reg_start: the registry fixture over http; exports REG_PORT, REG_LOG, REG_ROOT.
reg_start() {
	REG_ROOT=$BATS_TEST_TMPDIR/reg
	REG_LOG=$BATS_TEST_TMPDIR/reg.log
	mkdir -p "$REG_ROOT/index" "$REG_ROOT/crates" "$REG_ROOT/archive"
	ccred_test_server_start REG node "$CCRED_TEST_FIXTURES/registry-server.mjs" \
		--issuer "$OIDC_ISSUER" --log "$REG_LOG" --root "$REG_ROOT"
	_CCRED_TEST_SERVERS="${_CCRED_TEST_SERVERS:-} REG"
	INDEX=http://127.0.0.1:$REG_PORT/cargo/index/
}

# publish_dep1: crate dep1 0.1.0, packaged by cargo, in the registry's index.
publish_dep1() {
	local src=$BATS_TEST_TMPDIR/dep1 crate sum
	mkdir -p "$src/src"
	printf '[package]\nname = "dep1"\nversion = "0.1.0"\nedition = "2021"\ndescription = "t"\nlicense = "MIT"\n' >"$src/Cargo.toml"
	printf 'pub fn answer() -> u32 { 42 }\n' >"$src/src/lib.rs"
	(cd "$src" && "$CARGO_BIN" package -q --allow-dirty --no-verify --offline) || return 1
	crate=$src/target/package/dep1-0.1.0.crate
	cp "$crate" "$REG_ROOT/crates/"
	sum=$(sha256sum "$crate" | cut -d' ' -f1)
	mkdir -p "$REG_ROOT/index/de/p1"
	printf '{"name":"dep1","vers":"0.1.0","deps":[],"cksum":"%s","features":{},"yanked":false}\n' \
		"$sum" >"$REG_ROOT/index/de/p1/dep1"
}

# app_project PROVIDER_WORDS: a project depending on dep1 from registry "loc",
# whose credential-provider is ["$CCRED", PROVIDER_WORDS...], in its own
# CARGO_HOME.
app_project() {
	local app=$BATS_TEST_TMPDIR/app words='' w
	export CARGO_HOME=$BATS_TEST_TMPDIR/cargo-home
	mkdir -p "$app/src" "$CARGO_HOME"
	for w in "$CCRED" "$@"; do
		words+="${words:+, }\"$w\""
	done
	printf '[registries.loc]\nindex = "sparse+%s"\ncredential-provider = [%s]\n[net]\nretry = 0\n' \
		"$INDEX" "$words" >"$CARGO_HOME/config.toml"
	printf '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\ndep1 = { version = "0.1", registry = "loc" }\n' >"$app/Cargo.toml"
	printf 'fn main() { println!("{}", dep1::answer()); }\n' >"$app/src/main.rs"
	APP=$app
}

# Authorization values the registry let in, one a line.
reg_accepted_auth() {
	jq -r 'select(.status < 400) | .authorization' "$REG_LOG"
}

# plugin LINE...: ccred --cargo-plugin fed these request lines.
plugin() {
	local line
	run --separate-stderr bash -c 'for l in "${@:2}"; do printf "%s\n" "$l"; done | "$1" --cargo-plugin' _ "$CCRED" "$@"
}

get_req() {
	printf '{"v":1,"registry":{"index-url":"%s","name":"loc"},"kind":"get","operation":"read","args":%s}' "$1" "${2:-[]}"
}

# --- the real cargo ------------------------------------------------------------

@test "cargo: fetches a crate from an auth-required sparse registry with ccred's token; one grant" {
	need_cargo
	reg_start
	publish_dep1
	ccred_profile reg "url=http://127.0.0.1:$REG_PORT/cargo/"
	app_project
	run "$CARGO_BIN" fetch --manifest-path "$APP/Cargo.toml"
	assert_success
	# the crate itself came through, and every request the registry let in
	# carried the token ccred handed out as "Bearer TOKEN"
	run jq -r 'select(.status == 200) | .path' "$REG_LOG"
	assert_line --partial /cargo/dl/dep1/0.1.0/download
	assert_line /cargo/index/config.json
	tok=$("$CCRED" -p reg token)
	run bash -c 'jq -r "select(.status < 400) | .authorization" "$1" | sort -u' _ "$REG_LOG"
	assert_output "Bearer $tok"
	# one token request for the whole run (config.json, the index, the crate)
	assert_equal "$(oidc_grants post-client)" 1
}

@test "cargo: credential-provider [ccred, cargo, -p NAME] picks that profile; a no-answer profile gives cargo no token" {
	need_cargo
	reg_start
	publish_dep1
	ccred_profile other "url=https://elsewhere.example/"
	ccred_profile reg "url=http://127.0.0.1:$REG_PORT/cargo/index/"
	app_project cargo -p reg
	run "$CARGO_BIN" fetch --manifest-path "$APP/Cargo.toml"
	assert_success
	assert_equal "$(oidc_grants post-client)" 1
	# -p naming a profile whose url does not match: no token for this registry
	rm -rf "$CARGO_HOME" "$APP/Cargo.lock"
	app_project -p other
	run "$CARGO_BIN" fetch --manifest-path "$APP/Cargo.toml"
	assert_failure
	assert_equal "$(oidc_grants post-client)" 1
}

# --- the protocol, spoken directly -------------------------------------------

@test "cargo protocol: hello first; get answers Bearer TOKEN with cache expires and its expiry" {
	ccred_profile reg "url=http://127.0.0.1:9/cargo/"
	before=$(date +%s)
	plugin "$(get_req sparse+http://127.0.0.1:9/cargo/index/)"
	assert_success
	assert_equal "${lines[0]}" '{"v":[1]}'
	assert_equal "${#lines[@]}" 2
	answer=${lines[1]}
	tok=$("$CCRED" -p reg token)
	run jq -c '.Ok | [.kind, .token, .cache, .operation_independent]' <<<"$answer"
	assert_output "[\"get\",\"Bearer $tok\",\"expires\",true]"
	# the token's life: the test OAuth2 server grants 300 s
	exp=$(jq -r .Ok.expiration <<<"$answer")
	((exp > before + 200 && exp < before + 400))
	assert_equal "$(oidc_grants post-client)" 1
}

@test "cargo protocol: a URL no profile answers for is url-not-supported; ccred cargo --cargo-plugin too" {
	ccred_profile reg "url=http://127.0.0.1:9/cargo/"
	run --separate-stderr bash -c 'printf "%s\n" "$2" | "$1" cargo --cargo-plugin' _ "$CCRED" \
		"$(get_req sparse+https://other.example/index/)"
	assert_success
	assert_equal "${lines[1]}" '{"Err":{"kind":"url-not-supported"}}'
	assert_equal "$(oidc_grants)" 0
}

@test "cargo protocol: \$CCRED_PROFILE and the only profile are ignored" {
	ccred_profile only
	CCRED_PROFILE=only plugin "$(get_req sparse+https://registry.example/index/)"
	assert_success
	assert_equal "${lines[1]}" '{"Err":{"kind":"url-not-supported"}}'
	assert_equal "$(oidc_grants)" 0
}

@test "cargo protocol: -p naming a profile whose url does not match is url-not-supported" {
	ccred_profile reg "url=http://127.0.0.1:9/cargo/"
	ccred_profile other "url=https://other.example/"
	plugin "$(get_req sparse+http://127.0.0.1:9/cargo/index/ '["-p","other"]')"
	assert_success
	assert_equal "${lines[1]}" '{"Err":{"kind":"url-not-supported"}}'
	# and -p naming the matching one answers
	plugin "$(get_req sparse+http://127.0.0.1:9/cargo/index/ '["cargo","-p","reg"]')"
	assert_success
	run jq -r .Ok.kind <<<"${lines[1]}"
	assert_output get
}

@test "cargo protocol: login, logout and unknown kinds are operation-not-supported; the login token is never echoed" {
	ccred_profile reg "url=http://127.0.0.1:9/cargo/"
	plugin '{"v":1,"registry":{"index-url":"sparse+http://127.0.0.1:9/cargo/index/"},"kind":"login","token":"sekrit-login-token","args":[]}' \
		'{"v":1,"registry":{"index-url":"sparse+http://127.0.0.1:9/cargo/index/"},"kind":"logout","args":[]}' \
		'{"v":1,"registry":{"index-url":"sparse+http://127.0.0.1:9/cargo/index/"},"kind":"publish-twice","args":[]}'
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_equal "${lines[1]}" '{"Err":{"kind":"operation-not-supported"}}'
	assert_equal "${lines[2]}" '{"Err":{"kind":"operation-not-supported"}}'
	assert_equal "${lines[3]}" '{"Err":{"kind":"operation-not-supported"}}'
	refute_output --partial sekrit
	[[ $stderr != *sekrit* ]]
}

@test "cargo protocol: a failure is Err other with ccred's message, exit 0; an unknown arg too" {
	ccred_profile reg "url=http://127.0.0.1:9/cargo/"
	# a token endpoint nobody listens on: ccred's own error, as Err other
	printf '[profile down]\ntoken_url = http://127.0.0.1:9/token\nclient_id = c\nurl = http://127.0.0.1:8/\nsecret_store = file %s\n' "$SECRET_FILE" >>"$CONFIG"
	plugin "$(get_req sparse+http://127.0.0.1:8/index/)"
	assert_success
	run jq -r '.Err.kind + " " + (.Err.message | length > 0 | tostring)' <<<"${lines[1]}"
	assert_output 'other true'
	plugin "$(get_req sparse+http://127.0.0.1:9/cargo/index/ '["--bogus"]')"
	assert_success
	run jq -r '.Err.message' <<<"${lines[1]}"
	assert_output --partial "unknown argument in credential-provider: '--bogus'"
	plugin '{"v":2,"kind":"get","registry":{"index-url":"http://x/"}}'
	assert_success
	run jq -r '.Err.kind' <<<"${lines[1]}"
	assert_output other
}

@test "cargo protocol: malformed JSON exits 65 with one line on stderr and no answer" {
	ccred_profile reg "url=http://127.0.0.1:9/cargo/"
	for bad in '{"v":1,"kind":"get",}' '{"v":1' 'not json' '{"v":1}{"v":1}' \
		'{"v":01,"kind":"get"}' '{"v":1,"kind":"g\u0000et"}' '[1]' '{"v":1,"kind":"get","kind":"get"}'; do
		plugin "$bad"
		assert_equal "$status" 65
		assert_equal "$output" '{"v":[1]}'
		assert_equal "$(printf '%s\n' "$stderr" | wc -l)" 1
		[[ $stderr == "ccred: malformed request from cargo: "* ]]
	done
	assert_equal "$(oidc_grants)" 0
}

@test "cargo protocol: an over-long line and a NUL byte exit 65; a 60 KiB line is read" {
	ccred_profile reg "url=http://127.0.0.1:9/cargo/"
	run --separate-stderr bash -c 'head -c 70000 /dev/zero | tr "\0" " " | "$1" --cargo-plugin' _ "$CCRED"
	assert_equal "$status" 65
	assert_equal "$output" '{"v":[1]}'
	[[ $stderr == *"over 64 KiB"* ]]
	run --separate-stderr bash -c 'printf "{\"v\":1,\0\"kind\":\"get\"}\n" | "$1" --cargo-plugin' _ "$CCRED"
	assert_equal "$status" 65
	# white space is JSON's: a long but bounded line still gets its answer
	pad=$(head -c 61440 /dev/zero | tr '\0' ' ')
	plugin "$pad$(get_req sparse+http://127.0.0.1:9/cargo/index/)"
	assert_success
	run jq -r .Ok.kind <<<"${lines[1]}"
	assert_output get
}
