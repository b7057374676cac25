#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The token cache (SPEC.md "Tokens and their cache"), end to end against the
# real oidc-provider: hits, refresh ahead of expiry, min_ttl, the cache key,
# one request for a crowd, a lock holder killed with SIGKILL, refused
# directories and entries, invalidation, `cache = no`, the hit path's
# footprint (strace), and `ccred profiles`.
#
# Every count of token requests comes from the server's own grant log
# (grants), never from ccred.

bats_require_minimum_version 1.5.0

# One oidc-provider (ttl 300) serves the whole file; a test that needs a
# short ttl starts its own.  Counts are per test: lines the log gained
# since the test's start().
setup_file() {
	load common
	export CCRED_TEST_TMPDIR=$BATS_FILE_TMPDIR
	oidc_start
	export FILE_OIDC_PID=$OIDC_PID
}

teardown_file() {
	OIDC_PID=$FILE_OIDC_PID ccred_test_server_stop OIDC
}

setup() {
	load common
	unset CCRED_TEST_TMPDIR
	ccred_env
}

teardown() {
	if [ -s "$BATS_TEST_TMPDIR/sleeper.pid" ]; then
		kill -KILL "$(cat "$BATS_TEST_TMPDIR/sleeper.pid")" 2>/dev/null || :
	fi
	ccred_test_teardown
}

# profile NAME [KEY=VALUE...] (ccred_profile): a profile for the oidc server;
# by default post-client, scope api:read, the secret in $SEC.
CCRED_PROFILE_DEFAULTS=(token_url=@OIDC_TOKEN_URL client_id=post-client scope=api:read
	"secret_store=env SEC")

# start [TTL]: the file's server (or, with a TTL, a server of the test's
# own) and one profile "default".
start() {
	[ $# -eq 0 ] || oidc_start "$@"
	LOG0=$(wc -l <"$OIDC_LOG")
	export SEC=post-secret-1
	ccred_config </dev/null
	ccred_profile default
}

# grants [CLIENT_ID], grant_errors [CLIENT_ID]: token requests the server
# answered (or refused) since start().
grants() {
	tail -n +$((LOG0 + 1)) "$OIDC_LOG" | grep -c "^{\"event\":\"success\",\"client_id\":\"${1:-[^\"]*}\"" || :
}

grant_errors() {
	tail -n +$((LOG0 + 1)) "$OIDC_LOG" | grep -c "^{\"event\":\"error\",\"client_id\":\"${1:-[^\"]*}\"" || :
}

# The single cache entry (fails when there is not exactly one).
entry() {
	local f n=0
	for f in "$CACHE"/*.tok; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		printf '%s\n' "$f"
	done
	[ "$n" -eq 1 ]
}

# tok [ARGS...]: `ccred ARGS token` with stderr kept apart; sets $output,
# $stderr, $status.
tok() {
	run --separate-stderr "$CCRED" "$@" token
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# strace_ccred FILE ARGS...: `ccred ARGS` under strace (opens, sockets,
# connects), FILE keeping what the ccred binary itself did: $CCRED may be
# libtool's wrapper script, whose shell is cut off at the exec, or the
# valgrind stage's, where ccred runs inside memcheck (never exec'd itself).
strace_ccred() {
	local f=$1
	shift
	# LeakSanitizer cannot run under ptrace (the ASan stage of run.sh).
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -o "$f.raw" -e trace=execve,openat,open,socket,connect "$CCRED" "$@" ||
		return
	local from
	from=$(grep -n -E 'execve\("[^"]*(ccred|/memcheck-[a-z0-9]+-linux)", .* = 0$' "$f.raw" |
		tail -n 1 | cut -d: -f1)
	[ -n "$from" ] && tail -n +"$from" "$f.raw" >"$f"
	[ -s "$f" ]
}

now() { date +%s; }

# A first token, cached: TOKEN1 holds it.
first_token() {
	tok
	assert_success
	TOKEN1=$output
	[ -n "$TOKEN1" ]
	assert_equal "$(grants)" 1
}

# --- hits and expiry --------------------------------------------------------

@test "hit: the second call is served from the cache; the server saw one request" {
	start
	first_token
	tok -v
	assert_success
	assert_output "$TOKEN1"
	[[ $stderr == *"cache: hit"* ]]
	assert_equal "$(grants)" 1
	run "$CCRED" header
	assert_output "Authorization: Bearer $TOKEN1"
	assert_equal "$(grants)" 1
}

@test "expiry: with ttl 8 (default min_ttl 4) a token with fewer than 4 s left is refetched" {
	start 8
	# The inline refetch under min_ttl, not refresh ahead: a slow hit (under
	# valgrind) would land in the window and refresh in the background.
	ccred_config </dev/null
	ccred_profile default refresh_ahead=0
	run --separate-stderr "$CCRED" json
	assert_success
	local t1 exp
	t1=$(jq -r .access_token <<<"$output")
	exp=$(date -d "$(jq -r .expires_at <<<"$output")" +%s)
	# Still 4 s or more left: a hit.
	tok
	assert_output "$t1"
	assert_equal "$(grants)" 1
	# Fewer than 4 s left: a new request, a new token.
	while [ "$(now)" -lt $((exp - 3)) ]; do sleep 0.2; done
	tok -v
	assert_success
	refute_output "$t1"
	[[ $stderr == *"wants 4 s: refreshing"* ]]
	assert_equal "$(grants)" 2
	# The new token is cached in turn.
	local t2=$output
	tok
	assert_output "$t2"
	assert_equal "$(grants)" 2
}

@test "min_ttl: --min-ttl above the remaining life forces a refresh; below it, a hit" {
	start
	first_token
	tok --min-ttl 250
	assert_output "$TOKEN1"
	assert_equal "$(grants)" 1
	# 300 s is all a token of this server ever has: 301 forces a refresh.
	tok -v --min-ttl 301
	assert_success
	refute_output "$TOKEN1"
	[[ $stderr == *"wants 301 s: refreshing"* ]]
	assert_equal "$(grants)" 2
}

@test "min_ttl: a fresh token whose whole life is below an explicit min_ttl is handed out, and -v says so" {
	start
	tok -v --min-ttl 400
	assert_success
	[ -n "$output" ]
	[[ $stderr == *"fresh token lives 300 s, below min_ttl; handing it out anyway"* ]]
	assert_equal "$(grants)" 1
	# The same from the profile's own min_ttl.
	ccred_config </dev/null
	ccred_profile default min_ttl=400
	tok -v
	assert_success
	[ -n "$output" ]
	[[ $stderr == *"wants 400 s: refreshing"* ]]
	[[ $stderr == *"below min_ttl; handing it out anyway"* ]]
	assert_equal "$(grants)" 2
}

@test "key: a changed scope, client_id or auth_method gets a new token, not the cached one" {
	start
	first_token
	ccred_config </dev/null
	ccred_profile default 'scope=api:read api:write'
	tok
	assert_success
	local t2=$output
	refute_output "$TOKEN1"
	assert_equal "$(grants)" 2
	# Back to the first scope: its token is still cached.
	ccred_config </dev/null
	ccred_profile default
	tok
	assert_output "$TOKEN1"
	assert_equal "$(grants)" 2
	# Another client.
	export SEC2=basic-secret-1
	ccred_config </dev/null
	ccred_profile default client_id=basic-client 'secret_store=env SEC2'
	tok
	assert_success
	refute_output "$TOKEN1"
	refute_output "$t2"
	assert_equal "$(grants basic-client)" 1
	# The same client, another auth_method.
	local t3=$output
	ccred_config </dev/null
	ccred_profile default client_id=basic-client 'secret_store=env SEC2' auth_method=client_secret_basic
	tok
	assert_success
	refute_output "$t3"
	assert_equal "$(grants basic-client)" 2
}

# --- one request for a crowd, and a dead lock holder -------------------------

# crowd N [ARGS...]: N callers of `ccred ARGS token` released at once;
# their outputs, stderr and exit codes in $BATS_TEST_TMPDIR/crowd.  Under
# valgrind (the valgrind stage of tests/run.sh) a crowd of 8: 50 memchecks
# at once only make the 2-core machine swap time for the same proof.
crowd_size() {
	if [ -n "${CCRED_TEST_VALGRIND:-}" ]; then echo 8; else echo "$1"; fi
}
crowd() {
	local n=$1 d=$BATS_TEST_TMPDIR/crowd i pids=()
	shift
	rm -rf "$d"
	mkdir "$d"
	mkfifo "$d/go"
	# A barrier: all block reading the fifo; one line each lets them go.
	# (fd 7: bats owns fd 3.)
	exec 7<>"$d/go"
	for i in $(seq "$n"); do
		(
			exec 3>&-
			read -r _ <"$d/go"
			"$CCRED" "$@" token >"$d/out.$i" 2>"$d/err.$i"
			echo $? >"$d/rc.$i"
		) &
		pids+=($!)
	done
	sleep 1
	for i in $(seq "$n"); do echo; done >&7
	# (not a bare `wait`: the server is a background job too)
	wait "${pids[@]}"
	exec 7>&-
	assert_equal "$(cat "$d"/rc.* | grep -c '^0$')" "$n"
	assert_equal "$(cat "$d"/err.*)" ""
	assert_equal "$(cat "$d"/out.* | grep -c .)" "$n"
	assert_equal "$(cat "$d"/out.* | sort -u | wc -l)" 1
}

@test "crowd: 50 callers (8 under valgrind) at once on an empty cache make exactly 1 token request and all print the same token" {
	start
	crowd "$(crowd_size 50)"
	assert_equal "$(grants)" 1
	assert_equal "$(grant_errors)" 0
	# The crowd leaves no temp file behind.
	assert_equal "$(find "$CACHE" -name '*.tmp' | wc -l)" 0
	# And later callers get the same token from the cache.
	tok
	assert_output "$(cat "$BATS_TEST_TMPDIR/crowd/out.1")"
	assert_equal "$(grants)" 1
}

@test "crowd: with min_ttl above the token's lifetime, callers who waited share the one fresh token" {
	start
	# A secret store that takes a second: every caller is at the lock
	# before the one fetch ends.
	local s=$BATS_TEST_TMPDIR/secret
	printf 'post-secret-1\n' >"$s"
	chmod 600 "$s"
	ccred_config </dev/null
	ccred_profile default "secret_store=command sh -c 'sleep 1; cat \"\$0\"' $s"
	crowd "$(crowd_size 20)" --min-ttl 400
	assert_equal "$(grants)" 1
	# A caller who did not wait asks anew: nothing cached is good enough.
	tok --min-ttl 400
	assert_success
	refute_output "$(cat "$BATS_TEST_TMPDIR/crowd/out.1")"
	assert_equal "$(grants)" 2
}

@test "lock: a caller killed with SIGKILL while holding the lock does not block the next one" {
	start
	local s=$BATS_TEST_TMPDIR/secret
	printf 'post-secret-1\n' >"$s"
	chmod 600 "$s"
	# First run of the store: note its pid, then sleep (the lock is held
	# meanwhile); later runs print the secret at once.
	: >"$s.slow"
	ccred_config </dev/null
	ccred_profile default timeout=10 \
		"secret_store=command sh -c 'if [ -e \"\$0.slow\" ]; then rm \"\$0.slow\"; echo \$\$ >\"\$0.pid\"; exec sleep 60; fi; cat \"\$0\"' $s"
	"$CCRED" token >"$BATS_TEST_TMPDIR/first.out" 2>&1 3>&- &
	local first=$!
	local i=0
	while [ ! -s "$s.pid" ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$s.pid" ]
	cp "$s.pid" "$BATS_TEST_TMPDIR/sleeper.pid"
	# The first caller holds the lock now.
	local lock
	lock=$(ls "$CACHE"/*.lock)
	run flock -n "$lock" true
	assert_failure
	kill -KILL "$first"
	wait "$first" || :
	local t0=$SECONDS
	tok
	assert_success
	[ -n "$output" ]
	# Bounded by the profile's timeout (10 s), which a held lock would
	# have used up before failing with 75.
	[ $((SECONDS - t0)) -lt 10 ]
	assert_equal "$(grants)" 1
	run flock -n "$lock" true
	assert_success
}

# --- refused cache directories -----------------------------------------------

# listing DIR: every name in DIR with its owner, mode, size and content.
listing() {
	(cd "$1" && find . -printf '%p %u %m %s\n' | LC_ALL=C sort && cat ./* 2>/dev/null | sha256sum)
}

# not_used WHY: the cache directory was not used for this call: the token
# was still handed out, fetched anew, and -v said WHY.
not_used() {
	tok -v
	assert_success
	[ -n "$output" ]
	refute_output "$TOKEN1"
	[[ $stderr == *"cache: not used: refusing $CACHE"*"$1"*"ccred leaves it alone"* ]]
}

@test "dir: mode 0755 holding only ccred's names is made 0700 and used; its entry serves" {
	start
	first_token
	chmod 755 "$CACHE"
	tok -v
	assert_success
	assert_output "$TOKEN1"
	[[ $stderr == *"cache: $CACHE had mode 0755; made it 0700"* ]]
	assert_equal "$(stat -c %a "$CACHE")" 700
	assert_equal "$(grants)" 1
}

@test "dir: mode 0755 holding a file ccred did not write is not used, not chmod'ed, nothing removed" {
	start
	first_token
	printf 'mine\n' >"$CACHE/notes.txt"
	chmod 755 "$CACHE"
	local before
	before=$(listing "$CACHE")
	not_used "mode 0755, not 0700, and it holds 'notes.txt', which ccred did not write"
	assert_equal "$(grants)" 2
	# Every call still gets a token, fetched anew; the directory is as it was.
	tok
	assert_success
	assert_equal "$(grants)" 3
	assert_equal "$(listing "$CACHE")" "$before"
	run "$CCRED" logout --all
	assert_success
	assert_equal "$(listing "$CACHE")" "$before"
}

@test "dir: owned by another user is not used, never renamed or emptied" {
	start
	first_token
	chown -R nobody "$CACHE"
	local before
	before=$(listing "$CACHE")
	not_used "owned by uid $(id -u nobody)"
	assert_equal "$(grants)" 2
	tok
	assert_success
	assert_equal "$(grants)" 3
	run "$CCRED" logout --all
	assert_success
	assert_equal "$(listing "$CACHE")" "$before"
	assert_equal "$(ls -A "$XDG_RUNTIME_DIR")" ccred
}

@test "dir: a symlink is not used, never followed or removed; its target is untouched" {
	start
	first_token
	local there=$BATS_TEST_TMPDIR/elsewhere
	mv "$CACHE" "$there"
	ln -s "$there" "$CACHE"
	local before
	before=$(listing "$there")
	not_used "not a directory of yours"
	assert_equal "$(grants)" 2
	[ -L "$CACHE" ]
	run "$CCRED" logout --all
	assert_success
	[ -L "$CACHE" ]
	assert_equal "$(listing "$there")" "$before"
}

@test "dir: root with a user's HOME whose ~/.cache links to an etc directory deletes nothing there" {
	start
	unset XDG_RUNTIME_DIR XDG_CACHE_HOME
	# An /etc of its own: root's, 0755, the system config inside.
	local etc=$BATS_TEST_TMPDIR/etc-like
	mkdir -p "$etc/ccred"
	chmod 755 "$etc" "$etc/ccred"
	printf '[profile sys]\ntoken_url = https://example.invalid/token\n' >"$etc/ccred/config"
	chmod 644 "$etc/ccred/config"
	rmdir "$HOME/.cache"
	ln -s "$etc" "$HOME/.cache"
	local before
	before=$(listing "$etc")
	tok -v
	assert_success
	[ -n "$output" ]
	[[ $stderr == *"cache: not used: refusing $HOME/.cache/ccred: it has mode 0755, not 0700, and it holds 'config', which ccred did not write"* ]]
	run "$CCRED" logout --all
	assert_success
	run "$CCRED" -v logout
	assert_success
	tok
	assert_success
	assert_equal "$(listing "$etc")" "$before"
	assert_equal "$(cat "$etc/ccred/config")" "$(printf '[profile sys]\ntoken_url = https://example.invalid/token')"
}

@test "dir: only ccred's own names are ever removed: logout --all and the temp sweep spare the rest" {
	start
	first_token
	local stem f
	stem=$(basename "$(entry)" .tok)
	# Names that look like ccred's but are not what it writes.
	for f in notes.tok x.lock .old.tmp .0123.tmp "$(printf '%032d' 0).tok.bak" README; do
		printf 'not ccred\n' >"$CACHE/$f"
		chmod 600 "$CACHE/$f"
		touch -d '-2 hours' "$CACHE/$f"
	done
	# And one of ccred's own stale temp files, which the next write sweeps.
	local stale=$CACHE/.$stem.4242.0badcafe.tmp
	printf 'x\n' >"$stale"
	touch -d '-2 hours' "$stale"
	run "$CCRED" logout --all
	assert_success
	[ ! -e "$CACHE/$stem.tok" ]
	tok
	assert_success
	assert_equal "$(grants)" 2
	[ ! -e "$stale" ]
	for f in notes.tok x.lock .old.tmp .0123.tmp "$(printf '%032d' 0).tok.bak" README; do
		assert_equal "$(cat "$CACHE/$f")" "not ccred"
	done
}

@test "dir: without XDG_RUNTIME_DIR the cache lives in XDG_CACHE_HOME/ccred" {
	start
	unset XDG_RUNTIME_DIR
	first_token
	[ -f "$XDG_CACHE_HOME/ccred/$(basename "$(CACHE=$XDG_CACHE_HOME/ccred entry)")" ]
	assert_equal "$(stat -c %a "$XDG_CACHE_HOME/ccred")" 700
	tok
	assert_output "$TOKEN1"
	assert_equal "$(grants)" 1
}

# --- refused and corrupt entries ------------------------------------------------

# refetch_after WHY: the current entry was spoiled; the next call must ask
# the server again, say WHY under -v, and leave a good 0600 entry of ours
# that serves the call after.
refetch_after() {
	tok -v
	assert_success
	refute_output "$TOKEN1"
	[[ $stderr == *"cache: miss ($1"* ]] || {
		echo "stderr: $stderr"
		return 1
	}
	assert_equal "$(grants)" 2
	local e
	e=$(entry)
	[ -f "$e" ] && [ ! -L "$e" ]
	assert_equal "$(stat -c '%u %a' "$e")" "$(id -u) 600"
	local t2=$output
	tok
	assert_output "$t2"
	assert_equal "$(grants)" 2
}

@test "entry: mode 0644 is refused and refetched" {
	start
	first_token
	chmod 644 "$(entry)"
	refetch_after "entry refused: owner uid $(id -u), mode 0644"
}

@test "entry: owned by another user is refused and refetched" {
	start
	first_token
	chown nobody "$(entry)"
	refetch_after "entry refused: owner uid $(id -u nobody), mode 0600"
}

@test "entry: a symlink is never followed; the entry is refetched and the target untouched" {
	start
	first_token
	local e real=$BATS_TEST_TMPDIR/real.tok
	e=$(entry)
	mv "$e" "$real"
	ln -s "$real" "$e"
	local before
	before=$(sha "$real")
	refetch_after "entry refused: Too many levels of symbolic links"
	assert_equal "$(sha "$real")" "$before"
	grep -q "$TOKEN1" "$real"
}

@test "entry: a truncated entry is refetched" {
	start
	first_token
	local e
	e=$(entry)
	truncate -s $(($(stat -c %s "$e") / 2)) "$e"
	refetch_after "truncated entry"
}

@test "entry: garbage is refetched" {
	start
	first_token
	local e
	e=$(entry)
	head -c 300 /dev/urandom >"$e"
	refetch_after ""
}

@test "entry: another format version is refetched" {
	start
	first_token
	local e
	e=$(entry)
	sed -i '1s/.*/ccred-cache 999/' "$e"
	refetch_after "not a cache entry of this version"
}

@test "entry: an empty file is refetched" {
	start
	first_token
	: >"$(entry)"
	refetch_after "entry refused: size 0"
}

@test "entry: 0600 files in a 0700 directory, ours, even under umask 000; no temp files left" {
	start
	umask 000
	first_token
	umask 022
	assert_equal "$(stat -c '%u %a' "$CACHE")" "$(id -u) 700"
	assert_equal "$(stat -c '%u %a' "$(entry)")" "$(id -u) 600"
	local f
	for f in "$CACHE"/*; do
		assert_equal "$(stat -c '%u %a' "$f")" "$(id -u) 600"
	done
	assert_equal "$(find "$CACHE" -name '*.tmp' | wc -l)" 0
	# The entry holds the token and no secret.
	run grep -c post-secret-1 "$(entry)"
	assert_output 0
}

@test "entry: a leftover temp file from a killed writer breaks nothing and is swept once stale" {
	start
	first_token
	local stem stale fresh
	stem=$(basename "$(entry)" .tok)
	stale=$CACHE/.$stem.99999.deadbeef.tmp
	fresh=$CACHE/.$stem.99998.cafef00d.tmp
	printf 'ccred-cache 1\nkey ' >"$stale"
	printf 'half an entry' >"$fresh"
	chmod 600 "$stale" "$fresh"
	touch -d '-10 minutes' "$stale"
	tok
	assert_output "$TOKEN1"
	assert_equal "$(grants)" 1
	# A writer (a miss) sweeps the stale one and leaves the recent one.
	"$CCRED" logout
	tok
	assert_success
	refute_output "$TOKEN1"
	[ ! -e "$stale" ]
	[ -e "$fresh" ]
}

# --- invalidation --------------------------------------------------------------

@test "git: 'git credential reject' drops the token, the next fill fetches a new one, the secret stays" {
	start
	local s=$BATS_TEST_TMPDIR/secret
	printf 'post-secret-1\n' >"$s"
	chmod 600 "$s"
	ccred_config </dev/null
	ccred_profile default "secret_store=file $s" url=https://git.example.test
	local before
	before=$(sha "$s")
	local q='protocol=https\nhost=git.example.test\n\n'
	run git -c credential.helper="$CCRED" credential fill < <(printf "$q")
	assert_success
	assert_line username=post-client
	local p1
	p1=$(sed -n 's/^password=//p' <<<"$output")
	[ -n "$p1" ]
	run git -c credential.helper="$CCRED" credential fill < <(printf "$q")
	assert_line "password=$p1"
	assert_equal "$(grants)" 1
	run git -c credential.helper="$CCRED" credential reject \
		< <(printf 'protocol=https\nhost=git.example.test\nusername=post-client\npassword=%s\n\n' "$p1")
	assert_success
	run git -c credential.helper="$CCRED" credential fill < <(printf "$q")
	assert_success
	refute_line "password=$p1"
	assert_equal "$(grants)" 2
	assert_equal "$(sha "$s")" "$before"
	# ccred's own erase, as git runs it.
	local p2
	p2=$(sed -n 's/^password=//p' <<<"$output")
	run "$CCRED" erase < <(printf "$q")
	assert_success
	assert_output ""
	run git -c credential.helper="$CCRED" credential fill < <(printf "$q")
	refute_line "password=$p2"
	assert_equal "$(grants)" 3
	assert_equal "$(sha "$s")" "$before"
}

@test "logout: drops one profile's token; --all drops every token; the secret stays" {
	start
	local s=$BATS_TEST_TMPDIR/secret
	printf 'post-secret-1\n' >"$s"
	chmod 600 "$s"
	ccred_config </dev/null
	ccred_profile a "secret_store=file $s"
	ccred_profile b "secret_store=file $s" 'scope=api:write'
	local before a1 b1
	before=$(sha "$s")
	a1=$("$CCRED" -p a token)
	b1=$("$CCRED" -p b token)
	assert_equal "$(grants)" 2
	run "$CCRED" -p a logout
	assert_success
	assert_output ""
	tok -p a
	refute_output "$a1"
	local a2=$output
	tok -p b
	assert_output "$b1"
	assert_equal "$(grants)" 3
	run "$CCRED" logout --all
	assert_success
	tok -p a
	refute_output "$a2"
	tok -p b
	refute_output "$b1"
	assert_equal "$(grants)" 5
	assert_equal "$(sha "$s")" "$before"
	run "$CCRED" -p a secret status
	assert_success
}

@test "cache = no: every call asks the server, and nothing is written" {
	start
	ccred_config </dev/null
	ccred_profile default cache=no
	local a b c
	a=$("$CCRED" token)
	b=$("$CCRED" token)
	c=$("$CCRED" token)
	[ -n "$a" ] && [ "$a" != "$b" ] && [ "$b" != "$c" ]
	assert_equal "$(grants)" 3
	assert_equal "$(find "$XDG_RUNTIME_DIR" "$XDG_CACHE_HOME" -name '*.tok' | wc -l)" 0
}

# --- the hit path's footprint ------------------------------------------------------

@test "hit path: no libcurl, no json-c, no libsecret, no socket, no secret read; works with the keyring torn down" {
	# the environment first: it keeps nothing of a session bus
	ccred_env "$BATS_TEST_TMPDIR/kr"
	ccred_test_keyring_start "$BATS_TEST_TMPDIR/kr" ccred-test-pw
	start
	ccred_config </dev/null
	ccred_profile default secret_store=libsecret
	run "$CCRED" secret set < <(printf 'post-secret-1\n')
	assert_success
	# A miss reads the keyring and loads the HTTP and JSON modules: the trace
	# sees all of it (proving the checks below can fail).
	strace_ccred "$BATS_TEST_TMPDIR/miss.trace" token >"$BATS_TEST_TMPDIR/miss.out"
	local t1
	t1=$(cat "$BATS_TEST_TMPDIR/miss.out")
	[ -n "$t1" ]
	grep -q 'http-curl.so' "$BATS_TEST_TMPDIR/miss.trace"
	grep -q 'libcurl' "$BATS_TEST_TMPDIR/miss.trace"
	grep -q '/json-c\.so' "$BATS_TEST_TMPDIR/miss.trace"
	grep -q 'libjson-c' "$BATS_TEST_TMPDIR/miss.trace"
	grep -q 'libsecret' "$BATS_TEST_TMPDIR/miss.trace"
	grep -q 'connect(' "$BATS_TEST_TMPDIR/miss.trace"
	# No keyring, no bus: a hit still works and touches none of it.
	ccred_test_session_stop
	strace_ccred "$BATS_TEST_TMPDIR/hit.trace" token >"$BATS_TEST_TMPDIR/hit.out"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/hit.out")" "$t1"
	grep -q '\.tok"' "$BATS_TEST_TMPDIR/hit.trace"
	run grep -E 'libcurl|libsecret|http-curl|json-c|libgio|libglib|libssl|socket\(|connect\(' \
		"$BATS_TEST_TMPDIR/hit.trace"
	assert_output ""
	assert_equal "$(grants)" 1
	# And ld.so agrees: the process loaded none of those libraries.
	LD_DEBUG=files "$CCRED" token 2>"$BATS_TEST_TMPDIR/ld.debug" >/dev/null
	grep -q 'file=libc.so' "$BATS_TEST_TMPDIR/ld.debug"
	run grep -E 'file=.*(libcurl|libsecret|http-curl|json-c)' "$BATS_TEST_TMPDIR/ld.debug"
	assert_output ""
}

@test "JSON module: a fetch without it fails closed before any request; a hit never needs it" {
	start
	local mods=$BATS_TEST_TMPDIR/modules
	mkdir -p "$mods"
	ln -s "$CCRED_MODULE_DIR/http-curl.so" "$mods/http-curl.so"
	# Missing, then not an ELF object: exit 70, nothing on stdout, and the
	# server never hears of it (the module loads before the request).
	CCRED_MODULE_DIR=$mods tok
	assert_failure 70
	assert_output ''
	[[ $stderr == *"cannot load the JSON module"*"json-c.so"* ]] || fail "stderr: $stderr"
	printf 'not an ELF object\n' >"$mods/json-c.so"
	CCRED_MODULE_DIR=$mods tok
	assert_failure 70
	assert_output ''
	[[ $stderr == *"cannot load the JSON module"* ]] || fail "stderr: $stderr"
	# A shared object without the entry point is refused too.
	rm "$mods/json-c.so"
	ln -s "$CCRED_MODULE_DIR/http-curl.so" "$mods/json-c.so"
	CCRED_MODULE_DIR=$mods tok
	assert_failure 70
	assert_output ''
	[[ $stderr == *"json-c.so is not a ccred JSON module"* ]] || fail "stderr: $stderr"
	assert_equal "$(grants)" 0
	assert_equal "$(grant_errors)" 0
	assert_equal "$(find "$CACHE" -name '*.tok' 2>/dev/null | wc -l)" 0
	# The real module: a token, cached.
	ln -sf "$CCRED_MODULE_DIR/json-c.so" "$mods/json-c.so"
	CCRED_MODULE_DIR=$mods tok
	assert_success
	local t1=$output
	assert_equal "$(grants)" 1
	# Gone again: the hit still works, since the cache entry is no JSON.
	rm "$mods/json-c.so"
	CCRED_MODULE_DIR=$mods tok
	assert_success
	assert_output "$t1"
	assert_equal "$(grants)" 1
}

@test "hit path: the env and file stores are not read on a hit" {
	start
	local s=$BATS_TEST_TMPDIR/secret
	printf 'post-secret-1\n' >"$s"
	chmod 600 "$s"
	first_token
	# The variable is gone: a hit does not need it, a miss does.
	unset SEC
	tok
	assert_success
	assert_output "$TOKEN1"
	"$CCRED" logout
	tok
	assert_equal "$status" 69
	assert_output ""
	# The file store: the trace of a hit never opens the file.
	export SEC=post-secret-1
	ccred_config </dev/null
	ccred_profile default "secret_store=file $s"
	"$CCRED" token >/dev/null
	strace_ccred "$BATS_TEST_TMPDIR/hit.trace" token >/dev/null
	grep -q '\.tok"' "$BATS_TEST_TMPDIR/hit.trace"
	run grep -F "$s" "$BATS_TEST_TMPDIR/hit.trace"
	assert_output ""
}

# --- ccred profiles ------------------------------------------------------------

@test "profiles: endpoint, client_id, stores and the cached token's remaining life, never the token" {
	start
	ccred_config </dev/null
	ccred_profile a url=https://git.example.test
	ccred_profile b 'scope=api:read api:write'
	ccred_profile c cache=no
	local t
	t=$("$CCRED" -p a token)
	run --separate-stderr "$CCRED" profiles
	assert_success
	refute_output --partial "$t"
	[[ $output == *"a"*"endpoint:"*"$OIDC_TOKEN_URL"*"client_id: post-client"* ]]
	assert_line "  store:     env SEC"
	assert_line "  url:       https://git.example.test"
	assert_line --regexp '^  token:     cached, (4m 5[0-9]s|5m 00s) left \(until [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\)$'
	assert_line "  token:     none cached"
	assert_line "  token:     not cached (cache = no)"
	assert_equal "$(grep -c '^  token:' <<<"$output")" 3
	# Listing changed nothing: no request, no new entry.
	assert_equal "$(grants)" 1
	assert_equal "$(find "$CACHE" -name '*.tok' | wc -l)" 1
}

@test "profiles: never creates or repairs the cache directory" {
	start
	run "$CCRED" profiles
	assert_success
	assert_line "  token:     none cached"
	[ ! -e "$CACHE" ]
}
