#!/bin/sh
# abi/check.sh [LIBGRU_SO] -- compares a freshly built libgru.so (default
# build/dev/src/libgru.so, built with debug info) with the committed ABI
# baseline, and fails saying what changed and what to do:
#   - include/gru.h and src/libgru.map name the same functions;
#   - the library exports exactly abi/gru.symbols (name@version-node),
#     nothing but gru_*;
#   - abidiff finds no change in the functions or public types against
#     abi/libgru.abi (abidw's dump, from Debian's abigail-tools);
#   - debian/libgru1.symbols lists the same symbols.
# After adding a function on purpose: abi/update.sh, then commit abi/,
# src/libgru.map and debian/libgru1.symbols with it (abi/README.md).
set -eu
cd "$(dirname "$0")/.."
LC_ALL=C
export LC_ALL
lib=${1:-build/dev/src/libgru.so}
[ -f "$lib" ] || { echo "abi/check.sh: no $lib; build first (cmake --preset dev && cmake --build --preset dev)"; exit 2; }
command -v abidiff >/dev/null || { echo "abi/check.sh: abidiff missing: apt-get install abigail-tools"; exit 2; }
soversion=$(sed -n 's/^set(GRU_SOVERSION \([0-9]*\))/\1/p' CMakeLists.txt)
debsymbols=debian/libgru$soversion.symbols
status=0
problem() { status=1; printf 'ABI: %s\n' "$@"; }

echo "== header and version script"
abi/symbols.sh check-map include/gru.h src/libgru.map || status=1

echo "== exported symbols ($lib) against abi/gru.symbols"
exported=$(abi/symbols.sh lib "$lib")
baseline=$(grep -v '^#' abi/gru.symbols | sort -u)
for s in $exported; do
  name=${s%@*}
  case $name in gru_*) ;; *)
    problem "libgru.so exports $s, which is not gru_*: make it static, or name it gru__*"\
      "  and keep it out of gru.h and src/libgru.map." ;;
  esac
  printf '%s\n' "$baseline" | grep -qxF "$s" && continue
  was=$(printf '%s\n' "$baseline" | grep "^$name@" || true)
  if [ -n "$was" ]; then
    problem "$name moved from version node ${was#*@} to ${s#*@}: programs linked against"\
      "  ${was} will no longer load. Move it back in src/libgru.map."
  else
    problem "$s is exported but not in the baseline abi/gru.symbols. If it is a new public"\
      "  function: run abi/update.sh and commit abi/, src/libgru.map and"\
      "  debian/libgru1.symbols with it. If not: make it static or gru__, out of gru.h."
  fi
done
for s in $baseline; do
  printf '%s\n' "$exported" | grep -qxF "$s" && continue
  printf '%s\n' "$exported" | grep -q "^${s%@*}@" && continue # reported as moved
  problem "$s is in the baseline but libgru.so no longer exports it: every program"\
    "  calling it fails to load. Restore it (deprecate instead, docs/abi.md), or break"\
    "  the ABI deliberately: docs/abi.md \"Breaking the ABI\" (new SONAME)."
done

echo "== abidiff abi/libgru.abi $lib"
if abidiff --headers-dir2 include --no-added-syms abi/libgru.abi "$lib" >/tmp/gru-abidiff.$$ 2>&1; then
  echo "no change in the functions or public types"
else
  rc=$?
  cat /tmp/gru-abidiff.$$
  if [ $((rc & 8)) -ne 0 ]; then
    problem "abidiff (exit $rc) found an INCOMPATIBLE change above: programs built against"\
      "  the old gru.h would misbehave. Undo it, or add a new function (or enumerator)"\
      "  instead; if the break is intended, docs/abi.md \"Breaking the ABI\"."
  elif [ $((rc & 4)) -ne 0 ]; then
    problem "abidiff (exit $rc) found the changes above to functions or types programs already"\
      "  use. A changed parameter or return type, enumerator value or type size breaks"\
      "  every program built against the old gru.h: undo it, add a new function or"\
      "  enumerator instead, or break deliberately (docs/abi.md \"Breaking the ABI\")."\
      "  Only a change docs/abi.md lists as compatible may be recorded: abi/update.sh."
  else
    problem "abidiff failed (exit $rc); see above."
  fi
fi
rm -f /tmp/gru-abidiff.$$

echo "== $debsymbols against abi/gru.symbols"
if [ -f "$debsymbols" ]; then
  deb=$(awk '/^ / && $1 !~ /^gru_[0-9.]+@/ {print $1}' "$debsymbols" | sort -u)
  if [ "$deb" != "$baseline" ]; then
    printf '%s\n' "$baseline" >/tmp/gru-base.$$
    printf '%s\n' "$deb" | diff -u /tmp/gru-base.$$ - | sed 1,2d || true
    rm -f /tmp/gru-base.$$
    problem "$debsymbols differs from abi/gru.symbols (+ only in Debian's):"\
      "  run abi/update.sh."
  fi
fi

if [ $status -eq 0 ]; then
  echo "ABI: ok, $(printf '%s\n' "$exported" | wc -l) symbols as in abi/gru.symbols"
fi
exit $status
