#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Refresh ahead (SPEC.md "Tokens and their cache", refresh_ahead): a hit
# inside the refresh window hands out the cached token at hit cost and
# starts one detached refresher, which nobody waits for.  Against the real
# oidc-provider with short-lived tokens; a stalled endpoint is that server
# stopped with SIGSTOP (it accepts connections and never answers), a failing
# one is the same server refusing a wrong client secret.
#
# Every count of token requests comes from the server's own log.

bats_require_minimum_version 1.5.0

# One oidc-provider with 12 s tokens serves the file.  With the defaults
# (min_ttl 6 s, half the lifetime; refresh_ahead min_ttl + a third = 10 s),
# a token is due from 9 s left (whole seconds) down to 6 s: 4 s of window.
# The tests that stall the server widen it (min_ttl 2, refresh_ahead 10: 8 s
# of window), so that a slow stage (ASan, a busy machine) still lands in it.
setup_file() {
	load common
	export CCRED_TEST_TMPDIR=$BATS_FILE_TMPDIR
	oidc_start 12
	export FILE_OIDC_PID=$OIDC_PID
}

teardown_file() {
	OIDC_PID=$FILE_OIDC_PID ccred_test_server_stop OIDC
}

setup() {
	load common
	unset CCRED_TEST_TMPDIR
	local d=$BATS_TEST_TMPDIR
	export HOME=$d/home XDG_RUNTIME_DIR=$d/run XDG_CONFIG_HOME=$d/home/.config \
		XDG_CACHE_HOME=$d/home/.cache CCRED_SYSCONFDIR=$d/etc
	mkdir -p "$XDG_CONFIG_HOME/ccred" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR" "$CCRED_SYSCONFDIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	unset CCRED_PROFILE CCRED_CONFIG
	CACHE=$XDG_RUNTIME_DIR/ccred
	CONF=$XDG_CONFIG_HOME/ccred/config
	export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
	export SEC=post-secret-1
	# Marks every ccred this test runs, and so the refreshers they start.
	export REFRESH_TEST_MARK=$d
}

teardown() {
	# A server stopped by a test must take its SIGTERM.
	kill -CONT "$FILE_OIDC_PID" 2>/dev/null || :
	[ -z "${OIDC_PID:-}" ] || kill -CONT "$OIDC_PID" 2>/dev/null || :
	ccred_test_teardown
}

# profile [KEY=VALUE...]: the profile "default" for $OIDC_TOKEN_URL, the
# secret from $SEC.
profile() {
	{
		printf '[profile default]\ntoken_url = %s\nclient_id = post-client\n' "$OIDC_TOKEN_URL"
		printf 'scope = api:read\nsecret_store = env SEC\n'
		local kv
		for kv in "$@"; do
			printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"
		done
	} >"$CONF"
	LOG0=$(wc -l <"$OIDC_LOG")
}

grants() {
	tail -n +$((LOG0 + 1)) "$OIDC_LOG" | grep -c '^{"event":"success"' || :
}

grant_errors() {
	tail -n +$((LOG0 + 1)) "$OIDC_LOG" | grep -c '^{"event":"error"' || :
}

# The cached token and its seconds left, from the entry itself.
cached_token() { sed -n 's/^token //p' "$CACHE"/*.tok; }
# (of the entry with the most left, when there are several)
cached_left() { echo $(($(sed -n 's/^expires //p' "$CACHE"/*.tok | sort -n | tail -n 1) - $(date +%s))); }

# warm: one token fetched and cached; T1 is it.
warm() {
	run --separate-stderr "$CCRED" token
	assert_success
	T1=$output
	[ "$(cached_token)" = "$T1" ]
}

# until_left N: wait (at most 60 s) until the cached token has fewer than N
# seconds left.
until_left() {
	local i
	for i in $(seq 300); do
		[ "$(cached_left)" -lt "$1" ] && return 0
		sleep 0.2
	done
	fail "the cached token never got below $1 s left"
}

# until_renewed [SECS]: wait until the cache holds another token than T1.
until_renewed() {
	local i
	for i in $(seq $((${1:-10} * 10))); do
		[ "$(cached_token)" != "$T1" ] && return 0
		sleep 0.1
	done
	fail "the cache still holds the first token"
}

# ms_since T0: milliseconds since $EPOCHREALTIME was T0.
ms_since() { echo $(((${EPOCHREALTIME/./} - ${1/./}) / 1000)); }

# marked_pids: the live ccred processes of this test's runs (their
# environment holds REFRESH_TEST_MARK; valgrind's when it runs ccred).
marked_pids() {
	local p arg0
	for p in /proc/[0-9]*; do
		{ IFS= read -r -d '' arg0 <"$p/cmdline"; } 2>/dev/null || continue
		case ${arg0##*/} in
		ccred | valgrind* | memcheck*) ;;
		*) continue ;;
		esac
		grep -qzxF "REFRESH_TEST_MARK=$REFRESH_TEST_MARK" "$p/environ" 2>/dev/null || continue
		echo "${p#/proc/}"
	done
}

stall() { kill -STOP "$OIDC_PID"; }
unstall() { kill -CONT "$OIDC_PID"; }

@test "a caller in the window gets the cached token at hit cost; the refresh, seconds long, then renews the cache" {
	profile timeout=20 min_ttl=2 refresh_ahead=10
	warm
	until_left 10
	stall
	local t0 took bound
	bound=$(ccred_time_bound_ms 0)
	t0=$EPOCHREALTIME
	run --separate-stderr "$CCRED" token
	took=$(ms_since "$t0")
	assert_success
	assert_output "$T1"
	[ "$took" -le "$bound" ] || fail "the caller took $took ms (hit bound $bound ms): it waited for the refresh"
	# The refresher is at work on the stalled endpoint meanwhile.
	sleep 3
	[ "$(cached_token)" = "$T1" ]
	unstall
	until_renewed 10
	assert_equal "$(grants)" 2
	# (The new token's life counts from when it was asked for, 3 s ago:
	# it may be due itself already, and this caller renew it again.)
	local t2
	t2=$(cached_token)
	run --separate-stderr "$CCRED" token
	assert_output "$t2"
}

@test "20 parallel callers in the window: each gets the cached token, the server sees exactly one more grant" {
	profile
	warm
	until_left 10
	# All 20 wait at a barrier (a FIFO), then go at once.
	local i pids=() go=$BATS_TEST_TMPDIR/go
	mkfifo "$go"
	exec 7<>"$go"
	for i in $(seq 20); do
		(
			read -r _ <"$go"
			exec "$CCRED" token >"$BATS_TEST_TMPDIR/out.$i" 2>/dev/null
		) &
		pids+=($!)
	done
	sleep 0.5
	for i in $(seq 20); do echo; done >&7
	for i in "${pids[@]}"; do wait "$i"; done
	exec 7>&-
	until_renewed 10
	# Late refreshers (each caller may have started one) find the entry
	# renewed and do nothing.
	sleep 2
	assert_equal "$(grants)" 2
	assert_equal "$(grant_errors)" 0
	# Each caller got the cached token: the first one, or (a caller that
	# came after the refresh) the one the refresh cached.
	local t2 got
	t2=$(cached_token)
	for i in $(seq 20); do
		got=$(cat "$BATS_TEST_TMPDIR/out.$i")
		[ "$got" = "$T1" ] || [ "$got" = "$t2" ] || fail "caller $i got '$got'"
	done
}

@test "git credential fill in the window returns without waiting for the refresh" {
	profile timeout=5 min_ttl=2 refresh_ahead=10 url=https://git.example.test
	warm
	until_left 10
	stall
	local t0 took bound
	bound=$(ccred_time_bound_ms 0)
	t0=$EPOCHREALTIME
	run git -c credential.helper="$CCRED" credential fill < <(printf 'protocol=https\nhost=git.example.test\n\n')
	took=$(ms_since "$t0")
	assert_success
	assert_line "password=$T1"
	[ "$took" -le "$bound" ] || fail "git took $took ms (hit bound $bound ms): it waited for the refresher"
	# The refresher, started by git's helper, was waiting on the stalled
	# endpoint all along; now it gets its answer.
	unstall
	until_renewed 10
	assert_equal "$(grants)" 2
}

@test "\$(ccred token), ccred token | cat and an exec child waiting for its children do not wait for the refresher" {
	# Three profiles (three scopes: three cache entries, three locks), so
	# that each caller starts a refresher of its own.
	profile timeout=5 min_ttl=2 refresh_ahead=10
	{
		printf '[profile p2]\ntoken_url = %s\nclient_id = post-client\nscope = api:write\n' "$OIDC_TOKEN_URL"
		printf 'secret_store = env SEC\ntimeout = 5\nmin_ttl = 2\nrefresh_ahead = 10\n'
		printf '[profile p3]\ntoken_url = %s\nclient_id = post-client\nscope = api:read api:write\n' "$OIDC_TOKEN_URL"
		printf 'secret_store = env SEC\ntimeout = 5\nmin_ttl = 2\nrefresh_ahead = 10\n'
	} >>"$CONF"
	warm
	"$CCRED" -p p2 token >/dev/null
	"$CCRED" -p p3 token >/dev/null
	until_left 9
	stall
	local t0 took bound got
	bound=$(ccred_time_bound_ms 0)
	t0=$EPOCHREALTIME
	got=$("$CCRED" token)
	took=$(ms_since "$t0")
	assert_equal "$got" "$T1"
	[ "$took" -le "$bound" ] || fail "\$(ccred token) took $took ms (bound $bound ms)"
	t0=$EPOCHREALTIME
	got=$("$CCRED" -v -p p2 token 2>"$BATS_TEST_TMPDIR/p2.err" | cat)
	took=$(ms_since "$t0")
	[ -n "$got" ]
	grep -q 'refresh started' "$BATS_TEST_TMPDIR/p2.err" || fail "no refresh started: $(cat "$BATS_TEST_TMPDIR/p2.err")"
	[ "$took" -le "$bound" ] || fail "ccred token | cat took $took ms (bound $bound ms)"
	# The exec'd command waits for every child it has, then lists them:
	# the refresher must be none of them.
	t0=$EPOCHREALTIME
	run --separate-stderr "$CCRED" -v -p p3 exec -- bash -c \
		'wait; read -r kids </proc/$$/task/$$/children; echo "children:[$kids] token:${#CCRED_ACCESS_TOKEN}"'
	took=$(ms_since "$t0")
	assert_success
	assert_output --regexp '^children:\[\] token:[1-9][0-9]*$'
	[[ $stderr == *"refresh started"* ]] || fail "no refresh started: $stderr"
	[ "$took" -le "$bound" ] || fail "exec took $took ms (bound $bound ms)"
	# Three refreshers, stalled, all still at work.
	assert_equal "$(marked_pids | wc -l)" 3
}

# running PID: the process exists and has not exited.  A zombie has: the
# refresher belongs to init once ccred exits, and where "init" is a program
# that reaps no orphans (autopkgtest as PID 1 of the packaging test's PID
# namespace) it stays a zombie, which is not ccred's to reap.
running() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

@test "the refresher: its own session, stdio on /dev/null, none of the caller's descriptors, gone after the profile's timeout" {
	profile timeout=6 min_ttl=2 refresh_ahead=10
	warm
	until_left 10
	stall
	local extra=$BATS_TEST_TMPDIR/extra.txt
	run --separate-stderr bash -c '"$CCRED" -v token 7>"$1"' _ "$extra"
	assert_success
	assert_output "$T1"
	[[ $stderr == *"refresh started"* ]] || fail "no refresh started: $stderr"
	local pids
	pids=$(marked_pids)
	[ "$(wc -w <<<"$pids")" -eq 1 ] || fail "expected one refresher, found: [$pids]"
	local pid=$pids stat sid ppid fds
	stat=$(cat "/proc/$pid/stat")
	stat=${stat##*) }
	read -r _ ppid _ sid _ <<<"$stat"
	assert_equal "$sid" "$pid"
	[ "$ppid" != $$ ] || fail "the refresher is this shell's child"
	# stdio on /dev/null; the rest are its own (the cache directory, the
	# lock, its sockets to the stalled endpoint), none the caller's.
	fds=$(for f in /proc/"$pid"/fd/*; do printf '%s=%s\n' "${f##*/}" "$(readlink "$f")"; done)
	assert_equal "$(grep -E '^[012]=' <<<"$fds")" "$(printf '0=/dev/null\n1=/dev/null\n2=/dev/null')"
	[[ $fds != *extra.txt* ]] || fail "the refresher holds the caller's descriptor: $fds"
	local bound i
	bound=$(ccred_time_bound_ms 6)
	for i in $(seq $((bound / 100))); do
		running "$pid" || break
		sleep 0.1
	done
	! running "$pid" || fail "the refresher outlived its 6 s timeout ($bound ms)"
	unstall
	[ "$(cached_token)" = "$T1" ]
}

@test "-v says a refresh started; outside the window nothing starts" {
	profile
	warm
	run --separate-stderr "$CCRED" -v token
	assert_success
	[[ $stderr != *"refresh started"* ]] || fail "a fresh token was refreshed: $stderr"
	until_left 10
	run --separate-stderr "$CCRED" -v token
	assert_success
	assert_output "$T1"
	[[ $stderr == *"refresh: inside refresh_ahead"* ]] || fail "$stderr"
	[[ $stderr == *"refresh started"* ]] || fail "$stderr"
	until_renewed 10
	assert_equal "$(grants)" 2
}

@test "refresh_ahead = 0 turns it off: the token is refreshed only when under min_ttl" {
	profile refresh_ahead=0
	warm
	until_left 8
	run --separate-stderr "$CCRED" -v token
	assert_success
	assert_output "$T1"
	[[ $stderr != *"refresh started"* ]] || fail "$stderr"
	sleep 1
	assert_equal "$(grants)" 1
	[ "$(cached_token)" = "$T1" ]
}

@test "a failing refresh leaves the cached token and is not tried again for 10 s; a token under min_ttl is never handed out" {
	# A server of its own with 30 s tokens: the window (refresh_ahead 25,
	# min_ttl 2) spans 23 s.
	oidc_start 30
	profile refresh_ahead=25 min_ttl=2
	warm
	until_left 25
	# From now on the client secret the refreshers read is wrong: the
	# server refuses each attempt (invalid_client).
	export SEC=wrong-secret
	local t_end i e seen=0 first='' second=''
	t_end=$((${EPOCHREALTIME/./} + 13000000))
	while [ "${EPOCHREALTIME/./}" -lt "$t_end" ]; do
		run --separate-stderr "$CCRED" token
		assert_success
		assert_output "$T1"
		e=$(grant_errors)
		if [ "$e" -gt "$seen" ]; then
			seen=$e
			[ -n "$first" ] && [ -z "$second" ] && second=$EPOCHREALTIME
			[ -n "$first" ] || first=$EPOCHREALTIME
		fi
		sleep 0.2
	done
	# One attempt, then one more after at least 10 s (1 s for when each
	# was seen here), and no others.
	assert_equal "$(grant_errors)" 2
	assert_equal "$(grants)" 1
	[ $(((${second/./} - ${first/./}) / 1000)) -ge 9000 ] ||
		fail "the second attempt came $(((${second/./} - ${first/./}) / 1000)) ms after the first"
	[ "$(cached_token)" = "$T1" ]
	# Under min_ttl the cached token is never handed out: the caller
	# fetches itself, and with the wrong secret fails (77) with no output.
	run --separate-stderr "$CCRED" --min-ttl 29 token
	assert_failure 77
	assert_output ""
}
