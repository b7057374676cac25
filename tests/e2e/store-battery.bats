#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# One battery of cases, in the style of git's t/lib-credential.sh
# helper_test, run over every secret store: env, file, command, systemd,
# libsecret (a real headless gnome-keyring) and the example store module
# (docs/examples/store-example, built here against the tree's header).
# Each case is written once (case_NAME STORE) and registered for each store
# at the end of the file.  Against the real oidc-provider, one for the file.
#
# A store is reached through a few words (store_use, store_put, store_raw,
# store_drop): a writable one takes the secret from `ccred secret set`, a
# read-only one (env, command, systemd) has it put there by the test as its
# owner would.

bats_require_minimum_version 1.5.0

setup_file() {
	load common
	load ccred-helpers
	load setup-helpers
	# The file's one server, with the clients whose secrets the cases choose
	# (setup-helpers: SPECIAL_SECRET, LONG_SECRET, SPACE_SECRET, exported).
	extra_clients
	CCRED_TEST_TMPDIR=$BATS_FILE_TMPDIR oidc_start --clients="$CLIENTS_FILE"
	_CCRED_TEST_SERVERS=
	# The example store, built as its Makefile builds it, against the tree's
	# <ccred/store.h>; beside it, the links of tests/modules, so that one
	# CCRED_MODULE_DIR holds every module.
	local m=$BATS_FILE_TMPDIR/modules
	mkdir -p "$m/stores"
	if cc -std=c11 -Wall -Wextra -fPIC -fvisibility=hidden -I"$CCRED_SRCDIR/include" -shared \
		-o "$m/stores/rot13file.so" "$CCRED_SRCDIR/docs/examples/store-example/rot13file.c" \
		>"$BATS_FILE_TMPDIR/example.log" 2>&1; then
		ln -s "$CCRED_MODULE_DIR"/*.so "$m/"
		[ ! -e "$CCRED_MODULE_DIR/stores/libsecret.so" ] ||
			ln -s "$CCRED_MODULE_DIR/stores/libsecret.so" "$m/stores/"
	fi
}

teardown_file() {
	load common
	load ccred-helpers
	oidc_file_stop
}

setup() {
	load common
	load ccred-helpers
	ccred_env
	use_oidc
}

teardown() {
	ccred_test_teardown
}

# The secrets the cases choose, besides extra_clients' (setup-helpers).
# Printable ASCII is the most a conforming server registers (RFC 6749
# appendix A.2): unicode and PEM secrets are checked byte for byte in the
# store, and as a request the server judges.
UNI_SECRET='pä§s wörd ✓ 秘密 ☃'
PEM_SECRET='-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIP1bV9q0wfR8w3Qm0J8W6oQx7oRk3m3y0u1nS3v7Yx8A
-----END PRIVATE KEY-----'

# store_use STORE: sets LINE (the secret_store line), DESC (how ccred names
# the store), RW (set when `secret set` writes it) and ONELINE (set when it
# holds one line: the reason); skips when STORE cannot be had here.
store_use() {
	RW= ONELINE=
	case $1 in
	env)
		LINE='env T_SECRET' DESC='env T_SECRET'
		;;
	file)
		# One line, but a PEM key (the key methods) whole, lines and all.
		LINE='file ~/.config/ccred/t.secret' DESC="file $HOME/.config/ccred/t.secret" RW=1
		;;
	command)
		# Its owner's program prints the secret; ccred reads the first line.
		printf '#!/bin/sh\nexec cat "%s"\n' "$BATS_TEST_TMPDIR/cmd-secret" >"$BATS_TEST_TMPDIR/print-secret"
		chmod 700 "$BATS_TEST_TMPDIR/print-secret"
		LINE="command $BATS_TEST_TMPDIR/print-secret" DESC=$LINE
		ONELINE="the command store reads its command's first line (ccred.conf(5))"
		;;
	systemd)
		# What systemd hands a service: LoadCredential= puts it in a
		# directory of the service's own, read-only.
		command -v systemd-creds >/dev/null || skip "systemd-creds is not installed"
		export CREDENTIALS_DIRECTORY=$BATS_TEST_TMPDIR/creds
		mkdir -m 700 "$CREDENTIALS_DIRECTORY"
		LINE='systemd t' DESC='systemd t'
		;;
	libsecret)
		[ -e "$CCRED_MODULE_DIR/stores/libsecret.so" ] || skip "built --without-libsecret"
		ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" keyring-pw-1
		CONFIG=$XDG_CONFIG_HOME/ccred/config
		LINE=libsecret DESC='libsecret (the Secret Service'
		RW=1
		;;
	example)
		[ -e "$BATS_FILE_TMPDIR/modules/stores/rot13file.so" ] ||
			skip "the example store did not build: $(head -n 3 "$BATS_FILE_TMPDIR/example.log")"
		export CCRED_MODULE_DIR=$BATS_FILE_TMPDIR/modules
		LINE='rot13file ~/.config/ccred/t.rot13' DESC="rot13file $HOME/.config/ccred/t.rot13"
		RW=1 ONELINE="rot13file refuses a secret with a newline (it stores one line)"
		;;
	*) return 64 ;;
	esac
}

# store_profile CLIENT: profile t for CLIENT, reading LINE only.
store_profile() {
	ccred_config "[profile t]
token_url = $OIDC_TOKEN_URL
client_id = $1
timeout = 5
secret_store = $LINE"
}

# store_put SECRET: the secret into the store, as `secret set` (RW) or its
# owner (read-only) puts it there.  No newline is added.
store_put() {
	case $STORE in
	env) export T_SECRET=$1 ;;
	command) (umask 077 && printf '%s' "$1" >"$BATS_TEST_TMPDIR/cmd-secret") ;;
	systemd)
		rm -f "$CREDENTIALS_DIRECTORY/t"
		(umask 077 && printf '%s' "$1" >"$CREDENTIALS_DIRECTORY/t")
		chmod 400 "$CREDENTIALS_DIRECTORY/t"
		;;
	*) printf '%s' "$1" | "$CCRED" -p t secret set 2>/dev/null ;;
	esac
}

# store_raw: the bytes the store holds for profile t (nothing when none).
store_raw() {
	case $STORE in
	env) printf '%s' "${T_SECRET-}" ;;
	command) [ ! -e "$BATS_TEST_TMPDIR/cmd-secret" ] || cat "$BATS_TEST_TMPDIR/cmd-secret" ;;
	systemd) [ ! -e "$CREDENTIALS_DIRECTORY/t" ] || cat "$CREDENTIALS_DIRECTORY/t" ;;
	file) [ ! -e "$HOME/.config/ccred/t.secret" ] || head -c -1 "$HOME/.config/ccred/t.secret" ;;
	libsecret) secret-tool lookup client_id "$CLIENT" token_url "$OIDC_TOKEN_URL" ;;
	example)
		[ ! -e "$HOME/.config/ccred/t.rot13" ] ||
			head -c -1 "$HOME/.config/ccred/t.rot13" | tr 'A-Za-z' 'N-ZA-Mn-za-m'
		;;
	esac
}

# store_drop: the secret out of the store, as `secret delete` (RW) or its
# owner takes it away.
store_drop() {
	case $STORE in
	env) unset T_SECRET ;;
	command) rm -f "$BATS_TEST_TMPDIR/cmd-secret" ;;
	systemd) rm -f "$CREDENTIALS_DIRECTORY/t" ;;
	*) "$CCRED" -p t secret delete ;;
	esac
}

# lean: under memcheck (tests/stages.sh) the battery keeps to set, status,
# a token and delete on each store; the other cases run the same store
# code with other bytes.
lean() {
	[ -z "${CCRED_TEST_VALGRIND:-}" ] || skip "under valgrind the battery keeps to set and delete"
}

# on STORE CLIENT: the case's store and profile.
on() {
	STORE=$1 CLIENT=$2
	store_use "$STORE"
	store_profile "$CLIENT"
}

# --- the cases ------------------------------------------------------------

# set, status, a token with it; a read-only store refuses set cleanly.
case_set_status_token() {
	on "$1" post-client
	if [ -n "$RW" ]; then
		run --separate-stderr bash -c 'printf "%s\n" post-secret-1 | "$CCRED" -p t secret set'
		assert_success
		assert_output ''
		[[ $stderr == *"stored the client secret of profile 't' in $DESC"* ]] || fail "stderr: $stderr"
	else
		run --separate-stderr bash -c 'printf "%s\n" post-secret-1 | "$CCRED" -p t secret set'
		assert_failure
		assert_output ''
		[ "$(printf '%s\n' "$stderr" | grep -c .)" -ge 1 ] || fail "no reason given"
		assert_equal "$(store_raw)" ''
		store_put post-secret-1
	fi
	run cmp <(store_raw) <(printf '%s' post-secret-1)
	assert_success
	if [ "$STORE" = file ]; then
		run stat -c %a "$HOME/.config/ccred/t.secret"
		assert_output 600
	fi
	run --separate-stderr "$CCRED" -p t secret status
	assert_success
	assert_output --partial "profile 't': client secret found in $DESC"
	refute_output --partial post-secret-1
	run --separate-stderr "$CCRED" -p t token
	assert_success
	assert_equal "${#output}" 43
	assert_equal "$(grants post-client)" 1
}

# delete; status after delete is 69 and so is a fresh token request.
case_delete() {
	on "$1" post-client
	store_put post-secret-1
	run "$CCRED" -p t token
	assert_success
	if [ -n "$RW" ]; then
		run --separate-stderr store_drop
		assert_success
		[[ $stderr == *"deleted the client secret of profile 't' from $DESC"* ]] ||
			fail "stderr: $stderr"
	else
		store_drop # in this shell: an env store's variable goes
	fi
	assert_equal "$(store_raw)" ''
	run "$CCRED" -p t logout
	assert_success
	run --separate-stderr "$CCRED" -p t secret status
	assert_failure 69
	assert_output ''
	run --separate-stderr "$CCRED" -p t token
	assert_failure 69
	assert_output ''
	[[ $stderr == *"no client secret for profile 't'"* ]] || fail "stderr: $stderr"
	if [ -n "$RW" ]; then
		# Deleting again finds nothing, and says so.
		run --separate-stderr "$CCRED" -p t secret delete
		assert_failure 69
		[[ $stderr == *"no stored secret for profile 't'"* ]] || fail "stderr: $stderr"
	fi
	assert_equal "$(grants post-client)" 1
}

# A secret replaced: the next request uses the new one.
case_overwrite() {
	on "$1" post-client
	store_put wrong-secret
	run --separate-stderr "$CCRED" -p t token
	assert_failure 77
	assert_output ''
	[[ $stderr == *invalid_client* ]] || fail "stderr: $stderr"
	store_put post-secret-1
	run cmp <(store_raw) <(printf '%s' post-secret-1)
	assert_success
	run --separate-stderr "$CCRED" -p t token
	assert_success
	assert_equal "$(grants post-client)" 1
}

# Secrets with spaces (trailing ones too) and every character a form or
# Basic header escapes survive byte for byte: in the store, and as the
# server checks them (a token), in the form body and in HTTP Basic
# (form-urlencoded first, RFC 6749 2.3.1); and one of 4 KiB.
case_spaces_long() {
	lean
	local client secret
	on "$1" space-client
	for client in space-client special-client specialb-client long-client; do
		CLIENT=$client
		store_profile "$client"
		case $client in
		space-client) secret=$SPACE_SECRET ;;
		long-client) secret=$LONG_SECRET ;;
		*) secret=$SPECIAL_SECRET ;;
		esac
		[ "$client" != specialb-client ] || printf 'auth_method = client_secret_basic\n' >>"$CONFIG"
		store_put "$secret"
		run cmp <(store_raw) <(printf '%s' "$secret")
		assert_success
		run --separate-stderr "$CCRED" -p t token
		assert_success
		assert_equal "$(grants "$client")" 1
	done
}

# `secret set`'s rule: one trailing LF or CRLF is not part of the secret,
# nothing else is cut, and an empty secret is refused (65).
case_newlines() {
	lean
	on "$1" post-client
	[ -n "$RW" ] || skip "a read-only store's secret is put by its owner, not by secret set"
	run bash -c 'printf "%s\r\n" post-secret-1 | "$CCRED" -p t secret set'
	assert_success
	run cmp <(store_raw) <(printf '%s' post-secret-1)
	assert_success
	run "$CCRED" -p t token
	assert_success
	run --separate-stderr bash -c 'printf "\n" | "$CCRED" -p t secret set'
	assert_failure 65
	[[ $stderr == *"the secret is empty"* ]] || fail "stderr: $stderr"
	run cmp <(store_raw) <(printf '%s' post-secret-1)
	assert_success
	assert_equal "$(grants post-client)" 1
}

# Unicode, and a PEM key over several lines: byte for byte in the store;
# the request reaches the server, which judges it (no conforming server
# registers such a secret), rather than ccred mangling it on the way.
case_unicode_pem() {
	lean
	local s
	on "$1" post-client
	for s in "$UNI_SECRET" "$PEM_SECRET"; do
		if [ "$s" = "$PEM_SECRET" ] && [ -n "$ONELINE" ]; then
			# One-line stores: a multi-line secret never becomes its first line silently.
			[ -n "$RW" ] || continue
			run --separate-stderr bash -c 'printf "%s" "$1" | "$CCRED" -p t secret set' _ "$s"
			assert_failure
			assert_output ''
			continue
		fi
		store_put "$s"
		run cmp <(store_raw) <(printf '%s' "$s")
		assert_success
		run "$CCRED" -p t secret status
		assert_success
		run --separate-stderr "$CCRED" -p t token
		assert_failure 77
		assert_output ''
	done
	# one request for each secret the store could hold
	assert_equal "$(grant_errors post-client)" "$([ -n "$ONELINE" ] && echo 1 || echo 2)"
}

# The secret is on no command line (of ccred, or of anything it runs) and
# in no trace, at the highest verbosity.
case_never_shown() {
	lean
	local w="watch-me-$RANDOM$RANDOM"
	on "$1" post-client
	store_put "$w"
	# The trace of a request with the wrong secret, and of one with the right.
	run --separate-stderr "$CCRED" -v -v -v -p t token
	assert_failure 77
	[ -n "$stderr" ] || fail "no trace at all"
	[[ $stderr != *"$w"* ]] || fail "the secret is in the trace"
	if [ -z "${CCRED_TEST_VALGRIND:-}" ]; then
		# Every program started, with its arguments, while setting and using it.
		# (W in the environment, which strace shows only as a count.)
		W=$w run strace -f -qq -e trace=execve -s 65536 -o "$BATS_TEST_TMPDIR/exec.log" \
			bash -c 'printf "%s\n" "$W" | "$CCRED" -p t secret set; "$CCRED" -p t token'
		[ -s "$BATS_TEST_TMPDIR/exec.log" ] || fail "strace recorded nothing"
		run grep -cF -- "$w" "$BATS_TEST_TMPDIR/exec.log"
		assert_output 0
	fi
}

# --- each case over each store ----------------------------------------------
# (bats 1.8 registers no test made at run time: one line each.)

@test "env: set (or its owner puts it), status, a token with it" { case_set_status_token env; }
@test "env: a replaced secret is the one used" { case_overwrite env; }
@test "env: delete, then status and a token request are 69" { case_delete env; }
@test "env: spaces, escapes (post and Basic) and 4 KiB survive byte for byte" { case_spaces_long env; }
@test "env: unicode and PEM multi-line secrets survive byte for byte" { case_unicode_pem env; }
@test "env: secret set drops one trailing newline and refuses an empty secret" { case_newlines env; }
@test "env: the secret is on no command line and in no trace" { case_never_shown env; }
@test "file: set (or its owner puts it), status, a token with it" { case_set_status_token file; }
@test "file: a replaced secret is the one used" { case_overwrite file; }
@test "file: delete, then status and a token request are 69" { case_delete file; }
@test "file: spaces, escapes (post and Basic) and 4 KiB survive byte for byte" { case_spaces_long file; }
@test "file: unicode and PEM multi-line secrets survive byte for byte" { case_unicode_pem file; }
@test "file: secret set drops one trailing newline and refuses an empty secret" { case_newlines file; }
@test "file: the secret is on no command line and in no trace" { case_never_shown file; }
@test "command: set (or its owner puts it), status, a token with it" { case_set_status_token command; }
@test "command: a replaced secret is the one used" { case_overwrite command; }
@test "command: delete, then status and a token request are 69" { case_delete command; }
@test "command: spaces, escapes (post and Basic) and 4 KiB survive byte for byte" { case_spaces_long command; }
@test "command: unicode and PEM multi-line secrets survive byte for byte" { case_unicode_pem command; }
@test "command: secret set drops one trailing newline and refuses an empty secret" { case_newlines command; }
@test "command: the secret is on no command line and in no trace" { case_never_shown command; }
@test "systemd: set (or its owner puts it), status, a token with it" { case_set_status_token systemd; }
@test "systemd: a replaced secret is the one used" { case_overwrite systemd; }
@test "systemd: delete, then status and a token request are 69" { case_delete systemd; }
@test "systemd: spaces, escapes (post and Basic) and 4 KiB survive byte for byte" { case_spaces_long systemd; }
@test "systemd: unicode and PEM multi-line secrets survive byte for byte" { case_unicode_pem systemd; }
@test "systemd: secret set drops one trailing newline and refuses an empty secret" { case_newlines systemd; }
@test "systemd: the secret is on no command line and in no trace" { case_never_shown systemd; }
@test "libsecret: set (or its owner puts it), status, a token with it" { case_set_status_token libsecret; }
@test "libsecret: a replaced secret is the one used" { case_overwrite libsecret; }
@test "libsecret: delete, then status and a token request are 69" { case_delete libsecret; }
@test "libsecret: spaces, escapes (post and Basic) and 4 KiB survive byte for byte" { case_spaces_long libsecret; }
@test "libsecret: unicode and PEM multi-line secrets survive byte for byte" { case_unicode_pem libsecret; }
@test "libsecret: secret set drops one trailing newline and refuses an empty secret" { case_newlines libsecret; }
@test "libsecret: the secret is on no command line and in no trace" { case_never_shown libsecret; }
@test "example: set (or its owner puts it), status, a token with it" { case_set_status_token example; }
@test "example: a replaced secret is the one used" { case_overwrite example; }
@test "example: delete, then status and a token request are 69" { case_delete example; }
@test "example: spaces, escapes (post and Basic) and 4 KiB survive byte for byte" { case_spaces_long example; }
@test "example: unicode and PEM multi-line secrets survive byte for byte" { case_unicode_pem example; }
@test "example: secret set drops one trailing newline and refuses an empty secret" { case_newlines example; }
@test "example: the secret is on no command line and in no trace" { case_never_shown example; }
