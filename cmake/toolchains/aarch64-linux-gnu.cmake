# Cross-compiling libgru for 64-bit Arm Linux with Debian's cross compiler
# (gcc-aarch64-linux-gnu) against the arm64 libraries of a multiarch system
# (dpkg --add-architecture arm64; apt-get install libopenblas-dev:arm64
# libcmocka-dev:arm64). ctest runs the tests under qemu-user. Use:
#   cmake -S . -B build/aarch64 \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# What CI runs: .ci/aarch64.sh; docs/portability.md.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
# C++ only for the examples, and only if g++-aarch64-linux-gnu is there.
find_program(GRU_AARCH64_CXX aarch64-linux-gnu-g++)
if(GRU_AARCH64_CXX)
  set(CMAKE_CXX_COMPILER "${GRU_AARCH64_CXX}")
else()
  set(CMAKE_CXX_COMPILER CMAKE_CXX_COMPILER-NOTFOUND) # not the build machine's c++
endif()

# Headers and libraries of the target only (Debian's multiarch paths);
# programs (cmake, sh, pkg-config) of the build machine.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# pkg-config must read the arm64 .pc files (openblas, cmocka), never the
# build machine's.
set(ENV{PKG_CONFIG_LIBDIR}
    "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")

# ctest (and try_run) run target programs through qemu-user.
find_program(GRU_QEMU_AARCH64 qemu-aarch64)
if(GRU_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${GRU_QEMU_AARCH64}")
endif()
