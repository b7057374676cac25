#!/bin/sh
# Builds ccred in _build/ and runs the whole test suite: C unit tests and
# the bats end-to-end tests against a real oidc-provider and gnome-keyring.
# Run tests/setup-debian.sh once first.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
rm -rf _build
mkdir _build
cd _build
export CCRED_TEST_NODE_MODULES="$top/tests/fixtures/node_modules"
../configure --enable-werror -q
make -j"$jobs" >/dev/null
status=0
make -j"$jobs" check || status=$?

# One closing line for people and CI: the per-test results automake logged.
pass=$(cat $(find . -name '*.trs') | grep -c '^:test-result: PASS' || true)
fail=$(cat $(find . -name '*.trs') | grep -c -E '^:test-result: (FAIL|ERROR|XPASS)' || true)
skip=$(cat $(find . -name '*.trs') | grep -c '^:test-result: SKIP' || true)
if [ "$status" != 0 ]; then
	for f in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find . -name '*.trs')); do
		echo "==== ${f%.trs}.log"
		tail -n 60 "${f%.trs}.log"
	done
fi

# ---------------------------------------------------------------- packaging
# The .debs and .rpms from make dist, make distcheck, and the .debs installed
# into a clean Debian 12 root and used there (tests/packaging.sh: root, the
# network to Debian's mirrors, about 8 minutes).  CCRED_SKIP_PACKAGING=1
# skips it; without root it is skipped too.
cd "$top"
if [ -n "${CCRED_SKIP_PACKAGING:-}" ] || [ "$(id -u)" != 0 ]; then
	echo "packaging stage skipped (CCRED_SKIP_PACKAGING is set, or not root)"
else
	rm -f _build/packaging.status
	{ sh tests/packaging.sh 2>&1 || echo "$?" >_build/packaging.status; } | tee _build/packaging.log
	counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' _build/packaging.log | tail -n 1)
	# No closing line: it ended early, which counts as one failure.
	[ -n "$counts" ] || counts="0 passed, 1 failed, 0 skipped"
	pass=$((pass + ${counts%% passed*}))
	counts=${counts#* passed, }
	fail=$((fail + ${counts%% failed*}))
	counts=${counts#* failed, }
	skip=$((skip + ${counts%% skipped*}))
	[ ! -f _build/packaging.status ] || status=1
fi

echo "$pass passed, $fail failed, $skip skipped"
exit "$status"
