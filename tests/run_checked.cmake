# SPDX-License-Identifier: ISC
# Included by the ctest -P scripts that configure, build and install:
# run(COMMAND...) runs a command and fails the test, with its output, when
# the command fails.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}")
  endif()
endfunction()
