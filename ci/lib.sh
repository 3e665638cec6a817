# SPDX-License-Identifier: ISC
# Sourced by the ci/*/run.sh scripts: installing packages, configuring,
# building and testing one leg in build/ci/<leg>.

set -eu
FDPASS_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JOBS=$(nproc 2>/dev/null || echo 2)
CI_SKIP=77	# a leg whose prerequisites could not be installed

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PKG... : installs what is missing.  The Debian mirrors
# sometimes fail an index mid-sync; that is retried, then tolerated.
# Another apt on the machine is waited for, not taken for a mirror failure.
APT_WAIT=-oDPkg::Lock::Timeout=600
apt_install() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "ci: installing$missing"
	for try in 1 2 3; do
		as_root apt-get "$APT_WAIT" update -qq && break
		echo "ci: apt-get update failed (try $try)"; sleep 5
	done
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive as_root apt-get "$APT_WAIT" install -y -qq \
	    --no-install-recommends $missing >/dev/null; then
		echo "ci: SKIP: could not install$missing (package mirror)" >&2
		exit "$CI_SKIP"
	fi
}

# add_architecture ARCH : Debian multiarch, for libcmocka-dev:ARCH.
add_architecture() {
	dpkg --print-foreign-architectures | grep -qx "$1" && return 0
	as_root dpkg --add-architecture "$1"
	as_root apt-get "$APT_WAIT" update -qq || true
}

# configure_build LEG [cmake args...] : a fresh build of the whole project
# in build/ci/LEG, warnings as errors.
configure_build() {
	leg=$1; shift
	dir="$FDPASS_ROOT/build/ci/$leg"
	rm -rf "$dir"
	cmake -S "$FDPASS_ROOT" -B "$dir" -G Ninja -DFDPASS_WERROR=ON \
		-DFDPASS_REQUIRE_TESTS=ON "$@"
	cmake --build "$dir" -j "$JOBS"
}

# configure_build_test LEG [cmake args...] : the same, then every test.
configure_build_test() {
	configure_build "$@"
	(cd "$FDPASS_ROOT/build/ci/$1" &&
	    ctest -j "$JOBS" --timeout 300 --output-on-failure --no-tests=error)
}
