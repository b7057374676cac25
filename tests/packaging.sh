#!/bin/sh
# SPDX-License-Identifier: MIT
# CI stage "packaging" (tests/run.sh calls it after the test suite):
#   1. packaging/build.sh: make dist, dpkg-buildpackage + lintian, rpmbuild
#   2. make distcheck
#   3. a fresh, minimal Debian 12 root from Debian's mirrors (mmdebstrap)
#   4. tests/packaging/packages.bats: the RPMs' file lists, the tarball's
#      contents, the .debs installed into that root and used there against a
#      real oidc-provider and gnome-keyring, and the packages' autopkgtest
# Prints each stage's time and ends with one "N passed, N failed, N skipped"
# line.
# Needs root (mmdebstrap, chroot, mounts in private namespaces), the network
# to Debian's mirrors, and what tests/setup-debian.sh installs.
#   CCRED_PACKAGING_OUT=DIR   keep the packages and logs there (default: a
#                             temporary directory, removed at the end)
#   CCRED_PACKAGING_NO_AUTOPKGTEST=1   skip the autopkgtest run
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
: "${CCRED_TEST_NODE_MODULES:=$top/tests/fixtures/node_modules}"
export CCRED_TEST_NODE_MODULES

work=$(mktemp -d "${TMPDIR:-/tmp}/ccred-packaging.XXXXXX")
# Searchable by others: security.bats runs distcheck's ccred as nobody.
chmod 755 "$work"
# Every mount made here lives in a private mount namespace that is gone by
# now, so removing the root removes only files.
trap 'rm -rf "$work"' EXIT
out=${CCRED_PACKAGING_OUT:-$work/out}

pass=0
fail=0
skip=0
t0=$(date +%s)
stage_name=
stage() { # NAME: close the previous stage (its time), open the next
	t1=$(date +%s)
	[ -z "$stage_name" ] || echo "== $stage_name: $((t1 - t0)) s"
	t0=$t1
	stage_name=$1
	[ -z "$1" ] || echo "== $1"
}
result() { # STATUS NAME
	if [ "$1" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok: $2"
	else
		fail=$((fail + 1))
		echo "FAILED: $2"
	fi
}

if [ "$(id -u)" != 0 ]; then
	echo "tests/packaging.sh: needs root (mmdebstrap, chroot)" >&2
	exit 1
fi

stage "packaging/build.sh"
status=0
sh packaging/build.sh "$out" || status=$?
result "$status" "packaging/build.sh (dpkg-buildpackage, lintian, rpmbuild)"
if [ "$status" != 0 ]; then
	stage ""
	echo "$pass passed, $fail failed, $skip skipped"
	exit 1
fi

stage "make distcheck"
mkdir "$work/distcheck"
status=0
# The plain stage has already run every test from a build tree; here the
# point is the tarball itself (a VPATH build from a read-only srcdir,
# install, uninstall, distclean), so a subset of tests runs: the unit tests
# and the e2e files that most exercise files, modes and installed paths.
# packages.bats checks that the tarball holds every file git tracks.
dc_tests=$(awk '/^TESTS \+=/ { t = 1 } t { print } !/\\$/ { t = 0 }' \
	"$top/tests/Makefile.inc" | grep -o 'tests/unit/[A-Za-z0-9_.-]*' | tr '\n' ' ')
dc_tests="$dc_tests tests/e2e/foundation.bats tests/e2e/security.bats tests/e2e/stores.bats"
(cd "$work/distcheck" && "$top/configure" -q && make -j"$jobs" distcheck TESTS="$dc_tests") \
	>"$out/logs/distcheck.log" 2>&1 || status=$?
grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$out/logs/distcheck.log" || :
if [ "$status" != 0 ]; then
	tail -n 30 "$out/logs/distcheck.log"
	# distcheck leaves its build behind when it fails: the failed tests' logs.
	grep -E '^(FAIL|ERROR):' "$out/logs/distcheck.log" || :
	find "$work/distcheck" -name '*.trs' -exec grep -l -E '^:test-result: (FAIL|ERROR)' {} + |
		while read -r f; do
			echo "==== distcheck: ${f%.trs}.log"
			tail -n 60 "${f%.trs}.log"
		done
fi
result "$status" "make distcheck"

stage "mmdebstrap: a minimal Debian 12 root"
status=0
# Variant apt: the Essential packages and apt, nothing else.  The apt lists
# stay, so the tests can install from the mirror without an update.
mmdebstrap --variant=apt --skip=cleanup/apt/lists bookworm "$work/root" \
	>"$out/logs/mmdebstrap.log" 2>&1 || status=$?
[ "$status" = 0 ] || tail -n 30 "$out/logs/mmdebstrap.log"
result "$status" "mmdebstrap bookworm"

if [ "$status" = 0 ]; then
	stage "packages.bats: install and use the packages in the clean root"
	status=0
	CCRED_PACKAGES=$out CCRED_ROOT=$work/root \
		bats --tap tests/packaging/packages.bats >"$work/tap" 2>&1 || status=$?
	cat "$work/tap"
	pass=$((pass + $(grep '^ok ' "$work/tap" | grep -c -v ' # skip' || :)))
	skip=$((skip + $(grep -c '^ok .* # skip' "$work/tap" || :)))
	fail=$((fail + $(grep -c '^not ok ' "$work/tap" || :)))
	if [ "$status" != 0 ] && ! grep -q '^not ok ' "$work/tap"; then
		result "$status" "packages.bats"
	fi
fi

stage ""
[ -n "${CCRED_PACKAGING_OUT:-}" ] && echo "packages and logs: $out"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
