#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/linux/run.sh LEG
# The Linux legs: native gcc and clang, musl, and cross-compiled targets
# whose whole test suite runs under qemu-user.
set -eu
. "$(dirname "$0")/../lib.sh"

# cross LEG DEBIAN_ARCH TRIPLE QEMU : multiarch cmocka, dynamic binaries;
# then the missing-cmocka hint.
cross() {
	add_architecture "$2"
	apt_install cmake ninja-build gcc-"$3" libc6-dev-"$2"-cross qemu-user dpkg-dev \
	    libcmocka-dev:"$2" gnulib
	configure_build_test "$1" \
		-DCMAKE_TOOLCHAIN_FILE="$FDPASS_ROOT/cmake/toolchains/$1.cmake" \
		-DFDPASS_TEST_CXX=OFF
	cmocka_hint "$@"
}

# cmocka_hint LEG DEBIAN_ARCH : with the target's cmocka hidden, the
# configure must fail naming the package that provides it for that
# architecture (libcmocka-dev:armhf), not the host's.
cmocka_hint() {
	hint="$FDPASS_ROOT/build/ci/$1-cmocka-hint"
	ma=$(dpkg-architecture -a "$2" -qDEB_HOST_MULTIARCH 2>/dev/null)
	rm -rf "$hint"
	if cmake -S "$FDPASS_ROOT" -B "$hint" -G Ninja -DFDPASS_REQUIRE_TESTS=ON \
	    -DCMAKE_TOOLCHAIN_FILE="$FDPASS_ROOT/cmake/toolchains/$1.cmake" \
	    -DFDPASS_TEST_CXX=OFF \
	    -DCMAKE_IGNORE_PATH="/usr/include;/usr/lib/$ma" \
	    >"$hint.log" 2>&1; then
		echo "FAIL: configured without cmocka" >&2
		exit 1
	fi
	if ! tr -s ' \n' ' ' <"$hint.log" | grep -q "apt-get install libcmocka-dev:$2)"; then
		echo "FAIL: the missing-cmocka error does not name libcmocka-dev:$2:" >&2
		cat "$hint.log" >&2
		exit 1
	fi
	echo "cmocka hint: names libcmocka-dev:$2"
}

leg=$1
case "$leg" in
linux-x86_64-gcc)
	apt_install cmake ninja-build gcc g++ libcmocka-dev gnulib abigail-tools
	configure_build_test "$leg" -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
		-DFDPASS_REQUIRE_ABI_CHECK=ON
	;;
linux-x86_64-clang)
	apt_install cmake ninja-build clang libcmocka-dev gnulib abigail-tools
	configure_build_test "$leg" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
		-DFDPASS_REQUIRE_ABI_CHECK=ON
	;;
linux-musl)
	apt_install cmake ninja-build musl-tools gnulib
	deps="$FDPASS_ROOT/build/ci/deps/musl"
	"$(dirname "$0")/cmocka-from-source.sh" "$deps" musl-gcc
	configure_build_test "$leg" -DCMAKE_C_COMPILER=musl-gcc \
		-DFDPASS_TEST_CXX=OFF -DCMOCKA_INCLUDE_DIR="$deps/include" \
		-DCMOCKA_LIBRARY="$deps/lib/libcmocka-static.a"
	;;
linux-i686)	cross linux-i686 i386 i686-linux-gnu qemu-i386 ;;
linux-armhf)	cross linux-armhf armhf arm-linux-gnueabihf qemu-arm ;;
linux-aarch64)
	cross linux-aarch64 arm64 aarch64-linux-gnu qemu-aarch64
	# The README's recipe, as written: multiarch and static builds.
	"$(dirname "$0")/readme-cross.sh"
	;;
linux-s390x)	cross linux-s390x s390x s390x-linux-gnu qemu-s390x ;;
linux-riscv64)
	# bookworm has no riscv64 archive: cmocka from source, static binaries.
	apt_install cmake ninja-build gcc-riscv64-linux-gnu libc6-dev-riscv64-cross \
	    qemu-user gnulib
	deps="$FDPASS_ROOT/build/ci/deps/riscv64"
	"$(dirname "$0")/cmocka-from-source.sh" "$deps" riscv64-linux-gnu-gcc \
		-DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=riscv64
	configure_build_test "$leg" \
		-DCMAKE_TOOLCHAIN_FILE="$FDPASS_ROOT/cmake/toolchains/linux-riscv64.cmake" \
		-DFDPASS_TEST_CXX=OFF -DFDPASS_BUILD_SHARED=OFF \
		-DCMAKE_EXE_LINKER_FLAGS=-static \
		-DCMOCKA_INCLUDE_DIR="$deps/include" \
		-DCMOCKA_LIBRARY="$deps/lib/libcmocka-static.a"
	;;
*)
	echo "ci/linux/run.sh: unknown leg '$leg'" >&2
	exit 2
	;;
esac
