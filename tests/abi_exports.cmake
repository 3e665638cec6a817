# SPDX-License-Identifier: ISC
# cmake -DNM=... -DLIBRARY=... [-DVERSION_NODE=1 -DVERSION_SCRIPT=MAP] -P abi_exports.cmake
# Every dynamic symbol libfdpass defines starts with fdpass_ (ELF or Mach-O)
# and, with VERSION_NODE, carries the version node the version script
# (src/fdpass.map) gives it, and every name the script lists is exported.
# NM_FLAGS: how to list the exported symbols (ELF: the dynamic table).
cmake_minimum_required(VERSION 3.25)
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
# The node each name belongs to, from the version script: NODE { global:
# name; ... } lines, as src/fdpass.map writes them.
set(nodes "")
if(VERSION_NODE)
  file(STRINGS ${VERSION_SCRIPT} script)
  set(current "")
  foreach(line IN LISTS script)
    if(line MATCHES "^([A-Z0-9_.]+) {")
      set(current ${CMAKE_MATCH_1})
      list(APPEND nodes ${current})
    elseif(line MATCHES "^[ \t]+(fdpass_[a-z_]+);" AND current)
      set(node_of_${CMAKE_MATCH_1} ${current})
      list(APPEND mapped ${CMAKE_MATCH_1})
    endif()
  endforeach()
  list(LENGTH mapped expected_count)
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
  if(VERSION_NODE AND sym IN_LIST nodes)
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
  if(VERSION_NODE)
    string(REGEX REPLACE "^_" "" bare "${sym}")
    if(NOT DEFINED node_of_${bare})
      message(FATAL_ERROR "${sym} is exported but not in ${VERSION_SCRIPT}")
    endif()
    if(NOT node STREQUAL node_of_${bare})
      message(FATAL_ERROR "${sym} has version '${node}', not ${node_of_${bare}}")
    endif()
  endif()
  math(EXPR count "${count} + 1")
endforeach()
if(count LESS 15)
  message(FATAL_ERROR "only ${count} fdpass_ symbols exported")
endif()
if(VERSION_NODE AND NOT count EQUAL expected_count)
  message(FATAL_ERROR "${count} symbols exported, ${VERSION_SCRIPT} names ${expected_count}")
endif()
message(STATUS "${count} exported symbols, all fdpass_*, version nodes: ${nodes}")
