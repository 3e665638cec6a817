# SPDX-License-Identifier: ISC
# ctest -P script: the library kinds a builder can ask for, each configured,
# built and installed on its own, then used:
#   BUILD_SHARED_LIBS=OFF  only libfdpass.a; fdpass::fdpass names it, and the
#                          find_package and pkg-config consumers link and run
#   BUILD_SHARED_LIBS=ON   only the shared library; the command installed to
#                          a scratch prefix runs through its $ORIGIN RPATH
#   prefix /usr            (under DESTDIR) the command has no RPATH at all
set(work ${BUILD_DIR}/library-kinds)
file(REMOVE_RECURSE ${work})

include(${CMAKE_CURRENT_LIST_DIR}/../run_checked.cmake)

function(expect_absent file)
  if(EXISTS ${file})
    message(FATAL_ERROR "installed, but must not be: ${file}")
  endif()
endfunction()

function(expect_present file)
  if(NOT EXISTS ${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endfunction()

# build_and_install(NAME PREFIX ARGS...): the library and the command.
function(build_and_install name prefix)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${work}/${name} -G "${GENERATOR}"
    -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM} -DCMAKE_C_COMPILER=${C_COMPILER}
    "-DCMAKE_C_FLAGS=${C_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
    "-DCMAKE_SHARED_LINKER_FLAGS=${LINKER_FLAGS}"
    -DFDPASS_BUILD_TESTS=OFF -DFDPASS_BUILD_BENCH=OFF -DFDPASS_BUILD_TOOLS=ON
    -DCMAKE_INSTALL_PREFIX=${prefix} ${ARGN})
  run(${CMAKE_COMMAND} --build ${work}/${name})
  run(${CMAKE_COMMAND} --install ${work}/${name})
endfunction()

# expect_runpath(PROGRAM WANT): WANT "" means neither RUNPATH nor RPATH.
function(expect_runpath program want)
  file(READ_ELF ${program} RUNPATH runpath RPATH rpath)
  if(NOT "${runpath}${rpath}" STREQUAL "${want}")
    message(FATAL_ERROR "${program}: RUNPATH '${runpath}' RPATH '${rpath}', expected '${want}'")
  endif()
endfunction()

# Static only.
set(prefix ${work}/static-prefix)
build_and_install(static ${prefix} -DBUILD_SHARED_LIBS=OFF)
expect_present(${prefix}/lib/libfdpass.a)
file(GLOB shared ${prefix}/lib/libfdpass.so*)
if(shared)
  message(FATAL_ERROR "BUILD_SHARED_LIBS=OFF installed ${shared}")
endif()
expect_runpath(${prefix}/bin/fdpass "")
run(${prefix}/bin/fdpass --version)
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${work}/static-consumer
  -G "${GENERATOR}" -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM} -DCMAKE_C_COMPILER=${C_COMPILER}
  "-DCMAKE_C_FLAGS=${C_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
  -DCMAKE_PREFIX_PATH=${prefix} -DPKG_CONFIG_ARGN=--static)
run(${CMAKE_COMMAND} --build ${work}/static-consumer)
# No shared library exists to link against: both are linked statically.
run(${work}/static-consumer/consumer_cmake)
run(${work}/static-consumer/consumer_pkgconfig)
unset(ENV{PKG_CONFIG_PATH})

# Shared only, installed outside the linker's default directories.
set(prefix ${work}/shared-prefix)
build_and_install(shared ${prefix} -DBUILD_SHARED_LIBS=ON)
expect_present(${prefix}/lib/libfdpass.so.0)
expect_absent(${prefix}/lib/libfdpass.a)
expect_runpath(${prefix}/bin/fdpass "$ORIGIN/../lib")
# Run from a copy of the prefix elsewhere: the RPATH is relative.
file(COPY ${prefix}/ DESTINATION ${work}/moved-prefix)
run(${work}/moved-prefix/bin/fdpass --version)

# A distribution's prefix: no RPATH.
if(LIBRARY_ARCHITECTURE)
  set(libdir lib/${LIBRARY_ARCHITECTURE})
else()
  set(libdir lib)
endif()
set(ENV{DESTDIR} ${work}/stage)
build_and_install(system /usr -DCMAKE_INSTALL_LIBDIR=${libdir})
unset(ENV{DESTDIR})
expect_runpath(${work}/stage/usr/bin/fdpass "")
message(STATUS "static only, shared only and a /usr install: each as expected")
