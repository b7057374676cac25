#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what building ccred and running its whole test suite need on a
# fresh Debian 12 machine (run as root, or it uses sudo), then the test
# fixtures' npm packages.  Safe to run again.
set -eu
cd "$(dirname "$0")/.."
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

PKGS="build-essential autoconf automake libtool autoconf-archive pkgconf
  libcurl4-openssl-dev libjson-c-dev libsecret-1-dev libssl-dev
  bats bats-assert bats-support bats-file gnome-keyring dbus libsecret-tools
  nodejs curl openssl ca-certificates git valgrind clang libclang-rt-14-dev
  debhelper lintian rpm hyperfine jq procps gdb mmdebstrap autopkgtest dpkg-repack
  zsh fish strace time"

missing=$(dpkg-query -W -f '${db:Status-Abbrev} ${binary:Package}\n' $PKGS 2>/dev/null |
	awk '$1 != "ii" {print $2}'; for p in $PKGS; do
	dpkg-query -W "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS
fi
# The caller tests drive a real kubectl: Debian's kubernetes-client where the
# machine has none of its own.
command -v kubectl >/dev/null 2>&1 ||
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends kubernetes-client
# Debian's nodejs brings no npm; NodeSource's nodejs has npm inside and
# conflicts with Debian's npm package.
command -v npm >/dev/null 2>&1 ||
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
npm ci --prefix tests/fixtures --no-audit --no-fund --loglevel=error
