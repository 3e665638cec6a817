# SPDX-License-Identifier: ISC
# ctest -P script: runs the simulated OpenBSD suite PROG (under EMULATOR if
# set) and passes only when the pledge model killed it (SIGABRT, as
# pledge_fail does) after naming the refused call CALL: the proof that a
# library making one more call than pledge("stdio sendfd recvfd") allows
# fails the suite.
execute_process(COMMAND ${EMULATOR} ${PROG} RESULT_VARIABLE rc
  OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc STREQUAL "0" OR NOT rc MATCHES "abort")
  message(FATAL_ERROR "the suite was not killed (result: ${rc}):\n${out}")
endif()
if(NOT out MATCHES "pledge \"[a-z]+\" refuses ${CALL}\n")
  message(FATAL_ERROR "killed, but not for ${CALL} (result: ${rc}):\n${out}")
endif()
message(STATUS "killed by the pledge model: ${CALL}")
