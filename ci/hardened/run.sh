#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/hardened/run.sh hardened
# The build a Debian or Ubuntu package gets: dpkg-buildflags' hardening
# flags (hardening=+all; Ubuntu's gcc also defines _FORTIFY_SOURCE=3 on its
# own) with warnings as errors, for gcc and for clang.  _FORTIFY_SOURCE
# marks write(), read() and others warn_unused_result, which a (void) cast
# does not silence under gcc; the default presets never see that.
# The library, the command and the tests are built and every test runs,
# without the C++ header test to keep the leg short.
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

for cc in gcc clang; do
	echo "hardened: $cc: $CPPFLAGS_H $CFLAGS_H $LDFLAGS_H"
	CFLAGS="$CPPFLAGS_H $CFLAGS_H" LDFLAGS="$LDFLAGS_H" \
	    configure_build_test "$leg-$cc" -DCMAKE_C_COMPILER="$cc" \
		-DCMAKE_BUILD_TYPE=None -DFDPASS_TEST_CXX=OFF
done
echo "hardened: gcc and clang built and passed with the hardening flags"
