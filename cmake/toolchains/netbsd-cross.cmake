# SPDX-License-Identifier: ISC
# NetBSD/amd64 from Linux with Debian's clang and lld, against a NetBSD 9
# root laid out as the release sets lay it out (base.tgz, comp.tgz and
# kern-GENERIC.tgz extracted into one directory: libc.a, libpthread.a and
# the crt files in /usr/lib, the headers in /usr/include), named by
# FDPASS_NETBSD_ROOT (cache or environment).  Static; the tests run in a
# NetBSD guest (ci/bsd/netbsd-qemu.sh).  The rest: bsd-cross-common.cmake.
set(CMAKE_SYSTEM_NAME NetBSD)
set(CMAKE_SYSTEM_VERSION 9)
set(fdpass_triple x86_64-unknown-netbsd9.0)
set(fdpass_root_var FDPASS_NETBSD_ROOT)
# NetBSD's ld knows /usr/lib; clang's driver does not tell lld.
set(fdpass_link_root_lib ON)
set(fdpass_root_what "base.tgz, comp.tgz and kern-GENERIC.tgz extracted into one directory")
include("${CMAKE_CURRENT_LIST_DIR}/bsd-cross-common.cmake")
