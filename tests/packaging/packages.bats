#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The built packages, checked as a user and a distro would meet them:
# the RPMs' file lists, the dist tarball's contents, and the .debs installed
# with apt into a clean, minimal Debian 12 root, where ccred fetches real
# tokens from oidc-provider (running on the host's loopback: the root shares
# the host's network) through the env and file stores, then through a real
# gnome-keyring once ccred-libsecret is added, and a C program builds
# against libccred-dev.  Last, the packages' own autopkgtest runs there.
#
# Run by tests/packaging.sh, which sets:
#   CCRED_PACKAGES   packaging/build.sh's output (tarball, debian/, rpm/)
#   CCRED_ROOT       a fresh mmdebstrap root (variant apt, apt lists kept)
# The tests build on one another, in file order, in that one root.
# Needs root: chroot, and mounts inside private namespaces.
#
# shellcheck disable=SC2016,SC2154
# (sh -c scripts for the root are single-quoted on purpose; $stderr is set by
# bats' run.)

bats_require_minimum_version 1.5.0

setup_file() {
	load ../e2e/common
	: "${CCRED_PACKAGES:?set by tests/packaging.sh}" "${CCRED_ROOT:?set by tests/packaging.sh}"
	export CCRED_TEST_TMPDIR=$BATS_FILE_TMPDIR
	oidc_start
	mkdir -p "$CCRED_ROOT/tmp/debs"
	cp "$CCRED_PACKAGES"/debian/*.deb "$CCRED_ROOT/tmp/debs/"
	cp "$CCRED_TEST_FIXTURES/session.sh" "$BATS_TEST_DIRNAME/../e2e/data/tokenprog.c" "$CCRED_ROOT/tmp/"
	# The resource server's credentials for introspection, off argv.
	printf 'user = "rs-client:rs-secret-1"\n' >"$BATS_FILE_TMPDIR/rs.curlrc"
	chmod 600 "$BATS_FILE_TMPDIR/rs.curlrc"
}

teardown_file() {
	load ../e2e/common
	oidc_stop
}

setup() {
	load ../e2e/common
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
}

# clean_env: drop every exported variable but PATH, HOME, LC_ALL and the
# CCRED_PACKAGING_* ones a test exports on purpose (nothing of the host's or
# of the test fixtures' reaches the root).
clean_env() {
	local v
	for v in $(compgen -e); do
		case $v in
		PATH | CCRED_PACKAGING_*) ;;
		*) unset "$v" 2>/dev/null || : ;;
		esac
	done
	export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8
}

# inroot CMD...: run CMD as root in the clean root, in its own mount and pid
# namespaces (so /proc and /dev mounts vanish, and every daemon it started
# dies, when it returns), with a plain environment plus what the caller
# exported on purpose (secrets travel that way, never on a command line).
inroot() {
	local root=$CCRED_ROOT
	(
		clean_env
		unshare --mount --pid --fork --kill-child sh -c '
			r=$1; shift
			mount --rbind /dev "$r/dev" && mount -t proc proc "$r/proc" &&
			exec chroot "$r" "$@"' sh "$root" "$@"
	)
}

# apt_in_root PACKAGE|/tmp/debs/GLOB...: apt-get install in the root; the
# globs (our own words) expand there.
apt_in_root() {
	inroot sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $*"
}

# introspect TOKEN-FILE: the oidc-provider's view of a token, as "active client_id".
introspect() {
	tr -d '\n' <"$1" | curl -sS --fail -K "$BATS_FILE_TMPDIR/rs.curlrc" --data-urlencode token@- \
		"$OIDC_TOKEN_URL/introspection" | jq -r '"\(.active) \(.client_id)"'
}

ac_init_version() {
	sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac"
}

rpm_files() {
	rpm -qlp "$CCRED_PACKAGES/rpm/$1-$(ac_init_version)-"*.rpm 2>/dev/null
}

@test "rpm: ccred holds the command, its links, man pages and the HTTP module" {
	run rpm_files ccred
	assert_success
	assert_line /usr/bin/ccred
	assert_line /usr/bin/git-credential-ccred
	assert_line /usr/bin/docker-credential-ccred
	assert_line /usr/bin/terraform-credentials-ccred
	assert_line /usr/lib64/ccred/http-curl.so
	assert_line /usr/lib64/ccred/json-c.so
	assert_line /usr/lib64/ccred/crypto-openssl.so
	assert_line --regexp '^/usr/share/man/man1/ccred\.1(\.gz)?$'
	assert_line --regexp '^/usr/share/man/man5/ccred\.conf\.5(\.gz)?$'
	assert_line /usr/share/bash-completion/completions/ccred
	assert_line /usr/share/zsh/site-functions/_ccred
	refute_line --partial libsecret.so
	refute_line --partial /usr/lib64/libccred.so
	refute_line --partial /usr/include
	assert_line /usr/lib64/ccred
	assert_line /usr/lib64/ccred/stores
	run rpm -qp --requires "$CCRED_PACKAGES"/rpm/ccred-"$(ac_init_version)"-*.rpm
	assert_line --partial 'libcurl.so.4'
	refute_line --partial libccred
	refute_line --partial libsecret
	refute_line --partial libglib
}

@test "rpm: ccred-libsecret holds the libsecret module alone" {
	run rpm_files ccred-libsecret
	assert_success
	assert_line /usr/lib64/ccred/stores/libsecret.so
	refute_line --regexp '^/usr/(bin|include)/'
	refute_line --partial http-curl.so
	run rpm -qp --requires "$CCRED_PACKAGES"/rpm/ccred-libsecret-"$(ac_init_version)"-*.rpm
	assert_line --partial 'libsecret-1.so.0'
	assert_line --regexp '^ccred(\(x86-64\))? = '
}

@test "rpm: ccred-libs holds the shared library and owns the module directories" {
	run rpm_files ccred-libs
	assert_success
	assert_line /usr/lib64/libccred.so.0
	assert_line --regexp '^/usr/lib64/libccred\.so\.0\.[0-9]+\.[0-9]+$'
	assert_line /usr/lib64/ccred
	assert_line /usr/lib64/ccred/stores
	refute_line /usr/lib64/libccred.so
	refute_line --partial /usr/bin/
}

@test "rpm: ccred-devel holds the headers, the .so link and libccred.pc" {
	run rpm_files ccred-devel
	assert_success
	assert_line /usr/include/ccred/ccred.h
	assert_line /usr/include/ccred/store.h
	assert_line /usr/lib64/libccred.so
	assert_line /usr/lib64/pkgconfig/libccred.pc
	assert_line --regexp '^/usr/share/man/man7/ccred-store\.7(\.gz)?$'
	refute_line --partial libccred.so.0
}

@test "dist: the tarball holds every file git tracks (but .gitignore and .ci/)" {
	command -v git >/dev/null && git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
		skip "not a git checkout"
	local v
	v=$(ac_init_version)
	git -C "$top" ls-files | grep -v -E '^(\.gitignore|\.ci/)' | sort >"$BATS_TEST_TMPDIR/git"
	tar tzf "$CCRED_PACKAGES/ccred-$v.tar.gz" | sed -n "s|^ccred-$v/||p" | grep -v '/$' |
		sort >"$BATS_TEST_TMPDIR/dist"
	run comm -23 "$BATS_TEST_TMPDIR/git" "$BATS_TEST_TMPDIR/dist"
	assert_success
	assert_output ''
	# The generated build system is in it too: a packager needs no autotools.
	run grep -x -e configure -e Makefile.in -e build-aux/tap-driver.sh "$BATS_TEST_TMPDIR/dist"
	assert_equal "${#lines[@]}" 3
}

@test "versions: check-versions.sh fails on any recipe out of step with configure.ac" {
	local v f
	v=$(ac_init_version)
	run sh "$top/packaging/check-versions.sh" "$top"
	assert_success
	for f in NEWS packaging/debian/changelog packaging/rpm/ccred.spec \
		packaging/arch/PKGBUILD packaging/alpine/APKBUILD; do
		rm -rf "$BATS_TEST_TMPDIR/src"
		mkdir -p "$BATS_TEST_TMPDIR/src"
		cp -r "$top/configure.ac" "$top/NEWS" "$top/packaging" "$BATS_TEST_TMPDIR/src/"
		sed -i "0,/$v/s//$v.99/" "$BATS_TEST_TMPDIR/src/$f"
		run sh "$top/packaging/check-versions.sh" "$BATS_TEST_TMPDIR/src"
		assert_failure
		assert_output --partial "FAIL: ${f#packaging/}"
	done
}

@test "deb: the control fields say what lintian cannot check" {
	cd "$CCRED_PACKAGES/debian"
	# The command carries libccred's code: it does not need libccred0.
	run dpkg-deb -f ccred_*.deb Depends
	refute_output --partial libccred0
	assert_output --partial 'libcurl4'
	refute_output --partial libsecret
	run dpkg-deb -f ccred-libsecret_*.deb Depends Recommends Multi-Arch
	assert_line --partial 'ccred (= '
	assert_line --partial 'libsecret-1-0'
	assert_line --regexp '^Recommends: gnome-keyring \| keepassxc'
	run dpkg-deb -f libccred0_*.deb Multi-Arch
	assert_output same
	run dpkg-deb -f libccred-dev_*.deb Depends
	assert_output --regexp '^libccred0 \(= [^)]+\)$'
	# /usr/bin/ccred cannot be co-installed for two architectures.
	run dpkg-deb -f ccred_*.deb Multi-Arch
	refute_output same
}

@test "deb: ccred alone installs into a clean Debian 12 root, without libccred0, libsecret or GLib" {
	run apt_in_root /tmp/debs/ccred_*_*.deb
	[ "$status" -eq 0 ] || echo "$output" >&2
	assert_success
	run inroot dpkg-query -W -f '${db:Status-Abbrev} ${binary:Package}\n'
	assert_line --regexp '^ii +ccred(:[a-z0-9]+)?$'
	refute_line --regexp ' (libccred0|libsecret-1-0|libglib2\.0-0|ccred-libsecret)(:|$)'
	run inroot ldd /usr/bin/ccred "/usr/lib/$multiarch/ccred/http-curl.so" \
		"/usr/lib/$multiarch/ccred/json-c.so" "/usr/lib/$multiarch/ccred/crypto-openssl.so"
	assert_success
	refute_output --partial libccred
	assert_line --partial 'libcurl.so.4 => '
	assert_line --partial 'libjson-c.so.5 => '
	assert_line --partial 'libcrypto.so.3 => '
	refute_output --partial 'not found'
	refute_output --partial libsecret
	refute_output --partial libglib
	refute_output --partial libgio
	run inroot test -e "/usr/lib/$multiarch/ccred/stores/libsecret.so"
	assert_failure
}

@test "deb: ccred --version prints configure.ac's version; man pages and completions are there" {
	run inroot ccred --version
	assert_success
	assert_output "ccred $(ac_init_version)"
	run inroot git-credential-ccred --version
	assert_output "ccred $(ac_init_version)"
	run inroot readlink /usr/share/man/man1/git-credential-ccred.1.gz
	assert_output ccred.1.gz
	inroot test -s /usr/share/man/man1/ccred.1.gz
	inroot test -s /usr/share/man/man5/ccred.conf.5.gz
	inroot test -s /usr/share/bash-completion/completions/ccred
	inroot test -s /usr/share/zsh/vendor-completions/_ccred
	inroot test -s /usr/share/fish/vendor_completions.d/ccred.fish
}

@test "deb: a token from the real oidc-provider through the env store" {
	mkdir -p "$CCRED_ROOT/root/.config/ccred"
	cat >"$CCRED_ROOT/root/.config/ccred/config" <<EOF
[profile env]
token_url = $OIDC_TOKEN_URL
client_id = post-client
scope = api:read
secret_store = env CCRED_PACKAGING_SECRET

[profile file]
token_url = $OIDC_TOKEN_URL
client_id = basic-client
auth_method = client_secret_basic
secret_store = file /root/basic.secret
EOF
	chmod 600 "$CCRED_ROOT/root/.config/ccred/config"
	local before
	before=$(oidc_grants post-client)
	CCRED_PACKAGING_SECRET=post-secret-1
	export CCRED_PACKAGING_SECRET
	inroot ccred -p env token >"$BATS_TEST_TMPDIR/token"
	assert_equal "$(oidc_grants post-client)" $((before + 1))
	run introspect "$BATS_TEST_TMPDIR/token"
	assert_output 'true post-client'
	# Again: served from the cache in the root, no second request.
	inroot ccred -p env token >"$BATS_TEST_TMPDIR/token2"
	assert_equal "$(oidc_grants post-client)" $((before + 1))
	assert_equal "$(cat "$BATS_TEST_TMPDIR/token2")" "$(cat "$BATS_TEST_TMPDIR/token")"
}

@test "deb: a token from the real oidc-provider through the file store" {
	(umask 077 && printf 'basic-secret-1\n' >"$CCRED_ROOT/root/basic.secret")
	local before
	before=$(oidc_grants basic-client)
	inroot ccred -p file token >"$BATS_TEST_TMPDIR/token"
	assert_equal "$(oidc_grants basic-client)" $((before + 1))
	run introspect "$BATS_TEST_TMPDIR/token"
	assert_output 'true basic-client'
	# A wrong secret is the provider's rejection (77), and stdout stays empty.
	(umask 077 && printf 'not-the-secret\n' >"$CCRED_ROOT/root/basic.secret")
	inroot ccred -p file logout
	run --separate-stderr inroot ccred -p file token
	assert_equal "$status" 77
	assert_output ''
}

@test "deb: with ccred-libsecret, a token through a real gnome-keyring in the root" {
	run apt_in_root /tmp/debs/ccred-libsecret_*_*.deb gnome-keyring dbus mawk
	[ "$status" -eq 0 ] || echo "$output" >&2
	assert_success
	cat >"$CCRED_ROOT/root/keyring.conf" <<EOF
[profile kr]
token_url = $OIDC_TOKEN_URL
client_id = limited-client
scope = api:read
EOF
	chmod 600 "$CCRED_ROOT/root/keyring.conf"
	local before
	before=$(oidc_grants limited-client)
	# The default store is libsecret.  The keyring password and the client
	# secret reach the root through the environment; session.sh pipes them.
	CCRED_PACKAGING_KEYRING=packaging-keyring-password
	CCRED_PACKAGING_SECRET=limited-secret-1
	export CCRED_PACKAGING_KEYRING CCRED_PACKAGING_SECRET
	run --separate-stderr inroot sh -c '
		. /tmp/session.sh
		ccred_test_keyring_start /tmp/keyring "$CCRED_PACKAGING_KEYRING" || exit 90
		export CCRED_CONFIG=/root/keyring.conf
		printf "%s\n" "$CCRED_PACKAGING_SECRET" | ccred -p kr secret set >&2 || exit 91
		unset CCRED_PACKAGING_SECRET
		ccred -p kr secret status >&2 || exit 92
		ccred -p kr token; rc=$?
		ccred_test_session_stop
		exit $rc'
	[ "$status" -eq 0 ] || echo "$stderr" >&2
	assert_success
	[[ $stderr == *libsecret* ]]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/token"
	assert_equal "$(oidc_grants limited-client)" $((before + 1))
	run introspect "$BATS_TEST_TMPDIR/token"
	assert_output 'true limited-client'
	run inroot ldd "/usr/lib/$multiarch/ccred/stores/libsecret.so"
	assert_line --partial 'libsecret-1.so.0 => '
	refute_output --partial 'not found'
}

@test "deb: libccred-dev builds a C program with pkg-config that gets a token" {
	run apt_in_root /tmp/debs/libccred0_*_*.deb /tmp/debs/libccred-dev_*_*.deb gcc libc6-dev pkgconf
	[ "$status" -eq 0 ] || echo "$output" >&2
	assert_success
	# The same program install.bats builds against an installed prefix.
	run inroot sh -c 'gcc -Wall -Wextra -Werror -o /tmp/tokenprog /tmp/tokenprog.c $(pkg-config --cflags --libs libccred)'
	assert_success
	run inroot pkg-config --modversion libccred
	assert_output "$(ac_init_version)"
	inroot test -s /usr/share/man/man7/ccred-store.7.gz
	# The program fetches (the cached token is dropped first), and the
	# command then finds the program's token in the shared cache.
	CCRED_PACKAGING_SECRET=post-secret-1
	export CCRED_PACKAGING_SECRET
	inroot ccred -p env logout
	local before
	before=$(oidc_grants post-client)
	# It reads the user config, /root/.config/ccred/config, as the command does.
	inroot /tmp/tokenprog env >"$BATS_TEST_TMPDIR/token" 2>"$BATS_TEST_TMPDIR/prog.err"
	assert_equal "$(oidc_grants post-client)" $((before + 1))
	run introspect "$BATS_TEST_TMPDIR/token"
	assert_output 'true post-client'
	# The token's life as the library reports it: still ahead.
	run cat "$BATS_TEST_TMPDIR/prog.err"
	assert_output --regexp '^type=Bearer expires_in=[1-9][0-9]* scope=api:read version=[0-9.]+$'
	run inroot ccred -p env token
	assert_output "$(cat "$BATS_TEST_TMPDIR/token")"
	assert_equal "$(oidc_grants post-client)" $((before + 1))
}

clean_env_run() {
	(
		clean_env
		unset CCRED_PACKAGING_SECRET CCRED_PACKAGING_KEYRING
		"$@"
	)
}

@test "autopkgtest: the packages' debian/tests pass in the root" {
	[ -z "${CCRED_PACKAGING_NO_AUTOPKGTEST:-}" ] || skip "CCRED_PACKAGING_NO_AUTOPKGTEST is set"
	local v src nm nodever
	v=$(ac_init_version)
	# The e2e test needs nodejs >= 20.18 (oidc-provider 9), newer than
	# Debian 12's 18: the root gets the host's own nodejs (NodeSource's,
	# preinstalled on this kind of machine, whose apt source is off),
	# repacked from the installed files, as an extra .deb.
	nodever=$(dpkg-query -W -f '${Version}' nodejs 2>/dev/null) || skip "nodejs is not installed on the host"
	dpkg --compare-versions "$nodever" ge 20.18 ||
		skip "the host's nodejs $nodever is older than oidc-provider 9 needs (20.18)"
	mkdir -p "$BATS_FILE_TMPDIR/node-deb"
	(cd "$BATS_FILE_TMPDIR/node-deb" && dpkg-repack -d -Zgzip -d -z1 nodejs) >/dev/null 2>&1
	src=$BATS_FILE_TMPDIR/src
	mkdir -p "$src"
	tar xzf "$CCRED_PACKAGES/ccred-$v.tar.gz" -C "$src"
	cp -r "$src/ccred-$v/packaging/debian" "$src/ccred-$v/debian"
	# The fixtures' node_modules, bound into the root (node resolves a
	# package's dependencies from a directory named node_modules).
	nm=/opt/ccred-test/node_modules
	# The e2e files that reach each installed part (the command, the HTTP,
	# JSON and crypto modules, the store modules, libsecret's, completions,
	# the detached refresher), private_key_jwt and mTLS among them; the
	# whole suite ran against the build tree in every earlier stage.
	# CCRED_E2E_FILES= (empty) runs every file, as Debian's CI would.
	local files=${CCRED_E2E_FILES-foundation callers cache stores auth-methods tls-auth refresh security}
	mkdir -p "$CCRED_ROOT$nm"
	run clean_env_run unshare --mount --pid --fork --kill-child sh -c '
		r=$1 nm=$2 src=$3 node_modules=$4 files=$5; shift 5
		mount --rbind /dev "$r/dev" && mount -t proc proc "$r/proc" &&
		mount --bind "$node_modules" "$r$nm" &&
		exec autopkgtest -U "$@" "$src" --env CCRED_TEST_NODE_MODULES="$nm" \
			--env CCRED_E2E_FILES="$files" -- chroot "$r"' \
		sh "$CCRED_ROOT" "$nm" "$src/ccred-$v/" "$CCRED_TEST_NODE_MODULES" "$files" \
		"$CCRED_PACKAGES"/debian/ccred_*.deb "$CCRED_PACKAGES"/debian/ccred-libsecret_*.deb \
		"$CCRED_PACKAGES"/debian/libccred0_*.deb "$CCRED_PACKAGES"/debian/libccred-dev_*.deb \
		"$BATS_FILE_TMPDIR"/node-deb/nodejs_*.deb
	printf '%s\n' "$output" >"$CCRED_PACKAGES/logs/autopkgtest.log"
	if [ "$status" -ne 0 ]; then
		# The failing bats tests with their diagnostics, then the summary.
		printf '%s\n' "$output" | grep -A 30 -E '^not ok ' | head -n 300 >&2
		printf '%s\n' "$output" | tail -n 40 >&2
	fi
	assert_success
	assert_line --regexp '^e2e +PASS'
	assert_line --regexp '^build-c +PASS'
}
