# SPDX-License-Identifier: ISC
# shellcheck shell=sh disable=SC2154  # leg, os, sysroot, ...: set by the caller
# Sourced by ci/bsd/freebsd-qemu.sh and ci/bsd/netbsd-qemu.sh (after
# ci/lib.sh): what the two real-kernel legs share.  The caller sets
#   leg        the leg's name (build/ci/$leg, build/ci/$leg.guest)
#   os         freebsd | netbsd (build/ci/deps/$os holds cmocka)
#   sysroot    the release-layout root, an absolute path
#   triple     clang's target
#   toolchain  the CMake toolchain file
#   ldflags    more flags for linking the init (may be empty)
# guest_build cross-compiles cmocka, the library, every test and the
# command (static), the guest's init (ci/bsd/guest_init.c) into
# $work/root/fdpass/init, writes the run list from ctest's own list into
# $work/root/fdpass/tests.list and copies every binary of the build tree to
# the same path under $work/root (under /tmp: $work/root/fdpass/tmp, see
# image_path).  guest_boot ACCEL_VAR TIMEOUT_VAR
# QEMU_ARGS... boots qemu-system-x86_64 with the serial console on stdout,
# keeps it in $work/console.log and judges the guest's closing lines.

build="$FDPASS_ROOT/build/ci/$leg"
deps="$FDPASS_ROOT/build/ci/deps/$os"
work="$FDPASS_ROOT/build/ci/$leg.guest"
cc=${FDPASS_CLANG:-$(command -v clang)}

guest_build() {
	# cmocka from Debian's source, as for musl.  Its shared library,
	# always built and never used here, is linked without libc: a root
	# need not have a shared libc.
	"$FDPASS_ROOT/ci/linux/cmocka-from-source.sh" "$deps" "$cc" \
		-DCMAKE_TOOLCHAIN_FILE="$toolchain" -DCMAKE_SHARED_LINKER_FLAGS=-nostdlib
	# No C++ runtime is needed from the root: the C++ header check stays
	# home.
	configure_build "$leg" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
		-DFDPASS_BUILD_SHARED=OFF -DFDPASS_TEST_CXX=OFF \
		-DCMOCKA_INCLUDE_DIR="$deps/include" \
		-DCMOCKA_LIBRARY="$deps/lib/libcmocka-static.a"

	rm -rf "$work"
	mkdir -p "$work/root/fdpass" "$work/root/dev" "$work/root/tmp"
	# shellcheck disable=SC2086
	"$cc" --target="$triple" --sysroot="$sysroot" -fuse-ld=lld $ldflags \
		-static -O2 -Wall -Wextra -Werror -o "$work/root/fdpass/init" \
		"$FDPASS_ROOT/ci/bsd/guest_init.c"

	# The run list: every test ctest knows, at the same paths in the
	# guest; the outputs of the SHOW tests are printed even when they pass.
	(cd "$build" && ctest --show-only=json-v1) >"$work/tests.json"
	cmake -DJSON="$work/tests.json" -DBUILD_DIR="$build" \
		-DOUT="$work/root/fdpass/tests.list" \
		-DSHOW="cli_info;cli_demo;kernel_probe;capsicum;capsicum_refuses_peer_cred;capsicum_mutant_send;capsicum_mutant_recv" \
		-P "$FDPASS_ROOT/ci/bsd/runlist.cmake"
	# The build tree's directories (the tests' working directories) and
	# every binary in it (the tests exec helpers like fdpass_fd_probe by
	# their build paths), at the same paths in the image; except that
	# what lies under /tmp goes to /fdpass/tmp, since the init mounts a
	# tmpfs over /tmp: it links each entry of /fdpass/tmp into that
	# tmpfs, so the tree is found at its host path again.
	find "$build" -type d ! -path "*/CMakeFiles*" | while read -r d; do
		mkdir -p "$(image_path "$d")"
	done
	find "$build" -type f -perm -u+x ! -path "*/CMakeFiles/*" ! -name '*.so*' | while read -r f; do
		if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
			cp "$f" "$(image_path "$f")"
		fi
	done
}

# image_path PATH : where the host's absolute PATH goes in the image.
image_path() {
	case $1 in
	/tmp/*)	echo "$work/root/fdpass/tmp/${1#/tmp/}" ;;
	*)	echo "$work/root$1" ;;
	esac
}

# guest_boot NAME KVM_VAR TIMEOUT_VAR QEMU_ARGS...
guest_boot() {
	name=$1; kvm_var=$2; timeout_var=$3; shift 3
	accel=tcg
	eval "[ \"\${$kvm_var:-0}\" = 1 ]" && accel=kvm
	eval "secs=\${$timeout_var:-3600}"
	log="$work/console.log"
	start=$(date +%s)
	echo "--- booting $name ($accel), serial console:"
	timeout "$secs" qemu-system-x86_64 \
		-accel "$accel" -cpu max -smp 2 -m 1024 -no-reboot -display none \
		-monitor none -serial stdio "$@" \
		</dev/null 2>&1 | tr -d '\r' | tee "$log" || true
	echo "--- guest ran $(( $(date +%s) - start ))s"

	# Passed only with the guest's closing lines and no failure.
	grep -q '^fdpass-guest: done' "$log" || { echo "FAIL: the guest did not finish" >&2; exit 1; }
	grep -q ' 0 tests failed out of ' "$log"
}
