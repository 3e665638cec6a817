#!/bin/sh
# SPDX-License-Identifier: ISC
# usage: FDPASS_FREEBSD_ROOT=DIR ci/bsd/freebsd-qemu.sh [LEG]
#
# The whole suite on a real FreeBSD kernel under qemu-system-x86_64.  DIR
# is a FreeBSD 14 root as the release tarballs lay it out: base.txz and
# kernel.txz extracted into one directory.  Cross-compiles cmocka, the
# library, every test and the fdpass command for it (clang, lld, static),
# writes the guest's run list from ctest's own list, makes a GPT disk with
# the root's boot blocks and a UFS file system (makefs), boots it, and
# reads the ctest-like results from the serial console.
#   FDPASS_FREEBSD_KVM=1     use KVM (this is software emulation otherwise)
#   FDPASS_FREEBSD_TIMEOUT   seconds for boot and all tests (default 3600)
set -eu
. "$(dirname "$0")/../lib.sh"

leg=${1:-freebsd-qemu}
fbsd=${FDPASS_FREEBSD_ROOT:?FDPASS_FREEBSD_ROOT names a FreeBSD root}
fbsd=$(cd "$fbsd" && pwd)
for f in boot/kernel/kernel boot/loader boot/pmbr boot/gptboot usr/lib/libc.a; do
	[ -e "$fbsd/$f" ] || { echo "$fbsd has no $f: not a FreeBSD root" >&2; exit 2; }
done

apt_install cmake ninja-build clang lld llvm qemu-system-x86 makefs gdisk \
    gnulib dpkg-dev xz-utils
os=freebsd
sysroot=$fbsd
triple=x86_64-unknown-freebsd14
toolchain="$FDPASS_ROOT/cmake/toolchains/freebsd-cross.cmake"
ldflags=
export FDPASS_FREEBSD_ROOT="$fbsd"
. "$FDPASS_ROOT/ci/bsd/qemu-guest.sh"
guest_build

# Only what the loader and the kernel read from the root: no modules.
mkdir -p "$work/root/boot/kernel"
cp "$fbsd/boot/kernel/kernel" "$work/root/boot/kernel/"
cp "$fbsd/boot/loader" "$work/root/boot/"
for d in lua defaults device.hints; do
	if [ -e "$fbsd/boot/$d" ]; then cp -R "$fbsd/boot/$d" "$work/root/boot/"; fi
done
cat >"$work/root/boot/loader.conf" <<'EOF'
autoboot_delay="-1"
beastie_disable="YES"
loader_logo="none"
console="comconsole"
boot_serial="YES"
hw.memtest.tests="0"
debug.debugger_on_panic="0"
kern.panic_reboot_wait_time="0"
init_path="/fdpass/init"
vfs.root.mountfrom="ufs:/dev/vtbd0p2"
vfs.root.mountfrom.options="rw"
EOF

# GPT: the root's gptboot in a freebsd-boot partition, pmbr's code in
# sector 0 (the table sgdisk wrote stays), UFS from makefs in p2.  UFS1:
# Debian's makefs puts a UFS2 superblock at 8 KiB, which FreeBSD 14's
# loader and kernel reject (they want it at 64 KiB).
mb=$(( $(du -sm "$work/root" | cut -f1) + 128 ))
makefs -t ffs -B le -o version=1 -s "${mb}m" "$work/ufs.img" "$work/root" >/dev/null
disk="$work/disk.img"
truncate -s $(( mb + 4 ))M "$disk"
sgdisk -Z "$disk" >/dev/null 2>&1 || true
sgdisk -a 1 -n 1:40:1063 -t 1:a501 -n 2:2048:0 -t 2:a503 "$disk" >/dev/null
dd if="$fbsd/boot/pmbr" of="$disk" bs=446 count=1 conv=notrunc 2>/dev/null
dd if="$fbsd/boot/gptboot" of="$disk" bs=512 seek=40 conv=notrunc 2>/dev/null
dd if="$work/ufs.img" of="$disk" bs=1M seek=1 conv=notrunc 2>/dev/null

guest_boot FreeBSD FDPASS_FREEBSD_KVM FDPASS_FREEBSD_TIMEOUT \
	-drive file="$disk",format=raw,if=virtio
