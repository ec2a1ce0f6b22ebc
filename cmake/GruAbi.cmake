# Stops the build, saying what to do, when include/gru.h declares a GRU_API
# function that src/libgru.map does not list (it would not be exported), or
# the map lists one the header no longer declares. abi/symbols.sh does the
# comparison; abi/check.sh (CI) compares the built library with the
# committed baseline too.
find_program(GRU_SH sh)
if(GRU_SH AND TARGET gru)
  set(_gru_map_stamp "${PROJECT_BINARY_DIR}/abi-map.stamp")
  add_custom_command(OUTPUT "${_gru_map_stamp}"
    COMMAND "${GRU_SH}" "${PROJECT_SOURCE_DIR}/abi/symbols.sh" check-map
            "${PROJECT_SOURCE_DIR}/include/gru.h" "${PROJECT_SOURCE_DIR}/src/libgru.map"
    COMMAND "${CMAKE_COMMAND}" -E touch "${_gru_map_stamp}"
    DEPENDS "${PROJECT_SOURCE_DIR}/include/gru.h" "${PROJECT_SOURCE_DIR}/src/libgru.map"
            "${PROJECT_SOURCE_DIR}/abi/symbols.sh"
    COMMENT "Checking that src/libgru.map lists every GRU_API function of gru.h"
    VERBATIM)
  add_custom_target(gru_check_map DEPENDS "${_gru_map_stamp}")
  add_dependencies(gru gru_check_map)
endif()
