# SPDX-License-Identifier: ISC
# Linux i686 (32-bit x86).  The tests run natively: the x86_64 kernel runs
# 32-bit code, and under qemu-i386 7.2 the EINTR test's signal handling
# goes wrong (the retried recvmsg returns 0 at once) while it passes natively.
set(CMAKE_SYSTEM_PROCESSOR i686)
set(FDPASS_CROSS_TRIPLE i686-linux-gnu)
set(FDPASS_DEBIAN_ARCH i386)	# libcmocka-dev:i386, libc6-dev-i386-cross
set(FDPASS_QEMU "")
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
