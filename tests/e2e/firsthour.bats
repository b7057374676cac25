#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A new user's first hour (issue 11, parts 3 to 6), with the real
# oidc-provider, real git and a real gnome-keyring: a broken profile fails
# only what uses it; help and global options after the command word;
# suggested commands carry -c and -p; doctor's report on stdout, --json for
# doctor, profiles and secret status; doctor's advice for https to an http
# server, an issuer answering 404, an unsafe secret link, a locked keyring
# and no D-Bus; Kubernetes secret volumes (kubelet's exact layout) read as a
# non-root user, and their unsafe variants refused.

bats_require_minimum_version 1.5.0

setup() {
	load common
	load ccred-helpers # introspect, assert_live
	load setup-helpers
	ccred_env
	export GIT_ASKPASS=/bin/false
	ccred_secret_file post-secret-1
	K8S_DIRS=()
}

teardown() {
	local d
	for d in "${K8S_DIRS[@]}"; do
		rm -rf -- "$d"
	done
	ccred_test_teardown
}

# good_and_bad: profile "good" (the real server, url https://git.good.test)
# and profile "bad" whose token_url is plain http to a remote host.
good_and_bad() {
	ccred_config "[profile good]
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read
secret_store = file $SECRET_FILE
url = https://git.good.test
[profile bad]
token_url = http://auth.example.com/token
client_id = post-client
secret_store = file $SECRET_FILE
url = https://git.bad.test"
}

# git_fill URL: real git asks ccred (credential.helper) for URL.
git_fill() {
	run --separate-stderr bash -c 'printf "url=%s\n\n" "$1" |
		git -c credential.helper= -c "credential.helper=$2 $3" credential fill' _ "$1" "$CCRED" "${2:-}"
}

no_secret_in_output() {
	[[ $output != *post-secret-1* && $stderr != *post-secret-1* ]] || fail "the secret was printed"
	! grep -qE '[A-Za-z0-9_-]{43}' <<<"$output" || fail "something token-shaped was printed: $output"
}

# --- 3: config errors contained -----------------------------------------------

@test "a profile with plain http to a remote host fails only itself: token, profiles, git" {
	oidc_start
	good_and_bad
	run --separate-stderr "$CCRED" -p good token
	assert_equal "$status" 0
	assert_live "$output" post-client api:read
	run --separate-stderr "$CCRED" -p bad token
	assert_equal "$status" 78
	assert_equal "$output" ""
	assert_equal "$stderr" "ccred: $CONFIG:8: plain http to 'auth.example.com' would send the client secret in clear; use https (http is allowed only for loopback hosts)"
	# profiles lists both, the broken one with its error.
	run --separate-stderr "$CCRED" profiles
	assert_equal "$status" 0
	assert_line "good"
	assert_line "  endpoint:  $OIDC_TOKEN_URL"
	assert_line "bad"
	assert_line "  error:     $CONFIG:8: plain http to 'auth.example.com' would send the client secret in clear; use https (http is allowed only for loopback hosts)"
	# Real git: the good host gets its token; the broken profile is passed
	# over (-v says so) and answers for nothing.
	git_fill https://git.good.test/repo.git
	assert_equal "$status" 0
	assert_line "username=post-client"
	assert_line --regexp '^password=.{20,}$'
	git_fill https://git.bad.test/repo.git -v
	assert_failure
	[[ $stderr == *"ccred: passing over profile 'bad': $CONFIG:8: plain http to 'auth.example.com'"* ]] ||
		fail "-v does not say the broken profile was passed over: $stderr"
	[[ $output != *password=* ]] || fail "a token for the broken profile's host: $output"
}

@test "a profile's unknown key fails that profile with did-you-mean; [defaults] and syntax fail all" {
	oidc_start
	ccred_config "[profile good]
token_url = $OIDC_TOKEN_URL
client_id = post-client
secret_store = file $SECRET_FILE
[profile typo]
tokenurl = $OIDC_TOKEN_URL
client_id = post-client"
	run --separate-stderr "$CCRED" -p good token
	assert_equal "$status" 0
	run --separate-stderr "$CCRED" -p typo token
	assert_equal "$status" 78
	assert_equal "$stderr" "ccred: $CONFIG:6: unknown key 'tokenurl' (did you mean 'token_url'?)"
	run --separate-stderr "$CCRED" profiles --json
	assert_equal "$status" 0
	assert_equal "$(jq -r '.[] | [.name, .error // "-"] | @tsv' <<<"$output")" \
		"$(printf 'good\t-\ntypo\t%s' "$CONFIG:6: unknown key 'tokenurl' (did you mean 'token_url'?)")"
	# [defaults] reaches every profile: its typo fails every command.
	printf '[defaults]\nscoep = api:read\n' >>"$CONFIG"
	run --separate-stderr "$CCRED" -p good token
	assert_equal "$status" 78
	assert_equal "$output" ""
	assert_equal "$stderr" "ccred: $CONFIG:9: unknown key 'scoep' (did you mean 'scope'?)"
	# A line that is not a header, key = value or comment: every command.
	sed -i '$d' "$CONFIG"
	sed -i '$d' "$CONFIG"
	printf 'just some words\n' >>"$CONFIG"
	run --separate-stderr "$CCRED" profiles
	assert_equal "$status" 78
	assert_equal "$stderr" "ccred: $CONFIG:8: expected key = value"
}

# --- 5: help and the command line ------------------------------------------------

@test "help CMD, CMD --help and help: usage on stdout, exit 0; exit 70 documented" {
	local c
	for c in token doctor profiles exec secret; do
		run --separate-stderr "$CCRED" help "$c"
		assert_equal "$status" 0
		assert_line --index 0 --partial "usage: ccred [-p PROFILE] [-c CONFIG] [-v] [--min-ttl SECONDS] $c"
		assert_equal "$stderr" ""
		local via_help=$output
		run --separate-stderr "$CCRED" "$c" --help
		assert_equal "$status" 0
		assert_equal "$output" "$via_help"
	done
	run --separate-stderr "$CCRED" help configure
	assert_equal "$status" 0
	assert_line --index 0 --partial "usage: ccred [-c CONFIG] configure [NAME]"
	run --separate-stderr "$CCRED" help
	assert_equal "$status" 0
	assert_output --partial "70 internal error (a"
	assert_output --partial "module missing or broken)"
	run --separate-stderr "$CCRED" --help
	assert_output --partial "70 internal error"
	run --separate-stderr "$CCRED" help tokne
	assert_equal "$status" 64
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "ccred: unknown command 'tokne' (did you mean 'token'?)"
}

@test "global options after the command word; not after -- or exec's CMD" {
	oidc_start
	ccred_config "[profile a]
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read
secret_store = file $SECRET_FILE
[profile b]
token_url = $OIDC_TOKEN_URL
client_id = limited-client"
	run --separate-stderr "$CCRED" token -p a
	assert_equal "$status" 0
	assert_live "$output" post-client api:read
	run --separate-stderr "$CCRED" json --profile=a -v
	assert_equal "$status" 0
	assert_equal "$(jq -r .profile <<<"$output")" a
	[[ $stderr == *"profile 'a'"* ]] || fail "-v after the command did not trace: $stderr"
	cp "$CONFIG" "$BATS_TEST_TMPDIR/other.conf"
	run --separate-stderr "$CCRED" token -c "$BATS_TEST_TMPDIR/other.conf" -pa --min-ttl 10
	assert_equal "$status" 0
	# exec: options before CMD are ccred's; after CMD they are CMD's.
	run --separate-stderr "$CCRED" exec -p a -- sh -c 'printf "%s|" "$@"; test -n "$CCRED_ACCESS_TOKEN" && echo tok' sh -p b
	assert_equal "$status" 0
	assert_output "-p|b|tok"
	run --separate-stderr "$CCRED" exec -p a printf '%s|' -p b
	assert_equal "$status" 0
	assert_output "-p|b|"
	# A typo names the command meant.
	run --separate-stderr "$CCRED" -p a tokne
	assert_equal "$status" 64
	assert_equal "${stderr_lines[0]}" "ccred: unknown command 'tokne' (did you mean 'token'?)"
	run --separate-stderr "$CCRED" token -p
	assert_equal "$status" 64
}

@test "suggested commands carry the user's -c and -p" {
	oidc_start
	local conf=$BATS_TEST_TMPDIR/my\ ccred.conf
	printf '[profile w]\ntoken_url = %s\nclient_id = post-client\nsecret_store = file %s/nothing-here\n' \
		"$OIDC_TOKEN_URL" "$BATS_TEST_TMPDIR" >"$conf"
	chmod 600 "$conf"
	run --separate-stderr "$CCRED" -c "$conf" token -p w
	assert_equal "$status" 69
	[[ $stderr == *"store it with 'ccred -c '$conf' -p w secret set'"* ]] || fail "$stderr"
	run --separate-stderr "$CCRED" -c "$conf" -p nosuch token
	assert_equal "$status" 78
	assert_equal "$stderr" "ccred: no profile 'nosuch' in the configuration; set it up with 'ccred -c '$conf' configure nosuch'"
	run --separate-stderr "$CCRED" -c "$conf" -p ww token
	assert_equal "$stderr" "ccred: no profile 'ww' in the configuration (did you mean 'w'?)"
	run --separate-stderr "$CCRED" -c "$conf" -p w doctor
	assert_line "      to fix: store it: ccred -c '$conf' -p w secret set"
	: >"$BATS_TEST_TMPDIR/empty.conf"
	chmod 600 "$BATS_TEST_TMPDIR/empty.conf"
	run --separate-stderr "$CCRED" -c "$BATS_TEST_TMPDIR/empty.conf" token
	assert_equal "$status" 78
	[[ $stderr == *"run 'ccred -c $BATS_TEST_TMPDIR/empty.conf configure'"* ]] || fail "$stderr"
}

@test "git-credential-ccred run by hand says it is a git helper (64); git itself still works" {
	oidc_start
	ln -s "$CCRED" "$BATS_TEST_TMPDIR/git-credential-ccred"
	run --separate-stderr "$BATS_TEST_TMPDIR/git-credential-ccred"
	assert_equal "$status" 64
	assert_equal "$output" ""
	[[ $stderr == *"a git credential helper"* && $stderr == *"credential.https://HOST.helper ccred"* ]] ||
		fail "$stderr"
	ccred_config "[profile g]
token_url = $OIDC_TOKEN_URL
client_id = post-client
secret_store = file $SECRET_FILE
url = https://git.good.test"
	run --separate-stderr bash -c 'printf "url=https://git.good.test/x\n\n" |
		PATH=$1:$PATH git -c credential.helper=ccred credential fill' _ "$BATS_TEST_TMPDIR"
	assert_equal "$status" 0
	assert_line "username=post-client"
}

# --- 6: doctor and --json -----------------------------------------------------

@test "doctor's report is on stdout, failing or not; doctor, profiles, secret status --json" {
	oidc_start
	ccred_config "[profile t]
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read
secret_store = file $SECRET_FILE"
	run --separate-stderr bash -c '"$CCRED" -p t doctor | cat'
	assert_equal "$status" 0
	assert_line "ccred doctor: all good"
	assert_equal "$stderr" ""
	run --separate-stderr "$CCRED" -p t doctor --json
	assert_equal "$status" 0
	no_secret_in_output
	assert_equal "$(jq -r '[.profile, .ok, .exit_status, .problems] | @tsv' <<<"$output")" "$(printf 't\ttrue\t0\t0')"
	assert_equal "$(jq -r '.steps[] | select(.step == "token") | .result' <<<"$output")" ok
	# failing: still on stdout, with the exit status in it
	(umask 077 && printf 'wrong-secret\n' >"$SECRET_FILE")
	run --separate-stderr "$CCRED" -p t doctor --json
	assert_equal "$status" 77
	assert_equal "$stderr" ""
	assert_equal "$(jq -r '[.ok, .exit_status] | @tsv' <<<"$output")" "$(printf 'false\t77')"
	assert_equal "$(jq -r '.steps[] | select(.result == "fail") | .step' <<<"$output")" token
	[[ $output != *wrong-secret* ]] || fail "the secret was printed"
	(umask 077 && printf 'post-secret-1\n' >"$SECRET_FILE")
	"$CCRED" -p t token >/dev/null
	run --separate-stderr "$CCRED" profiles --json
	assert_equal "$status" 0
	no_secret_in_output
	assert_equal "$(jq -r '.[0] | [.name, .token_url, .client_id, .scope, .secret_store[0], .cache, (.token_expires_in > 200), .error] | @tsv' <<<"$output")" \
		"$(printf 't\t%s\tpost-client\tapi:read\tfile %s\ttrue\ttrue\t' "$OIDC_TOKEN_URL" "$SECRET_FILE")"
	run --separate-stderr "$CCRED" -p t secret status --json
	assert_equal "$status" 0
	no_secret_in_output
	assert_equal "$(jq -r '[.profile, .found, .store, (.passed_over | length)] | @tsv' <<<"$output")" \
		"$(printf 't\ttrue\tfile %s\t0' "$SECRET_FILE")"
}

@test "doctor: https to a plain-http server says so, not 'set ca_file'" {
	oidc_start
	ccred_config "[profile t]
token_url = https://127.0.0.1:$OIDC_PORT/token
client_id = post-client
secret_store = file $SECRET_FILE"
	run --separate-stderr "$CCRED" -p t doctor
	assert_equal "$status" 75
	assert_line --regexp "^FAIL  tls: "
	assert_line "      to fix: the server answers plain http, not TLS, on that port: check the scheme and port in token_url (or issuer)"
	refute_output --partial "set ca_file"
}

@test "doctor: an issuer answering 404 is told where the issuer is" {
	oidc_start
	ccred_config "[profile t]
issuer = $OIDC_ISSUER/no/such/realm
client_id = post-client
secret_store = file $SECRET_FILE"
	run --separate-stderr "$CCRED" -p t doctor
	assert_failure
	assert_line --regexp "^FAIL  token: .*404"
	assert_line --partial "      to fix: the issuer has no discovery document there: issuer is the URL before /.well-known/openid-configuration"
}

@test "doctor: a keyring that is locked, and no D-Bus at all: advice that works" {
	oidc_start
	ccred_config "[profile t]
token_url = $OIDC_TOKEN_URL
client_id = post-client
secret_store = libsecret"
	run --separate-stderr "$CCRED" -p t doctor
	assert_equal "$status" 69
	assert_line "      to fix: no Secret Service here: add the line 'secret_store = file ~/.config/ccred/t.secret' to [profile t] in $CONFIG, then run ccred -p t secret set"
	refute_output --partial "store it"
	run --separate-stderr "$CCRED" -p t token
	assert_equal "$status" 69
	[[ $stderr != *"secret set"* ]] || fail "suggests secret set with no D-Bus: $stderr"
	ccred_test_keyring_start_locked "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	run --separate-stderr "$CCRED" -c "$CONFIG" -p t doctor
	assert_equal "$status" 69
	assert_line --regexp "^FAIL  store 1 'libsecret': .* is locked"
	assert_line "      to fix: unlock the keyring, then store it if it is not there: ccred -c $CONFIG -p t secret set"
	refute_line --partial "to fix: store it"
}

# --- 4: Kubernetes secret volumes ---------------------------------------------------

# k8s_volume MODE OWNER: kubelet's layout in a fresh 1777 volume root under
# /tmp: ..TIMESTAMP/secret (MODE, OWNER), ..data -> ..TIMESTAMP,
# secret -> ..data/secret, all else root's; exports VOL.  A config readable
# by the user in $KCONF, a runtime dir of the user's in $KRUN.
k8s_volume() {
	local ts=..2026_12_03_10_00_00.123456789
	VOL=$(mktemp -d /tmp/ccred-k8s.XXXXXX)
	K8S_DIRS+=("$VOL")
	chmod 1777 "$VOL"
	mkdir -m 755 "$VOL/$ts"
	printf 'post-secret-1\n' >"$VOL/$ts/secret"
	chown "$2" "$VOL/$ts/secret"
	chmod "$1" "$VOL/$ts/secret"
	ln -s "$ts" "$VOL/..data"
	ln -s ..data/secret "$VOL/secret"
	local c
	c=$(mktemp -d /tmp/ccred-k8s-home.XXXXXX)
	K8S_DIRS+=("$c")
	chmod 755 "$c"
	mkdir -m 700 "$c/run"
	chown 65534 "$c/run"
	KCONF=$c/config KRUN=$c/run KHOME=$c
	printf '[profile k]\ntoken_url = %s\nclient_id = post-client\nscope = api:read\nsecret_store = file %s/secret\n' \
		"$OIDC_TOKEN_URL" "$VOL" >"$KCONF"
	chmod 644 "$KCONF"
}

# as_user GROUPS ARGS...: ccred as uid 65534 (nobody) with the given
# supplementary groups ("" for none).
as_user() {
	local groups=$1
	shift
	# valgrind's wrapper writes its logs where only root may
	[ -z "${CCRED_TEST_VALGRIND:-}" ] || skip "runs ccred as another uid"
	local g=(--clear-groups)
	[ -z "$groups" ] || g=(--groups="$groups")
	run --separate-stderr env HOME="$KHOME" XDG_RUNTIME_DIR="$KRUN" CCRED_SYSCONFDIR="$KHOME/etc" \
		setpriv --reuid=65534 --regid=65534 "${g[@]}" "$CCRED" -c "$KCONF" -p k "$@"
}

@test "kubernetes: fsGroup 0440 (root's file, the user's group) read as a non-root user" {
	oidc_start
	k8s_volume 0440 root:4242
	as_user 4242 token
	assert_equal "$status" 0
	assert_live "$output" post-client api:read
	# runAsUser, defaultMode 0400: the file is the user's
	k8s_volume 0400 65534:65534
	as_user "" token
	assert_equal "$status" 0
	assert_live "$output" post-client api:read
	as_user "" secret status
	assert_equal "$output" "profile 'k': client secret found in file $VOL/secret"
}

@test "kubernetes: unsafe variants of kubelet's layout are refused (78)" {
	oidc_start
	use_ts() { printf '%s/..2026_12_03_10_00_00.123456789' "$VOL"; }
	# not in the user's groups
	k8s_volume 0440 root:4242
	as_user "" token
	assert_equal "$status" 78
	assert_equal "$output" ""
	[[ $stderr == *"is root's (group 4242, mode 0440) and not readable by you"* ]] || fail "$stderr"
	# readable by others
	k8s_volume 0444 root:4242
	as_user 4242 token
	assert_equal "$status" 78
	[[ $stderr == *"root's with permissions 0444"* ]] || fail "$stderr"
	# root's 0400: the user cannot read it
	k8s_volume 0400 root:root
	as_user "" token
	assert_equal "$status" 78
	# the key link owned by another user
	k8s_volume 0440 root:4242
	chown -h 4243 "$VOL/secret"
	as_user 4242 token
	assert_equal "$status" 78
	[[ $stderr == *"the symbolic link $VOL/secret is owned by uid 4243, not you or root"* ]] || fail "$stderr"
	# ..data owned by another user
	k8s_volume 0440 root:4242
	chown -h 4243 "$VOL/..data"
	as_user 4242 token
	assert_equal "$status" 78
	# a group-writable directory on the way
	k8s_volume 0440 root:4242
	chmod 775 "$(use_ts)"
	as_user 4242 token
	assert_equal "$status" 78
	[[ $stderr == *"directory $(use_ts) is writable by group or others (mode 0775)"* ]] || fail "$stderr"
	# the timestamped directory owned by another user
	k8s_volume 0440 root:4242
	chown 4243 "$(use_ts)"
	as_user 4242 token
	assert_equal "$status" 78
	# ..data pointing at a directory another user controls
	k8s_volume 0440 root:4242
	local evil
	evil=$(mktemp -d /tmp/ccred-k8s-evil.XXXXXX)
	K8S_DIRS+=("$evil")
	chmod 755 "$evil"
	chown 4243 "$evil"
	cp -p "$(use_ts)/secret" "$evil/secret"
	ln -sfn "$evil" "$VOL/..data"
	as_user 4242 token
	assert_equal "$status" 78
	[[ $stderr == *"directory $evil is owned by uid 4243"* ]] || fail "$stderr"
	# doctor: the advice fits a link chain, not "chmod 600"
	k8s_volume 0440 root:4242
	chown -h 4243 "$VOL/secret"
	as_user 4242 doctor
	assert_equal "$status" 78
	assert_line --partial "to fix: make the file, and every link and directory on its path, yours or root's"
	refute_output --partial "chmod 600"
}

# --- docs: completions know the new words ---------------------------------------------

@test "completion: help, --json and global options after the command complete in bash, zsh and fish" {
	complete_words() {
		# shellcheck source=/dev/null
		. "$CCRED_SRCDIR/completions/ccred"
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_ccred
		printf '%s\n' "${COMPREPLY[@]}"
	}
	ccred_config "[profile layer1]
token_url = https://a.example/t
client_id = c"
	run complete_words "$CCRED" help tok
	assert_output token
	run complete_words "$CCRED" doctor --j
	assert_output --json
	run complete_words "$CCRED" profiles --
	assert_line --json
	assert_line --names
	run complete_words "$CCRED" secret status --j
	assert_output --json
	run complete_words "$CCRED" token -p ''
	assert_output layer1
	run complete_words "$CCRED" token --pro
	assert_output --profile
	run complete_words "$CCRED" ''
	assert_line help
	run complete_words "$CCRED" hel
	assert_output help
	command -v zsh >/dev/null || skip "zsh is not installed"
	command -v fish >/dev/null || skip "fish is not installed"
	run zsh -n "$CCRED_SRCDIR/completions/_ccred"
	assert_success
	run fish -c "source '$CCRED_SRCDIR/completions/ccred.fish'; complete -C '$CCRED doctor --'; complete -C '$CCRED token -p '"
	assert_success
	assert_line --partial "--json"
	assert_line --partial layer1
}
