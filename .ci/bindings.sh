#!/bin/sh
# CI job for the bindings, against the freshly built library of BUILD_DIR
# (default build/dev): the Python package installed offline into a venv
# and its tests, the Rust crates' tests, and the C++ and Python examples.
# Installs the Debian packages it needs; prints how long each part took.
#   sh .ci/bindings.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build/dev}
lib_dir="$root/$build/src"
[ -f "$lib_dir/libgru.so.1" ] || { echo "bindings.sh: no $lib_dir/libgru.so.1: build first"; exit 1; }
t0=$(date +%s)
lap() { echo "== bindings: $1 ($(($(date +%s) - t0)) s so far)"; }

# Debian's interpreter: an earlier python3 on PATH (pyenv, say) lacks
# Debian's numpy and torch.
python=/usr/bin/python3
scripts/install-deps.sh python3 python3-venv python3-pip python3-setuptools python3-wheel \
  python3-numpy python3-pytest python3-torch binutils
# cargo: rustup's if the machine has it, else Debian 12's (rustc 1.63).
if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then PATH="$HOME/.cargo/bin:$PATH"; else scripts/install-deps.sh cargo; fi
fi
lap "dependencies"

echo "== Python: pip install --no-build-isolation --no-index into a venv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# --without-pip: the venv runs Debian's pip from the system site-packages
# (10 s less than bootstrapping its own), installing into the venv.
$python -m venv --without-pip --system-site-packages "$work/venv"
cp -r python "$work/python-src" # setuptools writes build/ and *.egg-info beside the sources
"$work/venv/bin/python" -m pip install -q --no-build-isolation --no-index "$work/python-src"
export LIBGRU_LIBRARY="$lib_dir"
(cd "$work" && "$work/venv/bin/python" -c \
  'import libgru, sys; assert "/venv/" in libgru.__file__, libgru.__file__; print("libgru", libgru.__version__, "from", libgru.__file__, "loads", libgru.library_path, libgru.library_version)')
lap "python install"
echo "== Python: pytest (the installed package, against torch.nn.GRU and tests/data)"
(cd "$work" && LIBGRU_SOURCE_DIR="$root" "$work/venv/bin/python" -m pytest -p no:cacheprovider \
  -o addopts="" "$root/python/tests")
echo "== Python example: examples/check_torch.py"
"$work/venv/bin/python" examples/check_torch.py --steps 30
lap "python"

echo "== Rust: cargo test --offline ($(cargo --version))"
(cd rust && LIBGRU_LIB_DIR="$lib_dir" CARGO_TARGET_DIR="$root/build/rust" cargo test --offline)
(cd rust && LIBGRU_LIB_DIR="$lib_dir" CARGO_TARGET_DIR="$root/build/rust" \
  cargo run --offline -q -p libgru --example hello)
lap "rust"

echo "== C++ example: examples/hello.cpp through examples/gru.hpp"
if [ -x "$build/examples/gru-hello-cpp" ]; then
  "$build/examples/gru-hello-cpp"
else
  echo "not built: no C++ compiler when $build was configured"
fi
lap "done"
