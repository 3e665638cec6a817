#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: cmocka-from-source.sh PREFIX CC [CMAKE_ARGS...]
#
# Builds cmocka from Debian's own source package with compiler CC and
# installs it in PREFIX: for the legs with no libcmocka-dev to install
# (musl; riscv64, which bookworm does not ship; FreeBSD).  Prints nothing on
# success.
set -eu
. "$(dirname "$0")/../lib.sh"

prefix=$1; cc=$2; shift 2
[ -f "$prefix/include/cmocka.h" ] && exit 0

src_list=/etc/apt/sources.list.d/fdpass-deb-src.sources
if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d; then
	as_root sh -c "cat > $src_list" <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
	as_root apt-get update -qq || true
fi
apt_install dpkg-dev xz-utils

work="$prefix.src"
rm -rf "$work"
mkdir -p "$work"
(cd "$work" && apt-get source --download-only cmocka >/dev/null 2>&1)
tar -C "$work" -xf "$work"/cmocka_*.orig.tar.xz
srcdir=$(find "$work" -maxdepth 1 -type d -name 'cmocka-*' | head -n 1)
cmake -S "$srcdir" -B "$work/build" -G Ninja -DCMAKE_C_COMPILER="$cc" \
	-DCMAKE_BUILD_TYPE=Release -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF \
	-DUNIT_TESTING=OFF -DCMAKE_INSTALL_PREFIX="$prefix" "$@" >/dev/null
cmake --build "$work/build" >/dev/null
cmake --install "$work/build" >/dev/null
