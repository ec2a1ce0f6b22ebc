# Reads GRU_VERSION_MAJOR/MINOR/PATCH from the public header, the one place
# the release version is written.
function(gru_read_version header out_var)
  file(STRINGS "${header}" lines REGEX "^#define GRU_VERSION_(MAJOR|MINOR|PATCH) ")
  foreach(part MAJOR MINOR PATCH)
    if(NOT lines MATCHES "GRU_VERSION_${part} ([0-9]+)")
      message(FATAL_ERROR "GRU_VERSION_${part} not found in ${header}")
    endif()
    set(${part} ${CMAKE_MATCH_1})
  endforeach()
  set(${out_var} "${MAJOR}.${MINOR}.${PATCH}" PARENT_SCOPE)
endfunction()
