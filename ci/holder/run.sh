#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/holder/run.sh holder
# The holder leg (issue 11): every test labelled "holder" (the protocol and
# stress tests of `fdpass hold`, and the real-world ones in
# tests/holder_real/: lighttpd replaced under ab, and libsystemd's fd
# store), with lighttpd, ab and libsystemd installed so that none of them
# is skipped; then all of them again with the holder under valgrind
# --track-fds=yes (FDPASS_TEST_HOLDER_WRAPPER=ci/sanitize/valgrind-wrap.sh),
# which fails on a memory error or on a descriptor the holder opened or
# received and never closed.
set -eu
. "$(dirname "$0")/../lib.sh"

leg=$1
if [ "$leg" != holder ]; then
	echo "ci/holder/run.sh: unknown leg '$leg'" >&2
	exit 2
fi
apt_install cmake ninja-build gcc g++ pkg-config libcmocka-dev gnulib \
    lighttpd apache2-utils libsystemd-dev valgrind
configure_build "$leg"
cd "$FDPASS_ROOT/build/ci/$leg"

# run_ctest LOG ARGS... : ctest -V with ARGS, its output in LOG; shows
# what the tests printed about themselves and ctest's summary.
run_ctest() {
	log=$1
	shift
	set +e
	ctest --timeout 300 --output-on-failure --no-tests=error -V "$@" >"$log" 2>&1
	rc=$?
	set -e
	grep -E '^[0-9]+: (lighttpd replaced|  [a-z]|holder|sd_store|sd_listen|holder under|PASS|FAIL|SKIPPED)|^ *[0-9]+/[0-9]+ Test|tests passed|tests failed' "$log" || true
	if [ "$rc" -ne 0 ]; then
		tail -n 80 "$log"
		exit "$rc"
	fi
}

run_ctest holder.log -L holder
# A skipped test is a failure here: the leg installed what every one needs.
if grep -q '\*\*\*Skipped\|(Skipped)' holder.log; then
	echo "ci/holder: a holder test was skipped although its packages are installed" >&2
	exit 1
fi
FDPASS_TEST_HOLDER_WRAPPER="$FDPASS_ROOT/ci/sanitize/valgrind-wrap.sh"
export FDPASS_TEST_HOLDER_WRAPPER
run_ctest holder-valgrind.log -L holder
