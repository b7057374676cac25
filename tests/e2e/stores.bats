#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The secret-store stack, end to end through the ccred command, against the
# real oidc-provider and a real headless gnome-keyring.
#
# The cases every store must pass (set, status, a token, overwrite,
# delete, special, 4 KiB, unicode and PEM secrets, the newline rule, never
# on a command line) are one battery over every store: store-battery.bats.
# Here: the stack's own rules, what is particular to a store (libsecret's
# item attributes, the command store's timeout, systemd's directory), and
# the secret's absence from every command line and from memory.

bats_require_minimum_version 1.5.0

setup() {
	load common
	load setup-helpers
	ccred_env
}

teardown() {
	# A failed assertion must not leave the command-line watcher running.
	[ -z "${WATCH_STOP:-}" ] || touch "$WATCH_STOP"
	ccred_test_teardown
}

# use_store STORE: make STORE reachable here; sets STORE_LINE and STORE_DESC
# (how ccred names it in messages).
use_store() {
	case $1 in
	libsecret)
		ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
		STORE_LINE=libsecret
		STORE_DESC='libsecret (the Secret Service'
		;;
	file)
		STORE_LINE='file ~/.config/ccred/t.secret'
		STORE_DESC="file $HOME/.config/ccred/t.secret"
		;;
	*) return 64 ;;
	esac
}

# profile_t CLIENT STORE_LINE...: profile t at the oidc server.
profile_t() {
	local client=$1 l cfg
	shift
	cfg="[profile t]
token_url = $OIDC_TOKEN_URL
client_id = $client
timeout = 5"
	for l in "$@"; do
		cfg+=$'\n'"secret_store = $l"
	done
	ccred_config "$cfg"
}

# set_secret FMT [ARGS]: printf FMT into `ccred -p t secret set`.
set_secret() {
	local fmt=$1
	shift
	# shellcheck disable=SC2059 # the format is the point
	printf "$fmt" "$@" | "$CCRED" -p t secret set
}

@test "libsecret: the item is found by secret-tool with client_id and token_url" {
	oidc_start
	use_store libsecret
	profile_t post-client libsecret
	run set_secret '%s\n' post-secret-1
	assert_success
	run secret-tool search --all client_id post-client token_url "$OIDC_TOKEN_URL"
	assert_success
	assert_output --partial "attribute.client_id = post-client"
	assert_output --partial "attribute.token_url = $OIDC_TOKEN_URL"
}

# --- the stack ---------------------------------------------------------------

@test "stack: libsecret without a session bus falls through to file" {
	oidc_start
	profile_t post-client libsecret 'file ~/.config/ccred/t.secret'
	[ ! -e "$XDG_RUNTIME_DIR/bus" ]
	run --separate-stderr set_secret '%s\n' post-secret-1
	assert_success
	[[ $stderr == *"passed over libsecret: no D-Bus session bus"* ]]
	[[ $stderr == *"stored the client secret of profile 't' in file $HOME/.config/ccred/t.secret"* ]]
	run --separate-stderr "$CCRED" -p t secret status
	assert_success
	assert_line --index 0 "profile 't': client secret found in file $HOME/.config/ccred/t.secret"
	assert_line --index 1 --partial "passed over libsecret: no D-Bus session bus"
	run --separate-stderr "$CCRED" -p t token
	assert_success
	assert_equal "$(oidc_grants post-client)" 1
}

@test "stack: a bus without a Secret Service falls through to file" {
	oidc_start
	ccred_test_bus_start_noservice "$BATS_TEST_TMPDIR/bus"
	profile_t post-client libsecret 'file ~/.config/ccred/t.secret'
	run --separate-stderr set_secret '%s\n' post-secret-1
	assert_success
	[[ $stderr == *"passed over libsecret: no Secret Service on the session bus"* ]]
	run --separate-stderr "$CCRED" -p t token
	assert_success
}

@test "stack: a locked keyring is passed over and named, never 'not found'" {
	oidc_start
	ccred_test_keyring_start_locked "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	profile_t post-client libsecret 'file ~/.config/ccred/t.secret'
	run --separate-stderr set_secret '%s\n' post-secret-1
	assert_success
	[[ $stderr == *"passed over libsecret: the keyring (collection 'login') is locked"* ]]
	run --separate-stderr "$CCRED" -p t secret status
	assert_success
	assert_line --index 1 --partial "passed over libsecret: the keyring (collection 'login') is locked"
	run "$CCRED" -p t token
	assert_success
	# With the keyring alone: 69, and the message says locked.
	profile_t post-client libsecret
	run "$CCRED" -p t logout
	run --separate-stderr "$CCRED" -p t token
	assert_failure 69
	assert_output ''
	[[ $stderr == *"is locked; unlock it"* ]]
	[[ $stderr != *"secret set"* ]]
}

@test "stack: every store unavailable is 69, naming what each said" {
	oidc_start
	ccred_test_bus_start_noservice "$BATS_TEST_TMPDIR/bus"
	profile_t post-client libsecret 'env CCRED_TEST_UNSET' 'file ~/missing.secret' \
		'systemd layer1' 'command false' 'nosuchstore'
	unset CCRED_TEST_UNSET
	run --separate-stderr "$CCRED" -p t token
	assert_failure 69
	assert_output ''
	[[ $stderr == *"no client secret for profile 't': "* ]]
	[[ $stderr == *"libsecret: no Secret Service on the session bus"* ]]
	[[ $stderr == *"env CCRED_TEST_UNSET: not set"* ]]
	[[ $stderr == *"file $HOME/missing.secret: no such file"* ]]
	[[ $stderr == *'systemd layer1: $CREDENTIALS_DIRECTORY is not set'* ]]
	[[ $stderr == *"command false: exited with status 1"* ]]
	[[ $stderr == *"nosuchstore: store module not installed"* ]]
	run --separate-stderr "$CCRED" -p t secret status
	assert_failure 69
	assert_output ''
	assert_equal "$(oidc_grants)" 0
	assert_equal "$(oidc_grant_errors)" 0
}

@test "stack: an empty env variable counts as absent" {
	oidc_start
	profile_t post-client 'env CCRED_TEST_SECRET' 'file ~/.config/ccred/t.secret'
	printf '%s\n' post-secret-1 >"$HOME/.config/ccred/t.secret"
	chmod 600 "$HOME/.config/ccred/t.secret"
	CCRED_TEST_SECRET='' run --separate-stderr "$CCRED" -p t secret status
	assert_success
	assert_line --index 0 "profile 't': client secret found in file $HOME/.config/ccred/t.secret"
	assert_line --index 1 "  passed over env CCRED_TEST_SECRET: not set"
	profile_t post-client 'env CCRED_TEST_SECRET'
	CCRED_TEST_SECRET='' run --separate-stderr "$CCRED" -p t token
	assert_failure 69
	[[ $stderr == *"env CCRED_TEST_SECRET: not set"* ]]
	# Set, it answers: the secret comes from the environment, not argv.
	export CCRED_TEST_SECRET=post-secret-1
	run --separate-stderr "$CCRED" -p t token
	assert_success
	assert_equal "$(oidc_grants post-client)" 1
}

@test "stack: an insecure file is a configuration error (78), never passed over" {
	oidc_start
	profile_t post-client 'file ~/.config/ccred/t.secret' 'env CCRED_TEST_SECRET'
	export CCRED_TEST_SECRET=post-secret-1
	printf '%s\n' post-secret-1 >"$HOME/.config/ccred/t.secret"
	chmod 640 "$HOME/.config/ccred/t.secret"
	run --separate-stderr "$CCRED" -p t token
	assert_failure 78
	assert_output ''
	[[ $stderr == *"permissions 0640 are too open; run chmod 600"* ]]
	run --separate-stderr "$CCRED" -p t secret status
	assert_failure 78
	chmod 600 "$HOME/.config/ccred/t.secret"
	run "$CCRED" -p t token
	assert_success
}

@test "stack: secret set passes over read-only stores and says so" {
	oidc_start
	profile_t post-client 'env CCRED_TEST_SECRET' 'command cat /nonexistent' 'systemd layer1'
	run --separate-stderr set_secret '%s\n' post-secret-1
	assert_failure 78
	assert_output ''
	[[ $stderr == *"could not store the secret of profile 't'"* ]]
	[[ $stderr == *"env CCRED_TEST_SECRET: read-only store"* ]]
	[[ $stderr == *"command cat /nonexistent: read-only store"* ]]
	[[ $stderr == *"systemd layer1: read-only store"* ]]
	# A writable store after them takes it.
	profile_t post-client 'env CCRED_TEST_SECRET' 'file ~/.config/ccred/t.secret'
	run --separate-stderr set_secret '%s\n' post-secret-1
	assert_success
	[[ $stderr == *"passed over env CCRED_TEST_SECRET: read-only store"* ]]
}

@test "stack: a store module that cannot be loaded fails closed" {
	oidc_start
	local mods=$BATS_TEST_TMPDIR/modules
	mkdir -p "$mods/stores"
	ln -s "$CCRED_MODULE_DIR/http-curl.so" "$mods/http-curl.so"
	printf 'not an ELF object\n' >"$mods/stores/broken.so"
	profile_t post-client broken 'file ~/.config/ccred/t.secret'
	printf '%s\n' post-secret-1 >"$HOME/.config/ccred/t.secret"
	chmod 600 "$HOME/.config/ccred/t.secret"
	CCRED_MODULE_DIR=$mods run --separate-stderr "$CCRED" -p t token
	assert_failure 70
	assert_output ''
	[[ $stderr == *"broken: store module $mods/stores/broken.so cannot be loaded"* ]]
	assert_equal "$(oidc_grants)" 0
}

# --- command -----------------------------------------------------------------

@test "command: a command that prints nothing is passed over, and named" {
	oidc_start
	profile_t post-client 'command true' 'file ~/.config/ccred/t.secret'
	printf '%s\n' post-secret-1 >"$HOME/.config/ccred/t.secret"
	chmod 600 "$HOME/.config/ccred/t.secret"
	run --separate-stderr "$CCRED" -p t secret status
	assert_success
	assert_line --index 1 "  passed over command true: printed no secret (first line of output is empty)"
	run "$CCRED" -p t token
	assert_success
	profile_t post-client 'command true'
	run "$CCRED" -p t logout
	run --separate-stderr "$CCRED" -p t token
	assert_failure 69
	[[ $stderr == *"command true: printed no secret"* ]]
}

@test "command: a failing command is named with its status" {
	oidc_start
	profile_t post-client "command sh -c 'echo oops >&2; exit 3'"
	run --separate-stderr "$CCRED" -p t token
	assert_failure 69
	assert_output ''
	[[ $stderr == *"command sh: exited with status 3"* ]]
	[[ $stderr == *oops* ]]
}

@test "command: a hanging command is killed at the timeout, with what it started" {
	oidc_start
	local pidfile=$BATS_TEST_TMPDIR/child.pid
	profile_t post-client "command sh -c 'sleep 60 & echo \$! > $pidfile; wait'"
	sed -i 's/^timeout = 5$/timeout = 2/' "$XDG_CONFIG_HOME/ccred/config"
	local start end
	start=$(date +%s%N)
	run --separate-stderr "$CCRED" -p t token
	end=$(date +%s%N)
	assert_failure 69
	assert_output ''
	[[ $stderr == *"command sh: timed out after 2 s"* ]]
	# Bounded by the timeout plus a slack that scales with the stage.
	local took=$(((end - start) / 1000000)) bound
	bound=$(ccred_time_bound_ms 2)
	((took <= bound)) || fail "took $took ms, over the $bound ms bound"
	# What it started went with its process group.
	local pid i=0
	pid=$(cat "$pidfile")
	while _cct_alive "$pid" && [ $i -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! _cct_alive "$pid"
}

@test "command: trailing spaces of the first line are part of the secret" {
	extra_clients
	oidc_start --clients="$CLIENTS_FILE"
	local f=$BATS_TEST_TMPDIR/space.secret
	printf '%s\nsecond line\n' "$SPACE_SECRET" >"$f"
	profile_t space-client "command cat $f"
	run --separate-stderr "$CCRED" -p t token
	assert_success
	assert_equal "$(oidc_grants space-client)" 1
	# The same secret with its spaces trimmed is another secret.
	printf '%s\n' "${SPACE_SECRET%  }" >"$f"
	run "$CCRED" -p t logout
	run --separate-stderr "$CCRED" -p t token
	assert_failure 77
}

@test "command: a relative program path with a / is a configuration error (78)" {
	oidc_start
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\necho post-secret-1\n' >"$BATS_TEST_TMPDIR/bin/get-secret"
	chmod 755 "$BATS_TEST_TMPDIR/bin/get-secret"
	cd "$BATS_TEST_TMPDIR"
	local rel
	for rel in bin/get-secret ./bin/get-secret ../"$(basename "$BATS_TEST_TMPDIR")"/bin/get-secret; do
		profile_t post-client "command $rel"
		run --separate-stderr "$CCRED" -p t token
		assert_failure 78
		assert_output ''
		[[ $stderr == *"command $rel: a relative path; give an absolute path or a bare name found on PATH"* ]]
	done
	assert_equal "$(oidc_grants)" 0
	# An absolute path, and a bare name on PATH, are fine.
	profile_t post-client "command $BATS_TEST_TMPDIR/bin/get-secret"
	run "$CCRED" -p t token
	assert_success
	profile_t post-client "command get-secret"
	run "$CCRED" -p t logout
	PATH=$BATS_TEST_TMPDIR/bin:$PATH run "$CCRED" -p t token
	assert_success
	assert_equal "$(oidc_grants)" 2
}

@test "secret set on a terminal: a pasted 5000-byte secret is stored whole" {
	oidc_start
	profile_t post-client 'file ~/.config/ccred/t.secret'
	local secret='' i log=$BATS_TEST_TMPDIR/tty.log
	for ((i = 0; i < 5000; i++)); do
		secret+=${RANDOM:0:1}
	done
	run pty_dialog "$log" 30 "Client secret for profile 't': " "$secret" -- "$CCRED" -p t secret set
	assert_success
	run cmp <(store_raw file post-client) <(printf '%s' "$secret")
	assert_success
	# Nothing of it was echoed.
	! grep -q -F "${secret:0:40}" "$log"
	grep -q "stored the client secret of profile 't'" "$log"
}

@test "secret set on a terminal: over 64 KiB is refused (65), nothing stored, the rest never reaches the shell" {
	OIDC_TOKEN_URL=https://127.0.0.1:9/token
	profile_t post-client 'file ~/.config/ccred/t.secret'
	printf 'old-secret\n' >"$HOME/.config/ccred/t.secret"
	chmod 600 "$HOME/.config/ccred/t.secret"
	local big log=$BATS_TEST_TMPDIR/tty.log
	big=$(head -c 70000 /dev/zero | tr '\0' x)
	# After ccred, the shell on the terminal reads a line: what is left of
	# the paste must not be it.
	run pty_dialog "$log" 60 "Client secret for profile 't': " "$big" -- \
		sh -c '"$0" -p t secret set; rc=$?; read -t 1 line; echo "rc=$rc rest=${#line}"' "$CCRED"
	grep -q "the secret is longer than 64 KiB" "$log"
	grep -q "rc=65 rest=0" "$log"
	assert_equal "$(cat "$HOME/.config/ccred/t.secret")" old-secret
}

@test "secret set: a secret over 64 KiB on stdin is refused (65), nothing stored, no copy left in memory" {
	OIDC_TOKEN_URL=https://127.0.0.1:9/token
	profile_t post-client 'file ~/.config/ccred/t.secret'
	printf 'old-secret\n' >"$HOME/.config/ccred/t.secret"
	chmod 600 "$HOME/.config/ccred/t.secret"
	local piece big pats=$BATS_TEST_TMPDIR/pats
	piece=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	big=$(for ((i = 0; i < 2200; i++)); do printf '%s' "$piece"; done)
	printf '%s\n' "$big" >"$BATS_TEST_TMPDIR/big"
	run --separate-stderr "$CCRED" -p t secret set <"$BATS_TEST_TMPDIR/big"
	assert_failure 65
	assert_output ''
	[[ $stderr == *"the secret is longer than 64 KiB"* ]]
	assert_equal "$(cat "$HOME/.config/ccred/t.secret")" old-secret
	command -v gdb >/dev/null || skip "gdb is not installed"
	[ -z "${CCRED_TEST_VALGRIND:-}" ] || skip "gdb cannot run ccred under valgrind"
	if "$CCRED_BUILDDIR/libtool" --mode=execute ldd "$CCRED" | grep -q libasan; then
		skip "an AddressSanitizer build"
	fi
	# The buffer that held it is wiped on this path too.
	printf '%s\n' "${piece:0:16}" "${piece:16:16}" >"$pats"
	CCRED_MEMSCAN_PATTERNS=$pats run "$CCRED_BUILDDIR/libtool" --mode=execute gdb -q -batch -nx \
		-x "$BATS_TEST_DIRNAME/memscan.py" --args "$CCRED" -p t secret set <"$BATS_TEST_TMPDIR/big"
	refute_line 'ccred-memscan heap 0'
	assert_line 'ccred-memscan 0 0'
	assert_line 'ccred-memscan 1 0'
}

@test "the secret is in no process's command line, ever" {
	extra_clients
	oidc_start --clients="$CLIENTS_FILE"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
	local pat=$BATS_TEST_TMPDIR/pattern hits=$BATS_TEST_TMPDIR/hits stop=$BATS_TEST_TMPDIR/stop
	local f=$BATS_TEST_TMPDIR/watch.secret sweeps=$BATS_TEST_TMPDIR/sweeps
	printf '%s\n' "$WATCH_SECRET" >"$pat"
	printf '%s\n' "$WATCH_SECRET" >"$f"
	chmod 600 "$pat" "$f"
	: >"$hits"
	WATCH_STOP=$stop
	# A watcher sweeps every command line on the machine until told to stop.
	(
		n=0
		while [ ! -e "$stop" ]; do
			grep -laF -f "$pat" /proc/[0-9]*/cmdline >>"$hits" 2>/dev/null || :
			n=$((n + 1))
			echo "$n" >"$sweeps"
		done
	) &
	local watcher=$!
	# The command store's command lives a while, so the sweeps see it and
	# ccred waiting for it.
	profile_t watch-client libsecret "command sh -c 'sleep 0.5; cat $f'"
	run "$CCRED" -p t token
	assert_success
	run set_secret '%s\n' "$WATCH_SECRET"
	assert_success
	run "$CCRED" -p t logout
	run "$CCRED" -p t token
	assert_success
	printf '%s\n' "$WATCH_SECRET" | "$CCRED" -c "$BATS_TEST_TMPDIR/conf2" configure w \
		--token-url "$OIDC_TOKEN_URL" --client-id watch-client --store 'file ~/w.secret'
	touch "$stop"
	wait "$watcher"
	[ "$(cat "$sweeps")" -gt 5 ]
	run cat "$hits"
	assert_output ''
	assert_equal "$(oidc_grants watch-client)" 3
}

# --- systemd -----------------------------------------------------------------

@test "systemd: reads \$CREDENTIALS_DIRECTORY/NAME" {
	oidc_start
	local creds=$BATS_TEST_TMPDIR/creds
	mkdir -m 700 "$creds"
	printf '%s\n' post-secret-1 >"$creds/layer1"
	chmod 400 "$creds/layer1"
	profile_t post-client 'systemd layer1'
	CREDENTIALS_DIRECTORY=$creds run --separate-stderr "$CCRED" -p t secret status
	assert_success
	assert_output --partial "found in systemd layer1"
	CREDENTIALS_DIRECTORY=$creds run --separate-stderr "$CCRED" -p t token
	assert_success
	assert_equal "$(oidc_grants post-client)" 1
	# Another name is not there; a credential others may read is refused.
	profile_t post-client 'systemd other'
	CREDENTIALS_DIRECTORY=$creds run --separate-stderr "$CCRED" -p t secret status
	assert_failure 69
	[[ $stderr == *"systemd other: no credential other in $creds"* ]]
	profile_t post-client 'systemd layer1'
	chmod 444 "$creds/layer1"
	run "$CCRED" -p t logout
	CREDENTIALS_DIRECTORY=$creds run --separate-stderr "$CCRED" -p t token
	assert_failure 78
	[[ $stderr == *"too open"* ]]
}
