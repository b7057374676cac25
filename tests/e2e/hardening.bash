# SPDX-License-Identifier: MIT
# Helpers for the hardening tests (faults, discovery, proxy, security).
# Load after common:   setup() { load common; load hardening; hx_home; }
#
#   hx_home                  ccred_env under $BATS_TEST_TMPDIR/hx with an
#                            empty user config, $HX_CONFIG (profiles:
#                            ccred_profile NAME KEY=VAL..., env.bash)
#   hx_secret_file NAME VAL  writes VAL to a 0600 file, prints its path
#   hx_run ARGS...           runs $CCRED ARGS; sets HX_RC, HX_OUT, HX_ERR (the
#                            texts) and HX_MS (elapsed milliseconds); never
#                            fails by itself
#   hx_assert_failure RC     HX_RC is RC, stdout empty, exactly one stderr line
#   hx_assert_within SECS    HX_MS <= ccred_time_bound_ms SECS (common.bash:
#                            the timeout plus a slack scaled to the stage)
#   hx_cache_sum             checksum of the cache entries (names and
#                            contents; lock files are not entries)
#   hx_ms                    the time now in Unix milliseconds

hx_ms() {
	local ns
	ns=$(date +%s%N)
	printf '%s\n' "$((ns / 1000000))"
}

hx_home() {
	ccred_env "$BATS_TEST_TMPDIR/hx"
	ccred_config </dev/null
	HX_CONFIG=$CONFIG
}

hx_secret_file() {
	local f=$BATS_TEST_TMPDIR/hx/secret-$1
	(umask 077 && printf '%s\n' "$2" >"$f")
	printf '%s\n' "$f"
}

hx_run() {
	local t0 t1 d=$BATS_TEST_TMPDIR/hx
	t0=$(hx_ms)
	HX_RC=0
	"$CCRED" "$@" >"$d/stdout" 2>"$d/stderr" </dev/null || HX_RC=$?
	t1=$(hx_ms)
	HX_MS=$((t1 - t0))
	HX_OUT=$(cat "$d/stdout")
	HX_ERR=$(cat "$d/stderr")
	HX_ERR_LINES=$(wc -l <"$d/stderr" | tr -d ' ')
	HX_OUT_BYTES=$(wc -c <"$d/stdout" | tr -d ' ')
}

hx_assert_failure() {
	if [ "$HX_RC" != "$1" ] || [ "$HX_OUT_BYTES" != 0 ] || [ "$HX_ERR_LINES" != 1 ]; then
		printf 'expected exit %s, empty stdout, one stderr line; got exit %s, %s bytes on stdout, %s stderr lines:\n%s\n' \
			"$1" "$HX_RC" "$HX_OUT_BYTES" "$HX_ERR_LINES" "$HX_ERR" >&2
		return 1
	fi
}

hx_assert_within() {
	local limit
	limit=$(ccred_time_bound_ms "$1")
	if [ "$HX_MS" -gt "$limit" ]; then
		printf 'took %s ms, more than %s ms\n' "$HX_MS" "$limit" >&2
		return 1
	fi
}

hx_cache_sum() {
	local dir=$XDG_RUNTIME_DIR/ccred f
	[ -d "$dir" ] || {
		echo none
		return 0
	}
	(
		cd "$dir" || exit 1
		for f in $(ls -A | grep -v '\.lock$' | LC_ALL=C sort); do
			printf '%s\n' "$f"
			cat "$f"
		done
	) | sha256sum | cut -d' ' -f1
}
