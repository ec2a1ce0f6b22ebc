#!/bin/sh
# CI job: each libFuzzer target of fuzz/ for GRU_FUZZ_SECONDS (default 60)
# under ASan + UBSan (clang-14, the fuzz preset), starting from the
# committed corpus and past crashes. New inputs go to a scratch directory,
# never into the tree. A crash fails the job and prints the input's path:
# commit it under fuzz/crashes/<target>/ with the fix, and every ctest run
# replays it from then on (fuzz_<target>_replay).
set -eu
cd "$(dirname "$0")/.."
seconds=${GRU_FUZZ_SECONDS:-60}
start=$(date +%s)
scripts/install-deps.sh clang-14 libclang-rt-14-dev
cmake --preset fuzz
cmake --build --preset fuzz -j2 --target fuzz_api fuzz_state fuzz_model
work=$(mktemp -d)
status=0
for t in api state model; do
  mkdir -p "$work/$t"
  if ! "build/fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$work/$t-" "$work/$t" "fuzz/corpus/$t" "fuzz/crashes/$t" \
      >"$work/$t.log" 2>&1; then
    status=1
    tail -n 60 "$work/$t.log"
    echo "fuzz_$t FAILED; its input: $(ls "$work"/"$t"-* 2>/dev/null)"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
  echo "== fuzz_$t: ${runs:-?} executions in ${seconds} s, $(ls "$work/$t" | wc -l) new corpus inputs"
done
echo "== fuzz job: $(($(date +%s) - start)) s"
exit $status
