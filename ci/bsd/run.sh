#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/bsd/run.sh sim-bsd | freebsd-qemu | netbsd-qemu
# The bsd backend against the simulated FreeBSD, OpenBSD, NetBSD and
# DragonFly kernels; freebsd-qemu, netbsd-qemu: the whole suite on a real
# FreeBSD or NetBSD kernel under qemu, given a root of that system.  The real kernels also run in
# .github/workflows/bsd.yml.
set -eu
. "$(dirname "$0")/../lib.sh"

leg=$1
case "$leg" in
sim-bsd)
	apt_install cmake ninja-build gcc g++ libcmocka-dev gnulib
	configure_build "$leg"
	(cd "$FDPASS_ROOT/build/ci/$leg" &&
	    ctest -L 'sim-(freebsd|openbsd|netbsd|dragonfly)' --output-on-failure --no-tests=error)
	for v in freebsd freebsd12 openbsd netbsd dragonfly; do
		echo "--- fdpass info, simulated $v"
		"$FDPASS_ROOT/build/ci/$leg/fdpass-sim-$v" info
	done
	;;
freebsd-qemu)
	if [ -z "${FDPASS_FREEBSD_ROOT:-}" ]; then
		echo "SKIP: FDPASS_FREEBSD_ROOT is not set (a FreeBSD 14 root:" \
		    "download base.txz and kernel.txz of 14.x from the FreeBSD" \
		    "release site, extract both into one directory, name it" \
		    "in FDPASS_FREEBSD_ROOT)"
		exit "$CI_SKIP"
	fi
	"$(dirname "$0")/freebsd-qemu.sh" "$leg"
	;;
netbsd-qemu)
	if [ -z "${FDPASS_NETBSD_ROOT:-}" ]; then
		echo "SKIP: FDPASS_NETBSD_ROOT is not set (a NetBSD 9 root:" \
		    "download base.tgz, comp.tgz and kern-GENERIC.tgz of 9.x" \
		    "for amd64 (binary/sets/ of the release on the NetBSD CDN)," \
		    "extract all three into one directory, name it in" \
		    "FDPASS_NETBSD_ROOT)"
		exit "$CI_SKIP"
	fi
	"$(dirname "$0")/netbsd-qemu.sh" "$leg"
	;;
*)
	echo "ci/bsd/run.sh: unknown leg '$leg'" >&2
	exit 2
	;;
esac
