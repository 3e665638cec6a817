# SPDX-License-Identifier: ISC
# Cross-compile for macOS (x86_64) with `zig cc`, which ships real macOS
# headers and libSystem stubs.  zig must be on PATH or named by $ZIG.
set(CMAKE_SYSTEM_NAME Darwin)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(FDPASS_ZIG_TARGET x86_64-macos)
include(${CMAKE_CURRENT_LIST_DIR}/zig-common.cmake)
