# SPDX-License-Identifier: ISC
# Linux riscv64 (64-bit RISC-V), tests under qemu-riscv64.
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(FDPASS_CROSS_TRIPLE riscv64-linux-gnu)
set(FDPASS_DEBIAN_ARCH riscv64)	# libcmocka-dev:riscv64, libc6-dev-riscv64-cross
set(FDPASS_QEMU qemu-riscv64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
