#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer harnesses (clang, -fsanitize=fuzzer,address,undefined)
# in _fuzz/ and runs each for SECONDS (default 30) from its seed corpus in
# tests/fuzz/corpus/NAME.  New inputs go to _fuzz/corpus/NAME (the seeds in
# the tree are not touched); a crash leaves its input in _fuzz/artifacts/
# and makes this script fail.  Run it longer on demand:
#
#   tests/fuzz/run.sh 3600            # an hour per harness
#   tests/fuzz/run.sh 60 git config   # only some harnesses
#
# Prints one line per harness: NAME: N execs, M crashes, corpus K.
set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
secs=${1:-30}
[ $# -gt 0 ] && shift
names=${*:-git docker kubectl cargo tokresp config cache writers}
jobs=$(nproc 2>/dev/null || echo 2)

command -v clang >/dev/null || {
	echo "fuzz: clang is not installed" >&2
	exit 1
}
[ -f configure ] || autoreconf -fi >/dev/null 2>&1
mkdir -p _fuzz
cd _fuzz
if [ ! -f Makefile ]; then
	"$top/configure" -q CC=clang --enable-fuzzing --enable-asan --enable-ubsan \
		--without-libsecret >configure.log 2>&1 || {
		tail -n 30 configure.log >&2
		exit 1
	}
fi
make -j"$jobs" >make.log 2>&1 || {
	tail -n 30 make.log >&2
	exit 1
}

# Leaks are errors; UBSan stops at the first finding.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS
status=0
for n in $names; do
	bin=tests/fuzz/fuzz-$n
	[ -x "$bin" ] || {
		echo "fuzz: no harness $n" >&2
		exit 64
	}
	mkdir -p "corpus/$n" artifacts
	log=fuzz-$n.log
	rc=0
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="artifacts/$n-" \
		"corpus/$n" "$top/tests/fuzz/corpus/$n" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crashes=$(ls artifacts 2>/dev/null | grep -c "^$n-" || true)
	size=$(ls "corpus/$n" | wc -l)
	echo "$n: ${execs:-0} execs, $crashes crashes, corpus $size"
	if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
		status=1
		tail -n 40 "$log" >&2
	fi
done
exit "$status"
