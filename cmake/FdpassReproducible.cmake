# SPDX-License-Identifier: ISC
# Reproducible builds: the same sources give the same libfdpass.so and
# libfdpass.a whatever directories they are unpacked and built in
# (ci/release/run.sh, leg reproducible, checks it).
#
# The source and build directories are written as "." into debug
# information and __FILE__.  The build directory comes last: GCC takes the
# last matching map (clang the longest), and the build directory is often
# inside the source directory.  A debugger finds the sources from the top
# of the source tree (gdb: directory /path/to/libfdpass-X.Y.Z).
option(FDPASS_FILE_PREFIX_MAP
  "Write the source and build directories as . in objects (reproducible builds)" ON)

include(CheckCCompilerFlag)
if(FDPASS_FILE_PREFIX_MAP)
  check_c_compiler_flag(-ffile-prefix-map=/fdpass-old=. FDPASS_HAVE_FILE_PREFIX_MAP)
  if(FDPASS_HAVE_FILE_PREFIX_MAP)
    set(fdpass_map_flags -ffile-prefix-map)
  else()
    # GCC 7, clang 9 and older: the two halves of -ffile-prefix-map.
    check_c_compiler_flag(-fdebug-prefix-map=/fdpass-old=. FDPASS_HAVE_DEBUG_PREFIX_MAP)
    check_c_compiler_flag(-fmacro-prefix-map=/fdpass-old=. FDPASS_HAVE_MACRO_PREFIX_MAP)
    set(fdpass_map_flags "")
    if(FDPASS_HAVE_DEBUG_PREFIX_MAP)
      list(APPEND fdpass_map_flags -fdebug-prefix-map)
    endif()
    if(FDPASS_HAVE_MACRO_PREFIX_MAP)
      list(APPEND fdpass_map_flags -fmacro-prefix-map)
    endif()
  endif()
  # The directories as CMake spells them (the command lines' paths) and,
  # where a symbolic link leads there, as the compiler's getcwd() does.
  set(fdpass_map_dirs "")
  foreach(dir IN ITEMS "${PROJECT_SOURCE_DIR}" "${PROJECT_BINARY_DIR}")
    file(REAL_PATH "${dir}" real)
    list(APPEND fdpass_map_dirs "${dir}")
    if(NOT real STREQUAL dir)
      list(APPEND fdpass_map_dirs "${real}")
    endif()
  endforeach()
  foreach(dir IN LISTS fdpass_map_dirs)
    foreach(flag IN LISTS fdpass_map_flags)
      add_compile_options("${flag}=${dir}=.")
    endforeach()
  endforeach()
  unset(fdpass_map_dirs)
  unset(fdpass_map_flags)
endif()

# Static libraries without timestamps, uids or gids in their members.
# Debian's binutils does this by default, not every GNU binutils; llvm-ar
# does it by default, Apple's tools are left alone.
if(CMAKE_AR AND NOT APPLE)
  execute_process(COMMAND ${CMAKE_AR} --version OUTPUT_VARIABLE fdpass_ar_version
    ERROR_QUIET RESULT_VARIABLE fdpass_rc)
  if(fdpass_rc EQUAL 0 AND fdpass_ar_version MATCHES "^GNU ar")
    set(CMAKE_C_ARCHIVE_CREATE "<CMAKE_AR> qcD <TARGET> <LINK_FLAGS> <OBJECTS>")
    set(CMAKE_C_ARCHIVE_APPEND "<CMAKE_AR> qD <TARGET> <LINK_FLAGS> <OBJECTS>")
    set(fdpass_rc 1)
    if(CMAKE_RANLIB)
      execute_process(COMMAND ${CMAKE_RANLIB} --version OUTPUT_VARIABLE fdpass_ar_version
        ERROR_QUIET RESULT_VARIABLE fdpass_rc)
    endif()
    if(fdpass_rc EQUAL 0 AND fdpass_ar_version MATCHES "^GNU ranlib")
      set(CMAKE_C_ARCHIVE_FINISH "<CMAKE_RANLIB> -D <TARGET>")
    endif()
  endif()
  unset(fdpass_ar_version)
  unset(fdpass_rc)
endif()
