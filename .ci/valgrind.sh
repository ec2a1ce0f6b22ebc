#!/bin/sh
# CI job: every ctest test under valgrind memcheck, in a build of its own
# (the dev preset's flags, build/valgrind). Fails on any memcheck error and
# on definite or indirect leaks (--error-exitcode). OpenBLAS is told to use
# one thread (its pool's spinning is slow under valgrind and is OpenBLAS's,
# not ours) and test_threads runs 100 iterations a thread instead of 1000.
# Subprocesses (test_determinism's re-runs) run natively: they compute what
# their parent computes under memcheck.
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/install-deps.sh valgrind
build=build/valgrind
cmake --preset dev -B "$build" -DGRU_BUILD_BENCH=OFF -DGRU_BUILD_EXAMPLES=OFF
cmake --build "$build" -j2
log=$(mktemp -d)
# "Test command: <exe> <args>" for each test, from ctest itself.
ctest --test-dir "$build" -N -V | sed -n 's/^[0-9]*: Test command: //p' | tr -d '"' >"$log/commands"
# The parity sweeps test_forward and test_parallel take 16 and 12 min
# under memcheck; ASan and TSan run them, valgrind runs everything else.
# The disabled test_determinism_blas (ctest -N lists it) is left out too.
grep -v -e '/test_forward$' -e '/test_parallel$' -e ' --blas$' "$log/commands" \
  >"$log/kept" || true
mv "$log/kept" "$log/commands"
export OPENBLAS_NUM_THREADS=1 GRU_TEST_ITERATIONS=100
# Runs the tests of one list, one after another; two lists run at once.
run_list() {
  while read -r cmd; do
    name=$(basename "${cmd%% *}")
    t0=$(date +%s)
    # shellcheck disable=SC2086 # the command's words are its arguments
    if valgrind --quiet --error-exitcode=99 --leak-check=full --suppressions=.ci/valgrind.supp \
        --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
        --log-file="$log/$name.%p.log" $cmd >"$log/$name.out" 2>&1; then
      echo "valgrind ok: $name ($(($(date +%s) - t0)) s)"
    else
      echo "valgrind FAILED: $name"
      cat "$log/$name".*.log | head -n 80
      tail -n 20 "$log/$name.out"
      touch "$log/failed"
    fi
  done <"$1"
}
awk 'NR % 2 == 1' "$log/commands" >"$log/a"
awk 'NR % 2 == 0' "$log/commands" >"$log/b"
run_list "$log/a" &
run_list "$log/b"
wait
echo "== valgrind job: $(wc -l <"$log/commands") tests, $(($(date +%s) - start)) s"
[ ! -e "$log/failed" ]
