#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A third-party secret store, written against the installed <ccred/store.h>
# alone: ccred is installed into a temporary prefix, the example in
# docs/examples/store-example is copied out of the tree, built with
# `pkg-config --cflags libccred` and installed into the prefix's module
# directory, and the installed ccred loads it for a real token request.

bats_require_minimum_version 1.5.0

setup_file() {
	local src=${CCRED_SRCDIR:?} t=$BATS_FILE_TMPDIR
	# A nested make must not talk to the outer make's job server.
	unset MAKEFLAGS MFLAGS MAKELEVEL CCRED_MODULE_DIR
	if [ -f "$src/config.status" ]; then
		echo "# $src is configured in place; the out-of-tree build needs a clean source tree" >&3
		return 0
	fi
	mkdir -p "$t/build"
	# Niced: the servers of tests running alongside must not starve.
	(cd "$t/build" && nice -n 10 "$src/configure" -q --prefix="$t/prefix" --without-libsecret &&
		nice -n 10 make -j2 >/dev/null && nice -n 10 make install >/dev/null) >"$t/build.log" 2>&1 || {
		cat "$t/build.log" >&3
		return 1
	}
	cp -R "$src/docs/examples/store-example" "$t/example"
	chmod -R u+w "$t/example"
	(cd "$t/example" && PKG_CONFIG_PATH=$t/prefix/lib/pkgconfig make &&
		PKG_CONFIG_PATH=$t/prefix/lib/pkgconfig make install) >"$t/example.log" 2>&1 || {
		cat "$t/example.log" >&3
		return 1
	}
}

setup() {
	load common
	load setup-helpers
	ccred_env
	unset CCRED_MODULE_DIR MAKEFLAGS MFLAGS MAKELEVEL
	PREFIX=$BATS_FILE_TMPDIR/prefix
	[ -x "$PREFIX/bin/ccred" ] || skip "the source tree is configured in place"
	CCRED=$PREFIX/bin/ccred
}

teardown() {
	ccred_test_teardown
}

@test "store example: built out of tree against the installed header only" {
	run cat "$BATS_FILE_TMPDIR/example.log"
	# The compiler saw the prefix's include directory and nothing of the tree.
	assert_output --partial "-I$PREFIX/include"
	refute_output --partial "$CCRED_SRCDIR"
	assert_output --partial "install -m 0644 rot13file.so $PREFIX/lib/ccred/stores/rot13file.so"
	[ -f "$PREFIX/include/ccred/store.h" ]
	# One export, the entry point; no link against libccred.
	run sh -c "nm -D --defined-only '$PREFIX/lib/ccred/stores/rot13file.so' | awk '{ print \$3 }'"
	assert_output ccred_store_rot13file_initvt
	run readelf -d "$PREFIX/lib/ccred/stores/rot13file.so"
	refute_output --partial libccred
	run pkg-config --variable=storedir "$PREFIX/lib/pkgconfig/libccred.pc"
	assert_output "$PREFIX/lib/ccred/stores"
}

@test "store example: the installed ccred loads it for a real token request" {
	oidc_start
	run --separate-stderr bash -c 'printf "%s\n" post-secret-1 | "$CCRED" configure r13 \
		--token-url "$OIDC_TOKEN_URL" --client-id post-client --store "rot13file ~/r13.secret"'
	assert_success
	[[ $stderr == *"stored the client secret in rot13file $HOME/r13.secret"* ]]
	[[ $stderr == *"done: profile 'r13'"* ]]
	# What the module wrote is its own format.
	run cat "$HOME/r13.secret"
	assert_output cbfg-frperg-1
	run stat -c %a "$HOME/r13.secret"
	assert_output 600
	run "$CCRED" -p r13 secret status
	assert_success
	assert_output "profile 'r13': client secret found in rot13file $HOME/r13.secret"
	run "$CCRED" -p r13 logout
	run --separate-stderr "$CCRED" -p r13 token
	assert_success
	assert_equal "${#output}" 43
	run --separate-stderr "$CCRED" -p r13 doctor
	assert_success
	[[ $output == *"ok    store 1 'rot13file ~/r13.secret': holds the secret"* ]]
	assert_equal "$(oidc_grants post-client)" 3
}

@test "store example: its results mean what the stack expects" {
	oidc_start
	ccred_config "[profile r13]
token_url = $OIDC_TOKEN_URL
client_id = post-client
secret_store = rot13file ~/r13.secret
secret_store = env CCRED_TEST_SECRET"
	# Not found: passed over, named.
	CCRED_TEST_SECRET=post-secret-1 run --separate-stderr "$CCRED" -p r13 secret status
	assert_success
	assert_line --index 1 "  passed over rot13file $HOME/r13.secret: no such file"
	# Insecure: the stack stops with a configuration error.
	printf 'cbfg-frperg-1\n' >"$HOME/r13.secret"
	chmod 644 "$HOME/r13.secret"
	CCRED_TEST_SECRET=post-secret-1 run --separate-stderr "$CCRED" -p r13 token
	assert_failure 78
	[[ $stderr == *"rot13file $HOME/r13.secret: not a private file of yours"* ]]
	chmod 600 "$HOME/r13.secret"
	run "$CCRED" -p r13 token
	assert_success
	# Erase through the module, twice.
	run --separate-stderr "$CCRED" -p r13 secret delete
	assert_success
	[ ! -e "$HOME/r13.secret" ]
	run --separate-stderr "$CCRED" -p r13 secret delete
	assert_failure 69
}

@test "store example: a module of another ABI major is refused, and ccred says so" {
	local d=$BATS_TEST_TMPDIR/abi99
	mkdir -p "$d"
	sed -e 's/major != CCRED_STORE_ABI_MAJOR/major != 99/' \
		-e 's/ccred_store_rot13file_initvt/ccred_store_abi99_initvt/g' \
		"$BATS_FILE_TMPDIR/example/rot13file.c" >"$d/abi99.c"
	# shellcheck disable=SC2046 # pkg-config's words are meant to split
	cc -fPIC -shared -fvisibility=hidden $(pkg-config --cflags "$PREFIX/lib/pkgconfig/libccred.pc") \
		-o "$PREFIX/lib/ccred/stores/abi99.so" "$d/abi99.c"
	ccred_config "[profile x]
token_url = http://127.0.0.1:9/token
client_id = c
secret_store = abi99 ~/x
secret_store = env CCRED_TEST_SECRET"
	CCRED_TEST_SECRET=s run --separate-stderr "$CCRED" -p x token
	rm -f "$PREFIX/lib/ccred/stores/abi99.so"
	assert_failure 70
	assert_output ''
	[[ $stderr == *"abi99: store module speaks another ABI (host 1.0, result 7)"* ]]
}
