# SPDX-License-Identifier: ISC
# Shared by freebsd-cross.cmake and netbsd-cross.cmake: a BSD/amd64 from
# Linux with Debian's clang and lld, against a root laid out as the
# system's release sets lay it out, named by the variable (cache or
# environment) whose name is in fdpass_root_var.  Everything links
# statically: the binaries then need nothing from the root at run time but
# the kernel.  The tests run in a guest under qemu (ci/bsd/qemu-guest.sh),
# not here: no emulator is set.
#
# The including file sets: CMAKE_SYSTEM_NAME, CMAKE_SYSTEM_VERSION,
# fdpass_triple, fdpass_root_var, fdpass_root_what (the sets, for the
# error message) and optionally fdpass_link_root_lib (ON: -L the root's
# /usr/lib, which clang's driver leaves to the system's own linker).
set(CMAKE_SYSTEM_PROCESSOR amd64)

if(NOT ${fdpass_root_var})
  set(${fdpass_root_var} "$ENV{${fdpass_root_var}}")
endif()
set(fdpass_sysroot "${${fdpass_root_var}}")
if(NOT EXISTS "${fdpass_sysroot}/usr/include/sys/param.h")
  message(FATAL_ERROR "${fdpass_root_var}='${fdpass_sysroot}' is not a"
    " ${CMAKE_SYSTEM_NAME} root (${fdpass_root_what})")
endif()
# try_compile projects re-read this file without the cache.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ${fdpass_root_var})

# Debian names its clang per version; FDPASS_CLANG picks one.
if(NOT FDPASS_CLANG)
  set(FDPASS_CLANG "$ENV{FDPASS_CLANG}")
endif()
if(NOT FDPASS_CLANG)
  find_program(FDPASS_FOUND_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14 REQUIRED)
  set(FDPASS_CLANG "${FDPASS_FOUND_CLANG}")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FDPASS_CLANG)
get_filename_component(clang_dir "${FDPASS_CLANG}" DIRECTORY)
get_filename_component(clang_name "${FDPASS_CLANG}" NAME)
string(REPLACE "clang" "" clang_suffix "${clang_name}")

set(CMAKE_C_COMPILER "${FDPASS_CLANG}")
set(CMAKE_C_COMPILER_TARGET ${fdpass_triple})
set(CMAKE_CXX_COMPILER "${clang_dir}/clang++${clang_suffix}")
set(CMAKE_CXX_COMPILER_TARGET ${fdpass_triple})
find_program(CMAKE_AR NAMES llvm-ar${clang_suffix} llvm-ar HINTS "${clang_dir}")
find_program(CMAKE_RANLIB NAMES llvm-ranlib${clang_suffix} llvm-ranlib HINTS "${clang_dir}")
find_program(CMAKE_NM NAMES llvm-nm${clang_suffix} llvm-nm HINTS "${clang_dir}")
set(CMAKE_SYSROOT "${fdpass_sysroot}")

set(fdpass_lld "-fuse-ld=lld")
if(fdpass_link_root_lib)
  string(APPEND fdpass_lld " -L${fdpass_sysroot}/usr/lib")
endif()
set(CMAKE_EXE_LINKER_FLAGS_INIT "${fdpass_lld} -static")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${fdpass_lld}")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "${fdpass_lld}")

set(CMAKE_FIND_ROOT_PATH "${fdpass_sysroot}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
