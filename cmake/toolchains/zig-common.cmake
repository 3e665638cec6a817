# SPDX-License-Identifier: ISC
# Shared by the zig-*.cmake toolchain files: zig cc / c++ / ar / ranlib
# through small wrapper scripts, so CMake sees ordinary tool paths.
set(tools ${CMAKE_CURRENT_LIST_DIR}/zig)
set(CMAKE_C_COMPILER ${tools}/cc)
set(CMAKE_CXX_COMPILER ${tools}/c++)
set(CMAKE_AR ${tools}/ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${tools}/ranlib CACHE FILEPATH "")
set(CMAKE_C_FLAGS_INIT "-target ${FDPASS_ZIG_TARGET}")
set(CMAKE_CXX_FLAGS_INIT "-target ${FDPASS_ZIG_TARGET}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-target ${FDPASS_ZIG_TARGET}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-target ${FDPASS_ZIG_TARGET}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_INSTALL_NAME_TOOL ${tools}/install_name_tool CACHE FILEPATH "")
