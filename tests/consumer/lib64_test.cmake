# SPDX-License-Identifier: ISC
# ctest -P script: the README's recipe for a distribution whose libdir is
# lib64 (-DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR=lib64): the
# library configured and built that way, then install_test.cmake on it
# (installed to a scratch prefix, used through find_package and pkg-config).
# On a Debian host find_package does not search lib64 by itself.
set(lib64_build ${BUILD_DIR}/lib64-test)
file(REMOVE_RECURSE ${lib64_build})

include(${CMAKE_CURRENT_LIST_DIR}/../run_checked.cmake)

run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${lib64_build} -G "${GENERATOR}"
  -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM} -DCMAKE_C_COMPILER=${C_COMPILER}
  "-DCMAKE_C_FLAGS=${C_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
  "-DCMAKE_SHARED_LINKER_FLAGS=${LINKER_FLAGS}"
  -DFDPASS_BUILD_TESTS=OFF -DFDPASS_BUILD_TOOLS=OFF -DFDPASS_BUILD_BENCH=OFF
  -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR=lib64)
run(${CMAKE_COMMAND} --build ${lib64_build})
set(BUILD_DIR ${lib64_build})
include(${CMAKE_CURRENT_LIST_DIR}/install_test.cmake)
if(NOT EXISTS ${prefix}/lib64/cmake/fdpass/fdpass-config.cmake)
  message(FATAL_ERROR "not installed: lib64/cmake/fdpass/fdpass-config.cmake")
endif()
