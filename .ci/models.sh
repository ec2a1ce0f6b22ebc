#!/bin/sh
# CI job: model files (docs/models.md), on build/dev after the test suite
# (which already ran the loader's tests, the CLI's against PyTorch golden
# data, greedy parity and the fuzz corpus). Here, in a few seconds: the
# committed built-in model loads and describes itself; the figures
# docs/models.md quotes are the ones its training log holds; loading a
# 90 MB model and one 4 times larger peaks within the weights and the same
# 4 MiB (docs/models.md#memory: 2.5 MiB measured on files just written).
# No training: models/train_charlm.py is run by hand and its output
# committed.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/dev}
gru="$build/tools/gru/gru"

echo "== models: the built-in model"
"$gru" info models/charlm.safetensors | sed -n '1,8p'
"$gru" generate --length 80 --seed 3 >/dev/null

echo "== models: docs/models.md quotes models/charlm.log"
for key in "training took" "validation loss:" "greedy:"; do
  line=$(grep "^$key" models/charlm.log | sed "s/^$key *//")
  if ! grep -qF -- "$line" docs/models.md; then
    echo "docs/models.md does not quote the log's '$key $line'"
    exit 1
  fi
done

echo "== models: peak memory of loading a 90 MB and a 365 MB model"
tmp=$(mktemp -d)
for size in "256 1024" "512 2048"; do
  # shellcheck disable=SC2086 # INPUT HIDDEN, two arguments
  "$build/tools/gru/gru-load-peak" --write "$tmp/gru.safetensors" 4 $size
  "$build/tools/gru/gru-load-peak" --slack 4 "$tmp/gru.safetensors"
done
rm -rf "$tmp"
