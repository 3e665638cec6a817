# SPDX-License-Identifier: ISC
# Linux i686 (32-bit x86), tests under qemu-i386.
set(CMAKE_SYSTEM_PROCESSOR i686)
set(FDPASS_CROSS_TRIPLE i686-linux-gnu)
set(FDPASS_QEMU qemu-i386)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
