#!/bin/bash
# SPDX-License-Identifier: MIT
# ccred's token cache, measured side by side on this machine (issue 3):
#
#   1. a cache hit (`ccred token`) against the floor (a trivial dynamically
#      linked C program), `secret-tool lookup`, git's contrib
#      git-credential-libsecret `get`, and today's script approach
#      (`secret-tool lookup` + a `curl` token request);
#   2. a cold `ccred token` (cache dropped before each run) against that
#      script;
#   3. a crowd: 100 processes at once on an empty cache, the server's grant
#      log counting token requests;
#   4. the peak RSS of a hit against the floor;
#   5. the steady state a user feels (refresh ahead): one caller every 50 ms
#      for three lifetimes of an 8 s token (tests/bench/steady.c runs
#      `ccred json` as $(...) does), its p50, p99 and max latency as ratios
#      to the same driver on a 300 s token (all hits: its median is the hit
#      median), the grants the server saw, and tokens handed out with less
#      than min_ttl;
#   6. signing instead of a secret (issue 13): a cold `ccred token` of a
#      private_key_jwt profile (EC P-256, the default key type; RSA-2048 and
#      Ed25519 for information) against a cold one of a client_secret_post
#      profile, same server, the key and the secret both in the keyring.
#
# Real components only: it builds ccred into a temp prefix (or takes $CCRED,
# with $CCRED_MODULE_DIR), starts the oidc-provider test server and a
# headless gnome-keyring on a private D-Bus (tests/fixtures/session.sh),
# keeps the client secret in that keyring, and times with
# `hyperfine -N --warmup 20 --runs 200` (medians).  Leaves nothing running.
#
#   tests/bench/bench.sh [--runs N] [--rounds N] [--cold-rounds N]
#                        [--crowd N] [--crowd-rounds N] [--steady-rounds N]
#                        [--jwt-rounds N]
#                        [--steady-only | --jwt-only]
#
# Exits 1 when a target is missed: hit <= 1.5x the floor, cold <= 0.7x
# lookup+curl (each the median of several rounds' ratios, see below), every
# crowd exactly 1 request and 0 failures; steady state: p99 <= 1.25x the
# long-lived token's p99 and max <= 5x its median (medians of the rounds),
# no token under min_ttl, no failure, no grant wasted; a cold private_key_jwt
# call <= 1.2x a cold client_secret_post call (EC P-256; the median of the
# rounds' ratios).  --steady-only runs section 5 alone, --jwt-only section 6
# alone.  The machines here are noisy: only ratios measured side by side
# mean anything.
set -euo pipefail

runs=200
rounds=9
cold_rounds=3
crowd_n=100
crowd_rounds=5
steady_rounds=3
jwt_rounds=3
steady_only=
jwt_only=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--cold-rounds) cold_rounds=$2; shift 2 ;;
	--crowd) crowd_n=$2; shift 2 ;;
	--crowd-rounds) crowd_rounds=$2; shift 2 ;;
	--steady-rounds) steady_rounds=$2; shift 2 ;;
	--jwt-rounds) jwt_rounds=$2; shift 2 ;;
	--steady-only) steady_only=1; shift ;;
	--jwt-only) jwt_only=1; shift ;;
	-h | --help) sed -n '3,44p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument $1" >&2; exit 64 ;;
	esac
done

top=$(cd "$(dirname "$0")/../.." && pwd)
gcl_src=/usr/share/doc/git/contrib/credential/libsecret
for tool in hyperfine jq secret-tool curl gcc pkg-config node /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench.sh: needs $tool (tests/setup-debian.sh)" >&2; exit 69; }
done
[ -f "$gcl_src/git-credential-libsecret.c" ] || {
	echo "bench.sh: $gcl_src/git-credential-libsecret.c is missing (Debian package git)" >&2
	exit 69
}

work=$(mktemp -d /tmp/ccred-bench.XXXXXX)
export CCRED_TEST_TMPDIR=$work
export CCRED_TEST_NODE_MODULES=${CCRED_TEST_NODE_MODULES:-$top/tests/fixtures/node_modules}
# shellcheck source=SCRIPTDIR/../fixtures/session.sh
. "$top/tests/fixtures/session.sh"
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	ccred_test_server_stop OIDC 2>/dev/null || :
	ccred_test_server_stop OIDC8 2>/dev/null || :
	ccred_test_server_stop OIDCJ 2>/dev/null || :
	ccred_test_session_stop 2>/dev/null || :
	rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
ms() { awk -v s="$1" 'BEGIN { printf "%.3f", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# ---------------------------------------------------------------- build
say "build"
if [ -n "${CCRED:-}" ]; then
	echo "ccred: $CCRED (from \$CCRED)"
	if [ "$(head -c 2 "$CCRED")" = '#!' ]; then
		echo "warning: $CCRED is a script (libtool's wrapper?); its shell is timed too" >&2
	fi
else
	mkdir -p "$work/build"
	(
		cd "$top" && { [ -x configure ] || autoreconf -fi >/dev/null 2>&1; }
		cd "$work/build" && "$top/configure" -q --prefix="$work/prefix" >/dev/null &&
			make -j"$(nproc)" >/dev/null 2>&1 && make install >/dev/null 2>&1
	) || { echo "bench.sh: building ccred failed" >&2; exit 70; }
	CCRED=$work/prefix/bin/ccred
	echo "ccred: built and installed into $work/prefix (-O2, modules from its libdir)"
fi
gcc -O2 -o "$work/floor" "$top/tests/bench/floor.c"
gcc -O2 -o "$work/floor-jsonc" "$top/tests/bench/floor.c" -Wl,--no-as-needed -ljson-c
# floor-jsonc shows what linking json-c would cost (it lives in a module a
# hit never loads; the command carries libccred's code and links only libc).
gcc -O2 -static -o "$work/stdin-from" "$top/tests/bench/stdin-from.c"
gcc -O2 -o "$work/steady" "$top/tests/bench/steady.c"
# shellcheck disable=SC2046 # pkg-config's flags are words
gcc -O2 -o "$work/git-credential-libsecret" "$gcl_src/git-credential-libsecret.c" \
	$(pkg-config --cflags --libs libsecret-1 glib-2.0)
echo "floor, floor linked with json-c, git-credential-libsecret: built with gcc -O2"

# ---------------------------------------------------------------- servers
say "real servers: oidc-provider on loopback, gnome-keyring on a private bus"
ccred_test_keyring_start "$work/session" ccred-bench-keyring-password
unset CCRED_CONFIG CCRED_PROFILE
export CCRED_SYSCONFDIR=$work/etc
mkdir -p "$CCRED_SYSCONFDIR" "$XDG_CONFIG_HOME/ccred"
ccred_test_server_start OIDC node "$top/tests/fixtures/oidc-server.mjs" --log "$work/grants.log"
url=http://127.0.0.1:$OIDC_PORT/token
cat >"$XDG_CONFIG_HOME/ccred/config" <<EOF
[profile default]
token_url = $url
client_id = post-client
scope = api:read
secret_store = libsecret
EOF
printf 'post-secret-1\n' | "$CCRED" secret set
printf 'protocol=https\nhost=git.example.test\nusername=post-client\npassword=post-secret-1\n\n' |
	"$work/git-credential-libsecret" store
printf 'protocol=https\nhost=git.example.test\n\n' >"$work/git-get.in"
cat >"$work/lookup-curl.sh" <<EOF
#!/bin/sh
# Today's script approach: the secret from the keyring, a token from curl.
secret=\$(secret-tool lookup client_id post-client token_url '$url') || exit 1
printf 'grant_type=client_credentials&client_id=post-client&scope=api%%3Aread&client_secret=%s' "\$secret" |
	curl -sS --fail -d @- '$url'
EOF
# Each contender must really work before it is timed.
"$CCRED" token >/dev/null
[ "$(secret-tool lookup client_id post-client token_url "$url")" = post-secret-1 ]
"$work/stdin-from" "$work/git-get.in" "$work/git-credential-libsecret" get | grep -q '^password=post-secret-1$'
sh "$work/lookup-curl.sh" | jq -e .access_token >/dev/null
echo "token endpoint $url; secret in gnome-keyring; every contender checked"

hf() {
	local json=$1
	shift
	hyperfine -N --warmup 20 --runs "$runs" --style basic --export-json "$json" "$@" >"$json.log" 2>&1 || {
		cat "$json.log" >&2
		exit 70
	}
}
median() { jq -r --arg c "$2" '.results[] | select(.command == $c) | .median' "$1"; }
# Mean CPU time (user + system): less swayed than wall time by other jobs.
cpu() { jq -r --arg c "$2" '.results[] | select(.command == $c) | .user + .system' "$1"; }

# The machines here are shared: other jobs come and go while hyperfine runs
# one command after the other.  So the comparisons that carry a target are
# run in rounds, each a hyperfine run of the contenders side by side (the
# order turned round every round), and the median of the rounds' ratios
# decides; every round's medians are printed.
row() { printf '%-44s %9s %9s\n' "$1" "$(ms "$2")" "$(ratio "$2" "$3")"; }
median_of() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---------------------------------------------------------------- 1. hit
if [ -z "$steady_only$jwt_only" ]; then
"$CCRED" token >/dev/null
c_floor="$work/floor"
c_jsonc="$work/floor-jsonc"
c_hit="$CCRED token"
c_lookup="secret-tool lookup client_id post-client token_url $url"
c_launch="$work/stdin-from $work/git-get.in $work/floor"
c_gcl="$work/stdin-from $work/git-get.in $work/git-credential-libsecret get"
c_script="sh $work/lookup-curl.sh"

say "1a. cache hit vs today's tools ($runs runs each, after 20 warm-up runs)"
hf "$work/tools.json" "$c_floor" "$c_hit" "$c_lookup" "$c_launch" "$c_gcl" "$c_script"
t_floor=$(median "$work/tools.json" "$c_floor")
t_hit=$(median "$work/tools.json" "$c_hit")
lookup=$(median "$work/tools.json" "$c_lookup")
launch=$(median "$work/tools.json" "$c_launch")
gcl_raw=$(median "$work/tools.json" "$c_gcl")
gcl=$(awk -v g="$gcl_raw" -v l="$launch" -v f="$t_floor" 'BEGIN { print g - (l - f) }')
script=$(median "$work/tools.json" "$c_script")
[ "$(grep -c '"event":"success"' "$work/grants.log")" -ge $((runs + 20)) ] || {
	echo "bench.sh: the script did not reach the token endpoint each run" >&2
	exit 70
}
printf '%-44s %9s %9s\n' "median of $runs runs" ms "x hit"
row "ccred token, cache hit" "$t_hit" "$t_hit"
row "floor (trivial C program, dynamic)" "$t_floor" "$t_hit"
row "secret-tool lookup" "$lookup" "$t_hit"
row "git-credential-libsecret get (*)" "$gcl" "$t_hit"
row "secret-tool lookup + curl (sh script)" "$script" "$t_hit"
echo "(*) fed through stdin-from, whose own cost ($(ms "$(awk -v l="$launch" -v f="$t_floor" 'BEGIN { print l - f }')") ms) is subtracted; raw $(ms "$gcl_raw") ms"

say "1b. cache hit vs the floor: $rounds rounds of $runs runs each"
hit_cmds=("$c_floor" "$c_jsonc" "$c_hit")
printf '%-6s %9s %9s %9s %9s %9s\n' round "floor" "+json-c" "hit" "hit/floor" "cpu ratio"
: >"$work/hit.ratios"
: >"$work/hit.cpu"
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then
		hf "$work/hit.$r.json" "${hit_cmds[@]}"
	else
		rev=()
		for ((i = ${#hit_cmds[@]} - 1; i >= 0; i--)); do rev+=("${hit_cmds[$i]}"); done
		hf "$work/hit.$r.json" "${rev[@]}"
	fi
	f=$(median "$work/hit.$r.json" "$c_floor")
	h=$(median "$work/hit.$r.json" "$c_hit")
	j=$(median "$work/hit.$r.json" "$c_jsonc")
	ratio "$h" "$f" >>"$work/hit.ratios"
	echo >>"$work/hit.ratios"
	rc_=$(ratio "$(cpu "$work/hit.$r.json" "$c_hit")" "$(cpu "$work/hit.$r.json" "$c_floor")")
	echo "$rc_" >>"$work/hit.cpu"
	printf '%-6s %9s %9s %9s %9s %9s\n' "$r" "$(ms "$f")" "$(ms "$j")" \
		"$(ms "$h")" "$(ratio "$h" "$f")" "$rc_"
done
r_hit=$(median_of <"$work/hit.ratios")
echo "median of the rounds' ratios: hit = $r_hit x floor (wall), $(median_of <"$work/hit.cpu") x (cpu, user+sys)"

# ---------------------------------------------------------------- 2. cold
say "2. cold (cache dropped before each run) vs lookup+curl: $cold_rounds rounds of $runs runs each"
c_cold="$CCRED token"
printf '%-6s %12s %12s %9s\n' round "cold ms" "script ms" "ratio"
: >"$work/cold.ratios"
: >"$work/cold.ms"
for r in $(seq "$cold_rounds"); do
	if [ $((r % 2)) = 1 ]; then
		hf "$work/cold.$r.json" --prepare "$CCRED logout" "$c_cold" --prepare "$CCRED logout" "$c_script"
	else
		hf "$work/cold.$r.json" --prepare "$CCRED logout" "$c_script" --prepare "$CCRED logout" "$c_cold"
	fi
	c=$(median "$work/cold.$r.json" "$c_cold")
	s=$(median "$work/cold.$r.json" "$c_script")
	echo "$c" >>"$work/cold.ms"
	ratio "$c" "$s" >>"$work/cold.ratios"
	echo >>"$work/cold.ratios"
	printf '%-6s %12s %12s %9s\n' "$r" "$(ms "$c")" "$(ms "$s")" "$(ratio "$c" "$s")"
done
r_cold=$(median_of <"$work/cold.ratios")
cold=$(median_of <"$work/cold.ms")
echo "median of the rounds' ratios: cold = $r_cold x lookup+curl"

# ---------------------------------------------------------------- 3. crowd
say "3. crowd: $crowd_n processes at once on an empty cache, $crowd_rounds rounds"
crowd_ok=1
printf '%-8s %9s %9s %12s %12s\n' round requests failures "wall ms" "x cold call"
for r in $(seq "$crowd_rounds"); do
	"$CCRED" logout
	d=$work/crowd.$r
	mkdir "$d"
	mkfifo "$d/go"
	before=$(grep -c '"event":"success"' "$work/grants.log")
	errors_before=$(grep -c '"event":"error"' "$work/grants.log" || :)
	exec 7<>"$d/go"
	pids=()
	for i in $(seq "$crowd_n"); do
		(
			read -r _ <"$d/go"
			exec "$CCRED" token >"$d/out.$i" 2>"$d/err.$i"
		) &
		pids+=($!)
	done
	sleep 1 # every process waits at the barrier
	t0=$EPOCHREALTIME
	for i in $(seq "$crowd_n"); do echo; done >&7
	fail=0
	for p in "${pids[@]}"; do wait "$p" || fail=$((fail + 1)); done
	t1=$EPOCHREALTIME
	exec 7>&-
	requests=$(($(grep -c '"event":"success"' "$work/grants.log") - before))
	errors=$(($(grep -c '"event":"error"' "$work/grants.log" || :) - errors_before))
	fail=$((fail + errors))
	distinct=$(cat "$d"/out.* | sort -u | wc -l)
	[ "$distinct" -eq 1 ] || fail=$((fail + distinct - 1))
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
	printf '%-8s %9s %9s %12s %12s\n' "$r" "$requests" "$fail" "$(ms "$wall")" "$(ratio "$wall" "$cold")"
	[ "$requests" -eq 1 ] && [ "$fail" -eq 0 ] || crowd_ok=0
done

# ---------------------------------------------------------------- 4. RSS
say "4. peak RSS (/usr/bin/time -f %M, median of 21 runs)"
"$CCRED" token >/dev/null
rss() {
	local i
	for i in $(seq 21); do
		/usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null
		cat "$work/rss"
	done | sort -n | sed -n 11p
}
rss_floor=$(rss "$work/floor")
rss_hit=$(rss "$CCRED" token)
printf '%-44s %9s %9s\n' "" KiB "x floor"
printf '%-44s %9s %9s\n' "floor" "$rss_floor" 1.00
printf '%-44s %9s %9s\n' "ccred token, cache hit" "$rss_hit" "$(ratio "$rss_hit" "$rss_floor")"
fi

# ---------------------------------------------------------------- 5. steady
if [ -z "$jwt_only" ]; then
say "5. steady state: a caller every 50 ms for 24 s, an 8 s token (refresh ahead) vs a 300 s one; $steady_rounds rounds"
CCRED_TEST_TMPDIR=$work ccred_test_server_start OIDC8 node "$top/tests/fixtures/oidc-server.mjs" \
	--log "$work/grants8.log" --ttl 8
cat >>"$XDG_CONFIG_HOME/ccred/config" <<EOF
[profile short]
token_url = http://127.0.0.1:$OIDC8_PORT/token
client_id = post-client
scope = api:read
secret_store = libsecret
[profile short-off]
token_url = http://127.0.0.1:$OIDC8_PORT/token
client_id = post-client
scope = api:read api:write
secret_store = libsecret
refresh_ahead = 0
EOF
printf 'post-secret-1\n' | "$CCRED" -p short secret set
# field NAME LINE: the value after NAME in the driver's line.
field() { awk -v f="$1" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' <<<"$2"; }
us() { awk -v s="$1" 'BEGIN { printf "%.3f", s / 1000 }'; }
printf '%-5s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %6s %6s %4s\n' round "base p50" "base p99" \
	"base max" p50 p99 max "p99/base" "max/hit" "bmax/hit" "rmax/hit" grants tokens "<ttl"
: >"$work/steady.p99"
: >"$work/steady.max"
: >"$work/steady.off"
steady_ok=1
for r in $(seq "$steady_rounds"); do
	"$CCRED" token >/dev/null
	base=$("$work/steady" 50 24 60 "$CCRED" -v json)
	# The run starts on a token just fetched, like any first call.
	"$CCRED" -p short logout
	"$CCRED" -p short token >/dev/null
	g0=$(grep -c '"event":"success"' "$work/grants8.log")
	line=$("$work/steady" 50 24 4 "$CCRED" -v -p short json)
	sleep 1 # what a refresher started by the last calls does
	grants=$(($(grep -c '"event":"success"' "$work/grants8.log") - g0))
	# The same without refresh ahead: what callers paid before it.
	"$CCRED" -p short-off logout
	"$CCRED" -p short-off token >/dev/null
	off=$("$work/steady" 50 24 4 "$CCRED" -v -p short-off json)
	echo "$(ratio "$(field p99_us "$off")" "$(field p99_us "$base")") $(ratio "$(field max_us "$off")" "$(field p50_us "$base")")" >>"$work/steady.off"
	b50=$(field p50_us "$base")
	b99=$(field p99_us "$base")
	bmax=$(field max_us "$base")
	rmax_us=$(field refresh_max_us "$line")
	s50=$(field p50_us "$line")
	s99=$(field p99_us "$line")
	smax=$(field max_us "$line")
	under=$(field under_min_ttl "$line")
	# The token fetched before the run is one of those handed out, not
	# one of the grants counted.
	tokens=$(($(field tokens "$line") - 1))
	fails=$(($(field failures "$line") + $(field failures "$base")))
	r99=$(ratio "$s99" "$b99")
	rmax=$(ratio "$smax" "$b50")
	echo "$r99" >>"$work/steady.p99"
	echo "$rmax" >>"$work/steady.max"
	printf '%-5s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %6s %6s %4s\n' "$r" "$(us "$b50")" "$(us "$b99")" \
		"$(us "$bmax")" "$(us "$s50")" "$(us "$s99")" "$(us "$smax")" "$r99" "$rmax" \
		"$(ratio "$bmax" "$b50")" "$(ratio "$rmax_us" "$b50")" "$grants" "$tokens" "$under"
	# No grant wasted: each one's token was handed out (but the last
	# refresh's, which may come after the last call).
	[ "$under" -eq 0 ] && [ "$fails" -eq 0 ] && [ "$grants" -le $((tokens + 1)) ] || steady_ok=0
done
r_steady99=$(median_of <"$work/steady.p99")
r_steadymax=$(median_of <"$work/steady.max")
echo "(ms; every call with -v.  base: the same driver on the 300 s token, all hits; its"
echo " p50 is the hit median.  p99/base: the 8 s token's p99 over base p99; max/hit: its"
echo " max over base p50; bmax/hit: base's own max over its p50 (this machine's noise);"
echo " rmax/hit: the slowest of the calls that started a refresh (-v: refresh started)."
echo " grants: token requests the server saw during the run; tokens: new tokens handed"
echo " out; <ttl: tokens handed out with less than min_ttl (4 s) left.)"
echo "median of the rounds: p99 = $r_steady99 x the long-lived token's p99, max = $r_steadymax x the hit median"
echo "the same 8 s token with refresh_ahead = 0 (each refresh inline), per round: p99/base, max/hit:" $(tr '\n' ';' <"$work/steady.off")
ccred_test_server_stop OIDC8
fi

# ---------------------------------------------------------------- 6. jwt
if [ -z "$steady_only" ]; then
say "6. cold private_key_jwt vs cold client_secret_post, key and secret in the keyring: $jwt_rounds rounds of $runs runs each"
# The keys are made by `ccred key generate` into files first: the keyring
# item is named by token_url, whose port is known only once the server
# runs, and the server must know the public keys when it starts.  Then
# each goes into the keyring as any existing key does (`secret set`).
jwt_types=(ec rsa ed25519)
for t in "${jwt_types[@]}"; do
	cat >>"$XDG_CONFIG_HOME/ccred/config" <<EOC
[profile keygen-$t]
token_url = http://127.0.0.1:1/token
client_id = pk-$t
auth_method = private_key_jwt
secret_store = file $work/key-$t.pem
EOC
	"$CCRED" -p "keygen-$t" key generate --type "$t" >"$work/key-$t.jwks" 2>/dev/null
done
for t in "${jwt_types[@]}"; do
	printf '{"client_id": "pk-%s", "token_endpoint_auth_method": "private_key_jwt", "jwks": %s}\n' \
		"$t" "$(cat "$work/key-$t.jwks")"
done | jq -s . >"$work/clients.json"
# --clients adds to the server's own clients: post-client stays.
CCRED_TEST_TMPDIR=$work ccred_test_server_start OIDCJ node "$top/tests/fixtures/oidc-server.mjs" \
	--log "$work/grantsj.log" --clients "$work/clients.json"
urlj=http://127.0.0.1:$OIDCJ_PORT/token
cat >>"$XDG_CONFIG_HOME/ccred/config" <<EOF2
[profile post-j]
token_url = $urlj
client_id = post-client
scope = api:read
secret_store = libsecret
EOF2
printf 'post-secret-1\n' | "$CCRED" -p post-j secret set
for t in "${jwt_types[@]}"; do
	cat >>"$XDG_CONFIG_HOME/ccred/config" <<EOC
[profile pkjwt-$t]
token_url = $urlj
client_id = pk-$t
scope = api:read
auth_method = private_key_jwt
secret_store = libsecret
EOC
	"$CCRED" -p "pkjwt-$t" secret set <"$work/key-$t.pem"
	rm -f "$work/key-$t.pem"
	# Each contender must really work, signed as expected, before it is timed.
	"$CCRED" -p "pkjwt-$t" token >/dev/null
	tail -n 1 "$work/grantsj.log" | jq -e --arg c "pk-$t" \
		'.event == "success" and .client_id == $c and .auth_method == "private_key_jwt" and .secret_sent == false' >/dev/null || {
		echo "bench.sh: pk-$t did not authenticate with private_key_jwt" >&2
		exit 70
	}
done
"$CCRED" -p post-j token >/dev/null
tail -n 1 "$work/grantsj.log" | jq -e '.event == "success" and .auth_method == "client_secret_post"' >/dev/null || {
	echo "bench.sh: post-client did not authenticate with client_secret_post" >&2
	exit 70
}
echo "token endpoint $urlj; clients post-client (secret), pk-ec (ES256), pk-rsa (RS256), pk-ed25519 (EdDSA); every contender checked"
jwt_cmds=("$CCRED -p post-j token")
for t in "${jwt_types[@]}"; do jwt_cmds+=("$CCRED -p pkjwt-$t token"); done
printf '%-6s %9s %9s %9s %9s %9s %9s %9s %9s\n' round "post ms" "ec ms" "rsa ms" "ed ms" \
	"ec/post" "rsa/post" "ed/post" "ec cpu"
for t in "${jwt_types[@]}"; do : >"$work/jwt.$t.ratios"; done
: >"$work/jwt.cpu"
for r in $(seq "$jwt_rounds"); do
	args=()
	if [ $((r % 2)) = 1 ]; then
		order=("${jwt_cmds[@]}")
	else
		order=()
		for ((i = ${#jwt_cmds[@]} - 1; i >= 0; i--)); do order+=("${jwt_cmds[$i]}"); done
	fi
	# The cache of each dropped before each of its runs, as in section 2.
	for c in "${order[@]}"; do args+=(--prepare "${c% token} logout"); done
	hf "$work/jwt.$r.json" "${args[@]}" "${order[@]}"
	p=$(median "$work/jwt.$r.json" "${jwt_cmds[0]}")
	line=()
	rs=()
	for i in 1 2 3; do
		m=$(median "$work/jwt.$r.json" "${jwt_cmds[$i]}")
		line+=("$(ms "$m")")
		rs+=("$(ratio "$m" "$p")")
		echo "${rs[$((i - 1))]}" >>"$work/jwt.${jwt_types[$((i - 1))]}.ratios"
	done
	rc_=$(ratio "$(cpu "$work/jwt.$r.json" "${jwt_cmds[1]}")" "$(cpu "$work/jwt.$r.json" "${jwt_cmds[0]}")")
	echo "$rc_" >>"$work/jwt.cpu"
	printf '%-6s %9s %9s %9s %9s %9s %9s %9s %9s\n' "$r" "$(ms "$p")" "${line[@]}" "${rs[@]}" "$rc_"
done
[ "$(grep -c '"event":"error"' "$work/grantsj.log" || :)" -eq 0 ] || {
	echo "bench.sh: the server refused some of the timed requests" >&2
	exit 70
}
r_jwt=$(median_of <"$work/jwt.ec.ratios")
echo "median of the rounds' ratios: EC P-256 = $r_jwt x (cpu, user+sys: $(median_of <"$work/jwt.cpu") x);" \
	"RSA-2048 = $(median_of <"$work/jwt.rsa.ratios") x, Ed25519 = $(median_of <"$work/jwt.ed25519.ratios") x (information)"
ccred_test_server_stop OIDCJ
fi

# ---------------------------------------------------------------- targets
say "targets"
status=0
target() {
	if [ "$1" = ok ]; then
		printf 'met     %s\n' "$2"
	else
		printf 'MISSED  %s\n' "$2"
		status=1
	fi
}
if [ -z "$steady_only$jwt_only" ]; then
	target "$(le "$r_hit" 1.5 && echo ok)" "hit <= 1.5x floor: $r_hit x (median of $rounds rounds)"
	target "$(le "$r_cold" 0.7 && echo ok)" "cold <= 0.7x lookup+curl: $r_cold x (median of $cold_rounds rounds)"
	target "$([ "$crowd_ok" = 1 ] && echo ok)" "crowd of $crowd_n: exactly 1 request, 0 failures, in each of $crowd_rounds rounds"
fi
if [ -z "$jwt_only" ]; then
	target "$(le "$r_steady99" 1.25 && echo ok)" "steady state p99 <= 1.25x a long-lived token's: $r_steady99 x (median of $steady_rounds rounds)"
	target "$(le "$r_steadymax" 5 && echo ok)" "steady state max <= 5x the hit median: $r_steadymax x (median of $steady_rounds rounds)"
	target "$([ "$steady_ok" = 1 ] && echo ok)" "steady state: no token under min_ttl, no failure, no grant wasted, in each of $steady_rounds rounds"
fi
if [ -z "$steady_only" ]; then
	target "$(le "$r_jwt" 1.2 && echo ok)" "cold private_key_jwt (EC P-256) <= 1.2x cold client_secret_post: $r_jwt x (median of $jwt_rounds rounds)"
fi
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $(hyperfine --version)"
exit "$status"
