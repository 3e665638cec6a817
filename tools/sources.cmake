# SPDX-License-Identifier: ISC
# The sources of the fdpass command, for tools/ and for the simulated
# builds in tests/sim (which link them against a simulated backend): the
# subcommands (one file each), and the holder in holder/.
set(FDPASS_HOLDER_SERVER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/holder/server.c
  ${CMAKE_CURRENT_LIST_DIR}/holder/notify.c
  ${CMAKE_CURRENT_LIST_DIR}/holder/conn.c
  ${CMAKE_CURRENT_LIST_DIR}/holder/requests.c
  ${CMAKE_CURRENT_LIST_DIR}/holder/reply.c
  ${CMAKE_CURRENT_LIST_DIR}/holder/table.c
  ${CMAKE_CURRENT_LIST_DIR}/holder/closer.c
  ${CMAKE_CURRENT_LIST_DIR}/holder/base.c)
set(FDPASS_HOLDER_CLIENT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/holder/client.c
  ${CMAKE_CURRENT_LIST_DIR}/holder/proto.c)
set(FDPASS_CLI_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/main.c
  ${CMAKE_CURRENT_LIST_DIR}/cli.c
  ${CMAKE_CURRENT_LIST_DIR}/fdcount.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_info.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_demo.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_hold.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_store.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_exec.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_list.c
  ${CMAKE_CURRENT_LIST_DIR}/cmd_delete.c
  ${FDPASS_HOLDER_SERVER_SOURCES}
  ${FDPASS_HOLDER_CLIENT_SOURCES})
