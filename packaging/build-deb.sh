#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: packaging/build-deb.sh [--arch ARCH] [--nocheck] [--source] OUTDIR
# Builds the Debian packages libfdpass0, libfdpass-dev and fdpass from the
# committed tree (git archive HEAD: no uncommitted or untracked file),
# with packaging/debian as ./debian, in a temporary directory, and leaves
# the .debs, .changes and .buildinfo in OUTDIR:
#   dpkg-buildpackage -us -uc -b [-a ARCH] [-Pnocheck]
#   --arch ARCH  cross-build for the Debian architecture ARCH (arm64): the
#                tests run under qemu-user (qemu-user, libcmocka-dev:ARCH),
#                unless --nocheck
#   --nocheck    DEB_BUILD_OPTIONS=nocheck and the nocheck build profile:
#                no test built or run, no cmocka needed
#   --source     also the source package (.dsc, .orig.tar.xz,
#                .debian.tar.xz), made before the build, for lintian
# Needs dpkg-dev, debhelper and the Build-Depends of packaging/debian/control
# (dpkg-checkbuilddeps names what is missing).
set -eu
arch='' nocheck=0 source=0
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	--nocheck) nocheck=1; shift ;;
	--source) source=1; shift ;;
	-*) echo "build-deb.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -ne 1 ]; then
	echo "usage: packaging/build-deb.sh [--arch ARCH] [--nocheck] [--source] OUTDIR" >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)

name=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Source)
version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
upstream=${version%-*}
if [ -n "$(git -C "$top" status --porcelain)" ]; then
	echo "build-deb.sh: note: uncommitted changes are not built, only HEAD"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/deb-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
src=$tmp/$name-$upstream
git -C "$top" archive --format=tar --prefix="$name-$upstream/" HEAD | tar -C "$tmp" -xf -
if [ "$source" -eq 1 ]; then
	# The upstream tarball is the tree as committed, packaging/ included.
	git -C "$top" archive --format=tar --prefix="$name-$upstream/" HEAD |
		xz -6 >"$tmp/${name}_$upstream.orig.tar.xz"
fi
cp -R "$src/packaging/debian" "$src/debian"
echo "build-deb.sh: $name $version from $(git -C "$top" log --oneline -1)"

if [ "$source" -eq 1 ]; then
	(cd "$tmp" && dpkg-source -b "$name-$upstream")
fi
set -- -us -uc -b
[ -n "$arch" ] && set -- "$@" -a "$arch"
if [ "$nocheck" -eq 1 ]; then
	set -- "$@" -Pnocheck
	DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}"
	export DEB_BUILD_OPTIONS
fi
# -j2 unless the caller chose (DEB_BUILD_OPTIONS=parallel=N).
case " ${DEB_BUILD_OPTIONS:-} " in
*" parallel="*) ;;
*) DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=2"; export DEB_BUILD_OPTIONS ;;
esac
echo "build-deb.sh: DEB_BUILD_OPTIONS='$DEB_BUILD_OPTIONS' dpkg-buildpackage $*"
(cd "$src" && dpkg-buildpackage "$@")

for f in "$tmp"/*.deb "$tmp"/*.changes "$tmp"/*.buildinfo "$tmp"/*.dsc \
    "$tmp"/*.tar.*; do
	[ -e "$f" ] || continue
	cp "$f" "$out/"
	echo "build-deb.sh: $out/$(basename "$f")"
done
