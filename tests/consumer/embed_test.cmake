# SPDX-License-Identifier: ISC
# ctest -P script: tests/consumer_embed, which add_subdirectory()s libfdpass
# and links it statically, is configured, built, run and installed to a
# scratch prefix; the install tree must hold only the embedder's program
# (FDPASS_INSTALL is OFF when libfdpass is not the top-level project).
set(work ${BUILD_DIR}/embed-test)
file(REMOVE_RECURSE ${work})

include(${CMAKE_CURRENT_LIST_DIR}/../run_checked.cmake)

run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer_embed -B ${work}/build
  -G "${GENERATOR}" -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}
  -DCMAKE_C_COMPILER=${C_COMPILER} "-DCMAKE_C_FLAGS=${C_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
  -DFDPASS_SOURCE_DIR=${SOURCE_DIR} -DCMAKE_INSTALL_PREFIX=${work}/prefix)
run(${CMAKE_COMMAND} --build ${work}/build)
run(${CMAKE_COMMAND} --install ${work}/build)
run(${work}/prefix/bin/consumer_embed)

file(GLOB_RECURSE installed LIST_DIRECTORIES false RELATIVE ${work}/prefix
  ${work}/prefix/*)
list(SORT installed)
if(NOT installed STREQUAL "bin/consumer_embed")
  string(REPLACE ";" "\n  " installed "${installed}")
  message(FATAL_ERROR "the embedder's install tree holds more than its own "
    "program:\n  ${installed}")
endif()
message(STATUS "embedded statically: the install tree holds only bin/consumer_embed")
