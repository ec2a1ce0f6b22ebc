#!/bin/sh
# The README's first command: installs what the build needs (Debian 12),
# builds libgru with the dev preset, and runs the demo: the example program,
# a short bench run, and text from the built-in model (docs/models.md).
set -eu
cd "$(dirname "$0")"
scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev -j"$(nproc)"
echo
echo "== examples/hello.c"
./build/dev/examples/gru-hello
echo
echo "== gru-bench --quick (OPENBLAS_CORETYPE as this machine has it)"
./build/dev/bench/gru-bench --quick
echo
echo "== gru generate: a GRU language model trained on the King James Bible (docs/models.md)"
./build/dev/tools/gru/gru generate --length 300
