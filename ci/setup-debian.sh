#!/bin/sh
# SPDX-License-Identifier: ISC
# Installs what building and testing libfdpass needs on Debian or Ubuntu,
# plus any extra packages named as arguments; installs nothing already there.
set -eu

# mount: tools/without_proc.sh mounts over /proc; not Essential, so a
# minimal root (mmdebstrap --variant=apt, the fresh-debian leg) lacks it.
# abigail-tools: the ABI check against abi/ (tests/abi).
# lighttpd, apache2-utils (ab), libsystemd-dev: the real-world tests of
# `fdpass hold` (tests/holder_real), skipped with the reason without them.
packages="cmake ninja-build gcc g++ libc6-dev pkg-config libcmocka-dev gnulib mandoc mount
	abigail-tools lighttpd apache2-utils libsystemd-dev $*"
missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "setup-debian: installing$missing"
$sudo apt-get update -qq || echo "setup-debian: apt-get update reported errors; installing from the lists it has"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	--no-install-recommends $missing >/dev/null
