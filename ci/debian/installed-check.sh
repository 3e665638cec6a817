#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: installed-check.sh CONSUMER_DIR WORK
# Run on a machine where libfdpass0, libfdpass-dev and fdpass are installed
# (ci/debian/run.sh runs it as root in a fresh bookworm root): builds
# tests/consumer (CONSUMER_DIR) in WORK against the installed packages with
# pkg-config (shared, then the static library) and with CMake
# (find_package(fdpass 0.2), fdpass::fdpass; pkg_check_modules), runs each
# consumer (a descriptor passed and checked), then `fdpass info`.
set -eu
src=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
say() { printf '%s\n' "--- $*"; }
uses_packaged_lib() {
	lib=$(ldd "$1" | awk '$1 ~ /^libfdpass\.so/ { print $3 }')
	[ -n "$lib" ] || { echo "$1 does not load libfdpass" >&2; return 1; }
	real=$(readlink -f "$lib")
	owner=$(dpkg -S "$real" 2>/dev/null | cut -d: -f1)
	[ "$owner" = libfdpass0 ] || { echo "$1 loads $real, not libfdpass0's" >&2; return 1; }
	echo "    $1 -> $lib ($real, package $owner)"
}

say "pkg-config --cflags --libs fdpass: '$(pkg-config --cflags --libs fdpass)'"
# shellcheck disable=SC2046 # pkg-config's flags are words
cc -o "$work/consumer-pkgconfig" "$src/consumer.c" $(pkg-config --cflags --libs fdpass)
uses_packaged_lib "$work/consumer-pkgconfig"
printf 'consumer-pkgconfig: '
"$work/consumer-pkgconfig"

say "static: -Wl,-Bstatic $(pkg-config --libs --static fdpass) -Wl,-Bdynamic"
# shellcheck disable=SC2046
cc -o "$work/consumer-static" "$src/consumer.c" $(pkg-config --cflags fdpass) \
	-Wl,-Bstatic $(pkg-config --libs --static fdpass) -Wl,-Bdynamic
if ldd "$work/consumer-static" | grep -q libfdpass; then
	echo "consumer-static loads libfdpass.so: not linked with libfdpass.a" >&2
	exit 1
fi
printf 'consumer-static: '
"$work/consumer-static"

say "CMake: find_package(fdpass 0.2 REQUIRED), fdpass::fdpass; pkg_check_modules(fdpass)"
cmake -S "$src" -B "$work/cmake" >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
grep -E 'fdpass|Found' "$work/cmake.log" | sed 's/^/    /' || true
cmake --build "$work/cmake" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
for c in consumer_cmake consumer_pkgconfig; do
	uses_packaged_lib "$work/cmake/$c"
	printf '%s: ' "$c"
	"$work/cmake/$c"
done

say "fdpass info ($(command -v fdpass), package $(dpkg -S "$(command -v fdpass)" | cut -d: -f1))"
fdpass info
fdpass --version
echo "installed-check: the packaged library, header, pkg-config file, CMake package and command work"
