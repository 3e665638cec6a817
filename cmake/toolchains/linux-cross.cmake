# SPDX-License-Identifier: ISC
# Shared by the linux-*.cmake toolchain files: Debian's cross compilers and
# multiarch libraries (libcmocka-dev:<arch>), tests run under qemu-user.
# The including file sets FDPASS_CROSS_TRIPLE, FDPASS_DEBIAN_ARCH (the
# multiarch name, for the missing-package hints) and FDPASS_QEMU (empty: the
# binaries run natively).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${FDPASS_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${FDPASS_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${FDPASS_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH /usr/${FDPASS_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
# Binaries run on the multiarch libc (libc6:<arch>, pulled in by
# libcmocka-dev:<arch>), found by qemu at the ordinary /lib paths.  Not
# with -L /usr/<triple>: under qemu 7.2 a child forked by bookworm's cross
# libc (2.36-8cross1) spins forever after set_robust_list.
if(FDPASS_QEMU)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${FDPASS_QEMU})
endif()
