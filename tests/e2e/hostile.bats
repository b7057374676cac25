#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The adversarial battery (issue 10): a hostile token endpoint
# (tests/fixtures/hostile-server.mjs) puts CR/LF, NUL, ANSI escapes,
# quotes, backslashes, over-long strings and wrong JSON types into every
# field of a token response, of an OAuth2 error response, of the status
# line and of a Location header; every mode runs against every output.
# The property: nothing the server sends adds a line, a header, a field or
# an option anywhere.  A call either succeeds with exactly the expected
# output (checked by the real consumer where there is one: curl -K-, a
# shell's eval, git credential fill) or fails with the mode's exit status,
# empty stdout (docker: its one-line message, as docker wants it) and one
# line on stderr with no raw control character.
#
# Modes are looped inside the tests (one @test per output group), so the
# whole battery takes seconds; under valgrind every sixth mode runs
# (memcheck makes each run some 30 times slower; the plain and ASan stages
# run them all).

setup_file() {
	load common
	load hardening
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR/srv
	mkdir -p "$BATS_TEST_TMPDIR"
	HOSTILE_LOG=$BATS_FILE_TMPDIR/hostile.log
	: >"$HOSTILE_LOG"
	CCRED_TEST_TMPDIR=$BATS_FILE_TMPDIR ccred_test_server_start HOSTILE \
		node "$CCRED_TEST_FIXTURES/hostile-server.mjs" --log "$HOSTILE_LOG" || return 1
	HOSTILE_ORIGIN=http://127.0.0.1:$HOSTILE_PORT
	curl -sS "$HOSTILE_ORIGIN/modes" >"$BATS_FILE_TMPDIR/modes.json" || return 1
	# One line a mode: NAME EXPECT, with the token and scope in files.
	python3 - "$BATS_FILE_TMPDIR" "${CCRED_TEST_VALGRIND:+6}" <<'EOF' || return 1
import json, os, sys
d, step = sys.argv[1], int(sys.argv[2] or 1)
modes = json.load(open(os.path.join(d, 'modes.json')))
os.makedirs(os.path.join(d, 'want'), exist_ok=True)
with open(os.path.join(d, 'modes'), 'w') as out:
    for i, (m, v) in enumerate(modes.items()):
        if i % step:
            continue
        out.write(f"{m} {v['expect']}\n")
        if v['expect'] == 'ok':
            open(os.path.join(d, 'want', m + '.token'), 'w').write(v['token'])
            open(os.path.join(d, 'want', m + '.scope'), 'w').write(v['scope'])
EOF
	export HOSTILE_ORIGIN HOSTILE_LOG HOSTILE_PID
}

teardown_file() {
	load common
	ccred_test_server_stop HOSTILE
}

setup() {
	load common
	load hardening
	hx_home
	local sec m
	sec=$(hx_secret_file h hostile-secret)
	while read -r m _; do
		ccred_profile "$m" token_url="$HOSTILE_ORIGIN/m/$m" client_id=hostile \
			secret_store="file $sec" cache=no username=ci \
			url=http://git.example url=https://registry.example.com
		ccred_profile "c-$m" token_url="$HOSTILE_ORIGIN/m/$m" client_id=hostile \
			secret_store="file $sec"
	done <"$BATS_FILE_TMPDIR/modes"
	rm -f /tmp/ccred-hostile-pwned
	O=$BATS_TEST_TMPDIR/out E=$BATS_TEST_TMPDIR/err
}

teardown() {
	ccred_test_teardown
}

# posts MODE: token requests the server has had for MODE.
posts() {
	grep -c "\"path\":\"/m/$1\"" "$HOSTILE_LOG" || :
}

# run_out OUTPUT MODE: runs ccred as that output does, stdout to $O, stderr
# to $E, status in RC.
run_out() {
	local out=$1 m=$2
	RC=0
	case $out in
	token | header | json | env | curl-config)
		"$CCRED" -p "$m" "$out" >"$O" 2>"$E" </dev/null || RC=$?
		;;
	exec)
		"$CCRED" -p "$m" exec -- printenv CCRED_ACCESS_TOKEN >"$O" 2>"$E" </dev/null || RC=$?
		;;
	git)
		printf 'protocol=http\nhost=git.example\n\n' |
			"$CCRED" -p "$m" get >"$O" 2>"$E" || RC=$?
		;;
	git-authtype)
		printf 'capability[]=authtype\nprotocol=http\nhost=git.example\n\n' |
			"$CCRED" -p "$m" get >"$O" 2>"$E" || RC=$?
		;;
	docker)
		printf 'registry.example.com\n' |
			"$CCRED" -p "$m" docker get >"$O" 2>"$E" || RC=$?
		;;
	kubectl)
		KUBERNETES_EXEC_INFO='{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"}' \
			"$CCRED" -p "$m" kubectl >"$O" 2>"$E" </dev/null || RC=$?
		;;
	esac
}

# bytes_outside FILE: how many bytes are neither printable ASCII nor newline.
bytes_outside() {
	LC_ALL=C tr -d '\040-\176\n' <"$1" | wc -c | tr -d ' '
}

lines_of() {
	wc -l <"$1" | tr -d ' '
}

fail_with() {
	printf 'mode %s, output %s: %s\n--- stdout\n%s\n--- stderr\n%s\n' "$MODE" "$OUT" "$1" \
		"$(head -c 2000 "$O" | cat -v)" "$(head -c 3000 "$E" | cat -v)" >&2
	# The checks run where set -e does not hold (in `f || return`): end
	# the test here.
	exit 1
}

# The failure half of the property, for exit status $1.
check_failure() {
	[ "$RC" = "$1" ] || fail_with "exit $RC, expected $1"
	[ "$(lines_of "$E")" = 1 ] || fail_with "stderr is not one line"
	[ "$(bytes_outside "$E")" = 0 ] || fail_with "a raw control character on stderr"
	# Each server field is cut to 512 bytes; a message holds at most three.
	[ "$(wc -c <"$E")" -le 2200 ] || fail_with "stderr over 2200 bytes"
	if [ "$OUT" = docker ]; then
		# docker shows the helper's stdout: the same one line.
		[ "$(lines_of "$O")" = 1 ] && [ "$(bytes_outside "$O")" = 0 ] ||
			fail_with "docker's message is not one clean line"
		! grep -q Secret "$O" || fail_with "docker got a credential"
	else
		[ ! -s "$O" ] || fail_with "stdout is not empty"
	fi
	[ ! -e /tmp/ccred-hostile-pwned ] || fail_with "the server's payload ran"
}

# check_json FILE PYTHON-EXPR: FILE is one line of one JSON object, for
# which the expression over o (the object), tok and scope is true.
check_json() {
	[ "$(lines_of "$O")" = 1 ] || fail_with "not one line of JSON"
	python3 - "$O" "$TOK" "$SCOPE" "$1" <<'EOF' || fail_with "JSON: $1"
import json, sys
o = json.loads(open(sys.argv[1]).read())
tok, scope = sys.argv[2], sys.argv[3]
sys.exit(0 if eval(sys.argv[4]) else 1)
EOF
}

# The success half: exactly what the output writes for $TOK and $SCOPE.
check_success() {
	[ "$RC" = 0 ] || fail_with "exit $RC, expected success"
	case $OUT in
	token)
		printf '%s\n' "$TOK" | cmp -s - "$O" || fail_with "not exactly the token"
		;;
	header)
		printf 'Authorization: Bearer %s\n' "$TOK" | cmp -s - "$O" ||
			fail_with "not exactly one Bearer header"
		;;
	json)
		check_json "sorted(o) == sorted(['access_token','token_type','expires_at','expires_in','scope','profile']) and o['access_token'] == tok and o['token_type'] == 'Bearer' and o['scope'] == scope and o['profile'] == '$MODE'"
		;;
	env)
		[ "$(lines_of "$O")" = 2 ] || fail_with "env is not two lines"
		local got
		got=$(bash -c '. "$1" && printf %s "$CCRED_ACCESS_TOKEN"' _ "$O") ||
			fail_with "the shell cannot read env's output"
		[ "$got" = "$TOK" ] || fail_with "the shell read another token"
		;;
	curl-config)
		# Real curl reads it: one option, one Authorization header, ours.
		[ "$(lines_of "$O")" = 1 ] || fail_with "curl-config is not one line"
		curl -sS -K "$O" "$HOSTILE_ORIGIN/echo" -o "$BATS_TEST_TMPDIR/echo" ||
			fail_with "curl refused the config"
		[ "$(grep -ci '^authorization:' "$BATS_TEST_TMPDIR/echo")" = 1 ] ||
			fail_with "curl sent another number of Authorization headers"
		grep -qxF "Authorization: Bearer $TOK" <(tr -d '\r' <"$BATS_TEST_TMPDIR/echo") ||
			fail_with "curl sent another Authorization header"
		! grep -qi '^x-injected' "$BATS_TEST_TMPDIR/echo" || fail_with "curl sent a header more"
		;;
	exec)
		printf '%s\n' "$TOK" | cmp -s - "$O" || fail_with "the child saw another token"
		;;
	git)
		[ "$(sed -n 1,2p "$O")" = "username=ci
password=$TOK" ] && [ "$(lines_of "$O")" = 3 ] &&
			grep -qE '^password_expiry_utc=[0-9]+$' "$O" || fail_with "git's answer has other lines"
		;;
	git-authtype)
		[ "$(sed -n 1,4p "$O")" = "capability[]=authtype
authtype=Bearer
credential=$TOK
ephemeral=1" ] && [ "$(lines_of "$O")" = 5 ] &&
			grep -qE '^password_expiry_utc=[0-9]+$' "$O" || fail_with "git's answer has other lines"
		;;
	docker)
		check_json "o == {'ServerURL': 'registry.example.com', 'Username': 'ci', 'Secret': tok}"
		;;
	kubectl)
		check_json "sorted(o) == ['apiVersion','kind','status'] and o['kind'] == 'ExecCredential' and o['apiVersion'] == 'client.authentication.k8s.io/v1' and sorted(o['status']) == ['expirationTimestamp','token'] and o['status']['token'] == tok"
		;;
	esac
	[ ! -e /tmp/ccred-hostile-pwned ] || fail_with "the server's payload ran"
}

# battery OUTPUT...: every mode against each output.
battery() {
	local n=0
	while read -r MODE EXPECT; do
		for OUT in "$@"; do
			run_out "$OUT" "$MODE"
			if [ "$EXPECT" = ok ]; then
				TOK=$(cat "$BATS_FILE_TMPDIR/want/$MODE.token")
				SCOPE=$(cat "$BATS_FILE_TMPDIR/want/$MODE.scope")
				check_success || return 1
			else
				check_failure "$EXPECT" || return 1
			fi
			n=$((n + 1))
		done
	done <"$BATS_FILE_TMPDIR/modes"
	echo "# $n mode x output runs" >&3
}

@test "hostile: every mode x token, header, json, env, curl-config (real curl), exec" {
	battery token header json env curl-config exec
}

@test "hostile: every mode x git (with and without authtype), docker, kubectl" {
	battery git git-authtype docker kubectl
}

@test "hostile: every mode x real git credential fill: git sees exactly our answer" {
	local n=0 want
	while read -r MODE EXPECT; do
		OUT=git-fill
		RC=0
		printf 'protocol=http\nhost=git.example\n\n' |
			git -c credential.helper= -c "credential.helper=!'$CCRED' -p '$MODE'" \
				-c core.askPass=false credential fill >"$O" 2>"$E" || RC=$?
		if [ "$EXPECT" = ok ]; then
			TOK=$(cat "$BATS_FILE_TMPDIR/want/$MODE.token")
			want=$(printf 'protocol=http\nhost=git.example\nusername=ci\npassword=%s' "$TOK")
			[ "$RC" = 0 ] && [ "$(grep -v '^password_expiry_utc=' "$O")" = "$want" ] ||
				fail_with "git filled in something else"
		else
			# git goes on without us (and its askpass fails): never our lines.
			[ "$RC" != 0 ] && ! grep -q '^password=' "$O" || fail_with "git got a password"
			! grep -q 'evil' "$O" || fail_with "git got the server's host"
		fi
		n=$((n + 1))
	done <"$BATS_FILE_TMPDIR/modes"
	echo "# $n modes through git" >&3
}

@test "hostile: every mode x the cache: the entry read back by a second call is what was fetched" {
	local n=0 before entries
	OUT=cache
	while read -r MODE EXPECT; do
		before=$(posts "$MODE")
		run_out token "c-$MODE"
		if [ "$EXPECT" = ok ]; then
			TOK=$(cat "$BATS_FILE_TMPDIR/want/$MODE.token")
			OUT=token check_success || return 1
			run_out token "c-$MODE"
			OUT=token check_success || return 1
			[ "$(posts "$MODE")" = $((before + 1)) ] || fail_with "the second call was no cache hit"
		else
			check_failure "$EXPECT" || return 1
		fi
		n=$((n + 1))
	done <"$BATS_FILE_TMPDIR/modes"
	# Every entry is the 8 lines the writer writes, a Bearer type, nothing more.
	entries=0
	for f in "$XDG_RUNTIME_DIR"/ccred/*.tok; do
		[ -e "$f" ] || continue
		entries=$((entries + 1))
		[ "$(cut -d' ' -f1 "$f" | tr '\n' ' ')" = "ccred-cache key obtained expires type scope token end " ] ||
			fail_with "entry $f has other lines: $(cat -v "$f")"
		grep -qx 'type Bearer' "$f" || fail_with "entry $f: another type"
	done
	[ "$entries" = "$(grep -c ' ok$' "$BATS_FILE_TMPDIR/modes")" ] ||
		fail_with "$entries entries for $(grep -c ' ok$' "$BATS_FILE_TMPDIR/modes") good modes"
	echo "# $n modes through the cache" >&3
}

# An entry an older ccred wrote for a token_type it then handed out (or one
# that a "Bearer\nexpires …" type had grown a line in) is no hit: the
# token is fetched anew and the entry replaced.
@test "hostile: an older ccred's entry with another type or an injected line is fetched anew" {
	local f before
	grep -q '^type-lower ' "$BATS_FILE_TMPDIR/modes" || skip "mode not in this stage's subset"
	MODE=type-lower OUT=token TOK=tok-lower
	run_out token c-type-lower
	check_success
	f=$(ls "$XDG_RUNTIME_DIR"/ccred/*.tok)
	sed -i 's/^type Bearer$/type mac/' "$f"
	before=$(posts type-lower)
	run_out header c-type-lower
	OUT=header check_success
	[ "$(posts type-lower)" = $((before + 1)) ] || fail_with "the mac entry was handed out"
	grep -qx 'type Bearer' "$f" || fail_with "the entry was not replaced"
	# A line of an injected type: "type Bearer" then "expires 9999999999".
	sed -i 's/^type Bearer$/type Bearer\nexpires 9999999999/' "$f"
	before=$(posts type-lower)
	run_out token c-type-lower
	check_success
	[ "$(posts type-lower)" = $((before + 1)) ] || fail_with "the injected entry was a hit"
	! grep -q 9999999999 "$f" || fail_with "the injected expiry survived"
}
