#!/bin/sh
# SPDX-License-Identifier: MIT
# The version lives in configure.ac's AC_INIT alone; every other place that
# must say it is compared with it here: NEWS, the Debian changelog, the RPM
# spec (Version and %changelog), the Arch and Alpine recipes, and what the
# built `ccred --version` prints.  Run by make check (and make check-versions).
#
#   packaging/check-versions.sh [SRCDIR]      ($CCRED: the built command)
set -u
src=${1:-${CCRED_SRCDIR:-$(dirname "$0")/..}}
fails=0

# AC_INIT([ccred], [0.1.0], ...): the second bracketed word.
want=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$src/configure.ac")
if [ -z "$want" ]; then
	echo "FAIL: no version in AC_INIT of $src/configure.ac"
	exit 1
fi
echo "configure.ac: $want"

check() { # NAME VALUE
	if [ "$2" = "$want" ]; then
		echo "ok: $1 says $2"
	else
		echo "FAIL: $1 says '$2', configure.ac says '$want'"
		fails=$((fails + 1))
	fi
}

p=$src/packaging
check NEWS "$(sed -n 's/^ccred \([^ ]*\) (.*/\1/p' "$src/NEWS" | sed -n 1p)"
# ccred (0.1.0-1) unstable; ...: the upstream part, before the last '-'.
deb=$(sed -n '1s/^ccred (\(.*\)) .*/\1/p' "$p/debian/changelog")
check debian/changelog "${deb%-*}"
check "rpm/ccred.spec Version" "$(sed -n 's/^Version: *//p' "$p/rpm/ccred.spec")"
spec_cl=$(sed -n '/^%changelog/,$s/^\* .* - \([^ ]*\)$/\1/p' "$p/rpm/ccred.spec" | sed -n 1p)
check "rpm/ccred.spec %changelog" "${spec_cl%-*}"
check arch/PKGBUILD "$(sed -n 's/^pkgver=//p' "$p/arch/PKGBUILD")"
check alpine/APKBUILD "$(sed -n 's/^pkgver=//p' "$p/alpine/APKBUILD")"

# The recipes are shell: they must at least parse.
for f in "$p/arch/PKGBUILD:bash" "$p/alpine/APKBUILD:sh"; do
	if ! "${f##*:}" -n "${f%:*}"; then
		echo "FAIL: ${f%:*} does not parse"
		fails=$((fails + 1))
	fi
done

if [ -n "${CCRED:-}" ] && [ -x "$CCRED" ]; then
	check "ccred --version" "$("$CCRED" --version | sed -n 's/^ccred //p')"
fi

[ "$fails" -eq 0 ] || exit 1
