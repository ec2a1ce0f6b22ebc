#!/bin/sh
# CI job "install": libgru installs like a good citizen and is found the
# conventional ways (issue 5, items 2 and 3).
#  1. A release build with the caller's CFLAGS/LDFLAGS (each leaves a mark
#     in libgru.so that is checked), installed with DESTDIR under /usr: the
#     files, the multiarch libdir, the symlinks, no RPATH, nothing else.
#  2. Installed into a staging prefix; outside the source tree, a C program
#     found through pkg-config, a C++ program through find_package(gru) and
#     a C program linked to libgru.a (gru::gru_static) are built and run.
#  3. A project that add_subdirectory()s a copy of the tree builds none of
#     libgru's tests, bench or examples, and its program runs.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
T=${GRU_CI_TMP:-/tmp/gru-ci}/install
rm -rf "$T" && mkdir -p "$T"
scripts/install-deps.sh g++ binutils
start=$(date +%s)
fail() { echo "install: FAIL: $*"; exit 1; }

echo "== install: release build with the caller's CFLAGS and LDFLAGS"
CFLAGS="-O2 -frecord-gcc-switches -fstack-clash-protection" LDFLAGS="-Wl,--hash-style=both" \
  cmake -S . -B "$T/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DGRU_BUILD_TESTS=OFF -DGRU_BUILD_BENCH=OFF -DGRU_BUILD_EXAMPLES=OFF >"$T/configure.log"
cmake --build "$T/build" -j2 >"$T/build.log" || { tail -30 "$T/build.log"; exit 1; }
so=$(find "$T/build" -name 'libgru.so.*.*' -type f | head -1)
readelf -p .GCC.command.line "$so" | grep -q -e -fstack-clash-protection || fail "CFLAGS not used for $so"
readelf -S "$so" | grep -q ' \.hash ' || fail "LDFLAGS not used for $so (no .hash section)"

echo "== install: DESTDIR=$T/destdir, prefix /usr"
DESTDIR="$T/destdir" cmake --install "$T/build" >/dev/null
multiarch=$(gcc -print-multiarch)
lib=usr/lib/$multiarch
version=$(sed -n 's/^#define GRU_VERSION_STRING "\(.*\)"/\1/p' include/gru.h)
soversion=$(sed -n 's/^set(GRU_SOVERSION \([0-9]*\))/\1/p' CMakeLists.txt)
LC_ALL=C sort >"$T/expected" <<LIST
usr/include/gru.h
$lib/cmake/gru/gruConfig.cmake
$lib/cmake/gru/gruConfigVersion.cmake
$lib/cmake/gru/gruTargets-release.cmake
$lib/cmake/gru/gruTargets.cmake
$lib/libgru.a
$lib/libgru.so -> libgru.so.$soversion
$lib/libgru.so.$soversion -> libgru.so.$version
$lib/libgru.so.$version
$lib/pkgconfig/gru.pc
LIST
(cd "$T/destdir" && find . \( -type f -o -type l \) -printf '%P%l\n' |
  sed 's/\(\.so[0-9.]*\)\(libgru\)/\1 -> \2/' | LC_ALL=C sort) >"$T/installed"
# An installed program (a future gru CLI) may add usr/bin entries.
if ! diff -u "$T/expected" "$(grep -v '^usr/bin/' "$T/installed" >"$T/installed.lib" && echo "$T/installed.lib")"; then
  fail "the installed files differ from the list above (- expected, + installed)"
fi
for f in $(cd "$T/destdir" && find . -type f); do
  if readelf -h "$T/destdir/$f" >/dev/null 2>&1 && readelf -d "$T/destdir/$f" 2>/dev/null | grep -qE 'RPATH|RUNPATH'; then
    fail "$f has an RPATH or RUNPATH"
  fi
done
grep -q "^Requires.private: openblas" "$T/destdir/$lib/pkgconfig/gru.pc" || fail "gru.pc lacks Requires.private: openblas"
echo "installed: $(wc -l <"$T/installed") files, libdir $lib, no RPATH"

echo "== install: staging prefix $T/prefix"
cmake -S . -B "$T/build" -DCMAKE_INSTALL_PREFIX="$T/prefix" >/dev/null
cmake --install "$T/build" >/dev/null
prefix=$T/prefix
libdir=$(dirname "$(find "$prefix" -name 'libgru.so.*.*')") # lib/<multiarch>: cached from above

echo "== consumers, built in $T/consumer (outside the source tree)"
cp -r .ci/consumer "$T/consumer"
cd "$T/consumer"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --modversion gru)" = "$version" ] || fail "pkg-config --modversion gru is not $version"
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
cc -std=c11 -Wall -Wextra -pedantic -Werror consumer.c -o consumer_pc \
  $(pkg-config --cflags --libs gru) -lm
# shellcheck disable=SC2046
cc -std=c11 consumer.c -o consumer_pc_static $(pkg-config --cflags gru) \
  -Wl,-Bstatic -lgru -Wl,-Bdynamic $(pkg-config --static --libs gru | sed 's/-lgru //')
cmake -S . -B build -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" -DCMAKE_CXX_FLAGS="-Wall -Wextra -pedantic -Werror" \
  >cmake.log || { cat cmake.log; exit 1; }
grep "gru $version from" cmake.log
cmake --build build -j2 >build.log || { cat build.log; exit 1; }
for p in build/consumer_static consumer_pc_static; do
  readelf -d $p | grep -q 'libgru\.so' && fail "$p needs libgru.so"
  readelf -d $p | grep -q 'NEEDED.*libopenblas' || fail "$p lacks the BLAS"
done
check() { # label program...: runs it and checks its line
  out=$("$@" "$label") || fail "$label: $out"
  [ "$out" = "$label: libgru $version, ok" ] || fail "$label printed '$out'"
  echo "$out"
}
label="C, pkg-config" check env LD_LIBRARY_PATH="$libdir" ./consumer_pc
label="C++, find_package(gru)" check env LD_LIBRARY_PATH="$libdir" build/consumer_cxx
label="C, static libgru.a, find_package(gru)" check build/consumer_static
label="C, static libgru.a, pkg-config --static" check ./consumer_pc_static
# Without the library path the shared consumers must not run: no RPATH.
if ./consumer_pc x >/dev/null 2>&1; then fail "consumer_pc found libgru without LD_LIBRARY_PATH"; fi

echo "== add_subdirectory consumer"
mkdir "$T/tree" && (cd "$src" && git ls-files -z | xargs -0 cp --parents -t "$T/tree")
cmake -S . -B sub -DGRU_SOURCE_DIR="$T/tree" -DCMAKE_BUILD_TYPE=Release >sub.log ||
  { cat sub.log; exit 1; }
cmake --build sub -j2 >sub-build.log || { tail -30 sub-build.log; exit 1; }
label="C++, add_subdirectory" check sub/consumer_cxx
built=$(find sub -name 'test_*' -type f -perm -u+x; find sub -name 'gru-bench' -o -name 'gru-hello')
[ -z "$built" ] || fail "add_subdirectory built: $built"
cmake --install sub --prefix "$T/sub-prefix" >/dev/null 2>&1 || true
[ ! -e "$T/sub-prefix/include/gru.h" ] || fail "add_subdirectory installs libgru (GRU_INSTALL should be off)"
echo "install: ok in $(($(date +%s) - start)) s"
