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

# Starts no service.  lighttpd's maintainer scripts would enable and start
# a web server on port 80; they start it through invoke-rc.d or
# deb-systemd-invoke, which first ask /usr/sbin/policy-rc.d, and its exit
# status 101 means "action forbidden by policy" (README.policy-rc.d in
# Debian's init-system-helpers package, /usr/share/doc/init-system-helpers/;
# deb-systemd-invoke(1p)).  A policy-rc.d already there is the machine's
# own: it is kept and used as it is.
policy=/usr/sbin/policy-rc.d
ours=""
if [ ! -e "$policy" ] && [ ! -L "$policy" ]; then
	ours=1
	trap '$sudo rm -f "$policy"' EXIT
	trap 'exit 1' HUP INT TERM
	printf '#!/bin/sh\n# ci/setup-debian.sh: no service starts while it installs.\nexit 101\n' |
	    $sudo tee "$policy" >/dev/null
	$sudo chmod 755 "$policy"
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	--no-install-recommends $missing >/dev/null
if [ -n "$ours" ]; then
	$sudo rm -f "$policy"
	trap - EXIT HUP INT TERM
fi
# Nor at the next boot: a lighttpd this script installed is not left
# enabled (the tests start their own, on their own port).
case " $missing " in
*" lighttpd "*)
	if command -v systemctl >/dev/null 2>&1; then
		$sudo systemctl disable --quiet lighttpd.service 2>/dev/null ||
		    echo "setup-debian: note: systemctl disable lighttpd failed"
	fi
	if command -v update-rc.d >/dev/null 2>&1; then
		$sudo update-rc.d lighttpd disable >/dev/null 2>&1 ||
		    echo "setup-debian: note: update-rc.d lighttpd disable failed"
	fi
	;;
esac
