#!/bin/sh
# CI job: the whole suite under ThreadSanitizer (the tsan preset), above all
# test_threads: 8 threads on one layer, libgru's own threads, fork.
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/install-deps.sh libtsan2
cmake --preset tsan
cmake --build --preset tsan -j2
ctest --preset tsan -j2
echo "== tsan job: $(($(date +%s) - start)) s"
