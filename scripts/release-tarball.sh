#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: scripts/release-tarball.sh [OUTDIR]
# Makes OUTDIR/libfdpass-X.Y.Z.tar.gz from the committed tree (HEAD) of the
# checkout this script is in, and OUTDIR/SHA256SUMS beside it.  X.Y.Z is
# project(VERSION) in HEAD's CMakeLists.txt.  OUTDIR defaults to
# build/release (ignored by git).
#
# The same commit gives the same bytes, whoever runs it, with whatever
# umask, from whatever clone path: git archive picks the files (.gitattributes
# export-ignore is honoured; there is none today: the whole tree ships,
# tests and ci/ included); GNU tar writes them sorted by name, owner and
# group 0, modes 644/755, every mtime SOURCE_DATE_EPOCH (default: HEAD's
# commit time), no atime/ctime/pid in pax headers; gzip -n stores no name or
# time.  Same bytes needs the same GNU tar and gzip (docs/releasing.md).
#
# A tree with uncommitted changes to tracked files is refused (they would
# not be in the tarball): FDPASS_RELEASE_ALLOW_DIRTY=1 makes it a warning.
# TAR names GNU tar where tar is another one (gtar).
set -eu
# Nothing from the environment changes what tar, gzip or git write.
unset TAR_OPTIONS GZIP GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_CONFIG_PARAMETERS

root=$(cd "$(dirname "$0")/.." && pwd)
outdir=${1:-$root/build/release}
TAR=${TAR:-tar}

die() { echo "release-tarball: $*" >&2; exit 1; }
note() { echo "release-tarball: $*" >&2; }

git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	die "$root is not a git checkout: a release is made from a commit"
"$TAR" --version 2>/dev/null | head -n 1 | grep -q 'GNU tar' ||
	die "'$TAR' is not GNU tar (set TAR=gtar)"
if command -v sha256sum >/dev/null 2>&1; then
	sha256() { sha256sum "$@"; }
elif command -v shasum >/dev/null 2>&1; then
	sha256() { shasum -a 256 "$@"; }
else
	die "neither sha256sum nor shasum found"
fi

# Pinned so that no user's configuration changes what git archive writes.
git_() {
	git -C "$root" -c core.autocrlf=false -c core.eol=lf \
	    -c core.attributesFile=/dev/null "$@"
}

commit=$(git_ rev-parse --verify 'HEAD^{commit}')
if [ -n "$(git_ status --porcelain --untracked-files=no)" ]; then
	if [ "${FDPASS_RELEASE_ALLOW_DIRTY:-0}" = 1 ]; then
		note "warning: uncommitted changes are not in the tarball, only HEAD $commit"
	else
		git_ status --short --untracked-files=no >&2
		die "uncommitted changes (commit them, or FDPASS_RELEASE_ALLOW_DIRTY=1 for HEAD alone)"
	fi
fi

# X.Y.Z from HEAD's project() call, and the header must say the same.
version=$(git_ show "$commit:CMakeLists.txt" | tr '\n' ' ' |
	sed -n 's/.*project( *fdpass [^)]*VERSION  *\([0-9][0-9.]*\).*/\1/p')
echo "$version" | grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+' ||
	die "no X.Y.Z version in project() of CMakeLists.txt (found '$version')"
header=$(git_ show "$commit:include/fdpass.h" | awk '
	$1 == "#define" && $2 == "FDPASS_VERSION_MAJOR" { M = $3 }
	$1 == "#define" && $2 == "FDPASS_VERSION_MINOR" { m = $3 }
	$1 == "#define" && $2 == "FDPASS_VERSION_PATCH" { p = $3 }
	END { print M "." m "." p }')
[ "$header" = "$version" ] ||
	die "CMakeLists.txt says $version, include/fdpass.h says $header"
if [ "$(git_ tag --points-at "$commit" --list "v$version")" != "v$version" ]; then
	note "note: HEAD is not tagged v$version (fine for a trial, not for a release)"
fi

sde=${SOURCE_DATE_EPOCH:-$(git_ log -1 --format=%ct "$commit")}
echo "$sde" | grep -Eqx '[0-9]+' || die "SOURCE_DATE_EPOCH '$sde' is not a number"

name=libfdpass-$version
tmp=$(mktemp -d "${TMPDIR:-/tmp}/release-tarball.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

git_ archive --format=tar --prefix="$name/" -o "$tmp/git.tar" "$commit"
mkdir "$tmp/tree"
"$TAR" -x -f "$tmp/git.tar" -C "$tmp/tree"
# The extraction applied this user's umask: a+rX,u+w,go-w gives back
# git's 644 and 755 from any of them.
LC_ALL=C TZ=UTC "$TAR" --format=pax --sort=name --mtime="@$sde" \
	--owner=0 --group=0 --numeric-owner --mode='a+rX,u+w,go-w' \
	--pax-option='exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime' \
	-C "$tmp/tree" -c -f "$tmp/$name.tar" "$name"
gzip -n -9 -c "$tmp/$name.tar" >"$tmp/$name.tar.gz"

mkdir -p "$outdir"
mv "$tmp/$name.tar.gz" "$outdir/$name.tar.gz"
(cd "$outdir" && sha256 "$name.tar.gz" >SHA256SUMS)
outdir=$(cd "$outdir" && pwd)
echo "release-tarball: $outdir/$name.tar.gz"
echo "release-tarball: commit $commit, SOURCE_DATE_EPOCH $sde"
cat "$outdir/SHA256SUMS"
