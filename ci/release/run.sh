#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/release/run.sh LEG
#   release       scripts/release-tarball.sh run in two clones of HEAD at
#                 different paths, with different umasks (and, as root, a
#                 different user): the tarballs and SHA256SUMS must be the
#                 same bytes, and hold exactly the committed tree.  Then the
#                 tarball, unpacked under /tmp with no git tree above it and
#                 a git that fails if anything calls it, is configured,
#                 built and tested as the README says (the ABI check
#                 against abi/ required).
#   reproducible  libfdpass.so and libfdpass.a built with gcc and with clang
#                 from HEAD unpacked at two different paths (source and
#                 build directories both differ) must be the same bytes and
#                 name neither path; without FDPASS_FILE_PREFIX_MAP they
#                 must differ (the comparison can see a path).
# Only the committed tree is used, as in fresh-debian.
set -eu
. "$(dirname "$0")/../lib.sh"

leg=$1
case "$leg" in
release|reproducible) ;;
*)
	echo "ci/release/run.sh: unknown leg '$leg'" >&2
	exit 2
	;;
esac

sha=$(git -C "$FDPASS_ROOT" rev-parse HEAD)
if [ -n "$(git -C "$FDPASS_ROOT" status --porcelain --untracked-files=no)" ]; then
	echo "$leg: note: uncommitted changes are not tested, only HEAD"
fi
# Under /tmp, away from the checkout's git tree.
work=$(mktemp -d /tmp/fdpass-"$leg".XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 755 "$work"
fail() { echo "$leg: FAIL: $*"; exit 1; }

# clone DIR : a clean clone of HEAD in DIR.
clone() {
	mkdir -p "$(dirname "$1")"
	git -c safe.directory="$FDPASS_ROOT" clone -q --no-hardlinks --no-checkout \
		"$FDPASS_ROOT" "$1"
	git -C "$1" checkout -q --detach "$sha"
}

release() {
	apt_install git cmake ninja-build gcc g++ pkg-config libcmocka-dev gnulib mandoc \
	    abigail-tools
	a=$work/a/libfdpass
	b="$work/b/second clone/libfdpass"
	clone "$a"
	clone "$b"
	echo "release: clone 1 $a, umask 022, $(id -un)"
	(umask 022 && "$a/scripts/release-tarball.sh" "$work/out1") ||
		fail "scripts/release-tarball.sh in $a"
	# The second clone: another user (as root), umask 077, another zone
	# and locale.
	mkdir -p "$work/out2"
	if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
		chown -R nobody "$work/b" "$work/out2"
		as="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	else
		as=""
	fi
	# shellcheck disable=SC2086 # $as is a command prefix or nothing
	echo "release: clone 2 $b, umask 077, $($as id -un)"
	# shellcheck disable=SC2086 # $as is a command prefix or nothing
	(umask 077 && HOME=$work/b TZ=Asia/Kathmandu LC_ALL=C.UTF-8 \
		$as "$b/scripts/release-tarball.sh" "$work/out2") ||
		fail "scripts/release-tarball.sh in $b"

	tarball=$(cd "$work/out1" && ls libfdpass-*.tar.gz)
	cmp "$work/out1/$tarball" "$work/out2/$tarball" ||
		fail "the two runs' $tarball differ"
	cmp "$work/out1/SHA256SUMS" "$work/out2/SHA256SUMS" ||
		fail "the two runs' SHA256SUMS differ"
	(cd "$work/out1" && sha256sum -c SHA256SUMS) || fail "sha256sum -c SHA256SUMS"
	echo "release: both runs made the same bytes: $(cat "$work/out1/SHA256SUMS")"

	# Exactly the committed tree: the same files with the same contents
	# and executable bits, all owned by 0/0 and 644 or 755.
	mkdir "$work/unpacked" "$work/ref"
	tar -x -z -f "$work/out1/$tarball" -C "$work/unpacked"
	git -C "$a" archive --format=tar "$sha" | tar -x -C "$work/ref"
	top=$work/unpacked/${tarball%.tar.gz}
	[ -d "$top" ] || fail "$tarball does not unpack to ${tarball%.tar.gz}/"
	[ "$(find "$work/unpacked" -mindepth 1 -maxdepth 1 | wc -l)" -eq 1 ] ||
		fail "$tarball has more than one top-level entry"
	diff -r "$work/ref" "$top" || fail "$tarball is not the committed tree"
	(cd "$work/ref" && find . -type f -perm -u+x | sort) >"$work/x.ref"
	(cd "$top" && find . -type f -perm -u+x | sort) >"$work/x.tar"
	cmp "$work/x.ref" "$work/x.tar" || fail "executable bits differ from the tree"
	odd=$(tar -t -v -z -f "$work/out1/$tarball" --numeric-owner |
		awk '$2 != "0/0" || $1 !~ /^(-rw-r--r--|-rwxr-xr-x|drwxr-xr-x)$/')
	[ -z "$odd" ] || fail "entries not 0/0 644/755: $odd"
	echo "release: $tarball holds the committed tree ($(find "$top" -type f | wc -l) files)"

	# Built and tested as a user of the tarball would, where no git tree
	# is above it and any call to git fails the leg.
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		fail "$top is inside a git tree"
	fi
	mkdir "$work/nogit"
	printf '#!/bin/sh\necho "git $*" >>"%s"\nexit 128\n' "$work/git-calls" \
		>"$work/nogit/git"
	chmod 755 "$work/nogit/git"
	echo "release: configure, build and test $top (README: cmake --workflow --preset default)"
	(cd "$top" && PATH=$work/nogit:$PATH && export PATH &&
		cmake --preset default -DFDPASS_REQUIRE_ABI_CHECK=ON &&
		cmake --build --preset default -j "$JOBS" &&
		ctest --preset default --timeout 300) ||
		fail "the unpacked tarball does not configure, build or pass its tests"
	if [ -e "$work/git-calls" ]; then
		cat "$work/git-calls"
		fail "the tarball's build or tests called git"
	fi
	"$top/build/default/fdpass" info >/dev/null || fail "fdpass info"
	echo "release: PASS: $tarball is reproducible and builds and passes its tests outside git"
}

# build_lib SRC BUILD COMPILER [cmake args...] : the libraries alone.
build_lib() {
	src=$1 bld=$2 cc=$3
	mkdir -p "$(dirname "$bld")"
	shift 3
	cmake -S "$src" -B "$bld" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_C_COMPILER="$cc" -DFDPASS_WERROR=ON -DFDPASS_BUILD_TESTS=OFF \
		-DFDPASS_BUILD_TOOLS=OFF -DFDPASS_BUILD_BENCH=OFF "$@" >"$bld.log" 2>&1 ||
		{ cat "$bld.log"; fail "configure $src in $bld"; }
	cmake --build "$bld" -j "$JOBS" >>"$bld.log" 2>&1 ||
		{ cat "$bld.log"; fail "build $bld"; }
}

reproducible() {
	apt_install git cmake ninja-build gcc clang binutils
	if grep -rnE '__(DATE|TIME|TIMESTAMP)__' "$FDPASS_ROOT/src" "$FDPASS_ROOT/include"; then
		fail "__DATE__, __TIME__ or __TIMESTAMP__ in the library's sources"
	fi
	# Two copies of HEAD; the second's build directory is inside its
	# source directory, the first's beside it.
	one=$work/one/libfdpass
	two="$work/second/a longer path/src"
	mkdir -p "$one" "$two"
	git -C "$FDPASS_ROOT" archive --format=tar "$sha" | tar -x -C "$one"
	git -C "$FDPASS_ROOT" archive --format=tar "$sha" | tar -x -C "$two"
	so=$(git -C "$FDPASS_ROOT" show "$sha:CMakeLists.txt" | tr '\n' ' ' |
		sed -n 's/.*project( *fdpass [^)]*VERSION  *\([0-9][0-9.]*\).*/\1/p')
	so=libfdpass.so.$so
	for cc in gcc clang; do
		b1=$work/one/build-$cc
		b2="$two/build/$cc"
		build_lib "$one" "$b1" "$cc"
		(umask 077 && build_lib "$two" "$b2" "$cc")
		for f in "$so" libfdpass.a; do
			if ! cmp "$b1/$f" "$b2/$f"; then
				cmp -l "$b1/$f" "$b2/$f" | head -n 5
				fail "$cc: $f differs between $b1 and $b2"
			fi
			if grep -aqF "$work" "$b1/$f" || grep -aqF "$work" "$b2/$f"; then
				fail "$cc: $f names its build or source path"
			fi
		done
		id=$(readelf -n "$b1/$so" | awk '/Build ID/ {print $3}')
		echo "reproducible: $cc: $so and libfdpass.a the same bytes from both paths (build-id ${id:-none})"

		# The negative control: the same two builds without the maps
		# (reconfigured: the probes are cached).
		build_lib "$one" "$b1" "$cc" -DFDPASS_FILE_PREFIX_MAP=OFF
		build_lib "$two" "$b2" "$cc" -DFDPASS_FILE_PREFIX_MAP=OFF
		grep -q 'file-prefix-map' "$b1/build.ninja" &&
			fail "$cc: FDPASS_FILE_PREFIX_MAP=OFF still maps"
		if cmp -s "$b1/$so" "$b2/$so"; then
			fail "$cc: without FDPASS_FILE_PREFIX_MAP the two builds are the same too: the comparison cannot see a path (no debug information?)"
		fi
		echo "reproducible: $cc: without FDPASS_FILE_PREFIX_MAP they differ, as they must"
	done
	echo "reproducible: PASS: the libraries are the same bytes whatever the source and build paths"
}

"$leg"
