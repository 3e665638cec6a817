#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/hardened/run.sh hardened
# The build a Debian or Ubuntu package gets: dpkg-buildflags' hardening
# flags (hardening=+all; Ubuntu's gcc also defines _FORTIFY_SOURCE=3 on its
# own) with warnings as errors, for gcc and for clang.  _FORTIFY_SOURCE
# marks write(), read() and others warn_unused_result, which a (void) cast
# does not silence under gcc; the default presets never see that.
# The library, the command, the benchmark and the tests are built (not
# the C++ header test) and the tests run.
set -eu
. "$(dirname "$0")/../lib.sh"

leg=$1
if [ "$leg" != hardened ]; then
	echo "ci/hardened/run.sh: unknown leg '$leg'" >&2
	exit 2
fi
apt_install cmake ninja-build gcc clang libcmocka-dev gnulib

# The flags as dpkg-buildflags gives them on amd64 with hardening=+all
# and Ubuntu's fortify level.
CPPFLAGS_H="-D_FORTIFY_SOURCE=3"
CFLAGS_H="-O2 -fstack-protector-strong -fstack-clash-protection -fcf-protection"
LDFLAGS_H="-Wl,-z,relro -Wl,-z,now"

# Every test but the two that configure and build whole trees of their
# own (a minute or more each; the linux-x86_64 legs run them), to keep
# the leg short.
slow='^(install_library_kinds|pkgconfig_paths)$'
# configure_build sets $leg to its argument: each build's own name.
for cc in gcc clang; do
	name=hardened-$cc
	echo "hardened: $cc: $CPPFLAGS_H $CFLAGS_H $LDFLAGS_H"
	CFLAGS="$CPPFLAGS_H $CFLAGS_H" LDFLAGS="$LDFLAGS_H" \
	    configure_build "$name" -DCMAKE_C_COMPILER="$cc" \
		-DCMAKE_BUILD_TYPE=None -DFDPASS_TEST_CXX=OFF
	(cd "$FDPASS_ROOT/build/ci/$name" &&
	    ctest -j "$JOBS" --timeout 300 --output-on-failure \
		--no-tests=error -E "$slow")
done
echo "hardened: gcc and clang built and passed with the hardening flags"
