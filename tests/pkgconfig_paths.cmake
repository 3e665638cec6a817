# SPDX-License-Identifier: ISC
# cmake -DSOURCE_DIR=... -DWORK=dir -DGENERATOR=... -DMAKE_PROGRAM=...
#       -DPKG_CONFIG=... -P pkgconfig_paths.cmake
# What `pkg-config --cflags --libs fdpass` says for a packager's install
# (prefix /usr, multiarch libdir: system paths, so only -lfdpass), for the
# default prefix, for that build installed elsewhere with --prefix, and for
# the relocatable opt-in installed under DESTDIR.
include(${CMAKE_CURRENT_LIST_DIR}/run_checked.cmake)

# pkg_flags(VAR PCDIR): pkg-config's answer for the fdpass.pc in PCDIR.
function(pkg_flags var pcdir)
  set(ENV{PKG_CONFIG_PATH} ${pcdir})
  set(ENV{PKG_CONFIG_LIBDIR} ${pcdir})
  execute_process(COMMAND ${PKG_CONFIG} --cflags --libs fdpass
    OUTPUT_VARIABLE out RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config failed for ${pcdir}")
  endif()
  string(STRIP "${out}" out)
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

function(expect name got want)
  if(NOT "${got}" STREQUAL "${want}")
    message(FATAL_ERROR "${name}: pkg-config says '${got}', expected '${want}'")
  endif()
  message(STATUS "${name}: ${got}")
endfunction()

# configure(DIR ARGS...): the library alone, configured only.
function(configure dir)
  file(REMOVE_RECURSE ${dir})
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${dir} -G "${GENERATOR}"
    -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM} -DFDPASS_BUILD_TESTS=OFF
    -DFDPASS_BUILD_TOOLS=OFF -DFDPASS_BUILD_BENCH=OFF ${ARGN})
endfunction()

configure(${WORK}/distro -DCMAKE_INSTALL_PREFIX=/usr
  -DCMAKE_INSTALL_LIBDIR=lib/x86_64-linux-gnu)
pkg_flags(got ${WORK}/distro)
expect("prefix /usr, multiarch libdir" "${got}" "-lfdpass")

configure(${WORK}/opt -DCMAKE_INSTALL_PREFIX=/opt/fdpass -DFDPASS_BUILD_SHARED=OFF)
pkg_flags(got ${WORK}/opt)
expect("prefix /opt/fdpass" "${got}" "-I/opt/fdpass/include -L/opt/fdpass/lib -lfdpass")
# The same build installed elsewhere with --prefix: the installed fdpass.pc
# names that prefix, as the CMake package and the man page links do.
run(${CMAKE_COMMAND} --build ${WORK}/opt)
file(REMOVE_RECURSE ${WORK}/moved)
run(${CMAKE_COMMAND} --install ${WORK}/opt --prefix ${WORK}/moved)
pkg_flags(got ${WORK}/moved/lib/pkgconfig)
expect("prefix /opt/fdpass, installed with --prefix" "${got}"
  "-I${WORK}/moved/include -L${WORK}/moved/lib -lfdpass")

configure(${WORK}/reloc -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_LIBDIR=lib
  -DFDPASS_PKGCONFIG_RELOCATABLE=ON -DFDPASS_BUILD_SHARED=OFF)
run(${CMAKE_COMMAND} --build ${WORK}/reloc)
file(REMOVE_RECURSE ${WORK}/stage)
set(ENV{DESTDIR} ${WORK}/stage)
run(${CMAKE_COMMAND} --install ${WORK}/reloc)
unset(ENV{DESTDIR})
pkg_flags(got ${WORK}/stage/usr/lib/pkgconfig)
set(pc ${WORK}/stage/usr/lib/pkgconfig)
expect("relocatable, installed under DESTDIR" "${got}"
  "-I${pc}/../../include -L${pc}/../../lib -lfdpass")
