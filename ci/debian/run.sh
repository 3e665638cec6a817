#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/debian/run.sh debian-package | debian-package-arm64
# The Debian packages (packaging/debian, packaging/build-deb.sh), built from
# the committed tree into build/ci/LEG/out:
#   debian-package        native, as a Debian build daemon would: HEAD's
#       release tarball (scripts/release-tarball.sh) unpacked in a fresh
#       bookworm root (ci/lib-root.sh) that has only what
#       `apt-get build-dep` installs from packaging/debian/control (and no
#       git), where an unprivileged user runs packaging/build-deb.sh
#       --source from the unpacked tree with the tarball beside it:
#       dpkg-buildpackage -b with the whole test suite (dh_auto_test) and
#       the source package, whose .orig.tar.gz must be the release
#       tarball's bytes.  The test log must show abi_check,
#       holder_sd_notify and cli_demo_child_killed passed, and no test
#       skipped but those docs/packaging.md names.  lintian --pedantic on
#       the packages must show no E: or W:; then the .debs are installed
#       with apt-get into another fresh root with gcc, pkg-config and
#       cmake, where tests/consumer is built and run with pkg-config and
#       with find_package(fdpass), `fdpass info` runs
#       (ci/debian/installed-check.sh), first with libfdpass-dev alone
#       (no fdpass::imsg, find_package(fdpass) still works), then with
#       libfdpass-imsg0 and libfdpass-imsg-dev added (fdpass::imsg,
#       pkg-config fdpass-imsg, the manual pages), and every document a
#       manual page names is installed (packaging/check-doc-paths.sh).
#   debian-package-arm64  cross-built for arm64 twice: with the test suite
#       under qemu-aarch64, and with DEB_BUILD_OPTIONS=nocheck and the
#       nocheck profile; each checked with lintian, file and readelf -h
#       (Machine: AArch64), and both with the same files in each package,
#       the same bytes but for the ELF files' build IDs.
set -eu
. "$(dirname "$0")/../lib.sh"

leg=$1
case "$leg" in
debian-package|debian-package-arm64) ;;
*) echo "ci/debian/run.sh: unknown leg '$leg'" >&2; exit 2 ;;
esac
# apt-get, dpkg --add-architecture, mount and chroot need root.
[ "$(id -u)" -eq 0 ] || exec sudo "$0" "$@"

work=$FDPASS_ROOT/build/ci/$leg
out=$work/out
mkdir -p "$work"
rm -rf "$out"

# lintian_check FILE... : lintian's whole output, then a failure on any
# E:, W: or X: line (overridden tags are shown as O:, with their reason in
# the overrides files).  X: (experimental) counts: very-long-line-length-
# in-source-file is one, and a packager sees it.
lintian_check() {
	echo "--- lintian -i --pedantic -E --show-overrides $*"
	lintian -i --pedantic -E --display-level '>=pedantic' --show-overrides \
		"$@" >"$work/lintian.log" 2>&1 || true
	grep -v '^running with root privileges' "$work/lintian.log" || true
	if grep -Eq '^[EWX]: ' "$work/lintian.log"; then
		echo "lintian: errors, warnings or experimental tags:"
		grep -E '^[EWX]: ' "$work/lintian.log"
		return 1
	fi
	echo "lintian: no E:, W: or X: ($(grep -c '^[IPO]: ' "$work/lintian.log") info, pedantic or overridden lines)"
}

# check_arch DIR MACHINE : the library and the command in DIR's .debs are
# built for MACHINE (readelf -h).
check_arch() {
	rm -rf "$1/x"
	for d in "$1"/libfdpass0_*.deb "$1"/libfdpass-imsg0_*.deb "$1"/fdpass_*.deb; do
		dpkg-deb -x "$d" "$1/x"
	done
	for f in "$1"/x/usr/lib/*/libfdpass.so.0.* "$1"/x/usr/lib/*/libfdpass-imsg.so.0.* \
	    "$1/x/usr/bin/fdpass"; do
		[ -f "$f" ] || { echo "missing in the packages: $f"; return 1; }
		echo "    file: $(file -b "$f")"
		machine=$(readelf -h "$f" | sed -n 's/^ *Machine: *//p')
		echo "    readelf -h ${f#"$1"/x}: Machine: $machine"
		[ "$machine" = "$2" ] || { echo "$f is for $machine, not $2"; return 1; }
	done
}

# contents DIR OBJCOPY : the files of DIR's packages (mode, size, name)
# and their md5sums, an ELF file's without its build ID and debug link
# (the build ID covers the build tree's RPATH, whose directory varies).
contents() {
	for d in "$1"/libfdpass0_*.deb "$1"/libfdpass-dev_*.deb \
	    "$1"/libfdpass-imsg0_*.deb "$1"/libfdpass-imsg-dev_*.deb "$1"/fdpass_*.deb; do
		p=$(dpkg-deb -f "$d" Package)
		dpkg-deb -c "$d" | awk -v p="$p" '{ print p, $1, $3, $6, $7, $8 }'
		rm -rf "$1/c"
		dpkg-deb -x "$d" "$1/c"
		(cd "$1/c" && find . -type f | LC_ALL=C sort) | while read -r f; do
			if [ "$(head -c 4 "$1/c/$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				"$2" --remove-section=.note.gnu.build-id \
				    --remove-section=.gnu_debuglink "$1/c/$f" "$1/c.elf"
				echo "$p $(md5sum <"$1/c.elf" | cut -c1-32) $f (ELF, no build ID)"
			else
				echo "$p $(md5sum <"$1/c/$f" | cut -c1-32) $f"
			fi
		done
	done
	rm -rf "$1/c" "$1/c.elf"
}

# The tests a package build may skip, each for a reason docs/packaging.md
# gives ("Tests in the package build"), and those that must pass in it.
may_skip="holder_lighttpd_restart cli_demo_cannot_count"
must_pass="abi_check holder_sd_notify cli_demo_child_killed"

# test_log_check LOG : ctest's output in a package build log against the
# two lists above.
test_log_check() {
	total=$(sed -n 's/.*[0-9]*% tests passed, [0-9]* tests failed out of \([0-9]*\)$/\1/p' "$1" | tail -n 1)
	[ -n "$total" ] || { echo "no ctest summary in $1: did dh_auto_test run?"; return 1; }
	skipped=$(sed -n 's/^[[:space:]]*[0-9][0-9]* - \([^ ]*\) (\(Skipped\|Disabled\|Not Run\))$/\1/p' "$1")
	echo "package build: $total tests registered, skipped: $(echo ${skipped:-none})"
	rc=0
	for t in $skipped; do
		case " $may_skip " in
		*" $t "*) echo "    skipped, as it may be: $t: $(test_reason "$1" "$t")" ;;
		*) echo "    skipped, and it must not be: $t: $(test_reason "$1" "$t")"; rc=1 ;;
		esac
	done
	for t in $must_pass; do
		if grep -Eq "Test +#[0-9]+: $t \.+ +Passed" "$1"; then
			echo "    passed, as it must: $t"
		elif grep -Eq "Test +#[0-9]+: $t " "$1"; then
			echo "    did not pass: $t"; rc=1
		else
			echo "    not registered, and it must pass: $t"; rc=1
		fi
	done
	return $rc
}

# test_reason LOG TEST : the SKIPPED line the test printed (ctest
# --verbose, as dh_auto_test runs it, prefixes each line with the test's
# number).
test_reason() {
	n=$(sed -n "s/.*Test *#\([0-9]*\): $2 .*/\1/p" "$1" | head -n 1)
	[ -n "$n" ] && grep -m 1 "^$n: .*SKIPPED" "$1" | sed "s/^$n: //"
	return 0
}

case "$leg" in
debian-package)
	apt_install dpkg-dev lintian git xz-utils file binutils mmdebstrap
	# shellcheck source=../lib-root.sh
	. "$FDPASS_ROOT/ci/lib-root.sh"
	arch=$(dpkg --print-architecture)

	# HEAD's release tarball, as docs/releasing.md makes it.
	FDPASS_RELEASE_ALLOW_DIRTY=1 "$FDPASS_ROOT/scripts/release-tarball.sh" \
		"$work/release" 2>&1
	rel_tgz=$(cd "$work/release" && ls libfdpass-*.tar.gz)
	release=${rel_tgz%.tar.gz}
	upstream=${release#libfdpass-}

	# Built in a fresh root with the Build-Depends alone, by a user who is
	# not root (as on a build daemon), from the unpacked release tarball.
	(
	root_setup "$leg-build" "$work/build-root"
	echo "--- in a fresh root: apt-get build-dep (packaging/debian/control)"
	if ! root_run "apt-get -o DPkg::Lock::Timeout=600 update -qq"; then
		echo "ci: SKIP: apt-get update failed in the root (package mirror)" >&2
		exit "$CI_SKIP"
	fi
	echo 'builder:x:2000:2000:package builder:/build:/bin/sh' >>"$root/etc/passwd"
	echo 'builder:x:2000:' >>"$root/etc/group"
	mkdir -p "$root/build/ctl"
	cp "$work/release/$rel_tgz" "$root/build/"
	tar -x -z -f "$work/release/$rel_tgz" -C "$root/build"
	cp -R "$root/build/$release/packaging/debian" "$root/build/ctl/debian"
	chown -R 2000:2000 "$root/build"
	root_run "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
	    build-dep -y -qq --no-install-recommends /build/ctl/ >/tmp/apt.log 2>&1 ||
	    { tail -n 30 /tmp/apt.log; exit 1; }"
	root_run "command -v git" && { echo "git is in the build root"; exit 1; }
	echo "--- in the root, as builder: cd $release && packaging/build-deb.sh --source /build/out"
	rc=0
	root_run "cd /build/$release && setpriv --reuid=2000 --regid=2000 --clear-groups \
	    env HOME=/build USER=builder LOGNAME=builder packaging/build-deb.sh --source /build/out" \
	    >"$work/build.log" 2>&1 || rc=$?
	cat "$work/build.log"
	[ "$rc" -eq 0 ] || { echo "packaging/build-deb.sh failed in the root ($rc)"; exit 1; }
	mkdir -p "$out"
	cp "$root"/build/out/* "$out/"
	)
	ls -l "$out"
	cmp "$out/libfdpass_$upstream.orig.tar.gz" "$work/release/$rel_tgz" || {
		echo "libfdpass_$upstream.orig.tar.gz is not the release tarball $rel_tgz"; exit 1; }
	echo "libfdpass_$upstream.orig.tar.gz is the release tarball $rel_tgz, byte for byte"
	test_log_check "$work/build.log"
	lintian_check "$out"/*.changes "$out"/*.dsc

	# The .debs installed into a fresh bookworm root, as a user would.
	root_setup "$leg" "$work"
	mkdir -p "$root/tmp/debs" "$root/tmp/consumer"
	mkdir -p "$root/tmp/debs-imsg"
	cp "$out/libfdpass0_"*"_$arch.deb" "$out/libfdpass-dev_"*"_$arch.deb" \
	    "$out/fdpass_"*"_$arch.deb" "$root/tmp/debs/"
	cp "$out/libfdpass-imsg0_"*"_$arch.deb" "$out/libfdpass-imsg-dev_"*"_$arch.deb" \
	    "$root/tmp/debs-imsg/"
	cp "$FDPASS_ROOT/tests/consumer/consumer.c" \
	    "$FDPASS_ROOT/tests/consumer/consumer_imsg.c" \
	    "$FDPASS_ROOT/tests/consumer/CMakeLists.txt" "$root/tmp/consumer/"
	cp "$FDPASS_ROOT/ci/debian/installed-check.sh" \
	    "$FDPASS_ROOT/packaging/check-doc-paths.sh" "$root/tmp/"
	echo "--- in the root: apt-get install ./*.deb gcc libc6-dev make pkg-config cmake"
	if ! root_run "apt-get -o DPkg::Lock::Timeout=600 update -qq"; then
		echo "ci: SKIP: apt-get update failed in the root (package mirror)" >&2
		exit "$CI_SKIP"
	fi
	root_run "cd /tmp/debs && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
	    install -y -qq --no-install-recommends ./*.deb gcc libc6-dev make pkg-config cmake \
	    >/tmp/apt.log 2>&1 || { tail -n 30 /tmp/apt.log; exit 1; }"
	root_run "dpkg-query -W libfdpass0 libfdpass-dev fdpass"
	echo "--- libfdpass-dev alone (no libfdpass-imsg-dev)"
	root_run "sh /tmp/installed-check.sh /tmp/consumer /tmp/consumer-build"
	echo "--- in the root: apt-get install ./libfdpass-imsg0_*.deb ./libfdpass-imsg-dev_*.deb"
	root_run "cd /tmp/debs-imsg && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
	    install -y -qq --no-install-recommends ./*.deb \
	    >/tmp/apt.log 2>&1 || { tail -n 30 /tmp/apt.log; exit 1; }"
	root_run "dpkg-query -W libfdpass-imsg0 libfdpass-imsg-dev"
	root_run "sh /tmp/installed-check.sh /tmp/consumer /tmp/consumer-build-imsg imsg"
	echo "--- the documents the installed manual pages name"
	root_run "sh /tmp/check-doc-paths.sh /"
	;;
debian-package-arm64)
	add_architecture arm64
	apt_install dpkg-dev debhelper lintian cmake gnulib mandoc mount pkgconf git \
	    xz-utils file binutils abigail-tools strace \
	    crossbuild-essential-arm64 libcmocka-dev:arm64 qemu-user
	echo "--- packaging/build-deb.sh --arch arm64 (tests under qemu-aarch64)"
	"$FDPASS_ROOT/packaging/build-deb.sh" --arch arm64 "$out/check"
	ls -l "$out/check"
	lintian_check "$out"/check/*.changes
	check_arch "$out/check" AArch64
	echo "--- packaging/build-deb.sh --arch arm64 --nocheck (no test built)"
	"$FDPASS_ROOT/packaging/build-deb.sh" --arch arm64 --nocheck "$out/nocheck"
	ls -l "$out/nocheck"
	lintian_check "$out"/nocheck/*.changes
	check_arch "$out/nocheck" AArch64
	contents "$out/check" aarch64-linux-gnu-objcopy >"$work/check.contents"
	contents "$out/nocheck" aarch64-linux-gnu-objcopy >"$work/nocheck.contents"
	if ! diff -u "$work/check.contents" "$work/nocheck.contents"; then
		echo "the nocheck build's packages differ from the tested build's"
		exit 1
	fi
	echo "the nocheck and the tested arm64 builds give the same files with the same contents, build IDs aside ($(grep -c ' ./' "$work/nocheck.contents") entries compared)"
	;;
esac
echo "$leg: PASS"
