# SPDX-License-Identifier: ISC
# The sources of the fdpass command, for tools/ and for the simulated
# builds in tests/sim (which link them against a simulated backend).
set(FDPASS_CLI_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/main.c
  ${CMAKE_CURRENT_LIST_DIR}/cli.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_info.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_demo.c
  ${CMAKE_CURRENT_LIST_DIR}/fdcount.c)
