# SPDX-License-Identifier: ISC
# FreeBSD/amd64 from Linux with Debian's clang and lld, against a FreeBSD
# root laid out as the release tarballs lay it out (base.txz + kernel.txz
# extracted into one directory), named by FDPASS_FREEBSD_ROOT (cache or
# environment).  Static; the tests run in a FreeBSD guest
# (ci/bsd/freebsd-qemu.sh).  The rest: bsd-cross-common.cmake.
set(CMAKE_SYSTEM_NAME FreeBSD)
set(CMAKE_SYSTEM_VERSION 14)
set(fdpass_triple x86_64-unknown-freebsd14)
set(fdpass_root_var FDPASS_FREEBSD_ROOT)
set(fdpass_root_what "base.txz and kernel.txz extracted into one directory")
include("${CMAKE_CURRENT_LIST_DIR}/bsd-cross-common.cmake")
