# SPDX-License-Identifier: ISC
# cmake -DHEADER=imsg.h -DMAP=imsg.map -DEXPORTS=imsg.exports
#   [-DNM=nm -DLIBRARY=libfdpass-imsg.so] -P exports.cmake
# The functions imsg.h declares, the version script's names, Apple's list
# and (with NM) what the shared library exports are one and the same set.
file(READ ${HEADER} header)
# Comments name manual pages, imsg_init(3): not declarations.
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" header "${header}")
string(REGEX MATCHALL "[ *](ibuf|ibufq|msgbuf|imsgbuf|imsg)_[a-z0-9_]+\\(" decls "${header}")
set(declared "")
foreach(decl IN LISTS decls)
  string(REGEX REPLACE "^[ *]([a-z0-9_]+)\\($" "\\1" name "${decl}")
  list(APPEND declared ${name})
endforeach()
list(REMOVE_DUPLICATES declared)
list(SORT declared)

file(STRINGS ${MAP} mapped REGEX "^[ \t]+[a-z0-9_]+;$")
list(TRANSFORM mapped STRIP)
list(TRANSFORM mapped REPLACE ";$" "")
list(SORT mapped)
if(NOT declared STREQUAL mapped)
  message(FATAL_ERROR "${MAP} lists '${mapped}'\nbut ${HEADER} declares '${declared}'")
endif()

file(STRINGS ${EXPORTS} listed REGEX "^[^#]")
list(TRANSFORM listed REPLACE "^_" "")
list(SORT listed)
if(NOT declared STREQUAL listed)
  message(FATAL_ERROR "${EXPORTS} lists '${listed}'\nbut ${HEADER} declares '${declared}'")
endif()

if(NM AND LIBRARY)
  execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY}
    OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${LIBRARY}")
  endif()
  string(REGEX MATCHALL " [TtWw] [A-Za-z0-9_]+" syms "${out}")
  list(TRANSFORM syms REPLACE "^ [TtWw] " "")
  list(SORT syms)
  if(NOT declared STREQUAL syms)
    message(FATAL_ERROR "${LIBRARY} exports '${syms}'\nbut ${HEADER} declares '${declared}'")
  endif()
endif()
list(LENGTH declared n)
if(NM AND LIBRARY)
  set(where ", the list and the library")
else()
  set(where " and the list")
endif()
message(STATUS "${n} names, the same in the header, the map${where}")
