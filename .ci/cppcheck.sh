#!/bin/sh
# CI job: cppcheck (Debian 12's 2.10) over every C and C++ file we build:
# the library, tests, bench, fuzz targets, examples and tools. Warnings,
# portability and performance checks; any finding fails the job. A false
# positive is suppressed where it occurs (cppcheck-suppress, with why).
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/install-deps.sh cppcheck
cppcheck --version
cppcheck --enable=warning,portability,performance --std=c11 --inline-suppr \
  --error-exitcode=1 --quiet -I include -I src -I tests \
  src tests bench fuzz examples tools
echo "cppcheck: no findings in $(($(date +%s) - start)) s"
