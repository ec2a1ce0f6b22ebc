#!/bin/sh
# CI job "abi": the fresh libgru.so against the committed baseline in abi/
# (docs/abi.md). Uses build/dev when .ci/run's earlier steps built it (the
# dev preset has debug info, which abidiff reads); builds it otherwise.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh abigail-tools binutils
start=$(date +%s)
lib=build/dev/src/libgru.so
if [ ! -f "$lib" ]; then
  dir=${GRU_CI_TMP:-/tmp/gru-ci}/abi
  cmake --preset dev -B "$dir" >/dev/null
  cmake --build "$dir" --target gru -j2 >/dev/null
  lib=$dir/src/libgru.so
fi
abi/check.sh "$lib"
echo "abi: ok in $(($(date +%s) - start)) s"
