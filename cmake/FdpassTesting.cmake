# SPDX-License-Identifier: ISC
# Registers a test running executable TARGET: plainly (so ctest prepends
# CMAKE_CROSSCOMPILING_EMULATOR when cross-compiling) or under the wrapper.
function(fdpass_add_test name target)
  if(FDPASS_TEST_WRAPPER)
    add_test(NAME ${name} COMMAND ${FDPASS_TEST_WRAPPER} $<TARGET_FILE:${target}> ${ARGN})
  else()
    add_test(NAME ${name} COMMAND ${target} ${ARGN})
  endif()
endfunction()
