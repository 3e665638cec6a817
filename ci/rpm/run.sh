#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: ci/rpm/run.sh rpm
# The RPM packaging (packaging/rpm/libfdpass.spec) built with Debian's
# rpmbuild from HEAD's release tarball (scripts/release-tarball.sh), as
# docs/packaging.md says: rpmbuild -ba runs %build, %install and %check
# (the test suite, ctest); the spec's Version must be the project's.  Then
# rpmlint on the spec, the binary and the source RPMs must show no error
# and no warning (packaging/rpm/rpmlint.toml: the settings and filters a
# distribution's rpmlint configuration would give, each with its
# reason), the packages must hold what each is for (libfdpass-imsg and
# -imsg-devel theirs, %check its suites), and every document a
# manual page names must be in them (packaging/check-doc-paths.sh).
# --nodeps: Debian's rpm database knows none of the BuildRequires, which
# apt installs here under their Debian names.  brp-compress run by bash:
# Debian's (#!/bin/sh, but read -d) fails under dash and leaves the manual
# pages uncompressed; /bin/sh is bash on Fedora.
set -eu
. "$(dirname "$0")/../lib.sh"

leg=$1
[ "$leg" = rpm ] || { echo "ci/rpm/run.sh: unknown leg '$leg'" >&2; exit 2; }
apt_install rpm rpmlint cpio git cmake make gcc libc6-dev pkg-config \
    libcmocka-dev mandoc strace libsystemd-dev

work=$FDPASS_ROOT/build/ci/$leg
rm -rf "$work"
mkdir -p "$work/rpmbuild/SOURCES"
fail() { echo "$leg: FAIL: $*"; exit 1; }

FDPASS_RELEASE_ALLOW_DIRTY=1 "$FDPASS_ROOT/scripts/release-tarball.sh" \
    "$work/rpmbuild/SOURCES" 2>&1
tgz=$(cd "$work/rpmbuild/SOURCES" && ls libfdpass-*.tar.gz)
version=${tgz#libfdpass-}
version=${version%.tar.gz}
# The spec in the release tarball, as a packager who downloads it has it.
mkdir -p "$work/rpmbuild/SPECS"
spec=$work/rpmbuild/SPECS/libfdpass.spec
tar -x -z -O -f "$work/rpmbuild/SOURCES/$tgz" \
    "libfdpass-$version/packaging/rpm/libfdpass.spec" >"$spec"
specversion=$(rpmspec -q --srpm --qf '%{VERSION}' "$spec")
[ "$specversion" = "$version" ] ||
	fail "$spec has Version $specversion, the release is $version (docs/releasing.md)"

echo "--- rpmbuild -ba --nodeps packaging/rpm/libfdpass.spec ($tgz)"
rc=0
rpmbuild -ba --nodeps --define "_topdir $work/rpmbuild" \
    --define "__brp_compress bash /usr/lib/rpm/brp-compress /usr" "$spec" \
    >"$work/rpmbuild.log" 2>&1 || rc=$?
grep -E '^(Wrote:|[0-9]+% tests passed|The following tests|	 *[0-9]+ - )' "$work/rpmbuild.log" || true
if [ "$rc" -ne 0 ]; then
	tail -n 80 "$work/rpmbuild.log"
	fail "rpmbuild ($rc)"
fi
grep -Eq '100% tests passed, 0 tests failed out of [0-9]+' "$work/rpmbuild.log" ||
	fail "no test run in %check"
# libfdpass-imsg is built and tested too.
for t in imsg_ibuf imsg_queue imsg_channel imsg_hostile imsg_man_names; do
	grep -Eq "Test +#[0-9]+: $t \.+ +Passed" "$work/rpmbuild.log" ||
		fail "%check did not pass $t"
done
echo "%check passed the imsg suites (imsg_ibuf imsg_queue imsg_channel imsg_hostile imsg_man_names)"
rpms=$(find "$work/rpmbuild/RPMS" -name '*.rpm' | sort)
srpm=$(find "$work/rpmbuild/SRPMS" -name '*.src.rpm')

echo "--- rpmlint"
# shellcheck disable=SC2086 # lists of paths without blanks
rpmlint -c "$FDPASS_ROOT/packaging/rpm/rpmlint.toml" "$spec" $rpms $srpm \
    >"$work/rpmlint.log" 2>&1 || true
cat "$work/rpmlint.log"
grep -Eq '^ *[0-9]+ packages and [0-9]+ specfiles checked' "$work/rpmlint.log" ||
	fail "rpmlint did not check the packages"
if grep -Eq ': [EW]: ' "$work/rpmlint.log"; then
	fail "rpmlint: errors or warnings"
fi

echo "--- what each package holds"
x=$work/x
for r in $rpms; do
	echo "$(rpm -qp --qf '%{NAME}' "$r"):"
	rpm -qlp "$r" | sed 's/^/    /'
	(mkdir -p "$x" && cd "$x" && rpm2cpio "$r" | cpio -idm --quiet)
done
for f in /usr/lib64/libfdpass.so.0 /usr/lib64/libfdpass.so /usr/include/fdpass.h \
    /usr/lib64/pkgconfig/fdpass.pc /usr/lib64/cmake/fdpass/fdpass-config.cmake \
    /usr/bin/fdpass /usr/share/doc/fdpass/holder.md \
    /usr/lib64/libfdpass-imsg.so.0 /usr/lib64/libfdpass-imsg.so \
    /usr/include/fdpass-imsg/imsg.h /usr/lib64/pkgconfig/fdpass-imsg.pc \
    /usr/lib64/cmake/fdpass/fdpass-imsg-targets.cmake \
    /usr/share/man/man3/imsg_compose.3.gz /usr/share/man/man3/imsg_get_fd.3.gz; do
	[ -e "$x$f" ] || fail "no $f in the packages"
done
# libfdpass-devel must work without libfdpass-imsg-devel: its CMake files
# name none of libfdpass-imsg's.
if rpm -qlp "$(echo "$rpms" | grep '/libfdpass-devel-[0-9]')" | grep -q imsg; then
	fail "libfdpass-devel holds a file of libfdpass-imsg"
fi
"$FDPASS_ROOT/packaging/check-doc-paths.sh" "$x"
echo "$leg: PASS"
