#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: FDPASS_NETBSD_ROOT=DIR ci/bsd/netbsd-qemu.sh [LEG]
#
# The whole suite on a real NetBSD kernel under qemu-system-x86_64.  DIR
# is a NetBSD 9 amd64 root as the release sets lay it out: base.tgz,
# comp.tgz and kern-GENERIC.tgz extracted into one directory (/netbsd, the
# headers in /usr/include, libc.a, libpthread.a and the crt files in
# /usr/lib).  Cross-compiles cmocka, the library, every test and the fdpass
# command for it (clang, lld, static; cmake/toolchains/netbsd-cross.cmake),
# writes the guest's run list from ctest's own list, puts the binaries and
# the guest's init (/sbin/init, ci/bsd/guest_init.c) on an FFS disk
# (makefs; no disklabel: the kernel then takes the whole disk as wd0a),
# boots the root's /netbsd with GRUB's knetbsd from a grub-mkrescue CD,
# and reads the ctest-like results from the serial console.
#   FDPASS_NETBSD_KVM=1     use KVM (this is software emulation otherwise)
#   FDPASS_NETBSD_TIMEOUT   seconds for boot and all tests (default 3600)
set -eu
. "$(dirname "$0")/../lib.sh"

leg=${1:-netbsd-qemu}
nbsd=${FDPASS_NETBSD_ROOT:?FDPASS_NETBSD_ROOT names a NetBSD root}
nbsd=$(cd "$nbsd" && pwd)
for f in netbsd usr/include/sys/param.h usr/lib/libc.a usr/lib/crt0.o; do
	[ -e "$nbsd/$f" ] || { echo "$nbsd has no $f: not a NetBSD root" >&2; exit 2; }
done

apt_install cmake ninja-build clang lld llvm qemu-system-x86 makefs \
    grub-pc-bin grub-common xorriso mtools gnulib dpkg-dev xz-utils
os=netbsd
sysroot=$nbsd
triple=x86_64-unknown-netbsd9.0
toolchain="$FDPASS_ROOT/cmake/toolchains/netbsd-cross.cmake"
ldflags="-L$nbsd/usr/lib"	# as the toolchain file: lld needs it said
export FDPASS_NETBSD_ROOT="$nbsd"
. "$FDPASS_ROOT/ci/bsd/qemu-guest.sh"
guest_build

# The kernel runs the first of /sbin/init, ... that exists; /dev is a
# tmpfs the init fills (NetBSD has no devfs).
mkdir -p "$work/root/sbin"
cp "$work/root/fdpass/init" "$work/root/sbin/init"

# The root file system: FFS v1, little-endian, on the whole disk.
mb=$(( $(du -sm "$work/root" | cut -f1) + 128 ))
disk="$work/disk.img"
makefs -t ffs -B le -o version=1 -s "${mb}m" "$disk" "$work/root" >/dev/null

# The boot CD: GRUB loads the root's kernel with the serial console and
# the root on wd0a (the disk, the primary IDE master).
iso="$work/iso"
mkdir -p "$iso/boot/grub"
cp "$nbsd/netbsd" "$iso/netbsd"
cat >"$iso/boot/grub/grub.cfg" <<'CFG'
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "NetBSD" {
	knetbsd /netbsd --root=wd0a --serial=com0,115200
}
CFG
grub-mkrescue -o "$work/boot.iso" "$iso" >/dev/null 2>&1

guest_boot NetBSD FDPASS_NETBSD_KVM FDPASS_NETBSD_TIMEOUT \
	-drive file="$disk",format=raw,if=ide,index=0,media=disk \
	-drive file="$work/boot.iso",format=raw,if=ide,index=2,media=cdrom \
	-boot d
