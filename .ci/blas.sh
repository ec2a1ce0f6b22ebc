#!/bin/sh
# CI job "blas": libgru built for another CBLAS reports that BLAS at run
# time (gru_blas_info) and computes what PyTorch does:
#   GRU_BLAS=blis    Debian's libblis-dev (libblis.so.4, its own SONAME):
#                    the whole test suite
#   GRU_BLAS=netlib  Debian's reference BLAS (libblas-dev), run with the
#                    reference libblas.so.3 rather than whichever BLAS the
#                    alternatives system points libblas.so.3 at: the
#                    PyTorch golden-data test, whose cases run on the BLAS
#                    path (GRU_PRODUCTS_BLAS) as well as the packed one (the
#                    library and one test only, to keep the job short)
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh libblis-dev libblas-dev
start=$(date +%s)
T=${GRU_CI_TMP:-/tmp/gru-ci}/blas
rm -rf "$T" && mkdir -p "$T"
multiarch=$(gcc -print-multiarch)
for blas in blis netlib; do
  echo "== GRU_BLAS=$blas"
  dir=$T/$blas
  libpath=$dir/src
  expect="BLIS "
  targets=all
  tests=.
  if [ $blas = netlib ]; then
    libpath=$libpath:/usr/lib/$multiarch/blas
    expect="(a reference BLAS)"
    targets="gru test_torch_golden"
    tests='^test_torch_golden$'
  fi
  cmake --preset dev -B "$dir" -DGRU_BLAS=$blas -DGRU_BUILD_BENCH=OFF -DGRU_BUILD_EXAMPLES=OFF \
    >"$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
  # shellcheck disable=SC2086 # a list of targets
  cmake --build "$dir" -j2 --target $targets >"$dir.build.log" 2>&1 ||
    { tail -40 "$dir.build.log"; exit 1; }
  cc -Iinclude -x c - -o "$dir/blas-info" -L"$dir/src" -lgru <<'PROGRAM'
#include <gru.h>
#include <stdio.h>
int main(void) {
  char buf[512];
  gru_status st = gru_blas_info(buf, sizeof buf);
  puts(buf);
  return st != GRU_OK;
}
PROGRAM
  info=$(LD_LIBRARY_PATH=$libpath "$dir/blas-info")
  echo "gru_blas_info: $info"
  case $info in *"$expect"*) ;; *) echo "blas: expected '$expect' in gru_blas_info"; exit 1 ;; esac
  (cd "$dir" && LD_LIBRARY_PATH=$libpath ctest -j2 --output-on-failure -R "$tests")
done
echo "blas: ok in $(($(date +%s) - start)) s"
