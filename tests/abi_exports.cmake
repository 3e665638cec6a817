# SPDX-License-Identifier: ISC
# cmake -DNM=... -DLIBRARY=... [-DVERSION_NODE=FDPASS_0] -P abi_exports.cmake
# Every dynamic symbol libfdpass defines starts with fdpass_ (ELF or Mach-O)
# and, with VERSION_NODE, carries that symbol version (src/fdpass.map).
# NM_FLAGS: how to list the exported symbols (ELF: the dynamic table).
if(NOT DEFINED NM_FLAGS)
  set(NM_FLAGS -D --defined-only)
endif()
# GNU nm before 2.35 shows versions only when asked; llvm-nm and newer
# GNU nm show them anyway, and llvm-nm refuses the option.
execute_process(COMMAND ${NM} ${NM_FLAGS} --with-symbol-versions ${LIBRARY}
  OUTPUT_VARIABLE out RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0)
  execute_process(COMMAND ${NM} ${NM_FLAGS} ${LIBRARY}
    OUTPUT_VARIABLE out RESULT_VARIABLE rc)
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIBRARY}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${out}")
set(count 0)
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^.* " "" sym "${line}")
  # The version node, printed by nm as name@@NODE (default) or @NODE.
  set(node "")
  if(sym MATCHES "@")
    string(REGEX REPLACE "^[^@]*@@?" "" node "${sym}")
    string(REGEX REPLACE "@.*$" "" sym "${sym}")
  endif()
  # The node's own definition, an absolute symbol named after it.
  if(VERSION_NODE AND sym STREQUAL VERSION_NODE)
    continue()
  endif()
  # Not ours: _init/_fini from crti.o (musl), the Mach-O image symbols.
  if(sym MATCHES "^(_init|_fini|___dso_handle|__mh_dylib_header)$")
    continue()
  endif()
  # Mach-O prefixes C names with an underscore.
  if(NOT sym MATCHES "^_?fdpass_")
    message(FATAL_ERROR "exported symbol outside the fdpass_ namespace: ${sym}")
  endif()
  if(VERSION_NODE AND NOT node STREQUAL VERSION_NODE)
    message(FATAL_ERROR "${sym} has version '${node}', not ${VERSION_NODE}")
  endif()
  math(EXPR count "${count} + 1")
endforeach()
if(count LESS 11)
  message(FATAL_ERROR "only ${count} fdpass_ symbols exported")
endif()
message(STATUS "${count} exported symbols, all fdpass_*, version node: ${VERSION_NODE}")
