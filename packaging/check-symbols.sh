#!/bin/sh
# SPDX-License-Identifier: MIT
# libccred's exports and packaging/debian/libccred0.symbols name the same
# symbols, so a new ccred_ function is recorded (with the version that first
# has it) when it is added, not found later by dpkg-gensymbols.  Run by
# make check.
#
#   packaging/check-symbols.sh [BUILDDIR [SRCDIR]]
set -u
build=${1:-${CCRED_BUILDDIR:-.}}
src=${2:-${CCRED_SRCDIR:-$(dirname "$0")/..}}
lib=$build/lib/.libs/libccred.so
symbols=$src/packaging/debian/libccred0.symbols
if ! command -v nm >/dev/null 2>&1; then
	echo "SKIP: no nm"
	exit 77
fi
if [ ! -f "$lib" ]; then
	echo "FAIL: no $lib"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRBVW]$/ { print $3 }' | sort >"$tmp/exported"
sed -n 's/^ \([^@ ]*\)@Base .*/\1/p' "$symbols" | sort >"$tmp/listed"
if ! cmp -s "$tmp/exported" "$tmp/listed"; then
	echo "FAIL: libccred's exports differ from $symbols"
	comm -23 "$tmp/exported" "$tmp/listed" | sed 's/.*/  exported, not listed: add " &@Base VERSION"/'
	comm -13 "$tmp/exported" "$tmp/listed" | sed 's/.*/  listed, not exported: & (a removed symbol breaks the ABI)/'
	exit 1
fi
echo "ok: $(wc -l <"$tmp/exported") symbols, as listed in libccred0.symbols"
