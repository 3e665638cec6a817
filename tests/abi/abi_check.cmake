# SPDX-License-Identifier: ISC
# cmake -DABIDIFF=... -DABIDW=... -DBASELINE=... [-DSUPPRESSIONS=...]
#       -DLIBRARY=... -DHEADERS=... -DEXPECT=compatible|incompatible
#       [-DSTRUCT=fdpass_backend] [-DREQUIRE=ON] -P abi_check.cmake
# Compares LIBRARY (built with debug information) with the committed ABI
# baseline under the policy's suppressions.  EXPECT=incompatible is for the
# purposely broken libraries: the check must catch them.  REQUIRE: a library
# without debug information fails instead of skipping.
execute_process(COMMAND ${ABIDW} --headers-dir ${HEADERS} --drop-private-types
    --no-corpus-path ${LIBRARY}
  OUTPUT_VARIABLE corpus RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "abidw failed on ${LIBRARY}: ${err}")
endif()
# Without DWARF, abidiff sees symbols only and would pass any layout change.
# STRUCT: a public struct the library's debug information must describe.
if(NOT STRUCT)
  set(STRUCT fdpass_backend)
endif()
if(NOT corpus MATCHES "<class-decl name='${STRUCT}'")
  set(why "${LIBRARY} has no debug information (build with -g, e.g. RelWithDebInfo)")
  if(REQUIRE)
    message(FATAL_ERROR "FDPASS_REQUIRE_ABI_CHECK: ${why}")
  endif()
  message("SKIPPED: ${why}")
  return()
endif()

set(suppress "")
if(SUPPRESSIONS)
  set(suppress --suppressions ${SUPPRESSIONS})
endif()
execute_process(COMMAND ${ABIDIFF} --no-added-syms ${suppress}
    --headers-dir2 ${HEADERS} --drop-private-types ${BASELINE} ${LIBRARY}
  OUTPUT_VARIABLE report ERROR_VARIABLE report RESULT_VARIABLE rc)
# abidiff's status is a bit mask: 1 error, 2 usage, 4 ABI change,
# 8 incompatible change.
math(EXPR tool_error "${rc} & 3")
if(NOT tool_error EQUAL 0)
  message(FATAL_ERROR "abidiff failed (${rc}):\n${report}")
endif()
if(EXPECT STREQUAL "compatible")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ABI change against ${BASELINE} (abidiff ${rc}); "
      "see docs/abi-policy.md:\n${report}")
  endif()
  message(STATUS "ABI compatible with ${BASELINE}")
elseif(EXPECT STREQUAL "incompatible")
  if(rc EQUAL 0)
    message(FATAL_ERROR "the ABI check passed a library it must reject: ${LIBRARY}")
  endif()
  message(STATUS "rejected as it must be (abidiff ${rc}):\n${report}")
else()
  message(FATAL_ERROR "EXPECT must be compatible or incompatible")
endif()
