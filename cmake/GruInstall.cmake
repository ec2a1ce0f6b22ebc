# Install rules: the header, libgru.so.<ABI> with its symlinks, libgru.a,
# gru.pc and the CMake package (find_package(gru) gives gru::gru).
# Everything lands under GNUInstallDirs' directories, so CMAKE_INSTALL_PREFIX,
# DESTDIR and Debian's multiarch libdir (lib/x86_64-linux-gnu) are honoured.
# Components: "runtime" (the versioned .so alone) and "development" (the
# rest), for packagers who split them.
include(CMakePackageConfigHelpers)

# Plain variables, not cache entries: they follow CMAKE_INSTALL_LIBDIR,
# which GNUInstallDirs recomputes when CMAKE_INSTALL_PREFIX changes.
set(GRU_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/gru")
set(GRU_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

set(_gru_install_targets "")
if(GRU_BUILD_SHARED)
  list(APPEND _gru_install_targets gru)
endif()
if(GRU_BUILD_STATIC)
  list(APPEND _gru_install_targets gru_static)
  # gru::gru is the shared library when there is one, else the static one.
  if(NOT GRU_BUILD_SHARED)
    set_target_properties(gru_static PROPERTIES EXPORT_NAME gru)
  endif()
endif()

install(TARGETS ${_gru_install_targets} EXPORT gruTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime
    NAMELINK_COMPONENT development
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT development
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT runtime)
install(FILES "${PROJECT_SOURCE_DIR}/include/gru.h"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT development)

install(EXPORT gruTargets NAMESPACE gru:: FILE gruTargets.cmake
  DESTINATION "${GRU_INSTALL_CMAKEDIR}" COMPONENT development)
configure_package_config_file(cmake/gruConfig.cmake.in
  "${PROJECT_BINARY_DIR}/gruConfig.cmake"
  INSTALL_DESTINATION "${GRU_INSTALL_CMAKEDIR}")
# The release version's major number: 0.x releases are source compatible
# with each other as far as CMake is concerned; the binary contract is the
# SONAME (docs/abi.md).
write_basic_package_version_file("${PROJECT_BINARY_DIR}/gruConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/gruConfig.cmake" "${PROJECT_BINARY_DIR}/gruConfigVersion.cmake"
  DESTINATION "${GRU_INSTALL_CMAKEDIR}" COMPONENT development)

# gru.pc: the BLAS (and libm, threads, libdl) only matter to static links.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(GRU_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(GRU_PC_LIBDIR "\${exec_prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(GRU_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(GRU_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(GRU_PC_REQUIRES_PRIVATE "")
if(GRU_BLAS_PC_REQUIRES)
  set(GRU_PC_REQUIRES_PRIVATE "Requires.private: ${GRU_BLAS_PC_REQUIRES}\n")
endif()
set(GRU_PC_LIBS_PRIVATE ${GRU_BLAS_PC_LIBS} -lm -pthread)
foreach(_lib IN LISTS CMAKE_DL_LIBS)
  list(APPEND GRU_PC_LIBS_PRIVATE "-l${_lib}")
endforeach()
list(JOIN GRU_PC_LIBS_PRIVATE " " GRU_PC_LIBS_PRIVATE)
configure_file(cmake/gru.pc.in "${PROJECT_BINARY_DIR}/gru.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/gru.pc"
  DESTINATION "${GRU_INSTALL_PKGCONFIGDIR}" COMPONENT development)
