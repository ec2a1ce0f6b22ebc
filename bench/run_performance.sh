#!/bin/sh
# The one command behind docs/performance.md: builds gru-bench (release
# preset, in build/perf), runs the full bench with OpenBLAS's SkylakeX
# kernels, again with OpenBLAS's own choice of kernels (libgru and PyTorch
# only), and the plot's sweep, then writes the tables into
# docs/performance.md and draws docs/performance.png. Run it on an
# otherwise idle machine: other work on the cores moves every figure.
#
# OPENBLAS_CORETYPE=SKYLAKEX is set for the first and third runs only, and
# each run's output names the OpenBLAS core it used; no other OPENBLAS_*
# variable reaches the bench. Set GRU_BENCH_CORE to use another core name
# (HASWELL on an AVX2 machine).
set -eu
cd "$(dirname "$0")/.."
build=${GRU_BENCH_BUILD:-build/perf}
results=bench/results
core=${GRU_BENCH_CORE:-SKYLAKEX}
cmake --preset release -B "$build" -DGRU_BUILD_TESTS=OFF -DGRU_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target gru-bench >/dev/null
mkdir -p "$results"
# Only what each run sets below reaches OpenBLAS.
clean="env -u OPENBLAS_NUM_THREADS -u OPENBLAS_THREAD_TIMEOUT -u OPENBLAS_CORETYPE"
bench="$build/bench/gru-bench"
echo "== 1/3 full run, OPENBLAS_CORETYPE=$core" >&2
$clean OPENBLAS_CORETYPE=$core "$bench" --json > "$results/fast.jsonl"
echo "== 2/3 OpenBLAS's own core (OPENBLAS_CORETYPE unset): libgru and PyTorch" >&2
$clean "$bench" --json --impl libgru,torch > "$results/default.jsonl"
echo "== 3/3 sweep for the plot, OPENBLAS_CORETYPE=$core" >&2
$clean OPENBLAS_CORETYPE=$core "$bench" --json --config sweep --threads 2 --impl libgru,onednn,torch \
  > "$results/sweep.jsonl"
python3 bench/json2md.py --fast "$results/fast.jsonl" --default "$results/default.jsonl" \
  --sweep "$results/sweep.jsonl" --doc docs/performance.md \
  --plot-data "$results" --command "bench/run_performance.sh"
bench/plot.sh "$results" docs/performance.png
echo "wrote docs/performance.md and docs/performance.png from $results/"
