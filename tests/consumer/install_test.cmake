# SPDX-License-Identifier: ISC
# ctest -P script: install the build into a scratch prefix, then build and
# run tests/consumer against it with find_package and with pkg-config, with
# the build's own generator, make program, compiler and flags (sanitizers
# included): CMake's default generator may have no make program installed.
set(prefix ${BUILD_DIR}/install-test/prefix)
set(consumer ${BUILD_DIR}/install-test/consumer)
file(REMOVE_RECURSE ${BUILD_DIR}/install-test)

include(${CMAKE_CURRENT_LIST_DIR}/../run_checked.cmake)

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/fdpass.h share/man/man3/fdpass_recvmsg.3 share/man/man3/fdpass_send_with_fd.3
    share/man/man3/fdpass_sock_init.3 share/man/man3/fdpass_sock_sendmsg.3
    share/doc/fdpass/LICENSE)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
if(EXISTS ${prefix}/bin/fdpass AND NOT EXISTS ${prefix}/share/man/man1/fdpass.1)
  message(FATAL_ERROR "not installed: share/man/man1/fdpass.1 (with bin/fdpass)")
endif()
# A document a manual page names (.Pa) must be where the page says: a
# path of the source tree (docs/...) means nothing to a user of the
# installed page, and a path under the install's share/doc must exist.
file(GLOB_RECURSE pages ${prefix}/share/man/*)
foreach(page IN LISTS pages)
  file(STRINGS ${page} paths REGEX "^\\.Pa ")
  foreach(path IN LISTS paths)
    string(REGEX REPLACE "^\\.Pa +([^ ]+).*" "\\1" path "${path}")
    if(path MATCHES "^docs/")
      message(FATAL_ERROR "${page} names ${path}, a path of the source tree, not an installed one")
    elseif(path MATCHES "/share/doc/" AND NOT EXISTS ${path})
      message(FATAL_ERROR "${page} names ${path}, which is not installed")
    endif()
  endforeach()
endforeach()
file(GLOB_RECURSE pcs ${prefix}/*/fdpass.pc)
list(GET pcs 0 pc)
get_filename_component(pcdir ${pc} DIRECTORY)
# fdpass.pc must name the prefix given to --install, not the configured one.
file(STRINGS ${pc} pc_prefix REGEX "^prefix=")
if(NOT pc_prefix STREQUAL "prefix=${prefix}" AND
    NOT pc_prefix MATCHES "^prefix=\\\${pcfiledir}/")
  message(FATAL_ERROR "${pc}: '${pc_prefix}', expected 'prefix=${prefix}'")
endif()
set(ENV{PKG_CONFIG_PATH} ${pcdir})
# The CMake package by its directory: find_package searches
# <prefix>/lib64/cmake only where the global property
# FIND_LIBRARY_USE_LIB64_PATHS is on, which CMake's Platform/Linux.cmake
# turns off on Debian and Arch, so a lib64 install is not found there
# through CMAKE_PREFIX_PATH alone.
file(GLOB_RECURSE configs ${prefix}/*/fdpass-config.cmake)
list(GET configs 0 config)
get_filename_component(fdpass_dir ${config} DIRECTORY)
file(GLOB imsg_libs ${pcdir}/../libfdpass-imsg.*)
if(imsg_libs)
  set(expect_imsg ON)
else()
  set(expect_imsg OFF)
endif()
# configure_consumer(DIR EXPECT_IMSG): tests/consumer against the prefix.
function(configure_consumer dir expect)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${dir}
    -G "${GENERATOR}" -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}
    -DCMAKE_PREFIX_PATH=${prefix} -Dfdpass_DIR=${fdpass_dir}
    -DCMAKE_C_COMPILER=${C_COMPILER}
    "-DCMAKE_C_FLAGS=${C_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}"
    -DCMAKE_BUILD_RPATH=${pcdir}/.. -DEXPECT_IMSG=${expect})
endfunction()
configure_consumer(${consumer} ${expect_imsg})
run(${CMAKE_COMMAND} --build ${consumer})
run(${consumer}/consumer_cmake)
run(${consumer}/consumer_pkgconfig)
# libfdpass-imsg, where built: its header in a directory of its own.
if(imsg_libs)
  if(NOT EXISTS ${prefix}/include/fdpass-imsg/imsg.h OR EXISTS ${prefix}/include/imsg.h)
    message(FATAL_ERROR "imsg.h not installed as include/fdpass-imsg/imsg.h alone")
  endif()
  # Its pages, and a link for a name that is not a page's (imsg_compose(3)
  # documents imsg_get_fd).
  foreach(f share/man/man3/imsg_compose.3 share/man/man3/imsg_get_fd.3
      share/man/man3/ibuf_add.3 share/man/man3/ibufq_new.3
      share/man/man3/imsgbuf_init.3 share/man/man3/msgbuf_new.3)
    if(NOT EXISTS ${prefix}/${f})
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  # The program's RUNPATH does not serve libfdpass-imsg's own dependency on
  # libfdpass, and a build configured for the linker's directories (/usr)
  # gives the library no RUNPATH: the scratch prefix is named to the loader.
  get_filename_component(libdir ${pcdir}/.. ABSOLUTE)
  foreach(program consumer_imsg_cmake consumer_imsg_pkgconfig)
    run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${libdir} DYLD_LIBRARY_PATH=${libdir}
      ${consumer}/${program})
  endforeach()
endif()
# libfdpass without libfdpass-imsg, as a distribution's libfdpass-dev is
# installed without libfdpass-imsg-dev: the imsg files removed from the
# prefix, find_package(fdpass) must still work (fdpass-config.cmake names
# no file of libfdpass-imsg but in fdpass-imsg-targets*.cmake).
if(imsg_libs)
  file(GLOB imsg_files ${pcdir}/../libfdpass-imsg.* ${pcdir}/fdpass-imsg.pc
    ${fdpass_dir}/fdpass-imsg-targets*.cmake)
  file(REMOVE ${imsg_files})
  file(REMOVE_RECURSE ${prefix}/include/fdpass-imsg)
  configure_consumer(${consumer}-alone OFF)
  run(${CMAKE_COMMAND} --build ${consumer}-alone)
  run(${consumer}-alone/consumer_cmake)
  message(STATUS "libfdpass without libfdpass-imsg: find_package(fdpass) works")
endif()
message(STATUS "installed to ${prefix}; find_package and pkg-config consumers ran")
