# SPDX-License-Identifier: ISC
# usage: cmake -DSOURCE_DIR=DIR -P self-contained.cmake
# The project stands alone: no document, source or script cites a file
# outside it (a "shared" specification beside the checkout).  Every fact
# the docs rely on is in the project's own docs with its primary source.
# Fails, naming the file and the text, on any mention of one.  The
# patterns are built in pieces so that this file does not match itself.
set(word "shared")
set(patterns "${word}/spec" "../${word}")
# The top level first: build trees (build/, whose CI roots hold a /proc
# and a /sys; any directory with a CMakeCache.txt, as a package build's
# obj-*) and git's own files are not the project's text, and are never
# walked.
file(GLOB top LIST_DIRECTORIES true RELATIVE ${SOURCE_DIR} ${SOURCE_DIR}/*
  ${SOURCE_DIR}/.[!.]*)
set(files "")
foreach(t IN LISTS top)
  if(t MATCHES "^(build.*|\\.git|\\.ci)$"
      OR EXISTS ${SOURCE_DIR}/${t}/CMakeCache.txt)
    continue()
  endif()
  if(IS_DIRECTORY ${SOURCE_DIR}/${t})
    file(GLOB_RECURSE sub LIST_DIRECTORIES false RELATIVE ${SOURCE_DIR}
      ${SOURCE_DIR}/${t}/*)
    list(APPEND files ${sub})
  else()
    list(APPEND files ${t})
  endif()
endforeach()
set(found "")
foreach(f IN LISTS files)
  file(STRINGS ${SOURCE_DIR}/${f} lines)
  # (An item is a line, or a part of one: a list splits at ';'.)
  foreach(line IN LISTS lines)
    foreach(p IN LISTS patterns)
      string(FIND "${line}" "${p}" at)
      if(NOT at EQUAL -1)
        string(APPEND found "${f}: ${line}\n")
      endif()
    endforeach()
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "cites a file outside the project:\n${found}")
endif()
message(STATUS "no file cites a file outside the project")
