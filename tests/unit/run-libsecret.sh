#!/bin/sh
# SPDX-License-Identifier: MIT
# The libsecret store against a real gnome-keyring, in private session buses
# with HOME and the XDG directories in a temporary directory.
#
#   tests/unit/run-libsecret.sh [TEST_PROGRAM [MODULE]]
#
# TEST_PROGRAM defaults to tests/unit/test-libsecret next to this script's
# build, MODULE to $CCRED_MODULE_DIR/stores/libsecret.so.  Exits 77 (skip)
# when dbus-run-session, gnome-keyring-daemon or secret-tool is missing.
set -eu

if [ "${1:-}" = --inner ]; then
	phase=$2
	shift 2
else
	phase=
fi

here=$(cd "$(dirname "$0")" && pwd)
TEST=${1:-${CCRED_BUILDDIR:-$here/../..}/tests/unit/test-libsecret}
MODULE=${2:-${CCRED_MODULE_DIR:-}/stores/libsecret.so}
export TEST MODULE

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Wait until the Secret Service owns its name: --daemonize returns before it
# does, and a call in between would D-Bus-activate a second daemon.
wait_for_keyring() {
	i=0
	while [ $i -lt 100 ]; do
		if dbus-send --session --dest=org.freedesktop.DBus --type=method_call \
			--print-reply /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
			string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	fail "gnome-keyring-daemon did not take org.freedesktop.secrets"
}

keyring_pid() {
	dbus-send --session --dest=org.freedesktop.DBus --type=method_call --print-reply \
		/org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID \
		string:org.freedesktop.secrets | awk '/uint32/ { print $2 }'
}

# run OP CLIENT_ID TOKEN_URL EXPECT: the test program checks result and time
run() {
	"$TEST" "$MODULE" "$@" || fail "$*"
}

case $phase in
unlocked)
	# A new login keyring, unlocked with a non-empty password (an empty
	# one creates no login collection).
	printf %s "ccred-test-password" |
		gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null
	wait_for_keyring
	"$TEST" "$MODULE" || fail "roundtrip"

	# What the module stores, secret-tool finds, and the other way round.
	CCRED_TEST_SECRET='module secret ' run set ccred-client https://auth.example.com/token OK
	got=$(secret-tool lookup client_id ccred-client token_url https://auth.example.com/token)
	[ "$got" = 'module secret ' ] || fail "secret-tool lookup saw '$got'"
	secret-tool search client_id ccred-client token_url https://auth.example.com/token 2>&1 |
		grep -q '^label = ccred client secret for script (client_id ccred-client)$' ||
		fail "item label"
	printf %s 'tool secret' | secret-tool store --label='by secret-tool' \
		client_id tool-client issuer https://issuer.example.com
	CCRED_TEST_SECRET='tool secret' run get tool-client https://issuer.example.com NOTFOUND
	# (the test program's key says token_url; issuer items are another key)
	printf %s 'tool secret' | secret-tool store --label='by secret-tool' \
		client_id tool-client token_url https://auth.example.com/token
	CCRED_TEST_SECRET='tool secret' run get tool-client https://auth.example.com/token OK
	# set over a secret-tool item leaves one item, with the new secret
	CCRED_TEST_SECRET='replaced' run set tool-client https://auth.example.com/token OK
	n=$(secret-tool search --all client_id tool-client token_url \
		https://auth.example.com/token 2>&1 | grep -c '^\[/')
	[ "$n" = 1 ] || fail "$n items after set over a secret-tool item"
	CCRED_TEST_SECRET='replaced' run get tool-client https://auth.example.com/token OK
	run erase tool-client https://auth.example.com/token OK
	secret-tool lookup client_id tool-client token_url https://auth.example.com/token &&
		fail "erase left the item"

	# A frozen Secret Service: bounded by the store's timeout, not 25 s.
	pid=$(keyring_pid)
	[ -n "$pid" ] || fail "no keyring pid"
	kill -STOP "$pid"
	CCRED_TEST_TIMEOUT_MS=700 CCRED_TEST_MAX_MS=2000 \
		run get ccred-client https://auth.example.com/token UNAVAILABLE
	kill -CONT "$pid"
	;;
locked)
	# The keyring made by the unlocked phase, now with no password given.
	gnome-keyring-daemon --daemonize --components=secrets </dev/null >/dev/null
	wait_for_keyring
	run get ccred-client https://auth.example.com/token LOCKED
	run get never-stored https://auth.example.com/token LOCKED
	CCRED_TEST_SECRET=x run set ccred-client https://auth.example.com/token LOCKED
	run erase ccred-client https://auth.example.com/token LOCKED
	;;
noservice)
	run get ccred-client https://auth.example.com/token UNAVAILABLE |
		grep -q 'no Secret Service on the session bus' || fail "no-service message"
	;;
"")
	for tool in dbus-run-session dbus-send gnome-keyring-daemon secret-tool; do
		command -v "$tool" >/dev/null 2>&1 || {
			echo "skipped: $tool not installed"
			exit 77
		}
	done
	[ -x "$TEST" ] || fail "no test program $TEST"
	[ -f "$MODULE" ] || fail "no module $MODULE"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	HOME=$tmp/home
	XDG_RUNTIME_DIR=$tmp/run
	XDG_DATA_HOME=$HOME/.local/share
	XDG_CONFIG_HOME=$HOME/.config
	XDG_CACHE_HOME=$HOME/.cache
	export HOME XDG_RUNTIME_DIR XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME
	unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL || true
	mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$tmp/empty"
	chmod 700 "$XDG_RUNTIME_DIR" "$tmp/empty"

	echo "# no session bus"
	XDG_RUNTIME_DIR=$tmp/empty run get ccred-client https://auth.example.com/token UNAVAILABLE
	DBUS_SESSION_BUS_ADDRESS=unix:path=$tmp/no-such-socket \
		run get ccred-client https://auth.example.com/token UNAVAILABLE
	echo "# without a session bus the roundtrip skips"
	set +e
	XDG_RUNTIME_DIR=$tmp/empty "$TEST" "$MODULE" >/dev/null
	rc=$?
	set -e
	[ $rc = 77 ] || fail "roundtrip without a bus: rc $rc, not 77"

	echo "# a bus with no Secret Service (no service activation)"
	cat >"$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$tmp/run</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
	dbus-run-session --config-file="$tmp/bus.conf" -- "$0" --inner noservice "$TEST" "$MODULE"

	echo "# an unlocked gnome-keyring"
	dbus-run-session -- "$0" --inner unlocked "$TEST" "$MODULE"
	echo "# the same keyring, locked"
	dbus-run-session -- "$0" --inner locked "$TEST" "$MODULE"
	echo "PASS"
	;;
esac
