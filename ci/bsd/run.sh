#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/bsd/run.sh sim-bsd
# The bsd backend against the simulated FreeBSD, OpenBSD, NetBSD and
# DragonFly kernels.  The real kernels run in .github/workflows/bsd.yml.
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
*)
	echo "ci/bsd/run.sh: unknown leg '$leg'" >&2
	exit 2
	;;
esac
