#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds ccred in _build/ and runs the whole test suite: C unit tests and
# the bats end-to-end tests against a real oidc-provider and gnome-keyring.
# Then, in clearly separated stages: the same suite in an ASan+UBSan build,
# the end-to-end tests with ccred under valgrind memcheck, each fuzzer for a
# bounded time, and the packages built and used in a clean Debian 12 root
# (tests/packaging.sh).  Run tests/setup-debian.sh once first.
#
#   CCRED_TEST_STAGES   which stages run after the plain check (default:
#                       "asan valgrind fuzz packaging"; empty for the plain
#                       check only)
#   CCRED_FUZZ_SECONDS  seconds per fuzz harness (default 30)
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
		grep -A 8 '^not ok ' "${f%.trs}.log" | head -n 40 | sed 's/^/check: /' >>failures.txt || :
	done
fi
echo "check: $pass passed, $fail failed, $skip skipped"
cd "$top"
. "$top/tests/stages.sh"

