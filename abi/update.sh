#!/bin/sh
# abi/update.sh [LIBGRU_SO] -- the one command to run after adding a public
# function (or a compatible change to a public type) on purpose:
#   1. lists every GRU_API function of include/gru.h that src/libgru.map
#      lacks in the map's newest (last) version node;
#   2. builds libgru.so with debug info (preset dev, in build/abi, or
#      GRU_ABI_BUILD_DIR), unless a library is given;
#   3. rewrites the baseline, abi/gru.symbols and abi/libgru.abi, and
#      debian/libgru1.symbols (a new symbol gets the header's version);
#   4. runs abi/check.sh.
# Commit what it changed together with the function. It refuses to drop a
# function: that breaks the ABI (docs/abi.md "Breaking the ABI").
set -eu
cd "$(dirname "$0")/.."
LC_ALL=C
export LC_ALL
src=$(pwd -P)
map=src/libgru.map

header=$(abi/symbols.sh header include/gru.h)
listed=$(abi/symbols.sh map "$map" | sed 's/@.*//')
gone=$(printf '%s\n' "$listed" | grep -vxF -e "$header" || true)
if [ -n "$gone" ]; then
  echo "abi/update.sh: $map lists functions gru.h no longer declares:" $gone
  echo "  removing a function breaks the ABI; see docs/abi.md \"Breaking the ABI\"."
  exit 1
fi
new=$(printf '%s\n' "$header" | grep -vxF -e "$listed" || true)
if [ -n "$new" ]; then
  node=$(abi/symbols.sh map "$map" | sed 's/.*@//' | tail -1)
  last=$(awk '/^[ \t]*[A-Za-z0-9_.]+[ \t]*\{/ { n = NR } END { print n }' "$map")
  # Insert before the "local:" or the closing brace of the last node.
  awk -v last="$last" -v new="$new" '
    NR > last && !done && (/local:/ || /^[ \t]*\}/) {
      n = split(new, names, "\n")
      for (i = 1; i <= n; i++) printf "    %s;\n", names[i]
      done = 1
    }
    { print }' "$map" >"$map.tmp" && mv "$map.tmp" "$map"
  echo "added to $map, node $(printf '%s' "$node" | tr '\n' ' '):" $new
fi

lib=${1:-}
if [ -z "$lib" ]; then
  build=${GRU_ABI_BUILD_DIR:-build/abi}
  cmake --preset dev -B "$build" >/dev/null
  cmake --build "$build" --target gru -j"$(nproc)" >/dev/null
  lib=$build/src/libgru.so
fi

{
  echo "# libgru.so's exported symbols as name@version-node: the ABI baseline that"
  echo "# abi/check.sh holds every build to. Regenerate with abi/update.sh, never by hand."
  abi/symbols.sh lib "$lib"
} >abi/gru.symbols
# Paths relative to the source tree, so that the dump does not depend on
# where the tree was checked out; no DT_NEEDED, which depends on the BLAS.
abidw --headers-dir include --no-corpus-path --no-comp-dir-path --no-show-locs \
  --no-elf-needed --type-id-style hash --drop-undefined-syms "$lib" |
  sed "s|path='$src/|path='|g" >abi/libgru.abi

# debian/libgru1.symbols: known symbols keep their version, new ones get
# the release being prepared (the header's), each version node the version
# of its first symbol.
version=$(sed -n 's/^#define GRU_VERSION_STRING "\(.*\)"/\1/p' include/gru.h)
soversion=$(sed -n 's/^set(GRU_SOVERSION \([0-9]*\))/\1/p' CMakeLists.txt)
old=debian/libgru$soversion.symbols
[ -f "$old" ] || : >"$old"
grep -v '^#' abi/gru.symbols | awk -v version="$version" -v so="$soversion" -v old="$old" '
  BEGIN { while ((getline line < old) > 0) if (line ~ /^ /) { split(line, f, " "); known[f[1]] = f[2] } }
  { sym[++n] = $1; node = $1; sub(/.*@/, "", node)
    v = ($1 in known) ? known[$1] : version
    if (!(node in first)) { first[node] = v; order[++m] = node } }
  END {
    printf "libgru.so.%s libgru%s #MINVER#\n", so, so
    print "* Build-Depends-Package: libgru-dev"
    for (i = 1; i <= m; i++) {
      nd = order[i]; key = nd "@" nd
      printf " %s %s\n", key, (key in known) ? known[key] : first[nd]
    }
    for (i = 1; i <= n; i++) printf " %s %s\n", sym[i], (sym[i] in known) ? known[sym[i]] : version
  }' >"$old.tmp"
mv "$old.tmp" "$old"

echo "updated abi/gru.symbols, abi/libgru.abi, $old from $lib"
abi/check.sh "$lib"
git status --short -- abi "$map" "$old" 2>/dev/null || true
