# SPDX-License-Identifier: ISC
# Linux armhf (32-bit, 4-byte control alignment), tests under qemu-arm.
set(CMAKE_SYSTEM_PROCESSOR arm)
set(FDPASS_CROSS_TRIPLE arm-linux-gnueabihf)
set(FDPASS_DEBIAN_ARCH armhf)	# libcmocka-dev:armhf, libc6-dev-armhf-cross
set(FDPASS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
