# SPDX-License-Identifier: ISC
# ctest -P script: every dynamic symbol libfdpass defines starts with fdpass_.
execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY}
  OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIBRARY}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${out}")
set(count 0)
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^.* " "" sym "${line}")
  # _init and _fini come from the C runtime's crti.o with some libcs (musl).
  if(sym MATCHES "^_(init|fini)$")
    continue()
  endif()
  if(NOT sym MATCHES "^fdpass_")
    message(FATAL_ERROR "exported symbol outside the fdpass_ namespace: ${sym}")
  endif()
  math(EXPR count "${count} + 1")
endforeach()
if(count LESS 11)
  message(FATAL_ERROR "only ${count} fdpass_ symbols exported")
endif()
message(STATUS "${count} exported symbols, all fdpass_*")
