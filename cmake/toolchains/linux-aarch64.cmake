# SPDX-License-Identifier: ISC
# Linux aarch64 (64-bit, 8-byte control alignment), tests under qemu-aarch64.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(FDPASS_CROSS_TRIPLE aarch64-linux-gnu)
set(FDPASS_DEBIAN_ARCH arm64)	# libcmocka-dev:arm64, libc6-dev-arm64-cross
set(FDPASS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
