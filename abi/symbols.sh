#!/bin/sh
# abi/symbols.sh -- lists libgru's public functions from each place that
# names them, one a line, sorted, so that abi/check.sh and abi/update.sh
# (and the build, through cmake/GruAbi.cmake) can compare them.
#
#   abi/symbols.sh header include/gru.h   every function declared GRU_API
#   abi/symbols.sh map src/libgru.map     every global of the version script,
#                                         as name@node
#   abi/symbols.sh lib libgru.so          every symbol the library exports,
#                                         as name@node (node symbols left out)
#   abi/symbols.sh check-map include/gru.h src/libgru.map
#                                         fails, saying what to do, unless
#                                         the two name the same functions
set -eu
LC_ALL=C
export LC_ALL

header() { # GRU_API declarations may span lines: join up to the ';'
  awk '
    /^[ \t]*GRU_API[ \t]/ { decl = ""; on = 1 }
    on { decl = decl " " $0 }
    on && /;/ {
      on = 0
      if (match(decl, /gru_[A-Za-z0-9_]+[ \t]*\(/)) {       # a function
        name = substr(decl, RSTART, RLENGTH); sub(/[ \t]*\($/, "", name)
      } else {                                               # a variable
        sub(/[ \t]*(\[[^]]*\])?[ \t]*;.*$/, "", decl); name = decl
        sub(/^.*[^A-Za-z0-9_]/, "", name)
      }
      print name
    }' "$1" | sort -u
}

map() { # node { global: names; local: *; } [parent];
  awk '
    { sub(/\/\*.*\*\//, "") }
    /\/\*/ { comment = 1 }
    comment { if (/\*\//) comment = 0; next }
    /^[ \t]*[A-Za-z0-9_.]+[ \t]*\{/ { node = $1; sub(/\{.*/, "", node); global = 1; next }
    /global:/ { global = 1; next }
    /local:/ { global = 0; next }
    /^[ \t]*\}/ { node = ""; next }
    node != "" && global && /[A-Za-z0-9_]+[ \t]*;/ {
      name = $0; gsub(/[ \t;]/, "", name); print name "@" node
    }' "$1" | sort -u
}

lib() { # nm -D: "T name@@node" (default version) or "T name@node"
  nm -D --defined-only "$1" | awk '$2 != "A" { sub(/@@/, "@", $3); print $3 }' | sort -u
}

case "${1:-}" in
header) header "$2" ;;
map) map "$2" ;;
lib) lib "$2" ;;
check-map)
  h=$(header "$2")
  m=$(map "$3" | sed 's/@.*//')
  missing=$(printf '%s\n' "$h" | grep -vxF -e "$m" || true)
  extra=$(printf '%s\n' "$m" | grep -vxF -e "$h" || true)
  [ -z "$h" ] && { echo "$2: no GRU_API declaration found"; exit 1; }
  status=0
  for f in $missing; do
    echo "$f is declared GRU_API in $2 but not listed in $3, so libgru.so would not export it."
    echo "  If it is new: run abi/update.sh, which adds it to the newest version node and"
    echo "  refreshes the ABI baseline; commit both with the function (docs/abi.md)."
    status=1
  done
  for f in $extra; do
    echo "$f is listed in $3 but no longer declared GRU_API in $2."
    echo "  Removing or renaming a public function breaks every program that calls it:"
    echo "  keep it (deprecated, docs/abi.md), or follow docs/abi.md \"Breaking the ABI\"."
    status=1
  done
  exit $status
  ;;
*)
  echo "usage: $0 header FILE | map FILE | lib FILE | check-map HEADER MAP" >&2
  exit 2
  ;;
esac
