#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: installed-check.sh CONSUMER_DIR WORK [imsg]
# Run on a machine where libfdpass0, libfdpass-dev and fdpass are installed
# (ci/debian/run.sh runs it as root in a fresh bookworm root): builds
# tests/consumer (CONSUMER_DIR) in WORK against the installed packages with
# pkg-config (shared, then the static library) and with CMake
# (find_package(fdpass 0.2), fdpass::fdpass; pkg_check_modules), runs each
# consumer (a descriptor passed and checked), then `fdpass info`.
# Without "imsg", libfdpass-imsg-dev must not be installed, and the CMake
# package must work without it (no fdpass::imsg, the imsg component
# reported missing).  With "imsg", libfdpass-imsg0 and libfdpass-imsg-dev
# are installed too: find_package(fdpass 0.2 COMPONENTS imsg) with
# fdpass::imsg, and pkg-config fdpass-imsg (shared and static), build
# tests/consumer/consumer_imsg.c, whose runs exchange a message with a
# descriptor, and each function's manual page is installed.
set -eu
src=$1 work=$2 imsg=${3:-}
rm -rf "$work"
mkdir -p "$work"
say() { printf '%s\n' "--- $*"; }
# uses_packaged_lib PROGRAM [NAME PACKAGE]: PROGRAM loads libNAME.so
# (fdpass) from PACKAGE's files (libfdpass0).
uses_packaged_lib() {
	name=${2:-fdpass} package=${3:-libfdpass0}
	lib=$(ldd "$1" | awk -v n="lib$name.so" 'index($1, n) == 1 { print $3 }')
	[ -n "$lib" ] || { echo "$1 does not load lib$name" >&2; return 1; }
	real=$(readlink -f "$lib")
	owner=$(dpkg -S "$real" 2>/dev/null | cut -d: -f1)
	[ "$owner" = "$package" ] || { echo "$1 loads $real, not $package's" >&2; return 1; }
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

if [ "$imsg" = imsg ]; then
	expect=ON
	say "CMake: find_package(fdpass 0.2 REQUIRED COMPONENTS imsg), fdpass::fdpass, fdpass::imsg; pkg_check_modules(fdpass, fdpass-imsg)"
else
	expect=OFF
	if dpkg-query -W libfdpass-imsg-dev >/dev/null 2>&1; then
		echo "libfdpass-imsg-dev is installed: the check of libfdpass-dev alone cannot run" >&2
		exit 1
	fi
	say "CMake, libfdpass-dev alone: find_package(fdpass 0.2 REQUIRED), fdpass::fdpass; no fdpass::imsg; pkg_check_modules(fdpass)"
fi
cmake -S "$src" -B "$work/cmake" -DEXPECT_IMSG=$expect >"$work/cmake.log" 2>&1 ||
	{ cat "$work/cmake.log"; exit 1; }
grep -E 'fdpass|Found' "$work/cmake.log" | sed 's/^/    /' || true
cmake --build "$work/cmake" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
for c in consumer_cmake consumer_pkgconfig; do
	uses_packaged_lib "$work/cmake/$c"
	printf '%s: ' "$c"
	"$work/cmake/$c"
done

if [ "$imsg" = imsg ]; then
	for c in consumer_imsg_cmake consumer_imsg_pkgconfig; do
		[ -x "$work/cmake/$c" ] || { echo "no $c: fdpass::imsg not found" >&2; exit 1; }
		uses_packaged_lib "$work/cmake/$c" fdpass-imsg libfdpass-imsg0
		printf '%s: ' "$c"
		"$work/cmake/$c"
	done
	say "pkg-config --cflags --libs fdpass-imsg: '$(pkg-config --cflags --libs fdpass-imsg)'"
	# shellcheck disable=SC2046
	cc -o "$work/consumer-imsg-pkgconfig" "$src/consumer_imsg.c" \
		$(pkg-config --cflags --libs fdpass-imsg)
	uses_packaged_lib "$work/consumer-imsg-pkgconfig" fdpass-imsg libfdpass-imsg0
	printf 'consumer-imsg-pkgconfig: '
	"$work/consumer-imsg-pkgconfig"
	say "static: -Wl,-Bstatic $(pkg-config --libs --static fdpass-imsg) -Wl,-Bdynamic"
	# shellcheck disable=SC2046
	cc -o "$work/consumer-imsg-static" "$src/consumer_imsg.c" \
		$(pkg-config --cflags fdpass-imsg) \
		-Wl,-Bstatic $(pkg-config --libs --static fdpass-imsg) -Wl,-Bdynamic
	if ldd "$work/consumer-imsg-static" | grep -q libfdpass; then
		echo "consumer-imsg-static loads a libfdpass shared library" >&2
		exit 1
	fi
	printf 'consumer-imsg-static: '
	"$work/consumer-imsg-static"
	say "manual pages: one per family, a link per name"
	n=0
	for f in ibuf_add ibuf_open ibufq_new ibufq_pop msgbuf_new msgbuf_read \
	    imsgbuf_init imsgbuf_get imsg_compose imsg_get_fd; do
		p=/usr/share/man/man3/$f.3.gz
		[ -e "$p" ] || { echo "no $p" >&2; exit 1; }
		owner=$(dpkg -S "$p" | cut -d: -f1)
		[ "$owner" = libfdpass-imsg-dev ] || { echo "$p is $owner's" >&2; exit 1; }
		n=$((n + 1))
	done
	echo "    $n pages and links checked, each libfdpass-imsg-dev's"
else
	if pkg-config --exists fdpass-imsg; then
		echo "pkg-config finds fdpass-imsg without libfdpass-imsg-dev" >&2
		exit 1
	fi
fi

say "fdpass info ($(command -v fdpass), package $(dpkg -S "$(command -v fdpass)" | cut -d: -f1))"
fdpass info
fdpass --version
echo "installed-check: the packaged library, header, pkg-config file, CMake package and command work${imsg:+, and so does libfdpass-imsg}"
