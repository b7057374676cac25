# shellcheck shell=sh
# SPDX-License-Identifier: MIT
# The stages of tests/run.sh after the plain `make check` (sourced by it,
# in the top directory, with $top, $jobs, $status, $pass, $fail, $skip set).
# Each stage prints "STAGE: N passed, N failed[, N skipped] (S s)"; the last
# line is the total over every stage.

stages=${CCRED_TEST_STAGES-asan valgrind fuzz packaging}
want() { case " $stages " in *" $1 "*) return 0 ;; esac; return 1; }
now() { date +%s; }
# trs_count DIR RESULT-REGEX: how many automake results match.
trs_count() {
	find "$1" -name '*.trs' -exec cat {} + | grep -c -E "^:test-result: ($2)\$" || true
}
# tap_count FILE: sets tap_pass, tap_fail, tap_skip from bats TAP output.
tap_count() {
	tap_skip=$(grep -c -E '^ok .* # skip' "$1" || true)
	tap_pass=$(($(grep -c '^ok ' "$1" || true) - tap_skip))
	tap_fail=$(grep -c '^not ok ' "$1" || true)
}
# slowest STAGE FILE...: one line naming the five files whose tests took longest
# (bats --timing's "in N ms"), to balance lanes and stages by.
slowest() {
	s_stage=$1
	shift
	for f in "$@"; do
		sed -n 's/^ok .* in \([0-9]*\)ms.*/\1/p' "$f" | awk -v f="${f##*/}" '{s += $1} END {printf "%d %s\n", s / 1000, f}'
	done | sort -rn | head -n 5 | awk -v stage="$s_stage" '{printf "%s%s %d s", (NR > 1 ? ", " : stage ", slowest files: "), $2, $1} END {print ""}'
}
# digest STAGE FILE...: the failing tests' names and first diagnostics into
# $digest, printed again just above the total line, where a reader of only
# the end of a long log still sees them.
digest=$top/_build/failures.txt
digest() {
	d_stage=$1
	shift
	grep -h -A 8 -E '^(# *)?not ok ' "$@" 2>/dev/null | head -n 40 | sed "s/^/$d_stage: /" >>"$digest" || :
}

slowest check $(find "$top/_build/tests/e2e" -name '*.log')

# ---------------------------------------------------------------- asan
# The whole `make check` in an --enable-asan --enable-ubsan build.  UBSan
# stops at the first finding (-fno-sanitize-recover); LeakSanitizer runs at
# every exit (detect_leaks=1), dlopen'd modules included; a library's own
# process-lifetime allocations would go to tests/lsan.supp, with a reason.
# intercept_tls_get_addr=0: GCC 12's interceptor guesses a dynamic TLS
# block's bounds from a glibc 2.19 header whenever the block's address is 16
# past a page boundary, which the heap sometimes gives; LSan then crashed in
# its own scan at exit ("Tracer caught signal 11", a garbage DTLS range:
# tls-auth.bats, a refused mTLS call).  Without the interceptor, dynamic TLS
# (libp11-kit's, libcom_err's, json-c's: nothing of ccred's) is not a root,
# which can only add reports, never hide a leak.
if want asan; then
	t0=$(now)
	rm -rf "$top/_build-asan"
	mkdir "$top/_build-asan"
	cd "$top/_build-asan"
	../configure --enable-werror --enable-asan --enable-ubsan -q
	make -j"$jobs" >/dev/null
	s=0
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1:intercept_tls_get_addr=0 \
	LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		make -j"$jobs" check >check.out 2>&1 || s=$?
	p=$(trs_count . PASS)
	f=$(trs_count . 'FAIL|ERROR|XPASS')
	k=$(trs_count . SKIP)
	if [ "$s" != 0 ]; then
		status=1
		tail -n 40 check.out
		for t in $(grep -l -E '^:test-result: (FAIL|ERROR)' $(find . -name '*.trs')); do
			echo "==== asan: ${t%.trs}.log"
			tail -n 60 "${t%.trs}.log"
			digest asan "${t%.trs}.log"
		done
	fi
	slowest asan $(find tests/e2e -name '*.log')
	echo "asan+ubsan: $p passed, $f failed, $k skipped ($(($(now) - t0)) s)"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
	cd "$top"
fi

# ---------------------------------------------------------------- valgrind
# ccred under memcheck ($CCRED is tests/valgrind/ccred.sh) for every end-to-
# end test file that runs ccred: all but fixtures (which runs none), install
# and store-example (which build and install the tree with make and run the
# installed ccred, not $CCRED).  Any memcheck error or definite leak fails
# the stage: the wrapper exits 99, which no test expects, and its log is
# shown.  Known leaks inside libsecret are suppressed in
# tests/valgrind/ccred.supp, each with its reason.  Time limits get 20 s of
# slack and faults.bats a 10 s profile timeout; cache.bats's crowds are 8
# callers; the few tests that need full speed (or ptrace of ccred itself)
# skip themselves under CCRED_TEST_VALGRIND.  The files run in two lanes,
# about equally long (the machine has 2 cores).
if want valgrind; then
	t0=$(now)
	vgdir=$top/_build/valgrind
	rm -rf "$vgdir"
	mkdir -p "$vgdir/logs" "$vgdir/bin"
	# $CCRED named ccred, as completions and callers expect of it.
	ln -s "$top/tests/valgrind/ccred.sh" "$vgdir/bin/ccred"
	vg_bats() {
		CCRED=$vgdir/bin/ccred CCRED_BUILDDIR=$top/_build CCRED_SRCDIR=$top \
		CCRED_MODULE_DIR=$top/_build/tests/modules CCRED_VALGRIND_LOGS=$vgdir/logs \
		CCRED_TEST_VALGRIND=1 CCRED_TEST_SLACK_MS=20000 CCRED_TEST_FAULT_TIMEOUT=10 \
			bats --tap --timing "$top/tests/e2e/$1.bats" >"$vgdir/$1.tap" 2>&1
	}
	vg_lane() {
		for b in "$@"; do
			vg_bats "$b" || :
		done
	}
	vg_a="stores faults configure libsecret-session discovery firsthour cargo hostile auth-methods"
	vg_b="cache callers foundation doctor security proxy interactive terraform store-battery tls-auth"
	# shellcheck disable=SC2086 # the lists are words
	vg_lane $vg_a &
	vgpid=$!
	# shellcheck disable=SC2086
	vg_lane $vg_b
	wait "$vgpid" || :
	p=0 f=0 k=0
	for b in $vg_a $vg_b; do
		tap_count "$vgdir/$b.tap"
		p=$((p + tap_pass)) f=$((f + tap_fail)) k=$((k + tap_skip))
		if [ "$tap_fail" != 0 ] || ! grep -q '^1\.\.' "$vgdir/$b.tap"; then
			status=1
			[ "$tap_fail" != 0 ] || f=$((f + 1))
			echo "==== valgrind: $b.bats"
			grep -A 20 '^not ok' "$vgdir/$b.tap" | head -n 80
			digest valgrind "$vgdir/$b.tap"
		fi
	done
	# Logs hold only memcheck's reports (-q); "--PID--" lines are notes
	# (such as an unhandled syscall it answers ENOSYS to), not errors.
	bad=$(grep -l -E '^==[0-9]+== ' "$vgdir"/logs/vg.*.log 2>/dev/null || true)
	runs=$(ls "$vgdir"/logs | wc -l)
	if [ -n "$bad" ]; then
		status=1
		f=$((f + 1))
		for l in $bad; do
			echo "==== valgrind: $l"
			head -n 60 "$l"
		done
	fi
	slowest valgrind "$vgdir"/*.tap
	echo "valgrind: $p passed, $f failed, $k skipped; $runs ccred runs, $(echo "$bad" | grep -c . || true) with memcheck reports ($(($(now) - t0)) s)"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
fi

# ---------------------------------------------------------------- fuzz
# Every libFuzzer harness for CCRED_FUZZ_SECONDS (30 by default) from its
# seed corpus; a crash, leak or UBSan finding fails it.
if want fuzz; then
	t0=$(now)
	s=0
	sh "$top/tests/fuzz/run.sh" "${CCRED_FUZZ_SECONDS:-30}" >"$top/_fuzz.out" 2>&1 || s=$?
	cat "$top/_fuzz.out"
	p=$(grep -c -E '^[a-z]+: [0-9]+ execs, 0 crashes' "$top/_fuzz.out" || true)
	f=$(grep -c -E '^[a-z]+: [0-9]+ execs, [1-9][0-9]* crashes' "$top/_fuzz.out" || true)
	if [ "$s" != 0 ]; then
		status=1
		[ "$f" != 0 ] || f=1
	fi
	echo "fuzz: $p passed, $f failed ($(($(now) - t0)) s)"
	pass=$((pass + p)) fail=$((fail + f))
fi

# ---------------------------------------------------------------- packaging
# The .debs and .rpms built from make dist (packaging/build.sh, lintian),
# make distcheck, and the .debs installed into a clean Debian 12 root made
# with mmdebstrap and used there, autopkgtest included (tests/packaging.sh;
# root and Debian's mirrors; 7-9 minutes).  Skipped without root.
if want packaging; then
	t0=$(now)
	if [ "$(id -u)" != 0 ]; then
		echo "packaging: skipped (tests/packaging.sh needs root)"
	else
		rm -f "$top/_build/packaging.status"
		{ sh "$top/tests/packaging.sh" 2>&1 || echo "$?" >"$top/_build/packaging.status"; } |
			tee "$top/_build/packaging.log"
		c=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$top/_build/packaging.log" | tail -n 1)
		# No closing line: it ended early, which counts as one failure.
		[ -n "$c" ] || c="0 passed, 1 failed, 0 skipped"
		p=${c%% passed*} c=${c#* passed, }
		f=${c%% failed*} c=${c#* failed, }
		k=${c%% skipped*}
		if [ -f "$top/_build/packaging.status" ]; then
			status=1
			grep -E '^FAILED: ' "$top/_build/packaging.log" | sed 's/^/packaging: /' >>"$digest" || :
			digest packaging "$top/_build/packaging.log"
		fi
		echo "packaging: $p passed, $f failed, $k skipped ($(($(now) - t0)) s)"
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
	fi
fi

if [ -s "$digest" ]; then
	echo "==== the failures, in short"
	cat "$digest"
fi
echo "$pass passed, $fail failed, $skip skipped"
exit "$status"
