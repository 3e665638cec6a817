# SPDX-License-Identifier: ISC
# cmake -DNM=... -DLIBRARY=... -P abi_exports.cmake
# Every dynamic symbol libfdpass defines starts with fdpass_ (ELF or Mach-O).
# NM_FLAGS: how to list the exported symbols (ELF: the dynamic table).
if(NOT DEFINED NM_FLAGS)
  set(NM_FLAGS -D --defined-only)
endif()
execute_process(COMMAND ${NM} ${NM_FLAGS} ${LIBRARY}
  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIBRARY}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${out}")
set(count 0)
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^.* " "" sym "${line}")
  # Not ours: _init/_fini from crti.o (musl), the Mach-O image symbols.
  if(sym MATCHES "^(_init|_fini|___dso_handle|__mh_dylib_header)$")
    continue()
  endif()
  # Mach-O prefixes C names with an underscore.
  if(NOT sym MATCHES "^_?fdpass_")
    message(FATAL_ERROR "exported symbol outside the fdpass_ namespace: ${sym}")
  endif()
  math(EXPR count "${count} + 1")
endforeach()
if(count LESS 11)
  message(FATAL_ERROR "only ${count} fdpass_ symbols exported")
endif()
message(STATUS "${count} exported symbols, all fdpass_*")
