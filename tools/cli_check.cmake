# SPDX-License-Identifier: ISC
# Runs one command and checks its exit status and what it printed:
#
#   cmake -P cli_check.cmake -- EXIT <status> [STDOUT_TO <file>]
#       [STDOUT <regex>...] [STDERR <regex>...] PROGRAM <program> [<arg>...]
#
# The exit status must be <status> and every regex must match its stream
# (ctest's PASS_REGULAR_EXPRESSION alone would ignore the exit status).
# STDOUT_TO sends the standard output to a file instead, e.g. /dev/full,
# a device on which every write fails with ENOSPC; where that file does
# not exist the check prints "SKIPPED: ..." for SKIP_REGULAR_EXPRESSION.

set(args "")
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    list(APPEND args "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()
cmake_parse_arguments(check "" "EXIT;STDOUT_TO" "STDOUT;STDERR;PROGRAM" ${args})
if(NOT DEFINED check_EXIT OR NOT check_PROGRAM)
  message(FATAL_ERROR "cli_check.cmake: EXIT and PROGRAM are required")
endif()

if(DEFINED check_STDOUT_TO)
  if(NOT EXISTS "${check_STDOUT_TO}")
    message("SKIPPED: ${check_STDOUT_TO} does not exist on this system")
    return()
  endif()
  execute_process(COMMAND ${check_PROGRAM} OUTPUT_FILE "${check_STDOUT_TO}"
    ERROR_VARIABLE stderr RESULT_VARIABLE status)
  set(stdout "")
else()
  execute_process(COMMAND ${check_PROGRAM}
    OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr RESULT_VARIABLE status)
endif()

# The program itself may find that the test cannot run here.
if(stdout MATCHES "^SKIPPED:")
  message("${stdout}")
  return()
endif()

set(problems "")
if(NOT status STREQUAL check_EXIT)
  string(APPEND problems "  exit status ${status}, expected ${check_EXIT}\n")
endif()
foreach(stream stdout stderr)
  string(TOUPPER ${stream} key)
  foreach(regex IN LISTS check_${key})
    if(NOT "${${stream}}" MATCHES "${regex}")
      string(APPEND problems "  ${stream} does not match: ${regex}\n")
    endif()
  endforeach()
endforeach()

list(JOIN check_PROGRAM " " shown)
if(DEFINED check_STDOUT_TO)
  string(APPEND shown " > ${check_STDOUT_TO}")
endif()
set(report "$ ${shown}\n--- exit status: ${status}\n--- stdout:\n${stdout}--- stderr:\n${stderr}---")
if(problems)
  message(FATAL_ERROR "${report}\n${problems}")
endif()
message("${report}\nok")
