# SPDX-License-Identifier: ISC
# fdpass_add_objects(NAME BACKEND CONFIG_DIR [DEFINITIONS ...])
#
# One object library of the common sources plus one backend.  The library
# itself, the test build with rewritable syscall seams and each simulated
# kernel are all made with it, so they compile the very same sources.

set(FDPASS_COMMON_SOURCES
  src/common/info.c
  src/common/recv.c
  src/common/send.c
  src/common/sigpipe.c
  src/common/simple.c
  src/common/sock.c
  src/common/socket.c
  src/common/syscalls.c
  src/common/util.c)

set(FDPASS_BACKEND_SOURCES_linux src/linux/peer_cred.c)
set(FDPASS_BACKEND_SOURCES_bsd src/bsd/peer_cred.c)
set(FDPASS_BACKEND_SOURCES_darwin src/darwin/peer_cred.c)

# Calls between the library's own exported functions need not go through
# the PLT: nothing may interpose on them.  ELF only (Mach-O has two-level
# namespaces and clang there rejects the flag as unused).
include(CheckCCompilerFlag)
if(NOT APPLE)
  check_c_compiler_flag(-fno-semantic-interposition FDPASS_HAVE_NO_SEMANTIC_INTERPOSITION)
endif()

function(fdpass_add_objects name backend config_dir)
  cmake_parse_arguments(PARSE_ARGV 3 arg "" "" "DEFINITIONS;INCLUDES")
  set(sources ${FDPASS_COMMON_SOURCES} ${FDPASS_BACKEND_SOURCES_${backend}})
  list(TRANSFORM sources PREPEND "${fdpass_SOURCE_DIR}/")
  add_library(${name} OBJECT ${sources})
  set_target_properties(${name} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden)
  target_include_directories(${name}
    PRIVATE ${arg_INCLUDES} ${config_dir}
      ${fdpass_SOURCE_DIR}/src/${backend} ${fdpass_SOURCE_DIR}/src/common
    PUBLIC $<BUILD_INTERFACE:${fdpass_SOURCE_DIR}/include>)
  target_compile_definitions(${name} PRIVATE ${FDPASS_SYSTEM_DEFINITIONS} ${arg_DEFINITIONS})
  target_compile_options(${name} PRIVATE ${FDPASS_WARNING_FLAGS}
    $<$<BOOL:${FDPASS_HAVE_NO_SEMANTIC_INTERPOSITION}>:-fno-semantic-interposition>)
endfunction()
