#!/bin/sh
# CI job "aarch64": the scalar path on another architecture. Cross-compiles
# libgru, its tests and examples for arm64 with Debian's
# gcc-aarch64-linux-gnu against Debian's arm64 OpenBLAS and cmocka
# (multiarch), and runs the whole test suite under qemu-user
# (docs/portability.md).
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $sudo dpkg --add-architecture arm64
  $sudo apt-get update -q >/dev/null
fi
scripts/install-deps.sh gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user \
  libopenblas-dev:arm64 libcmocka-dev:arm64 libstdc++6:arm64
T=${GRU_CI_TMP:-/tmp/gru-ci}/aarch64
rm -rf "$T" "$T".*.log && mkdir -p "$(dirname "$T")"
cmake -S . -B "$T" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRU_WERROR=ON -DGRU_BUILD_BENCH=OFF >"$T.configure.log" 2>&1 ||
  { cat "$T.configure.log"; exit 1; }
cmake --build "$T" -j2 >"$T.build.log" 2>&1 || { tail -40 "$T.build.log"; exit 1; }
file -bL "$T/src/libgru.so.1" | grep -q 'ARM aarch64' || { echo "aarch64: not an arm64 library"; exit 1; }
echo "built: $(file -bL "$T/src/libgru.so.1" | cut -d, -f1-2)"
# Left out under emulation: test_threads counts the threads in
# /proc/self/task, where qemu-user shows its own host threads, one of which
# can outlive pthread_join (and its 8 x 6000 steps take 100 s emulated);
# test_determinism re-runs itself through sh, and test_cli execs the gru
# command: neither can start an arm64 program without binfmt_misc, absent
# in CI's container (the gru command runs directly below instead).
(cd "$T" && ctest -j2 --output-on-failure --timeout 900 -E '^(test_threads|test_determinism|test_cli)$')
for p in examples/gru-hello examples/gru-hello-cpp; do
  if [ -x "$T/$p" ]; then qemu-aarch64 "$T/$p"; fi
done
if [ -x "$T/tools/gru/gru" ]; then qemu-aarch64 "$T/tools/gru/gru" info | head -8; fi
echo "aarch64: ok in $(($(date +%s) - start)) s"
