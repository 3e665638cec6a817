# SPDX-License-Identifier: ISC
# Linux s390x (64-bit big-endian), tests under qemu-s390x.
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(FDPASS_CROSS_TRIPLE s390x-linux-gnu)
set(FDPASS_DEBIAN_ARCH s390x)	# libcmocka-dev:s390x, libc6-dev-s390x-cross
set(FDPASS_QEMU qemu-s390x)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
