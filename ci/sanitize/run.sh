#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/sanitize/run.sh LEG
# The whole suite under ASan+UBSan (with a short libFuzzer run), under valgrind memcheck with descriptor
# tracking, and with every runtime fallback forced on.
set -eu
. "$(dirname "$0")/../lib.sh"

leg=$1
case "$leg" in
sanitize-asan-ubsan)
	apt_install cmake ninja-build clang libclang-rt-14-dev libcmocka-dev gnulib
	flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	configure_build_test "$leg" -DCMAKE_BUILD_TYPE=Debug -DFDPASS_BUILD_FUZZ=ON \
		-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
		-DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
		-DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
		-DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined"
	;;
sanitize-valgrind)
	apt_install cmake ninja-build gcc g++ valgrind libcmocka-dev gnulib
	configure_build_test "$leg" -DCMAKE_BUILD_TYPE=Debug \
		-DFDPASS_TEST_WRAPPER="$FDPASS_ROOT/ci/sanitize/valgrind-wrap.sh"
	;;
fallbacks)
	apt_install cmake ninja-build gcc g++ libcmocka-dev gnulib
	configure_build_test "$leg" \
		-DFDPASS_FORCE_NO_CMSG_CLOEXEC=ON -DFDPASS_FORCE_NO_MSG_NOSIGNAL=ON \
		-DFDPASS_FORCE_NO_SO_NOSIGPIPE=ON -DFDPASS_FORCE_NO_SOCK_CLOEXEC=ON \
		-DFDPASS_FORCE_NO_SOCK_NONBLOCK=ON
	"$FDPASS_ROOT/build/ci/$leg/fdpass" info
	;;
*)
	echo "ci/sanitize/run.sh: unknown leg '$leg'" >&2
	exit 2
	;;
esac
