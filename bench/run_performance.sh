#!/bin/sh
# The one command behind docs/performance.md: builds gru-bench (release
# preset, in build/perf), runs the full bench with OpenBLAS's fast kernels,
# again with OpenBLAS's own choice of kernels (libgru and PyTorch only),
# and the plot's sweep, then writes the tables into the document and draws
# its plot (DOC with .png for .md). Run it on an otherwise idle machine:
# other work on the cores moves every figure.
#
#   bench/run_performance.sh [DOC]     DOC: docs/performance.md by default
#
# OpenBLAS 0.3.21 does not know recent AVX-512 CPUs and falls back to its
# generic kernels; on a CPU with AVX-512 the first and third runs set
# OPENBLAS_CORETYPE=SKYLAKEX (which would stop with SIGILL on any other
# CPU), elsewhere they leave OpenBLAS's own detection. GRU_BENCH_CORE
# names another core (HASWELL on an AVX2 CPU OpenBLAS does not know);
# GRU_BENCH_CORE= (empty) keeps OpenBLAS's detection. Each run's output
# names the core it used; no other OPENBLAS_* variable reaches the bench.
set -eu
cd "$(dirname "$0")/.."
build=${GRU_BENCH_BUILD:-build/perf}
results=bench/results
doc=${1:-docs/performance.md}
if [ "${GRU_BENCH_CORE+set}" ]; then
  core=$GRU_BENCH_CORE
elif grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  core=SKYLAKEX
else
  core=
fi
cmake --preset release -B "$build" -DGRU_BUILD_TESTS=OFF -DGRU_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target gru-bench >/dev/null
mkdir -p "$results"
# Only what each run sets below reaches OpenBLAS.
clean="env -u OPENBLAS_NUM_THREADS -u OPENBLAS_THREAD_TIMEOUT -u OPENBLAS_CORETYPE"
fast="$clean ${core:+OPENBLAS_CORETYPE=$core}"
bench="$build/bench/gru-bench"
echo "== 1/3 full run, OPENBLAS_CORETYPE=${core:-(unset)}" >&2
$fast "$bench" --json > "$results/fast.jsonl"
echo "== 2/3 OpenBLAS's own core (OPENBLAS_CORETYPE unset): libgru and PyTorch" >&2
$clean "$bench" --json --impl libgru,torch > "$results/default.jsonl"
echo "== 3/3 sweep for the plot, OPENBLAS_CORETYPE=${core:-(unset)}" >&2
$fast "$bench" --json --config sweep --threads 2 --impl libgru,onednn,torch \
  > "$results/sweep.jsonl"
python3 bench/json2md.py --fast "$results/fast.jsonl" --default "$results/default.jsonl" \
  --sweep "$results/sweep.jsonl" --doc "$doc" \
  --plot-data "$results" --command "bench/run_performance.sh${1:+ $1}"
bench/plot.sh "$results" "${doc%.md}.png"
echo "wrote $doc and ${doc%.md}.png from $results/"
