#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ccred as installed: configure --prefix into a temp dir from the source
# tree, make, make install (once for the file), then use what was installed
# -- the command, its git link, the library through pkg-config from a C
# program outside the tree, the module directory -- against the real
# oidc-provider.  Nothing here points at the build tree: CCRED_MODULE_DIR is
# unset, so the installed ccred finds its modules where make install put them.
#
# shellcheck disable=SC2030,SC2031,SC2016,SC2154
# (each @test is a subshell, so its exports are local on purpose; bash -c
# scripts are single-quoted on purpose; $stderr is set by bats' run.)

bats_require_minimum_version 1.5.0

setup_file() {
	export PREFIX=$BATS_FILE_TMPDIR/prefix
	export INSTALL_BUILDDIR=$BATS_FILE_TMPDIR/build
	local log=$BATS_FILE_TMPDIR/build.log opt=''
	mkdir -p "$INSTALL_BUILDDIR"
	# Build what the tree under test builds: with the libsecret module when
	# the outer build has it.
	[ -e "$CCRED_MODULE_DIR/stores/libsecret.so" ] || opt=--without-libsecret
	if ! (
		cd "$INSTALL_BUILDDIR" &&
			unset MAKEFLAGS MFLAGS MAKELEVEL DESTDIR &&
			"$CCRED_SRCDIR/configure" -q --prefix="$PREFIX" $opt &&
			make -j2 &&
			make install
	) >"$log" 2>&1; then
		echo "configure/make/make install failed; the end of $log:" >&2
		tail -n 40 "$log" >&2
		return 1
	fi
	load common
	load ccred-helpers
	oidc_file_start
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
	# The installed command must find its own modules.
	unset CCRED_MODULE_DIR
}

teardown() {
	# Put back a module a test took away.
	if [ -e "$BATS_TEST_TMPDIR/libsecret.so.saved" ]; then
		mv "$BATS_TEST_TMPDIR/libsecret.so.saved" "$PREFIX/lib/ccred/stores/libsecret.so"
	fi
	ccred_test_teardown
}

post_config() {
	ccred_config <<EOF
[profile post]
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read
url = https://git.example.com
${1:-secret_store = env POST_SECRET}
EOF
}

@test "install: the files land where the spec says, modules without .la" {
	local f
	for f in bin/ccred lib/libccred.so lib/pkgconfig/libccred.pc include/ccred/ccred.h \
		include/ccred/store.h lib/ccred/http-curl.so lib/ccred/json-c.so lib/ccred/crypto-openssl.so share/man/man1/ccred.1 \
		share/man/man5/ccred.conf.5; do
		[ -e "$PREFIX/$f" ] || fail "$f is not installed"
	done
	assert_equal "$(readlink "$PREFIX/bin/git-credential-ccred")" ccred
	assert_equal "$(readlink "$PREFIX/bin/docker-credential-ccred")" ccred
	assert_equal "$(readlink "$PREFIX/bin/terraform-credentials-ccred")" ccred
	run find "$PREFIX" -name '*.la' -path '*/ccred/*'
	assert_output ''
	if [ -e "$CCRED_BUILDDIR/modules/.libs/libsecret.so" ]; then
		[ -e "$PREFIX/lib/ccred/stores/libsecret.so" ] || fail "stores/libsecret.so is not installed"
	fi
	# json-c is the JSON module's dependency, not libccred's (a cache hit
	# never maps it); the module exports its entry point only.
	run bash -c 'readelf -d "$1" | grep NEEDED' _ "$PREFIX/lib/libccred.so"
	assert_success
	refute_output --partial json-c
	refute_output --partial libcrypto
	run bash -c 'nm -D --defined-only "$1" | awk "{ print \$3 }"' _ "$PREFIX/lib/ccred/crypto-openssl.so"
	assert_output ccred_crypto_module
	run bash -c 'readelf -d "$1" | grep NEEDED' _ "$PREFIX/lib/ccred/json-c.so"
	assert_output --partial libjson-c
	run bash -c 'nm -D --defined-only "$1" | awk "{ print \$3 }"' _ "$PREFIX/lib/ccred/json-c.so"
	assert_output ccred_json_module
	# libccred exports ccred_* and nothing else.
	run bash -c 'nm -D --defined-only "$1" | awk "{ print \$3 }" | grep -v "^ccred_"' _ \
		"$PREFIX/lib/libccred.so"
	assert_output ''
	run bash -c 'nm -D --defined-only "$1" | grep -c " ccred_token_get$"' _ "$PREFIX/lib/libccred.so"
	assert_output 1
}

@test "install: the installed ccred says its version and carries libccred's code (libc only)" {
	run --separate-stderr "$PREFIX/bin/ccred" --version
	assert_success
	assert_output "$("$CCRED" --version)"
	assert_output --regexp '^ccred [0-9]+\.[0-9]+\.[0-9]+'
	# Linked statically with the library's objects: a cache hit maps no
	# libccred.so, and the command exports nothing.
	run bash -c 'readelf -d "$1" | grep NEEDED' _ "$PREFIX/bin/ccred"
	assert_success
	assert_output --partial libc.so
	refute_output --partial libccred
	run bash -c 'nm -D --defined-only "$1" | grep -c " ccred_"' _ "$PREFIX/bin/ccred"
	assert_output 0
}

@test "install: git finds git-credential-ccred on PATH; it answers get with a live token" {
	use_oidc
	post_config
	export POST_SECRET=post-secret-1
	# The link itself, as git runs it.
	run --separate-stderr bash -c 'printf "protocol=https\nhost=git.example.com\n\n" |
		"$1" get' _ "$PREFIX/bin/git-credential-ccred"
	assert_success
	assert_line username=post-client
	assert_line --regexp '^password_expiry_utc=[0-9]+$'
	local pw
	pw=$(sed -n 's/^password=//p' <<<"$output")
	assert_live "$pw" post-client api:read
	# And through git, configured the way the README says.
	git config --global credential.https://git.example.com.helper ccred
	run --separate-stderr env PATH="$PREFIX/bin:$PATH" GIT_TERMINAL_PROMPT=0 \
		bash -c 'printf "url=https://git.example.com/r.git\n\n" | git credential fill'
	assert_success
	assert_line "password=$pw"
	assert_equal "$(grants)" 1
}

@test "install: a C program built with pkg-config libccred gets a live token" {
	use_oidc
	post_config
	export POST_SECRET=post-secret-1
	export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
	local prog=$BATS_TEST_TMPDIR/tokenprog cflags libs libdir
	cflags=$(pkg-config --cflags libccred)
	libs=$(pkg-config --libs libccred)
	libdir=$(pkg-config --variable=libdir libccred)
	assert_equal "$libdir" "$PREFIX/lib"
	# shellcheck disable=SC2086 # pkg-config's flags are words
	run "${CC:-cc}" -std=c99 -Wall -Wextra -Werror -pedantic $cflags \
		-o "$prog" "$CCRED_SRCDIR/tests/e2e/data/tokenprog.c" $libs -Wl,-rpath,"$libdir"
	assert_success
	run --separate-stderr "$prog" post
	assert_success
	assert_live "$output" post-client api:read
	[[ $stderr =~ ^type=Bearer\ expires_in=(29[5-9]|300)\ scope=api:read\ version=[0-9.]+$ ]] ||
		fail "tokenprog said: $stderr"
	# The library's errors reach the program with their detail and status.
	run --separate-stderr "$prog" nosuch
	assert_failure 78
	assert_output ''
	stderr_has "no profile 'nosuch'"
}

@test "install: without the libsecret module, a stack falls through to env; libsecret alone is 69" {
	use_oidc
	local mod=$PREFIX/lib/ccred/stores/libsecret.so
	if [ -e "$mod" ]; then
		mv "$mod" "$BATS_TEST_TMPDIR/libsecret.so.saved"
	fi
	post_config "$(printf 'secret_store = libsecret\nsecret_store = env POST_SECRET')"
	export POST_SECRET=post-secret-1
	run --separate-stderr "$PREFIX/bin/ccred" -p post token
	assert_success
	assert_live "$output" post-client api:read
	post_config 'secret_store = libsecret'
	run --separate-stderr "$PREFIX/bin/ccred" -p post logout
	run --separate-stderr "$PREFIX/bin/ccred" -p post token
	assert_failure 69
	assert_output ''
	stderr_has "libsecret: store module not installed ($mod)"
	assert_equal "$(grants)" 1
}

@test "install: make uninstall leaves no file behind" {
	run bash -c 'cd "$1" && unset MAKEFLAGS MFLAGS MAKELEVEL && make uninstall' _ "$INSTALL_BUILDDIR"
	assert_success
	run find "$PREFIX" ! -type d
	assert_output ''
}
