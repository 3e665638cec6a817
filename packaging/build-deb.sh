#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: packaging/build-deb.sh [--arch ARCH] [--nocheck] [--source]
#                               [--orig TARBALL] OUTDIR
# Builds the Debian packages libfdpass0, libfdpass-dev, libfdpass-imsg0,
# libfdpass-imsg-dev and fdpass from the
# release tarball libfdpass-X.Y.Z.tar.gz (X.Y.Z: the upstream version of
# packaging/debian/changelog), used as it is as Debian's
# libfdpass_X.Y.Z.orig.tar.gz: unpacked in a temporary directory, with its
# packaging/debian as ./debian, and leaves the .debs, .changes and
# .buildinfo in OUTDIR:
#   dpkg-buildpackage -us -uc -b [-a ARCH] [-Pnocheck]
# The tarball is
#   - TARBALL, given with --orig;
#   - in a git checkout, the one scripts/release-tarball.sh makes from HEAD
#     (the committed tree: uncommitted changes are not built), the same
#     bytes as the release made from that commit;
#   - in a tree unpacked from a release tarball, that tarball, found beside
#     the tree as libfdpass-X.Y.Z.tar.gz or libfdpass_X.Y.Z.orig.tar.gz.
# Options:
#   --arch ARCH  cross-build for the Debian architecture ARCH (arm64): the
#                tests run under qemu-user (qemu-user, libcmocka-dev:ARCH),
#                unless --nocheck; the cross build profile is on
#   --nocheck    DEB_BUILD_OPTIONS=nocheck and the nocheck build profile:
#                no test built or run, no cmocka needed
#   --source     also the source package (.dsc, .orig.tar.gz: the release
#                tarball's bytes, .debian.tar.xz), made before the build
# Needs dpkg-dev, debhelper and the Build-Depends of packaging/debian/control
# (dpkg-checkbuilddeps names what is missing); in a git checkout also git
# and GNU tar (scripts/release-tarball.sh).
set -eu
arch='' nocheck=0 source=0 orig=''
usage() {
	echo "usage: packaging/build-deb.sh [--arch ARCH] [--nocheck] [--source] [--orig TARBALL] OUTDIR" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--arch) [ $# -ge 2 ] || usage; arch=$2; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	--nocheck) nocheck=1; shift ;;
	--source) source=1; shift ;;
	--orig) [ $# -ge 2 ] || usage; orig=$2; shift 2 ;;
	--orig=*) orig=${1#--orig=}; shift ;;
	-*) echo "build-deb.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
if [ -n "$orig" ]; then
	[ -f "$orig" ] || { echo "build-deb.sh: $orig: no such file" >&2; exit 1; }
	orig=$(cd "$(dirname "$orig")" && pwd)/$(basename "$orig")
fi

name=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Source)
version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
upstream=${version%-*}
release=$name-$upstream		# the release tarball's name and top directory

tmp=$(mktemp -d "${TMPDIR:-/tmp}/deb-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "$orig" ]; then
	from="$orig"
elif [ -e "$top/.git" ]; then
	# The tarball a release of HEAD would be: the same bytes, so the
	# .orig.tar.gz of a source package made here is the released one.
	if [ -n "$(git -C "$top" status --porcelain --untracked-files=no)" ]; then
		echo "build-deb.sh: note: uncommitted changes are not built, only HEAD"
	fi
	FDPASS_RELEASE_ALLOW_DIRTY=1 "$top/scripts/release-tarball.sh" "$tmp/release" \
		>/dev/null
	orig=$tmp/release/$release.tar.gz
	from="$(git -C "$top" log --oneline -1) (scripts/release-tarball.sh)"
else
	# Unpacked from a release tarball: the tarball is beside the tree.
	for f in "$top/../$release.tar.gz" "$top/../${name}_$upstream.orig.tar.gz"; do
		if [ -f "$f" ]; then
			orig=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
			break
		fi
	done
	if [ -z "$orig" ]; then
		echo "build-deb.sh: $top is not a git checkout, and neither" \
		    "$release.tar.gz nor ${name}_$upstream.orig.tar.gz is beside it:" \
		    "give the release tarball with --orig" >&2
		exit 1
	fi
	from=$orig
fi
[ -f "$orig" ] || { echo "build-deb.sh: no $orig" >&2; exit 1; }
# The name Debian expects; the bytes of the release.
cp "$orig" "$tmp/${name}_$upstream.orig.tar.gz"
mkdir "$tmp/unpack"
tar -x -z -f "$orig" -C "$tmp/unpack"
if [ "$(ls -A "$tmp/unpack")" != "$release" ] || [ ! -d "$tmp/unpack/$release" ]; then
	echo "build-deb.sh: $orig does not unpack to $release/ alone" \
	    "(the version of packaging/debian/changelog is $version)" >&2
	exit 1
fi
mv "$tmp/unpack/$release" "$tmp/$release"
src=$tmp/$release
cp -R "$src/packaging/debian" "$src/debian"
echo "build-deb.sh: $name $version from $from"

if [ "$source" -eq 1 ]; then
	# Finds ../libfdpass_X.Y.Z.orig.tar.gz, whose bytes it keeps.
	(cd "$tmp" && dpkg-source -b "$release")
fi
set -- -us -uc -b
profiles=''
if [ -n "$arch" ]; then
	set -- "$@" -a "$arch"
	profiles=cross
fi
if [ "$nocheck" -eq 1 ]; then
	profiles="${profiles:+$profiles,}nocheck"
	DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}"
	export DEB_BUILD_OPTIONS
fi
[ -n "$profiles" ] && set -- "$@" -P"$profiles"
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
	case $f in *.tar.*) [ "$source" -eq 1 ] || continue ;; esac
	cp "$f" "$out/"
	echo "build-deb.sh: $out/$(basename "$f")"
done
