# SPDX-License-Identifier: ISC
# cmake -DHEADER=include/fdpass.h -DEXPORTS=src/fdpass.exports -P exports_list.cmake
# Apple's exported-symbols list names exactly the functions the public
# header declares FDPASS_EXPORT (Mach-O spells them with a leading _).
file(READ ${HEADER} header)
string(REGEX MATCHALL "FDPASS_EXPORT [^(;\n]*[ *]fdpass_[a-z0-9_]+\\(" decls "${header}")
set(declared "")
foreach(decl IN LISTS decls)
  string(REGEX REPLACE ".*[ *](fdpass_[a-z0-9_]+)\\($" "_\\1" name "${decl}")
  list(APPEND declared ${name})
endforeach()
file(STRINGS ${EXPORTS} listed REGEX "^[^#]")
list(SORT declared)
list(SORT listed)
if(NOT declared STREQUAL listed)
  message(FATAL_ERROR "${EXPORTS} lists '${listed}'\nbut ${HEADER} exports '${declared}'")
endif()
list(LENGTH listed n)
message(STATUS "${n} names, the same in both")
