# SPDX-License-Identifier: ISC
include(CMakePackageConfigHelpers)

install(FILES include/fdpass.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(TARGETS ${FDPASS_LIBRARY_TARGETS} EXPORT fdpass-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT fdpass-targets NAMESPACE fdpass::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fdpass)

configure_package_config_file(cmake/fdpass-config.cmake.in
  ${PROJECT_BINARY_DIR}/fdpass-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fdpass)
# While the major version is 0, a minor release may break the ABI: 0.2
# must not satisfy find_package(fdpass 0.1).
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(FDPASS_VERSION_COMPATIBILITY SameMinorVersion)
else()
  set(FDPASS_VERSION_COMPATIBILITY SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/fdpass-config-version.cmake
  COMPATIBILITY ${FDPASS_VERSION_COMPATIBILITY})
install(FILES ${PROJECT_BINARY_DIR}/fdpass-config.cmake
  ${PROJECT_BINARY_DIR}/fdpass-config-version.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/fdpass)

# fdpass.pc names the install prefix, with libdir and includedir below
# ${prefix} so that pkg-config recognises system directories (-I/usr/include
# is dropped) and --define-prefix can still move it.  The prefix is the one
# of the install, which `cmake --install --prefix` may change after the
# configure: fdpass.pc is written again at install time (the one in the
# build tree names CMAKE_INSTALL_PREFIX).  Opt-in: a relocatable fdpass.pc
# whose prefix is found from the .pc file's own place.
option(FDPASS_PKGCONFIG_RELOCATABLE
  "fdpass.pc finds its prefix from its own location (\${pcfiledir})" OFF)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(FDPASS_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(FDPASS_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  set(FDPASS_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(FDPASS_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(fdpass_pc_at_install OFF)
if(FDPASS_PKGCONFIG_RELOCATABLE AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}"
    AND NOT IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  file(RELATIVE_PATH up "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
  string(REGEX REPLACE "/$" "" up "${up}")
  set(FDPASS_PC_PREFIX "\${pcfiledir}/${up}")
else()
  set(FDPASS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(fdpass_pc_at_install ON)
endif()
# Threads is private to the shared library but a dependency of the static one.
set(FDPASS_PC_LIBS_PRIVATE "${CMAKE_THREAD_LIBS_INIT}")
configure_file(cmake/fdpass.pc.in ${PROJECT_BINARY_DIR}/fdpass.pc @ONLY)
if(fdpass_pc_at_install)
  # A template whose prefix line the install script fills in: configure_file
  # does not expand the @CMAKE_INSTALL_PREFIX@ it writes.
  set(FDPASS_PC_PREFIX "@CMAKE_INSTALL_PREFIX@")
  configure_file(cmake/fdpass.pc.in ${PROJECT_BINARY_DIR}/fdpass.pc.install-in @ONLY)
  # A relative --prefix is taken from the directory cmake --install runs in.
  install(CODE "block(SCOPE_FOR VARIABLES)
    get_filename_component(CMAKE_INSTALL_PREFIX \"\${CMAKE_INSTALL_PREFIX}\" ABSOLUTE)
    configure_file(\"${PROJECT_BINARY_DIR}/fdpass.pc.install-in\"
      \"${PROJECT_BINARY_DIR}/install-pc/fdpass.pc\" @ONLY)
  endblock()")
  install(FILES ${PROJECT_BINARY_DIR}/install-pc/fdpass.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
else()
  install(FILES ${PROJECT_BINARY_DIR}/fdpass.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

# libfdpass's pages; libfdpass-imsg's (ibuf_add.3 ...) are installed with
# that library (imsg/CMakeLists.txt).
install(DIRECTORY docs/man/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man3
  FILES_MATCHING PATTERN "fdpass*.3")
# A page that describes several functions (its .Nm lines) is installed once,
# under the first name; each other name is a symbolic link to it, so that
# `man fdpass_sock_sendmsg` finds it.
if(IS_ABSOLUTE "${CMAKE_INSTALL_MANDIR}")
  set(man3 "${CMAKE_INSTALL_MANDIR}/man3")
else()
  # The prefix of the install, which `cmake --install --prefix` may change.
  set(man3 "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_MANDIR}/man3")
endif()
foreach(link fdpass_sock_pair fdpass_sock_sendmsg fdpass_sock_recvmsg)
  install(CODE "file(CREATE_LINK fdpass_sock_init.3 \"\$ENV{DESTDIR}${man3}/${link}.3\" SYMBOLIC)
    message(STATUS \"Installing: \$ENV{DESTDIR}${man3}/${link}.3 -> fdpass_sock_init.3\")")
endforeach()

# The documents a user of the installed library and command reads, beside
# LICENSE in the DOCDIR (share/doc/fdpass): what the calls guarantee, the
# per-OS facts they rest on (guarantees.md links to portability.md, in the
# same directory), the ABI policy, and, with the command, the holder's
# protocol and restart recipe that fdpass(1) refers to.
install(FILES docs/guarantees.md docs/portability.md docs/abi-policy.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
if(FDPASS_BUILD_TOOLS)
  install(FILES docs/holder.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
  # fdpass(1) names docs/holder.md, the path in the source tree; the
  # installed page names the installed file instead.  That path depends on
  # the prefix of the install, which `cmake --install --prefix` may change
  # after the configure, so the page is written at install time (as
  # fdpass.pc is).  DESTDIR is not part of it.
  if(IS_ABSOLUTE "${CMAKE_INSTALL_DOCDIR}")
    set(docdir "${CMAKE_INSTALL_DOCDIR}")
  else()
    set(docdir "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}")
  endif()
  install(CODE "block(SCOPE_FOR VARIABLES)
    get_filename_component(CMAKE_INSTALL_PREFIX \"\${CMAKE_INSTALL_PREFIX}\" ABSOLUTE)
    file(READ \"${PROJECT_SOURCE_DIR}/docs/man/fdpass.1\" page)
    string(REPLACE \".Pa docs/holder.md\" \".Pa ${docdir}/holder.md\" page \"\${page}\")
    file(WRITE \"${PROJECT_BINARY_DIR}/install-man/fdpass.1\" \"\${page}\")
  endblock()")
  install(FILES ${PROJECT_BINARY_DIR}/install-man/fdpass.1
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
