# Chooses the CBLAS libgru calls, from the cache variable GRU_BLAS:
#
#   openblas  (default) Debian's libopenblas-dev, found through openblas.pc
#   blis      BLIS with its CBLAS layer (Debian's libblis-dev)
#   netlib    Debian's reference BLAS (libblas-dev): cblas-netlib.h and
#             libblas.so.3, which Debian's alternatives may point at any
#             BLAS installed (update-alternatives --config libblas.so.3-*)
#
# Where a library lives elsewhere, set GRU_BLAS_INCLUDE_DIR (the directory
# holding the CBLAS header) and GRU_BLAS_LIBRARY (the library file).
#
# Defines:
#   gru_blas                 INTERFACE target: header path, library, and
#                            GRU_BLAS_OPENBLAS/BLIS/NETLIB for src/blas.c
#                            (the only file that includes the CBLAS header)
#   GRU_BLAS_PC_REQUIRES     pkg-config module for gru.pc's Requires.private
#   GRU_BLAS_PC_LIBS         flags for gru.pc's Libs.private (no .pc module)
#   GRU_BLAS_LINK_NAME       library name (-l<name>), for gruConfig.cmake
set(GRU_BLAS_PC_REQUIRES "")
set(GRU_BLAS_PC_LIBS "")
find_package(PkgConfig QUIET)

if(GRU_BLAS STREQUAL "openblas")
  set(_gru_blas_header cblas.h)
  set(GRU_BLAS_LINK_NAME openblas)
  set(GRU_BLAS_PC_REQUIRES openblas)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(_GRU_OPENBLAS QUIET openblas)
  endif()
  set(_gru_blas_hints ${_GRU_OPENBLAS_INCLUDE_DIRS})
  set(_gru_blas_lib_hints ${_GRU_OPENBLAS_LIBRARY_DIRS})
  set(_gru_blas_suffixes openblas-pthread openblas-openmp openblas-serial openblas)
  set(_gru_blas_package libopenblas-dev)
elseif(GRU_BLAS STREQUAL "blis")
  # Debian 12's libblis-dev ships no blis.pc: BLIS's cblas.h sits beside
  # its blis.h, in a directory named after the threading flavour.
  set(_gru_blas_header cblas.h)
  set(GRU_BLAS_LINK_NAME blis)
  set(GRU_BLAS_PC_LIBS -lblis)
  find_file(_GRU_BLIS_H blis.h PATH_SUFFIXES blis blis-openmp blis-pthread blis-serial)
  if(_GRU_BLIS_H)
    get_filename_component(_gru_blis_real "${_GRU_BLIS_H}" REALPATH)
    get_filename_component(_gru_blas_hints "${_gru_blis_real}" DIRECTORY)
  endif()
  set(_gru_blas_suffixes blis blis-openmp blis-pthread blis-serial)
  set(_gru_blas_package libblis-dev)
elseif(GRU_BLAS STREQUAL "netlib")
  set(_gru_blas_header cblas-netlib.h)
  set(GRU_BLAS_LINK_NAME blas)
  set(GRU_BLAS_PC_REQUIRES blas-netlib)
  set(_gru_blas_suffixes "")
  set(_gru_blas_package libblas-dev)
else()
  message(FATAL_ERROR "GRU_BLAS must be openblas, blis or netlib, not '${GRU_BLAS}'")
endif()

# A previous run's results stay valid only for the same GRU_BLAS.
if(NOT "${GRU_BLAS}" STREQUAL "${_GRU_BLAS_FOUND_FOR}")
  unset(GRU_BLAS_INCLUDE_DIR CACHE)
  unset(GRU_BLAS_LIBRARY CACHE)
endif()
# The suffixes come before the plain include directory, whose cblas.h is
# whichever BLAS Debian's alternatives chose.
find_path(GRU_BLAS_INCLUDE_DIR ${_gru_blas_header}
  HINTS ${_gru_blas_hints} PATH_SUFFIXES ${_gru_blas_suffixes})
find_library(GRU_BLAS_LIBRARY ${GRU_BLAS_LINK_NAME} HINTS ${_gru_blas_lib_hints})
set(_GRU_BLAS_FOUND_FOR "${GRU_BLAS}" CACHE INTERNAL "GRU_BLAS the paths were found for")

if(NOT GRU_BLAS_INCLUDE_DIR OR NOT GRU_BLAS_LIBRARY)
  message(FATAL_ERROR "GRU_BLAS=${GRU_BLAS}: ${_gru_blas_header} or lib${GRU_BLAS_LINK_NAME} "
    "not found (header: ${GRU_BLAS_INCLUDE_DIR}, library: ${GRU_BLAS_LIBRARY}). On Debian: "
    "apt-get install ${_gru_blas_package}; elsewhere set GRU_BLAS_INCLUDE_DIR and "
    "GRU_BLAS_LIBRARY.")
endif()

string(TOUPPER "${GRU_BLAS}" _gru_blas_upper)
add_library(gru_blas INTERFACE)
target_include_directories(gru_blas SYSTEM INTERFACE "${GRU_BLAS_INCLUDE_DIR}")
target_link_libraries(gru_blas INTERFACE "${GRU_BLAS_LIBRARY}" ${CMAKE_DL_LIBS})
target_compile_definitions(gru_blas INTERFACE GRU_BLAS_${_gru_blas_upper})
message(STATUS "libgru: BLAS ${GRU_BLAS}: ${GRU_BLAS_INCLUDE_DIR}/${_gru_blas_header}, "
  "${GRU_BLAS_LIBRARY}")
