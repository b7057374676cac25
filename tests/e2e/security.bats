#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Security properties, one test each: no secret or token on any command line
# or in any log, -v -v redacts both, the process is not dumpable and has core
# dumps off while it fetches, every file ccred creates is private, links and
# files of other users are refused, and no copy of the client secret is left
# in the process's memory when it exits.
# Secrets only ever go through files and pipes here: greps read their
# patterns with -f, never from the command line.

setup() {
	load common
	load hardening
	hx_home
	HX_PATS=$BATS_TEST_TMPDIR/hx/patterns
}

teardown() {
	# A failed test may leave its /proc watcher running: bats would wait
	# for it forever.
	if [ -n "${HX_WATCHER:-}" ]; then
		kill "$HX_WATCHER" 2>/dev/null || :
	fi
	# Open the gates, so no store command waits on after a failure.
	if [ -n "${HX_GATE:-}" ]; then
		touch "$HX_GATE" 2>/dev/null || :
	fi
	if [ -n "${HX_NOBODY_DIR:-}" ]; then
		touch "$HX_NOBODY_DIR/go" 2>/dev/null || :
		sleep 0.2
		rm -rf "$HX_NOBODY_DIR"
	fi
	ccred_test_teardown
}

# no_match FILE...: none of the lines of $HX_PATS occurs in the files.
no_match() {
	if grep -a -F -f "$HX_PATS" "$@" >/dev/null; then
		echo "a secret or token was found in: $*" >&2
		grep -a -F -o -f "$HX_PATS" "$@" | sed 's/:.*//' | sort | uniq -c >&2
		return 1
	fi
}

# add_pattern VALUE: VALUE and its base64 forms go into $HX_PATS.
add_pattern() {
	printf '%s\n' "$1" >>"$HX_PATS"
}

# gate_store FILE: a command store that waits for $HX_GATE to exist before
# it prints the secret in FILE, so a test can look at ccred mid-fetch.
gate_store() {
	printf "command sh -c 'while [ ! -e %s ]; do sleep 0.05; done; cat %s'" "$HX_GATE" "$1"
}

# wait_for CMD...: up to 30 s for CMD to succeed.
wait_for() {
	local i
	for i in $(seq 1 600); do
		"$@" && return 0
		sleep 0.05
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

# Every process on the machine is watched, other test suites' too, and the
# fixture's client secrets are on their curl command lines: so the secret
# looked for is a random one (the fault server takes any), and the token one
# the real server made for this test alone.
@test "the secret and the token are on no command line and in no log" {
	oidc_start
	fault_start ok
	local post rnd secret d=$BATS_TEST_TMPDIR/hx p
	post=$(hx_secret_file post post-secret-1)
	secret=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
	rnd=$(hx_secret_file rnd "$secret")
	HX_GATE=$d/go
	ccred_profile o token_url="$OIDC_TOKEN_URL" client_id=post-client \
		secret_store="$(gate_store "$post")"
	ccred_profile f token_url="$FAULT_URL" client_id=c secret_store="$(gate_store "$rnd")" \
		auth_method=client_secret_basic
	(
		# bash builtins only: a snapshot must be quick to catch short lives.
		while [ ! -e "$d/stop" ]; do
			for f in /proc/[0-9]*/cmdline; do
				mapfile -d '' -t args <"$f" && printf '%s\n' "${args[*]}"
			done
		done
		: # a process that vanished mid-read is no failure of the watcher
	) >"$d/cmdlines" 2>/dev/null &
	HX_WATCHER=$!
	for p in o f; do
		rm -f "$HX_GATE"
		"$CCRED" -v -v -p "$p" token >"$d/stdout-$p" 2>"$d/stderr-$p" &
		local pid=$!
		# The watcher has seen ccred in its fetch, with the store's command.
		wait_for grep -q -E "(^|/)(lt-)?ccred -v -v -p $p token" "$d/cmdlines"
		wait_for grep -q -F "$HX_GATE ]; do" "$d/cmdlines"
		touch "$HX_GATE"
		wait "$pid"
		[ -s "$d/stdout-$p" ]
	done
	sleep 0.2
	touch "$d/stop"
	wait "$HX_WATCHER"
	printf '%s\n' "$secret" >"$HX_PATS"
	printf '%s' "c:$secret" | base64 -w0 >>"$HX_PATS"
	echo >>"$HX_PATS"
	cat "$d/stdout-o" >>"$HX_PATS"
	no_match "$d/cmdlines" "$d"/stderr-* "$OIDC_LOG" "$OIDC_STDERR" "$FAULT_LOG" "$FAULT_STDERR"
}

@test "-v -v traces every step with the secret and the token redacted" {
	oidc_start
	local post basic
	post=$(hx_secret_file post post-secret-1)
	basic=$(hx_secret_file basic basic-secret-1)
	ccred_profile p token_url="$OIDC_TOKEN_URL" client_id=post-client secret_store="file $post"
	ccred_profile b token_url="$OIDC_TOKEN_URL" client_id=basic-client secret_store="file $basic" \
		auth_method=client_secret_basic
	cat "$post" "$basic" >"$HX_PATS"
	printf 'post-client:post-secret-1' | base64 -w0 >>"$HX_PATS"
	echo >>"$HX_PATS"
	printf 'basic-client:basic-secret-1' | base64 -w0 >>"$HX_PATS"
	echo >>"$HX_PATS"
	local p
	for p in p b; do
		hx_run -v -v -p "$p" token
		assert_equal "$HX_RC" 0
		printf '%s\n' "$HX_OUT" >>"$HX_PATS"
		cp "$BATS_TEST_TMPDIR/hx/stderr" "$BATS_TEST_TMPDIR/hx/trace-$p"
		# The trace is there: the request, curl's own lines, the cache.
		grep -q 'client_secret=<redacted>' "$BATS_TEST_TMPDIR/hx/trace-$p"
		grep -q '^ccred: http: ' "$BATS_TEST_TMPDIR/hx/trace-$p"
		grep -q '^ccred: cache: ' "$BATS_TEST_TMPDIR/hx/trace-$p"
		# And a hit, traced too.
		hx_run -v -v -p "$p" token
		cat "$BATS_TEST_TMPDIR/hx/stderr" >>"$BATS_TEST_TMPDIR/hx/trace-$p"
		grep -q 'cache: hit' "$BATS_TEST_TMPDIR/hx/trace-$p"
	done
	no_match "$BATS_TEST_TMPDIR"/hx/trace-*
}

# trace_over MODE: -v -v of a client_secret_basic and a client_secret_post
# fetch from the real server started with MODE (--https: HTTP/1.1, --http2:
# HTTP/2, where libcurl logs its request headers as text lines), with a
# secret that form-encoding changes; the trace must hold none of the secret,
# its form encoding, base64 of client_id:secret (raw or form-encoded), or
# the token, and no Authorization value.
trace_over() {
	local d=$BATS_TEST_TMPDIR/hx secret='Se+c/r=e&t%xy' p enc
	jq -n --arg s "$secret" '[{client_id: "tb-client", client_secret: $s,
		token_endpoint_auth_method: "client_secret_basic"}]' >"$d/clients.json"
	oidc_start "$1" --clients="$d/clients.json"
	(umask 077 && printf '%s\n' "$secret" >"$d/tb-secret")
	ccred_profile b token_url="$OIDC_TOKEN_URL" client_id=tb-client secret_store="file $d/tb-secret" \
		auth_method=client_secret_basic ca_file="$OIDC_CA" cache=no
	ccred_profile p token_url="$OIDC_TOKEN_URL" client_id=tb-client secret_store="file $d/tb-secret" \
		auth_method=client_secret_post ca_file="$OIDC_CA" cache=no
	enc=$(jq -rn --arg s "$secret" '$s | @uri')
	{
		printf '%s\n' "$secret" "$enc"
		printf '%s' "tb-client:$secret" | base64 -w0
		echo
		printf '%s' "tb-client:$enc" | base64 -w0
		echo
	} >"$HX_PATS"
	for p in b p; do
		hx_run -v -v -p "$p" token
		assert_equal "$HX_RC" 0
		printf '%s\n' "$HX_OUT" >>"$HX_PATS"
		cp "$d/stderr" "$d/trace-$p"
		grep -q '^ccred: http: ' "$d/trace-$p"
	done
	assert_equal "$(oidc_grants tb-client)" 2
	no_match "$d"/trace-*
	# No Authorization value in any form, and the lines that named one are
	# still there, redacted.
	if grep -i -E 'authorization[]: ]*[^][ ]' "$d"/trace-* | grep -v -F 'authorization [redacted]'; then
		echo "an Authorization value in the trace" >&2
		return 1
	fi
}

@test "-v -v over HTTP/1.1: no secret, no encoding of it, no token, no Authorization value" {
	trace_over --https
	grep -q 'HTTP/1.1' "$BATS_TEST_TMPDIR"/hx/trace-b
}

@test "-v -v over HTTP/2: no secret, no encoding of it, no token, no Authorization value" {
	trace_over --http2
	# The request went over HTTP/2, whose headers libcurl logs as text.
	grep -q -E 'h2h3|HTTP/2' "$BATS_TEST_TMPDIR"/hx/trace-b
	grep -q -i 'authorization \[redacted\]' "$BATS_TEST_TMPDIR"/hx/trace-b
}

# nobody_dir: a directory the user nobody owns, for running ccred as nobody.
nobody_dir() {
	HX_NOBODY_DIR=$(mktemp -d /tmp/ccred-nobody.XXXXXX)
	mkdir -p "$HX_NOBODY_DIR/home/.config/ccred" "$HX_NOBODY_DIR/run"
	chmod 711 "$HX_NOBODY_DIR"
	chown -R 65534:65534 "$HX_NOBODY_DIR"
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

@test "while it fetches, ccred is not dumpable and its core limit is 0" {
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	[ -z "${CCRED_TEST_VALGRIND:-}" ] || skip "under valgrind the process is valgrind's"
	as_nobody test -x "$CCRED" || skip "$CCRED is not reachable by the user nobody"
	oidc_start
	nobody_dir
	local d=$HX_NOBODY_DIR pid
	printf 'post-secret-1\n' >"$d/secret"
	cat >"$d/home/.config/ccred/config" <<-EOF
		[profile o]
		token_url = $OIDC_TOKEN_URL
		client_id = post-client
		secret_store = command sh -c 'while [ ! -e $d/go ]; do sleep 0.05; done; cat $d/secret'
	EOF
	chown -R 65534:65534 "$d"
	chmod 600 "$d/secret" "$d/home/.config/ccred/config"

	# Control: an ordinary process of nobody's has its /proc files owned
	# by nobody (dumpable), which is what the check below tells apart.
	# Both start with core dumps allowed as far as the hard limit lets them.
	(cd "$d" && ulimit -S -c "$(ulimit -H -c)" &&
		exec setpriv --reuid=65534 --regid=65534 --clear-groups sleep 30) &
	pid=$!
	is_sleep() { [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ]; }
	wait_for is_sleep
	assert_equal "$(stat -c %u "/proc/$pid/status")" 65534
	local soft
	soft=$(awk '/^Max core file size/ { print $5 }' "/proc/$pid/limits")
	kill "$pid"
	wait "$pid" || true
	[ "$soft" != 0 ] || skip "the hard core limit here is 0: nothing to tell apart"

	(cd "$d" && ulimit -S -c "$(ulimit -H -c)" &&
		HOME=$d/home XDG_RUNTIME_DIR=$d/run XDG_CONFIG_HOME=$d/home/.config \
		CCRED_SYSCONFDIR=$d/etc exec setpriv --reuid=65534 --regid=65534 --clear-groups "$CCRED" -p o token \
		>"$d/out" 2>"$d/err") &
	pid=$!
	# Wait until ccred is in the fetch: its store command is running, and
	# waits for $d/go.
	in_fetch() { [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = ccred ] && pgrep -P "$pid" >/dev/null; }
	wait_for in_fetch
	assert_equal "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 65534
	# Not dumpable: the kernel gives its /proc files to root.
	assert_equal "$(stat -c %u "/proc/$pid/status")" 0
	# The soft limit is the one in force (the hard one is kept so that
	# `ccred exec` can hand its command the user's own).
	run awk '/^Max core file size/ { print $5 }' "/proc/$pid/limits"
	assert_output 0
	touch "$d/go"
	wait "$pid"
	assert_equal "$(oidc_grants post-client)" 1
	[ -s "$d/out" ]
}

@test "every file ccred creates is 0600 in a 0700 directory, whatever the umask" {
	oidc_start
	local sec bad
	sec=$(hx_secret_file post post-secret-1)
	ccred_profile o token_url="$OIDC_TOKEN_URL" client_id=post-client secret_store="file $sec"
	ccred_profile d issuer="$OIDC_ISSUER" client_id=post-client secret_store="file $sec" scope=api:read
	ccred_profile s token_url="$OIDC_TOKEN_URL" client_id=new-client \
		secret_store="file $HOME/secrets/new-client"
	umask 000
	hx_run -p o token
	assert_equal "$HX_RC" 0
	hx_run -p d token
	assert_equal "$HX_RC" 0
	printf 'new-secret\n' | "$CCRED" -p s secret set
	# configure rewrites the config and stores a secret of its own.
	printf 'post-secret-1\n' | "$CCRED" configure c2 --token-url "$OIDC_TOKEN_URL" \
		--client-id post-client --store "file $HOME/secrets/c2" >/dev/null
	# Without XDG_RUNTIME_DIR the cache goes under ~/.cache, made here.
	rm -rf "$XDG_CACHE_HOME"
	env -u XDG_RUNTIME_DIR -u XDG_CACHE_HOME "$CCRED" -p o token >/dev/null
	umask 022
	assert_equal "$(stat -c %a "$XDG_RUNTIME_DIR/ccred")" 700
	assert_equal "$(stat -c %a "$HOME/.cache")" 700
	assert_equal "$(stat -c %a "$HOME/.cache/ccred")" 700
	assert_equal "$(stat -c %a "$HOME/secrets/new-client")" 600
	assert_equal "$(stat -c %a "$HOME/secrets/c2")" 600
	assert_equal "$(stat -c %a "$HOME/secrets")" 700
	assert_equal "$(stat -c %a "$HX_CONFIG")" 600
	grep -q '^\[profile c2\]$' "$HX_CONFIG"
	# Tokens, locks and the discovery entry: at least 5 files, all 0600.
	[ "$(find "$XDG_RUNTIME_DIR/ccred" "$HOME/.cache/ccred" -type f | wc -l)" -ge 5 ]
	bad=$(find "$XDG_RUNTIME_DIR/ccred" "$HOME/.cache/ccred" -mindepth 1 \
		\( -type f ! -perm 600 \) -o \( ! -type f \))
	assert_equal "$bad" ""
}

# One token in the cache for profile o, from the real server.
cached_profile() {
	oidc_start
	local sec
	sec=$(hx_secret_file post post-secret-1)
	ccred_profile o token_url="$OIDC_TOKEN_URL" client_id=post-client secret_store="file $sec"
	hx_run -p o token
	assert_equal "$HX_RC" 0
	HX_FIRST=$HX_OUT
	HX_ENTRY=$(ls "$XDG_RUNTIME_DIR"/ccred/*.tok)
}

# The next call does not use the planted entry: it asks the server again.
expect_refetch() {
	hx_run -v -p o token
	assert_equal "$HX_RC" 0
	[[ $HX_OUT != "$HX_FIRST" ]]
	assert_equal "$(oidc_grants post-client)" 2
	[[ $HX_ERR == *"$1"* ]]
}

@test "a cache entry that is a symbolic link is not followed" {
	cached_profile
	local elsewhere=$BATS_TEST_TMPDIR/hx/planted.tok before
	mv "$HX_ENTRY" "$elsewhere"
	ln -s "$elsewhere" "$HX_ENTRY"
	before=$(sha256sum <"$elsewhere")
	expect_refetch "entry refused"
	# The link was replaced by a real entry; its target is untouched.
	[ ! -L "$HX_ENTRY" ] && [ -f "$HX_ENTRY" ]
	assert_equal "$(sha256sum <"$elsewhere")" "$before"
}

@test "a cache entry of another user, or readable by others, is refused" {
	cached_profile
	chown 65534 "$HX_ENTRY"
	expect_refetch "owner uid 65534"
	chmod 644 "$HX_ENTRY"
	hx_run -v -p o token
	[[ $HX_ERR == *"mode 0644"* ]]
	assert_equal "$(oidc_grants post-client)" 3
}

@test "a cache directory that is a link, or another user's, is never used and never touched" {
	cached_profile
	local other=$BATS_TEST_TMPDIR/hx/other-cache before
	mv "$XDG_RUNTIME_DIR/ccred" "$other"
	ln -s "$other" "$XDG_RUNTIME_DIR/ccred"
	before=$(ls -l "$other" | sha256sum)
	hx_run -p o token
	assert_equal "$HX_RC" 0
	assert_equal "$(oidc_grants post-client)" 2
	[ -L "$XDG_RUNTIME_DIR/ccred" ]
	assert_equal "$(ls -l "$other" | sha256sum)" "$before"
	# Another user's directory: not used (every call fetches), left as it is.
	rm "$XDG_RUNTIME_DIR/ccred"
	mv "$other" "$XDG_RUNTIME_DIR/ccred"
	chown -R 65534 "$XDG_RUNTIME_DIR/ccred"
	before=$(ls -l "$XDG_RUNTIME_DIR/ccred" | sha256sum)
	hx_run -p o token
	assert_equal "$HX_RC" 0
	hx_run -p o token
	assert_equal "$HX_RC" 0
	assert_equal "$(oidc_grants post-client)" 4
	assert_equal "$(stat -c %u "$XDG_RUNTIME_DIR/ccred")" 65534
	assert_equal "$(ls -l "$XDG_RUNTIME_DIR/ccred" | sha256sum)" "$before"
}

@test "a config of another user, or writable by others, is refused (78)" {
	local sec
	sec=$(hx_secret_file post post-secret-1)
	ccred_profile o token_url=http://127.0.0.1:9/token client_id=post-client \
		secret_store="file $sec"
	chown 65534 "$HX_CONFIG"
	hx_run -p o token
	hx_assert_failure 78
	[[ $HX_ERR == *"owned by uid 65534"* ]]
	chown 0 "$HX_CONFIG"
	chmod 620 "$HX_CONFIG"
	hx_run -p o token
	hx_assert_failure 78
	[[ $HX_ERR == *"writable by group or others"* ]]
}

@test "a config reached through a link is judged by the file it reaches" {
	oidc_start
	local sec real=$BATS_TEST_TMPDIR/hx/dotfiles/ccred.conf
	sec=$(hx_secret_file post post-secret-1)
	mkdir -p "${real%/*}"
	ccred_profile o token_url="$OIDC_TOKEN_URL" client_id=post-client secret_store="file $sec"
	mv "$HX_CONFIG" "$real"
	ln -s "$real" "$HX_CONFIG"
	# One's own file through a link (dotfile managers do this): read.
	hx_run -p o token
	assert_equal "$HX_RC" 0
	# A link to another user's file: refused.
	chown 65534 "$real"
	hx_run -p o token
	hx_assert_failure 78
	[[ $HX_ERR == *"owned by uid 65534"* ]]
}

@test "no copy of the client secret is left in memory at exit" {
	command -v gdb >/dev/null || skip "gdb is not installed"
	[ -z "${CCRED_TEST_VALGRIND:-}" ] || skip "gdb cannot run ccred under valgrind"
	# LeakSanitizer cannot run under ptrace, and ASan's allocator is not
	# the one whose leftovers matter.
	if "$CCRED_BUILDDIR/libtool" --mode=execute ldd "$CCRED" | grep -q libasan; then
		skip "an AddressSanitizer build"
	fi
	fault_start ok
	local secret sec marker m b64 i
	# 64 random hex digits: slices of 16 are looked for, since free() writes
	# its own pointers over the start of a block it takes back.
	secret=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
	sec=$(hx_secret_file heap "$secret")
	ccred_profile post token_url="$FAULT_URL" client_id=c secret_store="file $sec"
	ccred_profile basic token_url="$FAULT_URL" client_id=c secret_store="file $sec" \
		auth_method=client_secret_basic
	marker=memscan-marker-$RANDOM$RANDOM
	for m in post basic; do
		: >"$HX_PATS"
		for i in 0 16 32 48; do
			printf '%s\n' "${secret:$i:16}" >>"$HX_PATS"
		done
		b64=$(printf 'c:%s' "$secret" | base64 -w0)
		for i in 4 20 36 52 68; do
			printf '%s\n' "${b64:$i:16}" >>"$HX_PATS"
		done
		printf '%s\n' "$marker" >>"$HX_PATS"
		CCRED_MEMSCAN_PATTERNS=$HX_PATS HX_MARKER=$marker \
			run "$CCRED_BUILDDIR/libtool" --mode=execute gdb -q -batch -nx \
			-x "$BATS_TEST_DIRNAME/memscan.py" --args "$CCRED" -p "$m" token
		assert_line --partial fault-token-
		# The control: the marker, in the environment, is found.
		refute_line 'ccred-memscan 9 0'
		refute_line 'ccred-memscan heap 0'
		for i in 0 1 2 3 4 5 6 7 8; do
			assert_line "ccred-memscan $i 0"
		done
	done
	assert_equal "$(fault_requests)" 2
}
