# SPDX-License-Identifier: ISC
# FreeBSD/amd64 from Linux with Debian's clang and lld, against a FreeBSD
# root laid out as the release tarballs lay it out (base.txz + kernel.txz
# extracted into one directory), named by FDPASS_FREEBSD_ROOT (cache or
# environment).  Everything links statically: the binaries then need
# nothing from the root at run time but the kernel.  The tests run in a
# FreeBSD guest (ci/bsd/freebsd-qemu.sh), not here: no emulator is set.
set(CMAKE_SYSTEM_NAME FreeBSD)
set(CMAKE_SYSTEM_VERSION 14)
set(CMAKE_SYSTEM_PROCESSOR amd64)

if(NOT FDPASS_FREEBSD_ROOT)
  set(FDPASS_FREEBSD_ROOT "$ENV{FDPASS_FREEBSD_ROOT}")
endif()
if(NOT EXISTS "${FDPASS_FREEBSD_ROOT}/usr/include/sys/param.h")
  message(FATAL_ERROR "FDPASS_FREEBSD_ROOT='${FDPASS_FREEBSD_ROOT}' is not a FreeBSD root"
    " (base.txz and kernel.txz extracted into one directory)")
endif()
# try_compile projects re-read this file without the cache.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FDPASS_FREEBSD_ROOT)

# Debian names its clang per version; FDPASS_CLANG picks one.
if(NOT FDPASS_CLANG)
  set(FDPASS_CLANG "$ENV{FDPASS_CLANG}")
endif()
if(NOT FDPASS_CLANG)
  find_program(FDPASS_FOUND_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 REQUIRED)
  set(FDPASS_CLANG "${FDPASS_FOUND_CLANG}")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FDPASS_CLANG)
get_filename_component(clang_dir "${FDPASS_CLANG}" DIRECTORY)
get_filename_component(clang_name "${FDPASS_CLANG}" NAME)
string(REPLACE "clang" "" clang_suffix "${clang_name}")

set(triple x86_64-unknown-freebsd14)
set(CMAKE_C_COMPILER "${FDPASS_CLANG}")
set(CMAKE_C_COMPILER_TARGET ${triple})
set(CMAKE_CXX_COMPILER "${clang_dir}/clang++${clang_suffix}")
set(CMAKE_CXX_COMPILER_TARGET ${triple})
find_program(CMAKE_AR NAMES llvm-ar${clang_suffix} llvm-ar HINTS "${clang_dir}")
find_program(CMAKE_RANLIB NAMES llvm-ranlib${clang_suffix} llvm-ranlib HINTS "${clang_dir}")
find_program(CMAKE_NM NAMES llvm-nm${clang_suffix} llvm-nm HINTS "${clang_dir}")
set(CMAKE_SYSROOT "${FDPASS_FREEBSD_ROOT}")

set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-fuse-ld=lld")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-fuse-ld=lld")

set(CMAKE_FIND_ROOT_PATH "${FDPASS_FREEBSD_ROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
