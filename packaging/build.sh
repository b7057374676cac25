#!/bin/sh
# SPDX-License-Identifier: MIT
# One command from a clean tree to the packages:
#
#   packaging/build.sh [OUTDIR]        (default: _packages in the tree)
#
# autoreconf, configure and make dist; then, from the unpacked tarball with
# packaging/debian as debian/, dpkg-buildpackage -b and lintian; then
# rpmbuild -bb of packaging/rpm/ccred.spec with the tarball as Source0.
# OUTDIR gets the tarball, debian/*.deb (+ .changes, .buildinfo),
# rpm/*.rpm and logs/ (the full build logs).  Needs what tests/setup-debian.sh installs (debhelper,
# lintian, rpm and the Build-Depends).  Prints each stage's time.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/_packages}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ccred-pkg.XXXXXX")
trap 'rm -rf "$work"' EXIT
jobs=$(nproc 2>/dev/null || echo 2)

t0=$(date +%s)
stage() { # NAME: print the time the previous stage took, start the next
	t1=$(date +%s)
	[ -z "${stage_name:-}" ] || echo "== $stage_name: $((t1 - t0)) s"
	t0=$t1
	stage_name=$1
	[ -z "$1" ] || echo "== $1"
}

stage "make dist"
cd "$top"
if [ -f config.status ]; then
	echo "build.sh: the tree is configured in place; run make distclean first" >&2
	exit 1
fi
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir "$work/dist"
cd "$work/dist"
"$top/configure" -q
make -s dist >/dev/null
tarball=$(ls ccred-*.tar.gz)
version=${tarball#ccred-}
version=${version%.tar.gz}
rm -rf "$out/debian" "$out/rpm" "$out/logs" "$out"/ccred-*.tar.gz
mkdir "$out/logs"
cp "$tarball" "$out/"
echo "$out/$tarball"

stage "dpkg-buildpackage"
mkdir "$work/deb"
cd "$work/deb"
# The orig tarball is what a source upload would carry; -b does not need it.
cp "$out/$tarball" "ccred_$version.orig.tar.gz"
tar xzf "ccred_$version.orig.tar.gz"
cd "ccred-$version"
cp -r packaging/debian debian
if ! dpkg-checkbuilddeps; then
	echo "build.sh: install the Build-Depends first: apt-get build-dep ./ (in the unpacked tarball, with debian/)" >&2
	exit 1
fi
dpkg-buildpackage -us -uc -b -j"$jobs" >"$out/logs/dpkg-buildpackage.log" 2>&1 || {
	tail -n 80 "$out/logs/dpkg-buildpackage.log"
	echo "build.sh: dpkg-buildpackage failed" >&2
	exit 1
}
cd ..
mkdir "$out/debian"
mv ./*.deb ./*.changes ./*.buildinfo "$out/debian/"

stage "lintian"
lintian --fail-on error,warning --display-info "$out"/debian/ccred_*.changes

stage "rpmbuild"
mkdir -p "$work/rpm/SOURCES"
cp "$out/$tarball" "$work/rpm/SOURCES/"
# The spec as shipped in the tarball; --nodeps: on Debian the rpm database
# is empty, so BuildRequires cannot be checked (the Debian packages are).
tar xzf "$out/$tarball" -C "$work/rpm" "ccred-$version/packaging/rpm/ccred.spec"
rpmbuild -bb --nodeps --define "_topdir $work/rpm" \
	"$work/rpm/ccred-$version/packaging/rpm/ccred.spec" >"$out/logs/rpmbuild.log" 2>&1 || {
	tail -n 80 "$out/logs/rpmbuild.log"
	echo "build.sh: rpmbuild failed" >&2
	exit 1
}
mkdir "$out/rpm"
find "$work/rpm/RPMS" -name '*.rpm' -exec mv {} "$out/rpm/" \;
stage ""
ls -l "$out" "$out/debian" "$out/rpm"
