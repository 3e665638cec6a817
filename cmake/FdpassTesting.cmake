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

# fdpass_test_command(VAR TARGET): in VAR, the command line that runs
# TARGET's executable as fdpass_add_test would (under the wrapper, or the
# cross-compiling emulator), for a test that runs it from a script.
function(fdpass_test_command var target)
  if(FDPASS_TEST_WRAPPER)
    set(command ${FDPASS_TEST_WRAPPER})
  else()
    set(command ${CMAKE_CROSSCOMPILING_EMULATOR})
  endif()
  list(APPEND command $<TARGET_FILE:${target}>)
  set(${var} ${command} PARENT_SCOPE)
endfunction()
