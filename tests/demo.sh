#!/bin/bash
# SPDX-License-Identifier: MIT
# The main job, end to end on this machine: a real OAuth2 server
# (oidc-provider) on loopback, a real headless gnome-keyring holding the
# client secret, and ccred handing the token to git and to curl.
# Run tests/setup-debian.sh once first.  Leaves nothing running.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -d tests/fixtures/node_modules/oidc-provider ] ||
	{ echo "demo: the test OAuth2 server is not installed; run tests/setup-debian.sh first" >&2; exit 1; }
work=$(mktemp -d /tmp/ccred-demo.XXXXXX)
export CCRED_TEST_TMPDIR=$work CCRED_TEST_NODE_MODULES=$top/tests/fixtures/node_modules
. tests/fixtures/session.sh
cleanup() { ccred_test_server_stop RS 2>/dev/null; ccred_test_server_stop OIDC 2>/dev/null; ccred_test_session_stop 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "build ccred and install it into $work/prefix"
autoreconf -fi >/dev/null 2>&1
mkdir -p "$work/build" && cd "$work/build"
"$top/configure" -q --prefix="$work/prefix" >/dev/null
make -j"$(nproc)" >/dev/null && make install >/dev/null
export PATH=$work/prefix/bin:$PATH
cd "$work"

say "start a real OAuth2 server (oidc-provider), a headless gnome-keyring, and an API + git server"
ccred_test_server_start OIDC node "$top/tests/fixtures/oidc-server.mjs" --log "$work/grants.log"
ccred_test_bus_start "$work/session"
ccred_test_keyring_start "$work/session" demo-keyring-password
mkdir -p "$work/repos" && git init -q --bare "$work/repos/demo.git"
# The resource server lets a request in only with a token the OAuth2
# server's introspection calls active; it serves /hello and a git repo.
ccred_test_server_start RS node "$top/tests/fixtures/resource-server.mjs" \
	--issuer "http://127.0.0.1:$OIDC_PORT" --log "$work/rs.log" --git-root "$work/repos"
API=http://127.0.0.1:$RS_PORT
echo "token endpoint: http://127.0.0.1:$OIDC_PORT/token   API and git: $API"

say "describe the profile"
mkdir -p "$XDG_CONFIG_HOME/ccred"
cat >"$XDG_CONFIG_HOME/ccred/config" <<CONF
[profile layer1]
token_url = http://127.0.0.1:$OIDC_PORT/token
client_id = post-client
scope = api:read
url = $API
CONF
cat "$XDG_CONFIG_HOME/ccred/config"

say "put the client secret into the keyring (read from stdin, never argv)"
printf '%s\n' post-secret-1 | ccred -p layer1 secret set
ccred -p layer1 secret status
secret-tool search --all client_id post-client 2>&1 | grep -E '^(label|attribute)' || true

say "ccred token / header / json"
ccred -p layer1 token
ccred -p layer1 header
ccred -p layer1 json
echo "token requests the server saw: $(wc -l <"$work/grants.log") (the rest came from the cache)"

say "git clones and pushes over HTTP with ccred as its credential helper"
git config --global credential.helper ccred
git config --global user.email demo@example.com && git config --global user.name demo
git clone -q "$API/git/demo.git" "$work/clone"
(cd "$work/clone" && echo hello >README && git add README && git commit -qm demo && git push -q origin HEAD:main)
git ls-remote "$API/git/demo.git"
echo "-- a host no profile names gets nothing (git moves on to its next helper):"
printf 'protocol=https\nhost=git.example.org\n\n' | GIT_TERMINAL_PROMPT=0 git credential fill 2>&1 || true

say "curl calls the API with the token, kept off every command line"
ccred -p layer1 curl-config | curl -sS -K- "$API/hello"
echo
echo "token requests the OAuth2 server saw in all: $(wc -l <"$work/grants.log")"
say "done"
