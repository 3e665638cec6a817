# SPDX-License-Identifier: ISC
# The sources of the fdpass command, for tools/ and for the simulated
# builds in tests/sim (which link them against a simulated backend).
set(FDPASS_CLI_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/main.c
  ${CMAKE_CURRENT_LIST_DIR}/cli.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_info.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_demo.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_hold.c
  ${CMAKE_CURRENT_LIST_DIR}/hold_conn.c
  ${CMAKE_CURRENT_LIST_DIR}/hold_notify.c
  ${CMAKE_CURRENT_LIST_DIR}/hold_table.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_store.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_exec.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_list.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_delete.c
  ${CMAKE_CURRENT_LIST_DIR}/holder_proto.c
  ${CMAKE_CURRENT_LIST_DIR}/holder_client.c
  ${CMAKE_CURRENT_LIST_DIR}/fdcount.c)
